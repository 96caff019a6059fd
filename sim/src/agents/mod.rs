//! Agents in struct-of-arrays form. `Agents` holds the columns every agent
//! has (role, population, lifetime, quote holdings, reward and contribution
//! tallies); each role's own columns and behaviour live in that role's file
//! and are reached through `role_index`. Tokens are in the ledger, never here.

pub mod compute_provider;
pub mod data_provider;
pub mod holder;
pub mod investor;
pub mod role;
pub mod speculator;
pub mod validator;

use std::ops::Range;

use rand::Rng;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::amount::to_base_units;
use crate::error::SimError;
use crate::reward::PoolKind;
use crate::rng::SimRng;
use crate::scenario::{DistSpec, PopulationSpec};
use crate::world::World;

pub use compute_provider::ComputeProviders;
pub use data_provider::DataProviders;
pub use holder::Holders;
pub use investor::Investors;
pub use role::{AttrKind, Attribute, Attributes, RoleBehaviour, Spawned};
pub use speculator::Speculators;
pub use validator::Validators;

/// The registry of roles: each line names the `Role` variant, the field of
/// `RoleTables` holding the role's table, and the table's type (which
/// implements `RoleBehaviour` in the role's file). Everything the engine
/// does per role — parsing attributes, genesis, processes, event dispatch,
/// epoch-start processes, costs, reward pools — is generated from it as a
/// `match`, so adding a role is one file plus one line here.
macro_rules! roles {
    ($($variant:ident => $field:ident : $table:ty),* $(,)?) => {
        /// The roles agents can have, in registry order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Role {
            $($variant,)*
        }

        impl Role {
            /// Every role, in registry order.
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];
            /// The number of roles (sizes the engine's per-role arrays).
            pub const COUNT: usize = Self::ALL.len();

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Role::$variant => <$table as RoleBehaviour>::NAME,)*
                }
            }

            pub fn index(self) -> usize {
                self as usize
            }

            /// The attributes the role's population tables may set.
            pub fn attributes(self) -> &'static [Attribute] {
                match self {
                    $(Role::$variant => <$table as RoleBehaviour>::ATTRIBUTES,)*
                }
            }

            /// The reward pool the role's verified work counts toward.
            pub fn pool(self) -> Option<PoolKind> {
                match self {
                    $(Role::$variant => <$table as RoleBehaviour>::POOL,)*
                }
            }

            /// Whether the role bears operating costs (and churns by profit).
            #[inline]
            pub fn pays_costs(self) -> bool {
                match self {
                    $(Role::$variant => <$table as RoleBehaviour>::PAYS_COSTS,)*
                }
            }

            /// The role whose work counts toward `pool`.
            pub fn of_pool(pool: PoolKind) -> Option<Role> {
                Self::ALL.iter().copied().find(|r| r.pool() == Some(pool))
            }

            /// The epoch's reputation evidence of `agent` under its role.
            pub fn reputation_evidence(self, agents: &Agents, agent: usize) -> (u64, u64, bool) {
                match self {
                    $(Role::$variant => <$table as RoleBehaviour>::reputation_evidence(agents, agent),)*
                }
            }
        }

        /// One table of columns per role, indexed by the agents' rows.
        #[derive(Debug, Clone, Default)]
        pub struct RoleTables {
            $(pub $field: $table,)*
        }

        /// A population's attributes read by its role, once at genesis.
        #[derive(Debug, Clone)]
        pub enum RoleParams {
            $($variant(<$table as RoleBehaviour>::Params),)*
        }

        impl RoleParams {
            /// Reads the (checked) attributes of a population of `role`.
            pub fn new(role: Role, attributes: &Attributes) -> Self {
                match role {
                    $(Role::$variant => RoleParams::$variant(<$table as RoleBehaviour>::params(attributes)),)*
                }
            }

            pub fn role(&self) -> Role {
                match self {
                    $(RoleParams::$variant(_) => Role::$variant,)*
                }
            }
        }

        impl RoleTables {
            /// Adds an agent of the population whose parameters are `params`.
            pub fn spawn(&mut self, agent: u32, params: &RoleParams, rng: &mut SimRng, decimals: u32) -> Spawned {
                match params {
                    $(RoleParams::$variant(p) => self.$field.spawn(agent, p, rng, decimals),)*
                }
            }

            /// Schedules the first events of a new agent's own processes.
            pub fn start_processes(&self, role: Role, agent: u32, row: u32, rng: &mut SimRng, world: &mut World) {
                match role {
                    $(Role::$variant => self.$field.start_processes(agent, row, rng, world),)*
                }
            }

            /// Dispatches one of a role's own events.
            #[inline]
            pub fn on_event(&mut self, role: Role, kind: u8, agent: u32, row: u32, tick: u64, world: &mut World) -> Result<(), SimError> {
                match role {
                    $(Role::$variant => self.$field.on_event(kind, agent, row, tick, world),)*
                }
            }

            /// Whether `role` runs a process at every epoch start.
            pub fn has_epoch_process(&self, role: Role, world: &World) -> bool {
                match role {
                    $(Role::$variant => self.$field.has_epoch_process(world),)*
                }
            }

            /// Runs `role`'s epoch-start process.
            pub fn on_epoch_start(&mut self, role: Role, epoch: u32, world: &mut World) -> Result<(), SimError> {
                match role {
                    $(Role::$variant => self.$field.on_epoch_start(epoch, world),)*
                }
            }
        }
    };
}

