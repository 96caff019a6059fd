//! `mirage fund` (being written; see the issue tracker).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn execute(_args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`mirage fund` is not implemented yet")
}
