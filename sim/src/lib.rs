//! Mirage engine: a deterministic discrete-event, agent-based simulation of
//! a token incentive economy.
//!
//! A scenario (see [`scenario`]) describes populations of agents by role,
//! token emission, fees, the market and the reward schemes. [`Simulation`]
//! turns it into agents at genesis and runs it, streaming one
//! [`EpochRecord`] per epoch to an [`Observer`]:
//!
//! ```
//! use mirage_sim::{parse_scenario, record::Collect, Simulation};
//!
//! let text = r#"
//!     name = "tiny"
//!     epochs = 5
//!     ticks_per_epoch = 1
//!     decimals = 0
//!     initial_supply = 100
//!     [exchange]
//!     amount = 1
//!     [[population]]
//!     role = "holder"
//!     count = 100
//!     balance = 1
//! "#;
//! let loaded = parse_scenario(text, "tiny.toml", &[]).expect("valid scenario");
//! let mut sim = Simulation::new(&loaded.scenario, 7).expect("genesis fits");
//! let mut records = Collect::default();
//! sim.run(&mut records).expect("runs");
//! assert_eq!(records.0.len(), 5);
//! sim.ledger().check().expect("tokens are conserved");
//! ```
//!
//! Architecture invariant: this crate does no file or terminal I/O; it
//! takes text and returns values.

pub mod agents;
pub mod allocation;
pub mod amount;
pub mod auction;
pub mod distribution;
pub mod engine;
pub mod error;
pub mod event;
pub mod governance;
pub mod health;
pub mod ledger;
pub mod market;
pub mod normal_draws;
pub mod queue;
pub mod quote;
pub mod record;
pub mod reward;
pub mod rng;
pub mod roles;
pub mod sampling;
pub mod scenario;
pub mod stats;
pub mod toml_path;
pub mod value;
pub mod values;
pub mod verification;
pub mod world;

pub use engine::Simulation;
pub use error::SimError;
pub use record::{EpochRecord, Observer};
pub use scenario::memory;
pub use scenario::{parse_scenario, LoadedScenario, Override, Scenario, ScenarioError};

/// Version of the engine, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
