//! Device authorization: `devicecode`, and the `/devicelogin` page (or the
//! control API) where a person approves or declines a code.

use axum::http::Method;
use chrono::Duration;
use serde_json::json;

use super::{check_client, client_credentials, form_field, html_escape, missing};
use crate::sim::http::{SimRequest, SimResponse};
use crate::sim::ids;
use crate::sim::state::{Sim, SimState};
use crate::sim::tokens::{DeviceCode, DeviceState, parse_scopes};

pub(super) fn device_code(sim: &Sim, req: &SimRequest) -> SimResponse {
    let form = req.form();
    let (id, secret) = client_credentials(req, &form);
    let client = match check_client(sim, id.as_deref(), secret.as_deref(), false) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let Some(scope) = form_field(&form, "scope").filter(|s| !s.trim().is_empty()) else {
        return missing("scope");
    };
    let scopes = parse_scopes(scope);
    if scopes.iter().any(|s| s == ".default") && scopes.len() == 1 {
        // Allowed: consented permissions of the app.
    }
    let code = ids::opaque_token(48);
    let user_code = ids::user_code();
    let ttl = Duration::from_std(sim.config.device_code_ttl).unwrap_or(Duration::minutes(15));
    let verification_uri = format!("{}/devicelogin", req.origin);
    let mut st = sim.state();
    let issued = st.tokens.device_clock.now();
    st.tokens.device.insert(
        code.clone(),
        DeviceCode {
            user_code: user_code.clone(),
            client_id: client,
            scopes,
            expires_at: issued + ttl,
            interval_secs: sim.config.device_interval_secs,
            last_poll: None,
            polls: 0,
            state: DeviceState::Pending,
        },
    );
    SimResponse::json(
        200,
        json!({
            "device_code": code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "expires_in": ttl.num_seconds(),
            "interval": sim.config.device_interval_secs,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
    )
}

/// Approves or declines a pending device code by its user code.
pub fn decide_device(
    state: &mut SimState,
    user_code: &str,
    decision: DeviceState,
) -> Result<(), String> {
    let wanted = user_code.trim().to_ascii_uppercase();
    let now = state.tokens.device_clock.now();
    let dc = state
        .tokens
        .device
        .values_mut()
        .find(|d| d.user_code == wanted && d.expires_at > now)
        .ok_or_else(|| format!("no pending device code with user_code '{user_code}' (it may have expired or been used)"))?;
    dc.state = decision;
    Ok(())
}

/// How often a pending device code was polled (`None`: no such code).
pub fn device_polls(state: &SimState, user_code: &str) -> Option<u32> {
    let wanted = user_code.trim().to_ascii_uppercase();
    state
        .tokens
        .device
        .values()
        .find(|d| d.user_code == wanted)
        .map(|d| d.polls)
}

/// The page a person opens from the device-code message (GET shows, POST decides).
pub(super) fn device_login_page(sim: &Sim, req: &SimRequest) -> SimResponse {
    let mut note = String::new();
    if req.method == Method::POST {
        let form = req.form();
        let code = form_field(&form, "user_code").unwrap_or_default();
        let account = form_field(&form, "account").unwrap_or_default().trim();
        let decision = if form_field(&form, "action") == Some("decline") {
            DeviceState::Declined
        } else {
            DeviceState::Approved(account.to_string())
        };
        if matches!(decision, DeviceState::Approved(_)) && !account.contains('@') {
            note = "Enter the account to sign in as, such as admin@contoso.example.".into();
        } else {
            match decide_device(&mut sim.state(), code, decision) {
                Ok(()) => return SimResponse::html(200, "<html><body><h1>Done</h1><p>You can close this window and go back to emaillog.</p></body></html>".into()),
                Err(e) => note = e,
            }
        }
    }
    SimResponse::html(
        200,
        format!(
            "<html><body><h1>Sign in (emaillog simulator)</h1><p>{}</p><form method=\"post\">\
         <label>Code <input name=\"user_code\"></label><br><label>Account <input name=\"account\" value=\"admin@contoso.example\"></label><br>\
         <button name=\"action\" value=\"approve\">Approve</button> <button name=\"action\" value=\"decline\">Decline</button></form></body></html>",
            html_escape(&note)
        ),
    )
}
