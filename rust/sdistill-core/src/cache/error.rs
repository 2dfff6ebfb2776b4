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
    /// A URL that names a shard cannot be keyed.
    #[error(transparent)]
    InvalidUrl(#[from] crate::cache_key::Error),
    /// A shard path component that could escape its bucket.
    #[error("invalid shard path component {0:?}")]
    InvalidComponent(String),
    /// A lock timeout that is not a number of seconds >= 0.
    #[error("lock timeout must be a non-negative number of seconds, not {0}")]
    InvalidTimeout(f64),
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

    /// A lock timeout of `seconds`, checked.
    pub fn timeout(seconds: f64) -> Result<Duration, Error> {
        if seconds.is_finite() && seconds >= 0.0 {
            Ok(Duration::from_secs_f64(seconds))
        } else {
            Err(Error::InvalidTimeout(seconds))
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
