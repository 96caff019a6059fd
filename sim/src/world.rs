//! The shared state of a run that role handlers may touch: the rules
//! derived from the scenario, the ledger, the market, the columns common to
//! all agents (`Agents`, struct of arrays: role, population, lifetime,
//! quote holdings, reward and contribution tallies), the event queue, the
//! generators and the epoch's counters.
//! The role tables themselves are kept beside it (`agents::RoleTables`), so
//! a role's handler borrows its own table and the world, never another
//! role's table; mechanisms that join roles (task allocation, validation,
//! rewards) live in the engine.

use rand::Rng;
use rand_distr::Exp1;

use crate::amount::round_to_u64;
use crate::event::Event;
use crate::ledger::Ledger;
use crate::market::Market;
use crate::queue::EventQueue;
use crate::quote::QuoteLedger;
use crate::rng::SimRng;
use crate::roles::Role;
use crate::values::{EmissionSchedule, SlashDestination};

/// Constants of a run, derived once from the scenario.
#[derive(Debug, Clone)]
pub struct Rules {
    pub epochs: u32,
    pub ticks_per_epoch: u64,
    pub decimals: u32,
    pub emission_schedule: EmissionSchedule,
    pub emission_per_epoch: u64,
    pub halving_interval: u32,
    pub burn_ppb: u128,
    pub treasury_ppb: u128,
    pub tasks_per_epoch: f64,
    pub demand_growth: f64,
    pub service_ticks: f64,
    pub sample_rate: f64,
    pub validation_delay: u64,
    pub slash_ppb: u128,
    pub slash_to: SlashDestination,
    pub exit_after_epochs: u32,
    pub join_rate: f64,
    pub exchange_amount: Option<u64>,
    /// `demand.willingness_to_pay` (quote units), drawn per arriving task.
    pub willingness_to_pay: Option<crate::distribution::DistSpec>,
    /// `verification.regime` (`sampled` without the section).
    pub regime: crate::verification::Regime,
    /// `demand.event_model = "batched"`: a tick's arrivals are one event,
    /// completions within the epoch are resolved at arrival.
    pub batched: bool,
}

/// Counters of the epoch in progress.
#[derive(Debug, Clone, Copy, Default)]
pub struct EpochCounters {
    pub tasks_arrived: u64,
    pub tasks_completed: u64,
    pub tasks_dropped: u64,
    pub cheats_caught: u64,
    pub fees_quote: u128,
    /// Tasks whose buyer's willingness to pay was below the fee.
    pub tasks_priced_out: u64,
    /// Quote providers paid for their costs / got from selling tokens.
    pub costs_paid_quote: u128,
    pub sales_quote: u128,
    /// Results accepted although wrong (`verification`).
    pub wrong_accepted: u64,
    /// Results accepted (final), and the ticks they waited to be final.
    pub results_accepted: u64,
    pub latency_ticks: u128,
    /// Quote spent on verification (proofs, extra replicas, re-executions).
    pub verification_cost_quote: u128,
    /// Challengers' checks, and wrong results detected (any regime).
    pub challenges: u64,
    pub frauds_caught: u64,
}

/// Everything of a run but the role tables and the engine's mechanisms.
#[derive(Debug)]
pub struct World {
    pub rules: Rules,
    pub ledger: Ledger,
    pub market: Option<Market>,
    /// Every quote holding and movement (agents, the market's reserve,
    /// task buyers, outside).
    pub quote: QuoteLedger,
    pub agents: Agents,
    pub queue: EventQueue<Event>,
    /// The event stream's generator.
    pub rng: SimRng,
    pub counters: EpochCounters,
    /// The market price at the start of the epoch in progress.
    pub price_at_epoch_start: f64,
    /// The epoch in progress.
    pub epoch: u32,
}

impl World {
    /// Schedules one of `role`'s own events `delay` ticks after `tick`.
    #[inline]
    pub fn schedule_role_event(
        &mut self,
        tick: u64,
        delay: u64,
        role: Role,
        kind: u8,
        agent: u32,
        row: u32,
    ) {
        self.queue.push(
            tick + delay,
            Event::Role {
                role,
                kind,
                agent,
                row,
            },
        );
    }

    /// The tick at which the epoch in progress ends (the next one's first).
    #[inline]
    pub fn epoch_end_tick(&self) -> u64 {
        (u64::from(self.epoch) + 1) * self.rules.ticks_per_epoch
    }

    /// Ticks a task is in service: exponential with mean
    /// `demand.service_ticks`, rounded, drawn from the event stream.
    #[inline]
    pub fn service_delay(&mut self) -> u64 {
        let service: f64 = self.rng.sample(Exp1);
        round_to_u64(service * self.rules.service_ticks)
    }

    /// Ticks until the next event of a Poisson process with
    /// `rate_per_epoch`, drawn from the event stream (None at rate 0).
    #[inline]
    pub fn poisson_delay(&mut self, rate_per_epoch: f64) -> Option<u64> {
        exp_delay(&mut self.rng, rate_per_epoch, self.rules.ticks_per_epoch)
    }
}

