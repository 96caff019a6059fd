//! Parameter sweeps: many runs of one scenario over a design of points ×
//! replications (`mirage sweep`), run in parallel, journaled so that a
//! sweep can stop, resume and be split across machines, and shard outputs
//! combined again (`mirage merge`). The binary's `cli/sweep.rs`,
//! `cli/sweep_slurm.rs` and `cli/merge.rs` only parse arguments, print and
//! draw progress; everything else is here:
//!
//! - `definition`: the `[sweep]` table (axes, design, replications);
//! - `design`: the points of a grid, random, Latin-hypercube, Morris or
//!   Sobol' (Saltelli) design;
//! - `plan`: base scenario + sweep → runs, each point's scenario, rows;
//! - `summary`: the summary metrics of a run (columns of `runs.csv`);
//! - `exec`: running the pending runs in parallel, reporting progress;
//! - `journal`: append-only journals and the sorted final files;
//! - `lock`: one process per sweep directory (an advisory file lock);
//! - `stats`: `points.csv` (means and Student-t intervals);
//! - `manifest`: `sweep.json`;
//! - `shard`: K/N splitting;
//! - `merge`: combining shard outputs;
//! - `sensitivity`: Morris and Sobol' indices of a finished morris or sobol
//!   sweep (`mirage sensitivity`, `sensitivity.csv`);
//! - `slurm`: the text of the Slurm job scripts of `mirage sweep
//!   --emit-slurm`; `slurm_emit`: checking and writing them.

pub mod definition;
pub mod design;
pub mod exec;
pub mod journal;
pub mod lock;
pub mod manifest;
pub mod merge;
pub mod plan;
pub mod sensitivity;
pub mod shard;
pub mod slurm;
pub mod slurm_emit;
pub mod stats;
pub mod summary;
