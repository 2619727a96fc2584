//! `authorize`: validates the request, then signs the user in by the
//! authorize mode (a sign-in page, or approve/decline set by the control API)
//! and redirects to the loopback `redirect_uri` with `code` and `state`.

use axum::http::Method;
use chrono::{Duration, Utc};

use super::{form_field, html_escape};
use crate::sim::http::{SimRequest, SimResponse, graph_error};
use crate::sim::ids;
use crate::sim::state::Sim;
use crate::sim::tokens::{AuthCode, AuthorizeMode, parse_scopes};

fn is_loopback_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http"
            && match u.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    })
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> SimResponse {
    let mut u = match url::Url::parse(redirect_uri) {
        Ok(u) => u,
        Err(_) => return graph_error(400, "invalid_request", "redirect_uri is not a URL."),
    };
    u.query_pairs_mut().extend_pairs(pairs);
    SimResponse::redirect(u.as_str())
}

/// `/authorize`: validates the request, then signs the user in according to
/// the authorize mode (interactive page, or approve/decline set by `/_sim/authorize/...`).
pub(super) fn authorize(sim: &Sim, req: &SimRequest) -> SimResponse {
    let mut params: Vec<(String, String)> = req.query.clone();
    let form = if req.method == Method::POST {
        req.form()
    } else {
        Vec::new()
    };
    for (k, v) in &form {
        if !params.iter().any(|(pk, _)| pk == k) {
            params.push((k.clone(), v.clone()));
        }
    }
    let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let page_error = |m: &str| {
        SimResponse::html(
            400,
            format!(
                "<html><body><h1>Sign-in error</h1><p>{}</p></body></html>",
                html_escape(m)
            ),
        )
    };
    let client = get("client_id").unwrap_or_default();
    if client != sim.config.client_id {
        return page_error(&format!(
            "AADSTS700016: Application with identifier '{client}' was not found in the directory."
        ));
    }
    let Some(redirect_uri) = get("redirect_uri") else {
        return page_error("AADSTS900144: The request must contain the parameter 'redirect_uri'.");
    };
    if !is_loopback_redirect(&redirect_uri) {
        return page_error(
            "AADSTS50011: The redirect URI must be an http loopback address (http://localhost or http://127.0.0.1 with any port) for this app.",
        );
    }
    let state_param = get("state").unwrap_or_default();
    let with_state = |mut pairs: Vec<(&'static str, String)>| {
        if !state_param.is_empty() {
            pairs.push(("state", state_param.clone()));
        }
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        redirect_with(&redirect_uri, &refs)
    };
    if get("response_type").as_deref() != Some("code") {
        return with_state(vec![
            ("error", "unsupported_response_type".into()),
            (
                "error_description",
                "AADSTS700054: response_type must be 'code'.".into(),
            ),
        ]);
    }
    let Some(scope) = get("scope").filter(|s| !s.trim().is_empty()) else {
        return with_state(vec![
            ("error", "invalid_request".into()),
            (
                "error_description",
                "AADSTS900144: The request must contain the parameter 'scope'.".into(),
            ),
        ]);
    };
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (Some(c), m) => {
            let m = m.unwrap_or_else(|| "plain".into());
            if m != "S256" && m != "plain" {
                return with_state(vec![
                    ("error", "invalid_request".into()),
                    (
                        "error_description",
                        "AADSTS501491: code_challenge_method must be S256 or plain.".into(),
                    ),
                ]);
            }
            Some((c, m))
        }
        (None, _) => None,
    };
    let mode = sim.state().tokens.authorize_mode.clone();
    let decision = if req.method == Method::POST {
        match form_field(&form, "action") {
            Some("decline") => None,
            _ => Some(
                form_field(&form, "account")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
        }
    } else {
        match mode {
            AuthorizeMode::Approve(a) => Some(a),
            AuthorizeMode::Decline => None,
            AuthorizeMode::Interactive => {
                return sign_in_page(&params, get("login_hint").unwrap_or_default());
            }
        }
    };
    let Some(account) = decision else {
        return with_state(vec![
            ("error", "access_denied".into()),
            (
                "error_description",
                "AADSTS65004: User declined to consent to access the app.".into(),
            ),
        ]);
    };
    if !account.contains('@') {
        return sign_in_page(&params, account);
    }
    let code = ids::opaque_token(40);
    sim.state().tokens.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client,
            account,
            scopes: parse_scopes(&scope),
            redirect_uri: redirect_uri.clone(),
            challenge,
            expires_at: Utc::now() + Duration::minutes(10),
        },
    );
    with_state(vec![("code", code)])
}

fn sign_in_page(params: &[(String, String)], account: String) -> SimResponse {
    let hidden: String = params
        .iter()
        .filter(|(k, _)| k != "account" && k != "action")
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    SimResponse::html(
        200,
        format!(
            "<html><body><h1>Sign in (emaillog simulator)</h1><form method=\"post\">{hidden}\
         <label>Account <input name=\"account\" value=\"{}\"></label><br>\
         <button name=\"action\" value=\"approve\">Accept</button> <button name=\"action\" value=\"decline\">Cancel</button></form></body></html>",
            html_escape(&account)
        ),
    )
}
