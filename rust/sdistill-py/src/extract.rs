//! `extract`.

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use sdistill_core::archive::{
    self, ExtractOptions, HashAlgorithm, Limits, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_UNPACKED_SIZE,
};

use crate::errors::{ArchiveFailure, IntoPyErr};
use crate::log;
use crate::results::Extracted;

/// Extracts an archive; returns what it wrote and the archive's digests.
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
fn extract(
    py: Python<'_>,
    archive: PathBuf,
    dest: PathBuf,
    strip_top_level: bool,
    expected_hashes: Option<HashMap<String, String>>,
    hashes: Vec<String>,
    max_unpacked_size: u64,
    max_entries: u64,
) -> PyResult<Extracted> {
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
    Ok(Extracted::from(&extracted))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("DEFAULT_MAX_UNPACKED_SIZE", DEFAULT_MAX_UNPACKED_SIZE)?;
    m.add("DEFAULT_MAX_ENTRIES", DEFAULT_MAX_ENTRIES)?;
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    Ok(())
}
