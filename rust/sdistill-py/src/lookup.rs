//! Warm lookups of local sources (`sdistill_core::lookup`): file URLs, stamps, answers.

use std::path::PathBuf;

use pyo3::prelude::*;
use sdistill_core::lookup::{self, Answer};

use crate::errors::os_error;

/// The `file://` URL of an absolute path, as `pathlib.Path.as_uri()` spells it on POSIX.
#[pyfunction]
fn file_url(path: PathBuf) -> String {
    lookup::file_url(&path)
}

/// The stamp of an archive file (modification time and size).
#[pyfunction]
fn archive_stamp(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    let meta = py.detach(|| std::fs::metadata(&path));
    meta.map(|m| lookup::archive_stamp(&m))
        .map_err(|err| os_error(&path, &err))
}

/// The stamp of a directory from the newest modification time (ns) of its key files.
#[pyfunction]
fn directory_stamp(newest_mtime_ns: i128) -> String {
    lookup::directory_stamp(newest_mtime_ns)
}

/// The text of an answer file for a `METADATA` record.
#[pyfunction]
fn render_answer(record: &str, identity: &str, json: &str, text: &str) -> String {
    let answer = Answer {
        identity: identity.into(),
        json: json.into(),
        text: text.into(),
    };
    lookup::render_answer(record, &answer)
}

/// `(identity, json, text)` of the sealed answer in a directory, or `None`.
#[pyfunction]
fn read_answer(py: Python<'_>, directory: PathBuf) -> Option<(String, String, String)> {
    py.detach(|| lookup::read_answer(&directory))
        .map(|a| (a.identity, a.json, a.text))
}

/// `(json, text)` of every spec's warm answer, or `None` unless all of them are hits.
#[pyfunction]
fn warm_answers(
    py: Python<'_>,
    root: PathBuf,
    specs: Vec<PathBuf>,
    settings: &str,
) -> Option<Vec<(String, String)>> {
    let answers = py.detach(|| lookup::warm_answers(&root, &specs, settings))?;
    Some(answers.into_iter().map(|a| (a.json, a.text)).collect())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("STAMP_KEY_FILES", lookup::KEY_FILES.to_vec())?;
    m.add("ANSWER_FILE", lookup::ANSWER_FILE)?;
    m.add_function(wrap_pyfunction!(file_url, m)?)?;
    m.add_function(wrap_pyfunction!(archive_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(directory_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(render_answer, m)?)?;
    m.add_function(wrap_pyfunction!(read_answer, m)?)?;
    m.add_function(wrap_pyfunction!(warm_answers, m)?)?;
    Ok(())
}
