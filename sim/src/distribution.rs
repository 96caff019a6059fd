//! Attribute distributions of a population: a bare number (constant) or a
//! table `{ dist = "...", ... }` naming one of rand_distr's distributions,
//! or `empirical`: a data file's values ([`EmpiricalData`], read by a
//! loader through `scenario::empirical` and attached to the distribution), drawn with replacement or in row order.
//! Parameters are checked when the scenario is read, so sampling never fails.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rand::Rng;
use rand_distr::{Beta, Distribution, LogNormal, Normal, Pareto, StandardNormal, Uniform};

use crate::amount::{to_base_units, unit};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One column of a data file, as a distribution's values: integer base
/// units at `decimals` decimals, with where they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct EmpiricalData {
    /// The data file's absolute path.
    pub path: String,
    /// The sha256 of the file's bytes (lowercase hex).
    pub sha256: String,
    /// The values, in row order, in units of 10^-decimals.
    pub units: Box<[u64]>,
    pub decimals: u32,
    min: u64,
    max: u64,
    mean: f64,
}

impl EmpiricalData {
    /// The values of a column (built by `scenario::EmpiricalBuilder`), with
    /// their smallest and largest units and their mean as a number.
    pub(crate) fn from_parts(
        path: &str,
        sha256: &str,
        units: Box<[u64]>,
        decimals: u32,
        (min, max): (u64, u64),
        mean: f64,
    ) -> Self {
        Self {
            path: path.to_string(),
            sha256: sha256.to_string(),
            units,
            decimals,
            min,
            max,
            mean,
        }
    }

    /// A value as a number.
    pub fn value(&self, i: usize) -> f64 {
        self.units.get(i).map_or(0.0, |&u| self.to_f64(u))
    }

    fn to_f64(&self, units: u64) -> f64 {
        units as f64 / 10f64.powi(self.decimals as i32)
    }

    /// The smallest and largest values.
    pub fn range(&self) -> (f64, f64) {
        (self.to_f64(self.min), self.to_f64(self.max))
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Value `i` in base units of `decimals` decimals (truncated toward
    /// zero when `decimals` is below the data's, saturating above).
    pub fn units_at(&self, i: usize, decimals: u32) -> u64 {
        let u = self.units.get(i).copied().unwrap_or(0);
        if decimals >= self.decimals {
            let up = 10u64
                .checked_pow(decimals - self.decimals)
                .unwrap_or(u64::MAX);
            u.saturating_mul(up)
        } else {
            u / 10u64
                .checked_pow(self.decimals - decimals)
                .unwrap_or(u64::MAX)
        }
    }
}

/// How an empirical distribution draws from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmpiricalSample {
    /// Uniformly with replacement (from the genesis stream).
    #[default]
    Bootstrap,
    /// The values in row order, cycling when the population is larger.
    InOrder,
}

/// One attribute's distribution, as written in a scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum DistTable {
    Constant {
        value: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Pareto {
        scale: f64,
        shape: f64,
    },
    Beta {
        alpha: f64,
        beta: f64,
    },
    /// The values of `column` in the CSV `file` (relative to the scenario
    /// file, or absolute), times `scale`, truncated to the scenario's
    /// decimals. `sha256` is recorded by the loader in the resolved
    /// scenario; a file whose hash differs is refused.
    Empirical {
        file: String,
        column: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale: Option<f64>,
        #[serde(default)]
        sample: EmpiricalSample,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
    },
}

/// A validated distribution, ready to sample; an empirical one carries the
/// values the loader attached (`attach`) and, for `in_order`, its cursor.
#[derive(Debug, Clone)]
pub struct DistSpec {
    table: DistTable,
    data: Option<Arc<EmpiricalData>>,
    cursor: Cursor,
}

/// The next row of an `in_order` distribution. Each simulation samples its
/// own copy (genesis clones the populations), so runs stay deterministic.
#[derive(Debug, Default)]
struct Cursor(AtomicU64);

impl Clone for Cursor {
    fn clone(&self) -> Self {
        Self(AtomicU64::new(self.0.load(Ordering::Relaxed)))
    }
}

impl PartialEq for DistSpec {
    fn eq(&self, other: &Self) -> bool {
        self.table == other.table
    }
}

impl Serialize for DistSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.table.serialize(serializer)
    }
}

impl DistSpec {
    pub const fn constant(value: f64) -> Self {
        Self {
            table: DistTable::Constant { value },
            data: None,
            cursor: Cursor(AtomicU64::new(0)),
        }
    }

    pub fn table(&self) -> &DistTable {
        &self.table
    }

    /// Whether the distribution is `empirical`.
    pub fn is_empirical(&self) -> bool {
        matches!(self.table, DistTable::Empirical { .. })
    }

    /// The values of an empirical distribution, once attached.
    pub fn data(&self) -> Option<&EmpiricalData> {
        self.data.as_deref()
    }

