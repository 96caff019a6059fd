//! The frame every chart shares (title, legend strip, axes with units and
//! non-overlapping tick labels, white background) and the line and area
//! charts drawn in it. A chart is an inline SVG string.

use anyhow::Result;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{fmt_value, TickFormat, GRID, INK, MUTED};

pub type Ctx<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
pub type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;

pub const FONT: &str = "sans-serif";
/// Plotters divides text sizes by 1.24 in SVG; these are the sizes passed.
pub const TICK_SIZE: f64 = 16.0;
const DESC_SIZE: f64 = 17.0;
const TITLE_SIZE: f64 = 22.0;
const LEGEND_SIZE: f64 = 16.0;
/// Approximate width of a character of tick text, pixels.
const CHAR_W: f64 = 7.6;

/// Full width of the page's content, of a half-width and of a third-width
/// chart, pixels.
pub const WIDE: u32 = 1200;
pub const HALF: u32 = 592;
pub const THIRD: u32 = 389;

/// How an axis labels its ticks.
#[derive(Debug, Clone)]
pub enum Ticks {
    Number,
    /// Values in [0, 1] shown as percentages.
    Percent,
    /// Category `i` sits at `i`; labels at integers only.
    Categories(Vec<String>),
    /// The values drawn are log10 of the data; labels show 10^v.
    Log10,
}

/// The label of a log-axis tick at log10 value `v`: a whole power of ten
/// without decimals (0.01, 1, 100, 10k, 1M, 100B, 1e15), any other value
/// as `fmt_value` writes it.
pub fn log_tick(v: f64) -> String {
    let k = v.round();
    if !k.is_finite() {
        return fmt_value(10f64.powf(v));
    }
    if (v - k).abs() > 1e-9 {
        // Between powers of ten: two significant digits (0.63, 0.25, 16).
        let x = 10f64.powf(v);
        if !(1e-3..100.0).contains(&x) {
            return fmt_value(x);
        }
        let decimals = (1 - x.log10().floor() as i32).max(0) as usize;
        let text = format!("{x:.decimals$}");
        return if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        };
    }
    let k = k as i32;
    match k {
        -3..=-1 => format!("{}", 10f64.powi(k)),
        0..=3 => format!("{}", 10i64.pow(k as u32)),
        4..=5 => format!("{}k", 10i64.pow(k as u32 - 3)),
        6..=8 => format!("{}M", 10i64.pow(k as u32 - 6)),
        9..=11 => format!("{}B", 10i64.pow(k as u32 - 9)),
        _ => format!("1e{k}"),
    }
}

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Line,
    Dashed,
    Swatch,
}

#[derive(Debug, Clone)]
pub struct LegendItem {
    pub label: String,
    pub color: RGBColor,
    pub mark: Mark,
}

impl LegendItem {
    pub fn new(label: impl Into<String>, color: RGBColor, mark: Mark) -> Self {
        Self {
            label: label.into(),
            color,
            mark,
        }
    }
}

/// What a chart says around its data.
#[derive(Debug, Clone)]
pub struct Frame {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub x_ticks: Ticks,
    pub y_ticks: Ticks,
    pub legend: Vec<LegendItem>,
    pub size: (u32, u32),
    /// Pixels kept free at the right (a colour scale).
    pub side: u32,
}

impl Frame {
    pub fn new(
        title: impl Into<String>,
        x_desc: impl Into<String>,
        y_desc: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            x_desc: x_desc.into(),
            y_desc: y_desc.into(),
            x: (0.0, 1.0),
            y: (0.0, 1.0),
            x_ticks: Ticks::Number,
            y_ticks: Ticks::Number,
            legend: Vec::new(),
            size: (HALF, 400),
            side: 0,
        }
    }
}

/// Range of finite values padded by `pad` of its span (a flat series gets a
/// unit span); `None` when there are no finite values.
pub fn padded_range(values: impl IntoIterator<Item = f64>, pad: f64) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return None;
    }
    if hi - lo < 1e-12 * hi.abs().max(1.0) {
        let d = if hi.abs() > 0.0 { hi.abs() * 0.1 } else { 1.0 };
        return Some((lo - d, hi + d));
    }
    let d = (hi - lo) * pad;
    Some((lo - d, hi + d))
}

