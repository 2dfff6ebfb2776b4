use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::{archive, cache};

/// Errors of the HTTP client. Every URL in them has its credentials redacted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request failed: no connection, a timeout, a broken body, an error status or
    /// too many redirects, after `retries` retries.
    #[error("{url}: {message}{}", retries_note(*.retries))]
    Network {
        url: String,
        status: Option<u16>,
        retries: u32,
        message: String,
    },
    /// The server answered, but with something that cannot be used (an index page
    /// that does not parse, an API version this client does not speak).
    #[error("{url}: {message}")]
    Unusable { url: String, message: String },
    /// Offline mode, and the cache has no entry for the URL.
    #[error("{url}: not in the cache, and offline mode does not use the network")]
    Offline { url: String },
    /// The request said `only-if-cached`, and the cache has no fresh answer.
    #[error("{url}: no fresh response in the cache, and the request allows no other")]
    NotCached { url: String },
    /// Not a URL this client fetches.
    #[error("{url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The downloaded archive could not be extracted, or its hash is not the expected one.
    #[error("{url}: {source}")]
    Archive {
        url: String,
        #[source]
        source: archive::Error,
    },
    /// The cache could not be written or locked.
    #[error(transparent)]
    Cache(#[from] cache::Error),
    /// An operating-system call failed on `path`.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// A setting of the client out of its range (a negative timeout).
    #[error("{name} must be {expected}, not {value}")]
    InvalidSetting {
        name: String,
        expected: &'static str,
        value: f64,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// `value` seconds as a duration: finite and above zero (or, `zero_allowed`, zero).
    pub fn seconds(name: &str, value: f64, zero_allowed: bool) -> Result<Duration, Error> {
        let fits = value.is_finite() && (value > 0.0 || (zero_allowed && value == 0.0));
        if fits {
            Ok(Duration::from_secs_f64(value))
        } else {
            Err(Error::InvalidSetting {
                name: name.to_owned(),
                expected: if zero_allowed {
                    "a number of seconds >= 0"
                } else {
                    "a positive number of seconds"
                },
                value,
            })
        }
    }
}

fn retries_note(retries: u32) -> String {
    match retries {
        0 => String::new(),
        1 => " (after 1 retry)".to_owned(),
        n => format!(" (after {n} retries)"),
    }
}
