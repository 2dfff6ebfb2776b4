//! The one place where native errors become Python exceptions.
//!
//! Exception classes are defined in Python (`sdistill.errors`) and imported here, so
//! Python code and native code raise the very same classes. Operating-system failures
//! become the built-in `OSError` subclass for their errno (`FileNotFoundError`, …) with
//! `filename` set. An argument out of range (a negative timeout, an unknown hash
//! algorithm, a path component that could escape its bucket) is a core error variant
//! too, and becomes a `ValueError` here.

use std::io;
use std::path::Path;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sdistill_core::index::{pep440, project};
use sdistill_core::{archive, cache, cache_key, git, http, wheel_metadata};

pyo3::import_exception!(sdistill.errors, ArchiveError);
pyo3::import_exception!(sdistill.errors, UnsafeArchiveError);
pyo3::import_exception!(sdistill.errors, UnsupportedArchiveError);
pyo3::import_exception!(sdistill.errors, HashMismatchError);
pyo3::import_exception!(sdistill.errors, CacheError);
pyo3::import_exception!(sdistill.errors, InvalidSourceError);
pyo3::import_exception!(sdistill.errors, NetworkError);
pyo3::import_exception!(sdistill.errors, OfflineError);
pyo3::import_exception!(sdistill.errors, GitError);

/// Conversion of a core error into the Python exception it stands for.
pub(crate) trait IntoPyErr {
    fn into_pyerr(self) -> PyErr;
}

impl IntoPyErr for cache_key::Error {
    fn into_pyerr(self) -> PyErr {
        match &self {
            cache_key::Error::InvalidUrl { .. } => InvalidSourceError::new_err(self.to_string()),
        }
    }
}

impl IntoPyErr for cache::Error {
    fn into_pyerr(self) -> PyErr {
        let message = self.to_string();
        let read_only = self.is_read_only();
        match self {
            // A pre-filled cache on a read-only mount: one clear error, as Python's
            // `sdistill.cache` raises for its own writes.
            cache::Error::Io { path, source } if read_only => raise_with::<CacheError>(
                &format!(
                    "the cache is read-only: cannot write {} ({source}); give a writable \
                     --cache-dir or SDISTILL_CACHE_DIR",
                    path.display()
                ),
                &[("path", Some(path.display().to_string()))],
            ),
            cache::Error::Io { path, source } => os_error(&path, &source),
            cache::Error::LockTimeout { path, .. } => {
                raise_with::<CacheError>(&message, &[("path", Some(path.display().to_string()))])
            }
            cache::Error::OutsideCache(path) => {
                raise_with::<CacheError>(&message, &[("path", Some(path.display().to_string()))])
            }
            cache::Error::InvalidUrl(err) => err.into_pyerr(),
            cache::Error::InvalidComponent(_) | cache::Error::InvalidTimeout(_) => {
                PyValueError::new_err(message)
            }
        }
    }
}

/// An invalid version is a plain `ValueError`, as packaging's `InvalidVersion` is one.
impl IntoPyErr for pep440::Error {
    fn into_pyerr(self) -> PyErr {
        PyValueError::new_err(self.to_string())
    }
}

/// A cached project page found corrupt while read (a version's files: its entry was
/// removed).
impl IntoPyErr for project::Corrupt {
    fn into_pyerr(self) -> PyErr {
        CacheError::new_err(self.to_string())
    }
}

impl IntoPyErr for http::Error {
    fn into_pyerr(self) -> PyErr {
        let message = self.to_string();
        match self {
            http::Error::Network {
                url,
                status,
                retries,
                ..
            } => network_error(message, url, status, retries),
            http::Error::Unusable { url, .. } => network_error(message, url, None, 0),
            http::Error::Offline { .. } | http::Error::NotCached { .. } => {
                OfflineError::new_err(message)
            }
            http::Error::InvalidUrl { .. } => InvalidSourceError::new_err(message),
            http::Error::Archive { url, source } => {
                let url = std::path::PathBuf::from(url);
                let failure = ArchiveFailure {
                    error: source,
                    archive: &url,
                };
                failure.into_pyerr_named()
            }
            http::Error::Cache(err) => err.into_pyerr(),
            http::Error::Io { path, source } => os_error(&path, &source),
            http::Error::InvalidSetting { .. } => PyValueError::new_err(message),
        }
    }
}

/// A git failure is a `GitError`: a failed command's has `command` (redacted),
/// `returncode` and `stderr` (its last lines, redacted) as attributes, and its message
/// names them too; a rev not found says which rev forms were tried. An offline miss is
/// an `OfflineError`; a rev or URL refused before git runs an `InvalidSourceError` (a
/// `ValueError`), as other refused specs are.
impl IntoPyErr for git::Error {
    fn into_pyerr(self) -> PyErr {
        let message = self.to_string();
        match self {
            git::Error::Offline { .. } => OfflineError::new_err(message),
            git::Error::InvalidRev { .. } | git::Error::InvalidUrl { .. } => {
                InvalidSourceError::new_err(message)
            }
            git::Error::Cache(err) => err.into_pyerr(),
            git::Error::Io { path, source } => os_error(&path, &source),
            git::Error::DestinationExists(path) => PyOSError::new_err((
                EEXIST,
                "destination already exists and is not an empty directory",
                path.display().to_string(),
            )),
            git::Error::Command {
                command,
                code,
                stderr_tail,
            } => git_error(message, command, code, stderr_tail),
            git::Error::GitMissing | git::Error::LfsMissing | git::Error::RevNotFound { .. } => {
                GitError::new_err(message)
            }
        }
    }
}

