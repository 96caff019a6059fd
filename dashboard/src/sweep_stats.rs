//! Aggregates of a sweep's runs: the mean of a metric with its 95%
//! confidence interval (Student's t) for any grouping of runs by axis
//! values, in one pass over the runs.

use std::collections::HashMap;

use super::sweep_input::{Axis, SweepData};

/// Mean and 95% confidence interval of a group of values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Half-width of the 95% interval; `None` with a single value.
    pub half_width: Option<f64>,
}

impl Summary {
    pub fn low(&self) -> f64 {
        self.mean - self.half_width.unwrap_or(0.0)
    }

    pub fn high(&self) -> f64 {
        self.mean + self.half_width.unwrap_or(0.0)
    }
}

/// Running sums for a mean and variance (Welford).
#[derive(Debug, Clone, Copy, Default)]
pub struct Acc {
    n: usize,
    mean: f64,
    m2: f64,
}

impl Acc {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    pub fn summary(&self) -> Option<Summary> {
        if self.n == 0 {
            return None;
        }
        let half_width = (self.n > 1).then(|| {
            let var = self.m2 / (self.n - 1) as f64;
            t975(self.n - 1) * (var / self.n as f64).sqrt()
        });
        Some(Summary {
            n: self.n,
            mean: self.mean,
            half_width,
        })
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=60 => 2.042 - (2.042 - 2.000) * (df - 30) as f64 / 30.0,
        61..=120 => 2.000 - (2.000 - 1.980) * (df - 60) as f64 / 60.0,
        _ => 1.960,
    }
}

/// Most distinct values a numeric axis is charted with as they are; one
/// with more (a random, Latin or Sobol' design draws a new value per
/// point) is charted in [`AXIS_BINS`] bins.
pub const MAX_CHARTED_VALUES: usize = 40;
/// Bins of an axis with more than [`MAX_CHARTED_VALUES`] values.
pub const AXIS_BINS: usize = 20;

/// `data` for the charts: each numeric axis with more than
/// [`MAX_CHARTED_VALUES`] distinct values replaced by [`AXIS_BINS`] bins
/// holding as many of its values each (within one), labelled by their
/// range and placed at their mean value, and every run's index on it
/// moved to its bin. So a chart's size depends on the bins, not on the
/// number of runs. `None` when no axis needs it (chart `data` as it is).
pub fn binned_for_charts(data: &SweepData) -> Option<SweepData> {
    let bins: Vec<Option<(Axis, Vec<usize>)>> = data.axes.iter().map(bin_axis).collect();
    if bins.iter().all(Option::is_none) {
        return None;
    }
    let mut view = data.clone();
    for (a, bin) in bins.into_iter().enumerate() {
        let Some((axis, of_value)) = bin else {
            continue;
        };
        view.axes[a] = axis;
        for run in &mut view.runs {
            if let Some(i) = run.at.get_mut(a) {
                *i = of_value.get(*i).copied().unwrap_or(0);
            }
        }
    }
    Some(view)
}

/// The binned axis and the bin of each value index, for a numeric axis
/// with too many values to chart one by one (its values are sorted).
fn bin_axis(axis: &Axis) -> Option<(Axis, Vec<usize>)> {
    let numbers = axis.numeric.as_ref()?;
    let n = numbers.len();
    if n <= MAX_CHARTED_VALUES {
        return None;
    }
    // Values sorted ascending (numeric axes are), value i in bin ⌊i·B/n⌋:
    // bin b holds values ⌈b·n/B⌉ up to ⌈(b+1)·n/B⌉ (never empty, n > B).
    let of_value: Vec<usize> = (0..n).map(|i| i * AXIS_BINS / n).collect();
    let mut values = Vec::with_capacity(AXIS_BINS);
    let mut centers = Vec::with_capacity(AXIS_BINS);
    for b in 0..AXIS_BINS {
        let part = &numbers[(b * n).div_ceil(AXIS_BINS)..((b + 1) * n).div_ceil(AXIS_BINS)];
        if let (Some(lo), Some(hi)) = (part.first(), part.last()) {
            values.push(format!("{}–{}", short_number(*lo), short_number(*hi)));
            centers.push(part.iter().sum::<f64>() / part.len() as f64);
        }
    }
    Some((
        Axis {
            name: axis.name.clone(),
            values,
            numeric: Some(centers),
        },
        of_value,
    ))
}

/// A number in four significant digits (a bin edge, an axis value on a
/// card).
pub fn short_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        format!("{x}")
    } else if x.abs() >= 1e6 || x.abs() < 1e-3 {
        format!("{x:.3e}")
    } else {
        let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
        let text = format!("{x:.digits$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    }
}

/// Summaries of metric `m` over runs grouped by their values on `axes`
/// (a key holds one value index per listed axis).
pub fn group_by(data: &SweepData, axes: &[usize], m: usize) -> HashMap<Vec<usize>, Summary> {
    let mut acc: HashMap<Vec<usize>, Acc> = HashMap::new();
    for run in &data.runs {
        let Some(Some(v)) = run.metrics.get(m) else {
            continue;
        };
        let key: Vec<usize> = axes.iter().map(|&a| run.at[a]).collect();
        acc.entry(key).or_default().push(*v);
    }
    acc.into_iter()
        .filter_map(|(k, a)| a.summary().map(|s| (k, s)))
        .collect()
}

/// Values of metric `m` per value of axis `a`.
pub fn values_by(data: &SweepData, a: usize, m: usize) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new(); data.axes[a].values.len()];
    for run in &data.runs {
        if let (Some(Some(v)), Some(&i)) = (run.metrics.get(m), run.at.get(a)) {
            if let Some(slot) = out.get_mut(i) {
                slot.push(*v);
            }
        }
    }
    out
}

