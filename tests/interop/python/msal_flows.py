"""MSAL for Python, unchanged, against emaillog's simulator over TLS.

Run by tests/interop_python.rs with SIM_BASE, SIM_TENANT, SIM_CLIENT_ID,
SIM_CLIENT_SECRET, SIM_MAILBOX and SIM_ACCOUNT set, and REQUESTS_CA_BUNDLE /
SSL_CERT_FILE naming the simulator's CA. Prints one `ok: ...` line per
step and exits non-zero at the first thing that is not as Entra does it.
"""

import json
import os
import sys

import jwt
import msal
import requests

BASE = os.environ["SIM_BASE"]
TENANT = os.environ["SIM_TENANT"]
CLIENT_ID = os.environ["SIM_CLIENT_ID"]
SECRET = os.environ["SIM_CLIENT_SECRET"]
MAILBOX = os.environ["SIM_MAILBOX"]
ACCOUNT = os.environ["SIM_ACCOUNT"]
AUTHORITY = f"{BASE}/{TENANT}"
GRAPH_SCOPES = ["https://graph.microsoft.com/Mail.ReadWrite.Shared"]


def fail(what, detail=None):
    print(f"FAIL: {what}: {json.dumps(detail, default=str)[:2000]}")
    sys.exit(1)


def check(cond, what, detail=None):
    if not cond:
        fail(what, detail)
    print(f"ok: {what}")


def inbox_with(token):
    return requests.get(
        f"{BASE}/v1.0/users/{MAILBOX}/mailFolders/inbox",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def client_credentials():
    app = msal.ConfidentialClientApplication(
        CLIENT_ID, client_credential=SECRET, authority=AUTHORITY, instance_discovery=False
    )
    first = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
    check("access_token" in first, "client credentials: token issued", first)
    check(first.get("token_source") == "identity_provider", "client credentials: from the service", first)
    again = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
    check(again.get("token_source") == "cache", "client credentials: second call from MSAL's cache", again)
    r = inbox_with(first["access_token"])
    check(r.status_code == 200, "client credentials: the token reads the Inbox", r.text)


def verify_id_token(id_token):
    """Checks the id_token's RS256 signature with the key the discovery
    document's jwks_uri serves, and its claims, as a relying party would."""
    config = requests.get(f"{AUTHORITY}/v2.0/.well-known/openid-configuration", timeout=30).json()
    for field in ("jwks_uri", "subject_types_supported", "id_token_signing_alg_values_supported", "issuer"):
        check(field in config, f"discovery document has {field}", config)
    check("RS256" in config["id_token_signing_alg_values_supported"], "discovery: RS256", config)
    keys = jwt.PyJWKClient(config["jwks_uri"]).get_signing_key_from_jwt(id_token)
    claims = jwt.decode(id_token, keys.key, algorithms=["RS256"], audience=CLIENT_ID)
    check(True, "id_token signature verifies with the jwks key")
    tid = claims["tid"]
    check(claims["iss"] == f"https://login.microsoftonline.com/{tid}/v2.0", "id_token iss names the tenant GUID", claims)
    check(
        config["issuer"] in (claims["iss"], "https://login.microsoftonline.com/{tenantid}/v2.0"),
        "discovery issuer matches the id_token's",
        [config["issuer"], claims["iss"]],
    )
    for guid in ("tid", "oid"):
        parts = claims[guid].split("-")
        check([len(p) for p in parts] == [8, 4, 4, 4, 12], f"id_token {guid} is a GUID", claims)
    check(claims.get("ver") == "2.0" and claims.get("sub"), "id_token has ver 2.0 and sub", claims)
    check(claims.get("preferred_username") == ACCOUNT, "id_token names the account", claims)
    return claims


def device_code_and_silent_refresh():
    cache = msal.SerializableTokenCache()
    app = msal.PublicClientApplication(
        CLIENT_ID, authority=AUTHORITY, instance_discovery=False, token_cache=cache
    )
    flow = app.initiate_device_flow(scopes=GRAPH_SCOPES)
    check("user_code" in flow, "device code: flow started", flow)
    # The person approves on the device login page; here the control API
    # does, once MSAL has polled and been told authorization_pending.
    polls = {"seen": 0}

    def approve_after_first_poll(flow):
        if polls["seen"] == 0:
            seen = requests.get(
                f"{BASE}/_sim/device/polls", params={"user_code": flow["user_code"]}, timeout=30
            ).json()["polls"]
            if seen >= 1:
                polls["seen"] = seen
                r = requests.post(
                    f"{BASE}/_sim/device/approve",
                    json={"user_code": flow["user_code"], "account": ACCOUNT},
                    timeout=30,
                )
                check(r.status_code == 200, "device code: approved through the control API", r.text)
        return False  # MSAL's exit_condition: keep polling

    result = app.acquire_token_by_device_flow(flow, exit_condition=approve_after_first_poll)
    check(polls["seen"] >= 1, "device code: MSAL polled through authorization_pending", polls)
    check("access_token" in result, "device code: token issued", result)
    check("refresh_token" in result, "device code: refresh token issued", result)
    claims = verify_id_token(result["id_token"])
    check(inbox_with(result["access_token"]).status_code == 200, "device code: the token reads the Inbox")

    accounts = app.get_accounts()
    check(len(accounts) == 1 and accounts[0]["username"] == ACCOUNT, "device code: one account in the cache", accounts)
    check(
        accounts[0]["home_account_id"] == f"{claims['oid']}.{claims['tid']}",
        "client_info: the cached account's home id is oid.tid",
        accounts[0],
    )
    silent = app.acquire_token_silent(GRAPH_SCOPES, account=accounts[0])
    check(silent and silent.get("token_source") == "cache", "silent: access token from the cache", silent)

    # A new process: the serialized cache alone, and the token forced to renew
    # with the refresh token.
    saved = cache.serialize()
    refreshed_tokens = []
    for attempt in (1, 2):
        restored = msal.SerializableTokenCache()
        restored.deserialize(saved)
        app2 = msal.PublicClientApplication(
            CLIENT_ID, authority=AUTHORITY, instance_discovery=False, token_cache=restored
        )
        acct = app2.get_accounts(username=ACCOUNT)
        check(len(acct) == 1, f"silent refresh {attempt}: account found in the restored cache", acct)
        fresh = app2.acquire_token_silent(GRAPH_SCOPES, account=acct[0], force_refresh=True)
        check(
            fresh and fresh.get("token_source") == "identity_provider" and "access_token" in fresh,
            f"silent refresh {attempt}: new access token from the refresh token",
            fresh,
        )
        check(inbox_with(fresh["access_token"]).status_code == 200, f"silent refresh {attempt}: the new token works")
        refreshed_tokens.append(fresh["access_token"])
    # The second refresh used the same (saved) refresh token as the first:
    # Entra does not revoke a refresh token by its use.
    check(refreshed_tokens[0] != refreshed_tokens[1], "refresh token still valid after its first use")


if __name__ == "__main__":
    client_credentials()
    device_code_and_silent_refresh()
    print("done")