/// The largest rate a rate attribute (`agents::AttrKind::Rate`) takes, in events per
/// agent per tick (so per epoch: this × `ticks_per_epoch`). Delays are
/// whole ticks: at this rate an agent averages about e⁸ ≈ 3,000 events in
/// a tick before its clock moves on; far above it, the tick never ends.
pub const MAX_EVENTS_PER_TICK: f64 = 16.0;

/// Ticks until the next event of a Poisson process with `rate_per_epoch`.
#[inline]
pub fn exp_delay(rng: &mut SimRng, rate_per_epoch: f64, ticks_per_epoch: u64) -> Option<u64> {
    let rate_per_epoch = capped_rate(rate_per_epoch, ticks_per_epoch)?;
    let x: f64 = rng.sample(Exp1);
    // x ≥ 0 and the rate is positive and finite, so this is never NaN.
    let ticks = round_to_u64(x * ticks_per_epoch as f64 / rate_per_epoch);
    (ticks < u64::MAX / 4).then_some(ticks)
}

/// A rate the process runs at: None when not positive and finite; the
/// loader bounds rates, and a rare draw of an unbounded distribution above
/// the bound is capped at it, so the clock always moves on.
fn capped_rate(rate_per_epoch: f64, ticks_per_epoch: u64) -> Option<f64> {
    (rate_per_epoch > 0.0 && rate_per_epoch.is_finite())
        .then(|| rate_per_epoch.min(MAX_EVENTS_PER_TICK * ticks_per_epoch as f64))
}

/// Mean events per tick of `exp_delay`'s process: its gaps are whole
/// ticks [X · T/r], of mean Σ_{k≥1} e^{−(k−½)r/T} = 1 / (2 sinh(r/2T)),
/// so 2 sinh(r/2T) a tick (≈ r/T when r ≪ T); 0 when it has no events.
pub fn events_per_tick(rate_per_epoch: f64, ticks_per_epoch: u64) -> f64 {
    capped_rate(rate_per_epoch, ticks_per_epoch)
        .map_or(0.0, |r| 2.0 * (r / (2.0 * ticks_per_epoch as f64)).sinh())
}

/// A Poisson(`mean`) count (0 when the mean is not positive and finite).
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u64 {
    match rand_distr::Poisson::new(mean) {
        Ok(distribution) if mean > 0.0 => {
            let n: f64 = rng.sample(distribution);
            n as u64
        }
        _ => 0,
    }
}

/// `left_epoch` of an agent that is still active.
pub const ACTIVE: u32 = u32::MAX;

/// Columns common to all agents, indexed by agent id.
#[derive(Debug, Clone, Default)]
pub struct Agents {
    pub role: Vec<Role>,
    /// Index of the scenario population the agent came from.
    pub population: Vec<u16>,
    /// Row of the agent in its role's table.
    pub role_index: Vec<u32>,
    pub joined_epoch: Vec<u32>,
    /// Epoch the agent left, or `ACTIVE`.
    pub left_epoch: Vec<u32>,
    /// Quote units held (speculators' capital, providers' earnings in
    /// quote): a copy of the quote ledger's agent balances
    /// (`World::quote`, which is authoritative and the only API that moves
    /// quote), refreshed after genesis spawns and at every epoch end.
    pub quote: Vec<u64>,
    /// Rewards received, all epochs and this epoch (token base units).
    pub rewards_total: Vec<u64>,
    pub rewards_epoch: Vec<u64>,
    /// Verified units of work, all closed epochs and this epoch (a compute
    /// provider's results accepted unchecked, and its operating costs in
    /// `cost_epoch`, are tallied in its role row during the epoch and
    /// added here first thing at the epoch's end).
    pub contribution_total: Vec<u64>,
    pub contribution_epoch: Vec<u64>,
    /// Results caught wrong (compute) or datasets rejected (data) this epoch.
    pub failures_epoch: Vec<u32>,
    /// Results checked by a validator and not caught this epoch (compute
    /// providers; a data provider's validated successes are its accepted
    /// datasets, `contribution_epoch`). Feeds reputation.
    pub passed_epoch: Vec<u64>,
    /// Consecutive unprofitable epochs (providers).
    pub unprofitable_streak: Vec<u32>,
    /// Quote spent on operating costs this epoch (providers).
    pub cost_epoch: Vec<u64>,
}

impl Agents {
    /// Adds an agent (its ledger accounts are opened by the caller with the
    /// same id).
    pub fn push(&mut self, role: Role, population: u16, role_index: u32, epoch: u32) -> u32 {
        self.role.push(role);
        self.population.push(population);
        self.role_index.push(role_index);
        self.joined_epoch.push(epoch);
        self.left_epoch.push(ACTIVE);
        self.quote.push(0);
        self.rewards_total.push(0);
        self.rewards_epoch.push(0);
        self.contribution_total.push(0);
        self.contribution_epoch.push(0);
        self.failures_epoch.push(0);
        self.passed_epoch.push(0);
        self.unprofitable_streak.push(0);
        self.cost_epoch.push(0);
        (self.role.len() - 1) as u32
    }

