//! `sweep.json`: what a sweep output directory holds — the sweep's
//! identity (engine version, sha256 of the resolved base scenario, the
//! canonical sweep definition), its size and columns, the shard, and which
//! run ids are done (inclusive ranges). Written when a sweep starts, every
//! few seconds while it runs, and when it stops; the journal stays the
//! authority on which runs are done between two writes.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::plan::Plan;
use super::sensitivity::SensitivityDesign;
use super::shard::Shard;
use crate::output::write_json_atomic;

/// Version of the `sweep.json`, `runs.csv` and `points.csv` formats.
pub const FORMAT: u32 = 1;

pub const MANIFEST: &str = "sweep.json";
pub const RUNS: &str = "runs.csv";
pub const POINTS: &str = "points.csv";
pub const TIMINGS: &str = "timings.csv";
pub const RUNS_JOURNAL: &str = "runs.journal.csv";
pub const TIMINGS_JOURNAL: &str = "timings.journal.csv";
pub const RESOLVED: &str = "scenario.resolved.toml";
pub const SERIES_DIR: &str = "runs";

/// The contents of `sweep.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    pub mirage_version: String,
    /// sha256 over the version, the resolved base scenario and the sweep
    /// definition: equal for every shard of one sweep.
    pub sweep_id: String,
    pub scenario: String,
    /// The file given to `mirage sweep` (scenario or sweep file).
    pub source_file: String,
    pub scenario_file: String,
    /// sha256 of `scenario.resolved.toml` (base scenario after `--set`,
    /// without `[sweep]`).
    pub scenario_sha256: String,
    /// Replication r runs with seed `base_seed + r` at every point.
    pub base_seed: u64,
    pub sweep: serde_json::Value,
    pub points: u64,
    pub replications: u64,
    pub runs: u64,
    pub axes: Vec<String>,
    pub metrics: Vec<String>,
    pub runs_columns: Vec<String>,
    pub points_columns: Vec<String>,
    /// `null` for a whole sweep (or a merged one).
    pub shard: Option<Shard>,
    /// Runs this directory is responsible for.
    pub runs_in_shard: u64,
    pub keep_series: bool,
    pub runs_done: u64,
    /// Done run ids as inclusive `[first, last]` ranges, ascending; in a
    /// shard K/N a range holds only the ids ≡ K (mod N) between its ends.
    pub done: Vec<[u64; 2]>,
    /// Every run of the shard is done and the final files are written.
    pub complete: bool,
    /// What `mirage sensitivity` needs to regenerate a morris or sobol
    /// design's unit-cube points (method, range axes, parameters, seed);
    /// absent for the other designs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<SensitivityDesign>,
    /// Directories a merged sweep was combined from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    pub files: Vec<String>,
}

impl Manifest {
    /// A manifest of `plan` with nothing done yet.
    pub fn new(plan: &Plan, shard: Option<Shard>, keep_series: bool) -> Self {
        let runs = plan.runs();
        Self {
            format: FORMAT,
            mirage_version: mirage_sim::VERSION.to_string(),
            sweep_id: plan.sweep_id(),
            scenario: plan.base.name.clone(),
            source_file: plan.source.display().to_string(),
            scenario_file: plan.scenario_file.display().to_string(),
            scenario_sha256: plan.scenario_sha256(),
            base_seed: plan.base_seed(),
            sweep: plan.def.to_json(),
            points: plan.points(),
            replications: plan.replications(),
            runs,
            axes: plan.axis_names(),
            metrics: plan.def.metric_names(),
            runs_columns: plan.runs_header(),
            points_columns: plan.points_header(),
            shard,
            runs_in_shard: shard.map_or(runs, |s| s.len(runs)),
            keep_series,
            runs_done: 0,
            done: Vec::new(),
            complete: false,
            sensitivity: SensitivityDesign::of(&plan.def),
            merged_from: Vec::new(),
            files: Vec::new(),
        }
    }

    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let manifest: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a sweep manifest", path.display()))?;
        if manifest.format != FORMAT {
            bail!(
                "{} has format {}, this mirage reads format {FORMAT}",
                path.display(),
                manifest.format
            );
        }
        Ok(manifest)
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        write_json_atomic(&dir.join(MANIFEST), self)
    }

    /// Why `other` (an existing output) is not this same sweep, if it is not.
    pub fn mismatch(&self, other: &Self) -> Option<String> {
        if other.mirage_version != self.mirage_version {
            return Some(format!(
                "it was made by mirage {}, this is mirage {}; runs of different versions may differ",
                other.mirage_version, self.mirage_version
            ));
        }
        if other.scenario_sha256 != self.scenario_sha256 {
            return Some(format!(
                "the scenario changed since (its resolved scenario hashed {}, now {}); \
                 check the scenario file, --set and --seed",
                short(&other.scenario_sha256),
                short(&self.scenario_sha256)
            ));
        }
        if other.sweep != self.sweep {
            return Some("the [sweep] definition changed since (axes, design, samples, replications, seed or metrics)".into());
        }
        if other.sweep_id != self.sweep_id {
            return Some("its sweep id differs".into());
        }
        None
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// Inclusive `[first, last]` ranges of the ids (ascending) for which
/// `done` holds: a range covers consecutive ids *of the sequence*, so for a
/// shard K/N, `[1, 7]` of shard 1/3 means runs 1, 4 and 7.
pub fn ranges(ids: impl Iterator<Item = u64>, done: impl Fn(u64) -> bool) -> Vec<[u64; 2]> {
    let mut out: Vec<[u64; 2]> = Vec::new();
    let mut extending = false;
    for id in ids {
        if !done(id) {
            extending = false;
            continue;
        }
        match out.last_mut() {
            Some(last) if extending => last[1] = id,
            _ => out.push([id, id]),
        }
        extending = true;
    }
    out
}

/// Ranges as text, `3, 6, 9-11`, at most `limit` ranges then `...`.
pub fn ranges_text(ranges: &[[u64; 2]], limit: usize) -> String {
    let mut parts: Vec<String> = ranges
        .iter()
        .take(limit)
        .map(|&[a, b]| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    if ranges.len() > limit {
        parts.push("...".into());
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_compress_runs_of_ids() {
        let done = [0u64, 1, 2, 5, 7, 8];
        let r = ranges(0..10, |id| done.contains(&id));
        assert_eq!(r, [[0, 2], [5, 5], [7, 8]]);
        assert_eq!(ranges_text(&r, 2), "0-2, 5, ...");
        assert!(ranges(0..3, |_| false).is_empty());
        let shard = [1u64, 4, 7, 10];
        assert_eq!(ranges(shard.into_iter(), |id| id != 10), [[1, 7]]);
    }
}
