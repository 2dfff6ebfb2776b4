use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::Error;

/// How long to wait for a lock when the caller does not say (Python passes
/// `SDISTILL_LOCK_TIMEOUT`; the core reads no environment).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy)]
pub(crate) enum LockMode {
    Shared,
    Exclusive,
}

/// Held cross-process locks (`flock`-style, released when dropped or when the process
/// dies): the root lock in some mode and optionally one shard lock, exclusive.
#[derive(Debug)]
pub struct LockGuard {
    _root: File,
    shard: Option<(File, PathBuf)>,
    path: PathBuf,
}

impl LockGuard {
    /// The lock file this guard is named by: the shard's, else the root's.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn ensure_file(path: &Path) -> Result<(), Error> {
        open_lock_file(path).map(drop)
    }

    pub(crate) fn acquire(
        root_lock: &Path,
        mode: LockMode,
        shard_lock: Option<&Path>,
        timeout: Duration,
    ) -> Result<LockGuard, Error> {
        let deadline = Instant::now() + timeout;
        let root = open_lock_file(root_lock)?;
        wait_for(&root, root_lock, mode, deadline, timeout)?;
        let shard = match shard_lock {
            Some(path) => {
                let file = open_lock_file(path)?;
                wait_for(&file, path, LockMode::Exclusive, deadline, timeout)?;
                record_holder(&file);
                Some((file, path.to_path_buf()))
            }
            None => None,
        };
        let path = shard
            .as_ref()
            .map_or_else(|| root_lock.to_path_buf(), |(_, p)| p.clone());
        Ok(LockGuard {
            _root: root,
            shard,
            path,
        })
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some((file, _)) = &self.shard {
            // Clear the pid before the lock goes; closing the file releases the lock.
            let _ = file.set_len(0);
        }
    }
}

fn open_lock_file(path: &Path) -> Result<File, Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|err| Error::io(parent, err))?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|err| Error::io(path, err))
}

/// Polls for the lock with a growing pause until `deadline`. std has no timed lock, and
/// polling keeps the wait interruptible and bounded.
fn wait_for(
    file: &File,
    path: &Path,
    mode: LockMode,
    deadline: Instant,
    timeout: Duration,
) -> Result<(), Error> {
    let mut pause = Duration::from_millis(1);
    loop {
        let attempt = match mode {
            LockMode::Shared => file.try_lock_shared(),
            LockMode::Exclusive => file.try_lock(),
        };
        match attempt {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(err)) => return Err(Error::io(path, err)),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::LockTimeout {
                path: path.to_path_buf(),
                timeout,
                holder: read_holder(path),
            });
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Writes our pid into a lock file we hold, for the timeout message of others.
fn record_holder(mut file: &File) {
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    let _ = write!(file, "{}", std::process::id());
}

fn read_holder(path: &Path) -> Option<u32> {
    let mut text = String::new();
    File::open(path).ok()?.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