/// One point of the sweep: its axis values and the metric over its runs.
#[derive(Debug, Clone)]
pub struct PointRow {
    pub id: String,
    pub at: Vec<usize>,
    pub summary: Summary,
}

/// The points with metric `m`, sorted by its mean (ascending; ties by id).
pub fn points(data: &SweepData, m: usize) -> Vec<PointRow> {
    let mut acc: HashMap<&str, (Vec<usize>, Acc)> = HashMap::new();
    for run in &data.runs {
        let e = acc
            .entry(run.point.as_str())
            .or_insert_with(|| (run.at.clone(), Acc::default()));
        if let Some(Some(v)) = run.metrics.get(m) {
            e.1.push(*v);
        }
    }
    let mut rows: Vec<PointRow> = acc
        .into_iter()
        .filter_map(|(id, (at, a))| {
            a.summary().map(|summary| PointRow {
                id: id.to_string(),
                at,
                summary,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        a.summary
            .mean
            .total_cmp(&b.summary.mean)
            .then_with(|| a.id.cmp(&b.id))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep_input::Run;

    fn sweep(values: usize, runs_per_value: usize) -> SweepData {
        let numbers: Vec<f64> = (0..values).map(|i| 0.1 + i as f64 * 0.01).collect();
        SweepData {
            dir: std::path::PathBuf::new(),
            name: None,
            axes: vec![
                Axis {
                    name: "fees.burn_share".into(),
                    values: numbers.iter().map(|x| x.to_string()).collect(),
                    numeric: Some(numbers),
                },
                Axis {
                    name: "reward.compute.scheme".into(),
                    values: vec!["stake".into(), "yuma".into()],
                    numeric: None,
                },
            ],
            metrics: vec!["gini_rewards".into()],
            runs: (0..values * runs_per_value)
                .map(|r| Run {
                    point: (r / runs_per_value).to_string(),
                    at: vec![r / runs_per_value, r % 2],
                    metrics: vec![Some(r as f64)],
                })
                .collect(),
            points_only: false,
            point_ci: Default::default(),
            runs_with_warnings: None,
            first_chosen_metric: None,
        }
    }

    #[test]
    fn an_axis_with_few_values_is_charted_as_it_is() {
        assert!(binned_for_charts(&sweep(MAX_CHARTED_VALUES, 3)).is_none());
    }

    #[test]
    fn an_axis_with_many_values_is_charted_in_bins_of_equal_count() {
        let data = sweep(10_000, 1);
        let view = binned_for_charts(&data).expect("binned");
        let axis = &view.axes[0];
        assert_eq!(axis.values.len(), AXIS_BINS);
        assert_eq!(axis.values[0], "0.1–5.09");
        assert_eq!(short_number(25_630.865), "25631");
        assert_eq!(short_number(0.004_275_57), "0.004276");
        assert_eq!(short_number(0.0), "0");
        // The other axis and every run's metric are untouched.
        assert_eq!(view.axes[1].values, data.axes[1].values);
        let mut per_bin = vec![0usize; AXIS_BINS];
        for (run, original) in view.runs.iter().zip(&data.runs) {
            assert_eq!(run.metrics, original.metrics);
            assert_eq!(run.at[1], original.at[1]);
            per_bin[run.at[0]] += 1;
        }
        assert!(
            per_bin.iter().all(|&n| n == 10_000 / AXIS_BINS),
            "{per_bin:?}"
        );
        // Bins are placed at their values' mean, ascending.
        let centers = axis.numeric.as_ref().expect("numeric");
        assert!((centers[0] - (0.1 + 0.01 * 249.5)).abs() < 1e-9);
        assert!(centers.windows(2).all(|w| w[0] < w[1]));
        // Bins hold consecutive ranges of values: the largest value of a
        // bin is below the smallest of the next.
        let numbers = data.axes[0].numeric.as_ref().expect("numeric");
        let mut range = vec![(f64::INFINITY, f64::NEG_INFINITY); AXIS_BINS];
        for (run, original) in view.runs.iter().zip(&data.runs) {
            let v = numbers[original.at[0]];
            let r = &mut range[run.at[0]];
            *r = (r.0.min(v), r.1.max(v));
        }
        assert!(range.windows(2).all(|w| w[0].1 < w[1].0), "{range:?}");
        assert_eq!(group_by(&view, &[0], 0).len(), AXIS_BINS);
    }

    #[test]
    fn mean_and_interval_of_a_small_sample() {
        let mut a = Acc::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            a.push(x);
        }
        let s = a.summary().expect("values");
        assert_eq!(s.n, 4);
        assert!((s.mean - 2.5).abs() < 1e-12);
        // sd = 1.29099, se = 0.645497, t(3) = 3.182.
        let hw = s.half_width.expect("n > 1");
        assert!((hw - 3.182 * 0.645_497).abs() < 1e-4, "{hw}");
        let mut one = Acc::default();
        one.push(7.0);
        assert_eq!(one.summary().and_then(|s| s.half_width), None);
        assert_eq!(Acc::default().summary(), None);
    }

    #[test]
    fn t_quantiles_fall_toward_normal() {
        assert!(t975(1) > t975(10) && t975(10) > t975(100) && t975(100) > t975(1000));
        assert_eq!(t975(1000), 1.96);
    }
}
