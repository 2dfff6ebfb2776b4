//! Messages from the core to the `sdistill` logger.

use pyo3::prelude::*;

fn logger(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    py.import("logging")?
        .call_method1("getLogger", ("sdistill",))
}

/// Each message at warning level (healed cache entries, retries).
pub(crate) fn warnings(py: Python<'_>, messages: Vec<String>) -> PyResult<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let logger = logger(py)?;
    for message in messages {
        logger.call_method1("warning", ("%s", message))?;
    }
    Ok(())
}

/// At debug level, the members of `archive` whose name came again (a tar's later copy
/// replaced the earlier, a zip's was identical): accepted, but worth knowing.
pub(crate) fn duplicates(py: Python<'_>, archive: &str, names: &[String]) -> PyResult<()> {
    if names.is_empty() {
        return Ok(());
    }
    logger(py)?.call_method1(
        "debug",
        (
            "%s: %d member name(s) came again, the last copy kept: %s",
            archive,
            names.len(),
            names.join(", "),
        ),
    )?;
    Ok(())
}
