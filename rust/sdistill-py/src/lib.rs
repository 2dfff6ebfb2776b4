//! `sdistill._core`: the thin PyO3 layer over `sdistill-core`.
//!
//! It converts types, releases the GIL around every call that touches the disk or waits
//! on a lock (`Python::detach`), and maps the core's error enums to the Python
//! exception hierarchy in exactly one place ([`errors`]). No logic lives here.

mod cache;
mod errors;
mod extract;
mod git;
mod http;
mod index;
mod keys;
mod log;
mod lookup;
mod names;
mod pep440;
mod progress;
mod replay;
mod results;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    keys::register(m)?;
    extract::register(m)?;
    results::register(m)?;
    cache::register(m)?;
    names::register(m)?;
    lookup::register(m)?;
    http::register(m)?;
    index::register(m)?;
    pep440::register(m)?;
    git::register(m)?;
    replay::register(m)?;
    Ok(())
}
