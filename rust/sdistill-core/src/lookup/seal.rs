//! Sealed records: stamps and the hashes of built wheels, checked before use.
//!
//! Every small record sdistill reads back from a shard carries a *seal*: a digest over
//! a label naming the kind of record and its exact bytes (`digest_bytes`, the cache
//! key's SHA-256). A record whose seal fails — truncated, a flipped byte, one letter of
//! a requirement changed, empty, garbage — is [`Read::Damaged`]: the caller treats it as
//! a miss, and only the locked path warns and writes it again. A record in an older
//! format is [`Read::Old`]: a plain miss, never read as the new format.
//!
//! ```text
//! stamp (<revision>/stamp):                 wheel record (<wheels>/<wheel>.seal):
//! sdistill-stamp-v2\n                      sdistill-wheel-v1\n
//! <seal of "stamp\n" + stamp>\n            <seal of "wheel\n<file name>\n<size>\n<sha256>\n">\n
//! <stamp>                  the stamp line  <size>\n
//!                                          <sha256 of the wheel's bytes, hex>\n
//! ```
//!
//! Stamps before v2 were the bare stamp line (`archive …`, `directory …`). A wheel's
//! record is written before the wheel is renamed into place, so a reader sees a wheel
//! only with its record; the wheel is hashed again whenever it is handed out.

use std::fs::{self, File};
use std::io::{self, Read as _};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::cache::names::wheel_seal;
use crate::cache::{write_atomic, Error};
use crate::cache_key::digest_bytes;

const STAMP_MAGIC: &str = "sdistill-stamp-v2";
const WHEEL_MAGIC: &str = "sdistill-wheel-v1";
const SEALED_MAGIC: &str = "sdistill-sealed-v1";

/// What reading a sealed record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read<T> {
    /// The record is whole and its seal holds.
    Found(T),
    /// There is no record.
    Missing,
    /// A record of an older format: a miss, never read as the current one.
    Old,
    /// The record is there but its seal fails (what is wrong, for the warning).
    Damaged(&'static str),
}

impl<T> Read<T> {
    /// The status word the Python side sees: `ok`, `missing`, `old` or `damaged`.
    pub fn status(&self) -> &'static str {
        match self {
            Read::Found(_) => "ok",
            Read::Missing => "missing",
            Read::Old => "old",
            Read::Damaged(_) => "damaged",
        }
    }

    pub fn found(self) -> Option<T> {
        match self {
            Read::Found(value) => Some(value),
            _ => None,
        }
    }
}

/// The bytes of a stamp file for `stamp` (what the warm path compares byte for byte).
pub fn render_stamp(stamp: &str) -> String {
    format!("{STAMP_MAGIC}\n{}\n{stamp}", stamp_seal(stamp))
}

/// The stamp recorded in the file at `path`, if its seal holds.
pub fn read_stamp(path: &Path) -> Read<String> {
    let bytes = match read_file(path) {
        Ok(bytes) => bytes,
        Err(read) => return read,
    };
    if bytes.starts_with(b"archive ") || bytes.starts_with(b"directory ") {
        return Read::Old; // the unsealed stamps of v1
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Read::Damaged("not text");
    };
    let mut parts = text.splitn(3, '\n');
    match parts.next() {
        Some(STAMP_MAGIC) => {}
        Some(line) if is_other_version(line, STAMP_MAGIC) => return Read::Old,
        _ => return Read::Damaged("not a stamp record"),
    }
    let (Some(seal), Some(stamp)) = (parts.next(), parts.next()) else {
        return Read::Damaged("truncated");
    };
    if seal == stamp_seal(stamp) {
        Read::Found(stamp.to_owned())
    } else {
        Read::Damaged("its seal does not match")
    }
}

fn stamp_seal(stamp: &str) -> String {
    digest_bytes(format!("stamp\n{stamp}").as_bytes())
}

