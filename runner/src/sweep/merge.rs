//! `mirage merge`: combines the output directories of a sweep's shards into
//! one sweep output whose `runs.csv` and `points.csv` are byte-identical to
//! the unsharded sweep's. Checks first that every input is the same sweep
//! (same engine version, scenario hash and sweep definition), and that
//! every run id appears exactly once, naming the missing or duplicated ids
//! (and the inputs holding each duplicate) and any damaged row by file and
//! line. The merged files are written into a staging sibling of `--out`
//! renamed into place at the end (`crate::staging`), so a failed merge
//! leaves no new file and a failed `--force` merge the previous output.
//! Works from the directories alone: the scenario need not be at hand.
//! Draws the merged sweep's dashboard unless asked not to.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::exec::{final_files, finish, write_sweep_dashboard, SWEEP_FILES};
use super::journal::{Duplicate, RowIndex};
use super::manifest::{
    ranges, ranges_text, Manifest, MANIFEST, RESOLVED, RUNS, RUNS_JOURNAL, SERIES_DIR, TIMINGS,
    TIMINGS_JOURNAL,
};
use super::plan::csv_line;
use crate::staging::StagedDir;

/// What a merge did.
#[derive(Debug, Clone)]
pub struct MergeOutcome {
    pub inputs: Vec<PathBuf>,
    pub runs: u64,
    pub points: u64,
}

/// The sweep directories named by `inputs`: each input itself when it has
/// a `sweep.json`, else its `shard-*` subdirectories that have one.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for input in inputs {
        if input.join(MANIFEST).is_file() {
            dirs.push(input.clone());
            continue;
        }
        let mut shards: Vec<PathBuf> = fs::read_dir(input)
            .with_context(|| format!("cannot read {}", input.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("shard-"))
                    && p.join(MANIFEST).is_file()
            })
            .collect();
        if shards.is_empty() {
            bail!(
                "{} holds no sweep output (no {MANIFEST}, no shard-* directories)",
                input.display()
            );
        }
        shards.sort();
        dirs.extend(shards);
    }
    Ok(dirs)
}

