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
//! - [`sensitivity`]: Morris and Sobol' (Saltelli) designs over the unit
//!   hypercube and their estimators with bootstrap intervals.
//! - [`fit`]: maximum-likelihood fits of positive amounts (lognormal, Pareto,
//!   exponential, gamma, Weibull) with KS distance and AIC.
//! - [`dashboard`]: a run's or a sweep's output directory drawn as one
//!   self-contained `dashboard.html`.
//!
//! Architecture invariant: no I/O and no knowledge of the simulation here;
//! undefined metrics are `None` (JSON `null`), never NaN, ∞ or a panic. The
//! one exception is [`dashboard`], which reads output files (CSV, JSON) and
//! writes the page; it still knows only the files' columns, not the engine.

pub mod alignment;
pub mod concentration;
pub mod dashboard;
pub mod dataset;
pub mod decimal;
pub mod fairness;
pub mod fit;
pub mod lorenz;
pub mod metrics;
mod row;
pub mod sensitivity;
pub mod table;
mod wide;

pub use alignment::{alignment_u64, Alignment, AlignmentError};
pub use dataset::{Analysis, Dataset, DatasetError, DatasetOptions, Report, RowInput};
pub use decimal::{parse_decimal, Decimal, DecimalError, ExactDecimal};
pub use metrics::{lorenz_u64, summarize_u64, MetricValue, Metrics};
