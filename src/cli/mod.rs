//! Subcommand definitions (clap) and dispatch. One file per subcommand; each
//! exposes an `Args` struct and an `execute` function.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod fund;
pub mod metrics;
pub mod output;
pub mod run;
pub mod validate;
pub mod yuma;

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
    /// Concentration and fairness metrics of one column of any CSV file.
    Metrics(metrics::Args),
    /// Quadratic-funding matches of a donations CSV (standard, pairwise, cluster, COCM).
    Fund(fund::Args),
    /// One or more epochs of Bittensor's Yuma consensus on a stakes and a weights CSV.
    Yuma(yuma::Args),
}

pub fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::execute(&args),
        Command::Validate(args) => validate::execute(&args),
        Command::Metrics(args) => metrics::execute(&args),
        Command::Fund(args) => fund::execute(&args),
        Command::Yuma(args) => yuma::execute(&args),
    }
}
