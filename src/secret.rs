//! Random secrets for addresses, cookies and API tokens: 256 bits from the operating
//! system's generator, URL-safe base64 without padding (43 characters); and the SHA-256 that
//! is stored instead of a secret that signs someone in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Hex SHA-256 of a secret: what is stored of session cookies and API tokens, so a copy of
/// the database does not let anyone in.
pub fn sha256_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
