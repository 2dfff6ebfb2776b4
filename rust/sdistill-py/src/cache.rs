//! `CacheLayout` and `ShardLock`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyAny;
use sdistill_core::cache::{
    self, lock_timeout_from_env, Bucket, Cache, LockGuard, DEFAULT_LOCK_TIMEOUT,
};

use crate::errors::IntoPyErr;

fn err(error: cache::Error) -> PyErr {
    error.into_pyerr()
}

fn bucket_named(name: &str) -> PyResult<Bucket> {
    Bucket::from_name(name).ok_or_else(|| err(cache::Error::UnknownBucket(name.to_owned())))
}

/// `None` means: from `SDISTILL_LOCK_TIMEOUT`, else the default.
fn timeout_of(seconds: Option<f64>) -> PyResult<Duration> {
    match seconds {
        None => Ok(lock_timeout_from_env()),
        Some(s) if s.is_finite() && s >= 0.0 => Ok(Duration::from_secs_f64(s)),
        Some(s) => Err(PyValueError::new_err(format!(
            "lock timeout must be a non-negative number of seconds, not {s}"
        ))),
    }
}

fn text(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// The native cache layout of one root.
#[pyclass(module = "sdistill._core", frozen)]
struct CacheLayout {
    inner: Cache,
}

#[pymethods]
impl CacheLayout {
    #[new]
    fn new(py: Python<'_>, root: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| Cache::init(&root)).map_err(err)?;
        Ok(CacheLayout { inner })
    }

    #[getter]
    fn root(&self) -> String {
        text(self.inner.root())
    }

    /// (name, directory name) of every bucket.
    #[staticmethod]
    fn bucket_names() -> Vec<(String, String)> {
        Bucket::ALL
            .iter()
            .map(|b| (b.name().to_owned(), b.dir_name().to_owned()))
            .collect()
    }

    #[staticmethod]
    fn new_revision_id() -> String {
        cache::new_revision_id()
    }

    fn bucket(&self, name: &str) -> PyResult<String> {
        Ok(text(&self.inner.bucket(bucket_named(name)?)))
    }

    fn shard(&self, bucket: &str, parts: Vec<String>) -> PyResult<String> {
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let path = self
            .inner
            .shard(bucket_named(bucket)?, &parts)
            .map_err(err)?;
        Ok(text(&path))
    }

    fn temp_dir(&self, py: Python<'_>) -> PyResult<String> {
        let path = py.detach(|| self.inner.temp_dir()).map_err(err)?;
        Ok(text(&path))
    }

    #[pyo3(signature = (shard, timeout = None))]
    fn lock_shard(
        &self,
        py: Python<'_>,
        shard: PathBuf,
        timeout: Option<f64>,
    ) -> PyResult<ShardLock> {
        let timeout = timeout_of(timeout)?;
        let guard = py
            .detach(|| self.inner.lock_shard(&shard, timeout))
            .map_err(err)?;
        Ok(ShardLock {
            path: text(guard.path()),
            guard: Mutex::new(Some(guard)),
        })
    }

    fn write_atomic(&self, py: Python<'_>, path: PathBuf, data: &[u8]) -> PyResult<()> {
        py.detach(|| cache::write_atomic(&path, data)).map_err(err)
    }

    fn read_revision(&self, py: Python<'_>, shard: PathBuf) -> Option<String> {
        py.detach(|| self.inner.read_revision(&shard))
    }

    fn commit_revision(&self, py: Python<'_>, shard: PathBuf, revision: &str) -> PyResult<()> {
        py.detach(|| self.inner.commit_revision(&shard, revision))
            .map_err(err)
    }

    fn set_package(&self, py: Python<'_>, shard: PathBuf, name: &str) -> PyResult<()> {
        py.detach(|| self.inner.set_package(&shard, name))
            .map_err(err)
    }

    /// Removes the revisions of `shard` its pointer no longer names (the caller holds
    /// the shard's locks); returns (files, bytes) removed.
    fn remove_superseded(&self, py: Python<'_>, shard: PathBuf) -> PyResult<(u64, u64)> {
        let removed = py
            .detach(|| self.inner.remove_superseded(&shard))
            .map_err(err)?;
        Ok((removed.files, removed.bytes))
    }

    /// (bucket directory name, bytes, files) for every bucket.
    fn size(&self, py: Python<'_>) -> PyResult<Vec<(String, u64, u64)>> {
        let usage = py.detach(|| self.inner.usage()).map_err(err)?;
        Ok(usage
            .into_iter()
            .map(|(bucket, u)| (bucket.dir_name().to_owned(), u.bytes, u.files))
            .collect())
    }

    #[pyo3(signature = (package = None, timeout = None))]
    fn clean(
        &self,
        py: Python<'_>,
        package: Option<String>,
        timeout: Option<f64>,
    ) -> PyResult<(u64, u64)> {
        let timeout = timeout_of(timeout)?;
        let removed = py
            .detach(|| self.inner.clean(package.as_deref(), timeout))
            .map_err(err)?;
        Ok((removed.files, removed.bytes))
    }

    #[pyo3(signature = (timeout = None))]
    fn prune(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<(u64, u64)> {
        let timeout = timeout_of(timeout)?;
        let removed = py.detach(|| self.inner.prune(timeout)).map_err(err)?;
        Ok((removed.files, removed.bytes))
    }
}

/// A held shard lock; released by `release()`, on leaving a `with` block, or when
/// garbage-collected.
#[pyclass(module = "sdistill._core", frozen)]
struct ShardLock {
    path: String,
    guard: Mutex<Option<LockGuard>>,
}

#[pymethods]
impl ShardLock {
    #[getter]
    fn path(&self) -> &str {
        &self.path
    }

    fn release(&self) {
        let guard = self.guard.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(guard);
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (exc_type, exc_value, traceback))]
    fn __exit__(
        &self,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc_value: Option<&Bound<'_, PyAny>>,
        traceback: Option<&Bound<'_, PyAny>>,
    ) {
        let _ = (exc_type, exc_value, traceback);
        self.release();
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("DEFAULT_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT.as_secs_f64())?;
    m.add_class::<CacheLayout>()?;
    m.add_class::<ShardLock>()?;
    Ok(())
}
