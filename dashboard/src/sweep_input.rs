//! Reading a sweep directory: `runs.csv` (one row per run: ids, one column
//! per axis, then the summary metrics), `points.csv` (one row per point with
//! `<metric>_mean`, `_ci_low`, `_ci_high`) and `sweep.json` (the manifest).
//! The axis columns come from `sweep.json` when it names them, else they are
//! the columns between `seed` and the first metric; the metric columns are
//! `sweep.json`'s `runs_columns` minus the id and axis columns (without a
//! manifest, the columns the schema knows as metrics and any after them). Either CSV suffices:
//! with only `points.csv`, each point stands in for its runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use mirage_analysis::schema;

use super::source::{read_json, CsvFile};

/// Whether `name` is a metric the column schema knows (a default sweep
/// metric or an `epochs.csv` column), for directories without `sweep.json`.
fn known_metric(name: &str) -> bool {
    schema::metric_column(name).is_some()
}

const ID_COLUMNS: [&str; 4] = [
    schema::runs::RUN_ID.name,
    schema::runs::POINT_ID.name,
    schema::runs::REPLICATION.name,
    schema::runs::SEED.name,
];

/// One swept parameter and the values it takes, in sweep order (numeric
/// axes sorted by value).
#[derive(Debug, Clone)]
pub struct Axis {
    pub name: String,
    pub values: Vec<String>,
    /// The values as numbers, when every one is a number.
    pub numeric: Option<Vec<f64>>,
}

impl Axis {
    /// Whether this axis chooses a reward scheme.
    pub fn is_scheme(&self) -> bool {
        self.name
            .rsplit('.')
            .next()
            .is_some_and(|last| last.contains("scheme"))
    }
}

/// One run (or, from `points.csv` alone, one point).
#[derive(Debug, Clone)]
pub struct Run {
    pub point: String,
    /// Index of the run's value on each axis.
    pub at: Vec<usize>,
    pub metrics: Vec<Option<f64>>,
}

/// A point's confidence interval as the sweep reported it.
#[derive(Debug, Clone, Default)]
pub struct PointCi {
    pub mean: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct SweepData {
    pub dir: PathBuf,
    pub name: Option<String>,
    pub axes: Vec<Axis>,
    pub metrics: Vec<String>,
    pub runs: Vec<Run>,
    /// True when `runs.csv` was absent and points stand in for runs.
    pub points_only: bool,
    /// From `points.csv`: (point id, metric) → reported mean and interval.
    pub point_ci: HashMap<(String, String), PointCi>,
    /// Runs whose `warnings` cell (runs.csv) is not empty; `None` without
    /// the column.
    pub runs_with_warnings: Option<usize>,
    /// The first of the metrics the sweep chose (`[sweep] metrics`: in
    /// sweep.json's `sweep` definition only when chosen; the top-level
    /// `metrics` list is always there): the dashboard's default metric.
    pub first_chosen_metric: Option<String>,
}

impl SweepData {
    pub fn axis(&self, name: &str) -> Option<usize> {
        self.axes.iter().position(|a| a.name == name)
    }

    pub fn metric(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m == name)
    }
}

/// Whether `dir` looks like a sweep directory.
pub fn is_sweep_dir(dir: &Path) -> bool {
    ["runs.csv", "points.csv", "sweep.json"]
        .iter()
        .any(|f| dir.join(f).is_file())
}

