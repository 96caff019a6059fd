//! `mirage sweep`: runs a scenario's `[sweep]` (points × replications) in
//! parallel into an output directory, or with `--dry-run` prints its size
//! and first points. Argument handling, progress and printing only; the
//! work is in `mirage_runner::sweep`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};

use mirage_runner::sweep::definition::{cell, AxisKind, DesignKind};
use mirage_runner::sweep::exec::{self, Options};
use mirage_runner::sweep::plan::Plan;
use mirage_runner::sweep::shard::Shard;

use super::progress::{format_duration, SweepBar};
use super::ScenarioArgs;

/// Points listed by `--dry-run`.
const DRY_RUN_POINTS: u64 = 10;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file with a [sweep] table, or a sweep file (`scenario =
    /// "path"` and a [sweep] table). --set and --seed change the base
    /// scenario (and --set sweep.replications=... the sweep).
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Output directory [default: out/<scenario name>-sweep]; a shard
    /// writes into its own subdirectory shard-K-of-N.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Simulations run at once [default: one per core].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Continue an interrupted sweep in its output directory: skip the
    /// runs already done.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Start over in a directory that holds a sweep (deletes its sweep files).
    #[arg(long)]
    pub force: bool,
    /// Run only shard K of N: the run ids ≡ K (mod N).
    #[arg(long, value_name = "K/N", conflicts_with = "shards")]
    pub shard: Option<String>,
    /// Split into N shards and run the one whose index K is in
    /// SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N")]
    pub shards: Option<u64>,
    /// Also keep each run's epochs.csv under runs/<run_id>/.
    #[arg(long)]
    pub keep_series: bool,
    /// Print the number of runs and the first points, check every point,
    /// and run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run a sweep larger than --limit.
    #[arg(long)]
    pub yes: bool,
    /// Most runs a sweep (or shard) may have without --yes.
    #[arg(long, value_name = "RUNS", default_value_t = 10_000)]
    pub limit: u64,
    /// No progress and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not write dashboard.html when the sweep is complete.
    #[arg(long)]
    pub no_dashboard: bool,
    /// Stop after this many runs, as if interrupted (for tests).
    #[arg(long, hide = true)]
    pub max_runs: Option<u64>,
    #[command(flatten)]
    pub slurm: super::sweep_slurm::SlurmArgs,
}

