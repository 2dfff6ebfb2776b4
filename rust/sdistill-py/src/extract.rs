//! `extract`.

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use sdistill_core::archive::{
    self, ExtractOptions, HashAlgorithm, Limits, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_UNPACKED_SIZE,
};

use crate::errors::{ArchiveFailure, IntoPyErr};
use crate::log;

/// Extracts an archive; returns (files, unpacked bytes, {algorithm: hex digest}).
#[pyfunction]
#[pyo3(signature = (
    archive,
    dest,
    strip_top_level = false,
    expected_hashes = None,
    hashes = Vec::new(),
    max_unpacked_size = DEFAULT_MAX_UNPACKED_SIZE,
    max_entries = DEFAULT_MAX_ENTRIES,
))]
#[allow(clippy::too_many_arguments)]
fn extract<'py>(
    py: Python<'py>,
    archive: PathBuf,
    dest: PathBuf,
    strip_top_level: bool,
    expected_hashes: Option<HashMap<String, String>>,
    hashes: Vec<String>,
    max_unpacked_size: u64,
    max_entries: u64,
) -> PyResult<(u64, u64, Bound<'py, PyDict>)> {
    let failure = |error| ArchiveFailure {
        error,
        archive: &archive,
    };
    let mut options = ExtractOptions {
        strip_top_level,
        limits: Limits {
            max_unpacked_size,
            max_entries,
            ..Limits::default()
        },
        ..ExtractOptions::default()
    };
    for name in &hashes {
        options
            .hashes
            .push(HashAlgorithm::parse(name).map_err(|e| failure(e).into_pyerr())?);
    }
    for (name, digest) in expected_hashes.unwrap_or_default() {
        let algorithm = HashAlgorithm::parse(&name).map_err(|e| failure(e).into_pyerr())?;
        options.expected.push((algorithm, digest));
    }
    let result = py.detach(|| archive::extract_file(&archive, &dest, &options));
    let extracted = result.map_err(|e| failure(e).into_pyerr())?;
    log::duplicates(py, &archive.display().to_string(), &extracted.duplicates)?;
    let digests = PyDict::new(py);
    for (algorithm, digest) in extracted.hashes {
        digests.set_item(algorithm.name(), digest)?;
    }
    Ok((extracted.files, extracted.unpacked_bytes, digests))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("DEFAULT_MAX_UNPACKED_SIZE", DEFAULT_MAX_UNPACKED_SIZE)?;
    m.add("DEFAULT_MAX_ENTRIES", DEFAULT_MAX_ENTRIES)?;
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    Ok(())
}