/// The rows file of a sweep directory: its journal if a run is still
/// being recorded there, else its final `runs.csv`.
fn rows_file(dir: &Path, journal: &str, final_name: &str) -> Option<PathBuf> {
    [journal, final_name]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Merges the sweep directories named by `inputs` into `out` (whose sweep
/// files are replaced only with `force`), then draws its `dashboard.html`
/// if `dashboard`.
pub fn merge(inputs: &[PathBuf], out: &Path, force: bool, dashboard: bool) -> Result<MergeOutcome> {
    let outcome = merge_files(inputs, out, force)?;
    if dashboard {
        write_sweep_dashboard(out)?;
    }
    Ok(outcome)
}

fn merge_files(inputs: &[PathBuf], out: &Path, force: bool) -> Result<MergeOutcome> {
    let dirs = expand_inputs(inputs)?;
    let manifests = dirs
        .iter()
        .map(|d| Manifest::read(d))
        .collect::<Result<Vec<_>>>()?;
    let Some(first) = manifests.first() else {
        bail!("merge needs at least one sweep directory");
    };
    for (dir, m) in dirs.iter().zip(&manifests).skip(1) {
        if let Some(why) = first.mismatch(m) {
            bail!(
                "{} and {} are not shards of the same sweep: {why}",
                dirs[0].display(),
                dir.display()
            );
        }
        if m.runs_columns != first.runs_columns {
            bail!(
                "{} and {} have different runs.csv columns",
                dirs[0].display(),
                dir.display()
            );
        }
    }
    let out_abs = fs::canonicalize(out).ok();
    for dir in &dirs {
        if out_abs.is_some() && fs::canonicalize(dir).ok() == out_abs {
            bail!(
                "--out {} is one of the inputs: merge into a new directory",
                out.display()
            );
        }
    }

    // Index every row to find missing and duplicated runs.
    let total = first.runs;
    let header = csv_line(&first.runs_columns)?;
    let mut sources = Vec::new();
    let mut timings = Vec::new();
    let mut index = RowIndex::new(total)?;
    let mut duplicates = Vec::new();
    for dir in &dirs {
        if let Some(rows) = rows_file(dir, RUNS_JOURNAL, RUNS) {
            duplicates.extend(index.scan_file(&rows, &header, sources.len() as u32)?);
            sources.push(rows);
        }
        if let Some(t) = rows_file(dir, TIMINGS_JOURNAL, TIMINGS) {
            timings.push(t);
        }
    }
    if !duplicates.is_empty() {
        bail!("{}", duplicates_message(duplicates, &sources));
    }
    if index.found() != total {
        let missing = ranges(0..total, |id| !index.contains(id));
        let count = total - index.found();
        let mut shards_hint = String::new();
        if let Some(n) = first.shard.map(|s| s.count) {
            if manifests
                .iter()
                .all(|m| m.shard.map(|s| s.count) == Some(n))
            {
                let lacking: Vec<u64> = (0..n)
                    .filter(|&k| (k..total).step_by(n as usize).any(|id| !index.contains(id)))
                    .collect();
                let names: Vec<String> = lacking.iter().map(|k| format!("{k}/{n}")).collect();
                shards_hint = format!("; they belong to shard(s) {}", names.join(", "));
            }
        }
        bail!(
            "{count} of the sweep's {total} runs are missing: run ids {}{shards_hint}",
            ranges_text(&missing, 20)
        );
    }
    drop(index);

    let staged = StagedDir::create(out, force)?;
    let staging = staged.path();
    let keep_series = manifests.iter().all(|m| m.keep_series);
    let mut merged = first.clone();
    merged.shard = None;
    merged.runs_in_shard = total;
    merged.keep_series = keep_series;
    merged.runs_done = total;
    merged.done = if total == 0 {
        Vec::new()
    } else {
        vec![[0, total - 1]]
    };
    merged.complete = true;
    merged.merged_from = dirs.iter().map(|d| d.display().to_string()).collect();
    merged.files = final_files(true, keep_series);
    let resolved = dirs[0].join(RESOLVED);
    fs::copy(&resolved, staging.join(RESOLVED)).with_context(|| {
        format!(
            "cannot copy {} into {}",
            resolved.display(),
            staging.display()
        )
    })?;
    finish(staging, &merged, &sources, &timings)?;
    if keep_series {
        for dir in &dirs {
            copy_series(&dir.join(SERIES_DIR), &staging.join(SERIES_DIR))?;
        }
    }
    merged.write(staging)?;
    // A previous sweep's files that this merge did not write (a journal,
    // series, a dashboard) would contradict it: they are not kept.
    let mut replaced: Vec<&str> = SWEEP_FILES.to_vec();
    replaced.push(SERIES_DIR);
    staged.commit_discarding(&replaced)?;
    Ok(MergeOutcome {
        inputs: dirs,
        runs: total,
        points: merged.points,
    })
}

/// The error of runs found in two inputs: each pair of inputs with the run
/// ids both hold (at most 20 ids per pair, 5 pairs).
fn duplicates_message(mut duplicates: Vec<Duplicate>, sources: &[PathBuf]) -> String {
    duplicates.sort_unstable();
    let count = duplicates.len();
    let name = |i: u32| {
        sources
            .get(i as usize)
            .map_or_else(|| "?".to_string(), |p| p.display().to_string())
    };
    let mut pairs = Vec::new();
    for group in duplicates.chunk_by(|a, b| (a.first, a.again) == (b.first, b.again)) {
        let ids: Vec<String> = group.iter().take(20).map(|d| d.id.to_string()).collect();
        let more = if group.len() > 20 {
            format!(", ... ({} in all)", group.len())
        } else {
            String::new()
        };
        pairs.push(format!(
            "run ids {}{more} are in both {} and {}",
            ids.join(", "),
            name(group[0].first),
            name(group[0].again)
        ));
    }
    let shown = pairs.len().min(5);
    let rest = if pairs.len() > shown { "; ..." } else { "" };
    format!(
        "{count} run(s) appear in more than one input (the same shard given twice?): {}{rest}",
        pairs[..shown].join("; ")
    )
}

/// Copies `from/<run_id>/epochs.csv` into `to/` (hard links when possible).
fn copy_series(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        let source = entry.path().join("epochs.csv");
        if !source.is_file() {
            continue;
        }
        let dir = to.join(entry.file_name());
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let target = dir.join("epochs.csv");
        if target.exists() {
            fs::remove_file(&target)
                .with_context(|| format!("cannot replace {}", target.display()))?;
        }
        if fs::hard_link(&source, &target).is_err() {
            fs::copy(&source, &target).with_context(|| {
                format!("cannot copy {} to {}", source.display(), target.display())
            })?;
        }
    }
    Ok(())
}