/// A wheel whose metadata cannot be read out of it: a zip it is not, or a hostile one,
/// is an `ArchiveError` (`archive`: the wheel's URL); a download that is not the file
/// the index names a `HashMismatchError`; a bad file name an `InvalidSourceError`.
impl IntoPyErr for wheel_metadata::Error {
    fn into_pyerr(self) -> PyErr {
        let message = self.to_string();
        match self {
            wheel_metadata::Error::Http(err) => err.into_pyerr(),
            wheel_metadata::Error::Zip { url, .. } => {
                raise_with::<ArchiveError>(&message, &[("archive", Some(url))])
            }
            wheel_metadata::Error::HashMismatch {
                url,
                expected,
                actual,
            } => raise_with::<HashMismatchError>(
                &message,
                &[
                    ("algorithm", Some("sha256".to_owned())),
                    ("expected", Some(expected)),
                    ("actual", Some(actual)),
                    ("source", Some(url)),
                ],
            ),
            wheel_metadata::Error::Filename { .. } => InvalidSourceError::new_err(message),
            wheel_metadata::Error::Cache(err) => err.into_pyerr(),
            wheel_metadata::Error::Io { path, source } => os_error(&path, &source),
        }
    }
}

/// A `NetworkError` with its attributes.
fn network_error(message: String, url: String, status: Option<u16>, retries: u32) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let kwargs = PyDict::new(py);
            kwargs.set_item("url", url)?;
            kwargs.set_item("status", status)?;
            kwargs.set_item("retries", retries)?;
            let instance = py
                .get_type::<NetworkError>()
                .call((message,), Some(&kwargs))?;
            Ok(PyErr::from_value(instance))
        };
        build().unwrap_or_else(|err| err)
    })
}

/// A `GitError` of a failed command, with its attributes.
fn git_error(message: String, command: String, code: Option<i32>, stderr: String) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let kwargs = PyDict::new(py);
            kwargs.set_item("command", command)?;
            kwargs.set_item("returncode", code)?;
            kwargs.set_item("stderr", stderr)?;
            let instance = py.get_type::<GitError>().call((message,), Some(&kwargs))?;
            Ok(PyErr::from_value(instance))
        };
        build().unwrap_or_else(|err| err)
    })
}

/// An archive error, with the archive it came from.
pub(crate) struct ArchiveFailure<'a> {
    pub(crate) error: archive::Error,
    pub(crate) archive: &'a Path,
}

impl ArchiveFailure<'_> {
    /// The error with the archive (a download's URL) named in its message.
    fn into_pyerr_named(self) -> PyErr {
        let message = format!("{}: {}", self.archive.display(), self.error);
        self.into_pyerr_with(message)
    }
}

impl IntoPyErr for ArchiveFailure<'_> {
    fn into_pyerr(self) -> PyErr {
        let message = self.error.to_string();
        self.into_pyerr_with(message)
    }
}

impl ArchiveFailure<'_> {
    fn into_pyerr_with(self, message: String) -> PyErr {
        let archive = Some(self.archive.display().to_string());
        match self.error {
            archive::Error::Io { path, source } => os_error(&path, &source),
            archive::Error::Unsafe { member, .. } => raise_with::<UnsafeArchiveError>(
                &message,
                &[("archive", archive), ("member", Some(member))],
            ),
            archive::Error::Unsupported { .. } => {
                raise_with::<UnsupportedArchiveError>(&message, &[("archive", archive)])
            }
            archive::Error::Corrupt { member, .. } => {
                raise_with::<ArchiveError>(&message, &[("archive", archive), ("member", member)])
            }
            archive::Error::TopLevel(_) => {
                raise_with::<ArchiveError>(&message, &[("archive", archive)])
            }
            archive::Error::HashMismatch {
                algorithm,
                expected,
                actual,
            } => raise_with::<HashMismatchError>(
                &message,
                &[
                    ("algorithm", Some(algorithm.to_owned())),
                    ("expected", Some(expected)),
                    ("actual", Some(actual)),
                    ("source", archive),
                ],
            ),
            archive::Error::UnknownHash(_) => PyValueError::new_err(message),
            archive::Error::DestinationExists(path) => PyOSError::new_err((
                EEXIST,
                "destination already exists and is not an empty directory",
                path.display().to_string(),
            )),
        }
    }
}

/// errno of "file exists" (the same on every Unix).
const EEXIST: i32 = 17;

/// Built-in `OSError` (its errno picks the subclass) with `filename` set.
pub(crate) fn os_error(path: &Path, source: &io::Error) -> PyErr {
    let filename = path.display().to_string();
    match source.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, strerror(source), filename)),
        None => PyOSError::new_err(format!("{filename}: {source}")),
    }
}

/// The message of an OS error without Rust's " (os error N)" suffix.
fn strerror(err: &io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// Instantiates a Python exception class with a message and keyword attributes.
fn raise_with<T: pyo3::PyTypeInfo>(message: &str, attributes: &[(&str, Option<String>)]) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let kwargs = PyDict::new(py);
            for (key, value) in attributes {
                kwargs.set_item(key, value)?;
            }
            let instance = py.get_type::<T>().call((message,), Some(&kwargs))?;
            Ok(PyErr::from_value(instance))
        };
        build().unwrap_or_else(|err| err)
    })
}
