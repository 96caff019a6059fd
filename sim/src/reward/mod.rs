//! Reward schemes: how one epoch's budget of a reward pool is divided among
//! the pool's members. Every scheme implements `RewardScheme`, lives in its
//! own file with its parameters and its registry entry (`INFO`: pools,
//! formula, source, parameters), and is constructed by `build_scheme`.
//! `SCHEMES` is the one table `mirage schemes` and scenario validation read.
//!
//! Invariant: a scheme pays at most its budget (the engine checks it and
//! fails the run otherwise); what it leaves unpaid (integer remainders, no
//! eligible member) stays in the rewards pool and joins the next budget.

pub mod proportional;
pub mod quadratic;
pub mod quadratic_pool;
pub mod quality;
pub mod reputation;
pub mod stake;
pub mod yuma;
pub mod yuma_pool;

use std::fmt::Debug;

use crate::agents::{Agents, ComputeProviders, DataProviders, Validators};
use crate::ledger::Ledger;
use crate::rng::SimRng;
use crate::scenario::{PoolConfig, Role, SchemeKind};

/// The reward pools, one per contributing role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PoolKind {
    Compute,
    Data,
    Validation,
}

impl PoolKind {
    pub const ALL: [PoolKind; 3] = [PoolKind::Compute, PoolKind::Data, PoolKind::Validation];

    /// The role whose active agents are the pool's members.
    pub fn role(self) -> Role {
        match self {
            PoolKind::Compute => Role::ComputeProvider,
            PoolKind::Data => Role::DataProvider,
            PoolKind::Validation => Role::Validator,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PoolKind::Compute => "compute",
            PoolKind::Data => "data",
            PoolKind::Validation => "validation",
        }
    }
}

/// What a scheme may look at when dividing a pool.
#[derive(Debug)]
pub struct RewardContext<'a> {
    pub pool: PoolKind,
    pub epoch: u32,
    /// Active members of the pool (agent ids, ascending).
    pub members: &'a [u32],
    /// Verified units of work of each member this epoch (aligned): tasks
    /// accepted (compute), datasets accepted (data), checks made (validation).
    pub work: &'a [u64],
    /// Results of each member caught wrong (compute) or datasets rejected
    /// (data) this epoch (aligned).
    pub failures: &'a [u64],
    /// Stake of each member (aligned, base units).
    pub stake: &'a [u64],
    /// Reputation of each member in [0, 1] after this epoch's outcomes
    /// (aligned; 0.5 for schemes other than `reputation`, which do not read it).
    pub reputation: &'a [f64],
    /// Times each member's datasets were used by tasks this epoch (aligned;
    /// counted only when a scheme of the data pool asks for it, else 0).
    pub usage: &'a [u64],
    /// All agents, the role tables and the ledger, for schemes that need
    /// more (e.g. the ground truth that validators observe with noise).
    pub agents: &'a Agents,
    pub compute: &'a ComputeProviders,
    pub data: &'a DataProviders,
    pub validators: &'a Validators,
    pub ledger: &'a Ledger,
}

/// A way of dividing a pool's budget.
pub trait RewardScheme: Debug + Send {
    /// The scheme's name as written in scenario files.
    fn name(&self) -> &'static str;

    /// Writes each member's payout (base units) into `payouts`, aligned with
    /// `ctx.members` and zeroed on entry. The sum must not exceed `budget`.
    /// An error (a message) means the scheme could not compute its payouts,
    /// which is a bug, and fails the run.
    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String>;
}

/// One parameter of a scheme, as documented by `mirage schemes`.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    /// Key in the scheme's sub-table, e.g. `lambda` in `[reward.compute.reputation]`.
    pub key: &'static str,
    pub doc: &'static str,
}

/// A scheme's registry entry: where it applies, what it computes, where it
/// comes from, and its parameters with their defaults.
#[derive(Debug, Clone, Copy)]
pub struct SchemeInfo {
    pub kind: SchemeKind,
    /// The pools that may name the scheme.
    pub pools: &'static [PoolKind],
    pub summary: &'static str,
    pub formula: &'static str,
    pub source: &'static str,
    /// Parameters, in the order `mirage schemes` lists them; keys without a
    /// default (optional tables) are marked in their doc.
    pub params: &'static [ParamDoc],
    /// The parameters' defaults, serialised from the scheme's `Default`
    /// parameter struct (so the listing cannot drift from the code).
    pub defaults: fn() -> toml::Table,
}

