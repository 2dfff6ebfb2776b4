//! `normalize_version`, `sort_versions`, `compare_versions` and `parse_filename`: PEP 440
//! versions and distribution filenames (`sdistill_core::index`).

use crate::errors::IntoPyErr;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyTuple};
use sdistill_core::index::filename::{self, DistFilename};
use sdistill_core::index::pep440::{self, Number, Version};

/// The normal form of a version (`str(packaging.version.Version(text))`), or None.
#[pyfunction]
fn normalize_version(text: &str) -> Option<String> {
    Version::parse(text).ok().map(|version| version.to_string())
}

/// The strings that are versions, in ascending order (stable); the others are dropped.
#[pyfunction]
fn sort_versions(py: Python<'_>, versions: Vec<String>) -> Vec<String> {
    py.detach(|| pep440::sort_versions(versions))
}

/// -1, 0 or 1 as version `a` is less than, equal to or greater than `b`.
#[pyfunction]
fn compare_versions(a: &str, b: &str) -> PyResult<i8> {
    let parse = |text: &str| Version::parse(text).map_err(IntoPyErr::into_pyerr);
    Ok(parse(a)?.cmp(&parse(b)?) as i8)
}

/// `("wheel", name, version, build_tag, python_tags, abi_tags, platform_tags)` or
/// `("sdist", name, version, format)` for a file of `project`, else None.
#[pyfunction]
fn parse_filename<'py>(
    py: Python<'py>,
    filename: &str,
    project: &str,
) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let tuple = match filename::parse(filename, project) {
        None => return Ok(None),
        Some(DistFilename::Wheel(wheel)) => {
            let build_tag = match &wheel.build_tag {
                Some(tag) => Some((py_int(py, &tag.number)?, tag.suffix.as_str())),
                None => None,
            };
            (
                "wheel",
                wheel.name,
                wheel.version.to_string(),
                build_tag,
                PyTuple::new(py, wheel.python_tags)?,
                PyTuple::new(py, wheel.abi_tags)?,
                PyTuple::new(py, wheel.platform_tags)?,
            )
                .into_pyobject(py)?
        }
        Some(DistFilename::Sdist(sdist)) => (
            "sdist",
            sdist.name,
            sdist.version.to_string(),
            sdist.format.extension(),
        )
            .into_pyobject(py)?,
    };
    Ok(Some(tuple))
}

fn py_int<'py>(py: Python<'py>, number: &Number) -> PyResult<Bound<'py, PyAny>> {
    match number.as_u64() {
        Some(value) => Ok(value.into_pyobject(py)?.into_any()),
        None => py.get_type::<PyInt>().call1((number.to_string(),)),
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(normalize_version, m)?)?;
    m.add_function(wrap_pyfunction!(sort_versions, m)?)?;
    m.add_function(wrap_pyfunction!(compare_versions, m)?)?;
    m.add_function(wrap_pyfunction!(parse_filename, m)?)?;
    Ok(())
}
