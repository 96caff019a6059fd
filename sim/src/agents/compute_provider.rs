//! Compute providers: agents that take AI tasks up to a capacity per epoch,
//! pay an operating cost per task, and return a correct result with a
//! probability (their honesty). Holds their columns and the per-epoch pool
//! of providers with spare capacity that task allocation draws from.
//! What a task reads and writes of its provider is also kept in one
//! 64-byte row per provider (`TaskRow`: copies of the attributes a task
//! reads, the tasks taken this epoch and their tallies), so that allocating a task and
//! completing it touch one cache line of the provider: with a million
//! agents the columns are far beyond the core's caches and every task
//! lands on a random provider.

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
    /// Per row: what a task reads and writes (`TaskRow`).
    task: Vec<TaskRow>,
    /// Capacity of the providers active this epoch (including joiners),
    /// the denominator of the epoch's utilisation.
    pub capacity_epoch: u64,
    /// Rows with spare capacity this epoch (lazily pruned).
    available: Vec<u32>,
}

/// What an arriving task and its completion read and write of one
/// provider, in one cache line: copies of its id, capacity, honesty and
/// cost (set at spawn, never changed), whether it is still active
/// (cleared when it leaves, as `Agents::left_epoch` is set), the tasks it
/// took this epoch, and its completions' tallies of the epoch, which
/// `close_tallies` adds to the agent columns (`Agents::cost_epoch`,
/// `contribution_epoch`) at the epoch's end.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct TaskRow {
    agent: u32,
    capacity: u32,
    used: u32,
    /// Results accepted unchecked this epoch (verified work).
    accepted: u32,
    honesty: f64,
    cost_per_task: u64,
    /// Operating costs of this epoch's completions, quote base units.
    cost_epoch: u64,
    /// The tick of its queued leave (`u64::MAX`: none queued).
    leaves_at: u64,
    active: bool,
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
        self.task.reserve_exact(additional);
        self.available.reserve_exact(additional);
    }

    fn spawn(&mut self, agent: u32, params: &Params, rng: &mut SimRng, _decimals: u32) -> Spawned {
        let capacity = draw(rng, params.capacity.as_ref(), 100.0, AttrKind::NonNegative);
        let cost = draw(rng, params.cost_per_task.as_ref(), 0.0, AttrKind::Cost);
        let honesty = draw(rng, params.honesty.as_ref(), 1.0, AttrKind::Probability);
        // Drawn only when set (`draw`), so older scenarios keep their draws.
        let markup = draw(rng, params.markup.as_ref(), 0.0, AttrKind::NonNegative);
        let row = self.push(
            agent,
            capacity.round().min(f64::from(u32::MAX)) as u32,
            to_base_units(cost, QUOTE_DECIMALS),
            honesty,
            markup,
        );
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
        let active = self.task[row as usize].active;
        debug_assert_eq!(active, world.agents.is_active(provider));
        self.complete(provider, row, tick, active, world);
        Ok(())
    }

    /// Kept in the task row, for completions resolved at arrival.
    fn leave_queued(&mut self, row: u32, tick: u64) {
        let task = &mut self.task[row as usize];
        task.leaves_at = task.leaves_at.min(tick);
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

    /// Completes at `tick` a task taken by `row` (agent `provider`), whose
    /// provider is still `active` then (else the task is dropped): the
    /// completion event's work, also done at a task's arrival by the
    /// batched event model (`demand.event_model`), which knows `active`
    /// in advance from `leaves_at`.
    #[inline]
    pub fn complete(
        &mut self,
        provider: u32,
        row: u32,
        tick: u64,
        active: bool,
        world: &mut World,
    ) {
        if !active {
            world.counters.tasks_dropped += 1;
            return;
        }
        let correct = self.result_is_correct(row, &mut world.rng);
        world.counters.tasks_completed += 1;
        // Saturating (as `close_tallies` adds it): bounded costs per event
        // reach u64::MAX only beyond 1e13 quote of costs per agent and epoch.
        let tally = &mut self.task[row as usize];
        tally.cost_epoch = tally.cost_epoch.saturating_add(tally.cost_per_task);
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
            self.task[row as usize].accepted += 1;
            world.counters.results_accepted += 1;
            world.counters.wrong_accepted += u64::from(!correct);
        }
    }

    /// Whether the provider of `row` is still active at `tick`: its leave,
    /// once queued, is at `leaves_at` (a leave at the completion's tick
    /// comes first, as its event was queued earlier).
    #[inline]
    pub fn active_at(&self, row: u32, tick: u64) -> bool {
        let task = &self.task[row as usize];
        task.active && task.leaves_at > tick
    }

    /// Adds a provider (row `self.agent.len()`) with its attributes.
    pub fn push(
        &mut self,
        agent: u32,
        capacity: u32,
        cost_per_task: u64,
        honesty: f64,
        markup: f64,
    ) -> u32 {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        self.capacity.push(capacity);
        self.cost_per_task.push(cost_per_task);
        self.honesty.push(honesty);
        self.markup.push(markup);
        self.task.push(TaskRow {
            agent,
            capacity,
            used: 0,
            accepted: 0,
            honesty,
            cost_per_task,
            cost_epoch: 0,
            leaves_at: u64::MAX,
            active: true,
        });
        self.capacity_epoch += u64::from(capacity);
        if capacity > 0 {
            self.available.push(row);
        }
        row
    }

    /// The provider of `row` left (`Agents::left_epoch` is set).
    pub fn on_leave(&mut self, row: u32) {
        self.task[row as usize].active = false;
    }

    /// Tasks `row` took this epoch.
    #[inline]
    pub fn used(&self, row: usize) -> u32 {
        self.task[row].used
    }

    /// `row` takes one more task this epoch.
    #[inline]
    pub fn take(&mut self, row: usize) {
        self.task[row].used += 1;
    }

    /// `row` gives back a task it took (a replica it cannot run).
    #[inline]
    pub fn give_back(&mut self, row: usize) {
        let used = &mut self.task[row].used;
        *used = used.saturating_sub(1);
    }

    /// Adds the epoch's completion tallies (costs, results accepted
    /// unchecked) to the agent columns and clears them: called first at
    /// every epoch end, before anything reads those columns. (Saturating
    /// additions of non-negative amounts give the same total in any order.)
    pub fn close_tallies(&mut self, agents: &mut Agents) {
        for task in &mut self.task {
            let a = task.agent as usize;
            if task.cost_epoch > 0 {
                agents.cost_epoch[a] = agents.cost_epoch[a].saturating_add(task.cost_epoch);
                task.cost_epoch = 0;
            }
            if task.accepted > 0 {
                agents.add_contribution(task.agent, u64::from(task.accepted));
                task.accepted = 0;
            }
        }
    }

    /// Tasks taken this epoch by all providers.
    pub fn allocated(&self) -> u64 {
        self.task.iter().map(|t| u64::from(t.used)).sum()
    }

    /// Starts an epoch: every active provider's capacity is free again.
    pub fn reset_epoch(&mut self, agents: &Agents) {
        self.available.clear();
        self.capacity_epoch = 0;
        for (row, task) in self.task.iter_mut().enumerate() {
            task.used = 0;
            debug_assert_eq!(task.active, agents.is_active(task.agent));
            if task.active && task.capacity > 0 {
                self.available.push(row as u32);
                self.capacity_epoch += u64::from(task.capacity);
            }
        }
    }

    /// Allocates one task to a uniformly random active provider with spare
    /// capacity; returns its row, or `None` when every provider is busy.
    #[inline(always)]
    pub fn allocate_random<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<u32> {
        while !self.available.is_empty() {
            let slot = rng.random_range(0..self.available.len());
            if let Some((row, _)) = self.take_slot(slot) {
                return Some(row);
            }
        }
        None
    }

    /// A uniform draw landed on `slot` of the free list: a row found full
    /// or gone leaves the list (None, draw again); otherwise its provider
    /// takes the task, leaving the list if that filled it: (row, filled).
    #[inline(always)]
    fn take_slot(&mut self, slot: usize) -> Option<(u32, bool)> {
        let row = self.available[slot];
        let task = &mut self.task[row as usize];
        if !task.active || task.used >= task.capacity {
            self.available.swap_remove(slot);
            return None;
        }
        task.used += 1;
        let filled = task.used >= task.capacity;
        if filled {
            self.available.swap_remove(slot);
        }
        Some((row, filled))
    }

    /// Allocates `tasks` tasks one after another exactly as that many calls
    /// of `allocate_random` would (the same draws from `rng`, the same
    /// rows, appended to `rows`); returns how many found every provider
    /// busy. Before each run of draws it reads ahead the rows that the next
    /// draws will pick while the list of free rows stays as it is (a clone
    /// of the generator makes the same draws), so that their cache misses
    /// overlap instead of coming one after another; a row leaving the list
    /// ends the run. The reads ahead change nothing.
    pub fn allocate_random_batch(
        &mut self,
        tasks: u64,
        rng: &mut SimRng,
        rows: &mut Vec<u32>,
    ) -> u64 {
        /// Draws read ahead at a time.
        const AHEAD: u64 = 16;
        let mut left = tasks;
        while left > 0 {
            let len = self.available.len();
            if len == 0 {
                return left;
            }
            let run = left.min(AHEAD);
            let mut ahead = rng.clone();
            let mut touched = 0u32;
            for _ in 0..run {
                let row = self.available[ahead.random_range(0..len)];
                touched ^= self.task[row as usize].used;
            }
            std::hint::black_box(touched);
            for _ in 0..run {
                let slot = rng.random_range(0..self.available.len());
                let Some((row, filled)) = self.take_slot(slot) else {
                    break;
                };
                rows.push(row);
                left -= 1;
                if filled {
                    break;
                }
            }
        }
        0
    }

    /// The provider's agent id of `row`, read from its task row (which an
    /// arriving task has just touched).
    #[inline]
    pub fn agent_of(&self, row: u32) -> u32 {
        self.task[row as usize].agent
    }

    /// Whether the result of a task done by `row` is correct.
    #[inline]
    pub fn result_is_correct<R: Rng + ?Sized>(&self, row: u32, rng: &mut R) -> bool {
        let honesty = self.task[row as usize].honesty;
        honesty >= 1.0 || rng.random::<f64>() < honesty
    }
}
