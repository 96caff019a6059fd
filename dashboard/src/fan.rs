//! The sweep dashboard's fan chart, for a sweep run with `--keep-series`:
//! one `epochs.csv` column over time, its median across replications and
//! the band from the 5th to the 95th percentile (linear interpolation
//! between order statistics), one fan per point when the sweep has few
//! points, else one fan over every run. Reads `runs/<run_id>/epochs.csv`.

use std::path::Path;

use anyhow::{bail, Result};
use mirage_analysis::schema;

use super::html::{slug, Block, Chart, Section};
use super::plot::{line_chart, Frame, Line, YRange, WIDE};
use super::source::CsvFile;
use super::style::{metric_short, series_color};
use super::sweep_input::SweepData;

/// The kept series' directory in a sweep directory.
const SERIES_DIR: &str = "runs";
/// One fan per point up to this many points; beyond, one fan of all runs.
const MAX_FANS: usize = 6;
/// Runs read at most (a larger sweep's fan uses its first runs).
const MAX_RUNS: usize = 2000;
const LOW: f64 = 0.05;
const HIGH: f64 = 0.95;

/// One run's column: (epoch, value) per row, the value empty when the
/// cell is.
type Series = Vec<(f64, Option<f64>)>;

/// The `q` quantile of sorted `v` (type 7: linear between order statistics).
pub fn quantile(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

/// One run's (epoch, value) points of `column`; `None` when its file lacks
/// the column.
fn read_series(path: &Path, column: &str) -> Result<Option<Series>> {
    let mut f = CsvFile::open(path)?;
    let c_epoch = f.require(schema::epochs::EPOCH.name)?;
    let Some(c) = f.col(column) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    while f.next_row()? {
        out.push((f.num_req(c_epoch)?, f.num(c)?));
    }
    Ok(Some(out))
}

/// Median and 5–95% band per epoch over the runs of one group.
fn fan(label: String, color: plotters::style::RGBColor, runs: &[Series]) -> Line {
    let epochs = runs.iter().map(Vec::len).max().unwrap_or(0);
    let mut points = Vec::with_capacity(epochs);
    let mut band = Vec::with_capacity(epochs);
    let mut at: Vec<f64> = Vec::with_capacity(runs.len());
    for i in 0..epochs {
        at.clear();
        let mut x = None;
        for r in runs {
            if let Some(&(e, v)) = r.get(i) {
                x = Some(e);
                at.extend(v.filter(|v| v.is_finite()));
            }
        }
        at.sort_by(f64::total_cmp);
        if let (Some(x), Some(m), Some(lo), Some(hi)) = (
            x,
            quantile(&at, 0.5),
            quantile(&at, LOW),
            quantile(&at, HIGH),
        ) {
            points.push((x, m));
            band.push((x, lo, hi));
        }
    }
    let mut l = Line::new(label, color, points);
    l.band = band;
    l
}

/// The fan chart section of a sweep with kept series (`None` without
/// them). `chosen` is `--series`; without it, `metric` when it is an
/// `epochs.csv` column, else `gini_wealth`.
pub fn section(data: &SweepData, chosen: Option<&str>, metric: &str) -> Result<Option<Section>> {
    let root = data.dir.join(SERIES_DIR);
    if !root.is_dir() || data.points_only {
        if let Some(c) = chosen {
            bail!(
                "--series {c}: {} has no kept series (run the sweep with --keep-series)",
                data.dir.display()
            );
        }
        return Ok(None);
    }
    let column = match chosen {
        Some(c) => c.to_string(),
        None if schema::epochs::TABLE.find(metric).is_some() => metric.to_string(),
        None => schema::epochs::GINI_WEALTH.name.to_string(),
    };
    // Runs in run-id order; group them by point, in order.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (id, run) in data.runs.iter().enumerate().take(MAX_RUNS) {
        match groups.iter_mut().find(|(p, _)| *p == run.point) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((run.point.clone(), vec![id])),
        }
    }
    let mut series: Vec<Vec<Series>> = Vec::with_capacity(groups.len());
    for (_, ids) in &groups {
        let mut runs = Vec::with_capacity(ids.len());
        for &id in ids {
            let path = root.join(id.to_string()).join(schema::epochs::TABLE.file);
            if !path.is_file() {
                continue;
            }
            match read_series(&path, &column)? {
                Some(s) => runs.push(s),
                None => bail!(
                    "{}: no column `{column}` to draw (choose an epochs.csv column with --series)",
                    path.display()
                ),
            }
        }
        series.push(runs);
    }
    if series.iter().all(Vec::is_empty) {
        return Ok(None);
    }
    let describe = |first: usize| -> String {
        let run = &data.runs[first];
        run.at
            .iter()
            .zip(&data.axes)
            .map(|(&i, a)| {
                format!(
                    "{} = {}",
                    a.name.rsplit('.').next().unwrap_or(&a.name),
                    a.values.get(i).map_or("?", String::as_str)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lines: Vec<Line> = if groups.len() <= MAX_FANS {
        groups
            .iter()
            .zip(&series)
            .enumerate()
            .filter(|(_, (_, runs))| !runs.is_empty())
            .map(|(k, ((_, ids), runs))| fan(describe(ids[0]), series_color(k), runs))
            .collect()
    } else {
        let all: Vec<Series> = series.into_iter().flatten().collect();
        vec![fan("all runs".into(), series_color(0), &all)]
    };
    let short = metric_short(&column);
    let t = format!("{} over time across replications", capitalise(&short));
    let mut f = Frame::new(&t, "Epoch (reward period)", short.clone());
    f.size = (WIDE, 440);
    let read = data.runs.len().min(MAX_RUNS);
    let caption = format!(
        "The median of `{column}` over {} (line) and the band from its 5th to its 95th percentile (shaded), from the series kept by --keep-series (runs/<run_id>/epochs.csv{}). Choose the column with --series.",
        if groups.len() <= MAX_FANS {
            "each point's replications"
        } else {
            "all runs of the sweep"
        },
        if read < data.runs.len() {
            format!("; the first {read} of {} runs", data.runs.len())
        } else {
            String::new()
        }
    );
    Ok(Some(Section {
        heading: format!("{} over time", capitalise(&short)),
        intro: "How the whole path varies between replications, not only its end.".into(),
        blocks: vec![Block::Chart(Chart {
            slug: slug(&t),
            title: t.clone(),
            caption,
            svg: line_chart(f, &lines, YRange::Auto)?,
            wide: true,
        })],
        columns: 2,
    }))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        let near = |q: f64, want: f64| (quantile(&v, q).expect("q") - want).abs() < 1e-12;
        assert!(near(0.05, 1.2) && near(0.95, 4.8) && near(0.0, 1.0) && near(1.0, 5.0));
        assert_eq!(quantile(&[7.0], 0.95), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
