//! Warm lookups of local sources (`sdistill_core::lookup`): file URLs, stamps, answers.

use std::path::PathBuf;

use pyo3::prelude::*;
use sdistill_core::lookup::{self, Answer, Read};

use crate::errors::{os_error, IntoPyErr};

/// `(status, value)`: `("ok", value)`, else `("missing" | "old", "")` or
/// `("damaged", what is wrong)`.
fn status<T>(read: Read<T>, value: impl FnOnce(T) -> String) -> (&'static str, String) {
    let word = read.status();
    match read {
        Read::Found(found) => (word, value(found)),
        Read::Damaged(why) => (word, why.to_owned()),
        Read::Missing | Read::Old => (word, String::new()),
    }
}

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

/// `(status, METADATA text)` of the record in a directory, sealed by its answer.
#[pyfunction]
fn read_record(py: Python<'_>, directory: PathBuf) -> (&'static str, String) {
    status(
        py.detach(|| lookup::read_record(&directory)),
        |(text, _)| text,
    )
}

/// The bytes of a stamp file for `stamp`.
#[pyfunction]
fn render_stamp(stamp: &str) -> String {
    lookup::render_stamp(stamp)
}

/// `(status, stamp)` of the stamp file at `path`.
#[pyfunction]
fn read_stamp(py: Python<'_>, path: PathBuf) -> (&'static str, String) {
    status(py.detach(|| lookup::read_stamp(&path)), |stamp| stamp)
}

/// Records the sha256 of `file` for the wheel that will be `target` (beside it).
#[pyfunction]
fn seal_wheel(py: Python<'_>, file: PathBuf, target: PathBuf) -> PyResult<()> {
    py.detach(|| lookup::seal_wheel(&file, &target))
        .map_err(IntoPyErr::into_pyerr)
}

/// `(status, what is wrong)` of a cached wheel checked against its record.
#[pyfunction]
fn check_wheel(py: Python<'_>, wheel: PathBuf) -> (&'static str, String) {
    status(py.detach(|| lookup::check_wheel(&wheel)), |()| {
        String::new()
    })
}

/// The text of a sealed record of `kind` holding `body`.
#[pyfunction]
fn render_sealed(kind: &str, body: &str) -> String {
    lookup::render_sealed(kind, body)
}

/// `(status, body)` of the bytes of a sealed record of `kind`.
#[pyfunction]
fn read_sealed(kind: &str, data: &[u8]) -> (&'static str, String) {
    status(lookup::read_sealed(kind, data), |body| body)
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
    m.add("WHEEL_RECORD_SUFFIX", lookup::WHEEL_RECORD_SUFFIX)?;
    m.add_function(wrap_pyfunction!(file_url, m)?)?;
    m.add_function(wrap_pyfunction!(archive_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(directory_stamp, m)?)?;
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
