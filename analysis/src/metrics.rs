//! The full set of concentration and fairness metrics of one distribution
//! of non-negative amounts (Gini, Theil, Atkinson, HHI, Nakamoto, Lorenz
//! shares, Palma, entropy, Jain), computed from values sorted once, in two
//! O(n) passes over runs of equal values. Sums, Nakamoto thresholds and
//! Lorenz shares are exact integer arithmetic; floats only form the final
//! ratios. Undefined metrics are `None` (JSON `null`), never NaN or ∞.
//!
//! Definitions: `/work/shared/guide/references.md` and the tracker's issue 4
//! (x sorted ascending, n values, μ their mean, s_i = x_i / Σx).

use serde::Serialize;

use crate::decimal::ExactDecimal;
use crate::lorenz::{ratio, LorenzCursor, Position};
use crate::wide::U256;

/// Every metric of one distribution. Serialises to a JSON object with
/// exactly these keys, in this order; undefined values are `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Number of values (the total frequency weight when weighted).
    pub n: u64,
    /// Exact sum, in the input's units (tokens for [`summarize_u64`]).
    pub sum: ExactDecimal,
    /// `sum / n`; `None` only when `n = 0`.
    pub mean: Option<f64>,
    /// Population Gini, Σ_i Σ_j |x_i − x_j| / (2 n² μ).
    pub gini: Option<f64>,
    /// (1/n) Σ (x_i/μ) ln(x_i/μ), with 0·ln 0 = 0.
    pub theil_t: Option<f64>,
    /// (1/n) Σ ln(μ/x_i) (mean log deviation); `None` if some x_i = 0.
    pub theil_l: Option<f64>,
    /// Atkinson index, ε = 0.5.
    pub atkinson_0_5: Option<f64>,
    /// Atkinson index, ε = 1 (1 − geometric mean / μ); `None` if some x_i = 0.
    pub atkinson_1: Option<f64>,
    /// Atkinson index, ε = 2 (1 − harmonic mean / μ); `None` if some x_i = 0.
    pub atkinson_2: Option<f64>,
    /// Herfindahl–Hirschman index Σ s_i².
    pub hhi: Option<f64>,
    /// (hhi − 1/n)/(1 − 1/n); `None` when n = 1.
    pub hhi_normalized: Option<f64>,
    /// Fewest holders with strictly more than 1/3 of the total (exact).
    pub nakamoto_33: Option<u64>,
    /// Fewest holders with strictly more than 1/2 of the total (exact).
    pub nakamoto_50: Option<u64>,
    /// 1 − L(0.99) on the piecewise-linear Lorenz curve.
    pub top_1pct_share: Option<f64>,
    /// 1 − L(0.9).
    pub top_10pct_share: Option<f64>,
    /// L(0.4).
    pub bottom_40pct_share: Option<f64>,
    /// top_10pct_share / bottom_40pct_share; `None` if the bottom 40% hold nothing.
    pub palma: Option<f64>,
    /// Shannon entropy of the shares, −Σ s_i ln s_i, in nats.
    pub entropy: Option<f64>,
    /// Jain's fairness index (Σx)² / (n Σx²).
    pub jain: Option<f64>,
}

/// One metric's value, for rendering without going through JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    Count(u64),
    Exact(ExactDecimal),
    Real(f64),
    Null,
}

impl From<Option<f64>> for MetricValue {
    fn from(v: Option<f64>) -> Self {
        v.map_or(MetricValue::Null, MetricValue::Real)
    }
}

impl From<Option<u64>> for MetricValue {
    fn from(v: Option<u64>) -> Self {
        v.map_or(MetricValue::Null, MetricValue::Count)
    }
}

