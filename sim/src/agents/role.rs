//! What a role is to the engine: the `RoleBehaviour` trait every role's file
//! implements (its attributes with their validation, its per-row columns,
//! genesis, the processes it starts, the events it handles, its epoch-start
//! process, whether it bears operating costs, and the pool its work counts
//! toward), the attribute declarations and the parsed attribute table of a
//! population. The registry of roles (the `role_registry!` list in
//! `crate::roles`, which defines the `Role` enum, expanded by `roles!` in
//! `agents/mod.rs`) turns these into statically dispatched calls, so no
//! trait object is called per event.

use std::collections::BTreeMap;
use std::ops::Range;

use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::Agents;
use crate::distribution::{DistSpec, EmpiricalData};
use crate::error::SimError;
use crate::rng::SimRng;
use crate::roles::PoolKind;
use crate::world::World;

/// What kind of value an attribute takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// A distribution (or number) of values >= 0 (amounts, rates); a
    /// distribution that can draw below zero (e.g. `normal`) is rejected.
    NonNegative,
    /// A rate of events per agent per epoch: a distribution (or number) of
    /// values >= 0 with a finite mean, at most [`MAX_EVENTS_PER_TICK`] ×
    /// `ticks_per_epoch` (a bounded distribution's whole range, an
    /// unbounded one's mean; checked by the loader, which knows the ticks;
    /// a rare draw above is capped at it when delays are drawn). Without the
    /// bound a huge rate gives zero-tick delays and a tick that never ends.
    Rate,
    /// A cost in quote units per event (task, submission): as `Rate`, >= 0
    /// and bounded by [`MAX_COST_PER_EVENT`].
    Cost,
    /// A distribution (or number) in [0, 1]; a distribution that can draw
    /// outside (`normal`, `lognormal`, `pareto`, a wider `uniform`) is
    /// rejected, as a constant outside is.
    Probability,
    /// A whole number of epochs (or another count), at least 0.
    Whole,
    /// One number >= 0 (e.g. a price floor).
    Number,
    /// One of the listed words.
    Choice(&'static [&'static str]),
}

impl AttrKind {
    /// Whether the attribute is drawn per agent from a distribution.
    pub fn is_distribution(self) -> bool {
        matches!(
            self,
            Self::NonNegative | Self::Rate | Self::Cost | Self::Probability
        )
    }

    /// The bound of a bounded kind, and what its values are.
    pub fn bound(self) -> Option<(f64, &'static str)> {
        match self {
            Self::Cost => Some((MAX_COST_PER_EVENT, "a cost in quote per event")),
            _ => None,
        }
    }
}

/// The largest cost a [`AttrKind::Cost`] attribute takes, in quote units
/// per event (so an agent's costs of an epoch stay far inside the quote
/// ledger's integers).
pub const MAX_COST_PER_EVENT: f64 = 1e6;

pub use crate::world::MAX_EVENTS_PER_TICK;

/// Checks a rate attribute against its bound for `ticks_per_epoch`.
pub fn check_rate(name: &str, dist: &DistSpec, ticks_per_epoch: u64) -> Result<(), String> {
    let max = MAX_EVENTS_PER_TICK * ticks_per_epoch as f64;
    let (lo, hi) = dist.support();
    let (value, what) = if hi.is_finite() {
        (
            hi,
            if lo == hi {
                "it is"
            } else {
                "its values range up to"
            },
        )
    } else {
        (dist.mean(), "its distribution's mean is")
    };
    if value <= max {
        return Ok(());
    }
    let shown = if value.abs() >= 1e6 {
        format!("{value:e}")
    } else {
        value.to_string()
    };
    Err(format!(
        "`{name}` is a rate of events per epoch, at most {MAX_EVENTS_PER_TICK} per tick ({MAX_EVENTS_PER_TICK} × ticks_per_epoch = {max}), but {what} {shown}: lower it or raise ticks_per_epoch"
    ))
}

/// One attribute a role reads from its population tables.
#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    pub name: &'static str,
    pub kind: AttrKind,
    pub doc: &'static str,
}

/// A role's own attributes of one `[[population]]` table, as written (each
/// with its span), checked against the role's `ATTRIBUTES` when the
/// scenario is read, so the typed getters below cannot fail afterwards.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    /// Each attribute's value, by name.
    pub values: BTreeMap<String, Spanned<toml::Value>>,
    /// Where each attribute's key is written.
    pub key_spans: BTreeMap<String, Range<usize>>,
    /// The values of empirical attributes, by name, attached by the loader
    /// (`scenario::empirical::resolve`).
    pub resolved: BTreeMap<String, Arc<EmpiricalData>>,
}