/// Like `padded_range` but starting at zero when all values are
/// non-negative (counts, amounts, coefficients).
pub fn zero_based(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    match padded_range(values, 0.06) {
        Some((lo, hi)) if lo < 0.0 && hi > 0.0 && hi > -lo * 20.0 => (0.0, hi),
        Some((lo, hi)) if lo >= 0.0 || hi <= 0.0 => (lo.min(0.0), hi.max(0.0)),
        Some(r) => r,
        None => (0.0, 1.0),
    }
}

fn category_label(cats: &[String], v: f64) -> String {
    let r = v.round();
    if (v - r).abs() > 1e-6 || r < 0.0 {
        return String::new();
    }
    cats.get(r as usize).cloned().unwrap_or_default()
}

/// Maximum number of tick labels that fit along `pixels` for labels of
/// `chars` characters.
fn label_budget(pixels: f64, chars: usize, horizontal: bool, gap: f64) -> usize {
    let per = if horizontal {
        chars as f64 * CHAR_W + gap
    } else {
        34.0
    };
    ((pixels / per).floor() as usize).clamp(2, 12)
}

struct TickPlan {
    count: usize,
    format: Box<dyn Fn(&f64) -> String>,
    widest: usize,
}

fn plan_ticks(ticks: &Ticks, range: (f64, f64), pixels: f64, horizontal: bool) -> TickPlan {
    match ticks {
        Ticks::Categories(cats) => {
            let widest = cats.iter().map(|c| c.chars().count()).max().unwrap_or(1);
            let budget = label_budget(pixels, widest, horizontal, 10.0);
            let cats = cats.clone();
            TickPlan {
                count: cats.len().clamp(1, budget.max(1)),
                widest,
                format: Box::new(move |v| category_label(&cats, *v)),
            }
        }
        Ticks::Log10 => {
            let widest = [range.0, range.1]
                .iter()
                .map(|&v| log_tick(v).chars().count() + 1)
                .max()
                .unwrap_or(4);
            let count = label_budget(pixels, widest, horizontal, 24.0).min(10);
            TickPlan {
                count,
                widest,
                format: Box::new(|v| log_tick(*v)),
            }
        }
        Ticks::Number | Ticks::Percent => {
            let pct = matches!(ticks, Ticks::Percent);
            let mk = |n| {
                if pct {
                    TickFormat::percent(range.0, range.1, n)
                } else {
                    TickFormat::new(range.0, range.1, n)
                }
            };
            let probe = mk(8);
            let widest = [range.0, range.1, (range.0 + range.1) / 2.0]
                .iter()
                .map(|&v| probe.format(v).chars().count() + 1)
                .max()
                .unwrap_or(4);
            let count = label_budget(pixels, widest, horizontal, 24.0).min(10);
            let f = mk(count);
            TickPlan {
                count,
                widest,
                format: Box::new(move |v| f.format(*v)),
            }
        }
    }
}