    /// Attaches an empirical distribution's values (the loader's job).
    pub fn attach(&mut self, data: Arc<EmpiricalData>) {
        self.data = Some(data);
        self.cursor = Cursor::default();
    }

    /// The same distribution with `data` attached.
    pub fn with_data(mut self, data: Option<Arc<EmpiricalData>>) -> Self {
        if let Some(data) = data {
            self.attach(data);
        }
        self
    }

    /// The row of the next empirical draw (None when no values are attached).
    fn next_row<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<(usize, &EmpiricalData)> {
        let data = self.data.as_deref().filter(|d| !d.is_empty())?;
        let DistTable::Empirical { sample, .. } = &self.table else {
            return None;
        };
        let row = match sample {
            EmpiricalSample::Bootstrap => rng.random_range(0..data.len()),
            EmpiricalSample::InOrder => {
                let n = self.cursor.0.fetch_add(1, Ordering::Relaxed);
                (n % data.len() as u64) as usize
            }
        };
        Some((row, data))
    }

    /// Draws an amount in base units of `decimals` decimals, exactly, from
    /// an empirical distribution (None, drawing nothing, for the others).
    pub fn sample_units<R: Rng + ?Sized>(&self, rng: &mut R, decimals: u32) -> Option<u64> {
        self.next_row(rng)
            .map(|(row, data)| data.units_at(row, decimals))
    }

