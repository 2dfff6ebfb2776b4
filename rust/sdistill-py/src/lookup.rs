//! Warm lookups of local sources (`sdistill_core::lookup`): file URLs, stamps, answers.

use std::path::PathBuf;

use pyo3::prelude::*;
use sdistill_core::lookup::{self, Answer as CoreAnswer};

use crate::errors::{os_error, IntoPyErr};
use crate::results::{Answer, SealedRead};

/// The `file://` URL of an absolute path, as `pathlib.Path.as_uri()` spells it on POSIX.
#[pyfunction]
fn file_url(path: PathBuf) -> String {
    lookup::file_url(&path)
}

/// The stamp of a local source: an archive's, or a directory's from its key files and
/// what its `[tool.sdistill] cache-keys` patterns match.
#[pyfunction]
fn local_stamp(py: Python<'_>, path: PathBuf, cache_keys: Vec<String>) -> PyResult<String> {
    py.detach(|| lookup::local_stamp(&path, &cache_keys))
        .map_err(|err| os_error(&path, &err))
}

/// The text of an answer file for a `METADATA` record.
#[pyfunction]
fn render_answer(record: &str, identity: &str, json: &str, text: &str) -> String {
    let answer = CoreAnswer {
        identity: identity.into(),
        json: json.into(),
        text: text.into(),
    };
    lookup::render_answer(record, &answer)
}

/// The sealed answer in a directory, or `None`.
#[pyfunction]
fn read_answer(py: Python<'_>, directory: PathBuf) -> Option<Answer> {
    py.detach(|| lookup::read_answer(&directory))
        .map(Answer::from)
}

/// The `METADATA` record in a directory (its text), sealed by its answer.
#[pyfunction]
fn read_record(py: Python<'_>, directory: PathBuf) -> SealedRead {
    SealedRead::new(
        py.detach(|| lookup::read_record(&directory)),
        |(text, _)| text,
    )
}

/// The bytes of a stamp file for `stamp`.
#[pyfunction]
fn render_stamp(stamp: &str) -> String {
    lookup::render_stamp(stamp)
}

/// The stamp file at `path`.
#[pyfunction]
fn read_stamp(py: Python<'_>, path: PathBuf) -> SealedRead {
    SealedRead::new(py.detach(|| lookup::read_stamp(&path)), |stamp| stamp)
}

/// Records the sha256 of `file` for the wheel that will be `target` (beside it).
#[pyfunction]
fn seal_wheel(py: Python<'_>, file: PathBuf, target: PathBuf) -> PyResult<()> {
    py.detach(|| lookup::seal_wheel(&file, &target))
        .map_err(IntoPyErr::into_pyerr)
}

/// A cached wheel checked against its seal (the value says what is wrong).
#[pyfunction]
fn check_wheel(py: Python<'_>, wheel: PathBuf) -> SealedRead {
    SealedRead::new(py.detach(|| lookup::check_wheel(&wheel)), |()| {
        String::new()
    })
}

/// The text of a sealed record of `kind` holding `body`.
#[pyfunction]
fn render_sealed(kind: &str, body: &str) -> String {
    lookup::render_sealed(kind, body)
}

/// The body of the bytes of a sealed record of `kind`.
#[pyfunction]
fn read_sealed(kind: &str, data: &[u8]) -> SealedRead {
    SealedRead::new(lookup::read_sealed(kind, data), |body| body)
}

/// Every spec's warm answer, or `None` unless all of them are hits.
#[pyfunction]
fn warm_answers(
    py: Python<'_>,
    root: PathBuf,
    specs: Vec<PathBuf>,
    settings: &str,
) -> Option<Vec<Answer>> {
    let answers = py.detach(|| lookup::warm_answers(&root, &specs, settings))?;
    Some(answers.into_iter().map(Answer::from).collect())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(file_url, m)?)?;
    m.add_function(wrap_pyfunction!(local_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(render_answer, m)?)?;
    m.add_function(wrap_pyfunction!(read_answer, m)?)?;
    m.add_function(wrap_pyfunction!(warm_answers, m)?)?;
    m.add_function(wrap_pyfunction!(read_record, m)?)?;
    m.add_function(wrap_pyfunction!(render_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(read_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(seal_wheel, m)?)?;
    m.add_function(wrap_pyfunction!(check_wheel, m)?)?;
    m.add_function(wrap_pyfunction!(render_sealed, m)?)?;
    m.add_function(wrap_pyfunction!(read_sealed, m)?)?;
    Ok(())
}
