// msal-node, unchanged, against emaillog's simulator over TLS (trusted via
// NODE_EXTRA_CA_CERTS): client credentials, device code approved through
// the control API, silent refresh from its cache. Run by
// tests/interop_msal_node.rs, which sets the SIM_* variables.
import * as msal from "@azure/msal-node";
import https from "node:https";

const { SIM_BASE: base, SIM_TENANT: tenant, SIM_CLIENT_ID: clientId,
  SIM_CLIENT_SECRET: secret, SIM_ACCOUNT: account } = process.env;
const authority = `${base}/${tenant}`;
const host = new URL(base).host;
const scopes = ["https://graph.microsoft.com/Mail.ReadWrite.Shared"];

function check(cond, what, detail) {
  if (!cond) {
    console.log(`FAIL: ${what}: ${JSON.stringify(detail ?? null).slice(0, 2000)}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    https.get(url, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve(JSON.parse(text)));
    }).on("error", reject);
  });
}

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const cca = new msal.ConfidentialClientApplication({
  auth: { clientId, clientSecret: secret, authority, knownAuthorities: [host] },
});
const app = await cca.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
check(app?.accessToken, "client credentials: token issued", app);

let approvedAfterPending = false;
const pca = new msal.PublicClientApplication({
  auth: { clientId, authority, knownAuthorities: [host] },
});
const result = await pca.acquireTokenByDeviceCode({
  scopes,
  // The person approves once msal-node has polled and been told
  // authorization_pending (counted by the simulator, not timed).
  deviceCodeCallback: (r) => {
    (async () => {
      const polls = `${base}/_sim/device/polls?user_code=${encodeURIComponent(r.userCode)}`;
      while ((await getJson(polls)).polls < 1) {
        await new Promise((done) => setTimeout(done, 100));
      }
      approvedAfterPending = true;
      const status = await post(`${base}/_sim/device/approve`, { user_code: r.userCode, account });
      check(status === 200, "device code: approved through the control API", status);
    })();
  },
});
check(approvedAfterPending, "device code: msal-node polled through authorization_pending");
check(result?.accessToken && result.account?.username === account, "device code: token for the account", result?.account);
check(result.account.homeAccountId === `${result.idTokenClaims.oid}.${result.idTokenClaims.tid}`, "client_info: home account id is oid.tid", result.account);
const silent = await pca.acquireTokenSilent({ scopes, account: result.account, forceRefresh: true });
check(silent?.accessToken && silent.accessToken !== result.accessToken, "silent refresh: new access token", silent?.fromCache);
console.log("done");
