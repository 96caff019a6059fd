//! Mirage dashboards: `dashboard.html`, one self-contained page (inline SVG
//! charts drawn with plotters, no network, no JavaScript framework) that
//! shows a run directory or a sweep directory. This crate root owns the
//! entry points: deciding what a directory holds, building the page, and
//! writing it (and optionally each chart as its own SVG) atomically.
//!
//! Reading inputs: `source`, `run_input`, `sweep_input` (and `governance`,
//! which also draws the run page's governance section). Figures:
//! `run_stats`, `sweep_stats` (with the metrics of `mirage-analysis`).
//! Drawing: `style`, `plot`, `bars`, `heatmap`, `fan` (which also reads
//! a sweep's kept series), `tornado` (which also reads
//! `sensitivity.csv`). Pages: `run_page`,
//! `sweep_page`, `html`.
//!
//! Architecture invariant: the dashboard knows only the output files'
//! columns (CSV, JSON, TOML), never the engine; it reads a directory and
//! writes the page, nothing else.

mod bars;
mod fan;
mod governance;
mod heatmap;
mod honesty;
mod html;
mod plot;
mod run_input;
mod run_page;
mod run_stats;
mod source;
mod style;
mod sweep_input;
mod sweep_page;
mod sweep_stats;
mod tornado;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub use html::{Chart, Page};
pub use sweep_page::SweepChoice;

/// The dashboard's file name in a run or sweep directory.
pub const DASHBOARD_FILE: &str = "dashboard.html";

/// What a dashboard can be drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Run,
    Sweep,
}

/// Choices of `mirage dashboard`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Sweep: axis across the heatmap (default: the first axis).
    pub x: Option<String>,
    /// Sweep: axis up the heatmap (default: the next axis).
    pub y: Option<String>,
    /// Sweep: the metric shown (default: `gini_rewards`).
    pub metric: Option<String>,
    /// Sweep with kept series: the `epochs.csv` column of the fan chart
    /// (default: the metric when it is one, else `gini_wealth`).
    pub series: Option<String>,
    /// Also write each chart as `NN-<title>.svg` into this directory.
    pub svg_dir: Option<PathBuf>,
    /// Run: the directory the page names, when the files are read from
    /// another place (the staging directory `mirage run` writes into).
    pub shown_dir: Option<PathBuf>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub kind: Kind,
    pub charts: usize,
    pub bytes: usize,
    pub svgs: Vec<PathBuf>,
}

/// Decides whether `dir` holds a run or a sweep.
pub fn detect(dir: &Path) -> Result<Kind> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    if run_input::is_run_dir(dir) {
        Ok(Kind::Run)
    } else if sweep_input::is_sweep_dir(dir) {
        Ok(Kind::Sweep)
    } else {
        bail!(
            "{} holds no mirage outputs: expected a run (epochs.csv, agents.csv) or a sweep (runs.csv, points.csv, sweep.json)",
            dir.display()
        )
    }
}

/// Builds the page of a run or sweep directory.
pub fn build(dir: &Path, options: &Options) -> Result<(Kind, Page)> {
    let kind = detect(dir)?;
    let page = match kind {
        Kind::Run => {
            if options.x.is_some()
                || options.y.is_some()
                || options.metric.is_some()
                || options.series.is_some()
            {
                bail!(
                    "--x, --y, --metric and --series apply to sweep directories; {} is a run",
                    dir.display()
                );
            }
            let mut data = run_input::read_run(dir)?;
            if let Some(shown) = &options.shown_dir {
                data.dir.clone_from(shown);
            }
            run_page::run_page(&data)?
        }
        Kind::Sweep => {
            let data = sweep_input::read_sweep(dir)?;
            let choice = SweepChoice {
                x: options.x.clone(),
                y: options.y.clone(),
                metric: options.metric.clone(),
                series: options.series.clone(),
            };
            sweep_page::sweep_page(&data, &choice)?
        }
    };
    let mut page = page;
    page.dedupe_slugs();
    Ok((kind, page))
}

/// The HTML text of a page.
pub fn render(page: &Page) -> String {
    html::render(page)
}

/// Writes the dashboard of the run or sweep in `dir` to `out` with the
/// default choices. This is what `mirage run` and `mirage sweep` call.
pub fn write_dashboard(dir: &Path, out: &Path) -> Result<()> {
    write_dashboard_with(dir, out, &Options::default()).map(|_| ())
}

/// Writes the dashboard of `dir` to `out` (and the SVGs, if asked).
pub fn write_dashboard_with(dir: &Path, out: &Path, options: &Options) -> Result<Written> {
    let (kind, page) = build(dir, options)?;
    let text = html::render(&page);
    write_atomic(out, text.as_bytes())?;
    let mut svgs = Vec::new();
    if let Some(svg_dir) = &options.svg_dir {
        fs::create_dir_all(svg_dir)
            .with_context(|| format!("cannot create {}", svg_dir.display()))?;
        for (i, chart) in page.charts().enumerate() {
            let path = svg_dir.join(format!("{:02}-{}.svg", i + 1, chart.slug));
            let mut svg = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            svg.push_str(&html::titled_svg(chart));
            write_atomic(&path, svg.as_bytes())?;
            svgs.push(path);
        }
    }
    Ok(Written {
        kind,
        charts: page.charts().count(),
        bytes: text.len(),
        svgs,
    })
}

/// Writes a file under a temporary name in its directory and renames it
/// into place, so that a reader never sees half a page.
fn write_atomic(target: &Path, content: &[u8]) -> Result<()> {
    let name = target
        .file_name()
        .map_or_else(|| "dashboard".into(), |n| n.to_string_lossy().into_owned());
    let temp = target.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let result = (|| -> Result<()> {
        let mut f =
            File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        f.write_all(content)
            .with_context(|| format!("cannot write {}", temp.display()))?;
        f.sync_all()
            .with_context(|| format!("cannot sync {}", temp.display()))?;
        fs::rename(&temp, target)
            .with_context(|| format!("cannot rename {} to {}", temp.display(), target.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
