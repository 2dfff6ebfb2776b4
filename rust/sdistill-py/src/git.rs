//! Git repositories (`sdistill_core::git`): resolve a rev, check out a commit, record
//! which database a git shard uses. The GIL is released around every git call.

use std::path::PathBuf;

use pyo3::prelude::*;
use sdistill_core::cache::{self, Cache};
use sdistill_core::git;

use crate::cache::text;
use crate::errors::IntoPyErr;

/// A rev resolved to a commit, and whether `git fetch` ran for it.
#[pyclass(module = "sdistill._core", frozen, get_all)]
struct GitResolved {
    commit: String,
    fetched: bool,
}

#[pymethods]
impl GitResolved {
    fn __repr__(&self) -> String {
        let fetched = if self.fetched { "True" } else { "False" };
        format!("GitResolved(commit={:?}, fetched={fetched})", self.commit)
    }
}

/// The cache at `root`, waiting `lock_timeout` seconds for locks (None: the default).
fn open(root: &std::path::Path, lock_timeout: Option<f64>) -> Result<Cache, cache::Error> {
    let cache = Cache::init(root)?;
    Ok(match lock_timeout {
        Some(seconds) => cache.with_lock_timeout(cache::Error::timeout(seconds)?),
        None => cache,
    })
}

/// Resolves `rev` (None: the default branch) of the repository at `url` (without
/// `git+`) to a commit, fetching into the repository's database when needed.
#[pyfunction]
#[pyo3(signature = (cache_root, url, rev, *, offline = false, lock_timeout = None))]
fn git_resolve(
    py: Python<'_>,
    cache_root: PathBuf,
    url: &str,
    rev: Option<&str>,
    offline: bool,
    lock_timeout: Option<f64>,
) -> PyResult<GitResolved> {
    let resolved = py
        .detach(|| {
            let cache = open(&cache_root, lock_timeout)?;
            git::resolve(&cache, url, rev, offline)
        })
        .map_err(IntoPyErr::into_pyerr)?;
    Ok(GitResolved {
        commit: resolved.commit,
        fetched: resolved.fetched,
    })
}

/// Checks out `commit` (resolved first) into `dest` (absent or an empty directory).
#[pyfunction]
#[pyo3(signature = (cache_root, url, commit, dest, *, lfs = false, lock_timeout = None))]
fn git_checkout(
    py: Python<'_>,
    cache_root: PathBuf,
    url: &str,
    commit: &str,
    dest: PathBuf,
    lfs: bool,
    lock_timeout: Option<f64>,
) -> PyResult<()> {
    py.detach(|| {
        let cache = open(&cache_root, lock_timeout)?;
        git::checkout(&cache, url, commit, &dest, lfs)
    })
    .map_err(IntoPyErr::into_pyerr)
}

/// Records that the git shard `shard` uses the database of `url` (`<shard>/repository`),
/// so `cache prune` keeps it; call it holding the shard's lock.
#[pyfunction]
fn git_link_database(
    py: Python<'_>,
    cache_root: PathBuf,
    shard: PathBuf,
    url: &str,
) -> PyResult<()> {
    py.detach(|| {
        let cache = open(&cache_root, None)?;
        git::link_database(&cache, &shard, url)
    })
    .map_err(IntoPyErr::into_pyerr)
}

/// The path of the repository's database (made or not).
#[pyfunction]
fn git_db(py: Python<'_>, cache_root: PathBuf, url: &str) -> PyResult<String> {
    let path = py
        .detach(|| {
            let cache = open(&cache_root, None)?;
            git::database_path(&cache, url)
        })
        .map_err(IntoPyErr::into_pyerr)?;
    Ok(text(&path))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GitResolved>()?;
    m.add_function(wrap_pyfunction!(git_resolve, m)?)?;
    m.add_function(wrap_pyfunction!(git_checkout, m)?)?;
    m.add_function(wrap_pyfunction!(git_db, m)?)?;
    m.add_function(wrap_pyfunction!(git_link_database, m)?)?;
    Ok(())
}
