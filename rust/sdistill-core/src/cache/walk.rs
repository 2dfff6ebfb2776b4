//! Measuring and removing trees without following symbolic links.

use std::fs;
use std::io;
use std::ops::AddAssign;
use std::path::{Path, PathBuf};

use super::{Cache, Error};

/// Bytes and regular files under a path.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub files: u64,
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.bytes += other.bytes;
        self.files += other.files;
    }
}

/// What `path` holds (nothing if it does not exist).
pub(crate) fn usage(path: &Path) -> Result<Usage, Error> {
    let mut total = Usage::default();
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(total),
        Err(err) => return Err(Error::io(path, err)),
    };
    if meta.is_dir() {
        for entry in read_dir(path)? {
            total += usage(&entry)?;
        }
    } else if meta.is_file() {
        total.bytes = meta.len();
        total.files = 1;
    }
    Ok(total)
}

/// The entries of a directory (none if it vanished meanwhile).
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(Error::io(dir, err)),
    };
    entries
        .map(|entry| entry.map(|e| e.path()).map_err(|err| Error::io(dir, err)))
        .collect()
}

/// Removes `path` so that it disappears at once: it is first renamed into `tmp/`, then
/// deleted there. Returns what it held.
pub(crate) fn remove(cache: &Cache, path: &Path) -> Result<Usage, Error> {
    let held = usage(path)?;
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(held),
        Err(err) => return Err(Error::io(path, err)),
    };
    if !meta.is_dir() {
        fs::remove_file(path).map_err(|err| Error::io(path, err))?;
        return Ok(held);
    }
    let trash = cache.temp_dir()?;
    let target = trash.join("removed");
    fs::rename(path, &target).map_err(|err| Error::io(path, err))?;
    fs::remove_dir_all(&trash).map_err(|err| Error::io(&trash, err))?;
    Ok(held)
}

/// Empties a directory in place (for buckets, which must keep existing).
pub(crate) fn empty_dir(dir: &Path) -> Result<Usage, Error> {
    let mut held = Usage::default();
    for entry in read_dir(dir)? {
        held += usage(&entry)?;
        let result = if entry.is_dir() && !entry.is_symlink() {
            fs::remove_dir_all(&entry)
        } else {
            fs::remove_file(&entry)
        };
        match result {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(Error::io(&entry, err)),
        }
    }
    Ok(held)
}
