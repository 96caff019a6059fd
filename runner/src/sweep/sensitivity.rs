//! Sensitivity indices of a finished `design = "morris"` or `"sobol"` sweep
//! (`mirage sensitivity`): which parameter matters for each summary metric.
//!
//! A sensitivity sweep records in `sweep.json` (key `sensitivity`) the
//! method, its range axes in unit-cube column order, its parameters and the
//! design seed; the unit-cube points are regenerated from them with
//! [`mirage_analysis::sensitivity`] (the same calls the sweep's design
//! made), never stored. Each point's output is the mean of its
//! replications' values in `runs.csv` (replication r runs with seed
//! base seed + r at every point: common random numbers), in point order;
//! the indices are SALib's: Morris μ*, μ, σ (unscaled elementary effects,
//! μ* with a bootstrap interval), Sobol' S1, ST, S2 with bootstrap
//! intervals (100 resamples, 95%, resampling seeded with the design seed).
//! They are written to `sensitivity.csv` atomically: `metric, axis, index,
//! value, ci_low, ci_high`, an empty cell where an index has no interval,
//! the axis of an S2 row written `a*b`.
//!
//! Refused with a clear error: a sweep of another design, and an
//! incomplete sweep (a shard not merged, or one stopped early), naming how
//! many runs are missing.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use mirage_analysis::sensitivity::{
    morris_analyze, morris_design, sobol_analyze, Bootstrap, SensitivityIndex,
};
use serde::{Deserialize, Serialize};

use super::definition::{DesignKind, SweepDef};
use super::manifest::{ranges, ranges_text, Manifest, RUNS};
use super::plan::csv_line;
use crate::output::write_atomic;

/// The file `mirage sensitivity` writes into the sweep directory.
pub const SENSITIVITY: &str = "sensitivity.csv";
/// Columns of `sensitivity.csv`.
pub const SENSITIVITY_COLUMNS: [&str; 6] =
    ["metric", "axis", "index", "value", "ci_low", "ci_high"];

/// What regenerates a sensitivity design's unit-cube points (the
/// `sensitivity` key of `sweep.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum SensitivityDesign {
    /// `morris_design(axes.len(), trajectories, levels, seed)`.
    Morris {
        axes: Vec<String>,
        trajectories: u64,
        levels: u64,
        seed: u64,
    },
    /// `saltelli_design(axes.len(), samples, seed, second_order)`.
    Sobol {
        axes: Vec<String>,
        samples: u64,
        second_order: bool,
        seed: u64,
    },
}

impl SensitivityDesign {
    /// The design of a morris or sobol definition; `None` for the others.
    pub fn of(def: &SweepDef) -> Option<Self> {
        let axes = def.range_axes();
        match def.design {
            DesignKind::Morris => Some(Self::Morris {
                axes,
                trajectories: def.samples,
                levels: def.levels,
                seed: def.seed,
            }),
            DesignKind::Sobol => Some(Self::Sobol {
                axes,
                samples: def.samples,
                second_order: true,
                seed: def.seed,
            }),
            _ => None,
        }
    }

    pub fn method(&self) -> &'static str {
        match self {
            Self::Morris { .. } => "morris",
            Self::Sobol { .. } => "sobol",
        }
    }

    /// The varied axes, in unit-cube column order.
    pub fn axes(&self) -> &[String] {
        match self {
            Self::Morris { axes, .. } | Self::Sobol { axes, .. } => axes,
        }
    }

    fn seed(&self) -> u64 {
        match self {
            Self::Morris { seed, .. } | Self::Sobol { seed, .. } => *seed,
        }
    }
}

/// The indices of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricIndices {
    pub metric: String,
    pub rows: Vec<SensitivityIndex>,
}

/// What `analyze` found.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub design: SensitivityDesign,
    pub points: u64,
    pub replications: u64,
    pub results: Vec<MetricIndices>,
    /// Metrics of the default set left out, and why (e.g. a metric with
    /// empty cells, or constant over the sweep).
    pub skipped: Vec<(String, String)>,
}

/// Analyses the sweep in `dir` and writes `dir/sensitivity.csv`; returns
/// the analysis and the file's path.
pub fn run(dir: &Path, metrics: &[String]) -> Result<(Analysis, PathBuf)> {
    let analysis = analyze(dir, metrics)?;
    let path = dir.join(SENSITIVITY);
    write_atomic(&path, &csv_text(&analysis.results)?)?;
    Ok((analysis, path))
}

/// The summary metric columns of `runs.csv`: those after the last axis.
pub fn metric_columns(manifest: &Manifest) -> Vec<String> {
    let cols = &manifest.runs_columns;
    let after = manifest
        .axes
        .iter()
        .filter_map(|a| cols.iter().position(|c| c == a))
        .max()
        .or_else(|| cols.iter().position(|c| c == "seed"))
        .map_or(0, |i| i + 1);
    cols.get(after..).unwrap_or_default().to_vec()
}

