//! Subcommand definitions (clap) and dispatch. One file per subcommand; each
//! exposes an `Args` struct and an `execute` function. Also `ScenarioArgs`
//! (how a command names a scenario) and, in `progress`, the terminal
//! progress of runs and sweeps.

pub mod interrupt {
    //! The signal a long command was asked to stop by: a sweep registers
    //! itself with [`stoppable`], the signal handler calls [`request_stop`],
    //! and the sweep polls [`CANCEL`] before each run.

    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

    /// Set when a stoppable command should stop.
    pub static CANCEL: AtomicBool = AtomicBool::new(false);
    static STOPPABLE: AtomicBool = AtomicBool::new(false);
    static SIGNAL: AtomicI32 = AtomicI32::new(0);

    /// Marks the command as able to stop cleanly on a signal.
    pub fn stoppable() {
        STOPPABLE.store(true, Ordering::SeqCst);
    }

    /// For the signal handler: asks a stoppable command to stop (true), or
    /// returns false when the process should exit now (nothing stoppable
    /// is running, or this is the second signal).
    pub fn request_stop(signal: i32) -> bool {
        if !STOPPABLE.load(Ordering::SeqCst) || SIGNAL.swap(signal, Ordering::SeqCst) != 0 {
            return false;
        }
        CANCEL.store(true, Ordering::SeqCst);
        true
    }

    /// The exit code of a command stopped by a signal: 128 + its number.
    pub fn exit_code() -> u8 {
        u8::try_from(128 + SIGNAL.load(Ordering::SeqCst)).unwrap_or(130)
    }
}

use std::process::ExitCode;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use mirage_sim::LoadedScenario;

pub mod columns;
pub mod conviction;
pub mod csv_input;
pub mod dashboard;
pub mod fit;
pub mod fund;
pub mod merge;
pub mod metrics;
pub mod progress;
pub mod run;
pub mod schemes;
pub mod sensitivity;
pub mod sweep;
pub mod sweep_slurm;
pub mod validate;
pub mod votes;
pub mod yuma;

/// The default output directory `out/<name><suffix>`, with the scenario's
/// `name` made one safe path component: characters other than letters,
/// digits, `-`, `_` and `.` become `_` and leading dots are dropped, so
/// that a name like `../../x` or `/etc` never writes outside `out/`.
pub fn default_out_dir(name: &str, suffix: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    let safe = if safe.is_empty() { "scenario" } else { safe };
    PathBuf::from("out").join(format!("{safe}{suffix}"))
}

/// Mirage: a discrete-event, agent-based simulator of token incentive economies.
#[derive(Debug, Parser)]
#[command(name = "mirage", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario and write its results (CSV, manifest) to a directory.
    Run(run::Args),
    /// Check a scenario file and print what it would simulate.
    Validate(validate::Args),
    /// List the reward schemes: pools, parameters and defaults, formula and source.
    Schemes(schemes::Args),
    /// List the columns of the output tables: name, unit, meaning, how computed.
    Columns(columns::Args),
    /// Concentration and fairness metrics of one column of any CSV file.
    Metrics(metrics::Args),
    /// Maximum-likelihood fits of a column of positive amounts, with KS and AIC.
    Fit(fit::Args),
    /// Quadratic-funding matches of a donations CSV (standard, pairwise, cluster, COCM).
    Fund(fund::Args),
    /// One or more epochs of Bittensor's Yuma consensus on a stakes and a weights CSV.
    Yuma(yuma::Args),
    /// Per-proposal tallies and concentration of a votes CSV (token, quadratic, one-holder).
    Votes(votes::Args),
    /// Conviction, threshold and executability as 1Hive's ConvictionVoting.sol computes them.
    Conviction(conviction::Args),
    /// Draw a run or sweep directory as one self-contained dashboard.html.
    Dashboard(dashboard::Args),
    /// Run a scenario's [sweep]: many runs over points × replications, in parallel.
    Sweep(sweep::Args),
    /// Combine the shard outputs of one sweep into one sweep output.
    Merge(merge::Args),
    /// Morris or Sobol' sensitivity indices of a morris or sobol sweep, into sensitivity.csv.
    Sensitivity(sensitivity::Args),
}

pub fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::execute(&args),
        Command::Validate(args) => validate::execute(&args),
        Command::Schemes(args) => schemes::execute(&args),
        Command::Columns(args) => columns::execute(&args),
        Command::Metrics(args) => metrics::execute(&args),
        Command::Fit(args) => fit::execute(&args),
        Command::Fund(args) => fund::execute(&args),
        Command::Yuma(args) => yuma::execute(&args),
        Command::Votes(args) => votes::execute(&args),
        Command::Conviction(args) => conviction::execute(&args),
        Command::Dashboard(args) => dashboard::execute(&args),
        Command::Sweep(args) => sweep::execute(&args),
        Command::Merge(args) => merge::execute(&args),
        Command::Sensitivity(args) => sensitivity::execute(&args),
    }
}

/// How a command names a scenario: the file, a seed and `--set` overrides.
#[derive(Debug, clap::Args)]
pub struct ScenarioArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub path: PathBuf,
    /// Seed of the run (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override a scenario field: dotted.path=value, value a TOML literal
    /// or a bare string (e.g. --set population.gpu_farms.count=500).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Refuse a run whose estimated memory exceeds SIZE (e.g. 4G, 512M)
    /// [default: the smallest of the memory available now, the process's
    /// address-space limit and its cgroup's limit].
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

impl ScenarioArgs {
    /// The memory limit: `--max-memory`, or the machine's default.
    pub fn memory_limit(&self) -> anyhow::Result<Option<mirage_sim::memory::MemoryLimit>> {
        match &self.max_memory {
            Some(text) => Ok(Some(
                mirage_runner::memory_limit::from_flag(text).map_err(anyhow::Error::msg)?,
            )),
            None => Ok(mirage_runner::memory_limit::default_limit()),
        }
    }

    /// Reads, overrides and checks the scenario (its estimated memory
    /// against `memory_limit`).
    pub fn load(&self) -> anyhow::Result<LoadedScenario> {
        let limit = self.memory_limit()?;
        mirage_runner::load_scenario_limited(&self.path, self.seed, &self.set, limit.as_ref())
    }
}
