//! Maximum-likelihood fits of positive amounts (holdings, stakes) to five
//! families — lognormal, Pareto, exponential, gamma, Weibull — each with its
//! Kolmogorov–Smirnov distance and AIC, for calibrating a population's
//! attribute distribution to real data. Pure functions over `f64`s; which
//! fits a scenario can express is the caller's business.
//!
//! Estimators (n values x_i > 0; "ln L" is the log-likelihood at the fit):
//! - lognormal: μ = mean ln x, σ = population sd of ln x;
//! - Pareto (type I): scale x_m = the sample minimum, a given `xmin`, or the
//!   Clauset–Shalizi–Newman (2009) choice minimising the KS distance of the
//!   tail; shape α = m / Σ ln(x_i / x_m) over the m values x_i ≥ x_m. KS,
//!   ln L and AIC are then those of the tail;
//! - exponential: rate λ = 1 / mean;
//! - gamma (shape k, scale θ): k solves ln k − ψ(k) = ln(mean x) − mean ln x
//!   (Newton from Minka's 2002 starting point), θ = mean / k;
//! - Weibull (shape k, scale λ): k solves
//!   Σ x^k ln x / Σ x^k − 1/k − mean ln x = 0 (Newton), λ = (mean x^k)^(1/k).
//!
//! KS = sup |F_n(x) − F(x)| over the fitted values; AIC = 2p − 2 ln L with p
//! the number of parameters estimated from the data (2, or 1 for the
//! exponential and for a Pareto with a given `xmin`).
//!
//! Architecture invariant: bad input is a [`FitError`], never a panic, and
//! no result holds NaN or ∞.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::gamma::{checked_gamma_lr, ln_gamma};

/// A family of distributions on x > 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Lognormal,
    Pareto,
    Exponential,
    Gamma,
    Weibull,
}

impl Family {
    /// Every family, in the order `auto` tries them.
    pub const ALL: [Family; 5] = [
        Family::Lognormal,
        Family::Pareto,
        Family::Exponential,
        Family::Gamma,
        Family::Weibull,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Lognormal => "lognormal",
            Family::Pareto => "pareto",
            Family::Exponential => "exponential",
            Family::Gamma => "gamma",
            Family::Weibull => "weibull",
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Fitted parameters, serialised as a map of their names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Params {
    Lognormal { mu: f64, sigma: f64 },
    Pareto { scale: f64, shape: f64 },
    Exponential { rate: f64 },
    Gamma { shape: f64, scale: f64 },
    Weibull { shape: f64, scale: f64 },
}

impl Params {
    pub fn family(&self) -> Family {
        match self {
            Params::Lognormal { .. } => Family::Lognormal,
            Params::Pareto { .. } => Family::Pareto,
            Params::Exponential { .. } => Family::Exponential,
            Params::Gamma { .. } => Family::Gamma,
            Params::Weibull { .. } => Family::Weibull,
        }
    }

    /// (name, value) pairs in a fixed order.
    pub fn named(&self) -> Vec<(&'static str, f64)> {
        match *self {
            Params::Lognormal { mu, sigma } => vec![("mu", mu), ("sigma", sigma)],
            Params::Pareto { scale, shape } => vec![("scale", scale), ("shape", shape)],
            Params::Exponential { rate } => vec![("rate", rate)],
            Params::Gamma { shape, scale } | Params::Weibull { shape, scale } => {
                vec![("shape", shape), ("scale", scale)]
            }
        }
    }

    /// The fitted CDF at x.
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        match *self {
            Params::Lognormal { mu, sigma } => Normal::standard().cdf((x.ln() - mu) / sigma),
            Params::Pareto { scale, shape } => {
                if x <= scale {
                    0.0
                } else {
                    1.0 - (scale / x).powf(shape)
                }
            }
            Params::Exponential { rate } => -(-rate * x).exp_m1(),
            Params::Gamma { shape, scale } => {
                let t = x / scale;
                if t.is_infinite() {
                    1.0
                } else {
                    checked_gamma_lr(shape, t).unwrap_or(0.0)
                }
            }
            Params::Weibull { shape, scale } => -(-(x / scale).powf(shape)).exp_m1(),
        }
    }
}

/// How the Pareto scale x_m is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Xmin {
    /// The sample minimum (the whole sample is the tail).
    #[default]
    Minimum,
    /// A given threshold; only values ≥ it are fitted.
    Fixed(f64),
    /// Clauset, Shalizi & Newman (2009): the candidate minimising the KS
    /// distance between the tail and its fit.
    Auto,
}

