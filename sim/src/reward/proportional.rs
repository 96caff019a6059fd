//! `proportional`: each member is paid in proportion to its verified units
//! of work this epoch, payout_i = ⌊budget · w_i / Σ w⌋. The baseline
//! "pay per verified unit of work" rule.

use super::{pro_rata, RewardContext, RewardScheme};
use crate::rng::SimRng;

#[derive(Debug, Clone, Copy, Default)]
pub struct Proportional;

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
    ) {
        pro_rata(ctx.work, budget, payouts);
    }
}
