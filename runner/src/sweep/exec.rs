//! Running a sweep into an output directory: checks (run limit, every
//! point's scenario, a resumed sweep's identity), then the pending runs of
//! the shard in parallel on a rayon pool (each simulation single-threaded),
//! each finished run appended to the journals by one writer under a lock,
//! with progress reported to a `SweepProgress` (this module prints
//! nothing); when every run is done, the final sorted `runs.csv`,
//! `timings.csv`, (for a whole sweep) `points.csv`, and `dashboard.html`
//! unless asked not to.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use mirage_sim::record::EpochRecord;
use mirage_sim::Simulation;
use rayon::prelude::*;

use super::journal::{write_sorted, Journal, RowIndex};
use super::manifest::{
    ranges, Manifest, MANIFEST, POINTS, RESOLVED, RUNS, RUNS_JOURNAL, SERIES_DIR, TIMINGS,
    TIMINGS_JOURNAL,
};
use super::plan::{csv_line, Plan};
use super::shard::Shard;
use super::stats::write_points;
use super::summary::RunSummary;
use crate::output::{write_atomic, AtomicFile, EpochsCsv};
use crate::progress::{SweepProgress, SweepStart};

/// Columns of `timings.csv`.
pub const TIMINGS_COLUMNS: [&str; 3] = ["run_id", "wall_seconds", "events"];

/// Seconds between two rewrites of `sweep.json` (and syncs of the journals).
const MANIFEST_EVERY: Duration = Duration::from_secs(5);

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct Options {
    /// The output directory (a shard's own directory for a shard).
    pub out: PathBuf,
    /// Threads [default: one per core].
    pub jobs: Option<usize>,
    pub resume: bool,
    pub force: bool,
    pub shard: Option<Shard>,
    pub keep_series: bool,
    /// Most runs this invocation may have without `yes`.
    pub limit: u64,
    pub yes: bool,
    /// Write `dashboard.html` when the sweep is complete.
    pub dashboard: bool,
    /// Stop after this many runs (tests of interruption).
    pub max_runs: Option<u64>,
}

/// What a sweep invocation did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub runs_in_shard: u64,
    pub runs_done: u64,
    /// Runs of this invocation.
    pub ran: u64,
    pub seconds: f64,
    pub threads: usize,
    pub complete: bool,
    /// Of the runs in `runs.csv`, those with at least one health warning
    /// (known when the sweep or shard is complete).
    pub runs_with_warnings: Option<u64>,
}

