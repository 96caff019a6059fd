//! Reward schemes: how one epoch's budget of a reward pool is divided among
//! the pool's members. Every scheme lives in its own file with its
//! parameters, its documentation (`INFO`: pools, formula, source,
//! parameters) and a `Factory` implementing `SchemeFactory` (the inputs it
//! reads, its own scenario checks, how it is built), and implements
//! `RewardScheme` for the per-epoch split. `SchemeRegistry` lists them:
//! `mirage schemes`, scenario validation and the engine read only it, and a
//! user registers schemes of their own there.
//!
//! Invariant: a scheme pays at most its budget (the engine checks it and
//! fails the run otherwise); what it leaves unpaid (integer remainders, no
//! eligible member) stays in the rewards pool and joins the next budget.

pub mod formula;
pub mod proportional;
pub mod quadratic;
pub mod quadratic_pool;
pub mod quality;
pub mod reputation;
pub mod stake;
pub mod yuma;
pub mod yuma_dense;
pub mod yuma_pool;

use std::fmt::Debug;
use std::sync::{Arc, OnceLock};

use crate::agents::{Agents, ComputeProviders, DataProviders, Role, Validators};
use crate::ledger::Ledger;
use crate::rng::SimRng;
pub use crate::roles::PoolKind;
pub use reputation::ReputationParams;

/// What a scheme may look at when dividing a pool.
#[derive(Debug)]
pub struct RewardContext<'a> {
    pub pool: PoolKind,
    pub epoch: u32,
    /// Active members of the pool (agent ids, ascending).
    pub members: &'a [u32],
    /// Verified units of work of each member this epoch (aligned): tasks
    /// accepted (compute), datasets accepted (data), checks made (validation).
    pub work: &'a [u64],
    /// Results of each member caught wrong (compute) or datasets rejected
    /// (data) this epoch (aligned).
    pub failures: &'a [u64],
    /// Stake of each member (aligned, base units).
    pub stake: &'a [u64],
    /// Reputation of each member in [0, 1] after this epoch's outcomes
    /// (aligned; 0.5 for schemes other than `reputation`, which do not read it).
    pub reputation: &'a [f64],
    /// Times each member's datasets were used by tasks this epoch (aligned;
    /// counted only when a scheme of the data pool asks for it, else 0).
    pub usage: &'a [u64],
    /// All agents, the role tables and the ledger, for schemes that need
    /// more (e.g. the ground truth that validators observe with noise).
    pub agents: &'a Agents,
    pub compute: &'a ComputeProviders,
    pub data: &'a DataProviders,
    pub validators: &'a Validators,
    pub ledger: &'a Ledger,
}

/// A pool's inputs owned outside a run — the role tables, the ledger and
/// each member's values — to call a scheme on: scheme authors' tests,
/// benches, and the engine's own scheme tests build one and take its
/// `context`.
#[derive(Debug, Clone)]
pub struct PoolSnapshot {
    pub agents: Agents,
    pub compute: ComputeProviders,
    pub data: DataProviders,
    pub validators: Validators,
    pub ledger: Ledger,
    pub members: Vec<u32>,
    pub work: Vec<u64>,
    pub failures: Vec<u64>,
    pub stake: Vec<u64>,
    pub reputation: Vec<f64>,
    pub usage: Vec<u64>,
}

impl PoolSnapshot {
    /// Members with their work, and nothing else: empty role tables, an
    /// empty ledger holding `supply` in its treasury, no failures, no
    /// stake, the prior reputation 0.5, no dataset usage.
    pub fn new(members: Vec<u32>, work: Vec<u64>, supply: u64) -> Self {
        let n = members.len();
        Self {
            agents: Agents::default(),
            compute: ComputeProviders::default(),
            data: DataProviders::default(),
            validators: Validators::default(),
            ledger: Ledger::new(supply),
            members,
            work,
            failures: vec![0; n],
            stake: vec![0; n],
            reputation: vec![0.5; n],
            usage: vec![0; n],
        }
    }

    /// The reward context of `pool` at `epoch` over this snapshot.
    pub fn context(&self, pool: PoolKind, epoch: u32) -> RewardContext<'_> {
        RewardContext {
            pool,
            epoch,
            members: &self.members,
            work: &self.work,
            failures: &self.failures,
            stake: &self.stake,
            reputation: &self.reputation,
            usage: &self.usage,
            agents: &self.agents,
            compute: &self.compute,
            data: &self.data,
            validators: &self.validators,
            ledger: &self.ledger,
        }
    }
}

