//! Reward schemes written in Python: a `SchemeFactory` whose scheme calls a
//! Python callable once per epoch and pool with the members' inputs
//! (`mirage/__init__.py` wraps the user's function so that it receives
//! read-only numpy arrays and returns the weights as float64 bytes), and
//! splits the budget with Mirage's own integer pro-rata split exactly as
//! the `formula` scheme does: `pro_rata` on the weights when all are whole
//! numbers at most 2^53 (so `lambda ctx: ctx.work` pays what
//! `proportional` pays), else `pro_rata_f64`. Conservation therefore holds
//! whatever the function returns.
//!
//! The GIL is held only while the callable runs. A raised exception or
//! bad weights (wrong count, negative, NaN or infinite) fail the run; the
//! Python exception, naming the epoch and the pool, is kept in an
//! [`ErrorSlot`] for the caller to raise once the run has stopped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use mirage_sim::reward::{
    pro_rata, pro_rata_f64, PoolKind, ReputationParams, RewardContext, RewardScheme, SchemeBuild,
    SchemeFactory, SchemeInfo, SchemeInputs,
};
use mirage_sim::rng::SimRng;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::SchemeError;

/// Weights at most this are used as integers when they are whole.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0; // 2^53

/// The first Python error of a run's schemes.
#[derive(Debug, Default)]
pub struct ErrorSlot(Mutex<Option<PyErr>>);

impl ErrorSlot {
    fn put(&self, err: PyErr) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(err);
        }
    }

    pub fn take(&self) -> Option<PyErr> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// The documentation of a Python scheme, one per name for the process
/// (`SchemeInfo` holds `'static` strings).
fn info_for(name: &str) -> &'static SchemeInfo {
    static INFOS: OnceLock<Mutex<HashMap<String, &'static SchemeInfo>>> = OnceLock::new();
    let mut infos = INFOS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    infos.entry(name.to_string()).or_insert_with(|| {
        let name: &'static str = Box::leak(name.to_string().into_boxed_str());
        Box::leak(Box::new(SchemeInfo {
            name,
            pools: &PoolKind::ALL,
            joint: &[],
            summary: "a reward scheme written in Python (mirage.run(..., schemes=...))",
            formula: "payout_i = floor(budget * w_i / sum_j w_j), w = f(ctx)",
            source: "user-defined (Python)",
            params: &[],
            defaults: toml::Table::new,
        }))
    })
}

/// A Python callable registered as a scheme.
#[derive(Debug)]
pub struct PyFactory {
    info: &'static SchemeInfo,
    func: Arc<PyObject>,
    reputation: bool,
    usage: bool,
    errors: Arc<ErrorSlot>,
}

impl PyFactory {
    pub fn new(
        name: &str,
        func: PyObject,
        reputation: bool,
        usage: bool,
        errors: Arc<ErrorSlot>,
    ) -> Self {
        Self {
            info: info_for(name),
            func: Arc::new(func),
            reputation,
            usage,
            errors,
        }
    }
}

impl SchemeFactory for PyFactory {
    fn info(&self) -> &SchemeInfo {
        self.info
    }

    fn inputs(&self, _params: Option<&toml::Value>) -> SchemeInputs {
        SchemeInputs {
            reputation: self.reputation.then(ReputationParams::default),
            usage: self.usage,
        }
    }

    fn build(
        &self,
        _params: Option<&toml::Value>,
        ctx: &SchemeBuild<'_>,
    ) -> Result<Box<dyn RewardScheme>, String> {
        Ok(Box::new(PyScheme {
            name: self.info.name,
            func: self.func.clone(),
            unit: 10f64.powi(i32::try_from(ctx.decimals).unwrap_or(i32::MAX)),
            errors: self.errors.clone(),
            weights: Vec::new(),
            whole: Vec::new(),
            scratch: Vec::new(),
        }))
    }
}

/// One run's instance of a Python scheme.
#[derive(Debug)]
struct PyScheme {
    name: &'static str,
    func: Arc<PyObject>,
    unit: f64,
    errors: Arc<ErrorSlot>,
    weights: Vec<f64>,
    whole: Vec<u64>,
    scratch: Vec<u64>,
}

fn bytes_of<T: Copy, const N: usize>(values: &[T], to: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * N);
    for &v in values {
        out.extend_from_slice(&to(v));
    }
    out
}

impl PyScheme {
    /// Calls the function and reads its weights into `self.weights` (and
    /// `self.whole`); returns whether they are all whole numbers <= 2^53.
    fn weigh(&mut self, py: Python<'_>, ctx: &RewardContext<'_>, budget: u64) -> PyResult<bool> {
        let n = ctx.members.len();
        let where_ = || {
            format!(
                "scheme `{}` in epoch {} of the {} pool",
                self.name,
                ctx.epoch,
                ctx.pool.as_str()
            )
        };
        let unit = self.unit;
        let args = (
            ctx.pool.as_str(),
            ctx.epoch,
            PyBytes::new(py, &bytes_of(ctx.members, u32::to_ne_bytes)),
            PyBytes::new(py, &bytes_of(ctx.work, u64::to_ne_bytes)),
            PyBytes::new(py, &bytes_of(ctx.failures, u64::to_ne_bytes)),
            PyBytes::new(
                py,
                &bytes_of(ctx.stake, |s| (s as f64 / unit).to_ne_bytes()),
            ),
            PyBytes::new(py, &bytes_of(ctx.reputation, f64::to_ne_bytes)),
            PyBytes::new(py, &bytes_of(ctx.usage, u64::to_ne_bytes)),
            budget as f64 / unit,
        );
        let returned = self.func.call1(py, args).map_err(|e| {
            let err = SchemeError::new_err(format!("{}: {}", where_(), e));
            err.set_cause(py, Some(e));
            err
        })?;
        let bytes = returned.downcast_bound::<PyBytes>(py).map_err(|_| {
            SchemeError::new_err(format!("{}: the wrapper returned no bytes", where_()))
        })?;
        let bytes = bytes.as_bytes();
        if bytes.len() != n * 8 {
            return Err(SchemeError::new_err(format!(
                "{}: returned {} weights for {n} members (one per member expected)",
                where_(),
                bytes.len() / 8
            )));
        }
        self.weights.clear();
        self.whole.clear();
        let mut whole = true;
        for (i, chunk) in bytes.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            let w = f64::from_ne_bytes(b);
            if !(w.is_finite() && w >= 0.0) {
                return Err(SchemeError::new_err(format!(
                    "{}: weight {w} for agent {} (member {i}); weights must be finite and at least 0",
                    where_(),
                    ctx.members[i]
                )));
            }
            self.weights.push(w);
            if whole {
                let u = w as u64;
                whole = w <= MAX_EXACT && u as f64 == w;
                self.whole.push(u);
            }
        }
        Ok(whole)
    }
}

impl RewardScheme for PyScheme {
    fn name(&self) -> &'static str {
        self.name
    }

    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        _rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String> {
        match Python::with_gil(|py| self.weigh(py, ctx, budget)) {
            Ok(true) => {
                pro_rata(&self.whole, budget, payouts);
                Ok(())
            }
            Ok(false) => {
                pro_rata_f64(&self.weights, budget, payouts, &mut self.scratch);
                Ok(())
            }
            Err(err) => {
                let message = err.to_string();
                self.errors.put(err);
                Err(message)
            }
        }
    }
}
