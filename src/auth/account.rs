//! The signed-in account, read from a JWT's claims (never trusted for
//! anything but display and the entries' account field).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `preferred_username`, `upn`, `email` or `sub` of a JWT, if it is one.
pub fn from_jwt(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    ["preferred_username", "upn", "email", "sub"]
        .iter()
        .find_map(|k| {
            claims
                .get(k)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_account_from_claims() {
        let claims = URL_SAFE_NO_PAD.encode(br#"{"preferred_username":"admin@contoso.example"}"#);
        assert_eq!(
            from_jwt(&format!("h.{claims}.s")).as_deref(),
            Some("admin@contoso.example")
        );
        assert_eq!(from_jwt("opaque-token"), None);
    }
}
