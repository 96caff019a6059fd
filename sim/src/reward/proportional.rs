//! `proportional`: each member is paid in proportion to its verified units
//! of work this epoch, payout_i = ⌊budget · w_i / Σ w⌋. The baseline
//! "pay per verified unit of work" rule.

use super::{pro_rata, PlainScheme, PoolKind, RewardContext, RewardScheme, SchemeInfo};
use crate::rng::SimRng;

/// Pay per verified unit of work: payout_i = ⌊budget · w_i / Σ_j w_j⌋.
///
/// Source: the "proportional" method of Bitcoin pooled mining, in which a
/// round's reward is split in proportion to the shares each miner submitted
/// (M. Rosenfeld, "Analysis of Bitcoin Pooled Mining Reward Systems", 2011,
/// section 4).
#[derive(Debug, Clone, Copy, Default)]
pub struct Proportional;

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    name: "proportional",
    pools: &[PoolKind::Compute, PoolKind::Data, PoolKind::Validation],
    joint: &[],
    summary: "pay per verified unit of work (tasks, accepted datasets, checks)",
    formula: "payout_i = floor(budget * w_i / sum_j w_j), w = verified work this epoch",
    source: "Rosenfeld, \"Analysis of Bitcoin Pooled Mining Reward Systems\" (2011), the proportional method",
    params: &[],
    defaults: toml::Table::new,
};

impl RewardScheme for Proportional {
    fn name(&self) -> &'static str {
        "proportional"
    }

    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        _rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String> {
        pro_rata(ctx.work, budget, payouts);
        Ok(())
    }
}

/// Registry entry: no parameters, no inputs beyond work.
pub const FACTORY: PlainScheme = PlainScheme {
    info: &INFO,
    make: || Box::new(Proportional),
};
