//! Compute providers: agents that take AI tasks up to a capacity per epoch,
//! pay an operating cost per task, and return a correct result with a
//! probability (their honesty). Holds their columns and the per-epoch pool
//! of providers with spare capacity that task allocation draws from.

use rand::Rng;

use super::{draw, Agents, AttrKind};
use crate::amount::{to_base_units, QUOTE_DECIMALS};
use crate::scenario::PopulationSpec;

/// Attributes a compute-provider population may set.
pub const ATTRIBUTES: &[&str] = &["stake", "capacity", "cost_per_task", "honesty"];

/// Columns of compute providers, indexed by their row.
#[derive(Debug, Clone, Default)]
pub struct ComputeProviders {
    pub agent: Vec<u32>,
    /// Tasks the provider can take per epoch.
    pub capacity: Vec<u32>,
    /// Operating cost per task, quote base units.
    pub cost_per_task: Vec<u64>,
    /// Chance of returning a correct result.
    pub honesty: Vec<f64>,
    /// Tasks taken this epoch.
    pub used: Vec<u32>,
    /// Capacity of the providers active this epoch (including joiners),
    /// the denominator of the epoch's utilisation.
    pub capacity_epoch: u64,
    /// Rows with spare capacity this epoch (lazily pruned).
    available: Vec<u32>,
}

impl ComputeProviders {
    /// Adds a provider drawn from `spec`; returns its row.
    pub fn spawn<R: Rng + ?Sized>(
        &mut self,
        agent: u32,
        spec: &PopulationSpec,
        rng: &mut R,
    ) -> u32 {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        let capacity = draw(rng, spec.capacity.as_ref(), 100.0, AttrKind::NonNegative);
        self.capacity
            .push(capacity.round().min(f64::from(u32::MAX)) as u32);
        let cost = draw(rng, spec.cost_per_task.as_ref(), 0.0, AttrKind::NonNegative);
        self.cost_per_task.push(to_base_units(cost, QUOTE_DECIMALS));
        self.honesty
            .push(draw(rng, spec.honesty.as_ref(), 1.0, AttrKind::Probability));
        self.used.push(0);
        self.capacity_epoch += u64::from(self.capacity[row as usize]);
        if self.capacity[row as usize] > 0 {
            self.available.push(row);
        }
        row
    }

    /// Starts an epoch: every active provider's capacity is free again.
    pub fn reset_epoch(&mut self, agents: &Agents) {
        self.used.fill(0);
        self.available.clear();
        self.capacity_epoch = 0;
        for (row, &agent) in self.agent.iter().enumerate() {
            if agents.is_active(agent) && self.capacity[row] > 0 {
                self.available.push(row as u32);
                self.capacity_epoch += u64::from(self.capacity[row]);
            }
        }
    }

    /// Allocates one task to a uniformly random active provider with spare
    /// capacity; returns its row, or `None` when every provider is busy.
    #[inline]
    pub fn allocate_random<R: Rng + ?Sized>(
        &mut self,
        agents: &Agents,
        rng: &mut R,
    ) -> Option<u32> {
        while !self.available.is_empty() {
            let slot = rng.random_range(0..self.available.len());
            let row = self.available[slot];
            let r = row as usize;
            if !agents.is_active(self.agent[r]) || self.used[r] >= self.capacity[r] {
                self.available.swap_remove(slot);
                continue;
            }
            self.used[r] += 1;
            if self.used[r] >= self.capacity[r] {
                self.available.swap_remove(slot);
            }
            return Some(row);
        }
        None
    }

    /// Whether the result of a task done by `row` is correct.
    #[inline]
    pub fn result_is_correct<R: Rng + ?Sized>(&self, row: u32, rng: &mut R) -> bool {
        let honesty = self.honesty[row as usize];
        honesty >= 1.0 || rng.random::<f64>() < honesty
    }
}
