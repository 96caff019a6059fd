//! Mirage runner: everything between a scenario file and an output
//! directory, as a library (the `mirage` binary and language bindings call
//! it). It owns loading a scenario with a seed and `--set` overrides
//! ([`load_scenario`]), running it into a run directory with every output
//! file ([`run_to_dir`]), and parameter sweeps ([`sweep`]: plans, parallel
//! execution, journals, resume, shards, merge, Slurm job scripts, summary
//! metrics).
//!
//! Modules: `load` (scenario loading), `data` (the data files of
//! empirical distributions), `run` (one run and its files,
//! `fairness_of`), `output` (atomic files and the run CSV writers),
//! `memory_limit` (the default `--max-memory`), `progress` (the progress callbacks), `staging` (run directories that
//! appear whole or not at all), `sweep`.
//!
//! Architecture invariant: the runner does file I/O at its edges and never
//! prints; progress goes to [`RunProgress`] / [`SweepProgress`], and what a
//! command prints is built by the caller from the returned values.

pub mod data;
pub mod governance_output;
pub mod load;
pub mod memory_limit;
pub mod output;
pub mod progress;
pub mod run;
pub mod staging;
pub mod sweep;

pub use data::CsvFiles;
pub use load::{load_scenario, load_scenario_limited, load_scenario_text};
pub use progress::{NoProgress, RunProgress, SweepProgress, SweepStart};
pub use run::{
    fairness_of, reward_shares, run_to_dir, run_to_dir_with, RunOptions, RunReport, RUN_FILES,
};
