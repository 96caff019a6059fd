//! Bar-like charts: grouped bars over categories (rewards against
//! contribution by decile) and box plots of a distribution per category
//! (a metric across the runs of each reward scheme). Both draw a fixed
//! number of shapes per category, however many values stand behind them.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::plot::{draw_chart, padded_range, zero_based, Frame, LegendItem, Mark, Ticks, FONT};
use super::style::{fmt_value, INK};

/// Bars of several series side by side over categories.
#[derive(Debug, Clone)]
pub struct BarSeries {
    pub label: String,
    pub color: RGBColor,
    pub values: Vec<f64>,
}

pub fn grouped_bars(
    mut frame: Frame,
    categories: &[String],
    series: &[BarSeries],
) -> Result<String> {
    frame.x = (-0.5, categories.len() as f64 - 0.5);
    frame.x_ticks = Ticks::Categories(categories.to_vec());
    frame.y = zero_based(series.iter().flat_map(|s| s.values.iter().copied()));
    frame.legend = series
        .iter()
        .map(|s| LegendItem::new(s.label.clone(), s.color, Mark::Swatch))
        .collect();
    let k = series.len().max(1) as f64;
    draw_chart(
        &frame,
        |chart| {
            let group = 0.8;
            let w = group / k;
            for (j, s) in series.iter().enumerate() {
                chart.draw_series(s.values.iter().enumerate().map(|(i, &v)| {
                    let x0 = i as f64 - group / 2.0 + j as f64 * w;
                    Rectangle::new([(x0 + 0.02, 0.0), (x0 + w - 0.02, v)], s.color.filled())
                }))?;
            }
            Ok(())
        },
        |_| Ok(()),
    )
}

/// A distribution summarised for a box plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxStats {
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
    pub mean: f64,
    pub n: usize,
}

impl BoxStats {
    /// Summary of the finite values; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let pos = p * (v.len() - 1) as f64;
            let (i, f) = (pos.floor() as usize, pos.fract());
            let next = v.get(i + 1).copied().unwrap_or(v[i]);
            v[i] + (next - v[i]) * f
        };
        Some(Self {
            min: v[0],
            q1: q(0.25),
            median: q(0.5),
            q3: q(0.75),
            max: v[v.len() - 1],
            mean: v.iter().sum::<f64>() / v.len() as f64,
            n: v.len(),
        })
    }
}

/// One box per category, coloured by `colors`.
pub fn box_plot(
    mut frame: Frame,
    categories: &[String],
    boxes: &[Option<BoxStats>],
    colors: &[RGBColor],
) -> Result<String> {
    frame.x = (-0.5, categories.len() as f64 - 0.5);
    frame.x_ticks = Ticks::Categories(categories.to_vec());
    frame.y = padded_range(boxes.iter().flatten().flat_map(|b| [b.min, b.max]), 0.12)
        .unwrap_or((0.0, 1.0));
    frame.legend = vec![
        LegendItem::new("middle 50% of runs", RGBColor(120, 120, 120), Mark::Swatch),
        LegendItem::new("median", INK, Mark::Line),
        LegendItem::new("min–max (whiskers)", RGBColor(120, 120, 120), Mark::Line),
        LegendItem::new("mean (◆)", INK, Mark::Swatch),
    ];
    let y_top = frame.y.1;
    let y_span = frame.y.1 - frame.y.0;
    draw_chart(
        &frame,
        |chart| {
            for (i, b) in boxes.iter().enumerate() {
                let Some(b) = b else { continue };
                let x = i as f64;
                let color = colors.get(i).copied().unwrap_or(INK);
                let hw = 0.28;
                chart.draw_series([
                    PathElement::new(vec![(x, b.min), (x, b.q1)], color.stroke_width(2)),
                    PathElement::new(vec![(x, b.q3), (x, b.max)], color.stroke_width(2)),
                    PathElement::new(
                        vec![(x - hw / 2.0, b.min), (x + hw / 2.0, b.min)],
                        color.stroke_width(2),
                    ),
                    PathElement::new(
                        vec![(x - hw / 2.0, b.max), (x + hw / 2.0, b.max)],
                        color.stroke_width(2),
                    ),
                ])?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - hw, b.q1), (x + hw, b.q3)],
                    color.mix(0.35).filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - hw, b.q1), (x + hw, b.q3)],
                    color.stroke_width(2),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - hw, b.median), (x + hw, b.median)],
                    INK.stroke_width(3),
                )))?;
                let d = y_span * 0.012;
                chart.draw_series(std::iter::once(Polygon::new(
                    vec![
                        (x - 0.03, b.mean),
                        (x, b.mean + d),
                        (x + 0.03, b.mean),
                        (x, b.mean - d),
                    ],
                    INK.filled(),
                )))?;
                chart.draw_series(std::iter::once(Text::new(
                    format!("n = {}, mean {}", b.n, fmt_value(b.mean)),
                    (x, y_top - y_span * 0.02),
                    TextStyle::from((FONT, 15.0).into_font())
                        .color(&INK)
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                )))?;
            }
            Ok(())
        },
        |_| Ok(()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_stats_interpolate_quartiles() {
        let b = BoxStats::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).expect("values");
        assert_eq!(
            (b.min, b.q1, b.median, b.q3, b.max),
            (1.0, 2.0, 3.0, 4.0, 5.0)
        );
        assert_eq!(b.mean, 3.0);
        assert_eq!(BoxStats::of(&[f64::NAN]), None);
        let one = BoxStats::of(&[0.5]).expect("one value");
        assert_eq!((one.q1, one.q3), (0.5, 0.5));
    }
}
