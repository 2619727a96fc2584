//! The `token` endpoint's grants: client credentials, device code,
//! authorization code with PKCE, and refresh tokens (a new one with each
//! answer; the one used stays valid until revoked, as Entra's).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};

use super::{DEVICE_GRANT, check_client, client_credentials, form_field, missing, ttl};
use crate::sim::http::{SimRequest, SimResponse, oauth_error};
use crate::sim::state::{Sim, SimState};
use crate::sim::tokens::{AccessToken, DeviceState, Issuer, is_oidc_scope, parse_scopes};

pub(super) fn token(sim: &Sim, req: &SimRequest, tenant: &str) -> SimResponse {
    let form = req.form();
    let (id, secret) = client_credentials(req, &form);
    let Some(grant) = form_field(&form, "grant_type") else {
        return missing("grant_type");
    };
    // The client is checked once for every grant; only app-only needs the secret.
    let client = match check_client(
        sim,
        id.as_deref(),
        secret.as_deref(),
        grant == "client_credentials",
    ) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut state = sim.state();
    match grant {
        "client_credentials" => {
            if matches!(tenant, "common" | "organizations" | "consumers") {
                return oauth_error(
                    400,
                    "invalid_request",
                    900023,
                    "Specified tenant identifier is not valid for client credentials: use the tenant id or domain.",
                );
            }
            let scope = form_field(&form, "scope").unwrap_or_default();
            let audience = match scope.trim() {
                "https://graph.microsoft.com/.default" => "graph",
                // Exchange Online's IMAP and POP, app-only.
                "https://outlook.office365.com/.default" => "outlook",
                _ => "",
            };
            if audience.is_empty() {
                return oauth_error(
                    400,
                    "invalid_scope",
                    1002012,
                    &format!(
                        "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                    ),
                );
            }
            let t = AccessToken {
                client_id: client,
                account: None,
                scopes: vec![],
                roles: vec!["Mail.ReadWrite".into()],
                expires_at: Utc::now(),
                uses: 0,
                audience: audience.into(),
            };
            SimResponse::json(
                200,
                state.tokens.issue(t, &issuer(sim, &form), ttl(sim), false),
            )
        }
        // msal-node sends the short name, MSAL for Python the URN; Entra takes both.
        DEVICE_GRANT | "device_code" => device_token(sim, &mut state, &form, client),
        "authorization_code" => code_token(sim, &mut state, &form, client),
        "refresh_token" => {
            let Some(rt) = form_field(&form, "refresh_token") else {
                return missing("refresh_token");
            };
            // As Entra: using a refresh token does not revoke it (a new one
            // comes with the answer); revocation is the control API's job.
            let Some(grant) = state.tokens.refresh.get(rt).cloned() else {
                return oauth_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The provided grant is invalid or malformed: the refresh token was revoked or never issued. Sign in again.",
                );
            };
            if grant.client_id != client {
                return oauth_error(
                    400,
                    "invalid_grant",
                    70000,
                    "The refresh token was issued to a different client.",
                );
            }
            let scopes = match form_field(&form, "scope") {
                Some(s) => {
                    let asked = parse_scopes(s);
                    if let Some(extra) = asked
                        .iter()
                        .find(|a| !is_oidc_scope(a) && !grant.scopes.contains(a))
                    {
                        return oauth_error(
                            400,
                            "invalid_grant",
                            65001,
                            &format!(
                                "The user or administrator has not consented to use the application with scope '{extra}'."
                            ),
                        );
                    }
                    let mut s = asked;
                    if grant.scopes.iter().any(|g| g == "offline_access")
                        && !s.iter().any(|x| x == "offline_access")
                    {
                        s.push("offline_access".into());
                    }
                    s
                }
                None => grant.scopes.clone(),
            };
            let t = AccessToken {
                client_id: client,
                account: Some(grant.account),
                audience: audience_of(&scopes).into(),
                scopes,
                roles: vec![],
                expires_at: Utc::now(),
                uses: 0,
            };
            SimResponse::json(
                200,
                state.tokens.issue(t, &issuer(sim, &form), ttl(sim), true),
            )
        }
        other => oauth_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn device_token(
    sim: &Sim,
    state: &mut SimState,
    form: &[(String, String)],
    client: String,
) -> SimResponse {
    let Some(code) = form_field(form, "device_code") else {
        return missing("device_code");
    };
    let now = state.tokens.device_clock.now();
    let Some(dc) = state.tokens.device.get_mut(code) else {
        return oauth_error(
            400,
            "bad_verification_code",
            70019,
            "Verification code was not recognized.",
        );
    };
    if dc.client_id != client {
        return oauth_error(
            400,
            "bad_verification_code",
            70019,
            "Verification code was issued to a different client.",
        );
    }
    if dc.expires_at <= now {
        return oauth_error(
            400,
            "expired_token",
            70020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
        );
    }
    let too_soon = dc
        .last_poll
        .is_some_and(|last| now - last < Duration::seconds(dc.interval_secs as i64));
    dc.last_poll = Some(now);
    dc.polls += 1;
    if too_soon {
        return oauth_error(
            400,
            "slow_down",
            70016,
            &format!(
                "Polling faster than the interval of {} seconds. Slow down.",
                dc.interval_secs
            ),
        );
    }
    match dc.state.clone() {
        DeviceState::Pending => oauth_error(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ),
        DeviceState::Declined => {
            state.tokens.device.remove(code);
            oauth_error(
                400,
                "authorization_declined",
                70000,
                "The end user denied the authorization request.",
            )
        }
        DeviceState::Approved(account) => {
            let scopes = dc.scopes.clone();
            state.tokens.device.remove(code);
            let t = AccessToken {
                client_id: client,
                account: Some(account),
                audience: audience_of(&scopes).into(),
                scopes,
                roles: vec![],
                expires_at: now,
                uses: 0,
            };
            SimResponse::json(
                200,
                state.tokens.issue(t, &issuer(sim, form), ttl(sim), true),
            )
        }
    }
}

fn code_token(
    sim: &Sim,
    state: &mut SimState,
    form: &[(String, String)],
    client: String,
) -> SimResponse {
    let Some(code) = form_field(form, "code") else {
        return missing("code");
    };
    let Some(grant) = state.tokens.codes.remove(code) else {
        return oauth_error(
            400,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed or is not valid. Sign in again.",
        );
    };
    if grant.client_id != client || grant.expires_at <= Utc::now() {
        return oauth_error(
            400,
            "invalid_grant",
            70008,
            "The provided authorization code has expired or was issued to another client.",
        );
    }
    if form_field(form, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return oauth_error(
            400,
            "invalid_grant",
            50148,
            "The redirect_uri does not match the one in the authorization request.",
        );
    }
    if let Some((challenge, method)) = &grant.challenge {
        let Some(verifier) = form_field(form, "code_verifier") else {
            return oauth_error(
                400,
                "invalid_grant",
                50148,
                "The code_verifier is missing: the authorization request used PKCE.",
            );
        };
        let computed = if method == "S256" {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
        } else {
            verifier.to_string()
        };
        if &computed != challenge {
            return oauth_error(
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            );
        }
    }
    let t = AccessToken {
        client_id: client,
        account: Some(grant.account),
        audience: audience_of(&grant.scopes).into(),
        scopes: grant.scopes,
        roles: vec![],
        expires_at: Utc::now(),
        uses: 0,
    };
    SimResponse::json(
        200,
        state.tokens.issue(t, &issuer(sim, form), ttl(sim), true),
    )
}

/// The issuer of this request's tokens: the simulator's tenant and key,
/// and whether the client asked for `client_info`.
fn issuer<'a>(sim: &'a Sim, form: &[(String, String)]) -> Issuer<'a> {
    Issuer {
        tenant_id: &sim.config.tenant_id,
        key: &sim.id_token_key,
        client_info: form_field(form, "client_info") == Some("1"),
    }
}

/// Whom delegated scopes make a token for: Exchange Online's IMAP when
/// they ask for it, else Graph.
fn audience_of(scopes: &[String]) -> &'static str {
    if scopes.iter().any(|s| s.ends_with("IMAP.AccessAsUser.All")) {
        "outlook"
    } else {
        "graph"
    }
}