/// One fitted distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    pub dist: Family,
    pub params: Params,
    /// Values the fit used (the tail x ≥ x_m for Pareto, else all).
    pub n_fit: usize,
    pub log_likelihood: f64,
    pub ks: f64,
    pub aic: f64,
}

/// Why a sample cannot be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    #[error("no values to fit")]
    Empty,
    #[error("value {index} (0-based) is {value}: the fits need finite values > 0")]
    NotPositive { index: usize, value: f64 },
    #[error("{dist}: {why}")]
    Degenerate { dist: Family, why: String },
    #[error("{dist}: the maximum-likelihood equation did not converge")]
    NoConvergence { dist: Family },
    #[error("pareto: xmin must be a finite number > 0 (got {0})")]
    BadXmin(f64),
}

impl FitError {
    /// The family the error is about, when it is about one.
    pub fn family(&self) -> Option<Family> {
        match self {
            FitError::Degenerate { dist, .. } | FitError::NoConvergence { dist } => Some(*dist),
            FitError::BadXmin(_) => Some(Family::Pareto),
            FitError::Empty | FitError::NotPositive { .. } => None,
        }
    }
}

/// The maximum-likelihood fit of `family` to `xs` (`xmin` matters only for
/// Pareto).
pub fn fit(family: Family, xs: &[f64], xmin: Xmin) -> Result<Fit, FitError> {
    let sorted = checked_sorted(xs)?;
    fit_sorted(family, &sorted, xmin)
}

/// Every family fitted to `xs`, ranked by KS distance (smallest first),
/// with the families that could not be fitted beside.
pub fn fit_all(xs: &[f64], xmin: Xmin) -> Result<(Vec<Fit>, Vec<FitError>), FitError> {
    let sorted = checked_sorted(xs)?;
    let mut fits = Vec::new();
    let mut failed = Vec::new();
    for family in Family::ALL {
        match fit_sorted(family, &sorted, xmin) {
            Ok(f) => fits.push(f),
            Err(FitError::BadXmin(x)) => return Err(FitError::BadXmin(x)),
            Err(e) => failed.push(e),
        }
    }
    fits.sort_by(|a, b| a.ks.total_cmp(&b.ks));
    Ok((fits, failed))
}

fn checked_sorted(xs: &[f64]) -> Result<Vec<f64>, FitError> {
    if xs.is_empty() {
        return Err(FitError::Empty);
    }
    if let Some(index) = xs.iter().position(|x| !(x.is_finite() && *x > 0.0)) {
        return Err(FitError::NotPositive {
            index,
            value: xs[index],
        });
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(sorted)
}

fn fit_sorted(family: Family, sorted: &[f64], xmin: Xmin) -> Result<Fit, FitError> {
    let fit = match family {
        Family::Lognormal => lognormal(sorted)?,
        Family::Pareto => pareto(sorted, xmin)?,
        Family::Exponential => exponential(sorted),
        Family::Gamma => gamma(sorted)?,
        Family::Weibull => weibull(sorted)?,
    };
    let finite = fit.ks.is_finite()
        && fit.aic.is_finite()
        && fit.params.named().iter().all(|(_, v)| v.is_finite());
    if finite {
        Ok(fit)
    } else {
        Err(FitError::Degenerate {
            dist: family,
            why: "the fit overflows f64 on these values".into(),
        })
    }
}

/// sup |F_n − F| over ascending `sorted` values (ties handled: the formula
/// takes the ECDF's value after and before each jump).
pub fn ks_statistic(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            let above = (i + 1) as f64 / n - f;
            let below = f - i as f64 / n;
            above.max(below)
        })
        .fold(0.0, f64::max)
}

fn finish(params: Params, sorted: &[f64], log_likelihood: f64, k: usize) -> Fit {
    Fit {
        dist: params.family(),
        ks: ks_statistic(sorted, |x| params.cdf(x)),
        aic: 2.0 * k as f64 - 2.0 * log_likelihood,
        n_fit: sorted.len(),
        log_likelihood,
        params,
    }
}

fn mean(xs: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = xs.len() as f64;
    xs.sum::<f64>() / n
}