/// Computes the indices of `metrics` (every metric column when empty) of
/// the sweep in `dir`, without writing anything.
pub fn analyze(dir: &Path, metrics: &[String]) -> Result<Analysis> {
    let manifest = Manifest::read(dir)?;
    let Some(design) = manifest.sensitivity.clone() else {
        let kind = manifest
            .sweep
            .get("design")
            .and_then(|d| d.as_str())
            .unwrap_or("unknown");
        bail!(
            "{} is a design = \"{kind}\" sweep: `mirage sensitivity` needs a sweep with \
             design = \"morris\" or design = \"sobol\"",
            dir.display()
        );
    };
    let columns = metric_columns(&manifest);
    let explicit = !metrics.is_empty();
    let wanted: Vec<String> = if explicit {
        for m in metrics {
            if !columns.contains(m) {
                bail!(
                    "--metric {m}: runs.csv of {} has no such metric; its metrics are: {}",
                    dir.display(),
                    columns.join(", ")
                );
            }
        }
        let mut seen = Vec::new();
        for m in metrics {
            if !seen.contains(m) {
                seen.push(m.clone());
            }
        }
        seen
    } else {
        columns
    };
    let values = read_values(dir, &manifest, &wanted)?;
    let seed = design.seed();
    let bootstrap = Bootstrap {
        seed,
        ..Bootstrap::default()
    };
    let d = design.axes().len();
    let per = match &design {
        SensitivityDesign::Morris { .. } => d as u64 + 1,
        SensitivityDesign::Sobol { .. } => 2 * d as u64 + 2,
    };
    let base = match &design {
        SensitivityDesign::Morris { trajectories, .. } => *trajectories,
        SensitivityDesign::Sobol { samples, .. } => *samples,
    };
    if base.checked_mul(per) != Some(manifest.points) {
        bail!(
            "{}: sweep.json's sensitivity design ({} axes) does not have its {} points",
            dir.display(),
            d,
            manifest.points
        );
    }
    let unit = match &design {
        SensitivityDesign::Morris {
            trajectories,
            levels,
            ..
        } => Some(
            morris_design(d, to_usize(*trajectories)?, to_usize(*levels)?, seed)
                .map_err(|e| anyhow::anyhow!("cannot regenerate the Morris design: {e}"))?,
        ),
        SensitivityDesign::Sobol { .. } => None,
    };
    if let Some(unit) = &unit {
        if unit.len() as u64 != manifest.points {
            bail!(
                "{}: the regenerated Morris design has {} points, sweep.json says {}",
                dir.display(),
                unit.len(),
                manifest.points
            );
        }
    }
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    for (metric, y) in wanted.iter().zip(values) {
        let outcome = y.and_then(|y| {
            let rows = match (&design, &unit) {
                (SensitivityDesign::Morris { levels, .. }, Some(unit)) => {
                    let levels = usize::try_from(*levels).map_err(|e| e.to_string())?;
                    morris_analyze(unit, &y, levels, &bootstrap).and_then(|m| m.rows(design.axes()))
                }
                (SensitivityDesign::Sobol { second_order, .. }, _) => {
                    sobol_analyze(d, &y, *second_order, &bootstrap)
                        .and_then(|s| s.rows(design.axes()))
                }
                (SensitivityDesign::Morris { .. }, None) => {
                    return Err("the Morris design was not regenerated".to_string())
                }
            };
            rows.map_err(|e| e.to_string())
        });
        match outcome {
            Ok(rows) => results.push(MetricIndices {
                metric: metric.clone(),
                rows,
            }),
            Err(why) if explicit => bail!("metric {metric}: {why}"),
            Err(why) => skipped.push((metric.clone(), why)),
        }
    }
    if results.is_empty() {
        let why: Vec<String> = skipped.iter().map(|(m, w)| format!("{m}: {w}")).collect();
        bail!(
            "no metric of {} could be analysed ({})",
            dir.display(),
            why.join("; ")
        );
    }
    Ok(Analysis {
        design,
        points: manifest.points,
        replications: manifest.replications,
        results,
        skipped,
    })
}

fn to_usize(n: u64) -> Result<usize> {
    usize::try_from(n).context("a design parameter does not fit this machine's word")
}