/// Axis names `sweep.json` declares: `axes` as a list of names, of objects
/// with a `path`/`name`/`axis`/`key` field, or an object keyed by name.
fn declared_axes(manifest: Option<&serde_json::Value>) -> Vec<String> {
    let Some(axes) = manifest.and_then(|m| m.get("axes")) else {
        return Vec::new();
    };
    let name_of = |v: &serde_json::Value| -> Option<String> {
        if let Some(s) = v.as_str() {
            return Some(s.to_string());
        }
        ["path", "name", "axis", "key"]
            .iter()
            .find_map(|k| v.get(k).and_then(|x| x.as_str()))
            .map(str::to_string)
    };
    match axes {
        serde_json::Value::Array(items) => items.iter().filter_map(name_of).collect(),
        serde_json::Value::Object(map) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Metric columns `sweep.json` declares: `runs_columns` minus the id and
/// axis columns (empty without a manifest or the field).
fn declared_metrics(manifest: Option<&serde_json::Value>, axes: &[String]) -> Vec<String> {
    let Some(cols) = manifest
        .and_then(|m| m.get("runs_columns"))
        .and_then(|c| c.as_array())
    else {
        return Vec::new();
    };
    cols.iter()
        .filter_map(|c| c.as_str())
        .filter(|c| {
            !ID_COLUMNS.contains(c)
                && *c != schema::runs::WARNINGS.name
                && !axes.iter().any(|a| a == c)
        })
        .map(str::to_string)
        .collect()
}

fn manifest_name(manifest: Option<&serde_json::Value>) -> Option<String> {
    let m = manifest?;
    ["name", "scenario", "scenario_name"]
        .iter()
        .find_map(|k| m.get(k).and_then(|v| v.as_str()))
        .map(str::to_string)
}

/// Splits a header into axis columns and metric candidates.
fn split_columns(
    header: &[String],
    declared: &[String],
    metric_start: impl Fn(&str) -> bool,
) -> (Vec<usize>, Vec<usize>) {
    let declared: Vec<usize> = declared
        .iter()
        .filter_map(|d| header.iter().position(|h| h == d))
        .collect();
    let start = header
        .iter()
        .position(|h| h == "seed")
        .or_else(|| header.iter().position(|h| h == "point_id"))
        .map_or(0, |i| i + 1);
    let axes = if declared.is_empty() {
        let mut axes = Vec::new();
        for (i, h) in header.iter().enumerate().skip(start) {
            if metric_start(h) || (ID_COLUMNS.contains(&h.as_str())) {
                break;
            }
            axes.push(i);
        }
        // Without a `seed` column, fall back to dotted parameter paths.
        if start == 0 {
            axes.retain(|&i| header[i].contains('.'));
        }
        axes
    } else {
        declared
    };
    let rest = (0..header.len())
        .filter(|i| {
            !axes.contains(i)
                && !ID_COLUMNS.contains(&header[*i].as_str())
                && header[*i] != schema::runs::WARNINGS.name
        })
        .collect();
    (axes, rest)
}

struct AxisBuilder {
    name: String,
    values: Vec<String>,
    index: HashMap<String, usize>,
}

impl AxisBuilder {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            values: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn intern(&mut self, v: &str) -> usize {
        if let Some(&i) = self.index.get(v) {
            return i;
        }
        self.values.push(v.to_string());
        self.index.insert(v.to_string(), self.values.len() - 1);
        self.values.len() - 1
    }

    /// The axis, numeric values sorted, and the map from first-seen order to
    /// the final order.
    fn finish(self) -> (Axis, Vec<usize>) {
        let nums: Option<Vec<f64>> = self
            .values
            .iter()
            .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        let mut order: Vec<usize> = (0..self.values.len()).collect();
        if let Some(n) = &nums {
            order.sort_by(|&a, &b| n[a].total_cmp(&n[b]));
        }
        let mut remap = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new;
        }
        let values = order.iter().map(|&i| self.values[i].clone()).collect();
        let numeric = nums.map(|n| order.iter().map(|&i| n[i]).collect());
        (
            Axis {
                name: self.name,
                values,
                numeric,
            },
            remap,
        )
    }
}

pub fn read_sweep(dir: &Path) -> Result<SweepData> {
    let manifest = read_json(&dir.join("sweep.json"))?;
    let declared = declared_axes(manifest.as_ref());
    let metrics = declared_metrics(manifest.as_ref(), &declared);
    let runs_path = dir.join("runs.csv");
    let points_path = dir.join("points.csv");
    let point_ci = if points_path.is_file() {
        read_point_ci(&points_path)?
    } else {
        HashMap::new()
    };
    let (mut data, points_only) = if runs_path.is_file() {
        (read_table(&runs_path, &declared, &metrics, false)?, false)
    } else if points_path.is_file() {
        (read_table(&points_path, &declared, &metrics, true)?, true)
    } else {
        bail!(
            "{}: a sweep directory needs runs.csv or points.csv; neither is there{}",
            dir.display(),
            if manifest.is_some() {
                " (the sweep may not have finished a run yet)"
            } else {
                ""
            }
        );
    };
    data.dir = dir.to_path_buf();
    data.name = manifest_name(manifest.as_ref());
    data.points_only = points_only;
    data.point_ci = point_ci;
    data.first_chosen_metric = manifest
        .as_ref()
        .and_then(|m| m.get("sweep"))
        .and_then(|d| d.get("metrics"))
        .and_then(|m| m.get(0))
        .and_then(|m| m.as_str())
        .map(str::to_string);
    Ok(data)
}

/// Reads `runs.csv`, or `points.csv` as one pseudo-run per point (metrics
/// from the `<metric>_mean` columns).
fn read_table(
    path: &Path,
    declared: &[String],
    declared_metrics: &[String],
    points: bool,
) -> Result<SweepData> {
    let mut f = CsvFile::open(path)?;
    let header = f.header().to_vec();
    let is_metric_start = |h: &str| {
        if points {
            h.ends_with("_mean") || h.ends_with("_ci_low") || h.ends_with("_ci_high")
        } else if declared_metrics.is_empty() {
            known_metric(h)
        } else {
            declared_metrics.iter().any(|m| m == h)
        }
    };
    let (axis_cols, rest) = split_columns(&header, declared, is_metric_start);
    if axis_cols.is_empty() {
        bail!(
            "{}: no axis columns found (expected the swept parameters between `seed` and the metrics, e.g. `reward.compute.scheme`, or axes listed in sweep.json)",
            path.display()
        );
    }
    let metric_cols: Vec<(usize, String)> = rest
        .into_iter()
        .filter_map(|i| {
            let h = &header[i];
            let name = if points {
                h.strip_suffix("_mean")?.to_string()
            } else {
                h.clone()
            };
            (declared_metrics.is_empty() || declared_metrics.contains(&name)).then_some((i, name))
        })
        .collect();
    let point_col = f.col("point_id");
    let warnings_col = (!points)
        .then(|| f.col(schema::runs::WARNINGS.name))
        .flatten();
    let mut runs_with_warnings = warnings_col.map(|_| 0);
    let mut builders: Vec<AxisBuilder> = axis_cols
        .iter()
        .map(|&i| AxisBuilder::new(&header[i]))
        .collect();
    let mut runs = Vec::new();
    // Columns that hold text rather than numbers are not metrics.
    let mut numeric = vec![true; metric_cols.len()];
    let mut raw: Vec<Vec<Option<f64>>> = Vec::new();
    while f.next_row()? {
        if let (Some(c), Some(n)) = (warnings_col, runs_with_warnings.as_mut()) {
            *n += usize::from(!f.cell(c).is_empty());
        }
        let at: Vec<usize> = axis_cols
            .iter()
            .zip(builders.iter_mut())
            .map(|(&c, b)| b.intern(f.cell(c)))
            .collect();
        let point = match point_col {
            Some(c) if !f.cell(c).is_empty() => f.cell(c).to_string(),
            _ => at
                .iter()
                .zip(&builders)
                .map(|(&i, b)| b.values[i].clone())
                .collect::<Vec<_>>()
                .join(" · "),
        };
        let mut row = Vec::with_capacity(metric_cols.len());
        for (k, (c, _)) in metric_cols.iter().enumerate() {
            let cell = f.cell(*c);
            let v = if cell.is_empty() {
                None
            } else {
                match cell.parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(x),
                    Ok(_) => None,
                    Err(_) => {
                        numeric[k] = false;
                        None
                    }
                }
            };
            row.push(v);
        }
        raw.push(row);
        runs.push(Run {
            point,
            at,
            metrics: Vec::new(),
        });
    }
    f.require_rows()?;
    let keep: Vec<usize> = (0..metric_cols.len()).filter(|&k| numeric[k]).collect();
    if keep.is_empty() {
        bail!(
            "{}: no numeric metric columns after the axes",
            path.display()
        );
    }
    for (run, row) in runs.iter_mut().zip(raw) {
        run.metrics = keep.iter().map(|&k| row[k]).collect();
    }
    let mut axes = Vec::with_capacity(builders.len());
    let mut remaps = Vec::with_capacity(builders.len());
    for b in builders {
        let (axis, remap) = b.finish();
        axes.push(axis);
        remaps.push(remap);
    }
    for run in &mut runs {
        for (i, remap) in run.at.iter_mut().zip(&remaps) {
            *i = remap[*i];
        }
    }
    Ok(SweepData {
        dir: PathBuf::new(),
        name: None,
        axes,
        metrics: keep.iter().map(|&k| metric_cols[k].1.clone()).collect(),
        runs,
        points_only: points,
        point_ci: HashMap::new(),
        runs_with_warnings,
        first_chosen_metric: None,
    })
}

fn read_point_ci(path: &Path) -> Result<HashMap<(String, String), PointCi>> {
    let mut f = CsvFile::open(path)?;
    let Some(pc) = f.col("point_id") else {
        return Ok(HashMap::new());
    };
    // (metric, [mean, low, high] columns)
    let cols: Vec<(String, [Option<usize>; 3])> = f
        .header()
        .iter()
        .filter_map(|h| h.strip_suffix("_mean"))
        .map(|m| {
            (
                m.to_string(),
                ["mean", "ci_low", "ci_high"].map(|s| f.col(&format!("{m}_{s}"))),
            )
        })
        .collect();
    let mut out = HashMap::new();
    while f.next_row()? {
        let id = f.cell(pc).to_string();
        for (m, [mean, low, high]) in &cols {
            let get = |c: &Option<usize>| c.map_or(Ok(None), |c| f.num(c));
            out.insert(
                (id.clone(), m.clone()),
                PointCi {
                    mean: get(mean)?,
                    low: get(low)?,
                    high: get(high)?,
                },
            );
        }
    }
    f.require_rows()?;
    Ok(out)
}