/// Any other small record, sealed: `sdistill-sealed-v1 <kind>\n<seal>\n<body>`, the seal
/// over `<kind>\n<body>`. For records of other parts (a build environment's mark).
pub fn render_sealed(kind: &str, body: &str) -> String {
    format!("{SEALED_MAGIC} {kind}\n{}\n{body}", sealed_seal(kind, body))
}

/// The body of a record made by [`render_sealed`] for `kind`, if its seal holds.
pub fn read_sealed(kind: &str, bytes: &[u8]) -> Read<String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Read::Damaged("not text");
    };
    let mut parts = text.splitn(3, '\n');
    let head = parts.next().unwrap_or_default();
    match head.strip_prefix(SEALED_MAGIC) {
        Some(rest) if rest.strip_prefix(' ') == Some(kind) => {}
        Some(_) => return Read::Damaged("a record of another kind"),
        None if is_other_version(head.split(' ').next().unwrap_or_default(), SEALED_MAGIC) => {
            return Read::Old
        }
        None => return Read::Damaged("not a sealed record"),
    }
    let (Some(seal), Some(body)) = (parts.next(), parts.next()) else {
        return Read::Damaged("truncated");
    };
    if seal == sealed_seal(kind, body) {
        Read::Found(body.to_owned())
    } else {
        Read::Damaged("its seal does not match")
    }
}

fn sealed_seal(kind: &str, body: &str) -> String {
    digest_bytes(format!("{kind}\n{body}").as_bytes())
}

/// Hashes `file` and records its hash for the wheel that will be `target` (written
/// atomically beside `target`; the caller then renames `file` to `target`).
pub fn seal_wheel(file: &Path, target: &Path) -> Result<(), Error> {
    let (size, sha256) = hash_file(file).map_err(|err| Error::Io {
        path: file.to_path_buf(),
        source: err,
    })?;
    let name = file_name(target);
    let body = wheel_body(&name, size, &sha256);
    let record = format!(
        "{WHEEL_MAGIC}\n{}\n{size}\n{sha256}\n",
        digest_bytes(body.as_bytes())
    );
    write_atomic(&wheel_seal(target), record.as_bytes())
}

/// Whether the wheel at `wheel` is the one its record describes (size and sha256).
pub fn check_wheel(wheel: &Path) -> Read<()> {
    let bytes = match read_file(&wheel_seal(wheel)) {
        Ok(bytes) => bytes,
        Err(read) => return read,
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Read::Damaged("its record is not text");
    };
    let lines: Vec<&str> = text.split('\n').collect();
    match lines.first() {
        Some(&WHEEL_MAGIC) => {}
        Some(line) if is_other_version(line, WHEEL_MAGIC) => return Read::Old,
        _ => return Read::Damaged("its record is not a wheel record"),
    }
    let [_, seal, size, sha256, ""] = lines[..] else {
        return Read::Damaged("its record is truncated");
    };
    let Ok(size) = size.parse::<u64>() else {
        return Read::Damaged("its record is damaged");
    };
    if digest_bytes(wheel_body(&file_name(wheel), size, sha256).as_bytes()) != seal {
        return Read::Damaged("its record's seal does not match");
    }
    match hash_file(wheel) {
        Ok(found) if found == (size, sha256.to_owned()) => Read::Found(()),
        Ok(_) => Read::Damaged("its bytes do not match its recorded sha256"),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Read::Missing,
        Err(_) => Read::Damaged("it cannot be read"),
    }
}

fn wheel_body(name: &str, size: u64, sha256: &str) -> String {
    format!("wheel\n{name}\n{size}\n{sha256}\n")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Ok((size, hex))
}

/// `sdistill-<kind>-vN` with another N than `magic`'s.
pub(super) fn is_other_version(line: &str, magic: &str) -> bool {
    let stem = magic.trim_end_matches(|c: char| c.is_ascii_digit());
    line.strip_prefix(stem)
        .is_some_and(|version| !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()))
        && line != magic
}

