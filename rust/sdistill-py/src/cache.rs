//! `CacheLayout` and `ShardLock`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyAny;
use sdistill_core::cache::{self, Bucket, Cache, LockGuard, DEFAULT_LOCK_TIMEOUT};

use crate::errors::IntoPyErr;
use crate::results::{BucketUsage, Removed};

fn err(error: cache::Error) -> PyErr {
    error.into_pyerr()
}

pub(crate) fn text(path: &Path) -> String {
    path.display().to_string()
}

/// The native cache layout of one root: every path in it comes from here.
#[pyclass(module = "sdistill._core", frozen)]
struct CacheLayout {
    inner: Cache,
}

impl CacheLayout {
    /// `seconds`, else the layout's own lock timeout.
    fn timeout(&self, seconds: Option<f64>) -> PyResult<Duration> {
        match seconds {
            None => Ok(self.inner.lock_timeout()),
            Some(s) => cache::Error::timeout(s).map_err(err),
        }
    }
}

#[pymethods]
impl CacheLayout {
    /// `lock_timeout`: how long locks are waited for when a call gives no timeout
    /// (None: `DEFAULT_LOCK_TIMEOUT`).
    #[new]
    #[pyo3(signature = (root, lock_timeout = None))]
    fn new(py: Python<'_>, root: PathBuf, lock_timeout: Option<f64>) -> PyResult<Self> {
        let timeout = match lock_timeout {
            None => DEFAULT_LOCK_TIMEOUT,
            Some(s) => cache::Error::timeout(s).map_err(err)?,
        };
        let inner = py.detach(|| Cache::init(&root)).map_err(err)?;
        Ok(CacheLayout {
            inner: inner.with_lock_timeout(timeout),
        })
    }

    #[getter]
    fn root(&self) -> String {
        text(self.inner.root())
    }

    /// The lock timeout in seconds.
    #[getter]
    fn lock_timeout(&self) -> f64 {
        self.inner.lock_timeout().as_secs_f64()
    }

    #[staticmethod]
    fn new_revision_id() -> String {
        cache::new_revision_id()
    }

    fn temp_root(&self) -> String {
        text(&self.inner.temp_root())
    }

    /// A new, empty directory under `tmp/`; the caller renames or removes it.
    fn staging_dir(&self, py: Python<'_>) -> PyResult<String> {
        let path = py.detach(|| self.inner.temp_dir()).map_err(err)?;
        Ok(text(&path))
    }

    fn path_shard(&self, file_url: &str, editable: bool) -> PyResult<String> {
        Ok(text(
            &self.inner.path_shard(file_url, editable).map_err(err)?,
        ))
    }

    fn url_shard(&self, url: &str) -> PyResult<String> {
        Ok(text(&self.inner.url_shard(url).map_err(err)?))
    }

    #[pyo3(signature = (key, lfs=false))]
    fn git_shard(&self, key: &str, lfs: bool) -> PyResult<String> {
        Ok(text(&self.inner.git_shard(key, lfs).map_err(err)?))
    }

    fn index_sdist_shard(&self, index_url: &str, name: &str, version: &str) -> PyResult<String> {
        let shard = self.inner.index_sdist_shard(index_url, name, version);
        Ok(text(&shard.map_err(err)?))
    }

    fn index_page_entry(&self, index_url: &str, name: &str) -> PyResult<String> {
        Ok(text(
            &self.inner.index_page_entry(index_url, name).map_err(err)?,
        ))
    }

    fn wheel_metadata_entry(&self, url: &str) -> PyResult<String> {
        Ok(text(&self.inner.wheel_metadata_entry(url).map_err(err)?))
    }

    fn resolution_record(&self, key: &str) -> PyResult<String> {
        Ok(text(&self.inner.resolution_record(key).map_err(err)?))
    }

    fn wheel_metadata_record(&self, wheel_url: &str) -> PyResult<String> {
        Ok(text(
            &self.inner.wheel_metadata_record(wheel_url).map_err(err)?,
        ))
    }

    fn environment_shard(&self, key: &str) -> String {
        text(&self.inner.environment_shard(key))
    }

    fn environment_mark(&self, shard: PathBuf) -> String {
        text(&Cache::environment_mark(&shard))
    }

    fn environment_constraints(&self, shard: PathBuf) -> String {
        text(&Cache::environment_constraints(&shard))
    }

    fn environment_marks(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let marks = py.detach(|| self.inner.environment_marks()).map_err(err)?;
        Ok(marks.iter().map(|mark| text(mark)).collect())
    }

    #[pyo3(signature = (shard, timeout = None))]
    fn lock_shard(
        &self,
        py: Python<'_>,
        shard: PathBuf,
        timeout: Option<f64>,
    ) -> PyResult<ShardLock> {
        let timeout = self.timeout(timeout)?;
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
    /// the shard's locks).
    fn remove_superseded(&self, py: Python<'_>, shard: PathBuf) -> PyResult<Removed> {
        let removed = py
            .detach(|| self.inner.remove_superseded(&shard))
            .map_err(err)?;
        Ok(removed.into())
    }

    /// Bytes and files of every bucket.
    fn size(&self, py: Python<'_>) -> PyResult<Vec<BucketUsage>> {
        let usage = py.detach(|| self.inner.usage()).map_err(err)?;
        Ok(usage
            .into_iter()
            .map(|(bucket, u): (Bucket, _)| BucketUsage::new(bucket.dir_name(), u))
            .collect())
    }

    #[pyo3(signature = (package = None, timeout = None))]
    fn clean(
        &self,
        py: Python<'_>,
        package: Option<String>,
        timeout: Option<f64>,
    ) -> PyResult<Removed> {
        let timeout = self.timeout(timeout)?;
        let removed = py
            .detach(|| self.inner.clean(package.as_deref(), timeout))
            .map_err(err)?;
        Ok(removed.into())
    }

    #[pyo3(signature = (timeout = None))]
    fn prune(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Removed> {
        let timeout = self.timeout(timeout)?;
        let removed = py.detach(|| self.inner.prune(timeout)).map_err(err)?;
        Ok(removed.into())
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
