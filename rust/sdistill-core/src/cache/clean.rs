//! `clean`: remove everything, or one package's entries.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::layout::lock_path_of;
use super::revision::read_package;
use super::walk::{self, Usage};
use super::{Bucket, Cache, Error};

impl Cache {
    /// Removes everything (`package` is `None`) or every entry of one package (its name
    /// already normalised). Waits for shards being filled, up to `timeout`; never
    /// removes a shard another process holds.
    pub fn clean(&self, package: Option<&str>, timeout: Duration) -> Result<Usage, Error> {
        match package {
            None => self.clean_all(timeout),
            Some(name) => self.clean_package(name, timeout),
        }
    }

    fn clean_all(&self, timeout: Duration) -> Result<Usage, Error> {
        let _all = self.lock_all(timeout)?;
        let mut removed = Usage::default();
        for bucket in Bucket::ALL {
            removed += walk::empty_dir(&self.bucket(bucket))?;
        }
        Ok(removed)
    }

    fn clean_package(&self, name: &str, timeout: Duration) -> Result<Usage, Error> {
        let mut removed = Usage::default();
        for entry in self.package_entries(name)? {
            let _lock = self.lock_shard(&entry, timeout)?;
            removed += walk::remove(self, &entry)?;
        }
        Ok(removed)
    }

    /// Every cache entry that belongs to `name`:
    /// `simple-v1/*/<name>`, what `sdists-v1/index/*/<name>/` holds, and every shard in
    /// `sdists-v1` whose `package` marker names it.
    fn package_entries(&self, name: &str) -> Result<Vec<PathBuf>, Error> {
        let mut found = Vec::new();
        for index in walk::read_dir(&self.bucket(Bucket::Simple))? {
            let entry = index.join(name);
            if entry.symlink_metadata().is_ok() {
                found.push(entry);
            }
        }
        let sdists = self.bucket(Bucket::Sdists);
        for index in walk::read_dir(&sdists.join("index"))? {
            // Everything of the project: its version shards and any record beside them.
            // Lock files stay (someone may be waiting on one); `prune` removes orphans.
            for entry in walk::read_dir(&index.join(name))? {
                if entry.extension().is_none_or(|ext| ext != "lock") {
                    found.push(entry);
                }
            }
        }
        collect_marked(&sdists, name, &mut found)?;
        found.sort();
        found.dedup();
        Ok(found)
    }
}

/// Shards under `dir` whose `package` marker says `name`; does not descend into shards.
fn collect_marked(dir: &Path, name: &str, found: &mut Vec<PathBuf>) -> Result<(), Error> {
    for child in walk::read_dir(dir)? {
        if !child.is_dir() || child.is_symlink() {
            continue;
        }
        match read_package(&child) {
            Some(owner) if owner == name => found.push(child),
            Some(_) => {}
            None if lock_path_of(&child).exists() => {}
            None => collect_marked(&child, name, found)?,
        }
    }
    Ok(())
}
