//! On-chain governance of the running economy (`[governance]`): proposals
//! arrive as a Poisson process from a proposer group, take a snapshot of
//! voting power when created (`delegation`), are voted on over a voting
//! period by owners who turn out with a probability that rises with their
//! power and falls with the voting cost (`voting`), are tallied exactly
//! (`mirage_analysis::votes`, or 1Hive conviction in the contract's
//! uint256 arithmetic, `mirage_analysis::conviction`), and, when they pass,
//! change the economy after a timelock (`proposals::Action`, applied by
//! the engine's hook). All draws come from the governance stream, so a
//! scenario's other events are drawn exactly as without governance; all
//! work happens at a proposal's creation, close and execution and at epoch
//! ends, never per market event.

pub mod config;
pub mod delegation;
pub mod proposals;
pub mod voting;

pub use config::{GovernanceConfig, Kind, Method};
pub use delegation::PowerBook;
pub use proposals::{Action, Governance, ProposalRecord};

/// `Event::Governance` actions.
pub const PROPOSE: u8 = 0;
pub const CLOSE: u8 = 1;
pub const EXECUTE: u8 = 2;
