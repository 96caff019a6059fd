//! The dashboard's look: colours (a colour-blind-safe palette per role and
//! per series, the heatmap's colour scale), display names of roles and
//! metrics with their units, and number formatting for ticks and cards.

use plotters::style::RGBColor;

/// Okabe–Ito colours, distinguishable with the common colour-vision
/// deficiencies, in the order series take them.
pub const SERIES: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(170, 150, 0),
];

/// The "all agents" series and text.
pub const INK: RGBColor = RGBColor(34, 34, 34);
/// Reference lines (equality, contribution bars).
pub const MUTED: RGBColor = RGBColor(150, 150, 150);
pub const GRID: RGBColor = RGBColor(232, 232, 232);

/// The roles of the simulator, in display order.
pub const ROLES: [&str; 6] = [
    "compute_provider",
    "data_provider",
    "validator",
    "speculator",
    "investor",
    "holder",
];

/// A role's colour: fixed for known roles so that every chart agrees.
pub fn role_color(role: &str) -> RGBColor {
    match ROLES.iter().position(|r| *r == role) {
        Some(i) => SERIES[i],
        None => {
            let h = role
                .bytes()
                .fold(0usize, |a, b| a.wrapping_add(usize::from(b)));
            SERIES[6 + h % 2]
        }
    }
}

/// A series colour by index.
pub fn series_color(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// Plural display name of a role ("compute providers").
pub fn role_label(role: &str) -> String {
    match role {
        "compute_provider" => "compute providers".into(),
        "data_provider" => "data providers".into(),
        "validator" => "validators".into(),
        "speculator" => "speculators".into(),
        "investor" => "investors / team".into(),
        "holder" => "holders".into(),
        other => other.replace('_', " "),
    }
}

/// Orders roles: known roles first in `ROLES` order, then others by name.
pub fn role_rank(role: &str) -> (usize, String) {
    (
        ROLES.iter().position(|r| *r == role).unwrap_or(ROLES.len()),
        role.to_string(),
    )
}

/// Which way a metric is better, for the wording of summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    LowerIsFairer,
    HigherIsFairer,
    Neutral,
}

/// Display name with units of a sweep metric column (from the column
/// schema; a fairness.json path shows as itself), and its direction.
pub fn metric_label(metric: &str) -> (String, Direction) {
    let label = match mirage_analysis::schema::metric_column(metric) {
        Some(c) => c.label(),
        None => match mirage_analysis::schema::fairness_label(metric) {
            Some(l) => format!("{l} (fairness.json {metric})"),
            None => metric.replace('_', " "),
        },
    };
    (label, metric_direction(metric))
}

/// Whether a larger value of `metric` is fairer, less fair, or neither.
fn metric_direction(metric: &str) -> Direction {
    let last = metric.rsplit('.').next().unwrap_or(metric);
    let lower = [
        "gini",
        "hhi",
        "misallocation",
        "theil",
        "atkinson",
        "top_",
        "palma",
        "rubber_stamp",
    ];
    let higher = ["nakamoto", "bottom_40", "jain", "entropy"];
    if higher.iter().any(|k| last.contains(k)) {
        Direction::HigherIsFairer
    } else if lower.iter().any(|k| last.contains(k)) {
        Direction::LowerIsFairer
    } else {
        Direction::Neutral
    }
}

/// Short metric name for legends and table headers: the schema's meaning.
pub fn metric_short(metric: &str) -> String {
    match mirage_analysis::schema::metric_column(metric) {
        Some(c) => c.meaning.to_string(),
        None => mirage_analysis::schema::fairness_label(metric)
            .unwrap_or_else(|| metric.replace('_', " ")),
    }
}

