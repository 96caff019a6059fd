//! Compute providers: agents that take AI tasks up to a capacity per epoch,
//! pay an operating cost per task, and return a correct result with a
//! probability (their honesty). Holds their columns and the per-epoch pool
//! of providers with spare capacity that task allocation draws from.

use rand::Rng;

use super::{draw, Agents, AttrKind, Attribute, Attributes, Role, RoleBehaviour, Spawned};
use crate::amount::{to_base_units, QUOTE_DECIMALS};
use crate::distribution::DistSpec;
use crate::error::SimError;
use crate::event::Event;
use crate::rng::SimRng;
use crate::roles::PoolKind;
use crate::verification::Regime;
use crate::world::World;

/// The role's event kinds.
pub const COMPLETION: u8 = 0;

/// A compute-provider population's attributes.
#[derive(Debug, Clone)]
pub struct Params {
    capacity: Option<DistSpec>,
    cost_per_task: Option<DistSpec>,
    honesty: Option<DistSpec>,
    markup: Option<DistSpec>,
}

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
    /// Markup over cost of its bids in task auctions (`fees.policy =
    /// "auction"`): bid = cost_per_task · (1 + markup).
    pub markup: Vec<f64>,
    /// Tasks taken this epoch.
    pub used: Vec<u32>,
    /// Capacity of the providers active this epoch (including joiners),
    /// the denominator of the epoch's utilisation.
    pub capacity_epoch: u64,
    /// Rows with spare capacity this epoch (lazily pruned).
    available: Vec<u32>,
}

impl RoleBehaviour for ComputeProviders {
    const NAME: &'static str = "compute_provider";
    const ATTRIBUTES: &'static [Attribute] = &[
        Attribute {
            name: "stake",
            kind: AttrKind::NonNegative,
            doc: "tokens staked at genesis",
        },
        Attribute {
            name: "capacity",
            kind: AttrKind::NonNegative,
            doc: "tasks it can take per epoch (default 100)",
        },
        Attribute {
            name: "cost_per_task",
            kind: AttrKind::Cost,
            doc: "operating cost per task, quote units (default 0)",
        },
        Attribute {
            name: "honesty",
            kind: AttrKind::Probability,
            doc: "chance a result is correct (default 1)",
        },
        Attribute {
            name: "markup",
            kind: AttrKind::NonNegative,
            doc: "bid = cost_per_task × (1 + markup) in task auctions (default 0)",
        },
    ];
    const POOL: Option<PoolKind> = Some(PoolKind::Compute);
    const PAYS_COSTS: bool = true;
    type Params = Params;

    fn params(attributes: &Attributes) -> Params {
        Params {
            capacity: attributes.dist("capacity"),
            cost_per_task: attributes.dist("cost_per_task"),
            honesty: attributes.dist("honesty"),
            markup: attributes.dist("markup"),
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.agent.reserve_exact(additional);
        self.capacity.reserve_exact(additional);
        self.cost_per_task.reserve_exact(additional);
        self.honesty.reserve_exact(additional);
        self.markup.reserve_exact(additional);
        self.used.reserve_exact(additional);
        self.available.reserve_exact(additional);
    }

    fn spawn(&mut self, agent: u32, params: &Params, rng: &mut SimRng, _decimals: u32) -> Spawned {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        let capacity = draw(rng, params.capacity.as_ref(), 100.0, AttrKind::NonNegative);
        self.capacity
            .push(capacity.round().min(f64::from(u32::MAX)) as u32);
        let cost = draw(rng, params.cost_per_task.as_ref(), 0.0, AttrKind::Cost);
        self.cost_per_task.push(to_base_units(cost, QUOTE_DECIMALS));
        self.honesty.push(draw(
            rng,
            params.honesty.as_ref(),
            1.0,
            AttrKind::Probability,
        ));
        // Drawn only when set (`draw`), so older scenarios keep their draws.
        self.markup.push(draw(
            rng,
            params.markup.as_ref(),
            0.0,
            AttrKind::NonNegative,
        ));
        self.used.push(0);
        self.capacity_epoch += u64::from(self.capacity[row as usize]);
        if self.capacity[row as usize] > 0 {
            self.available.push(row);
        }
        Spawned { row, unvested: 0 }
    }

    /// A task is done: its result is correct with the provider's honesty;
    /// the provider bears its cost; under `sampled` verification a share
    /// of results goes to validation, the rest is accepted unchecked;
    /// under `none` every result is accepted. (Other regimes complete
    /// tasks through the engine's `Event::Result`.)
    #[inline]
    fn on_event(
        &mut self,
        _kind: u8,
        provider: u32,
        row: u32,
        tick: u64,
        world: &mut World,
    ) -> Result<(), SimError> {
        if !world.agents.is_active(provider) {
            world.counters.tasks_dropped += 1;
            return Ok(());
        }
        let correct = self.result_is_correct(row, &mut world.rng);
        world.counters.tasks_completed += 1;
        // Saturating: bounded costs per event reach u64::MAX only beyond
        // 1e13 quote of costs per agent and epoch.
        let cost = &mut world.agents.cost_epoch[provider as usize];
        *cost = cost.saturating_add(self.cost_per_task[row as usize]);
        let sampled = world.rules.regime == Regime::Sampled;
        if sampled
            && world.rules.sample_rate > 0.0
            && world.rng.random::<f64>() < world.rules.sample_rate
        {
            world.queue.push(
                tick + world.rules.validation_delay,
                Event::Validation { provider, correct },
            );
        } else {
            // Unchecked results are accepted as reported (also every
            // result under `verification.regime = "none"`).
            world.agents.add_contribution(provider, 1);
            world.counters.results_accepted += 1;
            world.counters.wrong_accepted += u64::from(!correct);
        }
        Ok(())
    }

    /// Validated checks passed against results caught wrong (caught means
    /// slashed).
    fn reputation_evidence(agents: &Agents, agent: usize) -> (u64, u64, bool) {
        let failures = u64::from(agents.failures_epoch[agent]);
        (agents.passed_epoch[agent], failures, failures > 0)
    }
}

impl ComputeProviders {
    /// The event that completes a task taken by `row` (agent `provider`).
    pub fn completion(provider: u32, row: u32) -> Event {
        Event::Role {
            role: Role::ComputeProvider,
            kind: COMPLETION,
            agent: provider,
            row,
        }
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
    #[inline(always)]
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
