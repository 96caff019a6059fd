//! Reward schemes: how one epoch's budget of a reward pool is divided among
//! the pool's members. Every scheme implements `RewardScheme`, lives in its
//! own file, and is constructed by `build_scheme` from the scenario.
//!
//! Invariant: a scheme pays at most its budget (the engine checks it and
//! fails the run otherwise); what it leaves unpaid (integer remainders, no
//! eligible member) stays in the rewards pool and joins the next budget.

pub mod proportional;
pub mod quadratic;
pub mod stake;
pub mod yuma;

use std::fmt::Debug;

use crate::agents::Agents;
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
    /// Verified units of work of each member this epoch (aligned).
    pub work: &'a [u64],
    /// Results of each member caught wrong this epoch (aligned).
    pub failures: &'a [u64],
    /// Stake of each member (aligned, base units).
    pub stake: &'a [u64],
    /// All agents and the ledger, for schemes that need more.
    pub agents: &'a Agents,
    pub ledger: &'a Ledger,
}

/// A way of dividing a pool's budget.
pub trait RewardScheme: Debug + Send {
    /// The scheme's name as written in scenario files.
    fn name(&self) -> &'static str;

    /// Writes each member's payout (base units) into `payouts`, aligned with
    /// `ctx.members` and zeroed on entry. The sum must not exceed `budget`.
    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        rng: &mut SimRng,
        payouts: &mut [u64],
    );
}

/// Builds the scheme a pool's configuration names.
pub fn build_scheme(config: &PoolConfig) -> Box<dyn RewardScheme> {
    match *config.scheme.get_ref() {
        SchemeKind::Proportional => Box::new(proportional::Proportional),
        SchemeKind::Stake => Box::new(stake::StakeWeighted),
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
