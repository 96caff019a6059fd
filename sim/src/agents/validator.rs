//! Validators: staked agents that check a sample of task results and catch
//! a wrong one with probability equal to their accuracy. Holds their columns
//! and the stake-weighted draw that assigns each check to a validator.

use rand::Rng;

use super::{draw, Agents, AttrKind, Attribute, Attributes, RoleBehaviour, Spawned};
use crate::distribution::DistSpec;
use crate::ledger::{Account, Ledger};
use crate::rng::SimRng;
use crate::roles::PoolKind;

/// A validator population's attributes.
#[derive(Debug, Clone)]
pub struct Params {
    accuracy: Option<DistSpec>,
}

/// Columns of validators, indexed by their row.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub agent: Vec<u32>,
    /// Chance of catching a wrong result.
    pub accuracy: Vec<f64>,
    /// Cumulative stake of active validators (rebuilt each epoch), with the
    /// row each entry belongs to.
    cumulative_stake: Vec<u64>,
    /// The draw must be rebuilt before its next use (set at each epoch
    /// start; rebuilt lazily, so epochs without checks never pay for it).
    draw_stale: bool,
    cumulative_row: Vec<u32>,
}

impl RoleBehaviour for Validators {
    const NAME: &'static str = "validator";
    const ATTRIBUTES: &'static [Attribute] = &[
        Attribute {
            name: "stake",
            kind: AttrKind::NonNegative,
            doc: "tokens staked at genesis (checks are drawn by stake)",
        },
        Attribute {
            name: "accuracy",
            kind: AttrKind::Probability,
            doc: "chance of catching a wrong result (default 0.9)",
        },
    ];
    const POOL: Option<PoolKind> = Some(PoolKind::Validation);
    const PAYS_COSTS: bool = true;
    type Params = Params;

    fn params(attributes: &Attributes) -> Params {
        Params {
            accuracy: attributes.dist("accuracy"),
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.agent.reserve_exact(additional);
        self.accuracy.reserve_exact(additional);
        self.cumulative_stake.reserve_exact(additional);
        self.cumulative_row.reserve_exact(additional);
    }

    fn spawn(&mut self, agent: u32, params: &Params, rng: &mut SimRng, _decimals: u32) -> Spawned {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        self.accuracy.push(draw(
            rng,
            params.accuracy.as_ref(),
            0.9,
            AttrKind::Probability,
        ));
        Spawned { row, unvested: 0 }
    }
}

impl Validators {
    /// Rebuilds the stake-weighted draw from the current stakes. Validators
    /// with no stake are drawn uniformly when nobody has stake.
    /// Marks the stake-weighted draw for rebuilding before its next use.
    pub fn invalidate_draw(&mut self) {
        self.draw_stale = true;
    }

    pub fn rebuild_draw(&mut self, agents: &Agents, ledger: &Ledger) {
        self.draw_stale = false;
        self.cumulative_stake.clear();
        self.cumulative_row.clear();
        let any_stake = self
            .agent
            .iter()
            .any(|&a| agents.is_active(a) && ledger.get(Account::Stake(a)) > 0);
        let mut total = 0u64;
        for (row, &agent) in self.agent.iter().enumerate() {
            if !agents.is_active(agent) {
                continue;
            }
            let weight = if any_stake {
                ledger.get(Account::Stake(agent))
            } else {
                1
            };
            if weight == 0 {
                continue;
            }
            total = total.saturating_add(weight);
            self.cumulative_stake.push(total);
            self.cumulative_row.push(row as u32);
        }
    }

    /// Draws an active validator with probability proportional to stake;
    /// returns its row. A validator that left since the last rebuild is
    /// skipped by the caller.
    #[inline]
    pub fn draw_by_stake<R: Rng + ?Sized>(
        &mut self,
        agents: &Agents,
        ledger: &Ledger,
        rng: &mut R,
    ) -> Option<u32> {
        if self.draw_stale {
            self.rebuild_draw(agents, ledger);
        }
        let total = *self.cumulative_stake.last()?;
        let x = rng.random_range(0..total);
        let slot = self.cumulative_stake.partition_point(|&c| c <= x);
        self.cumulative_row.get(slot).copied()
    }

    /// Whether validator `row` catches a wrong result.
    #[inline]
    pub fn catches<R: Rng + ?Sized>(&self, row: u32, rng: &mut R) -> bool {
        rng.random::<f64>() < self.accuracy[row as usize]
    }
}
