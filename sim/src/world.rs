//! The shared state of a run that role handlers may touch: the rules
//! derived from the scenario, the ledger, the market, the columns common to
//! all agents, the event queue, the generators and the epoch's counters.
//! The role tables themselves are kept beside it (`agents::RoleTables`), so
//! a role's handler borrows its own table and the world, never another
//! role's table; mechanisms that join roles (task allocation, validation,
//! rewards) live in the engine.

use rand::Rng;
use rand_distr::Exp1;

use crate::agents::{Agents, Role};
use crate::event::Event;
use crate::ledger::Ledger;
use crate::market::Market;
use crate::queue::EventQueue;
use crate::quote::QuoteLedger;
use crate::rng::SimRng;
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
    pub willingness_to_pay: Option<crate::scenario::DistSpec>,
    /// `verification.regime` (`sampled` without the section).
    pub regime: crate::verification::Regime,
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

    /// Ticks until the next event of a Poisson process with
    /// `rate_per_epoch`, drawn from the event stream (None at rate 0).
    #[inline]
    pub fn poisson_delay(&mut self, rate_per_epoch: f64) -> Option<u64> {
        exp_delay(&mut self.rng, rate_per_epoch, self.rules.ticks_per_epoch)
    }
}

/// Ticks until the next event of a Poisson process with `rate_per_epoch`.
#[inline]
pub fn exp_delay(rng: &mut SimRng, rate_per_epoch: f64, ticks_per_epoch: u64) -> Option<u64> {
    if !(rate_per_epoch > 0.0 && rate_per_epoch.is_finite()) {
        return None;
    }
    let x: f64 = rng.sample(Exp1);
    let ticks = (x * ticks_per_epoch as f64 / rate_per_epoch).round();
    (ticks < (u64::MAX / 4) as f64).then_some(ticks as u64)
}
