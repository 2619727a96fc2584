// An independent OpenID Connect server (panva's oidc-provider) for emaillog's
// sign-in interop test: device flow, refresh-token rotation and client
// credentials switched on, endpoints at Entra's paths under /tenant so
// emaillog's authority/tenant settings point at it unchanged.
//
// Usage: PORT=NNNN node oidc-server.mjs   (prints "listening" when ready)
// GET /test/approve?user_code=X&account=Y stands in for a person approving
// the device code in a browser: it records the sign-in as oidc-provider's
// own device verification step does.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
if (!port) {
  console.error('set PORT');
  process.exit(2);
}
const GRAPH = 'https://graph.microsoft.com/Mail.ReadWrite.Shared';
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'emaillog-public',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      scope: `openid offline_access ${GRAPH}`,
    },
    {
      client_id: 'emaillog-app',
      client_secret: 'interop-client-secret-0123456789',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'https://graph.microsoft.com/.default',
    },
  ],
  scopes: ['openid', 'offline_access', GRAPH, 'https://graph.microsoft.com/.default'],
  features: {
    deviceFlow: { enabled: true },
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
  },
  rotateRefreshToken: true,
  routes: {
    authorization: '/tenant/oauth2/v2.0/authorize',
    token: '/tenant/oauth2/v2.0/token',
    device_authorization: '/tenant/oauth2/v2.0/devicecode',
  },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: sub }) }),
});

provider.use(async (ctx, next) => {
  if (ctx.path !== '/test/approve') {
    await next();
    return;
  }
  const { user_code: userCode, account } = ctx.query;
  // Stored without separators, as the verification step normalizes it.
  const code = await provider.DeviceCode.findByUserCode(String(userCode).replace(/[^A-Za-z0-9]/g, '').toUpperCase());
  if (!code || !account) {
    ctx.status = 404;
    ctx.body = { error: 'no such user code' };
    return;
  }
  const grant = new provider.Grant({ accountId: String(account), clientId: code.clientId });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  Object.assign(code, {
    accountId: String(account),
    grantId,
    authTime: Math.floor(Date.now() / 1000),
    scope: `openid offline_access ${GRAPH}`,
  });
  await code.save();
  ctx.body = { ok: true };
});

provider.listen(port, '127.0.0.1', () => console.log('listening'));
