//! Progress reporting without printing: the runner tells a [`RunProgress`]
//! (epochs of one run) or a [`SweepProgress`] (runs of a sweep) how far it
//! is, and the caller draws it (the `mirage` binary: a bar on a terminal,
//! plain lines otherwise). [`NoProgress`] ignores everything.

use std::path::Path;
use std::time::Duration;

/// Progress of one run, epoch by epoch.
pub trait RunProgress {
    /// The run starts: `epochs` epochs to simulate.
    fn start(&mut self, epochs: u64);
    /// `done` epochs are simulated.
    fn epoch_done(&mut self, done: u64);
    /// The last epoch is simulated (not called when the run fails).
    fn finish(&mut self);
}

/// What a sweep invocation is about to do, reported once before its first
/// run.
#[derive(Debug, Clone, Copy)]
pub struct SweepStart<'a> {
    /// Runs this invocation will do.
    pub pending: u64,
    /// Runs of the shard done before (a resumed sweep).
    pub already: u64,
    /// Runs of the shard (of the whole sweep when not sharded).
    pub in_shard: u64,
    pub threads: usize,
    /// The output directory.
    pub dir: &'a Path,
}

/// Progress of a sweep, run by run. Called under the sweep's journal lock
/// from the worker threads, hence `Send`.
pub trait SweepProgress: Send {
    /// The runs are about to start.
    fn start(&mut self, start: &SweepStart<'_>);
    /// One more run is done: `done` of the shard's `total` runs,
    /// `ran` of them in this invocation, `elapsed` since the first.
    fn run_done(&mut self, done: u64, total: u64, ran: u64, elapsed: Duration);
    /// No more runs (the sweep is complete, stopped or failed).
    fn finish(&mut self);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl RunProgress for NoProgress {
    fn start(&mut self, _epochs: u64) {}
    fn epoch_done(&mut self, _done: u64) {}
    fn finish(&mut self) {}
}

impl SweepProgress for NoProgress {
    fn start(&mut self, _start: &SweepStart<'_>) {}
    fn run_done(&mut self, _done: u64, _total: u64, _ran: u64, _elapsed: Duration) {}
    fn finish(&mut self) {}
}
