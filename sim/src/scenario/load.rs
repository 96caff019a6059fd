//! Reading a scenario: TOML text → checked `Scenario`, with `--set`
//! overrides applied by dotted path, and the resolved TOML that reproduces
//! the run. Every error names the file with line and column, or the
//! override that caused it. Takes text, not paths: the caller reads files.

use std::fmt;
use std::ops::Range;

use thiserror::Error;

use super::empirical::{record_files, resolve, DataFiles, NoFiles};
use super::memory::MemoryLimit;
use super::population::{check_population, check_rates};
use super::{FeePolicy, PoolConfig, RewardPools, Role, Scenario};
use crate::agents::{draw_amount, RoleParams, RoleTables};
use crate::amount::{to_base_units, QUOTE_DECIMALS};
use crate::distribution::DistSpec;
use crate::reward::{SchemeCheck, SchemeParams, SchemeRegistry};
use crate::rng::{stream, SimRng, Stream};
pub use crate::toml_path::at_path;

/// A scenario error, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// A problem at a place in the file.
    #[error("{path}:{line}:{column}: {message}{snippet}")]
    At {
        path: String,
        line: usize,
        column: usize,
        message: String,
        /// The offending line with a caret, preceded by a newline (or empty).
        snippet: String,
    },
    /// A problem caused by a `--set` override.
    #[error("--set {assignment}: {message}")]
    Override { assignment: String, message: String },
}

/// One `--set dotted.path=value` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted path, e.g. `population.gpu_farms.count`.
    pub path: String,
    pub value: toml::Value,
    /// The assignment as written, for messages.
    pub text: String,
}

