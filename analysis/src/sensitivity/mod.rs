//! Global sensitivity analysis over numbers: the experimental designs (which
//! points of the unit hypercube [0, 1]^D to run) and the estimators that turn
//! one output per point back into sensitivity indices with bootstrap
//! confidence intervals. Two methods, both following SALib's conventions so
//! that SALib run on the same points and outputs gives the same indices:
//!
//! - [`sobol`]: Saltelli's design ([`saltelli_design`]) and Sobol' indices
//!   S1, ST and S2 ([`sobol_analyze`]);
//! - [`morris`]: Morris trajectories ([`morris_design`]) and elementary-effect
//!   screening μ*, μ, σ ([`morris_analyze`]).
//!
//! Designs live in the unit hypercube: the caller scales coordinate i to
//! axis i's range (`lo + u · (hi − lo)`) and runs the points in the order
//! given. Estimators take one output per point, in that same order (with
//! replications, the caller passes each point's mean).
//!
//! Architecture invariant: no I/O, no knowledge of sweeps or of the engine;
//! bad input is an [`SensitivityError`], never a panic, NaN or ∞ in a result.

pub mod morris;
pub mod sobol;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

pub use morris::{morris_analyze, morris_delta, morris_design, MorrisIndices};
pub use sobol::{saltelli_design, saltelli_len, sobol_analyze, SobolIndices};

/// Which sensitivity index a row holds (the `index` column of
/// `sensitivity.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum IndexKind {
    /// Sobol' first-order index (Saltelli 2010).
    #[serde(rename = "S1")]
    S1,
    /// Sobol' total-order index (Jansen 1999).
    #[serde(rename = "ST")]
    ST,
    /// Sobol' second-order index of a pair of axes (Saltelli 2002).
    #[serde(rename = "S2")]
    S2,
    /// Morris μ*: mean absolute elementary effect (Campolongo et al. 2007).
    #[serde(rename = "mu_star")]
    MuStar,
    /// Morris μ: mean elementary effect.
    #[serde(rename = "mu")]
    Mu,
    /// Morris σ: standard deviation of the elementary effects (ddof = 1).
    #[serde(rename = "sigma")]
    Sigma,
}

impl IndexKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexKind::S1 => "S1",
            IndexKind::ST => "ST",
            IndexKind::S2 => "S2",
            IndexKind::MuStar => "mu_star",
            IndexKind::Mu => "mu",
            IndexKind::Sigma => "sigma",
        }
    }
}

impl std::fmt::Display for IndexKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of `sensitivity.csv` (without the metric, which the caller
/// knows): `axis, index, value, ci_low, ci_high`. For S2 the axis is
/// written `a*b`. The interval is `value ± Z · sd(bootstrap)`, SALib's
/// symmetric normal interval; indices SALib gives no interval for (μ, σ)
/// have `None` (an empty cell).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityIndex {
    pub axis: String,
    pub index: IndexKind,
    pub value: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

/// An estimate with the half-width of its confidence interval
/// (`Z · sd` of the bootstrap estimates, SALib's `*_conf`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub conf: f64,
}

impl Estimate {
    pub fn ci_low(&self) -> f64 {
        self.value - self.conf
    }
    pub fn ci_high(&self) -> f64 {
        self.value + self.conf
    }
}

/// How the confidence intervals are bootstrapped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Number of resamples (SALib's `num_resamples`, default 100; at least 2).
    pub resamples: usize,
    /// Confidence level in (0, 1) (SALib's `conf_level`, default 0.95).
    pub conf_level: f64,
    /// Seed of the resampling RNG (`ChaCha8Rng::seed_from_u64(seed)`).
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Self {
            resamples: 100,
            conf_level: 0.95,
            seed: 0,
        }
    }
}

impl Bootstrap {
    /// Z = Φ⁻¹(0.5 + conf_level / 2), after checking the settings.
    fn z(&self) -> Result<f64, SensitivityError> {
        if self.resamples < 2 {
            return Err(SensitivityError::Resamples(self.resamples));
        }
        if !(self.conf_level > 0.0 && self.conf_level < 1.0) {
            return Err(SensitivityError::ConfLevel(self.conf_level));
        }
        Ok(Normal::standard().inverse_cdf(0.5 + self.conf_level / 2.0))
    }
}

