//! Data providers: agents that submit datasets as a Poisson process; a
//! submission is accepted (counted as verified work) with probability equal
//! to the provider's dataset quality, and costs it a fixed amount of quote.
//! When a reward scheme pays by usage, tasks draw the dataset they use from
//! an alias table rebuilt each epoch (weight = quality × accepted datasets),
//! and each provider's uses are counted here.

use rand::Rng;

use super::{draw, Agents, AttrKind, Attribute, Attributes, Role, RoleBehaviour, Spawned};
use crate::amount::{to_base_units, QUOTE_DECIMALS};
use crate::distribution::DistSpec;
use crate::error::SimError;
use crate::rng::SimRng;
use crate::roles::PoolKind;
use crate::sampling::AliasTable;
use crate::world::{events_per_tick, exp_delay, poisson, World};
use rand_distr::Binomial;

/// The role's event kinds.
pub const SUBMISSION: u8 = 0;

/// A data-provider population's attributes.
#[derive(Debug, Clone)]
pub struct Params {
    quality: Option<DistSpec>,
    submission_rate: Option<DistSpec>,
    cost_per_submission: Option<DistSpec>,
}

/// What a submission reads of its provider: one 24-byte row, so that a
/// submission by a random provider loads one cache line, not one for each
/// attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Submitter {
    /// Dataset quality in [0, 1].
    pub quality: f64,
    /// Mean submissions per epoch.
    pub submission_rate: f64,
    /// Cost of one submission, quote base units.
    pub cost_per_submission: u64,
}

impl Submitter {
    /// Whether one of its submissions is accepted.
    #[inline]
    pub fn accepted<R: Rng + ?Sized>(&self, rng: &mut R) -> bool {
        rng.random::<f64>() < self.quality
    }
}

/// Data providers, indexed by their row: the agent id, the submission
/// attributes as one row each, and the usage columns.
#[derive(Debug, Clone, Default)]
pub struct DataProviders {
    pub agent: Vec<u32>,
    pub submitter: Vec<Submitter>,
    /// Times tasks used the provider's datasets this epoch.
    pub usage_epoch: Vec<u64>,
    /// Which provider's dataset a task uses (rebuilt each epoch).
    usage_draw: AliasTable,
    usage_weights: Vec<f64>,
    /// The tick of the provider's queued leave (`u64::MAX`: none queued);
    /// the batched event model's epoch draw stops there.
    leaves_at: Vec<u64>,
    /// The epoch whose submissions the batched event model has drawn for
    /// the providers present at its start (a joiner after it draws its own).
    drawn_epoch: Option<u32>,
}