/// A way of dividing a pool's budget.
pub trait RewardScheme: Debug + Send {
    /// The scheme's name as written in scenario files.
    fn name(&self) -> &'static str;

    /// Writes each member's payout (base units) into `payouts`, aligned with
    /// `ctx.members` and zeroed on entry. The sum must not exceed `budget`.
    /// An error (a message) means the scheme could not compute its payouts,
    /// which is a bug, and fails the run.
    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String>;
}

/// One parameter of a scheme, as documented by `mirage schemes`.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    /// Key in the scheme's sub-table, e.g. `lambda` in `[reward.compute.reputation]`.
    pub key: &'static str,
    pub doc: &'static str,
}

/// A scheme's documentation: where it applies, what it computes, where it
/// comes from, and its parameters with their defaults.
#[derive(Debug, Clone, Copy)]
pub struct SchemeInfo {
    /// The name a pool's `scheme = "..."` uses; its parameters live in
    /// `[reward.<pool>.<name>]`.
    pub name: &'static str,
    /// The pools that may name the scheme.
    pub pools: &'static [PoolKind],
    /// Pools the scheme pays together, as one pool whose members have any
    /// of their roles (yuma: compute and validation). Every pool listed must
    /// name the scheme; its parameters go in the first one's table. Empty:
    /// the scheme pays each pool that names it on its own.
    pub joint: &'static [PoolKind],
    pub summary: &'static str,
    pub formula: &'static str,
    pub source: &'static str,
    /// Parameters, in the order `mirage schemes` lists them; keys without a
    /// default (optional tables) are marked in their doc.
    pub params: &'static [ParamDoc],
    /// The parameters' defaults, serialised from the scheme's `Default`
    /// parameter struct (so the listing cannot drift from the code).
    pub defaults: fn() -> toml::Table,
}

impl SchemeInfo {
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether the scheme may pay `pool`.
    pub fn applies_to(&self, pool: PoolKind) -> bool {
        self.pools.contains(&pool)
    }

    /// The pool whose table holds the parameters when the scheme pays
    /// `pool` (the first joint pool for a joint scheme).
    pub fn params_pool(&self, pool: PoolKind) -> PoolKind {
        self.joint.first().copied().unwrap_or(pool)
    }

    /// The pools as scenario table names, e.g. "[reward.compute], [reward.data]".
    pub fn pool_tables(&self) -> String {
        self.pools
            .iter()
            .map(|p| format!("[reward.{}]", p.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Per-member inputs a scheme reads besides work, failures and stake; the
/// engine fills the others of `RewardContext` with neutral values, which
/// costs less.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemeInputs {
    /// The reputation model whose scores the scheme reads: the engine keeps
    /// a `ReputationBook` for the pool under it.
    pub reputation: Option<ReputationParams>,
    /// Times tasks used each member's datasets this epoch (tasks then draw
    /// a dataset each).
    pub usage: bool,
}

/// What a scheme's own scenario check may look at.
#[derive(Debug, Clone, Copy)]
pub struct SchemeCheck<'a> {
    /// The pool whose table names the scheme.
    pub pool: PoolKind,
    /// The scenario's populations (display name, role), in order.
    pub populations: &'a [(String, Role)],
}

impl SchemeCheck<'_> {
    /// Checks that population `name` exists with `role`; `what` names the
    /// parameter in the message.
    pub fn population(&self, name: &str, role: Role, what: &str) -> Result<(), String> {
        match self.populations.iter().find(|(n, _)| n == name) {
            Some((_, r)) if *r == role => Ok(()),
            Some((_, r)) => Err(format!(
                "{what} `{name}` has role `{}`, expected `{}`",
                r.as_str(),
                role.as_str()
            )),
            None => Err(format!("{what}: no population is named `{name}`")),
        }
    }
}

/// What building a scheme for one run may look at.
#[derive(Debug, Clone, Copy)]
pub struct SchemeBuild<'a> {
    /// The pool the scheme pays (the first joint pool for a joint scheme).
    pub pool: PoolKind,
    /// Every pool it pays with its configured share of the epoch budget
    /// (one entry, or each joint pool in the order of `SchemeInfo::joint`).
    pub shares: &'a [(PoolKind, f64)],
    /// The scenario's population names, in order.
    pub population_names: &'a [String],
    /// Decimals of the token (one token is 10^decimals base units), for
    /// schemes that read amounts in tokens.
    pub decimals: u32,
}

