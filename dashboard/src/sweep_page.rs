//! The sweep dashboard: a heatmap of a metric's mean over two axes, the
//! metric against each axis with 95% confidence bands (one line per value
//! of a grouping axis, such as the reward scheme), the distribution per
//! reward scheme, a tornado chart per metric of the sensitivity indices
//! when `sensitivity.csv` exists (`tornado.rs`), and the table of points
//! sorted by the metric. Every
//! chart aggregates: its size depends on the axes' values (a numeric axis
//! with more than 40 values, as a random, Latin or Sobol' design draws,
//! is charted in 20 bins: `sweep_stats::binned_for_charts`), not on the
//! number of runs.

use anyhow::{bail, Result};
use plotters::style::RGBColor;

use super::bars::{box_plot, BoxStats};
use super::heatmap::heatmap;
use super::html::{slug, table, Block, Card, Chart, Page, Section};
use super::plot::{line_chart, Frame, Line, Ticks, YRange, HALF, WIDE};
use super::style::{fmt_value, metric_label, metric_short, series_color, Direction};
use super::sweep_input::SweepData;
use super::sweep_stats::{
    binned_for_charts, group_by, points, short_number, values_by, Summary, AXIS_BINS,
    MAX_CHARTED_VALUES,
};
use super::tornado::{read_sensitivity, sensitivity_section};

/// Most lines one chart draws (a grouping axis with more values is not
/// used for grouping).
const MAX_GROUPS: usize = 8;
/// Most rows of the points table (the lowest and highest halves).
const MAX_ROWS: usize = 1000;

/// What the sweep dashboard shows.
#[derive(Debug, Clone, Default)]
pub struct SweepChoice {
    pub x: Option<String>,
    pub y: Option<String>,
    pub metric: Option<String>,
    /// The `epochs.csv` column of the fan chart (kept series only).
    pub series: Option<String>,
}

fn chart(title: &str, caption: impl Into<String>, svg: String, wide: bool) -> Block {
    Block::Chart(Chart {
        slug: slug(title),
        title: title.to_string(),
        caption: caption.into(),
        svg,
        wide,
    })
}