/// Why a design cannot be laid out or outputs cannot be analysed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SensitivityError {
    #[error("a sensitivity design needs at least one axis")]
    NoAxes,
    #[error("{what} must be at least {min} (got {got})")]
    TooFew {
        what: &'static str,
        min: usize,
        got: usize,
    },
    #[error("{what} is at most {max} (got {got}): {why}")]
    TooMany {
        what: &'static str,
        max: usize,
        got: usize,
        why: &'static str,
    },
    #[error("Morris needs an even number of levels p >= 2, so that the step p/(2(p-1)) lands on the grid (got {0})")]
    Levels(usize),
    #[error(
        "{got} outputs for {axes} axes: a Saltelli design has N·{per_row} points \
         (N base rows of {per_row} points each)"
    )]
    SobolLength {
        got: usize,
        axes: usize,
        per_row: usize,
    },
    #[error(
        "{got} outputs for {axes} axes: a Morris design has r·{per} points \
         (r trajectories of D + 1 = {per} points each)"
    )]
    MorrisLength { got: usize, axes: usize, per: usize },
    #[error("{points} design points but {outputs} outputs: one output per point, in run order")]
    PointsOutputs { points: usize, outputs: usize },
    #[error("design point {point} has {got} coordinates, expected {expected}")]
    PointWidth {
        point: usize,
        got: usize,
        expected: usize,
    },
    #[error("output {index} (0-based, in run order) is {value}: outputs must be finite numbers")]
    NonFinite { index: usize, value: f64 },
    #[error("design point {index} (0-based) has a non-finite coordinate")]
    NonFinitePoint { index: usize },
    #[error("the outputs are constant (zero variance): sensitivity indices are undefined")]
    ConstantOutput,
    #[error(
        "Morris trajectory {trajectory}, step {step} (points {from} → {to}): {problem}; each \
         step must change exactly one coordinate by ±Δ = {delta}, every coordinate once"
    )]
    NotATrajectory {
        trajectory: usize,
        step: usize,
        from: usize,
        to: usize,
        problem: String,
        delta: f64,
    },
    #[error("{0} axis names for {1} axes")]
    Names(usize, usize),
    #[error("bootstrap needs at least 2 resamples (got {0})")]
    Resamples(usize),
    #[error("confidence level must lie strictly between 0 and 1 (got {0})")]
    ConfLevel(f64),
}

/// Checks that every output is finite.
fn check_finite(y: &[f64]) -> Result<(), SensitivityError> {
    match y.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(SensitivityError::NonFinite {
            index,
            value: y[index],
        }),
        None => Ok(()),
    }
}

/// Sample standard deviation (ddof = 1) of at least two values.
fn sd_ddof1(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    (ss / (n - 1.0)).sqrt()
}

/// `resamples` bootstrap index vectors, each `n` indices drawn uniformly
/// with replacement from `0..n`, from one `ChaCha8Rng`.
fn resample_indices(rng: &mut ChaCha8Rng, n: usize, resamples: usize) -> Vec<Vec<usize>> {
    (0..resamples)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_matches_the_normal_quantile() {
        let z = Bootstrap::default().z().expect("valid");
        assert!((z - 1.959_963_984_540_054).abs() < 1e-12, "{z}");
        let bad = Bootstrap {
            conf_level: 1.0,
            ..Bootstrap::default()
        };
        assert!(matches!(bad.z(), Err(SensitivityError::ConfLevel(_))));
        let few = Bootstrap {
            resamples: 1,
            ..Bootstrap::default()
        };
        assert!(matches!(few.z(), Err(SensitivityError::Resamples(1))));
    }

    #[test]
    fn sd_is_the_sample_sd() {
        assert!((sd_ddof1(&[1.0, 2.0, 3.0, 4.0]) - 1.290_994_448_735_805_6).abs() < 1e-15);
    }
}