/// A reward scheme as the scenario loader and the engine see it: its
/// documentation, the inputs it reads, its own checks of its parameter
/// table, and how it is built for a run. Built-in schemes implement it in
/// their own file and are listed once in `SchemeRegistry::builtin`; users
/// add their own with `SchemeRegistry::register`.
///
/// `params` is the scheme's table `[reward.<pool>.<name>]` when the
/// scenario has one (`parse_params` reads it into a typed struct).
pub trait SchemeFactory: Debug + Send + Sync {
    fn info(&self) -> &SchemeInfo;

    /// What the scheme reads (default: only work, failures and stake).
    fn inputs(&self, _params: Option<&toml::Value>) -> SchemeInputs {
        SchemeInputs::default()
    }

    /// Checks the parameter table against the scenario. An error with a
    /// span (from `SchemeParams::parse`) is reported at that place of the
    /// scenario file, one without at the table's (or the `scheme` key's).
    fn check(&self, _params: &SchemeParams<'_>, _ctx: &SchemeCheck<'_>) -> Result<(), ParamError> {
        Ok(())
    }

    /// The scheme's own working memory in bytes at its peak (default 0),
    /// for the memory estimate made before genesis (`crate::scenario::memory`).
    /// `peak_count` gives a named population's largest head count.
    fn memory_bytes(
        &self,
        _params: Option<&toml::Value>,
        _peak_count: &dyn Fn(&str) -> Option<u64>,
    ) -> u64 {
        0
    }

    /// Builds the scheme for one run (called once, after `check` passed).
    fn build(
        &self,
        params: Option<&toml::Value>,
        ctx: &SchemeBuild<'_>,
    ) -> Result<Box<dyn RewardScheme>, String>;
}

/// A problem in a scheme's parameter table, at a byte span of the
/// scenario file when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub span: Option<std::ops::Range<usize>>,
    pub message: String,
}

impl From<String> for ParamError {
    fn from(message: String) -> Self {
        Self {
            span: None,
            message,
        }
    }
}

impl From<&str> for ParamError {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

/// A scheme's parameter table as its check sees it: the value, and where
/// the loader has it, the scenario text and the table's path in it, so
/// that typed parsing reports errors at the offending key's line and
/// column.
#[derive(Debug, Clone, Copy)]
pub struct SchemeParams<'a> {
    value: Option<&'a toml::Value>,
    source: Option<(&'a str, [&'a str; 3])>,
}

impl<'a> SchemeParams<'a> {
    /// The table without a source text (errors carry no position).
    pub fn new(value: Option<&'a toml::Value>) -> Self {
        Self {
            value,
            source: None,
        }
    }

    /// The table `reward.<pool>.<scheme>` of the scenario text `text`.
    pub fn in_source(value: Option<&'a toml::Value>, text: &'a str, path: [&'a str; 3]) -> Self {
        Self {
            value,
            source: Some((text, path)),
        }
    }

    pub fn value(&self) -> Option<&'a toml::Value> {
        self.value
    }

    /// Reads the table into typed parameters (the defaults when absent),
    /// from the source text when there is one so that an error has a span.
    pub fn parse<P: serde::de::DeserializeOwned + Default>(&self) -> Result<P, ParamError> {
        if let (Some(_), Some((text, path))) = (self.value, self.source) {
            let found = crate::toml_path::at_path::<P>(text, &path).map_err(|e| ParamError {
                span: e.span(),
                message: e.message().to_string(),
            })?;
            return Ok(found.unwrap_or_default());
        }
        parse_params(self.value).map_err(ParamError::from)
    }
}

/// The factory of a scheme with no parameters and no inputs beyond work,
/// failures and stake: its documentation and how to make one.
#[derive(Debug, Clone, Copy)]
pub struct PlainScheme {
    pub info: &'static SchemeInfo,
    pub make: fn() -> Box<dyn RewardScheme>,
}

impl SchemeFactory for PlainScheme {
    fn info(&self) -> &SchemeInfo {
        self.info
    }