fn lognormal(sorted: &[f64]) -> Result<Fit, FitError> {
    let n = sorted.len() as f64;
    let mu = mean(sorted.iter().map(|x| x.ln()));
    let ss: f64 = sorted.iter().map(|x| (x.ln() - mu).powi(2)).sum();
    let sigma = (ss / n).sqrt();
    if sigma.is_nan() || sigma <= 0.0 {
        return Err(FitError::Degenerate {
            dist: Family::Lognormal,
            why: "all values are equal (σ = 0)".into(),
        });
    }
    let sum_ln: f64 = sorted.iter().map(|x| x.ln()).sum();
    let ll = -sum_ln
        - n * sigma.ln()
        - 0.5 * n * (2.0 * std::f64::consts::PI).ln()
        - ss / (2.0 * sigma * sigma);
    Ok(finish(Params::Lognormal { mu, sigma }, sorted, ll, 2))
}

fn exponential(sorted: &[f64]) -> Fit {
    let n = sorted.len() as f64;
    let sum: f64 = sorted.iter().sum();
    let rate = n / sum;
    let ll = n * rate.ln() - rate * sum;
    finish(Params::Exponential { rate }, sorted, ll, 1)
}

/// Pareto fit of the tail `tail` (ascending, all ≥ `scale`); `None` if the
/// tail has fewer than two distinct values.
fn pareto_tail(tail: &[f64], scale: f64, k: usize) -> Option<Fit> {
    let m = tail.len() as f64;
    let ln_scale = scale.ln();
    let sum_ln: f64 = tail.iter().map(|x| x.ln()).sum();
    let spread = sum_ln - m * ln_scale;
    if tail.len() < 2 || spread.is_nan() || spread <= 0.0 {
        return None;
    }
    let shape = m / spread;
    let ll = m * shape.ln() + m * shape * ln_scale - (shape + 1.0) * sum_ln;
    Some(finish(Params::Pareto { scale, shape }, tail, ll, k))
}

/// Smallest tail `Xmin::Auto` considers.
const MIN_TAIL: usize = 10;
/// Most candidate thresholds `Xmin::Auto` tries.
const MAX_CANDIDATES: usize = 1000;

fn pareto(sorted: &[f64], xmin: Xmin) -> Result<Fit, FitError> {
    let degenerate = |why: &str| FitError::Degenerate {
        dist: Family::Pareto,
        why: why.into(),
    };
    match xmin {
        Xmin::Minimum => pareto_tail(sorted, sorted[0], 2)
            .ok_or_else(|| degenerate("all values are equal (no tail to fit)")),
        Xmin::Fixed(x) => {
            if !(x.is_finite() && x > 0.0) {
                return Err(FitError::BadXmin(x));
            }
            let start = sorted.partition_point(|&v| v < x);
            pareto_tail(&sorted[start..], x, 1).ok_or_else(|| {
                degenerate(&format!(
                    "fewer than two distinct values at or above xmin = {x}"
                ))
            })
        }
        Xmin::Auto => {
            // Starts of each run of equal values, keeping tails ≥ MIN_TAIL
            // (or the whole sample when it is smaller).
            let min_tail = MIN_TAIL.min(sorted.len());
            let mut starts: Vec<usize> = (0..sorted.len())
                .filter(|&i| i == 0 || sorted[i] != sorted[i - 1])
                .filter(|&i| sorted.len() - i >= min_tail)
                .collect();
            // Bound the O(candidates × n) work on large samples.
            let budget = (200_000_000 / sorted.len()).clamp(50, MAX_CANDIDATES);
            if starts.len() > budget {
                let picked = (0..budget)
                    .map(|c| starts[c * (starts.len() - 1) / (budget - 1)])
                    .collect();
                starts = picked;
            }
            starts
                .into_iter()
                .filter_map(|i| pareto_tail(&sorted[i..], sorted[i], 2))
                .min_by(|a, b| a.ks.total_cmp(&b.ks))
                .ok_or_else(|| degenerate("no threshold leaves a tail of distinct values"))
        }
    }
}

/// ψ(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series.
pub(crate) fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    acc + x.ln()
        - 0.5 * inv
        - inv2
            * (1.0 / 12.0
                - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 / 132.0))))
}

/// ψ′(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series.
pub(crate) fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    acc + inv
        + 0.5 * inv2
        + inv
            * inv2
            * (1.0 / 6.0
                - inv2
                    * (1.0 / 30.0 - inv2 * (1.0 / 42.0 - inv2 * (1.0 / 30.0 - inv2 * 5.0 / 66.0))))
}