impl Override {
    /// Parses `path=value`; the value is a TOML literal, or a bare string.
    pub fn parse(assignment: &str) -> Result<Self, String> {
        let Some((path, raw)) = assignment.split_once('=') else {
            return Err(format!(
                "`{assignment}` is not of the form dotted.path=value"
            ));
        };
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(format!(
                "`{path}` is not a dotted path like population.0.count"
            ));
        }
        let raw = raw.trim();
        // The value must be the whole of `v = <raw>`: a newline could
        // otherwise smuggle in (and silently drop) further keys.
        let literal = format!("v = {raw}")
            .parse::<toml::Table>()
            .ok()
            .filter(|t| t.len() == 1)
            .and_then(|mut t| t.remove("v"));
        let value = match literal {
            Some(value) => value,
            None if raw.contains(['\n', '\r']) => {
                return Err(format!(
                    "the value of `{path}` contains a newline and is not one TOML value; \
                     give one value per --set"
                ))
            }
            None => toml::Value::String(raw.to_string()),
        };
        Ok(Self {
            path: path.to_string(),
            value,
            text: assignment.to_string(),
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A checked scenario and the resolved TOML it came from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    /// The scenario table after overrides.
    pub table: toml::Table,
    /// `table` rendered as TOML (`scenario.resolved.toml`).
    pub resolved: String,
}

/// Parses and checks `text` (named `path` in messages) against the
/// built-in reward schemes, then applies `overrides` in order, checking the
/// scenario after each.
pub fn parse_scenario(
    text: &str,
    path: &str,
    overrides: &[Override],
) -> Result<LoadedScenario, ScenarioError> {
    parse_scenario_with(text, path, overrides, SchemeRegistry::builtin_ref())
}

/// `parse_scenario` against `registry`'s reward schemes (the built-ins and
/// any a user registered). A scenario with an empirical distribution is an
/// error here (no files are read): see `parse_scenario_with_files`.
pub fn parse_scenario_with(
    text: &str,
    path: &str,
    overrides: &[Override],
    registry: &SchemeRegistry,
) -> Result<LoadedScenario, ScenarioError> {
    parse_scenario_with_files(text, path, overrides, registry, &NoFiles)
}

/// `parse_scenario_with`, reading the values of empirical distributions
/// through `files` (which resolves their paths) and attaching them to the
/// scenario; the resolved table records each data file's absolute path and
/// sha256.
pub fn parse_scenario_with_files(
    text: &str,
    path: &str,
    overrides: &[Override],
    registry: &SchemeRegistry,
    files: &dyn DataFiles,
) -> Result<LoadedScenario, ScenarioError> {
    parse_scenario_within(text, path, overrides, registry, files, None)
}

/// `parse_scenario_with_files`, refusing before genesis a scenario whose
/// estimated memory (`super::memory::estimate`) exceeds `memory_limit`,
/// located at the population to shrink.
pub fn parse_scenario_within(
    text: &str,
    path: &str,
    overrides: &[Override],
    registry: &SchemeRegistry,
    files: &dyn DataFiles,
    memory_limit: Option<&MemoryLimit>,
) -> Result<LoadedScenario, ScenarioError> {
    let fits = |s: &Scenario| -> Result<(), (Range<usize>, String)> {
        match memory_limit {
            None => Ok(()),
            Some(limit) => {
                super::memory::check(s, registry, limit).map_err(|(population, message)| {
                    let span = population
                        .and_then(|i| {
                            let p = s.population.get(i)?;
                            span_of(Some(text), &["population", &i.to_string(), "count"])
                                .or_else(|| Some(p.span()))
                        })
                        .unwrap_or(0..0);
                    (span, message)
                })
            }
        }
    };
    let at = |span: Range<usize>, message: String| located(text, path, span, message);
    let mut table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| at(e.span().unwrap_or(0..0), e.message().to_string()))?;
    let mut scenario: Scenario =
        toml::from_str(text).map_err(|e| at(e.span().unwrap_or(0..0), e.message().to_string()))?;
    resolve(&mut scenario, files).map_err(|(span, message)| at(span, message))?;
    check(&scenario, registry, Some(text)).map_err(|(span, message)| at(span, message))?;
    if overrides.is_empty() {
        fits(&scenario).map_err(|(span, message)| at(span, message))?;
        check_genesis(&scenario).map_err(|(span, message)| at(span, message))?;
        record_files(&mut table, &scenario);
        let resolved = render(&table);
        return Ok(LoadedScenario {
            scenario,
            table,
            resolved,
        });
    }
    // The overrides are applied, then the table is read back once; only if
    // that fails are they replayed one by one to name the first that
    // breaks the schema (reading the table back after each costs as much
    // as the whole load, 20 times over for 20 flags).
    let original = table.clone();
    for ov in overrides {
        apply_override(&mut table, ov).map_err(|message| ScenarioError::Override {
            assignment: ov.text.clone(),
            message,
        })?;
    }
    scenario = match deserialize_table(&table) {
        Ok(scenario) => scenario,
        Err(whole) => return Err(first_failing_override(original, overrides, whole)),
    };
    // Cross-field rules are checked once every override is applied, so that
    // fields which must change together (the pools' shares, `yuma` on both
    // the compute and validation pools) can be overridden together.
    let failed = |(_, message): (Range<usize>, String)| ScenarioError::Override {
        assignment: overrides
            .iter()
            .map(|o| o.text.as_str())
            .collect::<Vec<_>>()
            .join(" --set "),
        message,
    };
    resolve(&mut scenario, files).map_err(failed)?;
    check(&scenario, registry, None).map_err(failed)?;
    fits(&scenario).map_err(failed)?;
    check_genesis(&scenario).map_err(failed)?;
    record_files(&mut table, &scenario);
    let resolved = render(&table);
    Ok(LoadedScenario {
        scenario,
        table,
        resolved,
    })
}

/// The error of the first override after which `table`, with it and the
/// ones before it applied, no longer reads as a scenario. After the last
/// the table is the one that failed, so `whole` (its error) is only a
/// fallback.
fn first_failing_override(
    mut table: toml::Table,
    overrides: &[Override],
    whole: String,
) -> ScenarioError {
    for ov in overrides {
        // Every override applied before, so it applies again.
        if apply_override(&mut table, ov).is_ok() {
            if let Err(message) = deserialize_table(&table) {
                return ScenarioError::Override {
                    assignment: ov.text.clone(),
                    message,
                };
            }
        }
    }
    ScenarioError::Override {
        assignment: overrides.last().map(|o| o.text.clone()).unwrap_or_default(),
        message: whole,
    }
}

/// Deserialises and checks a scenario table (after overrides) against the
/// built-in schemes; errors are plain messages, since the table has no
/// file positions.
pub fn scenario_from_table(table: &toml::Table) -> Result<Scenario, String> {
    scenario_from_table_with(table, SchemeRegistry::builtin_ref())
}

/// `scenario_from_table` against `registry`'s reward schemes.
pub fn scenario_from_table_with(
    table: &toml::Table,
    registry: &SchemeRegistry,
) -> Result<Scenario, String> {
    scenario_from_table_with_files(table, registry, &NoFiles)
}

/// `scenario_from_table_with`, reading the values of empirical
/// distributions through `files`.
pub fn scenario_from_table_with_files(
    table: &toml::Table,
    registry: &SchemeRegistry,
    files: &dyn DataFiles,
) -> Result<Scenario, String> {
    let mut scenario = deserialize_table(table)?;
    resolve(&mut scenario, files).map_err(|(_, message)| message)?;
    check(&scenario, registry, None).map_err(|(_, message)| message)?;
    Ok(scenario)
}

/// Checks a scenario table against the schema alone — keys, types, value
/// ranges and that each pool's scheme is one of `registry`'s — without the
/// cross-field rules (a sweep checks each axis value this way, so values
/// that must change together may).
pub fn check_schema(table: &toml::Table, registry: &SchemeRegistry) -> Result<(), String> {
    let scenario = deserialize_table(table)?;
    if let Some(pools) = &scenario.reward {
        for (_, config) in pools.configured() {
            let name = config.scheme_name();
            if registry.get(name).is_none() {
                return Err(unknown_scheme(name, registry));
            }
        }
    }
    Ok(())
}

fn unknown_scheme(name: &str, registry: &SchemeRegistry) -> String {
    format!(
        "unknown scheme `{name}`, expected one of {}",
        quoted(&registry.names())
    )
}

/// Deserialises a scenario table without the cross-field checks.
fn deserialize_table(table: &toml::Table) -> Result<Scenario, String> {
    let text = render(table);
    toml::from_str(&text).map_err(|e| e.message().to_string())
}

/// Renders a table as TOML (keys sorted, so the text is deterministic).
pub fn render(table: &toml::Table) -> String {
    toml::to_string(table).unwrap_or_default()
}

/// Sets the value at a dotted path. Array elements are addressed by index
/// or by their `name` key (`population.gpu_farms.count`). Missing tables on
/// the way are created; whether the key is allowed is decided by the
/// scenario schema when the table is read back.
pub fn apply_override(table: &mut toml::Table, ov: &Override) -> Result<(), String> {
    let segments: Vec<&str> = ov.path.split('.').collect();
    let mut current = table;
    let mut walked = String::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(segment);
        if last {
            current.insert((*segment).to_string(), ov.value.clone());
            return Ok(());
        }
        let next = current
            .entry((*segment).to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match next {
            toml::Value::Table(t) => t,
            toml::Value::Array(items) => {
                let index = segments[i + 1];
                let element = array_element(items, index).map_err(|e| format!("{walked}: {e}"))?;
                // The element's own key follows the index segment.
                return apply_in_element(
                    element,
                    &segments[i + 2..],
                    ov,
                    &format!("{walked}.{index}"),
                );
            }
            other => {
                return Err(format!(
                    "`{walked}` is a {}, not a table: cannot set `{}` inside it",
                    other.type_str(),
                    ov.path
                ))
            }
        };
    }
    Ok(())
}

fn apply_in_element(
    element: &mut toml::Table,
    rest: &[&str],
    ov: &Override,
    walked: &str,
) -> Result<(), String> {
    if rest.is_empty() {
        return Err(format!(
            "`{walked}` is a whole table; name one of its keys, e.g. {walked}.count"
        ));
    }
    let sub = Override {
        path: rest.join("."),
        value: ov.value.clone(),
        text: ov.text.clone(),
    };
    apply_override(element, &sub).map_err(|e| format!("{walked}: {e}"))
}

fn array_element<'a>(
    items: &'a mut [toml::Value],
    index: &str,
) -> Result<&'a mut toml::Table, String> {
    let len = items.len();
    let position = match index.parse::<usize>() {
        Ok(i) if i < len => i,
        Ok(i) => {
            return Err(format!(
                "index {i} is out of range (there are {len} entries)"
            ))
        }
        Err(_) => {
            let names: Vec<String> = items
                .iter()
                .filter_map(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect();
            items
                .iter()
                .position(|v| v.get("name").and_then(|n| n.as_str()) == Some(index))
                .ok_or_else(|| {
                    format!(
                        "no entry named `{index}` (named entries: {})",
                        if names.is_empty() {
                            "none".to_string()
                        } else {
                            names.join(", ")
                        }
                    )
                })?
        }
    };
    match &mut items[position] {
        toml::Value::Table(t) => Ok(t),
        other => Err(format!(
            "entry {position} is a {}, not a table",
            other.type_str()
        )),
    }
}

