//! Identifiers that look like the real service's: opaque, URL-safe, unique.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use rand::RngCore;

fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// About 150 characters of URL-safe base64 with `=` padding, as Graph's
/// message ids are: a client that puts one in a URL without encoding it,
/// or cuts it short, fails here too.
fn padded_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE.encode(buf)
}

/// A REST message id; Graph's start with `AAMk`.
pub fn message_id() -> String {
    format!("AAMkAGI2{}", padded_b64(106))
}

/// An immutable message id; Graph's start with `AAkALg`.
pub fn immutable_id() -> String {
    format!("AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A{}", padded_b64(85))
}

pub fn folder_id() -> String {
    format!("AQMkADAwATM0MDAAMS1{}", random_b64(18))
}

pub fn conversation_id() -> String {
    format!("AAQkAGI2{}", random_b64(24))
}

/// The same conversation id for the same thread key: how the demo makes
/// a topic between one company and us one conversation, as Outlook would.
pub fn conversation_id_for(thread: &str) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(thread.as_bytes());
    format!("AAQkAGI2{}", URL_SAFE_NO_PAD.encode(&h[..18]))
}

pub fn opaque_token(bytes: usize) -> String {
    random_b64(bytes)
}

pub fn uuid_like() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]),
        u16::from_be_bytes([b[8], b[9]]),
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]])
    )
}

/// A device-flow user code such as `BDFK-QRTW`: no vowels, easy to type.
pub fn user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let mut rng = rand::rng();
    let mut s = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        let n = (rng.next_u32() as usize) % ALPHABET.len();
        s.push(ALPHABET[n] as char);
    }
    s
}

/// A GUID (8-4-4-4-12 hex digits) that is always the same for `seed`:
/// an account's object id, stable across sign-ins as Entra's is.
pub fn guid_from(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(seed.as_bytes());
    let hex: String = h[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
