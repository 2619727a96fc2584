//! The key that signs the simulator's id_tokens (RS256), and the JSON Web
//! Key Set the discovery document's `jwks_uri` serves, so a relying party
//! (PyJWT, MSAL's validators, oidc clients) can check an id_token's
//! signature as it would Entra's.
//!
//! The key is made on first use, not at start: most simulators (one per
//! test) never sign an id_token, and a 2048-bit RSA key takes a noticeable
//! moment to make.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The key, made the first time an id_token is signed or the keys
/// endpoint is asked.
#[derive(Default)]
pub struct LazyIdTokenKey(std::sync::OnceLock<IdTokenKey>);

impl LazyIdTokenKey {
    pub fn get(&self) -> &IdTokenKey {
        self.0.get_or_init(IdTokenKey::generate)
    }
}

pub struct IdTokenKey {
    kid: String,
    signer: SigningKey<Sha256>,
    jwk: Value,
}

impl IdTokenKey {
    pub fn generate() -> Self {
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .expect("a 2048-bit RSA key can be made");
        let n = private.n().to_bytes_be();
        let e = private.e().to_bytes_be();
        // Entra's kids are a thumbprint of the key; so is this one.
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&n)[..20]);
        let jwk = json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(&n),
            "e": URL_SAFE_NO_PAD.encode(&e),
        });
        Self {
            kid,
            signer: SigningKey::<Sha256>::new(private),
            jwk,
        }
    }

    /// A compact JWS of `claims`, signed RS256 with this key.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.signer.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// The `keys` endpoint's answer.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.jwk]})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use rsa::{BigUint, RsaPublicKey};

    #[test]
    fn a_signed_token_verifies_with_the_published_key_and_not_when_altered() {
        let key = IdTokenKey::generate();
        let token = key.sign(&json!({"sub": "x"}));
        let jwk = &key.jwks()["keys"][0];
        let num = |f: &str| {
            BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk[f].as_str().unwrap()).unwrap())
        };
        let public = RsaPublicKey::new(num("n"), num("e")).unwrap();
        let verifier = VerifyingKey::<Sha256>::new(public);
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig = Signature::try_from(URL_SAFE_NO_PAD.decode(sig).unwrap().as_slice()).unwrap();
        assert!(verifier.verify(input.as_bytes(), &sig).is_ok());
        let altered = input.replacen('e', "f", 1);
        assert!(verifier.verify(altered.as_bytes(), &sig).is_err());
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["kid"], jwk["kid"]);
        assert_eq!(header["alg"], "RS256");
    }
}