impl SchemeInfo {
    pub fn name(&self) -> &'static str {
        self.kind.as_str()
    }

    /// Whether the scheme may pay `pool`.
    pub fn applies_to(&self, pool: PoolKind) -> bool {
        self.pools.contains(&pool)
    }

    /// The pools as scenario table names, e.g. "[reward.compute], [reward.data]".
    pub fn pool_tables(&self) -> String {
        self.pools
            .iter()
            .map(|p| format!("[reward.{}]", p.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every scheme, in the order they are documented.
pub const SCHEMES: [SchemeInfo; 6] = [
    proportional::INFO,
    stake::INFO,
    reputation::INFO,
    quality::INFO,
    quadratic_pool::INFO,
    yuma_pool::INFO,
];

/// The registry entry of a scheme.
pub fn scheme_info(kind: SchemeKind) -> &'static SchemeInfo {
    match kind {
        SchemeKind::Proportional => &SCHEMES[0],
        SchemeKind::Stake => &SCHEMES[1],
        SchemeKind::Reputation => &SCHEMES[2],
        SchemeKind::Quality => &SCHEMES[3],
        SchemeKind::Quadratic => &SCHEMES[4],
        SchemeKind::Yuma => &SCHEMES[5],
    }
}

/// Serialises a parameter struct to the table a scenario would write.
pub(crate) fn params_table<T: serde::Serialize>(params: &T) -> toml::Table {
    toml::Table::try_from(params).unwrap_or_default()
}

/// Builds the scheme a pool's configuration names; `population_names`
/// (the scenario's, in order) resolve the populations schemes refer to.
/// `yuma` pays two pools together and is built by the engine with
/// `yuma_pool::YumaPool::new`; built here, it pays this pool's members only.
pub fn build_scheme(
    pool: PoolKind,
    config: &PoolConfig,
    population_names: &[String],
) -> Box<dyn RewardScheme> {
    match *config.scheme.get_ref() {
        SchemeKind::Proportional => Box::new(proportional::Proportional),
        SchemeKind::Stake => Box::new(stake::StakeWeighted),
        SchemeKind::Reputation => Box::new(reputation::ReputationScheme::new(
            &config.reputation_params(),
        )),
        SchemeKind::Quality => {
            Box::new(quality::QualityScheme::new(pool, &config.quality_params()))
        }
        SchemeKind::Quadratic => Box::new(quadratic_pool::QuadraticPool::new(
            &config.quadratic_params(),
            population_names,
        )),
        SchemeKind::Yuma => Box::new(yuma_pool::YumaPool::new(
            &config.yuma_params(),
            if pool == PoolKind::Validation {
                0.0
            } else {
                1.0
            },
            population_names,
        )),
    }
}

/// Divides `budget` in proportion to integer `weights`, rounding each share
/// down (exact `u128` arithmetic), so the payouts never exceed the budget.
/// Returns the total paid. Pays nothing when all weights are zero.
pub fn pro_rata(weights: &[u64], budget: u64, payouts: &mut [u64]) -> u64 {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return 0;
    }
    let mut paid = 0u64;
    for (out, &w) in payouts.iter_mut().zip(weights) {
        // budget · w / total <= budget, so it fits in u64.
        *out = (u128::from(budget) * u128::from(w) / total) as u64;
        paid += *out;
    }
    paid
}

/// Like `pro_rata` for real-valued weights (negative or non-finite weights
/// count as zero): converted to 52-bit fixed point relative to the largest.
pub fn pro_rata_f64(
    weights: &[f64],
    budget: u64,
    payouts: &mut [u64],
    scratch: &mut Vec<u64>,
) -> u64 {
    let max = weights
        .iter()
        .copied()
        .filter(|w| w.is_finite() && *w > 0.0)
        .fold(0.0f64, f64::max);
    scratch.clear();
    if max <= 0.0 {
        return 0;
    }
    let scale = (1u64 << 52) as f64 / max;
    scratch.extend(weights.iter().map(|&w| {
        if w.is_finite() && w > 0.0 {
            (w * scale) as u64
        } else {
            0
        }
    }));
    pro_rata(scratch, budget, payouts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn registry_is_complete_and_documents_every_default() {
        for (i, kind) in SchemeKind::ALL.into_iter().enumerate() {
            let info = scheme_info(kind);
            assert_eq!(info.kind, kind);
            assert_eq!(SCHEMES[i].kind, kind);
            assert!(!info.pools.is_empty() && !info.formula.is_empty() && !info.source.is_empty());
            let documented: Vec<&str> = info.params.iter().map(|p| p.key).collect();
            for key in (info.defaults)().keys() {
                assert!(
                    documented.contains(&key.as_str()),
                    "{}: default `{key}` is not documented",
                    info.name()
                );
            }
        }
    }

    proptest! {
        #[test]
        fn pro_rata_never_exceeds_budget_and_loses_less_than_one_unit_per_member(
            weights in proptest::collection::vec(0u64..u64::MAX / 4, 1..50),
            budget in 0u64..u64::MAX / 2,
        ) {
            let mut out = vec![0; weights.len()];
            let paid = pro_rata(&weights, budget, &mut out);
            prop_assert_eq!(paid, out.iter().sum::<u64>());
            prop_assert!(paid <= budget);
            if weights.iter().any(|&w| w > 0) {
                prop_assert!(budget - paid < weights.len() as u64);
            }
        }
    }
}
