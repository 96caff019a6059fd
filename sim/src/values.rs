//! Checked scalar types of the scenario schema: each rejects, when it is
//! read, a value outside its range, so that the error carries the value's
//! line and column; and the schema's choices that the run's rules keep
//! (emission schedule, where slashed stake goes). Shared by the scenario
//! model, the world's rules, the roles' attributes and the reward schemes'
//! parameters.

use serde::{Deserialize, Deserializer, Serialize};

/// A finite number that is zero or more.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct NonNegative(pub f64);

impl<'de> Deserialize<'de> for NonNegative {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && v >= 0.0 {
            Ok(Self(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "expected a finite number >= 0, got {v}"
            )))
        }
    }
}

/// A probability or share: a number in [0, 1].
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Probability(pub f64);

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if (0.0..=1.0).contains(&v) {
            Ok(Self(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "expected a probability in [0, 1], got {v}"
            )))
        }
    }
}

/// A fraction in (0, 1]: a rate or a target that must not be zero.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Fraction(pub f64);

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v > 0.0 && v <= 1.0 {
            Ok(Self(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "expected a number in (0, 1], got {v}"
            )))
        }
    }
}

/// A finite number above zero.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Positive(pub f64);

impl<'de> Deserialize<'de> for Positive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && v > 0.0 {
            Ok(Self(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "expected a finite number > 0, got {v}"
            )))
        }
    }
}

/// How the emission per epoch evolves (`emission.schedule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmissionSchedule {
    #[default]
    None,
    Constant,
    Halving,
}

/// Where slashed stake goes (`validation.slash_to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlashDestination {
    #[default]
    Burn,
    Treasury,
}