/// Draws the legend in rows across `area`; returns nothing.
fn draw_legend(area: &Area<'_>, items: &[LegendItem]) -> Result<()> {
    let width = f64::from(area.dim_in_pixel().0);
    let (mut x, mut y) = (0.0f64, 10.0f64);
    for item in items {
        let w = entry_width(item);
        if x > 0.0 && x + w > width {
            x = 0.0;
            y += 22.0;
        }
        let (xi, yi) = (x as i32, y as i32);
        match item.mark {
            Mark::Line => area.draw(&PathElement::new(
                vec![(xi, yi), (xi + 22, yi)],
                item.color.stroke_width(3),
            ))?,
            Mark::Dashed => {
                for k in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(xi + k * 8, yi), (xi + k * 8 + 5, yi)],
                        item.color.stroke_width(2),
                    ))?;
                }
            }
            Mark::Swatch => area.draw(&Rectangle::new(
                [(xi + 3, yi - 7), (xi + 19, yi + 7)],
                item.color.filled(),
            ))?,
        }
        area.draw(&Text::new(
            item.label.clone(),
            (xi + 28, yi),
            TextStyle::from((FONT, LEGEND_SIZE).into_font())
                .color(&INK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        x += w;
    }
    Ok(())
}

fn entry_width(item: &LegendItem) -> f64 {
    28.0 + item.label.chars().count() as f64 * CHAR_W + 22.0
}

fn legend_rows(items: &[LegendItem], width: f64) -> u32 {
    if items.is_empty() {
        return 0;
    }
    let (mut rows, mut x) = (1, 0.0);
    for item in items {
        let w = entry_width(item);
        if x > 0.0 && x + w > width {
            rows += 1;
            x = 0.0;
        }
        x += w;
    }
    rows
}

/// Draws the frame and calls `body` to draw the data in chart coordinates
/// and `side` on the strip kept at the right. Returns the SVG text.
pub fn draw_chart<B, S>(frame: &Frame, body: B, side: S) -> Result<String>
where
    B: FnOnce(&mut Ctx<'_, '_>) -> Result<()>,
    S: FnOnce(&Area<'_>) -> Result<()>,
{
    let mut svg = String::new();
    {
        let (w, h) = frame.size;
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let (title, rest) = root.split_vertically(36);
        // Long titles on narrow charts get a smaller font rather than clipped.
        let fit = (f64::from(w) - 24.0) / (frame.title.chars().count().max(1) as f64 * 0.62);
        title.draw(&Text::new(
            frame.title.clone(),
            (12, 12),
            TextStyle::from(
                (FONT, TITLE_SIZE.min(fit * 1.24).max(14.0), FontStyle::Bold).into_font(),
            )
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
        let rows = legend_rows(&frame.legend, f64::from(w) - 90.0);
        let (legend, rest) = rest.split_vertically(if rows == 0 { 4 } else { rows * 22 + 6 });
        if rows > 0 {
            draw_legend(&legend.margin(0, 0, 76, 12), &frame.legend)?;
        }
        let (plot, side_area) = rest.split_horizontally(w.saturating_sub(frame.side));

        let plot_w = f64::from(w.saturating_sub(frame.side)) - 100.0;
        let plot_h = f64::from(h) - 130.0 - f64::from(rows * 22);
        let xp = plan_ticks(&frame.x_ticks, frame.x, plot_w, true);
        let yp = plan_ticks(&frame.y_ticks, frame.y, plot_h.max(80.0), false);
        let y_area = (yp.widest as f64 * CHAR_W + 34.0).clamp(56.0, 200.0) as u32;

        let mut chart = ChartBuilder::on(&plot)
            .margin_left(8)
            .margin_right(22)
            .margin_top(6)
            .margin_bottom(6)
            .x_label_area_size(52)
            .y_label_area_size(y_area)
            .build_cartesian_2d(frame.x.0..frame.x.1, frame.y.0..frame.y.1)?;
        let label_style = TextStyle::from((FONT, TICK_SIZE).into_font()).color(&INK);
        let desc_style = TextStyle::from((FONT, DESC_SIZE).into_font()).color(&INK);
        chart
            .configure_mesh()
            .x_labels(xp.count)
            .y_labels(yp.count)
            .x_label_formatter(&xp.format)
            .y_label_formatter(&yp.format)
            .x_desc(frame.x_desc.clone())
            .y_desc(frame.y_desc.clone())
            .label_style(label_style)
            .axis_desc_style(desc_style)
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .max_light_lines(0)
            .axis_style(MUTED)
            .draw()?;
        body(&mut chart)?;
        side(&side_area)?;
        root.present()?;
    }
    Ok(svg)
}

/// A line, with an optional shaded band (e.g. a 95% confidence interval).
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
    /// (x, low, high) in x order.
    pub band: Vec<(f64, f64, f64)>,
    pub dashed: bool,
    pub markers: bool,
    pub width: u32,
}

impl Line {
    pub fn new(label: impl Into<String>, color: RGBColor, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.into(),
            color,
            points,
            band: Vec::new(),
            dashed: false,
            markers: false,
            width: 2,
        }
    }
}

/// Thins a long series to at most `max` points (every k-th, keeping the
/// last) so that a long run does not bloat the page.
pub fn thin(points: Vec<(f64, f64)>, max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max || max < 2 {
        return points;
    }
    let step = points.len().div_ceil(max);
    let last = points.len() - 1;
    points
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i == last)
        .map(|(_, p)| p)
        .collect()
}

/// Splits a series with gaps (`None`) into contiguous runs of points.
pub fn segments(xs: &[f64], ys: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (&x, y) in xs.iter().zip(ys) {
        match y {
            Some(y) if y.is_finite() => cur.push((x, *y)),
            _ => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Draws lines (bands first, so lines stay on top).
pub fn draw_lines(chart: &mut Ctx<'_, '_>, lines: &[Line]) -> Result<()> {
    for l in lines.iter().filter(|l| l.band.len() >= 2) {
        let mut poly: Vec<(f64, f64)> = l.band.iter().map(|&(x, lo, _)| (x, lo)).collect();
        poly.extend(l.band.iter().rev().map(|&(x, _, hi)| (x, hi)));
        chart.draw_series(std::iter::once(Polygon::new(
            poly,
            l.color.mix(0.18).filled(),
        )))?;
    }
    for l in lines {
        let style = l.color.stroke_width(l.width);
        if l.dashed && l.points.len() >= 2 {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                l.points.clone(),
                6,
                5,
                style,
            )))?;
        } else if l.points.len() >= 2 {
            chart.draw_series(LineSeries::new(l.points.iter().copied(), style))?;
        }
        if l.markers || l.points.len() == 1 {
            chart.draw_series(
                l.points
                    .iter()
                    .map(|&p| Circle::new(p, 4, l.color.filled())),
            )?;
        }
    }
    Ok(())
}

/// Legend entries of lines (one per distinct label).
pub fn legend_of(lines: &[Line]) -> Vec<LegendItem> {
    let mut out: Vec<LegendItem> = Vec::new();
    for l in lines {
        if l.label.is_empty() || out.iter().any(|i| i.label == l.label) {
            continue;
        }
        let mark = if l.dashed { Mark::Dashed } else { Mark::Line };
        out.push(LegendItem::new(l.label.clone(), l.color, mark));
    }
    out
}

/// How a line chart chooses its vertical range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YRange {
    /// From the data, padded.
    Auto,
    /// From zero (or below, for negative data) to the data's maximum.
    Zero,
    Fixed(f64, f64),
}

