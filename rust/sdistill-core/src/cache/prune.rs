//! `prune`: remove what nothing refers to any more.

use std::path::Path;
use std::time::Duration;

use super::names::{lock_path_of, Bucket, LOCK_SUFFIX};
use super::revision::{has_pointer, is_revision_id, read_pointer};
use super::walk::{self, Usage};
use super::{Cache, Error, TEMP_PREFIX};

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

impl Cache {
    /// Removes the revisions of `shard` that its pointer no longer names: what a new
    /// revision superseded. The caller holds every lock under which the shard's
    /// revisions are made or used (see "Superseded revisions" in the module docs of
    /// [`super`]), so no filler is writing one and no build is reading one.
    pub fn remove_superseded(&self, shard: &Path) -> Result<Usage, Error> {
        let shard = self.inside(shard)?;
        let mut removed = Usage::default();
        let Some(current) = read_pointer(&shard) else {
            return Ok(removed);
        };
        for child in walk::read_dir(&shard)? {
            let name = child
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if is_revision_id(name) && name != current && child.is_dir() && !child.is_symlink() {
                removed += walk::remove(self, &child)?;
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
        if let Some(shard) = name.strip_suffix(LOCK_SUFFIX) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::new_revision_id;

    #[test]
    fn only_the_live_revision_stays() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let shard = cache.shard(Bucket::Sdists, &["url", "abc"]).unwrap();
        let ids: Vec<String> = (0..3).map(|_| new_revision_id()).collect();
        for id in &ids {
            std::fs::create_dir_all(shard.join(id).join("src")).unwrap();
            std::fs::write(shard.join(id).join("src").join("f"), b"data").unwrap();
        }
        let staging = shard.join(format!("{TEMP_PREFIX}x"));
        std::fs::write(&staging, b"being written").unwrap();
        cache.commit_revision(&shard, &ids[1]).unwrap();

        let removed = cache.remove_superseded(&shard).unwrap();
        assert_eq!(removed.files, 2);
        let left: Vec<bool> = ids.iter().map(|id| shard.join(id).exists()).collect();
        assert_eq!(left, [false, true, false]);
        assert!(staging.exists(), "what is not a revision is left alone");
    }

    #[test]
    fn a_shard_without_pointer_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let shard = cache.shard(Bucket::Sdists, &["path", "abc"]).unwrap();
        let id = new_revision_id();
        std::fs::create_dir_all(shard.join(&id)).unwrap();
        assert_eq!(cache.remove_superseded(&shard).unwrap().files, 0);
        assert!(shard.join(&id).exists());
        assert!(
            cache.remove_superseded(dir.path()).is_err(),
            "the root is no shard"
        );
    }
}
