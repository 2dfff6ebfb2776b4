use std::io;
use std::path::PathBuf;

use crate::{cache, http};

/// Errors of reading a wheel's metadata. URLs in them are redacted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request failed, or the server answered something unusable.
    #[error(transparent)]
    Http(#[from] http::Error),
    /// The wheel is not a zip sdistill accepts, or its metadata cannot be found in it.
    #[error("{url}: {reason}")]
    Zip { url: String, reason: String },
    /// The downloaded wheel is not the file the index names by its hash.
    #[error("{url}: sha256 {actual}, the index says {expected}")]
    HashMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    /// The file name is not a wheel's.
    #[error("{filename}: not a wheel file name")]
    Filename { filename: String },
    #[error(transparent)]
    Cache(#[from] cache::Error),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl Error {
    /// A zip error of the wheel being read (its URL is added by [`Error::at`]).
    pub(crate) fn zip(reason: impl Into<String>) -> Error {
        Error::Zip {
            url: String::new(),
            reason: reason.into(),
        }
    }

    /// The error, naming the wheel's URL (redacted) when it named none.
    pub(crate) fn at(self, url: &str) -> Error {
        match self {
            Error::Zip { url: named, reason } if named.is_empty() => Error::Zip {
                url: crate::url::redact(url),
                reason,
            },
            Error::HashMismatch {
                url: named,
                expected,
                actual,
            } if named.is_empty() => Error::HashMismatch {
                url: crate::url::redact(url),
                expected,
                actual,
            },
            other => other,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