/// Root of a monotone function on (0, ∞) by Newton's method, falling back to
/// bisection inside a bracket whenever a step leaves it. `f` returns
/// (value, derivative); `increasing` says which way it goes.
fn solve_positive(f: impl Fn(f64) -> (f64, f64), start: f64, increasing: bool) -> Option<f64> {
    // Sign so that g = ±f is increasing.
    let g = |k: f64| {
        let (v, d) = f(k);
        if increasing {
            (v, d)
        } else {
            (-v, -d)
        }
    };
    let (mut lo, mut hi) = (start, start);
    let mut guard = 0;
    while g(lo).0 > 0.0 {
        lo /= 2.0;
        guard += 1;
        if guard > 2000 || lo < f64::MIN_POSITIVE {
            return None;
        }
    }
    guard = 0;
    while g(hi).0 < 0.0 {
        hi *= 2.0;
        guard += 1;
        if guard > 2000 || !hi.is_finite() {
            return None;
        }
    }
    let mut k = start.clamp(lo, hi);
    for _ in 0..200 {
        let (v, d) = g(k);
        if !v.is_finite() {
            return None;
        }
        if v == 0.0 {
            return Some(k);
        }
        if v < 0.0 {
            lo = k;
        } else {
            hi = k;
        }
        let newton = k - v / d;
        let next = if d > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - k).abs() <= 1e-14 * k.abs() || hi - lo <= 1e-15 * hi {
            return Some(next);
        }
        k = next;
    }
    Some(k)
}

fn gamma(sorted: &[f64]) -> Result<Fit, FitError> {
    let n = sorted.len() as f64;
    let m = mean(sorted.iter().copied());
    let mean_ln = mean(sorted.iter().map(|x| x.ln()));
    let s = m.ln() - mean_ln;
    if s.is_nan() || s <= 1e-15 {
        return Err(FitError::Degenerate {
            dist: Family::Gamma,
            why: "all values are (nearly) equal".into(),
        });
    }
    let start = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    let shape = solve_positive(
        |k| (k.ln() - digamma(k) - s, 1.0 / k - trigamma(k)),
        start,
        false,
    )
    .ok_or(FitError::NoConvergence {
        dist: Family::Gamma,
    })?;
    let scale = m / shape;
    let sum_ln: f64 = sorted.iter().map(|x| x.ln()).sum();
    let sum: f64 = sorted.iter().sum();
    let ll = (shape - 1.0) * sum_ln - sum / scale - n * shape * scale.ln() - n * ln_gamma(shape);
    Ok(finish(Params::Gamma { shape, scale }, sorted, ll, 2))
}

