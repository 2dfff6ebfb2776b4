//! `resolution_key` and `RESOLUTION_FORMAT`: the key of a recorded resolution
//! (`sdistill_core::replay`); `HttpClient.replayed` checks a record.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use sdistill_core::replay::{self, Inputs};
use serde_json::{Map, Value};

/// The key of the record of a resolution of these inputs, as given (canonical JSON).
/// `builder` holds plain values: dicts with string keys, lists, tuples, strings,
/// numbers, booleans and `None`; any other value counts by its `str()`.
#[pyfunction]
#[pyo3(signature = (requirements, constraints, python_version, platforms, machine, builder))]
fn resolution_key(
    requirements: Vec<String>,
    constraints: Vec<String>,
    python_version: Option<String>,
    platforms: Vec<String>,
    machine: Vec<String>,
    builder: &Bound<'_, PyAny>,
) -> PyResult<String> {
    Ok(replay::key(&Inputs {
        requirements,
        constraints,
        python: python_version,
        platforms,
        machine,
        builder: plain(builder)?,
    }))
}

/// A plain Python value as JSON.
fn plain(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if value.is_none() {
        Ok(Value::Null)
    } else if let Ok(flag) = value.cast::<PyBool>() {
        Ok(Value::Bool(flag.is_true()))
    } else if value.is_instance_of::<PyInt>() {
        Ok(Value::from(value.extract::<i64>()?))
    } else if value.is_instance_of::<PyFloat>() {
        Ok(Value::from(value.extract::<f64>()?))
    } else if value.is_instance_of::<PyString>() {
        Ok(Value::String(value.extract::<String>()?))
    } else if let Ok(dict) = value.cast::<PyDict>() {
        let mut object = Map::new();
        for (key, item) in dict.iter() {
            object.insert(key.extract::<String>()?, plain(&item)?);
        }
        Ok(Value::Object(object))
    } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        value.try_iter()?.map(|item| plain(&item?)).collect()
    } else {
        // Anything else by its text, as `json.dumps(default=str)` writes it.
        Ok(Value::String(value.str()?.extract::<String>()?))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(resolution_key, m)?)?;
    m.add("RESOLUTION_FORMAT", replay::FORMAT)?;
    Ok(())
}
