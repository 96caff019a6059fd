//! The roles agents can have and the reward pools their work counts
//! toward, as plain identifiers that the lowest layers (events, the world,
//! records) can name: the `Role` enum, generated from the **roles
//! registry** below, and `PoolKind`. What a role does (its attributes,
//! table, processes and events) is in `agents/`, which expands the same
//! registry into the role tables and the statically dispatched calls; how
//! a pool is divided is in `reward/`.

use serde::{Deserialize, Serialize};

/// The registry of roles: each line names the `Role` variant, the field of
/// `agents::RoleTables` holding the role's table, and the table's type
/// (which implements `agents::RoleBehaviour` in the role's file, and is
/// named as `agents` sees it). `role_registry!(m)` calls `m!` with the
/// list: here it defines `Role`; in `agents` it generates everything the
/// engine does per role — parsing attributes, genesis, processes, event
/// dispatch, epoch-start processes, costs, reward pools — as a `match`, so
/// adding a role is one file plus one line here.
macro_rules! role_registry {
    ($then:ident) => {
        $then! {
            ComputeProvider => compute_provider: ComputeProviders,
            DataProvider => data_provider: DataProviders,
            Validator => validator: Validators,
            Speculator => speculator: Speculators,
            Investor => investor: Investors,
            Holder => holder: Holders,
            Challenger => challenger: Challengers,
        }
    };
}
pub(crate) use role_registry;

macro_rules! role_enum {
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

            pub fn index(self) -> usize {
                self as usize
            }
        }
    };
}

role_registry!(role_enum);

/// The reward pools, one per contributing role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PoolKind {
    Compute,
    Data,
    Validation,
}

impl PoolKind {
    pub const ALL: [PoolKind; 3] = [PoolKind::Compute, PoolKind::Data, PoolKind::Validation];

    /// The role whose active agents are the pool's members.
    pub fn role(self) -> Role {
        match self {
            PoolKind::Compute => Role::ComputeProvider,
            PoolKind::Data => Role::DataProvider,
            PoolKind::Validation => Role::Validator,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PoolKind::Compute => "compute",
            PoolKind::Data => "data",
            PoolKind::Validation => "validation",
        }
    }
}