/// A line chart: the x range is the data's; a legend is added when more
/// than one line has a label.
pub fn line_chart(mut frame: Frame, lines: &[Line], y: YRange) -> Result<String> {
    if frame.legend.is_empty() && lines.iter().filter(|l| !l.label.is_empty()).count() > 1 {
        frame.legend = legend_of(lines);
    }
    if matches!(frame.x_ticks, Ticks::Number | Ticks::Percent) {
        // Markers at the ends need room; continuous series end at the frame.
        let pad = if lines.iter().any(|l| l.markers) {
            0.04
        } else {
            0.0
        };
        let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        frame.x = padded_range(xs, pad).unwrap_or((0.0, 1.0));
    }
    let ys: Vec<f64> = lines
        .iter()
        .flat_map(|l| {
            l.points
                .iter()
                .map(|p| p.1)
                .chain(l.band.iter().flat_map(|b| [b.1, b.2]))
        })
        .collect();
    frame.y = match y {
        YRange::Auto => padded_range(ys, 0.08).unwrap_or((0.0, 1.0)),
        YRange::Zero => zero_based(ys),
        YRange::Fixed(lo, hi) => (lo, hi),
    };
    draw_chart(&frame, |c| draw_lines(c, lines), |_| Ok(()))
}

/// One band of a stacked area chart: (x, share) points.
#[derive(Debug, Clone)]
pub struct Layer {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
}