/// Per wanted metric: each point's mean over its replications, in point
/// order, or why the metric has none.
fn read_values(
    dir: &Path,
    manifest: &Manifest,
    wanted: &[String],
) -> Result<Vec<Result<Vec<f64>, String>>> {
    let total = manifest.runs;
    let path = dir.join(RUNS);
    let incomplete = |found: u64, missing: String| {
        let hint = manifest.shard.map_or_else(
            || "finish it with `mirage sweep ... --resume` first".to_string(),
            |s| format!("this directory is shard {s}: `mirage merge` every shard first"),
        );
        anyhow::anyhow!(
            "{}: the sweep is incomplete: {} of its {total} runs are missing{missing}; {hint}",
            dir.display(),
            total - found
        )
    };
    if !path.is_file() {
        return Err(incomplete(manifest.runs_done.min(total), String::new()));
    }
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("cannot read {}", path.display()))?
        .iter()
        .map(String::from)
        .collect();
    if header != manifest.runs_columns {
        bail!(
            "{}: its columns are not sweep.json's runs_columns",
            path.display()
        );
    }
    let col = |name: &str| {
        header
            .iter()
            .position(|c| c == name)
            .with_context(|| format!("{} has no column {name}", path.display()))
    };
    let run_col = col("run_id")?;
    let point_col = col("point_id")?;
    let metric_cols = wanted.iter().map(|m| col(m)).collect::<Result<Vec<_>>>()?;
    let points = usize::try_from(manifest.points).context("too many points")?;
    let mut seen = vec![false; usize::try_from(total).context("too many runs")?];
    let mut sums = vec![vec![0.0f64; points]; wanted.len()];
    let mut bad: Vec<Option<String>> = vec![None; wanted.len()];
    let mut found = 0u64;
    for (line, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("cannot read {}", path.display()))?;
        let field = |i: usize| record.get(i).unwrap_or("");
        let row = line + 2;
        let run: u64 = field(run_col)
            .parse()
            .ok()
            .filter(|&r| r < total)
            .with_context(|| format!("{} line {row}: bad run_id", path.display()))?;
        let point: usize = field(point_col)
            .parse()
            .ok()
            .filter(|&p| p < points)
            .with_context(|| format!("{} line {row}: bad point_id", path.display()))?;
        let slot = &mut seen[run as usize];
        if *slot {
            bail!("{}: run {run} appears twice", path.display());
        }
        *slot = true;
        found += 1;
        for (k, &c) in metric_cols.iter().enumerate() {
            if bad[k].is_some() {
                continue;
            }
            match field(c).parse::<f64>() {
                Ok(v) if v.is_finite() => sums[k][point] += v,
                _ => {
                    bad[k] = Some(format!(
                        "run {run} has no numeric value ({:?}), so the point means are undefined",
                        field(c)
                    ))
                }
            }
        }
    }
    if found != total {
        let missing = ranges(0..total, |id| !seen[id as usize]);
        return Err(incomplete(
            found,
            format!(" (run ids {})", ranges_text(&missing, 20)),
        ));
    }
    let reps = manifest.replications.max(1) as f64;
    Ok(sums
        .into_iter()
        .zip(bad)
        .map(|(s, b)| match b {
            Some(why) => Err(why),
            None => Ok(s.into_iter().map(|x| x / reps).collect()),
        })
        .collect())
}

/// A float cell: Rust's shortest round-trip form.
fn num(v: f64) -> String {
    v.to_string()
}

/// `sensitivity.csv` as bytes.
pub fn csv_text(results: &[MetricIndices]) -> Result<Vec<u8>> {
    let mut out = csv_line(SENSITIVITY_COLUMNS)?;
    for m in results {
        for r in &m.rows {
            out.extend(csv_line([
                m.metric.clone(),
                r.axis.clone(),
                r.index.as_str().to_string(),
                num(r.value),
                r.ci_low.map_or_else(String::new, num),
                r.ci_high.map_or_else(String::new, num),
            ])?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirage_analysis::sensitivity::IndexKind;

    #[test]
    fn csv_has_empty_cells_without_an_interval() {
        let results = [MetricIndices {
            metric: "price".into(),
            rows: vec![
                SensitivityIndex {
                    axis: "a".into(),
                    index: IndexKind::MuStar,
                    value: 0.5,
                    ci_low: Some(0.25),
                    ci_high: Some(0.75),
                },
                SensitivityIndex {
                    axis: "a".into(),
                    index: IndexKind::Mu,
                    value: -0.5,
                    ci_low: None,
                    ci_high: None,
                },
            ],
        }];
        let text = String::from_utf8(csv_text(&results).expect("csv")).expect("utf-8");
        assert_eq!(
            text,
            "metric,axis,index,value,ci_low,ci_high\nprice,a,mu_star,0.5,0.25,0.75\nprice,a,mu,-0.5,,\n"
        );
    }

    #[test]
    fn designs_record_method_axes_and_parameters() {
        let table: toml::Table = "[sweep]\ndesign = \"sobol\"\nsamples = 4\nseed = 2\n[sweep.axes]\nb = { min = 0, max = 1 }\na = { min = 0, max = 1 }\nk = [1]\n"
            .parse()
            .expect("toml");
        let def = SweepDef::parse(table.get("sweep").expect("sweep"), 0).expect("valid");
        let design = SensitivityDesign::of(&def).expect("sobol");
        let json = serde_json::to_value(&design).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"method": "sobol", "axes": ["a", "b"], "samples": 4, "second_order": true, "seed": 2})
        );
        assert_eq!(design.method(), "sobol");
    }
}
