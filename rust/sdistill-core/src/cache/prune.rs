//! `prune`: remove what nothing refers to any more.

use std::path::Path;
use std::time::Duration;

use super::layout::lock_path_of;
use super::revision::{has_pointer, is_revision_id, read_pointer};
use super::walk::{self, Usage};
use super::{Bucket, Cache, Error, TEMP_PREFIX};

impl Cache {
    /// Removes staging leftovers (`tmp/`, `.sdistill-tmp-*` files), revisions that a
    /// shard's pointer no longer names, and lock files of shards that are gone. Takes
    /// the whole cache exclusively, so nothing is being filled while it runs.
    pub fn prune(&self, timeout: Duration) -> Result<Usage, Error> {
        let _all = self.lock_all(timeout)?;
        let mut removed = walk::empty_dir(&self.bucket(Bucket::Tmp))?;
        for bucket in Bucket::ALL {
            if bucket != Bucket::Tmp {
                prune_dir(self, &self.bucket(bucket), true, &mut removed)?;
            }
        }
        Ok(removed)
    }
}

fn prune_dir(cache: &Cache, dir: &Path, shards: bool, removed: &mut Usage) -> Result<(), Error> {
    for child in walk::read_dir(dir)? {
        let name = child
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if name.starts_with(TEMP_PREFIX) {
            *removed += walk::remove(cache, &child)?;
            continue;
        }
        if let Some(shard) = name.strip_suffix(".lock") {
            if child.is_file() && !dir.join(shard).exists() {
                *removed += walk::remove(cache, &child)?;
            }
            continue;
        }
        if !child.is_dir() || child.is_symlink() {
            continue;
        }
        if shards && (has_pointer(&child) || lock_path_of(&child).exists()) {
            prune_shard(cache, &child, removed)?;
        } else {
            prune_dir(cache, &child, shards, removed)?;
        }
    }
    Ok(())
}

/// Removes every revision of `shard` but the one its pointer names.
fn prune_shard(cache: &Cache, shard: &Path, removed: &mut Usage) -> Result<(), Error> {
    let current = read_pointer(shard);
    for child in walk::read_dir(shard)? {
        let name = child
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with(TEMP_PREFIX)
            || (is_revision_id(name) && child.is_dir() && current.as_deref() != Some(name))
        {
            *removed += walk::remove(cache, &child)?;
        } else if current.as_deref() == Some(name) {
            prune_dir(cache, &child, false, removed)?;
        }
    }
    Ok(())
}