impl Metrics {
    /// The metrics as (JSON key, value) pairs, in serialisation order.
    pub fn entries(&self) -> Vec<(&'static str, MetricValue)> {
        vec![
            ("n", MetricValue::Count(self.n)),
            ("sum", MetricValue::Exact(self.sum)),
            ("mean", self.mean.into()),
            ("gini", self.gini.into()),
            ("theil_t", self.theil_t.into()),
            ("theil_l", self.theil_l.into()),
            ("atkinson_0_5", self.atkinson_0_5.into()),
            ("atkinson_1", self.atkinson_1.into()),
            ("atkinson_2", self.atkinson_2.into()),
            ("hhi", self.hhi.into()),
            ("hhi_normalized", self.hhi_normalized.into()),
            ("nakamoto_33", self.nakamoto_33.into()),
            ("nakamoto_50", self.nakamoto_50.into()),
            ("top_1pct_share", self.top_1pct_share.into()),
            ("top_10pct_share", self.top_10pct_share.into()),
            ("bottom_40pct_share", self.bottom_40pct_share.into()),
            ("palma", self.palma.into()),
            ("entropy", self.entropy.into()),
            ("jain", self.jain.into()),
        ]
    }

    /// `n` values summing to `sum` (exact) whose shares are undefined.
    fn undefined(n: u64, sum: ExactDecimal, mean: Option<f64>) -> Self {
        Metrics {
            n,
            sum,
            mean,
            gini: None,
            theil_t: None,
            theil_l: None,
            atkinson_0_5: None,
            atkinson_1: None,
            atkinson_2: None,
            hhi: None,
            hhi_normalized: None,
            nakamoto_33: None,
            nakamoto_50: None,
            top_1pct_share: None,
            top_10pct_share: None,
            bottom_40pct_share: None,
            palma: None,
            entropy: None,
            jain: None,
        }
    }
}

/// The full metric set of amounts in base units (e.g. the engine's `u64`
/// balances), in any order. `decimals` places the decimal point for `sum`
/// and `mean` (base units per token = 10^decimals); the other metrics are
/// scale-free. Sorts a copy unless `values` is already ascending.
pub fn summarize_u64(values: &[u64], decimals: u32) -> Metrics {
    if values.windows(2).all(|p| p[0] <= p[1]) {
        return summarize_sorted(values, decimals, None).metrics;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    summarize_sorted(&sorted, decimals, None).metrics
}

/// The Lorenz curve of amounts in any order at `segments + 1` evenly spaced
/// population shares 0, 1/segments, …, 1, as `[p, L(p)]` pairs. `None` when
/// the values sum to zero, there are none, or `segments` is 0 or above
/// [`crate::lorenz::MAX_LORENZ_POINTS`].
pub fn lorenz_u64(values: &[u64], segments: u32) -> Option<Vec<[f64; 2]>> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    summarize_sorted(&sorted, 0, Some(segments)).lorenz?
}

/// One sorted observation: an amount (mantissa at the column's scale) and
/// how many times it counts.
pub(crate) trait Observation: Copy {
    fn value(&self) -> u128;
    fn weight(&self) -> u64;
}

impl Observation for u64 {
    #[inline]
    fn value(&self) -> u128 {
        u128::from(*self)
    }
    #[inline]
    fn weight(&self) -> u64 {
        1
    }
}

impl Observation for u128 {
    #[inline]
    fn value(&self) -> u128 {
        *self
    }
    #[inline]
    fn weight(&self) -> u64 {
        1
    }
}

/// Runs of equal values in a sorted slice, as (value, total weight);
/// runs of zero weight are skipped.
pub(crate) struct Runs<'a, O> {
    rest: &'a [O],
}

pub(crate) fn runs<O: Observation>(sorted: &[O]) -> Runs<'_, O> {
    Runs { rest: sorted }
}

impl<O: Observation> Iterator for Runs<'_, O> {
    type Item = (u128, u64);

    #[inline]
    fn next(&mut self) -> Option<(u128, u64)> {
        loop {
            let (first, tail) = self.rest.split_first()?;
            let x = first.value();
            let mut w = first.weight();
            let mut k = 0;
            while let Some(o) = tail.get(k) {
                if o.value() != x {
                    break;
                }
                w = w.saturating_add(o.weight());
                k += 1;
            }
            self.rest = &tail[k..];
            if w > 0 {
                return Some((x, w));
            }
        }
    }
}