    fn build(
        &self,
        _params: Option<&toml::Value>,
        _ctx: &SchemeBuild<'_>,
    ) -> Result<Box<dyn RewardScheme>, String> {
        Ok((self.make)())
    }
}

/// Reads a scheme's parameter table into its typed parameters (the
/// defaults when the table is absent).
pub fn parse_params<P: serde::de::DeserializeOwned + Default>(
    params: Option<&toml::Value>,
) -> Result<P, String> {
    match params {
        None => Ok(P::default()),
        Some(value) => P::deserialize(value.clone()).map_err(|e| e.message().to_string()),
    }
}

/// The schemes a run may use: the built-ins and any a user registered.
#[derive(Debug, Clone)]
pub struct SchemeRegistry {
    schemes: Vec<Arc<dyn SchemeFactory>>,
}

impl Default for SchemeRegistry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl SchemeRegistry {
    /// Every built-in scheme, in the order they are documented. A new
    /// built-in scheme is one file under `reward/` plus one line here.
    pub fn builtin() -> Self {
        Self {
            schemes: vec![
                Arc::new(proportional::FACTORY),
                Arc::new(stake::FACTORY),
                Arc::new(reputation::Factory),
                Arc::new(quality::Factory),
                Arc::new(quadratic_pool::Factory),
                Arc::new(yuma_pool::Factory),
                Arc::new(formula::Factory),
            ],
        }
    }

    /// The shared registry of built-in schemes.
    pub fn builtin_ref() -> &'static Self {
        static BUILTIN: OnceLock<SchemeRegistry> = OnceLock::new();
        BUILTIN.get_or_init(Self::builtin)
    }

    /// Adds a scheme; an error if one of that name is already registered.
    pub fn register(&mut self, scheme: impl SchemeFactory + 'static) -> Result<(), String> {
        let name = scheme.info().name;
        if self.get(name).is_some() {
            return Err(format!("a scheme named `{name}` is already registered"));
        }
        if scheme.info().pools.is_empty() {
            return Err(format!("scheme `{name}` names no pool it may pay"));
        }
        self.schemes.push(Arc::new(scheme));
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&dyn SchemeFactory> {
        self.schemes
            .iter()
            .find(|s| s.info().name == name)
            .map(|s| &**s)
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn SchemeFactory> {
        self.schemes.iter().map(|s| &**s)
    }

    /// The registered names, for messages.
    pub fn names(&self) -> Vec<&'static str> {
        self.schemes.iter().map(|s| s.info().name).collect()
    }
}

/// Serialises a parameter struct to the table a scenario would write.
pub(crate) fn params_table<T: serde::Serialize>(params: &T) -> toml::Table {
    toml::Table::try_from(params).unwrap_or_default()
}

/// Divides `budget` in proportion to integer `weights`, rounding each share
/// down (exact `u128` arithmetic), so the payouts never exceed the budget.
/// Returns the total paid. Pays nothing when all weights are zero.
pub fn pro_rata(weights: &[u64], budget: u64, payouts: &mut [u64]) -> u64 {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return 0;
    }
    let mut paid = 0u64;
    if let Ok(divisor) = u64::try_from(total) {
        // The usual case: one reciprocal, then a multiplication per share
        // (the same quotients as the division below).
        let divide = InvariantDivisor::new(divisor);
        for (out, &w) in payouts.iter_mut().zip(weights) {
            *out = divide.quotient(u128::from(budget) * u128::from(w));
            paid += *out;
        }
        return paid;
    }
    for (out, &w) in payouts.iter_mut().zip(weights) {
        // budget · w / total <= budget, so it fits in u64.
        *out = (u128::from(budget) * u128::from(w) / total) as u64;
        paid += *out;
    }
    paid
}

/// Exact division of 128-bit numerators by one 64-bit divisor through a
/// precomputed reciprocal (Möller & Granlund, "Improved division by
/// invariant integers", IEEE Trans. Computers 60(2), 2011, Algorithm 4):
/// each quotient costs a multiplication and at most two corrections instead
/// of a 128-bit division. Valid when the quotient fits in 64 bits
/// (numerator < divisor · 2^64), as in `pro_rata` where it is at most the
/// budget.
#[derive(Debug, Clone, Copy)]
pub struct InvariantDivisor {
    /// The divisor shifted left until its top bit is set.
    normalized: u64,
    shift: u32,
    /// ⌊(2^128 − 1) / normalized⌋ − 2^64.
    reciprocal: u64,
}

