use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Errors of the cache module.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system call failed on `path`.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// Another process held a lock for longer than the timeout.
    #[error(
        "timed out after {:.1}s waiting for the cache lock {}{}; another sdistill process is \
         using it (raise SDISTILL_LOCK_TIMEOUT to wait longer)",
        timeout.as_secs_f64(),
        path.display(),
        holder.map(|pid| format!(" (held by process {pid})")).unwrap_or_default()
    )]
    LockTimeout {
        path: PathBuf,
        timeout: Duration,
        holder: Option<u32>,
    },
    /// A bucket name that does not exist.
    #[error("unknown cache bucket {0:?} (expected one of simple, sdists, git, environments, tmp)")]
    UnknownBucket(String),
    /// A shard path component that could escape its bucket.
    #[error("invalid shard path component {0:?}")]
    InvalidComponent(String),
    /// A path given to a cache operation lies outside the cache root.
    #[error("{0} is not inside the cache")]
    OutsideCache(PathBuf),
}

impl Error {
    /// Whether this is a write refused because the file system is read-only or the
    /// directory is not writable by this user.
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            Self::Io { source, .. } if matches!(
                source.kind(),
                io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied
            )
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
