//! `mirage._native`: the compiled half of the Python package `mirage`
//! (the public API, its docstrings and the conversion to DataFrames are in
//! `mirage/__init__.py`). It runs a scenario into a directory with the
//! runner's own writers (`run_text`), so a run's files are byte for byte
//! those of `mirage run`; runs sweeps on every core with the GIL released
//! and Ctrl-C honoured (`sweep`, in `sweep.rs`); computes the metrics of
//! `mirage metrics` (`metrics`); and adapts Python callables to reward
//! schemes (`scheme.rs`); and the calculators `fund` and `yuma` (`calc.rs`).
//!
//! Invariant: nothing here panics on bad input; every failure is a Python
//! exception (`MirageError` and its subclasses, or `OSError`).

mod calc;
mod scheme;
mod sweep;

use std::path::PathBuf;
use std::sync::Arc;

use mirage_analysis::dataset::{DatasetOptions, RowInput};
use mirage_analysis::{parse_decimal, Dataset};
use mirage_runner::{load_scenario_text, run_to_dir_with, NoProgress, RunOptions};
use mirage_sim::reward::SchemeRegistry;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

create_exception!(
    _native,
    MirageError,
    PyException,
    "Base class of Mirage's errors."
);
create_exception!(
    _native,
    ScenarioError,
    MirageError,
    "A scenario (or a `set` override) is invalid; the message names the file, line and column."
);
create_exception!(
    _native,
    RunError,
    MirageError,
    "A simulation failed, or its outputs could not be written."
);
create_exception!(
    _native,
    SchemeError,
    MirageError,
    "A Python reward scheme raised or returned bad weights; the message names the epoch and the pool."
);
create_exception!(
    _native,
    SweepError,
    MirageError,
    "A sweep could not run or stopped on an error."
);

/// The full message of an error and its causes.
pub(crate) fn chain(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

/// Runs the scenario `text` (named `source` in messages and in the
/// manifest) with the `seed` and `--set` overrides into the existing,
/// empty directory `dir`. `schemes` maps scheme names to
/// `(callable, reads_reputation, reads_usage)`. Returns the scenario's
/// decimals.
#[pyfunction]
#[pyo3(signature = (text, source, dir, seed=None, sets=Vec::new(), schemes=None, dashboard=true))]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
fn run_text(
    py: Python<'_>,
    text: &str,
    source: &str,
    dir: PathBuf,
    seed: Option<u64>,
    sets: Vec<String>,
    schemes: Option<Bound<'_, PyDict>>,
    dashboard: bool,
) -> PyResult<u32> {
    let mut registry = SchemeRegistry::builtin();
    let errors = Arc::new(scheme::ErrorSlot::default());
    if let Some(schemes) = schemes {
        for (name, spec) in schemes.iter() {
            let name: String = name.extract()?;
            let (func, reputation, usage): (PyObject, bool, bool) = spec.extract()?;
            let factory = scheme::PyFactory::new(&name, func, reputation, usage, errors.clone());
            registry
                .register(factory)
                .map_err(|e| PyValueError::new_err(format!("schemes: {e}")))?;
        }
    }
    let loaded = py
        .allow_threads(|| load_scenario_text(text, source, seed, &sets, &registry))
        .map_err(|e| ScenarioError::new_err(chain(&e)))?;
    let decimals = loaded.scenario.decimals;
    let options = RunOptions {
        force: true,
        dashboard,
    };
    let source_path = PathBuf::from(source);
    let result = py.allow_threads(|| {
        run_to_dir_with(
            &loaded,
            &source_path,
            &dir,
            &options,
            &mut NoProgress,
            &registry,
        )
        .map(|_| ())
    });
    if let Some(err) = errors.take() {
        return Err(err);
    }
    result.map_err(|e| RunError::new_err(chain(&e)))?;
    Ok(decimals)
}

/// The metrics of `mirage metrics` of decimal `values` (strings), with
/// optional integer `weights`, as JSON text.
#[pyfunction]
#[pyo3(signature = (values, weights=None))]
#[allow(clippy::needless_pass_by_value)]
fn metrics(values: Vec<String>, weights: Option<Vec<u64>>) -> PyResult<String> {
    if let Some(w) = &weights {
        if w.len() != values.len() {
            return Err(PyValueError::new_err(format!(
                "{} weights for {} values",
                w.len(),
                values.len()
            )));
        }
    }
    if values.is_empty() {
        return Err(PyValueError::new_err("no values"));
    }
    let mut dataset = Dataset::new(DatasetOptions {
        weighted: weights.is_some(),
        against: false,
        grouped: false,
        lorenz_segments: None,
    });
    for (i, text) in values.iter().enumerate() {
        let value = parse_decimal(text.as_bytes())
            .map_err(|e| PyValueError::new_err(format!("value {i} ({text:?}): {e}")))?;
        let row = RowInput {
            value,
            weight: weights.as_ref().and_then(|w| w.get(i).copied()),
            against: None,
            group: None,
        };
        dataset
            .push(row)
            .map_err(|e| PyValueError::new_err(format!("row {i}: {e}")))?;
    }
    serde_json::to_string(&dataset.analyze()).map_err(|e| MirageError::new_err(e.to_string()))
}

/// The compiled module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("MirageError", py.get_type::<MirageError>())?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("RunError", py.get_type::<RunError>())?;
    m.add("SchemeError", py.get_type::<SchemeError>())?;
    m.add("SweepError", py.get_type::<SweepError>())?;
    m.add("VERSION", mirage_sim::VERSION)?;
    m.add_function(wrap_pyfunction!(run_text, m)?)?;
    m.add_function(wrap_pyfunction!(metrics, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(calc::fund, m)?)?;
    m.add_function(wrap_pyfunction!(calc::yuma, m)?)?;
    Ok(())
}