    /// Draws one value.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // Parameters were validated in `check`, so the constructors succeed;
        // the fallbacks keep this total without a panic path.
        match self.table {
            DistTable::Constant { value } => value,
            DistTable::Uniform { min, max } => {
                if min == max {
                    min
                } else {
                    Uniform::new_inclusive(min, max).map_or(min, |d| d.sample(rng))
                }
            }
            DistTable::Normal { mean, sd } => Normal::new(mean, sd).map_or(mean, |d| d.sample(rng)),
            DistTable::Lognormal { mu, sigma } => {
                LogNormal::new(mu, sigma).map_or(mu.exp(), |d| d.sample(rng))
            }
            DistTable::Pareto { scale, shape } => {
                Pareto::new(scale, shape).map_or(scale, |d| d.sample(rng))
            }
            DistTable::Beta { alpha, beta } => {
                Beta::new(alpha, beta).map_or(alpha / (alpha + beta), |d| d.sample(rng))
            }
            DistTable::Empirical { .. } => self
                .next_row(rng)
                .map_or(0.0, |(row, data)| data.value(row)),
        }
    }

    /// The smallest and largest values the distribution can produce.
    /// An empirical distribution's are its values' minimum and maximum
    /// (unbounded until the values are attached).
    pub fn support(&self) -> (f64, f64) {
        match self.table {
            DistTable::Constant { value } => (value, value),
            DistTable::Uniform { min, max } => (min, max),
            DistTable::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            DistTable::Lognormal { .. } => (0.0, f64::INFINITY),
            DistTable::Pareto { scale, .. } => (scale, f64::INFINITY),
            DistTable::Beta { .. } => (0.0, 1.0),
            DistTable::Empirical { .. } => self
                .data()
                .map_or((f64::NEG_INFINITY, f64::INFINITY), EmpiricalData::range),
        }
    }

    /// The mean, where it is finite.
    pub fn mean(&self) -> f64 {
        match self.table {
            DistTable::Constant { value } => value,
            DistTable::Uniform { min, max } => (min + max) / 2.0,
            DistTable::Normal { mean, .. } => mean,
            DistTable::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            DistTable::Pareto { scale, shape } => {
                if shape > 1.0 {
                    shape * scale / (shape - 1.0)
                } else {
                    f64::INFINITY
                }
            }
            DistTable::Beta { alpha, beta } => alpha / (alpha + beta),
            DistTable::Empirical { .. } => self.data().map_or(f64::NAN, EmpiricalData::mean),
        }
    }

    fn unchecked(table: DistTable) -> Self {
        Self {
            table,
            data: None,
            cursor: Cursor::default(),
        }
    }

    fn check(table: DistTable) -> Result<Self, String> {
        if let DistTable::Empirical { scale, .. } = &table {
            if let Some(scale) = scale {
                if !(scale.is_finite() && *scale > 0.0) {
                    return Err(format!(
                        "empirical distribution: `scale` must be a finite number > 0, got {scale}"
                    ));
                }
            }
            return Ok(Self::unchecked(table));
        }
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        let ok = match table {
            DistTable::Constant { value } => finite(&[value]),
            DistTable::Uniform { min, max } => finite(&[min, max]) && min <= max,
            DistTable::Normal { mean, sd } => finite(&[mean, sd]) && sd >= 0.0,
            DistTable::Lognormal { mu, sigma } => finite(&[mu, sigma]) && sigma >= 0.0,
            DistTable::Pareto { scale, shape } => {
                finite(&[scale, shape]) && scale > 0.0 && shape > 0.0
            }
            DistTable::Beta { alpha, beta } => finite(&[alpha, beta]) && alpha > 0.0 && beta > 0.0,
            DistTable::Empirical { .. } => true,
        };
        if ok {
            Ok(Self::unchecked(table))
        } else {
            Err(format!(
                "invalid distribution parameters {table:?}: uniform needs min <= max, normal and \
                 lognormal a non-negative spread, pareto and beta positive parameters, all finite"
            ))
        }
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DistVisitor;
        impl<'de> Visitor<'de> for DistVisitor {
            type Value = DistSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a number or a table { dist = \"constant\" | \"uniform\" | \"normal\" | \
                     \"lognormal\" | \"pareto\" | \"beta\" | \"empirical\", ... }",
                )
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DistSpec, E> {
                DistSpec::check(DistTable::Constant { value: v }).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DistSpec, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DistSpec, E> {
                self.visit_f64(v as f64)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DistSpec, A::Error> {
                let table = DistTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                DistSpec::check(table).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(DistVisitor)
    }
}

/// Whether a draw is worth less than an amount, `units >
/// to_base_units(draw.max(0), decimals)`, for draws of one distribution
/// against a threshold that changes rarely (a buyer's willingness to pay
/// against the task fee), with the distribution's own draws
/// (`DistSpec::sample`). A lognormal draw e^(μ+σz) is decided on the log
/// scale, μ+σz against the threshold's logarithm, and its exponential is
/// computed only within 10⁻⁶ of it, where rounding could decide: every
/// other draw's answer is that of the exact comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BelowUnits {
    units: u64,
    decimals: u32,
    /// A lognormal distribution's (μ, σ, lower, upper): μ+σz below
    /// `lower` is worth less, above `upper` it is not.
    log_band: Option<(f64, f64, f64, f64)>,
}

impl BelowUnits {
    /// The comparison of draws of `dist` with `units` base units.
    pub fn new(dist: &DistSpec, units: u64, decimals: u32) -> Self {
        let log_band = match dist.table {
            DistTable::Lognormal { mu, sigma }
                if units > 0 && LogNormal::new(mu, sigma).is_ok() =>
            {
                // Worth less ⟺ round(v · 10^d) < units ⟺ v · 10^d < units − ½.
                let edge = ((units as f64 - 0.5) / unit(decimals) as f64).ln();
                edge.is_finite()
                    .then_some((mu, sigma, edge - 1e-6, edge + 1e-6))
            }
            _ => None,
        };
        Self {
            units,
            decimals,
            log_band,
        }
    }

    /// The amount draws are compared with.
    pub fn units(&self) -> u64 {
        self.units
    }

    /// Draws from `dist` (the distribution this was made for) and
    /// whether the draw is worth less than the amount.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, dist: &DistSpec, rng: &mut R) -> bool {
        if let Some((mu, sigma, lower, upper)) = self.log_band {
            // `LogNormal::sample`: exp(μ + σ · z), z standard normal.
            let z: f64 = rng.sample(StandardNormal);
            let log = mu + sigma * z;
            if log < lower {
                return true;
            }
            if log > upper {
                return false;
            }
            return self.units > to_base_units(log.exp().max(0.0), self.decimals);
        }
        self.units > to_base_units(dist.sample(rng).max(0.0), self.decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn table(text: &str) -> DistSpec {
        toml::from_str::<std::collections::BTreeMap<String, DistSpec>>(&format!("d = {text}"))
            .expect("a distribution")
            .remove("d")
            .expect("d")
    }

    /// The same answers as the exact comparison, draw for draw, with the
    /// generator left in the same state, thresholds on both sides of the
    /// draws included (and exactly at a draw's rounded value).
    #[test]
    fn below_units_answers_as_the_exact_comparison() {
        for text in [
            r#"{ dist = "lognormal", mu = 0.0, sigma = 0.8 }"#,
            r#"{ dist = "lognormal", mu = -3.0, sigma = 2.5 }"#,
            r#"{ dist = "uniform", min = 0.0, max = 2.0 }"#,
        ] {
            let dist = table(text);
            let mut probe = crate::rng::SimRng::seed_from_u64(7);
            let mut thresholds = vec![0, 1, 2, 250_000, 1_000_000, u64::MAX / 4];
            thresholds.extend((0..50).map(|_| to_base_units(dist.sample(&mut probe), 6)));
            for units in thresholds {
                let gate = BelowUnits::new(&dist, units, 6);
                let mut a = crate::rng::SimRng::seed_from_u64(units);
                let mut b = a.clone();
                for _ in 0..2_000 {
                    let exact = units > to_base_units(dist.sample(&mut a).max(0.0), 6);
                    assert_eq!(gate.draw(&dist, &mut b), exact, "{text} at {units}");
                }
                assert_eq!(a, b);
            }
        }
    }
}
