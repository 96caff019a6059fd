//! What each role does: one file per role implementing `RoleBehaviour`
//! with the role's own columns (struct of arrays) and behaviour, reached
//! through an agent's `role_index`; the roles registry
//! (`crate::roles::role_registry`) expanded into `RoleTables`, `RoleParams`
//! and the statically dispatched calls; drawing attributes at genesis. The
//! columns every agent has (`Agents`) are part of the world
//! (`crate::world`), re-exported here. Tokens are in the ledger, never here.

pub mod challenger;
pub mod compute_provider;
pub mod data_provider;
pub mod holder;
pub mod investor;
pub mod role;
pub mod speculator;
pub mod validator;

use rand::Rng;

use crate::amount::to_base_units;
use crate::distribution::DistSpec;
use crate::error::SimError;
use crate::rng::SimRng;
use crate::roles::PoolKind;
use crate::world::World;

pub use crate::roles::Role;
pub use crate::world::{Agents, ACTIVE};

pub use challenger::Challengers;
pub use compute_provider::ComputeProviders;
pub use data_provider::DataProviders;
pub use holder::Holders;
pub use investor::Investors;
pub use role::{
    AttrKind, Attribute, Attributes, RoleBehaviour, Spawned, MAX_COST_PER_EVENT,
    MAX_EVENTS_PER_TICK,
};
pub use speculator::Speculators;
pub use validator::Validators;

/// Expands the roles registry (`crate::roles::role_registry`) into what
/// the engine does per role — the role's name and attributes, its pool and
/// costs, genesis, processes, event dispatch, epoch-start processes — each
/// as a `match` over `Role`, so no call per event is dynamic.
macro_rules! roles {
    ($($variant:ident => $field:ident : $table:ty),* $(,)?) => {
        impl Role {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Role::$variant => <$table as RoleBehaviour>::NAME,)*
                }
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
            /// Reserves room for `additional` more rows of `role`.
            pub fn reserve(&mut self, role: Role, additional: usize) {
                match role {
                    $(Role::$variant => self.$field.reserve(additional),)*
                }
            }

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

            /// An agent of `role` will leave at `tick` (`leave_queued`).
            pub fn leave_queued(&mut self, role: Role, row: u32, tick: u64) {
                match role {
                    $(Role::$variant => self.$field.leave_queued(row, tick),)*
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

crate::roles::role_registry!(roles);

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
        AttrKind::Cost => v.clamp(0.0, role::MAX_COST_PER_EVENT),
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
    use serde::Deserialize;

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
