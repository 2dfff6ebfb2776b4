//! `canonical_url`, `cache_digest`, `key_digest`, `index_url_key` and `redact`.

use pyo3::prelude::*;
use sdistill_core::cache_key;

use crate::errors::IntoPyErr;

/// The canonical form of a URL, as used for cache keys.
#[pyfunction]
fn canonical_url(url: &str) -> PyResult<String> {
    cache_key::canonical_url(url).map_err(IntoPyErr::into_pyerr)
}

/// The 32-hex-character digest that names the cache shard of a URL.
#[pyfunction]
fn cache_digest(url: &str) -> PyResult<String> {
    cache_key::cache_digest(url).map_err(IntoPyErr::into_pyerr)
}

/// The digest of an arbitrary key (already canonical), in the same format.
#[pyfunction]
fn key_digest(key: &str) -> String {
    cache_key::digest_bytes(key.as_bytes())
}

/// An index URL as its cache entries are keyed: with exactly one trailing `/`.
#[pyfunction]
fn index_url_key(index_url: &str) -> String {
    sdistill_core::cache::names::index_url_key(index_url)
}

/// The text with the credentials of every URL in it masked.
#[pyfunction]
fn redact(text: &str) -> String {
    sdistill_core::url::redact(text)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(canonical_url, m)?)?;
    m.add_function(wrap_pyfunction!(cache_digest, m)?)?;
    m.add_function(wrap_pyfunction!(key_digest, m)?)?;
    m.add_function(wrap_pyfunction!(redact, m)?)?;
    m.add_function(wrap_pyfunction!(index_url_key, m)?)?;
    Ok(())
}