/// Threads to use: `--jobs`, or one per core.
pub fn threads(jobs: Option<usize>) -> Result<usize> {
    match jobs {
        Some(0) => bail!("--jobs must be at least 1"),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Runs the pending runs of `plan` into `opts.out`, reporting to
/// `progress`.
pub fn run(plan: &Plan, opts: &Options, progress: &mut dyn SweepProgress) -> Result<Outcome> {
    run_cancellable(plan, opts, progress, &AtomicBool::new(false))
}

/// The error of a sweep stopped by its `cancel` flag (the journal is kept,
/// so that `resume` continues it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// `run`, stopping cleanly when `cancel` becomes true (checked before each
/// run starts; runs under way finish and are journaled): the error then
/// has [`Cancelled`] as its root cause and the sweep can be resumed.
pub fn run_cancellable(
    plan: &Plan,
    opts: &Options,
    progress: &mut dyn SweepProgress,
    cancel: &AtomicBool,
) -> Result<Outcome> {
    let total = plan.runs();
    let shard = opts.shard;
    let in_shard = shard.map_or(total, |s| s.len(total));
    if in_shard > opts.limit && !opts.yes {
        let of = shard.map_or(String::new(), |s| {
            format!(" ({in_shard} of the sweep's {total} in shard {s})")
        });
        bail!(
            "{}: this sweep would run {in_shard} runs{of} ({} points × {} replications), more than the limit of {}: \
             pass --yes to run it anyway, or raise --limit",
            plan.source.display(),
            plan.points(),
            plan.replications(),
            opts.limit
        );
    }
    let threads = threads(opts.jobs)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    pool.install(|| plan.validate())?;
    let dir = opts.out.as_path();
    let mut manifest = Manifest::new(plan, shard, opts.keep_series);
    let _lock = super::lock::lock_sweep_dir(dir)?;
    prepare(dir, &manifest, plan, opts)?;

    let runs_header = csv_line(plan.runs_header())?;
    let timings_header = csv_line(TIMINGS_COLUMNS)?;
    let runs_journal = dir.join(RUNS_JOURNAL);
    let timings_journal = dir.join(TIMINGS_JOURNAL);
    // A finished sweep's final files become its journals again.
    for (journal, final_file) in [(&runs_journal, RUNS), (&timings_journal, TIMINGS)] {
        let final_path = dir.join(final_file);
        if !journal.exists() && final_path.exists() {
            fs::rename(&final_path, journal).with_context(|| {
                format!(
                    "cannot rename {} to {}",
                    final_path.display(),
                    journal.display()
                )
            })?;
        }
    }
    let mut done = vec![false; usize::try_from(total).context("too many runs")?];
    if runs_journal.exists() {
        let mut index = RowIndex::new(total)?;
        index.scan_file(&runs_journal, &runs_header, 0)?;
        for id in 0..total {
            if index.contains(id) {
                if let Some(s) = shard.filter(|s| !s.contains(id)) {
                    bail!(
                        "{} holds run {id}, which is not in shard {s}",
                        runs_journal.display()
                    );
                }
                done[id as usize] = true;
            }
        }
    }
    let ids = || run_ids(shard, total);
    let already = ids().filter(|&id| done[id as usize]).count() as u64;
    let pending: Vec<u64> = ids()
        .filter(|&id| !done[id as usize])
        .take(usize::try_from(opts.max_runs.unwrap_or(u64::MAX)).unwrap_or(usize::MAX))
        .collect();

    let series = opts.keep_series.then(|| dir.join(SERIES_DIR));
    if let Some(series) = &series {
        fs::create_dir_all(series)
            .with_context(|| format!("cannot create {}", series.display()))?;
    }
    let sink = Mutex::new(Sink {
        runs: Journal::open(&runs_journal, &runs_header)?,
        timings: Journal::open(&timings_journal, &timings_header)?,
        done,
        done_count: already,
        in_shard,
        ran: 0,
        started: Instant::now(),
        progress,
        manifest_written: Instant::now(),
        manifest: manifest.clone(),
        dir: dir.to_path_buf(),
        shard,
        total,
    });
    lock(&sink).progress.start(&SweepStart {
        pending: pending.len() as u64,
        already,
        in_shard,
        threads,
        dir,
    });
    let started = Instant::now();
    let result = pool.install(|| {
        pending.par_iter().try_for_each(|&id| -> Result<()> {
            if cancel.load(Ordering::Relaxed) {
                return Err(Cancelled.into());
            }
            let finished = run_one(plan, id, series.as_deref())?;
            lock(&sink).record(id, &finished)
        })
    });
    let seconds = started.elapsed().as_secs_f64();
    let mut sink = sink.into_inner().unwrap_or_else(|e| e.into_inner());
    sink.progress.finish();
    let synced = sink.runs.sync().and(sink.timings.sync());
    manifest.runs_done = sink.done_count;
    manifest.done = sink.done_ranges();
    let complete = sink.done_count == in_shard;
    let mut outcome = Outcome {
        runs_in_shard: in_shard,
        runs_done: sink.done_count,
        ran: sink.ran,
        seconds,
        threads,
        complete,
        runs_with_warnings: None,
    };
    drop(sink);
    if let Err(e) = result.and(synced) {
        manifest.write(dir)?;
        let why = if e.root_cause().is::<Cancelled>() {
            "the sweep was interrupted"
        } else {
            "the sweep stopped"
        };
        let fix = if why.ends_with("interrupted") {
            "continue it with the same command and --resume"
        } else {
            "fix the cause and continue with --resume"
        };
        return Err(e.context(format!(
            "{why}: {} of {in_shard} runs are done in {}; {fix}",
            outcome.runs_done,
            dir.display()
        )));
    }
    if complete {
        finish(
            dir,
            &manifest,
            std::slice::from_ref(&runs_journal),
            std::slice::from_ref(&timings_journal),
        )?;
        manifest.complete = true;
        manifest.files = final_files(shard.is_none(), opts.keep_series);
        outcome.runs_with_warnings = Some(runs_with_warnings(&dir.join(RUNS))?);
    }
    manifest.write(dir)?;
    if complete {
        for journal in [&runs_journal, &timings_journal] {
            fs::remove_file(journal)
                .with_context(|| format!("cannot remove {}", journal.display()))?;
        }
        if opts.dashboard {
            write_sweep_dashboard(dir)?;
        }
    }
    Ok(outcome)
}

/// The number of rows of a `runs.csv` whose `warnings` cell is not empty
/// (0 for a file without the column).
pub fn runs_with_warnings(runs_csv: &Path) -> Result<u64> {
    let mut reader = csv::Reader::from_path(runs_csv)
        .with_context(|| format!("cannot read {}", runs_csv.display()))?;
    let Some(col) = reader
        .headers()
        .with_context(|| format!("cannot read {}", runs_csv.display()))?
        .iter()
        .position(|h| h == mirage_analysis::schema::runs::WARNINGS.name)
    else {
        return Ok(0);
    };
    let mut count = 0;
    for record in reader.records() {
        let record = record.with_context(|| format!("cannot read {}", runs_csv.display()))?;
        if record.get(col).is_some_and(|c| !c.is_empty()) {
            count += 1;
        }
    }
    Ok(count)
}

/// The run ids of a shard (all of 0..total for `None`), ascending.
pub fn run_ids(shard: Option<Shard>, total: u64) -> Box<dyn Iterator<Item = u64>> {
    match shard {
        Some(s) => Box::new(s.ids(total)),
        None => Box::new(0..total),
    }
}

/// Files of a complete sweep directory.
pub fn final_files(points: bool, keep_series: bool) -> Vec<String> {
    let mut files = vec![RUNS.to_string()];
    if points {
        files.push(POINTS.into());
    }
    files.extend([TIMINGS.into(), RESOLVED.into(), MANIFEST.into()]);
    if keep_series {
        files.push(format!("{SERIES_DIR}/<run_id>/epochs.csv"));
    }
    files
}

/// Writes the final `runs.csv` and `timings.csv` of the manifest's runs
/// (its shard's, or all) from the journals or other sources, sorted by run
/// id, and `points.csv` for a whole sweep. Needs only the manifest, so
/// `mirage merge` can use it without the scenario. The files are written
/// into a hidden staging directory inside `dir` and moved into `dir` only
/// when all are complete, so a failure leaves none of them.
pub fn finish(
    dir: &Path,
    manifest: &Manifest,
    runs_sources: &[PathBuf],
    timings_sources: &[PathBuf],
) -> Result<()> {
    let staged = crate::staging::StagedFiles::create(dir)?;
    write_final(staged.path(), manifest, runs_sources, timings_sources)?;
    staged.commit()
}

fn write_final(
    dir: &Path,
    manifest: &Manifest,
    runs_sources: &[PathBuf],
    timings_sources: &[PathBuf],
) -> Result<()> {
    let total = manifest.runs;
    let shard = manifest.shard;
    let ids = || run_ids(shard, total);
    let runs_header = csv_line(&manifest.runs_columns)?;
    let timings_header = csv_line(TIMINGS_COLUMNS)?;
    {
        let mut index = RowIndex::new(total)?;
        for (i, source) in runs_sources.iter().enumerate() {
            index.scan_file(source, &runs_header, i as u32)?;
        }
        write_sorted(
            &dir.join(RUNS),
            &runs_header,
            runs_sources,
            &index,
            ids(),
            false,
        )?;
    }
    {
        // Timings are informative: a run lost between its two rows has none.
        let existing: Vec<PathBuf> = timings_sources
            .iter()
            .filter(|p| p.exists())
            .cloned()
            .collect();
        let mut index = RowIndex::new(total)?;
        for (i, source) in existing.iter().enumerate() {
            index.scan_file(source, &timings_header, i as u32)?;
        }
        write_sorted(
            &dir.join(TIMINGS),
            &timings_header,
            &existing,
            &index,
            ids(),
            true,
        )?;
    }
    if shard.is_none() {
        write_points(
            &dir.join(RUNS),
            &dir.join(POINTS),
            &manifest.points_columns,
            manifest.axes.len(),
            manifest.replications,
        )?;
    }
    Ok(())
}

/// Creates or checks the output directory and writes the manifest and the
/// resolved base scenario.
fn prepare(dir: &Path, manifest: &Manifest, plan: &Plan, opts: &Options) -> Result<()> {
    let has_manifest = dir.join(MANIFEST).exists();
    if opts.resume {
        if !has_manifest {
            bail!(
                "--resume: {} holds no sweep (no {MANIFEST}); start the sweep without --resume",
                dir.display()
            );
        }
        let old = Manifest::read(dir)?;
        if let Some(why) = manifest.mismatch(&old) {
            bail!(
                "cannot resume the sweep in {}: {why}. Start it over with --force, or use another --out",
                dir.display()
            );
        }
        if old.shard != manifest.shard {
            let show = |s: Option<Shard>| {
                s.map_or("the whole sweep".to_string(), |s| format!("shard {s}"))
            };
            bail!(
                "cannot resume the sweep in {}: it holds {}, not {}",
                dir.display(),
                show(old.shard),
                show(manifest.shard)
            );
        }
        if old.keep_series != opts.keep_series {
            bail!(
                "cannot resume the sweep in {}: it was started {} --keep-series; pass the same",
                dir.display(),
                if old.keep_series { "with" } else { "without" }
            );
        }
    } else if dir.exists() {
        let non_empty = fs::read_dir(dir)
            .with_context(|| format!("cannot read output directory {}", dir.display()))?
            .next()
            .is_some();
        if non_empty {
            if opts.force {
                remove_sweep_files(dir)?;
            } else if has_manifest {
                let old = Manifest::read(dir).ok();
                let state = old.map_or(String::new(), |m| {
                    format!(
                        " ({} of {} runs done)",
                        runs_done_in(dir, &m),
                        m.runs_in_shard
                    )
                });
                bail!(
                    "{} already holds a sweep{state}: pass --resume to continue it, or --force to start over",
                    dir.display()
                );
            } else {
                bail!(
                    "output directory {} is not empty; pass --force to overwrite its sweep files, or --out another directory",
                    dir.display()
                );
            }
        }
    }
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    crate::staging::remove_stale_partials(dir);
    write_atomic(&dir.join(RESOLVED), plan.resolved.as_bytes())?;
    if !opts.resume {
        manifest.write(dir)?;
    }
    Ok(())
}

/// The files a sweep writes (besides its `series/` directory).
pub const SWEEP_FILES: [&str; 9] = [
    MANIFEST,
    RUNS,
    POINTS,
    TIMINGS,
    RUNS_JOURNAL,
    TIMINGS_JOURNAL,
    RESOLVED,
    super::sensitivity::SENSITIVITY,
    mirage_dashboard::DASHBOARD_FILE,
];

/// How many runs of the sweep in `dir` are done: the rows of its journal
/// (or final runs.csv), which the manifest's count (rewritten every few
/// seconds) may lag behind.
fn runs_done_in(dir: &Path, manifest: &Manifest) -> u64 {
    let counted = || -> Result<u64> {
        let header = csv_line(&manifest.runs_columns)?;
        let mut index = RowIndex::new(manifest.runs)?;
        for name in [RUNS_JOURNAL, RUNS] {
            let path = dir.join(name);
            if path.is_file() {
                index.scan_file(&path, &header, 0)?;
                return Ok(index.found());
            }
        }
        Ok(manifest.runs_done)
    };
    counted().unwrap_or(manifest.runs_done)
}

/// Removes the files a sweep writes (for `--force`).
pub fn remove_sweep_files(dir: &Path) -> Result<()> {
    for name in SWEEP_FILES {
        let path = dir.join(name);
        if path.exists() {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    let series = dir.join(SERIES_DIR);
    if series.is_dir() {
        fs::remove_dir_all(&series)
            .with_context(|| format!("cannot remove {}", series.display()))?;
    }
    Ok(())
}

/// The encoded rows of a finished run.
#[derive(Debug)]
struct Finished {
    row: Vec<u8>,
    timing: Vec<u8>,
}

/// Runs one run of the sweep.
fn run_one(plan: &Plan, run_id: u64, series: Option<&Path>) -> Result<Finished> {
    let started = Instant::now();
    let spec = plan.spec(run_id);
    let values = plan.point_values(spec.point);
    let what = || {
        format!(
            "run {run_id} (point {}, replication {}, seed {}; {})",
            spec.point,
            spec.replication,
            spec.seed,
            plan.describe(&values)
        )
    };
    let scenario = plan
        .point_scenario(&values)
        .map_err(|e| anyhow!(e))
        .with_context(what)?;
    let mut sim = Simulation::new(&scenario, spec.seed).with_context(what)?;
    let mut last: Option<EpochRecord> = None;
    let mut keep = |rec: &EpochRecord| match &mut last {
        Some(l) => l.clone_from(rec),
        None => last = Some(rec.clone()),
    };
    match series {
        Some(root) => {
            let dir = root.join(run_id.to_string());
            fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join("epochs.csv");
            let mut file = AtomicFile::create(&path)?;
            let mut csv = EpochsCsv::new(file.writer(), sim.decimals());
            let mut observer = |rec: &EpochRecord| {
                csv.write(rec);
                keep(rec);
            };
            sim.run(&mut observer).with_context(what)?;
            csv.finish()
                .with_context(|| format!("cannot write {}", path.display()))?;
            file.commit()?;
        }
        None => sim.run(&mut keep).with_context(what)?,
    }
    let last = last.ok_or_else(|| anyhow!("{}: the simulation recorded no epoch", what()))?;
    let summary = RunSummary::of(&sim, &last);
    let row = csv_line(plan.runs_row(&spec, &values, &summary))?;
    let seconds = started.elapsed().as_secs_f64();
    let timing = csv_line([
        run_id.to_string(),
        format!("{seconds:.6}"),
        sim.events().to_string(),
    ])?;
    Ok(Finished { row, timing })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking worker poisons the lock; the journal itself stays valid.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The single writer of a sweep's journals and progress.
struct Sink<'p> {
    runs: Journal,
    timings: Journal,
    done: Vec<bool>,
    done_count: u64,
    in_shard: u64,
    ran: u64,
    started: Instant,
    progress: &'p mut dyn SweepProgress,
    manifest_written: Instant,
    manifest: Manifest,
    dir: PathBuf,
    shard: Option<Shard>,
    total: u64,
}

impl Sink<'_> {
    fn record(&mut self, run_id: u64, finished: &Finished) -> Result<()> {
        // The run's row first: it is what marks the run done.
        self.runs.append(&finished.row)?;
        self.timings.append(&finished.timing)?;
        if let Some(d) = self.done.get_mut(run_id as usize) {
            *d = true;
        }
        self.done_count += 1;
        self.ran += 1;
        self.progress.run_done(
            self.done_count,
            self.in_shard,
            self.ran,
            self.started.elapsed(),
        );
        if self.manifest_written.elapsed() >= MANIFEST_EVERY {
            self.manifest_written = Instant::now();
            self.runs.sync()?;
            self.timings.sync()?;
            self.manifest.runs_done = self.done_count;
            self.manifest.done = self.done_ranges();
            self.manifest.write(&self.dir)?;
        }
        Ok(())
    }

    fn done_ranges(&self) -> Vec<[u64; 2]> {
        ranges(run_ids(self.shard, self.total), |id| {
            self.done.get(id as usize).copied().unwrap_or(false)
        })
    }
}

/// Writes `dashboard.html` into a finished sweep (or merged) directory.
pub fn write_sweep_dashboard(dir: &Path) -> Result<()> {
    let page = dir.join(mirage_dashboard::DASHBOARD_FILE);
    mirage_dashboard::write_dashboard(dir, &page).map_err(|e| {
        anyhow!(
            "the sweep's results are in {}, but its dashboard failed: {e:#}",
            dir.display()
        )
    })
}
