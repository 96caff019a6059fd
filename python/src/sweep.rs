//! `mirage.sweep`'s compiled half: a sweep of `mirage_runner::sweep` run on
//! a worker thread (itself running every run on its own rayon pool) while
//! the calling thread, the GIL released between polls, wakes every 100 ms
//! to check for signals (`Python::check_signals`: Ctrl-C) and to report
//! progress to a Python callable. An interrupt or an exception of the
//! callable sets the sweep's cancel flag; the runs under way finish and
//! are journaled, the journal is kept, and the exception is raised, so
//! that `resume=True` continues where it stopped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use mirage_runner::sweep::exec::{self, Cancelled, Options};
use mirage_runner::sweep::plan::Plan;
use mirage_runner::{SweepProgress, SweepStart};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::{chain, ScenarioError, SweepError};

/// Progress shared between the sweep's threads and the polling thread.
#[derive(Debug, Default)]
struct Counters {
    done: AtomicU64,
    total: AtomicU64,
}

#[derive(Debug)]
struct Shared<'a>(&'a Counters);

impl SweepProgress for Shared<'_> {
    fn start(&mut self, start: &SweepStart<'_>) {
        self.0.total.store(start.in_shard, Ordering::Relaxed);
        self.0.done.store(start.already, Ordering::Relaxed);
    }
    fn run_done(&mut self, done: u64, total: u64, _ran: u64, _elapsed: Duration) {
        self.0.total.store(total, Ordering::Relaxed);
        self.0.done.store(done, Ordering::Relaxed);
    }
    fn finish(&mut self) {}
}

/// Runs the sweep of scenario or sweep file `path` into `out`; `progress`,
/// if given, is called as `progress(done, total)` from this thread.
/// Returns the outcome as a dict.
#[pyfunction]
#[pyo3(signature = (path, out, jobs=None, sets=Vec::new(), resume=false, progress=None))]
#[allow(clippy::needless_pass_by_value)]
pub fn sweep<'py>(
    py: Python<'py>,
    path: PathBuf,
    out: PathBuf,
    jobs: Option<usize>,
    sets: Vec<String>,
    resume: bool,
    progress: Option<PyObject>,
) -> PyResult<Bound<'py, PyDict>> {
    let plan = py
        .allow_threads(|| Plan::load(&path, None, &sets))
        .map_err(|e| ScenarioError::new_err(chain(&e)))?;
    let opts = Options {
        out,
        jobs,
        resume,
        force: false,
        shard: None,
        keep_series: false,
        limit: u64::MAX,
        yes: true,
        dashboard: true,
        max_runs: None,
    };
    let counters = Counters::default();
    let cancel = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    // A `Receiver` is `Send` but not `Sync`: borrowed by the closures that
    // run without the GIL, it goes behind a mutex.
    let rx = Mutex::new(rx);
    let mut stopped: Option<PyErr> = None;
    let result = std::thread::scope(|scope| {
        let (plan, opts, counters, cancel) = (&plan, &opts, &counters, &cancel);
        scope.spawn(move || {
            let mut shared = Shared(counters);
            let _ = tx.send(exec::run_cancellable(plan, opts, &mut shared, cancel));
        });
        let mut shown = (u64::MAX, u64::MAX);
        loop {
            let received = py.allow_threads(|| {
                rx.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .recv_timeout(Duration::from_millis(100))
            });
            let now = (
                counters.done.load(Ordering::Relaxed),
                counters.total.load(Ordering::Relaxed),
            );
            if stopped.is_none() {
                let report = || -> PyResult<()> {
                    py.check_signals()?;
                    if let Some(cb) = &progress {
                        if now != shown && now.1 > 0 {
                            cb.call1(py, now)?;
                        }
                    }
                    Ok(())
                };
                if let Err(e) = report() {
                    cancel.store(true, Ordering::Relaxed);
                    stopped = Some(e);
                }
                shown = now;
            }
            match received {
                Ok(result) => break Some(result),
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break None,
            }
        }
    });
    if let Some(err) = stopped {
        return Err(err);
    }
    let outcome = match result {
        Some(Ok(outcome)) => outcome,
        Some(Err(e)) if e.downcast_ref::<Cancelled>().is_some() => {
            return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(chain(&e)))
        }
        Some(Err(e)) => return Err(SweepError::new_err(chain(&e))),
        None => return Err(SweepError::new_err("the sweep's worker thread stopped")),
    };
    let dict = PyDict::new(py);
    dict.set_item("runs_in_shard", outcome.runs_in_shard)?;
    dict.set_item("runs_done", outcome.runs_done)?;
    dict.set_item("ran", outcome.ran)?;
    dict.set_item("seconds", outcome.seconds)?;
    dict.set_item("threads", outcome.threads)?;
    dict.set_item("complete", outcome.complete)?;
    Ok(dict)
}
