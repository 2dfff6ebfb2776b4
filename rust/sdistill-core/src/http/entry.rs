//! The file format of an HTTP cache entry.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "sdhttp\0\0"
//!      8     4  format version (little endian), currently 5
//!     12     4  length of the record (rkyv archive of `policy::Record`)
//!     16     8  length of the inline payload
//!     24     4  CRC-32 of the record
//!     28     4  CRC-32 of the inline payload (not checked on read when the body is
//!               `Parsed`: such a payload has checksums of its own, checked as far as
//!               it is read — see `index::project`)
//!     32     …  the record, zeros up to a multiple of 16, then the payload
//! ```
//!
//! The padding keeps the payload 16-byte aligned in the read buffer, so a payload that
//! is itself an rkyv archive (a project page of the index) is used in place. Version 2
//! counted write times in nanoseconds; version 3 added the padding; version 4 keeps
//! `only-if-cached` among the directives; version 5 records every digest of a body
//! (a file named by its sha512 is recognised again).
//!
//! A read is one `read` of the whole file into a 16-byte aligned buffer, or a mapping of
//! it when it is large ([`super::loaded`]); the record is
//! then validated in place with `rkyv::access` (bounds, pointers, enum tags, UTF-8) and
//! used without deserializing. Anything unexpected — a short file, another magic or
//! version, a length that does not add up, a checksum or validation failure — is
//! [`Invalid`]: the caller deletes the file and fetches again.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::OnceLock;

use rkyv::rancor;

use super::loaded::Loaded;
use super::policy::{ArchivedBody, ArchivedRecord, Record};

const MAGIC: &[u8; 8] = b"sdhttp\0\0";
const VERSION: u32 = 5;
const HEADER: usize = 32;

/// Why an entry file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

/// An entry read from disk, its record validated.
pub struct Entry {
    buffer: Loaded,
    record_len: usize,
    /// The verdict of a parser's check on the payload (see [`Entry::payload_sound`]).
    payload_sound: OnceLock<bool>,
}

impl Entry {
    /// Reads and validates the entry at `path`; `Ok(None)` if there is none.
    pub fn read(path: &Path) -> io::Result<Result<Option<Entry>, Invalid>> {
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Ok(None)),
            Err(err) => return Err(err),
        };
        let size = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
        if size > isize::MAX as usize / 2 {
            return Ok(Err(Invalid("absurd size".into())));
        }
        Ok(Entry::validate(Loaded::load(&mut file, size)?).map(Some))
    }

    fn validate(buffer: Loaded) -> Result<Entry, Invalid> {
        let invalid = |what: &str| Err(Invalid(what.to_owned()));
        if buffer.len() < HEADER || &buffer[..8] != MAGIC {
            return invalid("not an entry (short file or wrong magic)");
        }
        let u32_at = |at: usize| u32::from_le_bytes(buffer[at..at + 4].try_into().unwrap());
        if u32_at(8) != VERSION {
            return invalid("unknown format version");
        }
        let record_len = u32_at(12) as usize;
        let payload_len = u64::from_le_bytes(buffer[16..24].try_into().unwrap());
        let expected = (HEADER as u64)
            .checked_add(padded(record_len) as u64)
            .and_then(|n| n.checked_add(payload_len));
        if expected != Some(buffer.len() as u64) {
            return invalid("truncated or overlong");
        }
        let record = &buffer[HEADER..HEADER + record_len];
        if crc32fast::hash(record) != u32_at(24) {
            return invalid("record checksum mismatch");
        }
        if buffer[HEADER + record_len..HEADER + padded(record_len)]
            .iter()
            .any(|&b| b != 0)
        {
            return invalid("padding is not zeros");
        }
        let parsed = match rkyv::access::<ArchivedRecord, rancor::Error>(record) {
            Ok(record) => matches!(record.body, ArchivedBody::Parsed),
            Err(err) => return Err(Invalid(format!("record does not validate: {err}"))),
        };
        // A parsed payload carries its own checksums, checked as far as it is read
        // (`Parser::check`, then the parser's own lazy checks): megabytes of index page
        // are not summed on every open.
        if !parsed && crc32fast::hash(&buffer[HEADER + padded(record_len)..]) != u32_at(28) {
            return invalid("payload checksum mismatch");
        }
        Ok(Entry {
            buffer,
            record_len,
            payload_sound: OnceLock::new(),
        })
    }

    /// The record, validated when the entry was read.
    pub fn record(&self) -> &ArchivedRecord {
        let bytes = &self.buffer[HEADER..HEADER + self.record_len];
        // SAFETY: `validate` ran `rkyv::access` on exactly these bytes, which have not
        // changed since (the buffer is owned and never mutated after validation).
        unsafe { rkyv::access_unchecked::<ArchivedRecord>(bytes) }
    }

    /// Whether `check` accepts the payload; asked once per entry read from disk.
    pub fn payload_sound(&self, check: fn(&[u8]) -> bool) -> bool {
        *self.payload_sound.get_or_init(|| check(self.payload()))
    }

    /// The inline payload (empty for entries whose body lives elsewhere), 16-byte
    /// aligned.
    pub fn payload(&self) -> &[u8] {
        &self.buffer[HEADER + padded(self.record_len)..]
    }
}

