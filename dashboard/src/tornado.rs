//! The sensitivity section of the sweep dashboard: when the sweep directory
//! holds a `sensitivity.csv` (written by `mirage sensitivity`), one tornado
//! chart per metric of the total-order Sobol' index ST (or, for a Morris
//! sweep, μ*): horizontal bars, one per axis, sorted by value with the
//! largest on top, and the bootstrap 95% interval as a whisker.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;

use super::html::{slug, Block, Chart, Section};
use super::plot::{draw_chart, zero_based, Frame, Ticks, HALF};
use super::style::{metric_short, series_color, INK};

/// The file `mirage sensitivity` writes.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    pub metric: String,
    pub axis: String,
    pub index: String,
    pub value: f64,
    pub ci: Option<(f64, f64)>,
}

/// The rows of `dir/sensitivity.csv`, or `None` when there is none.
pub fn read_sensitivity(dir: &Path) -> Result<Option<Vec<SensitivityRow>>> {
    let path = dir.join(SENSITIVITY_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("cannot read {}", path.display()))?
        .iter()
        .map(String::from)
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|c| c == name)
            .with_context(|| format!("{} has no column {name}", path.display()))
    };
    let cols = [
        col("metric")?,
        col("axis")?,
        col("index")?,
        col("value")?,
        col("ci_low")?,
        col("ci_high")?,
    ];
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("cannot read {}", path.display()))?;
        let cell = |k: usize| record.get(cols[k]).unwrap_or("");
        let num = |k: usize| cell(k).parse::<f64>().ok().filter(|v| v.is_finite());
        let Some(value) = num(3) else {
            anyhow::bail!(
                "{} line {}: value {:?} is not a number",
                path.display(),
                i + 2,
                cell(3)
            );
        };
        rows.push(SensitivityRow {
            metric: cell(0).to_string(),
            axis: cell(1).to_string(),
            index: cell(2).to_string(),
            value,
            ci: num(4).zip(num(5)),
        });
    }
    Ok(Some(rows))
}

/// The tornado section of the sensitivity rows (ST, else μ*), or a note
/// when `sensitivity.csv` holds neither.
pub fn sensitivity_section(rows: &[SensitivityRow]) -> Result<Section> {
    let index = if rows.iter().any(|r| r.index == "ST") {
        "ST"
    } else {
        "mu_star"
    };
    let (name, what) = if index == "ST" {
        (
            "ST",
            "the total-order Sobol' index ST (Jansen): the share of the metric's variance due to the axis, alone or with others",
        )
    } else {
        (
            "μ*",
            "Morris μ* (Campolongo et al. 2007): the mean absolute elementary effect of the axis, in the metric's units per unit of the axis's range",
        )
    };
    let mut metrics: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.index == index) {
        if !metrics.contains(&r.metric.as_str()) {
            metrics.push(&r.metric);
        }
    }
    let mut blocks = Vec::new();
    for (k, metric) in metrics.iter().enumerate() {
        let mut bars: Vec<&SensitivityRow> = rows
            .iter()
            .filter(|r| r.index == index && r.metric == *metric)
            .collect();
        // Ascending, so that the largest is drawn at the top.
        bars.sort_by(|a, b| {
            a.value
                .total_cmp(&b.value)
                .then_with(|| b.axis.cmp(&a.axis))
        });
        let title = format!("{name} of {}", metric_short(metric));
        blocks.push(Block::Chart(Chart {
            slug: slug(&format!("sensitivity {metric}")),
            title: title.clone(),
            caption: format!(
                "Bars: {name} of {metric} per axis, largest on top; whiskers: bootstrap 95% interval."
            ),
            svg: tornado(&title, name, &bars, series_color(k))?,
            wide: false,
        }));
    }
    if blocks.is_empty() {
        blocks.push(Block::Note(format!(
            "{SENSITIVITY_FILE} holds no ST or mu_star rows to draw."
        )));
    }
    Ok(Section {
        heading: "Which parameter matters".into(),
        intro: format!(
            "From {SENSITIVITY_FILE} (mirage sensitivity): {what}. Every index, with S1, S2, μ and σ, is in the file."
        ),
        blocks,
        columns: 2,
    })
}

/// Horizontal bars of `bars` (ascending) with their intervals.
fn tornado(title: &str, name: &str, bars: &[&SensitivityRow], color: RGBColor) -> Result<String> {
    let labels: Vec<String> = bars.iter().map(|r| r.axis.clone()).collect();
    let mut frame = Frame::new(title, name, "");
    frame.y = (-0.5, bars.len() as f64 - 0.5);
    frame.y_ticks = Ticks::Categories(labels);
    frame.x = zero_based(bars.iter().flat_map(|r| {
        let (lo, hi) = r.ci.unwrap_or((r.value, r.value));
        [r.value, lo, hi]
    }));
    frame.size = (HALF, (bars.len() as u32 * 36 + 180).clamp(300, 900));
    draw_chart(
        &frame,
        |chart| {
            chart.draw_series(bars.iter().enumerate().map(|(i, r)| {
                let y = i as f64;
                Rectangle::new([(0.0, y - 0.32), (r.value, y + 0.32)], color.filled())
            }))?;
            for (i, r) in bars.iter().enumerate() {
                let Some((lo, hi)) = r.ci else { continue };
                let y = i as f64;
                let ink = INK.stroke_width(2);
                chart.draw_series([
                    PathElement::new(vec![(lo, y), (hi, y)], ink),
                    PathElement::new(vec![(lo, y - 0.15), (lo, y + 0.15)], ink),
                    PathElement::new(vec![(hi, y - 0.15), (hi, y + 0.15)], ink),
                ])?;
            }
            Ok(())
        },
        |_| Ok(()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(metric: &str, axis: &str, index: &str, value: f64) -> SensitivityRow {
        SensitivityRow {
            metric: metric.into(),
            axis: axis.into(),
            index: index.into(),
            value,
            ci: Some((value - 0.1, value + 0.1)),
        }
    }

    #[test]
    fn one_tornado_per_metric_of_st() {
        let rows = [
            row("gini_wealth", "a", "S1", 0.2),
            row("gini_wealth", "a", "ST", 0.3),
            row("gini_wealth", "b", "ST", 0.6),
            row("price", "a", "ST", 0.1),
            row("price", "b", "ST", 0.0),
        ];
        let s = sensitivity_section(&rows).expect("section");
        assert_eq!(s.blocks.len(), 2);
        let Block::Chart(c) = &s.blocks[0] else {
            panic!("a chart")
        };
        assert!(c.svg.contains("<svg"), "an SVG");
        let empty = sensitivity_section(&[row("m", "a", "S1", 0.2)]).expect("section");
        assert!(matches!(empty.blocks[0], Block::Note(_)));
    }
}
