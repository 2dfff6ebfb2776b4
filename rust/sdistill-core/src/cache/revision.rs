//! Revision ids, the `revision` pointer file and the `package` marker of a shard.

use std::path::Path;

use super::names::{PACKAGE_FILE, REVISION_FILE as POINTER_FILE};
use super::{atomic::write_atomic, Error};

const POINTER_MAGIC: &str = "sdistill-revision-v1 ";
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const ID_LEN: usize = 16;

/// A fresh random revision id: 16 characters of lower-case base32 (80 bits).
pub fn new_revision_id() -> String {
    let mut bytes = [0u8; ID_LEN];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect()
}

/// Whether `name` has the shape of a revision id.
pub fn is_revision_id(name: &str) -> bool {
    name.len() == ID_LEN && name.bytes().all(|b| ALPHABET.contains(&b))
}

pub(crate) fn read_pointer(shard: &Path) -> Option<String> {
    let text = std::fs::read_to_string(shard.join(POINTER_FILE)).ok()?;
    let id = text.strip_prefix(POINTER_MAGIC)?.strip_suffix('\n')?;
    is_revision_id(id).then(|| id.to_owned())
}

pub(crate) fn write_pointer(shard: &Path, id: &str) -> Result<(), Error> {
    if !is_revision_id(id) {
        return Err(Error::InvalidComponent(id.to_owned()));
    }
    write_atomic(
        &shard.join(POINTER_FILE),
        format!("{POINTER_MAGIC}{id}\n").as_bytes(),
    )
}

pub(crate) fn read_package(shard: &Path) -> Option<String> {
    let text = std::fs::read_to_string(shard.join(PACKAGE_FILE)).ok()?;
    Some(text.trim().to_owned())
}

pub(crate) fn write_package(shard: &Path, name: &str) -> Result<(), Error> {
    write_atomic(&shard.join(PACKAGE_FILE), format!("{name}\n").as_bytes())
}

pub(crate) fn has_pointer(dir: &Path) -> bool {
    dir.join(POINTER_FILE).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_well_formed_and_distinct() {
        let a = new_revision_id();
        let b = new_revision_id();
        assert!(is_revision_id(&a) && is_revision_id(&b));
        assert_ne!(a, b);
    }

    #[test]
    fn a_corrupt_pointer_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(POINTER_FILE), b"garbage").unwrap();
        assert_eq!(read_pointer(dir.path()), None);
        let id = new_revision_id();
        write_pointer(dir.path(), &id).unwrap();
        assert_eq!(read_pointer(dir.path()), Some(id));
    }
}
