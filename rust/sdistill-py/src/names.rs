//! `Revision`, `Answers` and `wheel_seal`: paths inside a shard, computed by the core
//! (`sdistill_core::cache::names`), so Python never spells a cache name.

use std::path::PathBuf;

use pyo3::prelude::*;
use sdistill_core::cache::names;

use crate::cache::text;

/// One revision of a shard: `<shard>/<id>/`; equal when shard and id are.
#[pyclass(module = "sdistill._core", frozen, eq, hash)]
#[derive(PartialEq, Hash)]
struct Revision {
    inner: names::Revision,
}

#[pymethods]
impl Revision {
    #[new]
    fn new(shard: PathBuf, id: String) -> Self {
        Revision {
            inner: names::Revision::new(shard, id),
        }
    }

    #[getter]
    fn shard(&self) -> String {
        text(&self.inner.shard)
    }

    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn path(&self) -> String {
        text(&self.inner.path())
    }

    /// The source tree, `<revision>/src`.
    #[getter]
    fn tree(&self) -> String {
        text(&self.inner.tree())
    }

    /// The stamp file, `<revision>/stamp`.
    #[getter]
    fn stamp(&self) -> String {
        text(&self.inner.stamp())
    }

    /// The answers made with the settings keyed `settings`.
    fn answers(&self, settings: &str) -> Answers {
        Answers {
            inner: self.inner.answers(settings),
        }
    }

    fn __repr__(&self) -> String {
        format!("Revision({:?}, {:?})", self.shard(), self.inner.id)
    }
}

/// The answers of a revision for one settings key: `<revision>/<settings>/`.
#[pyclass(module = "sdistill._core", frozen)]
struct Answers {
    inner: names::Answers,
}

#[pymethods]
impl Answers {
    #[getter]
    fn path(&self) -> String {
        text(&self.inner.path)
    }

    /// The `METADATA` record.
    #[getter]
    fn record(&self) -> String {
        text(&self.inner.record())
    }

    /// The sealed answer beside it.
    #[getter]
    fn answer(&self) -> String {
        text(&self.inner.answer())
    }

    /// The directory of built wheels.
    #[getter]
    fn wheels(&self) -> String {
        text(&self.inner.wheels())
    }

    fn __repr__(&self) -> String {
        format!("Answers({:?})", self.path())
    }
}

/// The seal file beside a cached wheel.
#[pyfunction]
fn wheel_seal(wheel: PathBuf) -> String {
    text(&names::wheel_seal(&wheel))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Revision>()?;
    m.add_class::<Answers>()?;
    m.add_function(wrap_pyfunction!(wheel_seal, m)?)?;
    Ok(())
}