impl RoleBehaviour for DataProviders {
    const NAME: &'static str = "data_provider";
    const ATTRIBUTES: &'static [Attribute] = &[
        Attribute {
            name: "stake",
            kind: AttrKind::NonNegative,
            doc: "tokens staked at genesis",
        },
        Attribute {
            name: "quality",
            kind: AttrKind::Probability,
            doc: "chance a dataset is accepted (default 0.5)",
        },
        Attribute {
            name: "submission_rate",
            kind: AttrKind::Rate,
            doc: "mean submissions per epoch (default 1)",
        },
        Attribute {
            name: "cost_per_submission",
            kind: AttrKind::Cost,
            doc: "cost of one submission, quote units (default 0)",
        },
    ];
    const POOL: Option<PoolKind> = Some(PoolKind::Data);
    const PAYS_COSTS: bool = true;
    type Params = Params;

    fn params(attributes: &Attributes) -> Params {
        Params {
            quality: attributes.dist("quality"),
            submission_rate: attributes.dist("submission_rate"),
            cost_per_submission: attributes.dist("cost_per_submission"),
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.agent.reserve_exact(additional);
        self.submitter.reserve_exact(additional);
        self.usage_epoch.reserve_exact(additional);
        self.leaves_at.reserve_exact(additional);
    }

    fn spawn(&mut self, agent: u32, params: &Params, rng: &mut SimRng, _decimals: u32) -> Spawned {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        // Drawn in this order: quality, rate, cost.
        let quality = draw(rng, params.quality.as_ref(), 0.5, AttrKind::Probability);
        let submission_rate = draw(rng, params.submission_rate.as_ref(), 1.0, AttrKind::Rate);
        let cost = draw(
            rng,
            params.cost_per_submission.as_ref(),
            0.0,
            AttrKind::Cost,
        );
        self.submitter.push(Submitter {
            quality,
            submission_rate,
            cost_per_submission: to_base_units(cost, QUOTE_DECIMALS),
        });
        self.usage_epoch.push(0);
        self.leaves_at.push(u64::MAX);
        Spawned { row, unvested: 0 }
    }

    /// Submissions are a Poisson process per provider: its first event,
    /// or, under the batched event model, for a joiner, its submissions
    /// from now to the epoch's end drawn at once (a genesis provider's are
    /// drawn with everyone's at the epoch's start; its first gap is still
    /// drawn and dropped, so that the genesis stream, and with it every
    /// later population's attributes, is the same under both models).
    fn start_processes(&self, agent: u32, row: u32, rng: &mut SimRng, world: &mut World) {
        let now = world.queue.now();
        let rate = self.submitter[row as usize].submission_rate;
        if world.rules.batched {
            if self.drawn_epoch == Some(world.epoch) {
                let epoch_end = world.epoch_end_tick();
                self.submit_batch(row, now, epoch_end, rng, world);
            } else {
                let _ = exp_delay(rng, rate, world.rules.ticks_per_epoch);
            }
            return;
        }
        if let Some(delay) = exp_delay(rng, rate, world.rules.ticks_per_epoch) {
            world.schedule_role_event(now, delay, Role::DataProvider, SUBMISSION, agent, row);
        }
    }

    /// The batched event model draws each epoch's submissions at its start
    /// (joiners' at their spawn), when the scenario has data providers
    /// (genesis reserved rows for them: some population can hold one).
    fn has_epoch_process(&self, world: &World) -> bool {
        world.rules.batched && self.agent.capacity() > 0
    }

    /// Every active provider's submissions of `epoch` (batched event model).
    fn on_epoch_start(&mut self, epoch: u32, world: &mut World) -> Result<(), SimError> {
        self.drawn_epoch = Some(epoch);
        let ticks = world.rules.ticks_per_epoch;
        let start = u64::from(epoch) * ticks;
        let mut rng = world.rng.clone();
        for row in 0..self.agent.len() as u32 {
            if world.agents.is_active(self.agent[row as usize]) {
                self.submit_batch(row, start, start + ticks, &mut rng, world);
            }
        }
        world.rng = rng;
        Ok(())
    }

    /// Kept for the batched event model's epoch draw.
    fn leave_queued(&mut self, row: u32, tick: u64) {
        let leaves = &mut self.leaves_at[row as usize];
        *leaves = (*leaves).min(tick);
    }

    /// A submission: accepted with the provider's quality (verified work)
    /// or rejected (a failure); it costs the provider; the next is scheduled.
    fn on_event(
        &mut self,
        _kind: u8,
        provider: u32,
        row: u32,
        tick: u64,
        world: &mut World,
    ) -> Result<(), SimError> {
        if !world.agents.is_active(provider) {
            return Ok(());
        }
        let submitter = self.submitter[row as usize];
        if submitter.accepted(&mut world.rng) {
            world.agents.add_contribution(provider, 1);
        } else {
            world.agents.failures_epoch[provider as usize] += 1;
        }
        // Saturating: bounded costs per event reach u64::MAX only beyond
        // 1e13 quote of costs per agent and epoch.
        let cost = &mut world.agents.cost_epoch[provider as usize];
        *cost = cost.saturating_add(submitter.cost_per_submission);
        let rate = submitter.submission_rate;
        if let Some(delay) = world.poisson_delay(rate) {
            world.schedule_role_event(tick, delay, Role::DataProvider, SUBMISSION, provider, row);
        }
        Ok(())
    }
}

impl DataProviders {
    /// Starts an epoch of usage: clears the counts and rebuilds the draw
    /// (weight = quality × accepted datasets so far, active providers only).
    pub fn rebuild_usage(&mut self, agents: &Agents) {
        self.usage_epoch.fill(0);
        self.usage_weights.clear();
        for (row, &agent) in self.agent.iter().enumerate() {
            let a = agent as usize;
            self.usage_weights.push(if agents.is_active(agent) {
                self.submitter[row].quality * agents.contribution_total[a] as f64
            } else {
                0.0
            });
        }
        self.usage_draw.rebuild(&self.usage_weights);
    }

    /// One task uses a dataset: counts a use of the drawn provider's.
    /// Out of line, to keep the task-arrival path small when usage is off.
    #[inline(never)]
    pub fn use_dataset<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        if let Some(row) = self.usage_draw.draw(rng) {
            self.usage_epoch[row] += 1;
        }
    }

    /// The batched event model's submissions of `row` in [from, to), cut
    /// at its queued leave: n ~ Poisson(τ · `events_per_tick`) of them, τ
    /// the ticks (the per-event process's mean), of which Binomial(n,
    /// quality) accepted; tallied as its events would.
    fn submit_batch(&self, row: u32, from: u64, to: u64, rng: &mut SimRng, world: &mut World) {
        let r = row as usize;
        let ticks = to.min(self.leaves_at[r]).saturating_sub(from);
        let submitter = self.submitter[r];
        let per_tick = events_per_tick(submitter.submission_rate, world.rules.ticks_per_epoch);
        let submissions = poisson(rng, per_tick * ticks as f64);
        if submissions == 0 {
            return;
        }
        let accepted = match Binomial::new(submissions, submitter.quality) {
            Ok(binomial) => rng.sample(binomial),
            Err(_) => 0,
        };
        let agent = self.agent[r];
        let a = agent as usize;
        world.agents.add_contribution(agent, accepted);
        let failures = u32::try_from(submissions - accepted).unwrap_or(u32::MAX);
        world.agents.failures_epoch[a] = world.agents.failures_epoch[a].saturating_add(failures);
        let cost = submitter.cost_per_submission.saturating_mul(submissions);
        world.agents.cost_epoch[a] = world.agents.cost_epoch[a].saturating_add(cost);
    }
}
