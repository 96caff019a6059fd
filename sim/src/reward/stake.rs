//! `stake`: each member is paid pro rata to its stake, whatever its work,
//! payout_i = ⌊budget · s_i / Σ s⌋. The proof-of-stake baseline, which pays
//! capital rather than contribution.

use super::{pro_rata, PlainScheme, PoolKind, RewardContext, RewardScheme, SchemeInfo};
use crate::rng::SimRng;

/// Pay pro rata to stake: payout_i = ⌊budget · s_i / Σ_j s_j⌋.
///
/// Source: proof-of-stake reward distribution, where each epoch's rewards
/// accrue to stake in proportion to its size (D. Ojha, "F1 Fee
/// Distribution", Cosmos SDK `x/distribution`, 2019; A. Kiayias et al.,
/// "Ouroboros", CRYPTO 2017, section 10).
#[derive(Debug, Clone, Copy, Default)]
pub struct StakeWeighted;

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    name: "stake",
    pools: &[PoolKind::Compute, PoolKind::Data, PoolKind::Validation],
    joint: &[],
    summary: "pay pro rata to stake, whatever the work (capital, not contribution)",
    formula: "payout_i = floor(budget * s_i / sum_j s_j), s = stake",
    source: "Ojha, \"F1 Fee Distribution\" (Cosmos SDK x/distribution, 2019); Kiayias et al., \"Ouroboros\" (2017)",
    params: &[],
    defaults: toml::Table::new,
};

impl RewardScheme for StakeWeighted {
    fn name(&self) -> &'static str {
        "stake"
    }

    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        _rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String> {
        pro_rata(ctx.stake, budget, payouts);
        Ok(())
    }
}

/// Registry entry: no parameters, no inputs beyond stake.
pub const FACTORY: PlainScheme = PlainScheme {
    info: &INFO,
    make: || Box::new(StakeWeighted),
};