roles! {
    ComputeProvider => compute_provider: ComputeProviders,
    DataProvider => data_provider: DataProviders,
    Validator => validator: Validators,
    Speculator => speculator: Speculators,
    Investor => investor: Investors,
    Holder => holder: Holders,
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

    /// The agents as maximal runs of consecutive ids with the same role
    /// (populations are spawned together, so there are few), for per-epoch
    /// passes that keep a role's running sums in registers.
    pub fn role_runs(&self) -> impl Iterator<Item = (Role, std::ops::Range<usize>)> + '_ {
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

/// The monetary attributes every population table may carry (funded at
/// genesis), with their kind: `balance` applies to every role, `stake` and
/// `capital` to the roles that list them among their attributes.
pub fn common_attributes(spec: &PopulationSpec) -> [(&'static str, Option<&Spanned<DistSpec>>); 3] {
    [
        ("balance", spec.balance.as_ref()),
        ("stake", spec.stake.as_ref()),
        ("capital", spec.capital.as_ref()),
    ]
}

/// The distributions a population table sets, in display order: the
/// monetary attributes, then the role's own in the order it declares them.
pub fn population_distributions(spec: &PopulationSpec) -> Vec<(&'static str, DistSpec)> {
    let common = common_attributes(spec)
        .into_iter()
        .filter_map(|(name, d)| d.map(|d| (name, d.get_ref().clone())));
    let own = spec
        .role
        .attributes()
        .iter()
        .filter(|a| a.kind.is_distribution() && !matches!(a.name, "stake" | "capital"))
        .filter_map(|a| spec.attributes.dist(a.name).map(|d| (a.name, d)));
    common.chain(own).collect()
}

/// Checks that a population table only sets attributes its role reads and
/// that each value fits its attribute.
/// `precise` may locate a value that does not parse more finely (see
/// `Attributes::check`).
pub fn check_population(
    spec: &PopulationSpec,
    table_span: Range<usize>,
    precise: role::Locate<'_>,
) -> Result<(), SpecIssue> {
    let accepted = spec.role.attributes();
    let issue = |(span, message): (Range<usize>, String)| SpecIssue { span, message };
    for (name, dist) in common_attributes(spec) {
        let Some(dist) = dist else { continue };
        if name != "balance" && !accepted.iter().any(|a| a.name == name) {
            let names: Vec<&str> = accepted.iter().map(|a| a.name).collect();
            return Err(SpecIssue {
                span: dist.span(),
                message: format!(
                    "`{name}` does not apply to role `{}` (it reads: balance{}{})",
                    spec.role.as_str(),
                    if names.is_empty() { "" } else { ", " },
                    names.join(", ")
                ),
            });
        }
        role::check_dist_range(name, AttrKind::NonNegative, dist.get_ref()).map_err(|message| {
            SpecIssue {
                span: dist.span(),
                message,
            }
        })?;
    }
    if let Some(policy) = &spec.sell_policy {
        if !spec.role.pays_costs() {
            return Err(SpecIssue {
                span: policy.span(),
                message: format!(
                    "`sell_policy` applies to roles that bear costs (compute_provider, \
                     data_provider, validator), not to `{}`",
                    spec.role.as_str()
                ),
            });
        }
    }
    let selling = spec
        .sell_policy
        .as_ref()
        .is_some_and(|p| *p.get_ref() == crate::scenario::SellPolicy::SellRewards);
    match (&spec.reward_sell_fraction, selling) {
        (Some(f), false) => {
            return Err(SpecIssue {
                span: f.span(),
                message: "`reward_sell_fraction` needs `sell_policy = \"sell_rewards\"`".into(),
            })
        }
        (None, true) => {
            let span = spec
                .sell_policy
                .as_ref()
                .map_or(table_span.clone(), |p| p.span());
            return Err(SpecIssue {
                span,
                message: "`sell_policy = \"sell_rewards\"` needs `reward_sell_fraction` \
                          (the fraction of each epoch's rewards sold, in [0, 1])"
                    .into(),
            });
        }
        _ => {}
    }
    let all: Vec<&[Attribute]> = Role::ALL.iter().map(|r| r.attributes()).collect();
    spec.attributes
        .check(spec.role.as_str(), accepted, &all, precise)
        .map_err(issue)?;
    if spec.count == 0 && spec.max_count.is_none_or(|m| m == 0) {
        return Err(SpecIssue {
            span: table_span,
            message: "population is empty: `count` must be at least 1 (or set `max_count` so it can grow by joins)".into(),
        });
    }
    Ok(())
}

/// Draws an attribute, or returns `default` when the table does not set it
/// (drawing nothing from `rng` then).
pub fn draw<R: Rng + ?Sized>(
    rng: &mut R,
    dist: Option<&DistSpec>,
    default: f64,
    kind: AttrKind,
) -> f64 {
    let v = dist.map_or(default, |d| d.sample(rng));
    match kind {
        AttrKind::Probability => v.clamp(0.0, 1.0),
        _ => v.max(0.0),
    }
}

/// Draws an amount in tokens and converts it to base units.
/// An empirical distribution's amount is exact: its value in base units,
/// truncated toward zero.
pub fn draw_amount<R: Rng + ?Sized>(rng: &mut R, dist: Option<&DistSpec>, decimals: u32) -> u64 {
    if let Some(units) = dist.and_then(|d| d.sample_units(rng, decimals)) {
        return units;
    }
    to_base_units(draw(rng, dist, 0.0, AttrKind::NonNegative), decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_their_scenario_names() {
        for &role in Role::ALL {
            let parsed = Role::deserialize(toml::Value::String(role.as_str().into()))
                .expect("a role's NAME deserialises to the role");
            assert_eq!(parsed, role);
            assert_eq!(Role::ALL[role.index()], role);
            for attr in role.attributes() {
                assert!(
                    !attr.doc.is_empty(),
                    "{}: `{}` is documented",
                    role.as_str(),
                    attr.name
                );
            }
        }
        assert_eq!(Role::COUNT, Role::ALL.len());
    }

    #[test]
    fn every_pool_has_exactly_one_contributing_role() {
        for pool in PoolKind::ALL {
            let roles = Role::ALL.iter().filter(|r| r.pool() == Some(pool)).count();
            assert_eq!(roles, 1, "{}", pool.as_str());
        }
    }
}