    pub fn len(&self) -> usize {
        self.role.len()
    }

    /// The agents as maximal runs of consecutive ids with the same role
    /// (populations are spawned together, so there are few), for per-epoch
    /// passes that keep a role's running sums in registers.
    pub fn role_runs(&self) -> impl Iterator<Item = (Role, std::ops::Range<usize>)> + Clone + '_ {
        let roles = &self.role;
        let mut start = 0;
        std::iter::from_fn(move || {
            let &role = roles.get(start)?;
            let len = roles[start..].iter().take_while(|&&r| r == role).count();
            let run = start..start + len;
            start += len;
            Some((role, run))
        })
    }

    /// The runs of consecutive ids of `role`'s agents (see `role_runs`).
    pub fn runs_of(&self, role: Role) -> impl Iterator<Item = std::ops::Range<usize>> + Clone + '_ {
        self.role_runs()
            .filter(move |&(r, _)| r == role)
            .map(|(_, run)| run)
    }

    /// The maximal runs of consecutive active agents within `run` (agents
    /// that left split it), for per-epoch passes that copy or sum whole
    /// slices of a column instead of testing each agent.
    pub fn active_runs(
        &self,
        run: std::ops::Range<usize>,
    ) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let left = &self.left_epoch[..run.end];
        let mut start = run.start;
        std::iter::from_fn(move || {
            start += left[start..].iter().take_while(|&&l| l != ACTIVE).count();
            if start >= left.len() {
                return None;
            }
            let len = left[start..].iter().take_while(|&&l| l == ACTIVE).count();
            let active = start..start + len;
            start += len;
            Some(active)
        })
    }

    /// Reserves room for `additional` more agents in every column.
    pub fn reserve(&mut self, additional: usize) {
        self.role.reserve_exact(additional);
        self.population.reserve_exact(additional);
        self.role_index.reserve_exact(additional);
        self.joined_epoch.reserve_exact(additional);
        self.left_epoch.reserve_exact(additional);
        self.quote.reserve_exact(additional);
        self.rewards_total.reserve_exact(additional);
        self.rewards_epoch.reserve_exact(additional);
        self.contribution_total.reserve_exact(additional);
        self.contribution_epoch.reserve_exact(additional);
        self.failures_epoch.reserve_exact(additional);
        self.passed_epoch.reserve_exact(additional);
        self.unprofitable_streak.reserve_exact(additional);
        self.cost_epoch.reserve_exact(additional);
    }

    pub fn is_empty(&self) -> bool {
        self.role.is_empty()
    }

    #[inline]
    pub fn is_active(&self, agent: u32) -> bool {
        self.left_epoch[agent as usize] == ACTIVE
    }

    /// Folds the epoch's contributions into the totals and clears the
    /// per-epoch tallies.
    pub fn close_epoch(&mut self) {
        for (total, epoch) in self
            .contribution_total
            .iter_mut()
            .zip(&self.contribution_epoch)
        {
            *total += epoch;
        }
        self.rewards_epoch.fill(0);
        self.contribution_epoch.fill(0);
        self.failures_epoch.fill(0);
        self.passed_epoch.fill(0);
        self.cost_epoch.fill(0);
    }

    /// Records `units` of verified work in the epoch's tally (folded into
    /// `contribution_total` by `close_epoch`, so an event touches one column).
    #[inline]
    pub fn add_contribution(&mut self, agent: u32, units: u64) {
        self.contribution_epoch[agent as usize] += units;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// `active_runs` yields, in order, maximal non-empty runs whose
        /// union is exactly the active agents of the range.
        #[test]
        fn active_runs_are_the_active_agents(
            left in prop::collection::vec(prop::bool::weighted(0.7), 0..60),
            bounds in (0usize..60, 0usize..60),
        ) {
            let mut agents = Agents::default();
            for (a, &active) in left.iter().enumerate() {
                agents.push(Role::Holder, 0, a as u32, 0);
                if !active {
                    agents.left_epoch[a] = 3;
                }
            }
            let (lo, hi) = (bounds.0.min(bounds.1).min(left.len()), bounds.0.max(bounds.1).min(left.len()));
            let runs: Vec<_> = agents.active_runs(lo..hi).collect();
            let mut previous_end = None;
            for run in &runs {
                prop_assert!(!run.is_empty());
                prop_assert!(lo <= run.start && run.end <= hi);
                if let Some(end) = previous_end {
                    prop_assert!(run.start > end, "runs are maximal and ordered");
                }
                previous_end = Some(run.end);
            }
            let from_runs: Vec<usize> = runs.into_iter().flatten().collect();
            let expected: Vec<usize> = (lo..hi).filter(|&a| left[a]).collect();
            prop_assert_eq!(from_runs, expected);
        }
    }
}
