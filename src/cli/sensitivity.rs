//! `mirage sensitivity`: the Morris or Sobol' indices of a finished
//! `design = "morris"` or `"sobol"` sweep, per summary metric, printed as a
//! table and written to `SWEEP_DIR/sensitivity.csv`; redraws the sweep's
//! `dashboard.html` (which then shows a tornado chart) when it has one.
//! Argument handling and printing only; the work is in
//! `mirage_runner::sweep::sensitivity`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use mirage_runner::sweep::exec::write_sweep_dashboard;
use mirage_runner::sweep::sensitivity::{self, SensitivityDesign};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A finished (or merged) sweep output directory of design = "morris" or "sobol".
    #[arg(value_name = "SWEEP_DIR")]
    pub dir: PathBuf,
    /// Metric (a summary column of runs.csv) to analyse; repeat for more
    /// [default: every summary metric].
    #[arg(long = "metric", value_name = "M")]
    pub metrics: Vec<String>,
    /// Do not redraw the sweep's dashboard.html.
    #[arg(long)]
    pub no_dashboard: bool,
    /// Print nothing.
    #[arg(long, short)]
    pub quiet: bool,
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"))
}

pub fn execute(args: &Args) -> Result<ExitCode> {
    let (analysis, path) = sensitivity::run(&args.dir, &args.metrics)?;
    let redraw = !args.no_dashboard && args.dir.join(mirage_dashboard::DASHBOARD_FILE).is_file();
    if redraw {
        write_sweep_dashboard(&args.dir)?;
    }
    if args.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    let what = match &analysis.design {
        SensitivityDesign::Morris {
            trajectories,
            levels,
            ..
        } => format!("Morris, {trajectories} trajectories, {levels} levels"),
        SensitivityDesign::Sobol { samples, .. } => {
            format!("Sobol' (Saltelli), N = {samples} base rows")
        }
    };
    writeln!(
        out,
        "{what}: {} points × {} replication(s) (each point's mean), {} axes; \
         bootstrap 95% intervals",
        analysis.points,
        analysis.replications,
        analysis.design.axes().len()
    )?;
    let width = analysis
        .results
        .iter()
        .flat_map(|m| m.rows.iter().map(|r| r.axis.len()))
        .max()
        .unwrap_or(4)
        .max(4);
    for m in &analysis.results {
        writeln!(out, "\nmetric {}", m.metric)?;
        writeln!(
            out,
            "  {:<width$}  {:<7}  {:>10}  {:>10}  {:>10}",
            "axis", "index", "value", "ci_low", "ci_high"
        )?;
        for r in &m.rows {
            writeln!(
                out,
                "  {:<width$}  {:<7}  {:>10}  {:>10}  {:>10}",
                r.axis,
                r.index.as_str(),
                cell(Some(r.value)),
                cell(r.ci_low),
                cell(r.ci_high)
            )?;
        }
    }
    for (metric, why) in &analysis.skipped {
        writeln!(out, "\nmetric {metric}: skipped ({why})")?;
    }
    writeln!(out, "\nwritten: {}", path.display())?;
    if redraw {
        writeln!(
            out,
            "dashboard: {}",
            args.dir.join(mirage_dashboard::DASHBOARD_FILE).display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
