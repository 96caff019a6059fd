//! Writing a sweep's Slurm job scripts (`mirage sweep --emit-slurm`): the
//! checks (array size, run limit per task, every point's scenario), the
//! absolute paths the jobs need, and `sweep.sbatch`, `merge.sbatch` and the
//! log directory written into the sweep's output directory. The scripts'
//! text is built by the pure `slurm` module; printing how to submit them
//! is the caller's.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use super::plan::Plan;
use super::shard::Shard;
use super::slurm::{scripts, SlurmOptions, SlurmSweep, LOG_DIR, MERGE_SCRIPT, SWEEP_SCRIPT};
use crate::output::write_atomic;

/// Array tasks when no array size is given (fewer if the sweep has fewer
/// runs).
pub const DEFAULT_ARRAY_SIZE: u64 = 100;

/// What the job scripts are asked to do.
#[derive(Debug, Clone)]
pub struct EmitRequest {
    /// The scenario (or sweep) file as given; the jobs name its canonical
    /// path.
    pub scenario: PathBuf,
    /// The sweep's output directory (created if missing).
    pub out: PathBuf,
    /// Tasks of the job array (= shards) [default: the number of runs, at
    /// most [`DEFAULT_ARRAY_SIZE`]].
    pub array_size: Option<u64>,
    pub partition: Option<String>,
    pub time: Option<String>,
    /// CPUs of each array task [default: 1].
    pub cpus_per_task: Option<u32>,
    /// The mirage executable the jobs run [default: the running one].
    pub mirage_bin: Option<PathBuf>,
    /// Arguments of `mirage sweep` that every array task repeats.
    pub sweep_args: Vec<String>,
    /// Arguments of the merge job's `mirage merge`.
    pub merge_args: Vec<String>,
    /// Most runs an array task may have without `yes`.
    pub limit: u64,
    pub yes: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Emitted {
    /// Everything the scripts name (absolute paths).
    pub job: SlurmSweep,
    /// Runs of the sweep.
    pub total: u64,
    /// Most runs of one array task.
    pub largest: u64,
    pub sweep_script: PathBuf,
    pub merge_script: PathBuf,
}

/// Checks the request against the plan and writes the scripts into its
/// output directory.
pub fn emit_slurm(plan: &Plan, request: &EmitRequest) -> Result<Emitted> {
    let total = plan.runs();
    let array_size = request.array_size.unwrap_or(total.min(DEFAULT_ARRAY_SIZE));
    if array_size > total {
        bail!(
            "--array-size {array_size}: the sweep has only {total} runs, so at most {total} tasks"
        );
    }
    let largest = Shard::new(0, array_size)
        .map_err(|e| anyhow!("--array-size {array_size}: {e}"))?
        .len(total);
    if largest > request.limit && !request.yes {
        bail!(
            "{}: an array task would run up to {largest} runs (the sweep's {total} in {array_size} tasks), \
             more than the limit of {}: pass --yes, raise --limit, or use a larger --array-size",
            plan.source.display(),
            request.limit
        );
    }
    plan.validate()?;

    let mirage = match &request.mirage_bin {
        Some(path) => absolute(path)?,
        None => {
            std::env::current_exe().context("cannot find the path of this mirage executable")?
        }
    };
    let scenario = std::fs::canonicalize(&request.scenario)
        .with_context(|| format!("cannot find {}", request.scenario.display()))?;
    let out = absolute(&request.out)?;
    let workdir = std::env::current_dir().context("cannot read the current directory")?;
    let job = SlurmSweep {
        mirage,
        scenario,
        out: out.clone(),
        workdir,
        name: plan.base.name.clone(),
        sweep_args: request.sweep_args.clone(),
        merge_args: request.merge_args.clone(),
        options: SlurmOptions {
            array_size,
            partition: request.partition.clone(),
            time: request.time.clone(),
            cpus_per_task: request.cpus_per_task.unwrap_or(1),
        },
    };
    let text = scripts(&job).map_err(|e| anyhow!(e))?;

    let logs = out.join(LOG_DIR);
    std::fs::create_dir_all(&logs)
        .with_context(|| format!("cannot create directory {}", logs.display()))?;
    let sweep_script = out.join(SWEEP_SCRIPT);
    let merge_script = out.join(MERGE_SCRIPT);
    write_atomic(&sweep_script, text.sweep.as_bytes())?;
    write_atomic(&merge_script, text.merge.as_bytes())?;
    Ok(Emitted {
        job,
        total,
        largest,
        sweep_script,
        merge_script,
    })
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot make {} absolute", path.display()))
}
