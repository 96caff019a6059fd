//! `stake`: each member is paid pro rata to its stake, whatever its work,
//! payout_i = ⌊budget · s_i / Σ s⌋. The proof-of-stake baseline, which pays
//! capital rather than contribution.

use super::{pro_rata, RewardContext, RewardScheme};
use crate::rng::SimRng;

#[derive(Debug, Clone, Copy, Default)]
pub struct StakeWeighted;

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
    ) {
        pro_rata(ctx.stake, budget, payouts);
    }
}
