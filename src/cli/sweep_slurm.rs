//! `mirage sweep --emit-slurm`: its options, and writing the Slurm job
//! scripts of a sweep into the output directory and printing how to submit
//! them. The scripts' text is built by `crate::sweep::slurm`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};

use super::output::write_atomic;
use super::sweep::Args;
use crate::sweep::plan::Plan;
use crate::sweep::shard::Shard;
use crate::sweep::slurm::{
    instructions, scripts, SlurmOptions, SlurmSweep, LOG_DIR, MERGE_SCRIPT, SWEEP_SCRIPT,
};

/// Array tasks when `--array-size` is not given (fewer if the sweep has
/// fewer runs).
const DEFAULT_ARRAY_SIZE: u64 = 100;

#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Slurm job array")]
pub struct SlurmArgs {
    /// Write Slurm job scripts into --out instead of running: sweep.sbatch
    /// (a job array, task K runs shard K of N) and merge.sbatch (merges the
    /// shards into OUT/merged); print the commands that submit them.
    #[arg(long, conflicts_with_all = ["shard", "shards", "resume", "force", "dry_run", "jobs"])]
    pub emit_slurm: bool,
    /// Tasks of the job array (= shards) [default: the number of runs, at
    /// most 100].
    #[arg(long, value_name = "N", requires = "emit_slurm")]
    pub array_size: Option<u64>,
    /// Slurm partition of the jobs [default: the cluster's].
    #[arg(long, value_name = "P", requires = "emit_slurm")]
    pub partition: Option<String>,
    /// Time limit of each job, in Slurm's format (e.g. 30, 4:00:00,
    /// 1-00:00:00) [default: the partition's].
    #[arg(long, value_name = "T", requires = "emit_slurm")]
    pub time: Option<String>,
    /// CPUs of each array task; the task runs that many simulations at once
    /// [default: 1].
    #[arg(long, value_name = "C", requires = "emit_slurm")]
    pub cpus_per_task: Option<u32>,
    /// The mirage executable the jobs run, on the cluster's shared file
    /// system [default: this one].
    #[arg(long, value_name = "PATH", requires = "emit_slurm")]
    pub mirage_bin: Option<PathBuf>,
}

/// Writes the scripts into `out` (created if missing) and prints what to
/// submit.
pub fn emit(args: &Args, plan: &Plan, out: &Path) -> Result<ExitCode> {
    let o = &args.slurm;
    let total = plan.runs();
    let array_size = o.array_size.unwrap_or(total.min(DEFAULT_ARRAY_SIZE));
    if array_size > total {
        bail!(
            "--array-size {array_size}: the sweep has only {total} runs, so at most {total} tasks"
        );
    }
    let largest = Shard::new(0, array_size)
        .map_err(|e| anyhow!("--array-size {array_size}: {e}"))?
        .len(total);
    if largest > args.limit && !args.yes {
        bail!(
            "{}: an array task would run up to {largest} runs (the sweep's {total} in {array_size} tasks), \
             more than the limit of {}: pass --yes, raise --limit, or use a larger --array-size",
            plan.source.display(),
            args.limit
        );
    }
    plan.validate()?;

    let mirage = match &o.mirage_bin {
        Some(path) => absolute(path)?,
        None => {
            std::env::current_exe().context("cannot find the path of this mirage executable")?
        }
    };
    let scenario = std::fs::canonicalize(&args.scenario.path)
        .with_context(|| format!("cannot find {}", args.scenario.path.display()))?;
    let out = absolute(out)?;
    let workdir = std::env::current_dir().context("cannot read the current directory")?;
    let job = SlurmSweep {
        mirage,
        scenario,
        out: out.clone(),
        workdir,
        name: plan.base.name.clone(),
        sweep_args: forwarded(args),
        merge_args: if args.no_dashboard {
            vec!["--no-dashboard".into()]
        } else {
            Vec::new()
        },
        options: SlurmOptions {
            array_size,
            partition: o.partition.clone(),
            time: o.time.clone(),
            cpus_per_task: o.cpus_per_task.unwrap_or(1),
        },
    };
    let text = scripts(&job).map_err(|e| anyhow!(e))?;

    let logs = out.join(LOG_DIR);
    std::fs::create_dir_all(&logs)
        .with_context(|| format!("cannot create directory {}", logs.display()))?;
    write_atomic(&out.join(SWEEP_SCRIPT), text.sweep.as_bytes())?;
    write_atomic(&out.join(MERGE_SCRIPT), text.merge.as_bytes())?;

    println!(
        "sweep `{}`: {total} runs ({} points × {} replications) in a job array of {array_size} tasks, \
         up to {largest} runs each on {} CPU(s)",
        plan.base.name,
        plan.points(),
        plan.replications(),
        job.options.cpus_per_task
    );
    println!(
        "wrote {} and {}",
        out.join(SWEEP_SCRIPT).display(),
        out.join(MERGE_SCRIPT).display()
    );
    print!("{}", instructions(&job));
    Ok(ExitCode::SUCCESS)
}

/// The arguments of `mirage sweep` that every array task repeats. The run
/// limit was checked here, so the tasks get `--yes`; a shard draws no
/// dashboard (the merge job draws the sweep's, unless `--no-dashboard`).
fn forwarded(args: &Args) -> Vec<String> {
    let s = &args.scenario;
    let mut v = Vec::new();
    if let Some(seed) = s.seed {
        v.extend(["--seed".to_string(), seed.to_string()]);
    }
    for set in &s.set {
        v.extend(["--set".to_string(), set.clone()]);
    }
    if args.keep_series {
        v.push("--keep-series".into());
    }
    if args.quiet {
        v.push("--quiet".into());
    }
    v.extend(["--yes".to_string(), "--no-dashboard".to_string()]);
    v
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot make {} absolute", path.display()))
}