fn weibull(sorted: &[f64]) -> Result<Fit, FitError> {
    let n = sorted.len() as f64;
    let mean_ln = mean(sorted.iter().map(|x| x.ln()));
    let u: Vec<f64> = sorted.iter().map(|x| x.ln() - mean_ln).collect();
    let u_max = u.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sd = (u.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
    if sd.is_nan() || sd <= 1e-12 {
        return Err(FitError::Degenerate {
            dist: Family::Weibull,
            why: "all values are (nearly) equal".into(),
        });
    }
    // Weighted moments of u under weights exp(k (u − u_max)) ∝ x^k.
    let moments = |k: f64| {
        let (mut w0, mut w1, mut w2) = (0.0, 0.0, 0.0);
        for &v in &u {
            let w = (k * (v - u_max)).exp();
            w0 += w;
            w1 += w * v;
            w2 += w * v * v;
        }
        (w0, w1 / w0, w2 / w0)
    };
    let shape = solve_positive(
        |k| {
            let (_, m1, m2) = moments(k);
            (m1 - 1.0 / k, (m2 - m1 * m1) + 1.0 / (k * k))
        },
        1.2 / sd,
        true,
    )
    .ok_or(FitError::NoConvergence {
        dist: Family::Weibull,
    })?;
    let (w0, _, _) = moments(shape);
    let ln_scale = mean_ln + u_max + (w0 / n).ln() / shape;
    let scale = ln_scale.exp();
    let sum_ln: f64 = sorted.iter().map(|x| x.ln()).sum();
    let sum_pow: f64 = sorted
        .iter()
        .map(|x| (shape * (x.ln() - ln_scale)).exp())
        .sum();
    let ll = n * shape.ln() - n * shape * ln_scale + (shape - 1.0) * sum_ln - sum_pow;
    Ok(finish(Params::Weibull { shape, scale }, sorted, ll, 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Exp, Gamma, LogNormal, Pareto, Weibull};

    fn draw<D: Distribution<f64>>(d: D, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    fn rel(got: f64, want: f64) -> f64 {
        ((got - want) / want).abs()
    }

    #[test]
    fn special_functions_match_known_values() {
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-13);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-13);
        // Reference values from scipy.special (digamma, polygamma(1, x)).
        assert!((digamma(30.0) - 3.384_438_132_685_525).abs() < 1e-12);
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-13);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-12);
        assert!((trigamma(0.01) - 10_001.621_213_528_311).abs() < 1e-8);
    }

    #[test]
    fn ks_of_known_samples() {
        // Uniform CDF on evenly spaced midpoints: D = 1/(2n).
        let xs: Vec<f64> = (0..10).map(|i| (i as f64 + 0.5) / 10.0).collect();
        assert!((ks_statistic(&xs, |x| x) - 0.05).abs() < 1e-15);
        // All mass at one point against a CDF of 0.3 there: D = 0.7.
        assert!((ks_statistic(&[2.0, 2.0, 2.0], |_| 0.3) - 0.7).abs() < 1e-15);
    }

    #[test]
    fn lognormal_recovers_its_parameters() {
        let xs = draw(LogNormal::new(9.31, 2.07).expect("params"), 20_000, 1);
        let f = fit(Family::Lognormal, &xs, Xmin::Minimum).expect("fit");
        let Params::Lognormal { mu, sigma } = f.params else {
            panic!("{f:?}")
        };
        assert!((mu - 9.31).abs() < 0.05, "{mu}");
        assert!((sigma - 2.07).abs() < 0.03, "{sigma}");
        assert!(f.ks < 0.015, "{}", f.ks);
        // ln L by definition, summed directly.
        let direct: f64 = xs
            .iter()
            .map(|x| {
                let z = (x.ln() - mu) / sigma;
                -x.ln() - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * z * z
            })
            .sum();
        assert!(rel(f.log_likelihood, direct) < 1e-10);
        assert!((f.aic - (4.0 - 2.0 * direct)).abs() < 1e-6 * direct.abs());
    }

    #[test]
    fn pareto_recovers_its_parameters_and_finds_the_tail() {
        let xs = draw(Pareto::new(20_000.0, 1.3).expect("params"), 20_000, 2);
        let f = fit(Family::Pareto, &xs, Xmin::Minimum).expect("fit");
        let Params::Pareto { scale, shape } = f.params else {
            panic!("{f:?}")
        };
        assert!(rel(scale, 20_000.0) < 1e-3, "{scale}");
        assert!((shape - 1.3).abs() < 0.03, "{shape}");
        assert_eq!(f.n_fit, 20_000);

        // A lognormal body below 1,000 with a Pareto(1,000, 2.5) tail above:
        // the CSN threshold lands near 1,000 and the shape near 2.5.
        let mut mixed: Vec<f64> = draw(LogNormal::new(5.0, 0.6).expect("p"), 6000, 3)
            .into_iter()
            .filter(|&x| x < 1000.0)
            .collect();
        mixed.extend(draw(Pareto::new(1000.0, 2.5).expect("p"), 3000, 4));
        let auto = fit(Family::Pareto, &mixed, Xmin::Auto).expect("fit");
        let Params::Pareto { scale, shape } = auto.params else {
            panic!("{auto:?}")
        };
        assert!((700.0..1400.0).contains(&scale), "xmin {scale}");
        assert!((shape - 2.5).abs() < 0.25, "shape {shape}");
        assert!(
            auto.n_fit < mixed.len() && auto.n_fit > 1500,
            "{}",
            auto.n_fit
        );
        let whole = fit(Family::Pareto, &mixed, Xmin::Minimum).expect("fit");
        assert!(auto.ks < whole.ks);

        let fixed = fit(Family::Pareto, &mixed, Xmin::Fixed(1000.0)).expect("fit");
        assert_eq!(fixed.n_fit, mixed.iter().filter(|&&x| x >= 1000.0).count());
        assert!(matches!(
            fit(Family::Pareto, &mixed, Xmin::Fixed(-1.0)),
            Err(FitError::BadXmin(_))
        ));
    }

    #[test]
    fn exponential_recovers_its_rate() {
        let xs = draw(Exp::new(0.004).expect("params"), 20_000, 5);
        let f = fit(Family::Exponential, &xs, Xmin::Minimum).expect("fit");
        let Params::Exponential { rate } = f.params else {
            panic!("{f:?}")
        };
        assert!(rel(rate, 0.004) < 0.02, "{rate}");
        assert!(f.ks < 0.015);
    }

    #[test]
    fn gamma_recovers_its_parameters() {
        for &(k, theta, seed) in &[(0.3, 50.0, 6), (2.5, 4.0, 7), (40.0, 0.01, 8)] {
            let xs = draw(Gamma::new(k, theta).expect("params"), 20_000, seed);
            let f = fit(Family::Gamma, &xs, Xmin::Minimum).expect("fit");
            let Params::Gamma { shape, scale } = f.params else {
                panic!("{f:?}")
            };
            assert!(rel(shape, k) < 0.04, "k {k}: {shape}");
            assert!(rel(scale, theta) < 0.05, "θ {theta}: {scale}");
            assert!(f.ks < 0.015, "k {k}: ks {}", f.ks);
            // The MLE solves the score equation.
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let ml = xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64;
            assert!((shape.ln() - digamma(shape) - (m.ln() - ml)).abs() < 1e-10);
        }
    }

    #[test]
    fn weibull_recovers_its_parameters() {
        for &(lambda, k, seed) in &[(1e9, 0.4, 9), (3.0, 1.5, 10), (100.0, 8.0, 11)] {
            let xs = draw(Weibull::new(lambda, k).expect("params"), 20_000, seed);
            let f = fit(Family::Weibull, &xs, Xmin::Minimum).expect("fit");
            let Params::Weibull { shape, scale } = f.params else {
                panic!("{f:?}")
            };
            assert!(rel(shape, k) < 0.03, "k {k}: {shape}");
            assert!(rel(scale, lambda) < 0.05, "λ {lambda}: {scale}");
            assert!(f.ks < 0.015, "k {k}: ks {}", f.ks);
        }
    }

    #[test]
    fn auto_ranks_the_true_family_first() {
        let xs = draw(LogNormal::new(2.0, 1.0).expect("params"), 5000, 12);
        let (fits, failed) = fit_all(&xs, Xmin::Minimum).expect("fits");
        assert!(failed.is_empty(), "{failed:?}");
        assert_eq!(fits.len(), 5);
        assert_eq!(fits[0].dist, Family::Lognormal);
        assert!(fits.windows(2).all(|w| w[0].ks <= w[1].ks));
        let best_aic = fits
            .iter()
            .min_by(|a, b| a.aic.total_cmp(&b.aic))
            .expect("some");
        assert_eq!(best_aic.dist, Family::Lognormal);
    }

    #[test]
    fn bad_samples_are_errors() {
        assert_eq!(fit(Family::Gamma, &[], Xmin::Minimum), Err(FitError::Empty));
        assert!(matches!(
            fit(Family::Lognormal, &[1.0, 0.0, 2.0], Xmin::Minimum),
            Err(FitError::NotPositive { index: 1, .. })
        ));
        assert!(matches!(
            fit(Family::Lognormal, &[1.0, f64::NAN], Xmin::Minimum),
            Err(FitError::NotPositive { index: 1, .. })
        ));
        for family in [
            Family::Lognormal,
            Family::Pareto,
            Family::Gamma,
            Family::Weibull,
        ] {
            assert!(
                matches!(
                    fit(family, &[5.0; 4], Xmin::Minimum),
                    Err(FitError::Degenerate { .. })
                ),
                "{family}"
            );
        }
        // A single value is fine for the exponential.
        let one = fit(Family::Exponential, &[5.0], Xmin::Minimum).expect("fit");
        assert_eq!(one.params, Params::Exponential { rate: 0.2 });
        // Extreme but valid values do not overflow into NaN results.
        let wide = [1e-300, 1e-100, 1.0, 1e100, 1e300];
        for family in Family::ALL {
            match fit(family, &wide, Xmin::Minimum) {
                Ok(f) => assert!(f.ks.is_finite() && f.aic.is_finite(), "{family}: {f:?}"),
                Err(e) => assert!(
                    matches!(
                        e,
                        FitError::Degenerate { .. } | FitError::NoConvergence { .. }
                    ),
                    "{family}: {e}"
                ),
            }
        }
    }
}