/// The heatmap's colour scale (viridis, sampled at five stops and
/// interpolated): dark purple for low values, yellow for high ones.
pub fn scale_color(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (68, 1, 84),
        (59, 82, 139),
        (33, 145, 140),
        (94, 201, 98),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (STOPS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(STOPS.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Whether text on a scale colour should be white (dark cells) or black.
pub fn text_on_scale(t: f64) -> &'static RGBColor {
    const WHITE: RGBColor = RGBColor(255, 255, 255);
    if t < 0.55 {
        &WHITE
    } else {
        &INK
    }
}

/// Formats a value for a card or a table: three significant digits for
/// small numbers, thousands and millions abbreviated.
pub fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if v.fract() == 0.0 && a < 1e4 {
        format!("{v:.0}")
    } else if a >= 1e12 {
        // Beyond billions: a mantissa and an exponent (5.3e12), never a
        // number too long for its card.
        format!("{v:.1e}")
    } else if a >= 1e9 {
        format!("{:.2}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.001 {
        format!("{v:.3}")
    } else {
        format!("{v:.2e}")
    }
}

/// Formats a share in [0, 1] as a percentage.
pub fn fmt_pct(share: f64) -> String {
    if !share.is_finite() {
        return "n/a".into();
    }
    let p = share * 100.0;
    if p.abs() >= 1e4 {
        // A huge change stays short enough for its card (+9.9e13%).
        format!("{}%", fmt_value(p))
    } else if p != 0.0 && p.abs() < 0.1 {
        format!("{p:.2}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Tick labels for an axis spanning `lo..hi` with about `n` ticks: as few
/// decimals as the tick spacing needs, large numbers abbreviated (k, M, B).
#[derive(Debug, Clone, Copy)]
pub struct TickFormat {
    scale: f64,
    suffix: &'static str,
    decimals: usize,
    percent: bool,
}

impl TickFormat {
    pub fn new(lo: f64, hi: f64, n: usize) -> Self {
        let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
        let step = nice_step(span / n.max(1) as f64);
        let top = lo.abs().max(hi.abs());
        let (scale, suffix) = if top >= 1e9 {
            (1e9, "B")
        } else if top >= 1e6 {
            (1e6, "M")
        } else if top >= 1e4 {
            (1e3, "k")
        } else {
            (1.0, "")
        };
        let decimals = (-(step / scale).log10().floor()).clamp(0.0, 8.0) as usize;
        Self {
            scale,
            suffix,
            decimals,
            percent: false,
        }
    }

    /// Values in [0, 1] shown as percentages ("25%").
    pub fn percent(lo: f64, hi: f64, n: usize) -> Self {
        let mut f = Self::new(lo * 100.0, hi * 100.0, n);
        f.scale = 0.01;
        f.suffix = "%";
        f.percent = true;
        f
    }

    pub fn format(&self, v: f64) -> String {
        let x = if self.percent {
            v * 100.0
        } else {
            v / self.scale
        };
        if x.abs() < 1e-12 * (1.0 + 1.0 / self.scale) {
            return if self.percent {
                "0%".into()
            } else {
                "0".into()
            };
        }
        format!("{x:.*}{}", self.decimals, self.suffix)
    }
}

/// The 1-2-5 step not smaller than `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let m = raw / mag;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_use_as_few_decimals_as_the_spacing_needs() {
        assert_eq!(TickFormat::new(0.0, 1.0, 5).format(0.4), "0.4");
        assert_eq!(TickFormat::new(0.0, 0.05, 5).format(0.02), "0.02");
        assert_eq!(TickFormat::new(0.0, 300.0, 6).format(150.0), "150");
        assert_eq!(TickFormat::new(0.0, 2.0e8, 5).format(5.0e7), "50M");
        assert_eq!(TickFormat::percent(0.0, 1.0, 5).format(0.25), "25%");
        assert_eq!(TickFormat::new(0.0, 2.0e8, 5).format(0.0), "0");
    }

    #[test]
    fn values_are_short() {
        assert_eq!(fmt_value(0.53912), "0.539");
        assert_eq!(fmt_value(49.0), "49");
        assert_eq!(fmt_value(4.256), "4.26");
        assert_eq!(fmt_value(82_887_127.3), "82.89M");
        assert_eq!(fmt_value(5.3e12), "5.3e12");
        assert_eq!(fmt_pct(9.86e11), "9.9e13%");
        assert_eq!(fmt_pct(0.6), "60.0%");
        assert_eq!(fmt_value(f64::NAN), "n/a");
    }

    #[test]
    fn scale_runs_dark_to_light() {
        assert_eq!(scale_color(0.0), RGBColor(68, 1, 84));
        assert_eq!(scale_color(1.0), RGBColor(253, 231, 37));
        assert_eq!(scale_color(f64::NAN), RGBColor(68, 1, 84));
    }
}