impl Attributes {
    fn value(&self, name: &str) -> Option<&toml::Value> {
        self.values.get(name).map(Spanned::get_ref)
    }

    /// A distribution attribute (None when the table does not set it).
    pub fn dist(&self, name: &str) -> Option<DistSpec> {
        self.value(name)
            .and_then(|v| DistSpec::deserialize(v.clone()).ok())
            .map(|d| d.with_data(self.resolved.get(name).cloned()))
    }

    /// A whole-number attribute.
    pub fn whole(&self, name: &str) -> Option<u32> {
        self.value(name)
            .and_then(toml::Value::as_integer)
            .and_then(|v| u32::try_from(v).ok())
    }

    /// A number attribute (integers are read as numbers).
    pub fn number(&self, name: &str) -> Option<f64> {
        match self.value(name)? {
            toml::Value::Float(f) => Some(*f),
            toml::Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// A word attribute.
    pub fn word(&self, name: &str) -> Option<&str> {
        self.value(name).and_then(toml::Value::as_str)
    }

    /// Checks every attribute against `accepted` (the role's): it must be
    /// one of them and of its kind. An attribute of another role is
    /// reported at its value, an unknown key at the key; `precise` may give
    /// a finer span and message for a value that does not parse (the
    /// loader re-reads it from the scenario text).
    pub fn check(
        &self,
        role: &str,
        accepted: &[Attribute],
        all: &[&[Attribute]],
        precise: Locate<'_>,
    ) -> Result<(), (Range<usize>, String)> {
        for (name, value) in &self.values {
            let Some(attr) = accepted.iter().find(|a| a.name == name) else {
                let names: Vec<&str> = accepted.iter().map(|a| a.name).collect();
                let reads = format!(
                    "balance{}{}",
                    if names.is_empty() { "" } else { ", " },
                    names.join(", ")
                );
                let elsewhere = all.iter().flat_map(|a| a.iter()).any(|a| a.name == name);
                return Err(if elsewhere {
                    (
                        value.span(),
                        format!("`{name}` does not apply to role `{role}` (it reads: {reads})"),
                    )
                } else {
                    (
                        self.key_spans.get(name).cloned().unwrap_or_else(|| value.span()),
                        format!(
                            "unknown field `{name}`, expected `role`, `name`, `count`, `max_count` or an attribute of role `{role}`: {reads}"
                        ),
                    )
                });
            };
            if let Err(message) = check_value(name, attr.kind, value, self.resolved.get(name)) {
                return Err(precise(name).unwrap_or((value.span(), message)));
            }
        }
        Ok(())
    }
}

fn check_value(
    name: &str,
    kind: AttrKind,
    value: &Spanned<toml::Value>,
    data: Option<&Arc<EmpiricalData>>,
) -> Result<(), String> {
    let v = value.get_ref();
    match kind {
        AttrKind::NonNegative | AttrKind::Rate | AttrKind::Cost | AttrKind::Probability => {
            let dist = DistSpec::deserialize(v.clone())
                .map_err(|e| e.message().to_string())?
                .with_data(data.cloned());
            check_dist_range(name, kind, &dist)
        }
        AttrKind::Whole => match v.as_integer() {
            Some(i) if u32::try_from(i).is_ok() => Ok(()),
            _ => Err(format!(
                "`{name}` must be a whole number from 0 to {}, got {v}",
                u32::MAX
            )),
        },
        AttrKind::Number => match v {
            toml::Value::Float(f) if f.is_finite() && *f >= 0.0 => Ok(()),
            toml::Value::Integer(i) if *i >= 0 => Ok(()),
            _ => Err(format!("`{name}`: expected a finite number >= 0, got {v}")),
        },
        AttrKind::Choice(words) => match v.as_str() {
            Some(w) if words.contains(&w) => Ok(()),
            _ => Err(format!(
                "`{name}`: unknown variant {v}, expected one of {}",
                words
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        },
    }
}

/// Checks that a distribution's range fits its attribute's kind.
pub fn check_dist_range(name: &str, kind: AttrKind, dist: &DistSpec) -> Result<(), String> {
    let (lo, hi) = dist.support();
    // The same rule for every distribution kind: its whole support must lie
    // in the attribute's range, as a constant must. (Draws are never
    // clamped in practice; `draw` clamps only against rounding.)
    let fits = match kind {
        AttrKind::Probability => lo >= 0.0 && hi <= 1.0,
        _ => lo >= 0.0,
    };
    if let (true, Some((max, what))) = (fits, kind.bound()) {
        if hi.is_finite() {
            if hi > max {
                return Err(format!(
                    "`{name}` is {what}, at most {max:e}, but {} up to {hi}",
                    if lo == hi {
                        "it is"
                    } else {
                        "its values range"
                    }
                ));
            }
        } else {
            let mean = dist.mean();
            // A NaN mean is refused too.
            if mean.is_nan() || mean > max {
                return Err(format!(
                    "`{name}` is {what}, at most {max:e}, but its distribution's mean is {mean} (draws above {max:e} are capped; the mean must be below)"
                ));
            }
        }
        return Ok(());
    }
    if fits {
        return Ok(());
    }
    let (expected, instead) = match kind {
        AttrKind::Probability => (
            "a probability in [0, 1]",
            "use a constant, a uniform within [0, 1] or a beta",
        ),
        _ => (
            "values >= 0",
            "use a constant, a non-negative uniform, a lognormal or a pareto",
        ),
    };
    if let Some(data) = dist.data() {
        return Err(format!(
            "`{name}` must be {expected}, but the values of {} range over [{lo}, {hi}]",
            data.path
        ));
    }
    Err(format!(
        "`{name}` must be {expected}, but its distribution ranges over [{lo}, {hi}]: {instead}"
    ))
}

/// Re-reads an attribute that does not parse from the scenario text, for a
/// finer span and message (None when it cannot).
pub type Locate<'a> = &'a dyn Fn(&str) -> Option<(Range<usize>, String)>;

/// A new agent's role row and the allocation it holds unvested at birth.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spawned {
    pub row: u32,
    /// Tokens (base units) locked for the agent, funded from the treasury.
    pub unvested: u64,
}

/// A role: one file under `agents/`, one line in the `role_registry!` list
/// (`sim/src/roles.rs`).
/// Dispatch is static: the registry generates the `Role` enum and one
/// `match` per call, so the engine never calls a trait object per event.
pub trait RoleBehaviour: std::fmt::Debug + Clone + Default {
    /// The role's name in scenario files and outputs, e.g. `compute_provider`.
    const NAME: &'static str;
    /// The attributes its population tables may set (besides `name`,
    /// `count`, `max_count` and `balance`; `stake` and `capital` count as
    /// attributes the role must list to accept).
    const ATTRIBUTES: &'static [Attribute];
    /// The reward pool its verified work counts toward.
    const POOL: Option<PoolKind> = None;
    /// Whether its agents bear operating costs in quote, sell rewards to
    /// cover them and leave after unprofitable stretches.
    const PAYS_COSTS: bool = false;

    /// A population's attributes, read once at genesis.
    type Params: std::fmt::Debug + Clone;

    /// Reads a population's (checked) attributes.
    fn params(attributes: &Attributes) -> Self::Params;

    /// Adds an agent drawn from its population's parameters; returns its row
    /// in the role's table (and any allocation it holds unvested).
    fn spawn(
        &mut self,
        agent: u32,
        params: &Self::Params,
        rng: &mut SimRng,
        decimals: u32,
    ) -> Spawned;

    /// Reserves room for `additional` more rows in every column, so that
    /// agents joining later do not grow the table (see
    /// `Simulation::with_schemes`, which reserves each role's most agents
    /// at once at genesis).
    fn reserve(&mut self, additional: usize);

    /// Schedules the first event of the agent's own processes.
    fn start_processes(&self, _agent: u32, _row: u32, _rng: &mut SimRng, _world: &mut World) {}

    /// Handles one of the role's own events (`kind` is the role's code).
    fn on_event(
        &mut self,
        _kind: u8,
        _agent: u32,
        _row: u32,
        _tick: u64,
        _world: &mut World,
    ) -> Result<(), SimError> {
        Ok(())
    }

    /// Whether the role runs a process at the start of every epoch (decided
    /// once, after genesis).
    fn has_epoch_process(&self, _world: &World) -> bool {
        false
    }

    /// The role's process at the start of `epoch`.
    fn on_epoch_start(&mut self, _epoch: u32, _world: &mut World) -> Result<(), SimError> {
        Ok(())
    }

    /// The agent of `row` will leave at `tick` (its `AgentLeave` is queued,
    /// at an epoch end for a tick of the next epoch): a role whose events
    /// the batched event model resolves ahead of time keeps the tick.
    /// Default: nothing.
    fn leave_queued(&mut self, _row: u32, _tick: u64) {}

    /// The epoch's evidence for an agent's reputation: (successes,
    /// failures, slashed). Default: verified work against failures.
    fn reputation_evidence(agents: &Agents, agent: usize) -> (u64, u64, bool) {
        (
            agents.contribution_epoch[agent],
            u64::from(agents.failures_epoch[agent]),
            false,
        )
    }
}
