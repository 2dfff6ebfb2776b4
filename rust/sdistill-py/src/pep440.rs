//! `normalize_version`, `sort_versions`, `compare_versions` and `parse_filename` (a
//! `DistFilename`): PEP 440
//! versions and distribution filenames (`sdistill_core::index`).

use crate::errors::IntoPyErr;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyTuple};
use sdistill_core::index::filename::{self, DistFilename as Parsed};
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

/// What a distribution's filename says for a project.
///
/// `kind` is "wheel" or "sdist"; a wheel has its `build_tag` (`(number, suffix)` or
/// None) and its tags, an sdist its `format` (the extension, e.g. ".tar.gz") and empty
/// tags.
#[pyclass(module = "sdistill._core", frozen, get_all)]
struct DistFilename {
    kind: &'static str,
    name: String,
    version: String,
    build_tag: Option<(Py<PyAny>, String)>,
    python_tags: Py<PyTuple>,
    abi_tags: Py<PyTuple>,
    platform_tags: Py<PyTuple>,
    format: Option<&'static str>,
}

#[pymethods]
impl DistFilename {
    fn __repr__(&self) -> String {
        format!(
            "DistFilename({:?}, {:?}, {:?})",
            self.kind, self.name, self.version
        )
    }
}

/// What `filename` says if it is a file of `project`, else None.
#[pyfunction]
fn parse_filename(py: Python<'_>, filename: &str, project: &str) -> PyResult<Option<DistFilename>> {
    let tags = |tags: Vec<String>| PyTuple::new(py, tags).map(Bound::unbind);
    let parsed = match filename::parse(filename, project) {
        None => return Ok(None),
        Some(Parsed::Wheel(wheel)) => {
            let build_tag = match &wheel.build_tag {
                Some(tag) => Some((py_int(py, &tag.number)?.unbind(), tag.suffix.clone())),
                None => None,
            };
            DistFilename {
                kind: "wheel",
                version: wheel.version.to_string(),
                name: wheel.name,
                build_tag,
                python_tags: tags(wheel.python_tags)?,
                abi_tags: tags(wheel.abi_tags)?,
                platform_tags: tags(wheel.platform_tags)?,
                format: None,
            }
        }
        Some(Parsed::Sdist(sdist)) => DistFilename {
            kind: "sdist",
            version: sdist.version.to_string(),
            name: sdist.name,
            build_tag: None,
            python_tags: tags(Vec::new())?,
            abi_tags: tags(Vec::new())?,
            platform_tags: tags(Vec::new())?,
            format: Some(sdist.format.extension()),
        },
    };
    Ok(Some(parsed))
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
    m.add_class::<DistFilename>()?;
    m.add_function(wrap_pyfunction!(parse_filename, m)?)?;
    Ok(())
}
