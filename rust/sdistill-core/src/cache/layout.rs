use std::path::{Path, PathBuf};
use std::time::Duration;

use std::fs;

use super::lock::{LockGuard, LockMode, DEFAULT_LOCK_TIMEOUT};
use super::names::{lock_path_of, Bucket, CACHEDIR_TAG_FILE, GITIGNORE_FILE, ROOT_LOCK_FILE};
use super::{atomic, revision, walk, Error, Usage};

const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by sdistill.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

/// One cache root, laid out (see the module docs for the tree).
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    /// How long a lock is waited for when the caller does not say.
    lock_timeout: Duration,
}

impl Cache {
    /// Opens `root`, creating the layout where it is missing. A root that exists but
    /// cannot be written (a read-only mount, a shared volume of another user) is opened
    /// as it is: readers need nothing more, and whatever has to write fails there, with
    /// the OS error naming the path (`EROFS`, `EACCES`).
    pub fn init(root: &Path) -> Result<Cache, Error> {
        match Self::lay_out(root) {
            Ok(cache) => Ok(cache),
            Err(err) if err.is_read_only() => Cache::open_existing(root).ok_or(err),
            Err(err) => Err(err),
        }
    }

    fn lay_out(root: &Path) -> Result<Cache, Error> {
        fs::create_dir_all(root).map_err(|err| Error::io(root, err))?;
        let root = fs::canonicalize(root).map_err(|err| Error::io(root, err))?;
        for (name, text) in [(CACHEDIR_TAG_FILE, CACHEDIR_TAG), (GITIGNORE_FILE, "*\n")] {
            let path = root.join(name);
            if !path.exists() {
                atomic::write_atomic(&path, text.as_bytes())?;
            }
        }
        for bucket in Bucket::ALL {
            let dir = root.join(bucket.dir_name());
            fs::create_dir_all(&dir).map_err(|err| Error::io(&dir, err))?;
        }
        let cache = Cache {
            root,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        };
        LockGuard::ensure_file(&cache.root_lock_path())?;
        Ok(cache)
    }

    /// Opens an existing root for reading, creating nothing (`None` if it is not there).
    pub fn open_existing(root: &Path) -> Option<Cache> {
        let root = fs::canonicalize(root).ok()?;
        root.is_dir().then_some(Cache {
            root,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        })
    }

    /// The same root, waiting `timeout` for locks when a caller gives no timeout (the
    /// HTTP client's entry locks, [`Cache::lock_shard_default`]).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Cache {
        self.lock_timeout = timeout;
        self
    }

    /// How long locks are waited for when the caller does not say.
    pub fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A new, empty staging directory in `tmp/`; the caller renames or removes it.
    pub fn temp_dir(&self) -> Result<PathBuf, Error> {
        let dir = tempfile::Builder::new()
            .prefix(super::TEMP_PREFIX)
            .tempdir_in(self.bucket(Bucket::Tmp))
            .map_err(|err| Error::io(self.bucket(Bucket::Tmp), err))?;
        Ok(dir.keep())
    }

    /// Locks a shard for filling: `<shard>.lock` exclusively and the root shared.
    pub fn lock_shard(&self, shard: &Path, timeout: Duration) -> Result<LockGuard, Error> {
        let shard = self.inside(shard)?;
        LockGuard::acquire(
            &self.root_lock_path(),
            LockMode::Shared,
            Some(&lock_path_of(&shard)),
            timeout,
        )
    }

    /// [`Cache::lock_shard`] with the cache's own lock timeout.
    pub fn lock_shard_default(&self, shard: &Path) -> Result<LockGuard, Error> {
        self.lock_shard(shard, self.lock_timeout)
    }

    /// Locks the whole cache exclusively (no shard can be filled meanwhile).
    pub(crate) fn lock_all(&self, timeout: Duration) -> Result<LockGuard, Error> {
        LockGuard::acquire(&self.root_lock_path(), LockMode::Exclusive, None, timeout)
    }

    /// The revision the shard's pointer names, or `None` (missing or unreadable: a miss).
    pub fn read_revision(&self, shard: &Path) -> Option<String> {
        revision::read_pointer(shard)
    }

    /// Points the shard at `revision` (atomically).
    pub fn commit_revision(&self, shard: &Path, revision: &str) -> Result<(), Error> {
        revision::write_pointer(&self.inside(shard)?, revision)
    }

    /// Records which package a shard belongs to, so `clean NAME` can find it.
    pub fn set_package(&self, shard: &Path, name: &str) -> Result<(), Error> {
        revision::write_package(&self.inside(shard)?, name)
    }

    /// Bytes and files per bucket.
    pub fn usage(&self) -> Result<Vec<(Bucket, Usage)>, Error> {
        Bucket::ALL
            .into_iter()
            .map(|bucket| Ok((bucket, walk::usage(&self.bucket(bucket))?)))
            .collect()
    }

    pub(crate) fn root_lock_path(&self) -> PathBuf {
        self.root.join(ROOT_LOCK_FILE)
    }

    /// `path` made absolute and checked to lie inside the root.
    pub(crate) fn inside(&self, path: &Path) -> Result<PathBuf, Error> {
        let absolute = std::path::absolute(path).map_err(|err| Error::io(path, err))?;
        if absolute.starts_with(&self.root) && absolute != self.root {
            Ok(absolute)
        } else {
            Err(Error::OutsideCache(absolute))
        }
    }
}