/// The bytes of an entry file for `record` with `payload` inline.
pub fn encode(record: &Record, payload: &[u8]) -> Vec<u8> {
    let archived =
        rkyv::to_bytes::<rancor::Error>(record).expect("serializing a record cannot fail");
    let mut out = Vec::with_capacity(HEADER + padded(archived.len()) + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let record_len = u32::try_from(archived.len()).expect("a record is small");
    out.extend_from_slice(&record_len.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&archived).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(&archived);
    out.resize(HEADER + padded(archived.len()), 0);
    out.extend_from_slice(payload);
    out
}

/// `len` rounded up to a multiple of 16 (where the payload starts after the record).
fn padded(len: usize) -> usize {
    len.next_multiple_of(16)
}

#[cfg(test)]
impl Entry {
    /// An entry of a sample record with `payload`, as tests elsewhere need one.
    pub(crate) fn for_tests(payload: &[u8]) -> Entry {
        let mut buffer = rkyv::util::AlignedVec::new();
        buffer.extend_from_slice(&encode(&tests::record(), payload));
        Entry::validate(Loaded::Read(buffer)).expect("a sample entry validates")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::cache_control::Directives;
    use crate::http::policy::{Body, Policy, Vary};

    pub(super) fn record() -> Record {
        Record {
            url: "https://example.org/x".into(),
            stored_at_ns: 3,
            policy: Policy {
                request_time: 1,
                response_time: 2,
                status: 200,
                directives: Directives::parse(["max-age=5"]),
                date: None,
                expires: None,
                last_modified: None,
                last_modified_time: None,
                etag: Some("\"t\"".into()),
                age: 0,
                vary: Vary::Fields(vec![("accept".into(), None)]),
            },
            body: Body::Inline,
        }
    }

    fn write(dir: &Path, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.join("entry");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &encode(&record(), b"payload"));
        let entry = Entry::read(&path).unwrap().unwrap().unwrap();
        assert_eq!(entry.payload(), b"payload");
        assert_eq!(entry.record().url.as_str(), "https://example.org/x");
        assert_eq!(
            entry
                .record()
                .policy
                .directives
                .max_age
                .as_ref()
                .unwrap()
                .to_native(),
            5
        );
    }

    #[test]
    fn a_missing_entry_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Entry::read(&dir.path().join("nope"))
            .unwrap()
            .unwrap()
            .is_none());
    }

    #[test]
    fn the_payload_is_aligned_for_an_archive() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &encode(&record(), b"payload"));
        let entry = Entry::read(&path).unwrap().unwrap().unwrap();
        assert_eq!(entry.payload(), b"payload");
        assert_eq!(entry.payload().as_ptr() as usize % 16, 0);
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let good = encode(&record(), b"some payload bytes");
        for cut in 0..good.len() {
            let path = write(dir.path(), &good[..cut]);
            assert!(Entry::read(&path).unwrap().is_err(), "cut at {cut}");
        }
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x41;
            let path = write(dir.path(), &bad);
            assert!(Entry::read(&path).unwrap().is_err(), "flip at {at}");
        }
    }

    #[test]
    fn another_version_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = encode(&record(), b"");
        bytes[8..12].copy_from_slice(&(VERSION + 1).to_le_bytes());
        let path = write(dir.path(), &bytes);
        assert_eq!(
            Entry::read(&path).unwrap().err(),
            Some(Invalid("unknown format version".into()))
        );
    }
}
