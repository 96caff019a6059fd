//! Mirage analysis: concentration and fairness metrics over holdings, reward
//! and contribution vectors, plus the reports built from them. Nothing here
//! knows about the simulation; it takes numbers and returns numbers.
//!
//! Entry points:
//! - [`summarize_u64`]: every metric of a vector of base-unit amounts;
//!   [`alignment_u64`]: how well rewards follow contributions.
//! - [`Dataset`]: exact decimal columns read from a file (with optional
//!   weights, a second column and groups), analysed into [`Report`]s.
//! - [`concentration`]: single cheap numbers (exact Gini, Nakamoto, HHI).
//! - [`table`]: reports as a text table.
//! - [`schema`]: the one column schema of every output table (name, unit,
//!   meaning, how computed), which writers, dashboards and docs follow.
//! - [`fairness`]: the per-run fairness report (`fairness.json`).
//! - [`votes`]: per-proposal tallies and concentration of real vote
//!   exports (token, quadratic, one-holder weights), exact.
//! - [`conviction`]: 1Hive conviction voting in the contract's uint256
//!   arithmetic.
//! - [`sensitivity`]: Morris and Sobol' (Saltelli) designs over the unit
//!   hypercube and their estimators with bootstrap intervals.
//! - [`fit`]: maximum-likelihood fits of positive amounts (lognormal, Pareto,
//!   exponential, gamma, Weibull) with KS distance and AIC.
//!
//! Architecture invariant: no I/O, no plotting and no knowledge of the
//! simulation here; undefined metrics are `None` (JSON `null`), never NaN,
//! ∞ or a panic. Dashboards are the `mirage-dashboard` crate.

pub mod alignment;
pub mod concentration;
pub mod conviction;
pub mod dataset;
pub mod decimal;
pub mod fairness;
pub mod fit;
pub mod lorenz;
pub mod metrics;
mod row;
pub mod schema;
pub mod sensitivity;
pub mod table;
pub mod votes;
mod wide;

pub use alignment::{alignment_u64, Alignment, AlignmentError};
pub use dataset::{Analysis, Dataset, DatasetError, DatasetOptions, Report, RowInput};
pub use decimal::{parse_decimal, Decimal, DecimalError, ExactDecimal};
pub use metrics::{lorenz_u64, summarize_u64, MetricValue, Metrics};
