//! Attribute distributions of a population: a bare number (constant) or a
//! table `{ dist = "...", ... }` naming one of rand_distr's distributions.
//! Parameters are checked when the scenario is read, so sampling never fails.

use rand::Rng;
use rand_distr::{Beta, Distribution, LogNormal, Normal, Pareto, Uniform};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// One attribute's distribution, as written in a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum DistTable {
    Constant { value: f64 },
    Uniform { min: f64, max: f64 },
    Normal { mean: f64, sd: f64 },
    Lognormal { mu: f64, sigma: f64 },
    Pareto { scale: f64, shape: f64 },
    Beta { alpha: f64, beta: f64 },
}

/// A validated distribution, ready to sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct DistSpec(DistTable);

impl DistSpec {
    pub const fn constant(value: f64) -> Self {
        Self(DistTable::Constant { value })
    }

    pub fn table(&self) -> &DistTable {
        &self.0
    }

    /// Draws one value.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // Parameters were validated in `check`, so the constructors succeed;
        // the fallbacks keep this total without a panic path.
        match self.0 {
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
        }
    }

    /// The smallest and largest values the distribution can produce.
    pub fn support(&self) -> (f64, f64) {
        match self.0 {
            DistTable::Constant { value } => (value, value),
            DistTable::Uniform { min, max } => (min, max),
            DistTable::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            DistTable::Lognormal { .. } => (0.0, f64::INFINITY),
            DistTable::Pareto { scale, .. } => (scale, f64::INFINITY),
            DistTable::Beta { .. } => (0.0, 1.0),
        }
    }

    /// The mean, where it is finite.
    pub fn mean(&self) -> f64 {
        match self.0 {
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
        }
    }

    fn check(table: DistTable) -> Result<Self, String> {
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
        };
        if ok {
            Ok(Self(table))
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
                     \"lognormal\" | \"pareto\" | \"beta\", ... }",
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
