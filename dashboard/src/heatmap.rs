//! The heatmap of a sweep: one cell per pair of axis values coloured by the
//! metric's mean, with the value printed in the cell when it fits, and a
//! labelled colour scale at the right.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::plot::{draw_chart, Frame, Ticks, FONT, TICK_SIZE};
use super::style::{fmt_value, scale_color, text_on_scale, TickFormat, INK};

/// Width of the colour scale strip, pixels.
const SIDE: u32 = 150;

/// `cells[yi][xi]`: the mean at x category `xi` and y category `yi`.
pub fn heatmap(
    mut frame: Frame,
    x_cats: &[String],
    y_cats: &[String],
    cells: &[Vec<Option<f64>>],
    scale_desc: &str,
) -> Result<String> {
    frame.x = (-0.5, x_cats.len() as f64 - 0.5);
    frame.y = (-0.5, y_cats.len() as f64 - 0.5);
    frame.x_ticks = Ticks::Categories(x_cats.to_vec());
    frame.y_ticks = Ticks::Categories(y_cats.to_vec());
    frame.side = SIDE;
    let (lo, hi) = cells
        .iter()
        .flatten()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (lo, hi) = if lo > hi {
        (0.0, 1.0)
    } else if hi - lo < 1e-12 {
        (lo - 0.5 * lo.abs().max(1e-3), hi + 0.5 * hi.abs().max(1e-3))
    } else {
        (lo, hi)
    };
    let t = |v: f64| (v - lo) / (hi - lo);
    // Print values when a cell is wide and tall enough for them.
    let plot_w = f64::from(frame.size.0.saturating_sub(SIDE)) - 200.0;
    let plot_h = f64::from(frame.size.1) - 140.0;
    let cell_w = plot_w / x_cats.len().max(1) as f64;
    let cell_h = plot_h / y_cats.len().max(1) as f64;
    let annotate = cell_w >= 46.0 && cell_h >= 20.0;
    let font = if cell_w >= 60.0 { TICK_SIZE } else { 14.0 };
    draw_chart(
        &frame,
        |chart| {
            for (yi, row) in cells.iter().enumerate() {
                let y = yi as f64;
                chart.draw_series(row.iter().enumerate().map(|(xi, v)| {
                    let x = xi as f64;
                    let style = match v {
                        Some(v) => scale_color(t(*v)).filled(),
                        None => RGBColor(238, 238, 238).filled(),
                    };
                    Rectangle::new([(x - 0.5, y - 0.5), (x + 0.51, y + 0.51)], style)
                }))?;
                if annotate {
                    chart.draw_series(row.iter().enumerate().map(|(xi, v)| {
                        let (text, color) = match v {
                            Some(v) => (fmt_value(*v), text_on_scale(t(*v))),
                            None => ("no runs".to_string(), &INK),
                        };
                        Text::new(
                            text,
                            (xi as f64, y),
                            TextStyle::from((FONT, font).into_font())
                                .color(color)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        )
                    }))?;
                }
            }
            Ok(())
        },
        |side| {
            let mut bar = ChartBuilder::on(side)
                .margin_top(10)
                .margin_bottom(76)
                .margin_right(8)
                .y_label_area_size(0)
                .right_y_label_area_size(64)
                .build_cartesian_2d(0.0..1.0, lo..hi)?;
            let fmt = TickFormat::new(lo, hi, 6);
            let f = move |v: &f64| fmt.format(*v);
            bar.configure_mesh()
                .disable_mesh()
                .disable_x_axis()
                .y_labels(6)
                .y_label_formatter(&f)
                .label_style(TextStyle::from((FONT, TICK_SIZE).into_font()).color(&INK))
                .axis_desc_style(TextStyle::from((FONT, 15.0).into_font()).color(&INK))
                .draw()?;
            let steps = 64;
            bar.draw_series((0..steps).map(|k| {
                let a = lo + (hi - lo) * k as f64 / steps as f64;
                // Each step overlaps the next a little so no seams show.
                let b = lo + (hi - lo) * (k as f64 + 1.6) / steps as f64;
                let b = b.min(hi);
                Rectangle::new(
                    [(0.0, a), (1.0, b)],
                    scale_color((k as f64 + 0.5) / steps as f64).filled(),
                )
            }))?;
            let (_, h) = side.dim_in_pixel();
            let lines = wrap(scale_desc, SCALE_CHARS, 2);
            let first = i32::try_from(h).unwrap_or(400) - 26 - 18 * lines.len() as i32;
            for (k, line) in lines.iter().enumerate() {
                side.draw(&Text::new(
                    line.clone(),
                    (4, first + 18 * k as i32),
                    TextStyle::from((FONT, 15.0).into_font())
                        .color(&INK)
                        .pos(Pos::new(HPos::Left, VPos::Top)),
                ))?;
            }
            side.draw(&Text::new(
                "grey: no runs".to_string(),
                (4, i32::try_from(h).unwrap_or(400) - 24),
                TextStyle::from((FONT, 14.0).into_font())
                    .color(&INK)
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            ))?;
            Ok(())
        },
    )
}

/// Characters of the colour scale's description per line (its width at
/// 15 px).
const SCALE_CHARS: usize = 17;

/// `text` in lines of at most `width` characters (broken at spaces), at
/// most `max` lines, the last one cut with `…` when the text is longer.
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cut = false;
    for word in text.split_whitespace() {
        let fits = lines
            .last()
            .is_some_and(|cur| cur.chars().count() + 1 + word.chars().count() <= width);
        if fits {
            if let Some(cur) = lines.last_mut() {
                cur.push(' ');
                cur.push_str(word);
            }
        } else if lines.len() == max {
            cut = true;
            break;
        } else {
            lines.push(word.to_string());
        }
    }
    let n = lines.len();
    for (k, line) in lines.iter_mut().enumerate() {
        if line.chars().count() > width || (cut && k + 1 == n) {
            let keep: String = line.chars().take(width - 1).collect();
            *line = keep.trim_end().to_string() + "…";
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn scale_descriptions_wrap_and_are_cut_to_two_lines() {
        assert_eq!(wrap("mean gini", 17, 2), ["mean gini"]);
        assert_eq!(
            wrap("mean Gini of voting power", 17, 2),
            ["mean Gini of", "voting power"]
        );
        let long = wrap("mean top 10pct share of cumulative rewards", 17, 2);
        assert_eq!(long.len(), 2);
        assert!(long[1].ends_with('…'), "{long:?}");
        assert!(long.iter().all(|l| l.chars().count() <= 17), "{long:?}");
    }
}