/// Metrics plus the optional Lorenz curve of one sorted distribution.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    pub metrics: Metrics,
    /// `Some` when requested: `Some(None)` when undefined (Σx = 0).
    pub lorenz: Option<Option<Vec<[f64; 2]>>>,
}

/// Summarises observations sorted ascending by value, whose values are
/// mantissas at `scale` (value = mantissa / 10^scale).
pub(crate) fn summarize_sorted<O: Observation>(
    sorted: &[O],
    scale: u32,
    lorenz_segments: Option<u32>,
) -> Summary {
    // Pass 1: n and the exact total.
    let mut n: u64 = 0;
    let mut total = Some(U256::ZERO);
    for (x, w) in runs(sorted) {
        n = n.saturating_add(w);
        total = total.and_then(|t| t.checked_add(weighted(x, w)?));
    }
    let segments = lorenz_segments.filter(|&s| (1..=crate::lorenz::MAX_LORENZ_POINTS).contains(&s));
    let undefined_lorenz = segments.map(|_| None);
    let Some(total) = total else {
        return Summary {
            metrics: Metrics::undefined(n, ExactDecimal::ZERO, None),
            lorenz: undefined_lorenz,
        };
    };
    let sum = ExactDecimal::new(total, scale);
    let nf = n as f64;
    let mean = (n > 0).then(|| sum.to_f64() / nf);
    if n == 0 || total.is_zero() {
        return Summary {
            metrics: Metrics::undefined(n, sum, mean),
            lorenz: undefined_lorenz,
        };
    }

    // Positions along the sorted values where the Lorenz curve is read:
    // 0.4n, 0.9n, 0.99n, then i·n/segments.
    let n128 = u128::from(n);
    let mut positions = vec![
        Position { a: 2 * n128, b: 5 },
        Position { a: 9 * n128, b: 10 },
        Position {
            a: 99 * n128,
            b: 100,
        },
    ];
    if let Some(s) = segments {
        positions.extend((0..=s).map(|i| Position {
            a: u128::from(i) * n128,
            b: u64::from(s),
        }));
    }
    let mut cursor = LorenzCursor::new(&positions);
    let mut nakamoto = [Threshold::new(total, 1, 3), Threshold::new(total, 1, 2)];

    // Pass 2: float sums (in units of μ) and exact cumulative sums.
    let total_f = total.to_f64();
    let mu = total_f / nf;
    let mut gini_acc = 0.0f64;
    let (mut s_rlnr, mut s_lnr, mut s_sqrt, mut s_inv, mut s_r2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut has_zero = false;
    let mut count: u64 = 0;
    let mut below = U256::ZERO;
    for (x, w) in runs(sorted) {
        let wf = w as f64;
        let xf = x as f64;
        // Σ over this run's ranks i = count+1 ..= count+w of (2i − n − 1).
        let rank_weight = 2 * i128::from(count) + i128::from(w) - i128::from(n);
        gini_acc += xf * wf * rank_weight as f64;
        if x == 0 {
            has_zero = true;
        } else {
            let r = xf / mu;
            let lr = r.ln();
            s_rlnr += wf * r * lr;
            s_lnr += wf * lr;
            s_sqrt += wf * r.sqrt();
            s_inv += wf / r;
            s_r2 += wf * r * r;
        }
        cursor.visit(count, below, x, w);
        let Some(next) = weighted(x, w).and_then(|wx| below.checked_add(wx)) else {
            break; // unreachable: the same sum succeeded in pass 1
        };
        for t in &mut nakamoto {
            t.visit(count, below, next, x, w);
        }
        below = next;
        count = count.saturating_add(w);
    }

    let gini = gini_acc / (nf * total_f);
    let theil_t = s_rlnr / nf;
    let ln_n = nf.ln();
    let hhi = s_r2 / (nf * nf);
    let at = cursor.finish();
    let share = |k: usize, b: u64| -> Option<(U256, U256)> {
        let c = (*at.get(k)?)?;
        Some((c, total.checked_mul_u64(b)?))
    };
    let bottom_40 = share(0, 5);
    let top = |k: usize, b: u64| -> Option<f64> {
        let (c, all) = share(k, b)?;
        ratio(all.checked_sub(c)?, all)
    };
    let top_10 = top(1, 10);
    // palma = [(10T − C(0.9n)·10)/(10T)] / [C(0.4n)·5/(5T)] = (10T − C₁)/(2 C₀)
    let palma = share(1, 10)
        .zip(bottom_40)
        .and_then(|((c1, all10), (c0, _))| {
            if c0.is_zero() {
                None
            } else {
                ratio(all10.checked_sub(c1)?, c0.checked_mul_u64(2)?)
            }
        });
    let lorenz = segments.map(|s| {
        (0..=s)
            .map(|i| {
                let (c, all) = share(3 + i as usize, u64::from(s))?;
                Some([f64::from(i) / f64::from(s), ratio(c, all)?])
            })
            .collect::<Option<Vec<_>>>()
    });
    let metrics = Metrics {
        n,
        sum,
        mean,
        gini: unit(gini),
        theil_t: nonneg(theil_t),
        theil_l: (!has_zero).then(|| -s_lnr / nf).and_then(nonneg),
        atkinson_0_5: unit(1.0 - (s_sqrt / nf).powi(2)),
        atkinson_1: (!has_zero).then(|| 1.0 - (s_lnr / nf).exp()).and_then(unit),
        atkinson_2: (!has_zero).then(|| 1.0 - nf / s_inv).and_then(unit),
        hhi: unit(hhi),
        hhi_normalized: (n > 1)
            .then(|| (hhi - 1.0 / nf) / (1.0 - 1.0 / nf))
            .and_then(unit),
        nakamoto_33: nakamoto[0].result(n),
        nakamoto_50: nakamoto[1].result(n),
        top_1pct_share: top(2, 100),
        top_10pct_share: top_10,
        bottom_40pct_share: bottom_40.and_then(|(c, all)| ratio(c, all)),
        palma,
        entropy: finite(ln_n - theil_t).map(|e| e.clamp(0.0, ln_n)),
        jain: unit(nf / s_r2),
    };
    Summary { metrics, lorenz }
}

/// `w · x` exactly.
#[inline]
fn weighted(x: u128, w: u64) -> Option<U256> {
    if w == 1 {
        Some(U256::from_u128(x))
    } else {
        U256::from_u128(x).checked_mul_u64(w)
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// A value that lies in [0, 1] mathematically: rounding noise is clamped.
fn unit(v: f64) -> Option<f64> {
    finite(v).map(|v| v.clamp(0.0, 1.0))
}

/// A value that is ≥ 0 mathematically: rounding noise is clamped.
fn nonneg(v: f64) -> Option<f64> {
    finite(v).map(|v| v.max(0.0))
}

/// Finds the Nakamoto coefficient for "strictly more than num/den of the
/// total" while walking runs upward: the top k holders pass the threshold
/// exactly when the bottom n − k hold strictly less than (den − num)/den of
/// the total, i.e. `below·den < (den − num)·total`, i.e. `below < limit` with
/// `limit = ⌈(den − num)·total / den⌉`. The largest such bottom count m gives
/// k = n − m.
#[derive(Debug)]
struct Threshold {
    limit: Option<U256>,
    bottom: Option<u64>,
}

impl Threshold {
    fn new(total: U256, num: u64, den: u64) -> Self {
        let limit = total
            .checked_mul_u64(den - num)
            .and_then(|r| r.div_rem_u64(den))
            .and_then(|(q, rem)| {
                if rem == 0 {
                    Some(q)
                } else {
                    q.checked_add(U256::from_u64(1))
                }
            });
        Threshold {
            limit,
            bottom: None,
        }
    }

    /// A run of `w` copies of `x` after `count` values summing to `below`;
    /// `after = below + w·x`.
    #[inline]
    fn visit(&mut self, count: u64, below: U256, after: U256, x: u128, w: u64) {
        let Some(limit) = self.limit else { return };
        if self.bottom.is_some() || after < limit {
            return;
        }
        // below < limit <= after: the largest j in [0, w) with
        // below + j·x < limit (x > 0 here since after > below).
        let fits = |j: u64| {
            U256::from_u128(x)
                .checked_mul_u64(j)
                .and_then(|jx| below.checked_add(jx))
                .is_some_and(|s| s < limit)
        };
        let (mut lo, mut hi) = (0u64, w - 1); // fits(lo) holds
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        self.bottom = Some(count.saturating_add(lo));
    }

    fn result(&self, n: u64) -> Option<u64> {
        self.bottom.map(|m| n.saturating_sub(m))
    }
}

#[cfg(test)]
mod tests {
    //! Known answers from `/work/shared/guide/references.md` ("Concentration
    //! and fairness metrics", worked numbers) and the tracker's issue 4.
    use super::*;

    fn approx(actual: Option<f64>, expected: f64) {
        let a = actual.unwrap_or(f64::NAN);
        assert!(
            (a - expected).abs() < 5e-7,
            "expected {expected}, got {actual:?}"
        );
    }

    #[test]
    fn one_to_five() {
        // references.md: [1,2,3,4,5] → Gini 0.266667 (= 4/15), Theil T
        // 0.119688, Theil L 0.141114, HHI 0.244444 (= 11/45), Jain 0.818182
        // (= 9/11), Atkinson(0.5) 0.063153, Atkinson(1) 0.131610,
        // Atkinson(2) 0.270073; issue 4: Nakamoto 33 = 2 (the top holder has
        // exactly 1/3, not more), Nakamoto 50 = 2.
        let m = summarize_u64(&[3, 1, 5, 2, 4], 0);
        assert_eq!(m.n, 5);
        assert_eq!(m.sum.to_string(), "15");
        approx(m.mean, 3.0);
        approx(m.gini, 4.0 / 15.0);
        approx(m.theil_t, 0.119688);
        approx(m.theil_l, 0.141114);
        approx(m.hhi, 11.0 / 45.0);
        approx(m.jain, 9.0 / 11.0);
        approx(m.atkinson_0_5, 0.063153);
        approx(m.atkinson_1, 0.131610);
        approx(m.atkinson_2, 0.270073);
        assert_eq!(m.nakamoto_33, Some(2));
        assert_eq!(m.nakamoto_50, Some(2));
        // Lorenz at 0.4·5 = 2 values: (1+2)/15; top 10% = half of the top
        // value: 2.5/15; top 1% = 0.05·5/15.
        approx(m.bottom_40pct_share, 3.0 / 15.0);
        approx(m.top_10pct_share, 2.5 / 15.0);
        approx(m.top_1pct_share, 0.25 / 15.0);
        approx(m.palma, 2.5 / 3.0);
        approx(m.entropy, 5f64.ln() - 0.119688);
        approx(m.hhi_normalized, (11.0 / 45.0 - 0.2) / 0.8);
    }

    #[test]
    fn forty_thirty_twenty_ten() {
        // references.md: [40,30,20,10] → Gini 0.25, HHI 0.30.
        let m = summarize_u64(&[40, 30, 20, 10], 0);
        approx(m.gini, 0.25);
        approx(m.hhi, 0.30);
        assert_eq!(m.nakamoto_50, Some(2)); // 70 > 50
        assert_eq!(m.nakamoto_33, Some(1)); // 40 > 33.3
    }

    #[test]
    fn equal_holdings() {
        // issue 4: [5,5,5,5] → Gini 0, Nakamoto 50 = 3 (two hold exactly half).
        let m = summarize_u64(&[5, 5, 5, 5], 0);
        assert_eq!(m.gini, Some(0.0));
        assert_eq!(m.nakamoto_50, Some(3));
        assert_eq!(m.nakamoto_33, Some(2));
        assert_eq!(m.theil_t, Some(0.0));
        assert_eq!(m.theil_l, Some(0.0));
        assert_eq!(m.hhi_normalized, Some(0.0));
        approx(m.entropy, 4f64.ln());
        assert_eq!(m.jain, Some(1.0));
        assert_eq!(m.palma, Some(0.25));
    }

    #[test]
    fn one_to_ten() {
        // references.md: [1..10] → Gini 0.30, Palma 1.0.
        let v: Vec<u64> = (1..=10).collect();
        let m = summarize_u64(&v, 0);
        approx(m.gini, 0.30);
        assert_eq!(m.palma, Some(1.0));
        approx(m.top_10pct_share, 10.0 / 55.0);
        approx(m.bottom_40pct_share, 10.0 / 55.0);
    }

    #[test]
    fn zeros_make_log_metrics_undefined() {
        // issue 4: [0,0,0,1] → Gini 0.75, Theil L null.
        let m = summarize_u64(&[0, 0, 0, 1], 0);
        approx(m.gini, 0.75);
        assert_eq!(m.theil_l, None);
        assert_eq!(m.atkinson_1, None);
        assert_eq!(m.atkinson_2, None);
        approx(m.atkinson_0_5, 0.75);
        approx(m.theil_t, 4f64.ln());
        assert_eq!(m.entropy, Some(0.0));
        assert_eq!(m.palma, None); // the bottom 40% hold nothing
        assert_eq!(m.bottom_40pct_share, Some(0.0));
        assert_eq!(m.nakamoto_50, Some(1));
    }

    #[test]
    fn all_zero_or_empty_is_null_not_nan() {
        let m = summarize_u64(&[0, 0], 6);
        assert_eq!(m, Metrics::undefined(2, ExactDecimal::ZERO, Some(0.0)));
        let m = summarize_u64(&[], 0);
        assert_eq!(m, Metrics::undefined(0, ExactDecimal::ZERO, None));
        let json = serde_json::to_value(&m).expect("serialises");
        assert_eq!(json["gini"], serde_json::Value::Null);
        assert_eq!(json["mean"], serde_json::Value::Null);
        let one = summarize_u64(&[7], 0);
        assert_eq!(one.hhi_normalized, None);
        assert_eq!(one.gini, Some(0.0));
        assert_eq!(one.nakamoto_50, Some(1));
    }

    #[test]
    fn decimals_place_the_point_of_sum_and_mean() {
        let m = summarize_u64(&[1_500_000, 2_500_000], 6);
        assert_eq!(m.sum.to_string(), "4");
        approx(m.mean, 2.0);
    }

    #[test]
    fn json_keys_are_exactly_the_documented_ones() {
        let json = serde_json::to_string(&summarize_u64(&[1, 2], 0)).expect("serialises");
        let keys: Vec<String> = json
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .filter_map(|kv| kv.split(':').next())
            .map(|k| k.trim_matches('"').to_string())
            .collect();
        let expected: Vec<&str> = summarize_u64(&[1], 0)
            .entries()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, expected);
        assert_eq!(expected.len(), 19);
    }

    #[test]
    fn lorenz_points_interpolate_linearly() {
        let curve = lorenz_u64(&[1, 2, 3, 4], 8).expect("defined");
        assert_eq!(curve.len(), 9);
        assert_eq!(curve[0], [0.0, 0.0]);
        assert_eq!(curve[8], [1.0, 1.0]);
        approx(Some(curve[1][1]), 0.5 / 10.0); // half of the smallest value
        approx(Some(curve[4][1]), 3.0 / 10.0);
        approx(Some(curve[5][1]), 4.5 / 10.0);
        assert_eq!(lorenz_u64(&[0, 0], 4), None);
        assert_eq!(lorenz_u64(&[1], 0), None);
    }
}