pub fn execute(args: &Args) -> Result<ExitCode> {
    let s = &args.scenario;
    let memory_limit = s.memory_limit()?;
    let plan = Plan::load_limited(&s.path, s.seed, &s.set, memory_limit.as_ref())?;
    let shard = match (&args.shard, args.shards) {
        (Some(text), _) => Some(Shard::parse(text).map_err(|e| anyhow!(e))?),
        (None, Some(n)) => {
            Some(Shard::from_env(n, |k| std::env::var(k).ok()).map_err(|e| anyhow!(e))?)
        }
        (None, None) => None,
    };
    if args.dry_run {
        dry_run(&plan, shard, args.limit)?;
        return Ok(ExitCode::SUCCESS);
    }
    let base = args
        .out
        .clone()
        .unwrap_or_else(|| super::default_out_dir(&plan.base.name, "-sweep"));
    if args.slurm.emit_slurm {
        return super::sweep_slurm::emit(args, &plan, &base);
    }
    let out = match shard {
        Some(s) => base.join(s.dir_name()),
        None => base,
    };
    let options = Options {
        out: out.clone(),
        jobs: args.jobs.map(at_most_cores),
        resume: args.resume,
        force: args.force,
        shard,
        keep_series: args.keep_series,
        limit: args.limit,
        yes: args.yes,
        dashboard: !args.no_dashboard,
        max_runs: args.max_runs,
    };
    if let Some(limit) = &memory_limit {
        plan.check_memory(limit, exec::threads(options.jobs)?)?;
    }
    super::interrupt::stoppable();
    let outcome = match exec::run_cancellable(
        &plan,
        &options,
        &mut SweepBar::new(args.quiet),
        &super::interrupt::CANCEL,
    ) {
        Ok(outcome) => outcome,
        Err(e) if e.root_cause().is::<exec::Cancelled>() => {
            // The outermost message says how many runs are done and how
            // to continue.
            writeln!(std::io::stderr(), "mirage: {e}")?;
            return Ok(ExitCode::from(super::interrupt::exit_code()));
        }
        Err(e) => return Err(e),
    };
    if !args.quiet {
        let which = shard.map_or(String::new(), |s| format!(" (shard {s})"));
        let rate = outcome.ran as f64 / outcome.seconds.max(1e-9);
        writeln!(
            std::io::stdout(),
            "sweep `{}`{which}: {} runs this time in {} on {} thread(s), {rate:.2} runs/s; {} of {} runs done",
            plan.base.name,
            outcome.ran,
            format_duration(outcome.seconds),
            outcome.threads,
            outcome.runs_done,
            outcome.runs_in_shard
        )?;
        if let Some(n) = outcome.runs_with_warnings {
            writeln!(
                std::io::stdout(),
                "health warnings: {n} of {} runs had any{}",
                outcome.runs_in_shard,
                if n > 0 {
                    " (runs.csv column `warnings`; rerun one with `mirage run` to read them)"
                } else {
                    ""
                }
            )?;
        }
        if outcome.complete {
            writeln!(std::io::stdout(), "results: {}", out.display())?;
        } else {
            writeln!(
            std::io::stdout(),
                "stopped early (--max-runs): continue with the same command and --resume (results in {})",
                out.display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn dry_run(plan: &Plan, shard: Option<Shard>, limit: u64) -> Result<()> {
    let def = &plan.def;
    let total = plan.runs();
    writeln!(
        std::io::stdout(),
        "sweep of `{}` ({}): {} design, {} points × {} replications = {} runs",
        plan.base.name,
        plan.source.display(),
        def.design.as_str(),
        plan.points(),
        plan.replications(),
        total
    )?;
    if let Some(s) = shard {
        writeln!(
            std::io::stdout(),
            "shard {s}: {} of these runs",
            s.len(total)
        )?;
    }
    let in_shard = shard.map_or(total, |s| s.len(total));
    if in_shard > limit {
        writeln!(
            std::io::stdout(),
            "more than --limit {limit}: running it needs --yes"
        )?;
    }
    writeln!(std::io::stdout(), "axes:")?;
    for axis in &def.axes {
        let what = match &axis.kind {
            AxisKind::List(values) => format!(
                "{} value(s): {}",
                values.len(),
                values.iter().map(cell).collect::<Vec<_>>().join(", ")
            ),
            AxisKind::Range(r) => format!(
                "range [{}, {}]{}{}",
                r.min,
                r.max,
                if r.log { ", log" } else { "" },
                if r.integer { ", integer" } else { "" }
            ),
        };
        writeln!(std::io::stdout(), "  {:<32} {what}", axis.path)?;
    }
    let d = def.range_axes().len();
    match def.design {
        DesignKind::Grid => {}
        DesignKind::Morris => writeln!(
            std::io::stdout(),
            "  (Morris: {} trajectories × (D + 1 = {}) points, {} levels, step {} of each range, design seed {})",
            def.samples,
            d + 1,
            def.levels,
            def.levels as f64 / (2.0 * (def.levels as f64 - 1.0)),
            def.seed
        )?,
        DesignKind::Sobol => writeln!(
            std::io::stdout(),
            "  (Sobol'/Saltelli: N = {} base rows × (2D + 2 = {}) points, design seed {})",
            def.samples,
            2 * d + 2,
            def.seed
        )?,
        DesignKind::Random | DesignKind::Latin => writeln!(
            std::io::stdout(),
            "  ({} samples, design seed {})",
            def.samples,
            def.seed
        )?,
    }
    let last = plan.seed_of(plan.replications() - 1);
    writeln!(
        std::io::stdout(),
        "seeds: replication r runs with seed {} + r at every point ({}..={last})",
        plan.base_seed(),
        plan.base_seed()
    )?;
    let shown = plan.points().min(DRY_RUN_POINTS);
    writeln!(
        std::io::stdout(),
        "first {shown} of {} points:",
        plan.points()
    )?;
    for p in 0..shown {
        writeln!(
            std::io::stdout(),
            "  point {p}: {}",
            plan.describe(&plan.point_values(p))
        )?;
    }
    plan.validate()?;
    writeln!(std::io::stdout(), "every point's scenario is valid")?;
    Ok(())
}

/// `--jobs` above the number of cores runs no faster: it is reduced to it,
/// with a note on stderr.
fn at_most_cores(jobs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if jobs > cores {
        eprintln!("note: --jobs {jobs} reduced to {cores}, the number of cores");
        cores
    } else {
        jobs
    }
}
