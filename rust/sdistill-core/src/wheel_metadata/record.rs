//! The cache record of a wheel's metadata read out of the wheel itself.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "sdwhlmd\0"
//!      8     4  format version (little endian), currently 1
//!     12     4  CRC-32 of everything after this field
//!     16     1  how it was read: 1 range requests, 2 a whole download
//!     17     1  length of the sha256 the index named (0 or 64), then its hex digits
//!      …     4  length of the URL (credentials redacted), then the URL
//!      …     4  length of the METADATA, then the METADATA
//! ```
//!
//! A wheel on an index never changes under its URL, so a record answers for as long as
//! it is asked with the same URL and, when the index names the file's sha256, the same
//! sha256 (a re-uploaded file under one URL is then read again). A record that does not
//! validate -- short, another magic or version, a CRC mismatch, lengths that do not add
//! up -- is a miss, and the caller's new record replaces it.

use std::path::Path;

use super::{Error, Via};
use crate::cache::write_atomic;

const MAGIC: &[u8; 8] = b"sdwhlmd\0";
const VERSION: u32 = 1;

/// What a record holds.
pub struct Stored {
    pub via: Via,
    pub metadata: Vec<u8>,
}

/// The record at `path` for `url` (redacted) and `sha256`, if it is there and sound.
pub fn read(path: &Path, url: &str, sha256: Option<&str>) -> Option<Stored> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.get(16..)?;
    if bytes.get(..8)? != MAGIC
        || u32::from_le_bytes(bytes[8..12].try_into().ok()?) != VERSION
        || u32::from_le_bytes(bytes[12..16].try_into().ok()?) != crc32fast::hash(body)
    {
        return None;
    }
    let via = match body[0] {
        1 => Via::Range,
        2 => Via::Download,
        _ => return None,
    };
    let mut at = 1;
    let mut field = |width: usize| -> Option<&[u8]> {
        let len = match width {
            1 => usize::from(*body.get(at)?),
            _ => u32::from_le_bytes(body.get(at..at + 4)?.try_into().ok()?) as usize,
        };
        at += width;
        let value = body.get(at..at + len)?;
        at += len;
        Some(value)
    };
    let stored_sha = field(1)?;
    let stored_url = field(4)?;
    let metadata = field(4)?.to_vec();
    if at != body.len() || stored_url != url.as_bytes() {
        return None;
    }
    if let Some(sha256) = sha256 {
        if !stored_sha.eq_ignore_ascii_case(sha256.as_bytes()) {
            return None;
        }
    }
    Some(Stored { via, metadata })
}

/// Writes the record (atomically: a reader sees the old one or the new one) into its
/// directory, which exists.
pub fn write(path: &Path, url: &str, sha256: Option<&str>, stored: &Stored) -> Result<(), Error> {
    let sha = sha256.unwrap_or("").to_ascii_lowercase();
    let mut body = vec![match stored.via {
        Via::Range => 1u8,
        Via::Download => 2u8,
    }];
    body.push(u8::try_from(sha.len()).map_err(|_| Error::zip("an absurd sha256"))?);
    body.extend_from_slice(sha.as_bytes());
    for field in [url.as_bytes(), &stored.metadata] {
        let len = u32::try_from(field.len()).map_err(|_| Error::zip("an absurd record"))?;
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(field);
    }
    let mut bytes = Vec::with_capacity(16 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    bytes.extend_from_slice(&body);
    write_atomic(path, &bytes)?; // its directory exists: the caller locked beside it
    Ok(())
}