/// Most populations a scenario may have: agents record theirs in 16 bits.
pub const MAX_POPULATIONS: usize = u16::MAX as usize;

/// Agents at genesis across all populations: the engine holds each in its
/// columns (several hundred bytes an agent with the ledgers and books), so
/// more cannot fit a machine's memory; checked before genesis is tried.
pub const MAX_GENESIS_AGENTS: u64 = 20_000_000;

/// The span of the value at dotted `path` in `text`, if it is there.
fn span_of(text: Option<&str>, path: &[&str]) -> Option<Range<usize>> {
    at_path::<toml::Spanned<toml::Value>>(text?, path)
        .ok()
        .flatten()
        .map(|v| v.span())
}

/// Replays the funding of genesis — the draws `Simulation::new` makes from
/// the genesis stream, in its order, on copies of the populations — so
/// whether the allocations fit the supply is known before any output is
/// written, and blames the population (or the market) whose funding the
/// treasury cannot cover, with the engine's own message. No simulation is
/// built: the loader sits below the engine.
fn check_genesis(s: &Scenario) -> Result<(), (Range<usize>, String)> {
    let decimals = s.decimals;
    let supply = to_base_units(s.initial_supply.get_ref().0, decimals);
    if supply > u64::MAX / 4 {
        return Err((
            0..0,
            format!(
                "initial_supply of {} tokens at {decimals} decimals does not fit 64-bit base units",
                s.initial_supply.get_ref().0
            ),
        ));
    }
    let mut treasury = supply;
    if let Some(m) = &s.market {
        let tokens = to_base_units(m.token_reserve.0, decimals);
        treasury = treasury.checked_sub(tokens).ok_or_else(|| {
            (
                0..0,
                format!(
                    "market.token_reserve ({} tokens) exceeds initial_supply",
                    m.token_reserve.0
                ),
            )
        })?;
    }
    let mut rng = stream(s.seed, Stream::Genesis);
    let mut tables = RoleTables::default();
    let mut agent = 0u32;
    for (i, p) in s.population.iter().enumerate() {
        // A copy, as genesis samples its own (an `in_order` cursor moves).
        let spec = p.get_ref().clone();
        let params = RoleParams::new(spec.role, &spec.attributes);
        let name = spec.display_name(i);
        let amount = |d: &Option<toml::Spanned<DistSpec>>, rng: &mut SimRng, decimals| {
            draw_amount(rng, d.as_ref().map(|d| d.get_ref()), decimals)
        };
        for _ in 0..spec.count {
            let unvested = tables.spawn(agent, &params, &mut rng, decimals).unvested;
            agent += 1;
            let balance = amount(&spec.balance, &mut rng, decimals);
            let stake = amount(&spec.stake, &mut rng, decimals);
            // Drawn for its place in the stream; quote does not come from
            // the treasury.
            amount(&spec.capital, &mut rng, QUOTE_DECIMALS);
            for (what, units) in [
                ("a balance", balance),
                ("a stake", stake),
                ("an allocation", unvested),
            ] {
                treasury = treasury.checked_sub(units).ok_or_else(|| {
                    (
                        p.span(),
                        format!(
                            "population `{name}`: the treasury cannot fund {what} of {units} base \
                             units (initial allocations exceed initial_supply)"
                        ),
                    )
                })?;
            }
        }
    }
    Ok(())
}