impl InvariantDivisor {
    /// `divisor` must be non-zero.
    pub fn new(divisor: u64) -> Self {
        let shift = divisor.leading_zeros();
        let normalized = divisor << shift;
        let reciprocal = (u128::MAX / u128::from(normalized)) as u64;
        Self {
            normalized,
            shift,
            reciprocal,
        }
    }

    /// ⌊numerator / divisor⌋ for numerator < divisor · 2^64.
    #[inline]
    pub fn quotient(&self, numerator: u128) -> u64 {
        debug_assert!(numerator >> 64 < u128::from(self.normalized >> self.shift));
        let n = numerator << self.shift;
        let (u1, u0) = ((n >> 64) as u64, n as u64);
        let d = self.normalized;
        // Modulo 2^128, as the algorithm's two-word arithmetic.
        let q = (u128::from(self.reciprocal) * u128::from(u1))
            .wrapping_add((u128::from(u1) + 1) << 64 | u128::from(u0));
        let (mut q1, q0) = ((q >> 64) as u64, q as u64);
        let mut r = u0.wrapping_sub(q1.wrapping_mul(d));
        if r > q0 {
            q1 = q1.wrapping_sub(1);
            r = r.wrapping_add(d);
        }
        if r >= d {
            q1 += 1;
        }
        q1
    }
}

/// Like `pro_rata` for real-valued weights (negative or non-finite weights
/// count as zero): converted to 52-bit fixed point relative to the largest.
pub fn pro_rata_f64(
    weights: &[f64],
    budget: u64,
    payouts: &mut [u64],
    scratch: &mut Vec<u64>,
) -> u64 {
    let max = weights
        .iter()
        .copied()
        .filter(|w| w.is_finite() && *w > 0.0)
        .fold(0.0f64, f64::max);
    scratch.clear();
    if max <= 0.0 {
        return 0;
    }
    let scale = (1u64 << 52) as f64 / max;
    scratch.extend(weights.iter().map(|&w| {
        if w.is_finite() && w > 0.0 {
            (w * scale) as u64
        } else {
            0
        }
    }));
    pro_rata(scratch, budget, payouts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The reciprocal division gives the quotients of `/`, including at
        /// the edges (divisor 1, top-bit divisors, numerators just below
        /// divisor · 2^64).
        #[test]
        fn invariant_divisor_equals_division(
            divisor in prop_oneof![1u64..4, any::<u64>().prop_map(|d| d.max(1)), (1u64 << 63)..],
            high in any::<u64>(),
            low in any::<u64>(),
            edge in any::<bool>(),
        ) {
            let d = InvariantDivisor::new(divisor);
            let limit = u128::from(divisor) << 64;
            let n = if edge {
                limit - 1 - u128::from(low % divisor.max(1))
            } else {
                (u128::from(high) << 64 | u128::from(low)) % limit
            };
            prop_assert_eq!(u128::from(d.quotient(n)), n / u128::from(divisor));
        }
    }

    #[test]
    fn registry_is_complete_and_documents_every_default() {
        let registry = SchemeRegistry::builtin();
        let mut names = registry.names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), registry.iter().count(), "names are unique");
        for scheme in registry.iter() {
            let info = scheme.info();
            assert!(!info.pools.is_empty() && !info.formula.is_empty() && !info.source.is_empty());
            assert!(info.joint.iter().all(|p| info.applies_to(*p)));
            let documented: Vec<&str> = info.params.iter().map(|p| p.key).collect();
            for key in (info.defaults)().keys() {
                assert!(
                    documented.contains(&key.as_str()),
                    "{}: default `{key}` is not documented",
                    info.name()
                );
            }
        }
    }

    proptest! {
        #[test]
        fn pro_rata_never_exceeds_budget_and_loses_less_than_one_unit_per_member(
            weights in proptest::collection::vec(0u64..u64::MAX / 4, 1..50),
            budget in 0u64..u64::MAX / 2,
        ) {
            let mut out = vec![0; weights.len()];
            let paid = pro_rata(&weights, budget, &mut out);
            prop_assert_eq!(paid, out.iter().sum::<u64>());
            prop_assert!(paid <= budget);
            if weights.iter().any(|&w| w > 0) {
                prop_assert!(budget - paid < weights.len() as u64);
            }
        }
    }
}
