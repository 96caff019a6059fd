//! Agents in struct-of-arrays form. `Agents` holds the columns every agent
//! has (role, population, lifetime, quote holdings, reward and contribution
//! tallies); each role's own columns and behaviour live in that role's file
//! and are reached through `role_index`. Tokens are in the ledger, never here.

pub mod compute_provider;
pub mod data_provider;
pub mod holder;
pub mod investor;
pub mod speculator;
pub mod validator;

use std::ops::Range;

use rand::Rng;
use toml::Spanned;

use crate::amount::to_base_units;
pub use crate::scenario::Role;
use crate::scenario::{DistSpec, PopulationSpec};

pub use compute_provider::ComputeProviders;
pub use data_provider::DataProviders;
pub use holder::Holders;
pub use investor::Investors;
pub use speculator::Speculators;
pub use validator::Validators;

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
    /// Quote units held (speculators' capital, providers' earnings in quote).
    pub quote: Vec<u64>,
    /// Rewards received, all epochs and this epoch (token base units).
    pub rewards_total: Vec<u64>,
    pub rewards_epoch: Vec<u64>,
    /// Verified units of work, all closed epochs and this epoch.
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

/// A problem in one population table, with the span it concerns.
#[derive(Debug, Clone)]
pub struct SpecIssue {
    pub span: Range<usize>,
    pub message: String,
}

/// What kind of value an attribute distribution must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// Zero or more (amounts, rates); negative draws are clamped to zero.
    NonNegative,
    /// In [0, 1]; draws outside are clamped.
    Probability,
}

/// Every optional attribute a population table may carry, with its kind.
pub fn population_attributes(
    spec: &PopulationSpec,
) -> Vec<(&'static str, Option<&Spanned<DistSpec>>, AttrKind)> {
    use AttrKind::{NonNegative as N, Probability as P};
    vec![
        ("balance", spec.balance.as_ref(), N),
        ("stake", spec.stake.as_ref(), N),
        ("capital", spec.capital.as_ref(), N),
        ("capacity", spec.capacity.as_ref(), N),
        ("cost_per_task", spec.cost_per_task.as_ref(), N),
        ("honesty", spec.honesty.as_ref(), P),
        ("quality", spec.quality.as_ref(), P),
        ("submission_rate", spec.submission_rate.as_ref(), N),
        ("cost_per_submission", spec.cost_per_submission.as_ref(), N),
        ("accuracy", spec.accuracy.as_ref(), P),
        ("trade_fraction", spec.trade_fraction.as_ref(), P),
        ("trades_per_epoch", spec.trades_per_epoch.as_ref(), N),
        ("allocation", spec.allocation.as_ref(), N),
        ("sell_fraction", spec.sell_fraction.as_ref(), P),
    ]
}

/// The attributes each role reads (besides `role`, `name`, `count`,
/// `max_count`, `balance`), from the role's own file.
pub fn accepted_attributes(role: Role) -> &'static [&'static str] {
    match role {
        Role::ComputeProvider => compute_provider::ATTRIBUTES,
        Role::DataProvider => data_provider::ATTRIBUTES,
        Role::Validator => validator::ATTRIBUTES,
        Role::Speculator => speculator::ATTRIBUTES,
        Role::Investor => investor::ATTRIBUTES,
        Role::Holder => holder::ATTRIBUTES,
    }
}

/// Checks that a population table only sets attributes its role reads and
/// that each distribution fits its attribute.
pub fn check_population(spec: &PopulationSpec, table_span: Range<usize>) -> Result<(), SpecIssue> {
    let accepted = accepted_attributes(spec.role);
    for (name, dist, kind) in population_attributes(spec) {
        let Some(dist) = dist else { continue };
        if name != "balance" && !accepted.contains(&name) {
            return Err(SpecIssue {
                span: dist.span(),
                message: format!(
                    "`{name}` does not apply to role `{}` (it reads: balance{}{})",
                    spec.role.as_str(),
                    if accepted.is_empty() { "" } else { ", " },
                    accepted.join(", ")
                ),
            });
        }
        let (lo, hi) = dist.get_ref().support();
        let fits = match kind {
            AttrKind::NonNegative => hi >= 0.0 && (lo >= 0.0 || lo == f64::NEG_INFINITY),
            AttrKind::Probability => {
                (lo >= 0.0 && hi <= 1.0)
                    || matches!(
                        dist.get_ref().table(),
                        crate::scenario::DistTable::Normal { .. }
                    )
            }
        };
        if !fits {
            let expected = match kind {
                AttrKind::NonNegative => "values >= 0",
                AttrKind::Probability => "a probability in [0, 1]",
            };
            return Err(SpecIssue {
                span: dist.span(),
                message: format!(
                    "`{name}` must be {expected}, but its distribution ranges over [{lo}, {hi}]"
                ),
            });
        }
    }
    let scalar_only = [
        ("strategy", spec.strategy.as_ref().map(Spanned::span)),
        (
            "cliff_epochs",
            spec.cliff_epochs.as_ref().map(Spanned::span),
        ),
        (
            "vesting_epochs",
            spec.vesting_epochs.as_ref().map(Spanned::span),
        ),
        (
            "min_sell_price",
            spec.min_sell_price.as_ref().map(Spanned::span),
        ),
    ];
    for (name, span) in scalar_only {
        if let Some(span) = span {
            if !accepted.contains(&name) {
                return Err(SpecIssue {
                    span,
                    message: format!("`{name}` does not apply to role `{}`", spec.role.as_str()),
                });
            }
        }
    }
    if spec.count == 0 && spec.max_count.is_none_or(|m| m == 0) {
        return Err(SpecIssue {
            span: table_span,
            message: "population is empty: `count` must be at least 1 (or set `max_count` so it can grow by joins)".into(),
        });
    }
    Ok(())
}

/// Draws an attribute, or returns `default` when the table does not set it.
pub fn draw<R: Rng + ?Sized>(
    rng: &mut R,
    dist: Option<&Spanned<DistSpec>>,
    default: f64,
    kind: AttrKind,
) -> f64 {
    let v = dist.map_or(default, |d| d.get_ref().sample(rng));
    match kind {
        AttrKind::NonNegative => v.max(0.0),
        AttrKind::Probability => v.clamp(0.0, 1.0),
    }
}

/// Draws an amount in tokens and converts it to base units.
pub fn draw_amount<R: Rng + ?Sized>(
    rng: &mut R,
    dist: Option<&Spanned<DistSpec>>,
    decimals: u32,
) -> u64 {
    to_base_units(draw(rng, dist, 0.0, AttrKind::NonNegative), decimals)
}