/// The file's bytes; a missing file is [`Read::Missing`], an unreadable one damaged.
pub(super) fn read_file<T>(path: &Path) -> Result<Vec<u8>, Read<T>> {
    match fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Err(Read::Missing),
        Err(_) => Err(Read::Damaged("it cannot be read")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_and_refuse_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stamp");
        let stamp = "archive mtime_ns=5 size=7\n";
        assert_eq!(read_stamp(&path), Read::Missing);
        fs::write(&path, render_stamp(stamp)).unwrap();
        assert_eq!(read_stamp(&path), Read::Found(stamp.to_owned()));
        fs::write(&path, stamp).unwrap();
        assert_eq!(read_stamp(&path), Read::Old);
        fs::write(&path, render_stamp(stamp).replace("=5", "=6")).unwrap();
        assert!(matches!(read_stamp(&path), Read::Damaged(_)));
        let rendered = render_stamp(stamp);
        fs::write(&path, &rendered[..rendered.len() - 3]).unwrap();
        assert!(matches!(read_stamp(&path), Read::Damaged(_)));
        for garbage in [&b""[..], b"\xff\x00garbage", b"sdistill-stamp-v2\n"] {
            fs::write(&path, garbage).unwrap();
            assert!(matches!(read_stamp(&path), Read::Damaged(_)), "{garbage:?}");
        }
        fs::write(&path, "sdistill-stamp-v9\nx\ny").unwrap();
        assert_eq!(read_stamp(&path), Read::Old);
    }

    #[test]
    fn sealed_records_name_their_kind() {
        let made = render_sealed("environment", "{\"a\": 1}\n");
        assert_eq!(
            read_sealed("environment", made.as_bytes()),
            Read::Found("{\"a\": 1}\n".to_owned())
        );
        assert!(matches!(
            read_sealed("other", made.as_bytes()),
            Read::Damaged(_)
        ));
        let changed = made.replace("\"a\": 1", "\"a\": 2");
        assert!(matches!(
            read_sealed("environment", changed.as_bytes()),
            Read::Damaged(_)
        ));
        for garbage in [
            &b""[..],
            b"{\"a\": 1}",
            b"\xff",
            &made.as_bytes()[..made.len() - 3],
        ] {
            assert!(matches!(
                read_sealed("environment", garbage),
                Read::Damaged(_)
            ));
        }
        assert_eq!(
            read_sealed("environment", b"sdistill-sealed-v0 environment\nx\ny"),
            Read::Old
        );
    }

    #[test]
    fn wheels_are_checked_against_their_record() {
        let dir = tempfile::tempdir().unwrap();
        let staged = dir.path().join("staged");
        let wheel = dir.path().join("x-1-py3-none-any.whl");
        fs::write(&staged, b"wheel bytes").unwrap();
        assert_eq!(check_wheel(&wheel), Read::Missing);
        seal_wheel(&staged, &wheel).unwrap();
        fs::rename(&staged, &wheel).unwrap();
        assert_eq!(check_wheel(&wheel), Read::Found(()));
        fs::write(&wheel, b"wheel bytez").unwrap();
        assert!(matches!(check_wheel(&wheel), Read::Damaged(_)));
        fs::write(&wheel, b"wheel bytes").unwrap();
        let record = wheel_seal(&wheel);
        let text = fs::read_to_string(&record).unwrap();
        fs::write(&record, text.replacen("11", "12", 1)).unwrap();
        assert!(matches!(check_wheel(&wheel), Read::Damaged(_)));
        fs::write(&record, "").unwrap();
        assert!(matches!(check_wheel(&wheel), Read::Damaged(_)));
        // A record names its wheel: another wheel's record does not vouch for it.
        let other = dir.path().join("y-1-py3-none-any.whl");
        fs::write(&other, b"wheel bytes").unwrap();
        fs::write(wheel_seal(&other), text).unwrap();
        assert!(matches!(check_wheel(&other), Read::Damaged(_)));
    }
}
