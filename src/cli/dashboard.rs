//! `mirage dashboard`: draws a run or sweep directory as one self-contained
//! `dashboard.html` (inline SVG charts, opens from the file system), and
//! optionally each chart as its own SVG. The page itself is built by
//! `mirage_dashboard`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use mirage_dashboard::{self as dashboard, Kind, Options, DASHBOARD_FILE};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run directory (from `mirage run`) or a sweep directory (from
    /// `mirage sweep`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Where to write the page [default: DIR/dashboard.html].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Sweep: the axis across the heatmap, by its dotted path
    /// (e.g. reward.compute.scheme) [default: the first axis].
    #[arg(long, value_name = "AXIS")]
    pub x: Option<String>,
    /// Sweep: the axis up the heatmap [default: the next axis].
    #[arg(long, value_name = "AXIS")]
    pub y: Option<String>,
    /// Sweep: the metric shown (a column of runs.csv) [default: gini_rewards].
    #[arg(long, value_name = "METRIC")]
    pub metric: Option<String>,
    /// Sweep run with --keep-series: the epochs.csv column of the fan chart
    /// (median and 5–95% band across replications) [default: the metric
    /// when it is an epochs.csv column, else gini_wealth].
    #[arg(long, value_name = "COLUMN")]
    pub series: Option<String>,
    /// Also write each chart as a standalone SVG file into DIR.
    #[arg(long, value_name = "DIR")]
    pub svg_dir: Option<PathBuf>,
    /// Print nothing.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn execute(args: &Args) -> Result<ExitCode> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.dir.join(DASHBOARD_FILE));
    let options = Options {
        x: args.x.clone(),
        y: args.y.clone(),
        metric: args.metric.clone(),
        series: args.series.clone(),
        svg_dir: args.svg_dir.clone(),
        shown_dir: None,
    };
    let written = dashboard::write_dashboard_with(&args.dir, &out, &options)?;
    if !args.quiet {
        let kind = match written.kind {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
        };
        writeln!(
            std::io::stdout(),
            "{kind} dashboard: {} ({} charts, {:.1} kB)",
            out.display(),
            written.charts,
            written.bytes as f64 / 1024.0
        )?;
        if let Some(dir) = &args.svg_dir {
            writeln!(
                std::io::stdout(),
                "{} SVG files in {}",
                written.svgs.len(),
                dir.display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
