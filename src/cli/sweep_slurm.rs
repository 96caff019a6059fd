//! `mirage sweep --emit-slurm`: its options, the arguments every job
//! repeats, and printing how to submit the scripts. Checking and writing
//! the scripts is `mirage_runner::sweep::slurm_emit`'s; their text is built
//! by `mirage_runner::sweep::slurm`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use mirage_runner::sweep::plan::Plan;
use mirage_runner::sweep::slurm::instructions;
use mirage_runner::sweep::slurm_emit::{emit_slurm, EmitRequest};

use super::sweep::Args;

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
    let request = EmitRequest {
        scenario: args.scenario.path.clone(),
        out: out.to_path_buf(),
        array_size: o.array_size,
        partition: o.partition.clone(),
        time: o.time.clone(),
        cpus_per_task: o.cpus_per_task,
        mirage_bin: o.mirage_bin.clone(),
        sweep_args: forwarded(args),
        merge_args: if args.no_dashboard {
            vec!["--no-dashboard".into()]
        } else {
            Vec::new()
        },
        limit: args.limit,
        yes: args.yes,
    };
    let emitted = emit_slurm(plan, &request)?;
    let job = &emitted.job;
    println!(
        "sweep `{}`: {} runs ({} points × {} replications) in a job array of {} tasks, \
         up to {} runs each on {} CPU(s)",
        plan.base.name,
        emitted.total,
        plan.points(),
        plan.replications(),
        job.options.array_size,
        emitted.largest,
        job.options.cpus_per_task
    );
    println!(
        "wrote {} and {}",
        emitted.sweep_script.display(),
        emitted.merge_script.display()
    );
    print!("{}", instructions(job));
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
