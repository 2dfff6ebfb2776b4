//! The small frozen classes native calls return instead of tuples: every field named,
//! each documented in `_core.pyi`.

use std::collections::HashMap;

use pyo3::prelude::*;
use sdistill_core::archive::Extracted as CoreExtracted;
use sdistill_core::cache::Usage;
use sdistill_core::http::Origin;
use sdistill_core::lookup::{self, Read};

/// `"cache"` (no request), `"revalidated"` (304) or `"network"`.
pub(crate) fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Cache => "cache",
        Origin::Revalidated => "revalidated",
        Origin::Network => "network",
    }
}

fn digests(extracted: &CoreExtracted) -> HashMap<String, String> {
    extracted
        .hashes
        .iter()
        .map(|(algorithm, digest)| (algorithm.name().to_owned(), digest.clone()))
        .collect()
}

/// What an extraction wrote: files (and links), their bytes, the archive's digests.
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct Extracted {
    files: u64,
    unpacked_bytes: u64,
    hashes: HashMap<String, String>,
}

impl From<&CoreExtracted> for Extracted {
    fn from(extracted: &CoreExtracted) -> Self {
        Extracted {
            files: extracted.files,
            unpacked_bytes: extracted.unpacked_bytes,
            hashes: digests(extracted),
        }
    }
}

/// A download extracted without caching, and the retries it took.
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct Downloaded {
    files: u64,
    unpacked_bytes: u64,
    hashes: HashMap<String, String>,
    retries: u32,
}

impl Downloaded {
    pub(crate) fn new(extracted: &CoreExtracted, retries: u32) -> Self {
        Downloaded {
            files: extracted.files,
            unpacked_bytes: extracted.unpacked_bytes,
            hashes: digests(extracted),
            retries,
        }
    }
}

/// A response body in a cache file.
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct DownloadedFile {
    path: String,
    sha256: String,
    origin: &'static str,
    retries: u32,
}

impl DownloadedFile {
    pub(crate) fn new(path: String, sha256: String, origin: Origin, retries: u32) -> Self {
        DownloadedFile {
            path,
            sha256,
            origin: origin_name(origin),
            retries,
        }
    }
}

/// An archive extracted into a revision of its shard.
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct FetchedArchive {
    revision: String,
    sha256: String,
    origin: &'static str,
    retries: u32,
}

impl FetchedArchive {
    pub(crate) fn new(revision: String, sha256: String, origin: Origin, retries: u32) -> Self {
        FetchedArchive {
            revision,
            sha256,
            origin: origin_name(origin),
            retries,
        }
    }
}

/// A sealed answer: whether the archive's name agrees, and the printed forms.
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct Answer {
    identity: String,
    json: String,
    text: String,
}

impl From<lookup::Answer> for Answer {
    fn from(answer: lookup::Answer) -> Self {
        Answer {
            identity: answer.identity,
            json: answer.json,
            text: answer.text,
        }
    }
}

/// A sealed record read back: `status` is "ok" (then `value` is the record), "missing",
/// "old" or "damaged" (then `value` says what is wrong).
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct SealedRead {
    status: &'static str,
    value: String,
}

impl SealedRead {
    pub(crate) fn new<T>(read: Read<T>, value: impl FnOnce(T) -> String) -> Self {
        let status = read.status();
        let value = match read {
            Read::Found(found) => value(found),
            Read::Damaged(why) => why.to_owned(),
            Read::Missing | Read::Old => String::new(),
        };
        SealedRead { status, value }
    }
}

#[pymethods]
impl SealedRead {
    fn __repr__(&self) -> String {
        format!("SealedRead({:?}, {:?})", self.status, self.value)
    }
}

/// Bytes and files of one bucket (by directory name, e.g. `sdists-v1`).
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct BucketUsage {
    name: &'static str,
    bytes: u64,
    files: u64,
}

impl BucketUsage {
    pub(crate) fn new(name: &'static str, usage: Usage) -> Self {
        BucketUsage {
            name,
            bytes: usage.bytes,
            files: usage.files,
        }
    }
}

/// What a clean, prune or removal of superseded revisions removed.
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct Removed {
    files: u64,
    bytes: u64,
}

impl From<Usage> for Removed {
    fn from(usage: Usage) -> Self {
        Removed {
            files: usage.files,
            bytes: usage.bytes,
        }
    }
}

/// A wheel's `METADATA` read out of the wheel (range requests or a whole download).
#[pyclass(module = "sdistill._core", frozen, get_all)]
pub(crate) struct WheelMetadata {
    metadata: Py<pyo3::types::PyBytes>,
    /// `"range"` or `"download"`.
    via: &'static str,
    /// Answered by its cache record, without a request.
    cached: bool,
    /// Requests made for it (0 when cached).
    requests: u32,
}

impl WheelMetadata {
    pub(crate) fn new(py: Python<'_>, found: sdistill_core::wheel_metadata::Found) -> Self {
        WheelMetadata {
            metadata: pyo3::types::PyBytes::new(py, &found.metadata).unbind(),
            via: found.via.as_str(),
            cached: found.cached,
            requests: found.requests,
        }
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WheelMetadata>()?;
    m.add_class::<Extracted>()?;
    m.add_class::<Downloaded>()?;
    m.add_class::<DownloadedFile>()?;
    m.add_class::<FetchedArchive>()?;
    m.add_class::<Answer>()?;
    m.add_class::<SealedRead>()?;
    m.add_class::<BucketUsage>()?;
    m.add_class::<Removed>()?;
    Ok(())
}
