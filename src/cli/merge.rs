//! `mirage merge`: combines shard outputs of one sweep into one sweep
//! output directory. Argument handling and printing only; the checks and
//! the writing (and the dashboard) are in `mirage_runner::sweep::merge`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use mirage_runner::sweep::merge::merge;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Shard output directories (or a directory holding shard-* directories).
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Directory of the merged sweep output.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Overwrite the sweep files of a non-empty --out directory.
    #[arg(long)]
    pub force: bool,
    /// Do not write dashboard.html.
    #[arg(long)]
    pub no_dashboard: bool,
    /// Print nothing.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn execute(args: &Args) -> Result<ExitCode> {
    let outcome = merge(&args.dirs, &args.out, args.force, !args.no_dashboard)?;
    if !args.quiet {
        writeln!(
            std::io::stdout(),
            "merged {} sweep directories: {} runs, {} points; results: {}",
            outcome.inputs.len(),
            outcome.runs,
            outcome.points,
            args.out.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
