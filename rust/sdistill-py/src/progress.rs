//! A Python callable as the core's download [`Progress`]: `progress(done, total)`.
//!
//! The core reports from the thread that reads the body, with the GIL released; each
//! report takes the GIL only for the call. An exception from the callable is reported
//! through `sys.unraisablehook` (as Python reports errors it cannot raise) and the
//! download goes on.

use pyo3::prelude::*;
use sdistill_core::http::Progress;

pub(crate) struct PyProgress(Py<PyAny>);

impl PyProgress {
    pub(crate) fn new(callable: Option<Py<PyAny>>) -> Option<PyProgress> {
        callable.map(PyProgress)
    }
}

impl Progress for PyProgress {
    fn report(&self, done: u64, total: Option<u64>) {
        Python::attach(|py| {
            let callable = self.0.bind(py);
            if let Err(err) = callable.call1((done, total)) {
                err.write_unraisable(py, Some(callable));
            }
        });
    }
}
