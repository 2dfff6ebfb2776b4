use sha2::{Digest, Sha256};

use super::{canonical_url, Error};

/// Hashed in front of every key; bump the version to invalidate every shard name.
pub const DIGEST_PREFIX: &[u8] = b"sdistill-cache-key-v1\n";

/// The shard digest of a URL: SHA-256 over [`DIGEST_PREFIX`] plus the canonical URL,
/// first 16 bytes, lower-case hex.
pub fn cache_digest(url: &str) -> Result<String, Error> {
    Ok(digest_bytes(canonical_url(url)?.as_bytes()))
}

/// The digest of arbitrary key bytes (already canonical), in the same format.
pub fn digest_bytes(key: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(DIGEST_PREFIX);
    hasher.update(key);
    let digest = hasher.finalize();
    let mut out = String::with_capacity(32);
    for byte in &digest[..16] {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_a_vector_computed_independently() {
        // printf 'sdistill-cache-key-v1\nhttps://example.com' | sha256sum | cut -c1-32
        assert_eq!(
            cache_digest("HTTPS://Example.com/").unwrap(),
            "37916a498ad4e6e59fe4043e58f8bdd6"
        );
    }

    #[test]
    fn digest_is_32_lowercase_hex() {
        let d = digest_bytes(b"anything");
        assert_eq!(d.len(), 32);
        assert!(d
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}