/// Checks what serde cannot: cross-field rules, with the span to blame.
fn check(
    s: &Scenario,
    registry: &SchemeRegistry,
    source: Option<&str>,
) -> Result<(), (Range<usize>, String)> {
    if s.population.is_empty() {
        return Err((
            0..0,
            "no [[population]] tables: a scenario needs at least one population".into(),
        ));
    }
    if s.population.len() > MAX_POPULATIONS {
        return Err((
            s.population[MAX_POPULATIONS].span(),
            format!(
                "{} [[population]] tables: a scenario may have at most {MAX_POPULATIONS}",
                s.population.len()
            ),
        ));
    }
    let mut genesis_agents = 0u64;
    for p in &s.population {
        genesis_agents += u64::from(p.get_ref().count);
        if genesis_agents > MAX_GENESIS_AGENTS {
            return Err((
                p.span(),
                format!(
                    "the populations' counts add up to more than {MAX_GENESIS_AGENTS} agents at \
                     genesis (the engine keeps every agent in memory): shrink `count`"
                ),
            ));
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, p) in s.population.iter().enumerate() {
        let spec = p.get_ref();
        let index = i.to_string();
        let precise = |name: &str| {
            let text = source?;
            let error = at_path::<super::DistSpec>(text, &["population", &index, name]).err()?;
            Some((error.span()?, error.message().to_string()))
        };
        check_population(spec, p.span(), &precise).map_err(|issue| (issue.span, issue.message))?;
        check_rates(spec, u64::from(s.ticks_per_epoch.get()))
            .map_err(|issue| (issue.span, issue.message))?;
        if !names.insert(spec.display_name(i)) {
            return Err((
                p.span(),
                format!("two populations are named `{}`", spec.display_name(i)),
            ));
        }
    }
    let supply = s.initial_supply.get_ref().0 * 10f64.powi(s.decimals as i32);
    if supply > (u64::MAX / 4) as f64 {
        return Err((
            s.initial_supply.span(),
            format!(
                "initial_supply is too large for {} decimals (at most {:.0} tokens)",
                s.decimals,
                (u64::MAX / 4) as f64 / 10f64.powi(s.decimals as i32)
            ),
        ));
    }
    let epochs = f64::from(s.epochs.get());
    let minting_epochs = match s.emission.schedule {
        crate::values::EmissionSchedule::None => 0.0,
        crate::values::EmissionSchedule::Constant => epochs,
        // per_epoch × interval × (1 + ½ + ¼ + …) < 2 × per_epoch × interval.
        crate::values::EmissionSchedule::Halving => {
            epochs.min(2.0 * f64::from(s.emission.halving_interval.get()))
        }
    };
    let minted = s.emission.per_epoch.0 * minting_epochs * 10f64.powi(s.decimals as i32);
    if supply + minted > (u64::MAX / 4) as f64 {
        return Err((
            span_of(source, &["emission", "per_epoch"]).unwrap_or(0..0),
            format!(
                "emission.per_epoch is too large: initial_supply plus what {} epochs mint must stay                  below {:.0} tokens for {} decimals",
                s.epochs,
                (u64::MAX / 4) as f64 / 10f64.powi(s.decimals as i32),
                s.decimals
            ),
        ));
    }
    if let Some(m) = &s.market {
        if m.token_reserve.0 > s.initial_supply.get_ref().0 {
            return Err((
                span_of(source, &["market", "token_reserve"]).unwrap_or(0..0),
                format!(
                    "market.token_reserve ({} tokens) exceeds initial_supply ({} tokens): \
                     the pool is funded from the supply at genesis",
                    m.token_reserve.0,
                    s.initial_supply.get_ref().0
                ),
            ));
        }
    }
    let fee_shares = s.fees.burn_share.0 + s.fees.treasury_share.0;
    if fee_shares > 1.0 + 1e-9 {
        return Err((
            span_of(source, &["fees", "treasury_share"])
                .or_else(|| span_of(source, &["fees", "burn_share"]))
                .unwrap_or(0..0),
            format!(
                "fees.burn_share + fees.treasury_share must be at most 1 (the rest joins the \
                 reward budget), they add up to {fee_shares}"
            ),
        ));
    }
    if !(s.demand.growth_per_epoch.is_finite() && s.demand.growth_per_epoch > -1.0) {
        return Err((
            0..0,
            format!(
                "demand.growth_per_epoch must be a number above -1, got {}",
                s.demand.growth_per_epoch
            ),
        ));
    }
    if let Some(pools) = &s.reward {
        let configured: Vec<_> = pools.configured().map(|(_, c)| c).collect();
        let shares: f64 = configured.iter().map(|p| p.share.0).sum();
        if (shares - 1.0).abs() > 1e-9 {
            let span = configured.first().map_or(0..0, |p| p.scheme.span());
            return Err((
                span,
                format!("the [reward.*] pools' shares must add up to 1, they add up to {shares}"),
            ));
        }
        check_schemes(s, pools, registry, source)?;
    }
    if *s.fees.policy.get_ref() == FeePolicy::Dynamic && s.fees.task_fee.0 <= 0.0 {
        return Err((
            s.fees.policy.span(),
            "fees.policy = \"dynamic\" needs a positive task_fee: it is the starting base fee, \
             which the policy multiplies up or down each epoch"
                .into(),
        ));
    }
    if let Some(max) = &s.fees.max_fee {
        if max.get_ref().0 < s.fees.min_fee.0 {
            return Err((
                max.span(),
                format!(
                    "fees.max_fee ({}) is below fees.min_fee ({})",
                    max.get_ref().0,
                    s.fees.min_fee.0
                ),
            ));
        }
    }
    if let Some(m) = &s.market {
        for (key, value) in [
            ("token_reserve", m.token_reserve.0),
            ("quote_reserve", m.quote_reserve.0),
        ] {
            if value <= 0.0 {
                let span = source
                    .and_then(|text| {
                        at_path::<toml::Spanned<toml::Value>>(text, &["market", key])
                            .ok()
                            .flatten()
                    })
                    .map_or(0..0, |v| v.span());
                return Err((
                    span,
                    format!(
                        "market.{key} must be positive: a pool with an empty reserve has no \
                         price and cannot trade"
                    ),
                ));
            }
            let max_quote =
                (u64::MAX / 4) as f64 / 10f64.powi(crate::amount::QUOTE_DECIMALS as i32);
            if key == "quote_reserve" && value > max_quote {
                let span = span_of(source, &["market", key]).unwrap_or(0..0);
                return Err((
                    span,
                    format!("market.quote_reserve is too large (at most {max_quote:.0})"),
                ));
            }
        }
    }
    if let Some(g) = &s.governance {
        let names: Vec<String> = s
            .population
            .iter()
            .enumerate()
            .map(|(i, p)| p.get_ref().display_name(i))
            .collect();
        let pools: Vec<crate::reward::PoolKind> = s
            .reward
            .as_ref()
            .map(|r| r.configured().map(|(k, _)| k).collect())
            .unwrap_or_default();
        crate::governance::config::check(g, &names, &pools)?;
    }
    let max_fee = (u64::MAX / 4) as f64 / 10f64.powi(crate::amount::QUOTE_DECIMALS as i32) / 1e6;
    if s.fees.task_fee.0 > max_fee {
        return Err((
            span_of(source, &["fees", "task_fee"]).unwrap_or(0..0),
            format!("fees.task_fee is too large (at most {max_fee:.0})"),
        ));
    }
    let max_tasks = super::MAX_TASKS_PER_EPOCH;
    if s.demand.tasks_per_epoch.0 > max_tasks {
        return Err((
            span_of(source, &["demand", "tasks_per_epoch"]).unwrap_or(0..0),
            format!(
                "demand.tasks_per_epoch is a rate of tasks per epoch, at most {max_tasks:e}, got {}",
                s.demand.tasks_per_epoch.0
            ),
        ));
    }
    let has = |role: Role| s.population.iter().any(|p| p.get_ref().role == role);
    if s.exchange.is_some() && !has(Role::Holder) {
        return Err((
            0..0,
            "[exchange] needs a population with role = \"holder\" to exchange among".into(),
        ));
    }
    if s.market.is_none() {
        if let Some(p) = s
            .population
            .iter()
            .find(|p| p.get_ref().role == Role::Speculator)
        {
            return Err((
                p.span(),
                "speculators trade on the market: add a [market] table".into(),
            ));
        }
    }
    Ok(())
}

/// Checks each pool's scheme and parameter tables against the registry:
/// the scheme exists and may pay the pool, every sub-table names a scheme
/// that may pay it, a joint scheme is named by every pool it pays (its
/// parameters in the first one's table), and each scheme's own check of
/// its parameters against the scenario passes.
fn check_schemes(
    s: &Scenario,
    pools: &RewardPools,
    registry: &SchemeRegistry,
    source: Option<&str>,
) -> Result<(), (Range<usize>, String)> {
    let populations: Vec<(String, Role)> = s
        .population
        .iter()
        .enumerate()
        .map(|(i, p)| (p.get_ref().display_name(i), p.get_ref().role))
        .collect();
    for (kind, config) in pools.configured() {
        let name = config.scheme_name();
        let Some(scheme) = registry.get(name) else {
            return Err((config.scheme.span(), unknown_scheme(name, registry)));
        };
        let info = scheme.info();
        if !info.applies_to(kind) {
            return Err((
                config.scheme.span(),
                format!(
                    "scheme `{}` cannot pay the {} pool: it applies to {} only",
                    info.name(),
                    kind.as_str(),
                    info.pool_tables()
                ),
            ));
        }
        for (table, value) in &config.params {
            let Some(tinfo) = registry.get(table).map(|t| t.info()) else {
                return Err((
                    value.span(),
                    format!(
                        "[reward.{}.{table}]: no scheme is named `{table}` (schemes: {})",
                        kind.as_str(),
                        quoted(&registry.names())
                    ),
                ));
            };
            if !tinfo.applies_to(kind) {
                return Err((
                    value.span(),
                    format!(
                        "[reward.{pool}.{name}]: scheme `{name}` applies to {} only, so its parameters do not belong in [reward.{pool}]",
                        tinfo.pool_tables(),
                        pool = kind.as_str(),
                        name = tinfo.name(),
                    ),
                ));
            }
            let home = tinfo.params_pool(kind);
            if home != kind {
                return Err((
                    value.span(),
                    format!(
                        "[reward.{pool}.{name}]: {name}'s parameters go in [reward.{home}.{name}] \
                         (one {name} pays {} together)",
                        tinfo.pool_tables(),
                        pool = kind.as_str(),
                        name = tinfo.name(),
                        home = home.as_str(),
                    ),
                ));
            }
            // Each table is checked by its scheme, whichever scheme the pool
            // names now, so that a sweep over `scheme` meets no bad table.
            let ctx = SchemeCheck {
                pool: kind,
                populations: &populations,
            };
            let params = match source {
                Some(text) => SchemeParams::in_source(
                    Some(value.get_ref()),
                    text,
                    ["reward", kind.as_str(), table.as_str()],
                ),
                None => SchemeParams::new(Some(value.get_ref())),
            };
            registry
                .get(table)
                .map_or(Ok(()), |t| t.check(&params, &ctx))
                .map_err(|e| {
                    (
                        e.span.unwrap_or_else(|| value.span()),
                        format!("[reward.{}.{table}]: {}", kind.as_str(), e.message),
                    )
                })?;
        }
        if !config.params.contains_key(name) && info.params_pool(kind) == kind {
            let ctx = SchemeCheck {
                pool: kind,
                populations: &populations,
            };
            scheme
                .check(&SchemeParams::new(None), &ctx)
                .map_err(|e| (e.span.unwrap_or_else(|| config.scheme.span()), e.message))?;
        }
        for &other in info.joint {
            if pools.pool(other).map(PoolConfig::scheme_name) != Some(name) {
                return Err((
                    config.scheme.span(),
                    format!(
                        "`{name}` pays the {} pools together: set scheme = \"{name}\" \
                         in [reward.{}] too (the pools' shares split its payout)",
                        info.joint
                            .iter()
                            .map(|p| p.as_str())
                            .collect::<Vec<_>>()
                            .join(" and "),
                        other.as_str()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds an `At` error from a byte span of `text`.
/// An error at byte `span` of `text` (named `path`), with line, column and
/// the offending line.
pub fn located(text: &str, path: &str, span: Range<usize>, message: String) -> ScenarioError {
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("");
    // At most SNIPPET_CHARS characters of the line, around the column, so
    // that a huge line gives a short message.
    const SNIPPET_CHARS: usize = 200;
    let first = column
        .saturating_sub(1)
        .saturating_sub(SNIPPET_CHARS / 2)
        .min(line_text.chars().count().saturating_sub(SNIPPET_CHARS));
    let shown: String = line_text.chars().skip(first).take(SNIPPET_CHARS).collect();
    let clipped_left = if first > 0 { "…" } else { "" };
    let clipped_right = if first + SNIPPET_CHARS < line_text.chars().count() {
        "…"
    } else {
        ""
    };
    let snippet = if line_text.is_empty() {
        String::new()
    } else {
        format!(
            "\n  {line:>4} | {clipped_left}{shown}{clipped_right}\n       | {}^",
            " ".repeat(
                column.saturating_sub(1).saturating_sub(first) + clipped_left.chars().count()
            )
        )
    };
    ScenarioError::At {
        path: path.to_string(),
        line,
        column,
        message,
        snippet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "name = \"t\"\nepochs = 3\ninitial_supply = 100\n\n[[population]]\nname = \"h\"\nrole = \"holder\"\ncount = 2\nbalance = 1\n";

    #[test]
    fn overrides_address_by_index_and_name() {
        let ov = |s: &str| Override::parse(s).expect("parses");
        let loaded = parse_scenario(
            MINIMAL,
            "t.toml",
            &[ov("population.h.count=5"), ov("epochs=7")],
        )
        .expect("valid");
        assert_eq!(loaded.scenario.population[0].get_ref().count, 5);
        assert_eq!(loaded.scenario.epochs.get(), 7);
        let err = parse_scenario(MINIMAL, "t.toml", &[ov("population.x.count=5")]).unwrap_err();
        assert!(err.to_string().contains("no entry named `x`"), "{err}");
        let err = parse_scenario(MINIMAL, "t.toml", &[ov("epochz=5")]).unwrap_err();
        assert!(err.to_string().contains("unknown field `epochz`"), "{err}");
    }

    #[test]
    fn the_first_override_that_breaks_the_schema_is_named() {
        let ov = |s: &str| Override::parse(s).expect("parses");
        let err = parse_scenario(
            MINIMAL,
            "t.toml",
            &[
                ov("epochs=5"),
                ov("epochs=-1"),
                ov("seed=3"),
                ov("epochs=oops"),
            ],
        )
        .unwrap_err();
        let ScenarioError::Override { assignment, .. } = &err else {
            panic!("expected an override error: {err}");
        };
        assert_eq!(assignment, "epochs=-1", "{err}");
        // A bad value that a later flag replaces no longer stops the load.
        let loaded = parse_scenario(MINIMAL, "t.toml", &[ov("epochs=-1"), ov("epochs=4")])
            .expect("the final table is valid");
        assert_eq!(loaded.scenario.epochs.get(), 4);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let text = MINIMAL.replace("epochs = 3", "epochs = 0");
        let err = parse_scenario(&text, "t.toml", &[]).unwrap_err();
        let ScenarioError::At { line, column, .. } = err else {
            panic!("{err}")
        };
        assert_eq!((line, column), (2, 10));
    }

    #[test]
    fn fields_that_must_change_together_can_be_overridden_together() {
        let text = format!(
            "{MINIMAL}[reward.compute]\nshare = 0.5\nscheme = \"stake\"\n[reward.validation]\nshare = 0.5\nscheme = \"stake\"\n"
        );
        let ov = |s: &str| Override::parse(s).expect("parses");
        let loaded = parse_scenario(
            &text,
            "t.toml",
            &[
                ov("reward.compute.share=0.7"),
                ov("reward.validation.share=0.3"),
                ov("reward.compute.scheme=yuma"),
                ov("reward.validation.scheme=yuma"),
            ],
        )
        .expect("valid together");
        let reward = loaded.scenario.reward.expect("pools");
        assert_eq!(reward.compute.map(|c| c.share.0), Some(0.7));
        let err = parse_scenario(&text, "t.toml", &[ov("reward.compute.share=0.7")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--set reward.compute.share=0.7: the [reward.*] pools' shares must add up to 1, they add up to 1.2"
        );
    }

    #[test]
    fn bare_strings_and_literals() {
        let ov = Override::parse("reward.compute.scheme=stake").expect("parses");
        assert_eq!(ov.value, toml::Value::String("stake".into()));
        let ov = Override::parse("x=\"stake\"").expect("parses");
        assert_eq!(ov.value, toml::Value::String("stake".into()));
        let ov = Override::parse("x=0.5").expect("parses");
        assert_eq!(ov.value, toml::Value::Float(0.5));
        assert!(Override::parse("novalue").is_err());
    }
}