fn axis_index(data: &SweepData, name: &str, flag: &str) -> Result<usize> {
    data.axis(name).ok_or_else(|| {
        anyhow::anyhow!(
            "{flag} {name}: not an axis of the sweep in {}; its axes are: {}",
            data.dir.display(),
            data.axes
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Short label of an axis for titles: its last two path segments.
fn short_axis(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() > 2 {
        parts[parts.len() - 2..].join(".")
    } else {
        name.to_string()
    }
}

pub fn sweep_page(data: &SweepData, choice: &SweepChoice) -> Result<Page> {
    let (m, metric_note) = match &choice.metric {
        Some(name) => match data.metric(name) {
            Some(m) => (m, None),
            None => bail!(
                "--metric {name}: {} has no such metric; it has: {}",
                data.dir.display(),
                data.metrics.join(", ")
            ),
        },
        // The sweep's own first metric, else the Gini of rewards.
        None => match data
            .first_chosen_metric
            .as_deref()
            .and_then(|first| data.metric(first))
            .or_else(|| data.metric("gini_rewards"))
        {
            Some(m) => (m, None),
            None => (
                0,
                Some(format!(
                    "This sweep reports no gini_rewards; showing {} instead (choose with --metric).",
                    data.metrics[0]
                )),
            ),
        },
    };
    let metric = data.metrics[m].clone();
    let (mlabel, direction) = metric_label(&metric);
    let mshort = metric_short(&metric);
    let x = match &choice.x {
        Some(n) => axis_index(data, n, "--x")?,
        None => 0,
    };
    let y = match &choice.y {
        Some(n) => Some(axis_index(data, n, "--y")?),
        None => (0..data.axes.len()).find(|&a| a != x),
    };
    if y == Some(x) {
        bail!(
            "--x and --y name the same axis ({}); choose two different axes",
            data.axes[x].name
        );
    }

    let pts = points(data, m);
    let max_reps = pts.iter().map(|p| p.summary.n).max().unwrap_or(0);
    let unit = if data.points_only { "points" } else { "runs" };
    let mut page = Page {
        title: format!(
            "Mirage sweep{}",
            data.name
                .as_ref()
                .map_or(String::new(), |n| format!(": {n}"))
        ),
        subtitle: format!(
            "How {} changes across the designs this sweep compares.",
            mshort
        ),
        facts: vec![
            ("directory".into(), data.dir.display().to_string()),
            (unit.into(), data.runs.len().to_string()),
            ("points".into(), pts.len().to_string()),
            (
                "axes".into(),
                data.axes
                    .iter()
                    .map(|a| format!("{} ({} values)", a.name, a.values.len()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ("metric".into(), metric.clone()),
        ],
        cards: Vec::new(),
        sections: Vec::new(),
    };
    page.cards.push(Card {
        label: "Sweep size".into(),
        value: format!("{} {unit}", data.runs.len()),
        detail: format!(
            "{} points (parameter combinations), {} each",
            pts.len(),
            if max_reps == 1 {
                "1 replication".to_string()
            } else {
                format!("up to {max_reps} replications")
            }
        ),
    });
    if let Some(n) = data.runs_with_warnings {
        page.cards.push(Card {
            label: "Health warnings".into(),
            value: format!("{n} of {}", data.runs.len()),
            detail: if n == 0 {
                "runs reported a health warning (runs.csv `warnings`)".into()
            } else {
                "runs reported a health warning (runs.csv `warnings`); rerun one with `mirage run` to read them".into()
            },
        });
    }
    // A card names a point by its values, long draws shortened (the table
    // has them in full).
    let describe = |at: &[usize]| -> String {
        at.iter()
            .zip(&data.axes)
            .map(|(&i, a)| {
                let value = match (a.values.get(i), a.numeric.as_ref().and_then(|n| n.get(i))) {
                    (Some(text), Some(&x)) if text.len() > 8 => short_number(x),
                    (Some(text), _) => text.clone(),
                    (None, _) => "?".into(),
                };
                format!("{} = {value}", short_axis(&a.name))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (low_word, high_word) = match direction {
        Direction::LowerIsFairer => ("Lowest (fairest)", "Highest (least fair)"),
        Direction::HigherIsFairer => (
            "Lowest (least decentralised)",
            "Highest (most decentralised)",
        ),
        Direction::Neutral => ("Lowest", "Highest"),
    };
    if let (Some(lo), Some(hi)) = (pts.first(), pts.last()) {
        page.cards.push(Card {
            label: format!("{low_word} mean {mshort}"),
            value: fmt_value(lo.summary.mean),
            detail: describe(&lo.at),
        });
        page.cards.push(Card {
            label: format!("{high_word} mean {mshort}"),
            value: fmt_value(hi.summary.mean),
            detail: describe(&hi.at),
        });
    }

    let mut intro_note = Vec::new();
    if let Some(n) = metric_note {
        intro_note.push(Block::Note(n));
    }
    if data.points_only {
        intro_note.push(Block::Note(
            "runs.csv is missing: each point's mean (from points.csv) stands in for its runs, so bands and distributions are over points, not replications.".into(),
        ));
    }

    // The charts aggregate over bins of an axis with too many values.
    let binned = binned_for_charts(data);
    if let Some(view) = &binned {
        let wide: Vec<&str> = data
            .axes
            .iter()
            .zip(&view.axes)
            .filter(|(axis, charted)| axis.values.len() != charted.values.len())
            .map(|(axis, _)| axis.name.as_str())
            .collect();
        intro_note.push(Block::Note(format!(
            "{} {} more than {MAX_CHARTED_VALUES} values: the charts group {} values into {AXIS_BINS} bins of equal count (labelled by their range, placed at their mean); the table below has every point's own values.",
            wide.join(", "),
            if wide.len() == 1 { "has" } else { "have" },
            if wide.len() == 1 { "its" } else { "their" },
        )));
    }
    let charted = binned.as_ref().unwrap_or(data);

    // Heatmap.
    let mut blocks = intro_note;
    if let Some(y) = y {
        let (ax, ay) = (&charted.axes[x], &charted.axes[y]);
        let groups = group_by(charted, &[x, y], m);
        let cells: Vec<Vec<Option<f64>>> = (0..ay.values.len())
            .map(|yi| {
                (0..ax.values.len())
                    .map(|xi| groups.get(&vec![xi, yi]).map(|s| s.mean))
                    .collect()
            })
            .collect();
        let others: Vec<&str> = (0..data.axes.len())
            .filter(|&a| a != x && a != y)
            .map(|a| data.axes[a].name.as_str())
            .collect();
        let t = format!(
            "Mean {mshort} by {} and {}",
            short_axis(&ax.name),
            short_axis(&ay.name)
        );
        let mut f = Frame::new(&t, ax.name.clone(), ay.name.clone());
        let height = (ay.values.len() as u32 * 34 + 190).clamp(360, 900);
        f.size = (WIDE, height);
        blocks.push(chart(
            &t,
            format!(
                "Each cell: the mean of {mlabel} over the {unit} at that pair of values{}. Colour scale at the right.",
                if others.is_empty() {
                    String::new()
                } else {
                    format!(" (pooled over {})", others.join(", "))
                }
            ),
            heatmap(f, &ax.values, &ay.values, &cells, &format!("mean {mshort}"))?,
            true,
        ));
    } else {
        blocks.push(Block::Note(
            "This sweep has a single axis, so there is no heatmap; see the chart below.".into(),
        ));
    }
    page.sections.push(Section {
        heading: format!("{} across two axes", capitalise(&mshort)),
        intro: format!(
            "{mlabel}. Choose the axes with --x and --y and the metric with --metric (available: {}).",
            data.metrics.join(", ")
        ),
        blocks,
        columns: 2,
    });

    // Metric against each axis.
    let scheme_axis = (0..data.axes.len()).find(|&a| data.axes[a].is_scheme());
    let mut blocks = Vec::new();
    let n_axes = data.axes.len();
    for a in 0..n_axes {
        let g = scheme_axis
            .filter(|&s| s != a && data.axes[s].values.len() <= MAX_GROUPS)
            .or_else(|| {
                (0..n_axes).find(|&o| {
                    o != a
                        && data.axes[o].values.len() <= MAX_GROUPS
                        && data.axes[o].values.len() > 1
                })
            });
        blocks.push(axis_chart(charted, m, a, g, &mlabel, &mshort, n_axes == 1)?);
    }
    page.sections.push(Section {
        heading: format!("{} against each axis", capitalise(&mshort)),
        intro: "The mean over runs with a shaded 95% confidence interval, one line per value of a second axis. Overlapping bands: the difference may be noise; add replications to tell.".into(),
        blocks,
        columns: 2,
    });

    // Fan chart of a kept series (`--keep-series`).
    if let Some(s) = super::fan::section(data, choice.series.as_deref(), &metric)? {
        page.sections.push(s);
    }

    // Scheme comparison.
    let schemes: Vec<usize> = (0..data.axes.len())
        .filter(|&a| data.axes[a].is_scheme())
        .collect();
    if !schemes.is_empty() {
        let mut blocks = Vec::new();
        for &a in &schemes {
            let axis = &data.axes[a];
            let values = values_by(data, a, m);
            let boxes: Vec<Option<BoxStats>> = values.iter().map(|v| BoxStats::of(v)).collect();
            let colors: Vec<RGBColor> = (0..axis.values.len()).map(series_color).collect();
            let t = format!("Distribution of {mshort} by {}", short_axis(&axis.name));
            let mut f = Frame::new(&t, axis.name.clone(), axis_desc(&mlabel, &mshort));
            f.size = (if axis.values.len() > 4 { WIDE } else { HALF }, 440);
            blocks.push(chart(
                &t,
                format!("Every {} with each scheme, whatever the other axes: the box holds the middle half of the {unit}, the line is the median, the whiskers reach the extremes.", unit.trim_end_matches('s')),
                box_plot(f, &axis.values, &boxes, &colors)?,
                axis.values.len() > 4,
            ));
        }
        page.sections.push(Section {
            heading: "Reward schemes compared".into(),
            intro: format!("The spread of {mshort} across replications for each reward scheme: a scheme whose box sits lower and tighter is more reliably fair.").replace(
                "lower",
                if direction == Direction::HigherIsFairer { "higher" } else { "lower" },
            ),
            blocks,
            columns: 2,
        });
    }

    // Cost of honesty, for a sweep over verification regimes.
    if let Some(section) = super::honesty::honesty_section(data)? {
        page.sections.push(section);
    }

    // Sensitivity indices (mirage sensitivity), when the sweep has them.
    match read_sensitivity(&data.dir) {
        Ok(Some(rows)) => page.sections.push(sensitivity_section(&rows)?),
        Ok(None) => {}
        Err(e) => page.sections.push(Section {
            heading: "Which parameter matters".into(),
            intro: String::new(),
            blocks: vec![Block::Note(format!(
                "sensitivity.csv could not be read: {e:#}"
            ))],
            columns: 2,
        }),
    }

    // Table.
    page.sections.push(Section {
        heading: format!("All points, sorted by mean {mshort}"),
        intro: if pts.len() > MAX_ROWS {
            format!(
                "The {} points with the lowest and the {} with the highest mean, of {} points in all; every point is in {}.",
                MAX_ROWS / 2,
                MAX_ROWS / 2,
                pts.len(),
                if data.dir.join("points.csv").is_file() { "points.csv" } else { "runs.csv" }
            )
        } else {
            "One row per parameter combination; the interval is the 95% confidence interval of the mean over its replications (empty with one replication).".into()
        },
        blocks: vec![Block::Html(points_table(data, &metric, &pts))],
        columns: 2,
    });
    Ok(page)
}

/// A vertical axis' description: the metric's label, or its short name
/// when the label would not fit along a chart's height (a fairness.json
/// path), cut to fit.
fn axis_desc(label: &str, short: &str) -> String {
    const FITS: usize = 44;
    let text = if label.chars().count() <= FITS {
        label
    } else {
        short
    };
    if text.chars().count() <= FITS {
        text.to_string()
    } else {
        text.chars().take(FITS - 1).collect::<String>() + "…"
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn axis_chart(
    data: &SweepData,
    m: usize,
    a: usize,
    g: Option<usize>,
    mlabel: &str,
    mshort: &str,
    only: bool,
) -> Result<Block> {
    let axis = &data.axes[a];
    let numeric = axis.numeric.as_ref().filter(|n| n.len() > 1);
    let pos = |i: usize| numeric.map_or(i as f64, |n| n[i]);
    let keys: Vec<usize> = g.map_or_else(|| vec![a], |g| vec![a, g]);
    let groups = group_by(data, &keys, m);
    let n_groups = g.map_or(1, |g| data.axes[g].values.len());
    let mut lines = Vec::new();
    for gi in 0..n_groups {
        let mut pts: Vec<(f64, Summary)> = (0..axis.values.len())
            .filter_map(|i| {
                let key = if g.is_some() { vec![i, gi] } else { vec![i] };
                groups.get(&key).map(|s| (pos(i), *s))
            })
            .collect();
        pts.sort_by(|p, q| p.0.total_cmp(&q.0));
        if pts.is_empty() {
            continue;
        }
        let label = g.map_or_else(
            || format!("mean {mshort}"),
            |g| {
                format!(
                    "{} = {}",
                    short_axis(&data.axes[g].name),
                    data.axes[g].values[gi]
                )
            },
        );
        let mut l = Line::new(
            label,
            series_color(gi),
            pts.iter().map(|(x, s)| (*x, s.mean)).collect(),
        );
        l.band = pts
            .iter()
            .filter(|(_, s)| s.half_width.is_some())
            .map(|(x, s)| (*x, s.low(), s.high()))
            .collect();
        l.markers = pts.len() <= 40;
        lines.push(l);
    }
    let t = format!("Mean {mshort} vs {}", short_axis(&axis.name));
    let mut f = Frame::new(&t, axis.name.clone(), axis_desc(mlabel, mshort));
    if numeric.is_none() {
        f.x_ticks = Ticks::Categories(axis.values.clone());
        f.x = (-0.5, axis.values.len() as f64 - 0.5);
    }
    if only {
        f.size = (WIDE, 420);
    }
    if g.is_none() {
        // One line: its legend entry explains the band.
        f.legend = vec![];
    }
    let others: Vec<&str> = (0..data.axes.len())
        .filter(|&o| o != a && Some(o) != g)
        .map(|o| data.axes[o].name.as_str())
        .collect();
    Ok(chart(
        &t,
        format!(
            "Line: mean over {}; shaded: 95% confidence interval{}.",
            if data.points_only { "points" } else { "runs" },
            if others.is_empty() {
                String::new()
            } else {
                format!("; pooled over {}", others.join(", "))
            }
        ),
        line_chart(f, &lines, YRange::Auto)?,
        only,
    ))
}

fn points_table(data: &SweepData, metric: &str, pts: &[super::sweep_stats::PointRow]) -> String {
    let mut header = vec!["#".to_string(), "point".to_string()];
    header.extend(data.axes.iter().map(|a| a.name.clone()));
    header.extend([
        format!("mean {metric}"),
        "95% CI low".into(),
        "95% CI high".into(),
        if data.points_only {
            "points".into()
        } else {
            "runs".into()
        },
    ]);
    let mut numeric = vec![true, false];
    numeric.extend(data.axes.iter().map(|a| a.numeric.is_some()));
    numeric.extend([true; 4]);
    let shown: Vec<usize> = if pts.len() > MAX_ROWS {
        (0..MAX_ROWS / 2)
            .chain(pts.len() - MAX_ROWS / 2..pts.len())
            .collect()
    } else {
        (0..pts.len()).collect()
    };
    let rows: Vec<Vec<String>> = shown
        .into_iter()
        .map(|i| {
            let p = &pts[i];
            let reported = data.point_ci.get(&(p.id.clone(), metric.to_string()));
            let (mean, low, high) = match reported {
                Some(r) if r.mean.is_some() => (r.mean, r.low, r.high),
                _ => (
                    Some(p.summary.mean),
                    p.summary.half_width.map(|_| p.summary.low()),
                    p.summary.half_width.map(|_| p.summary.high()),
                ),
            };
            let f = |v: Option<f64>| {
                v.map_or(String::new(), |x| {
                    if x.abs() >= 1000.0 {
                        format!("{x:.1}")
                    } else {
                        format!("{x:.4}")
                    }
                })
            };
            let mut row = vec![(i + 1).to_string(), p.id.clone()];
            row.extend(
                p.at.iter()
                    .zip(&data.axes)
                    .map(|(&k, a)| a.values.get(k).cloned().unwrap_or_default()),
            );
            row.extend([f(mean), f(low), f(high), p.summary.n.to_string()]);
            row
        })
        .collect();
    table(&header, &numeric, &rows)
}