/// A stacked area chart of shares: `layers[k]` holds (x, share) with the
/// same x in every layer; shares at an x sum to at most 1.
pub fn stacked_shares(mut frame: Frame, layers: &[Layer]) -> Result<String> {
    frame.legend = layers
        .iter()
        .map(|l| LegendItem::new(l.label.clone(), l.color, Mark::Swatch))
        .collect();
    let xs = layers.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    frame.x = padded_range(xs, 0.0).unwrap_or((0.0, 1.0));
    frame.y = (0.0, 1.0);
    frame.y_ticks = Ticks::Percent;
    draw_chart(
        &frame,
        |chart| {
            let n = layers.first().map_or(0, |l| l.points.len());
            let mut base = vec![0.0; n];
            for Layer {
                color, points: pts, ..
            } in layers
            {
                if pts.len() != n || n < 2 {
                    continue;
                }
                let top: Vec<(f64, f64)> = pts
                    .iter()
                    .zip(&base)
                    .map(|(p, b)| (p.0, (b + p.1).min(1.0)))
                    .collect();
                let mut poly = top.clone();
                poly.extend(pts.iter().zip(&base).rev().map(|(p, b)| (p.0, *b)));
                chart.draw_series(std::iter::once(Polygon::new(
                    poly,
                    color.mix(0.85).filled(),
                )))?;
                for (b, t) in base.iter_mut().zip(&top) {
                    *b = t.1;
                }
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
    fn log_ticks_are_round_powers_of_ten() {
        let labels: Vec<String> = [-2.0, 0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, -4.0]
            .iter()
            .map(|&v| log_tick(v))
            .collect();
        assert_eq!(
            labels,
            ["0.01", "1", "100", "10k", "1M", "100M", "10B", "1e12", "1e-4"]
        );
        let between: Vec<String> = [-0.2, -0.4, -0.6, -0.8, -1.2, -1.4, 0.4, 1.2]
            .iter()
            .map(|&v| log_tick(v))
            .collect();
        assert_eq!(
            between,
            ["0.63", "0.4", "0.25", "0.16", "0.063", "0.04", "2.5", "16"]
        );
    }

    #[test]
    fn ranges_pad_and_start_at_zero() {
        assert_eq!(zero_based([2.0, 4.0]).0, 0.0);
        assert!(zero_based([2.0, 4.0]).1 > 4.0);
        assert_eq!(padded_range([f64::NAN], 0.1), None);
        let (lo, hi) = padded_range([3.0, 3.0], 0.1).expect("flat");
        assert!(lo < 3.0 && hi > 3.0);
    }

    #[test]
    fn thinning_keeps_the_last_point() {
        let pts: Vec<(f64, f64)> = (0..1001).map(|i| (f64::from(i), 0.0)).collect();
        let t = thin(pts, 100);
        assert!(t.len() <= 102);
        assert_eq!(t.last().map(|p| p.0), Some(1000.0));
    }

    #[test]
    fn gaps_split_series() {
        let s = segments(
            &[0.0, 1.0, 2.0, 3.0],
            &[Some(1.0), None, Some(2.0), Some(3.0)],
        );
        assert_eq!(s, vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
    }

    #[test]
    fn a_chart_is_an_svg_with_its_title_and_legend() {
        let lines = vec![
            Line::new(
                "a",
                super::super::style::series_color(0),
                vec![(0.0, 1.0), (1.0, 2.0)],
            ),
            Line::new(
                "b",
                super::super::style::series_color(1),
                vec![(0.0, 2.0), (1.0, 1.0)],
            ),
        ];
        let svg = line_chart(
            Frame::new("Title & co", "x (units)", "y (units)"),
            &lines,
            YRange::Zero,
        )
        .expect("draws");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Title &amp; co"));
        assert!(svg.contains(">\na\n</text>"), "{svg}");
    }
}
