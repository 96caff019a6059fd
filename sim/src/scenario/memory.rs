//! The memory a run needs, estimated from its scenario before genesis
//! (agent counts × bytes per agent, a yuma pool's bonds, a fixed base), and
//! the check of that estimate against a limit, so that an impossible run
//! is refused with what to shrink instead of dying of memory. The limit is
//! the caller's (`mirage --max-memory`, or the runner's default read from
//! the machine); this module reads nothing.

use crate::agents::Role;
use crate::reward::SchemeRegistry;
use crate::scenario::Scenario;

/// Bytes an agent takes at a run's peak, whatever its role: every agent
/// column (struct of arrays), its role's row, ledger and quote accounts,
/// value book, reputation entries, its pending event, and the sorted copies
/// of the end-of-run fairness report. Measured peak resident memory of
/// `mirage run` with 10⁵ and 10⁶ agents of one role, 1 epoch: 305 (holder)
/// to 355 (data provider) bytes per agent; rounded up for `Vec` growth.
pub const BYTES_PER_AGENT: u64 = 512;

/// Bytes of a run with no agent: the program, buffers of the writers, the
/// per-epoch records (memory does not grow with `epochs`).
pub const BASE_BYTES: u64 = 32 << 20;

/// Bytes of one validator × provider bond of a `yuma` pool, when every
/// validator bonds every provider: the epoch's raw weight, the bond and
/// the next epoch's bond being written (`reward::yuma_dense`; its
/// transposed weights take one tile of 64 providers, not a cell each).
pub const BYTES_PER_BOND: u64 = 24;

/// One part of an estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// What it is, for messages (e.g. "population `gpus`: 2000000 agents").
    pub what: String,
    pub bytes: u64,
    /// The population it belongs to, if one.
    pub population: Option<usize>,
}

/// A run's estimated peak memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    pub bytes: u64,
    /// Its parts, largest first.
    pub parts: Vec<Part>,
}

/// The most agents a population can hold at once during the run.
pub fn peak_count(p: &crate::scenario::PopulationSpec) -> u64 {
    u64::from(p.count.max(p.max_count.unwrap_or(0)))
}

/// The estimated peak memory of a run of `s` (its schemes' working
/// memory from `registry`).
pub fn estimate(s: &Scenario, registry: &SchemeRegistry) -> Estimate {
    let mut parts = Vec::new();
    for (i, p) in s.population.iter().enumerate() {
        let p = p.get_ref();
        let n = peak_count(p);
        parts.push(Part {
            what: format!("population `{}`: {n} agents", p.display_name(i)),
            bytes: n.saturating_mul(BYTES_PER_AGENT),
            population: Some(i),
        });
    }
    let uses_yuma = s.reward.as_ref().is_some_and(|r| {
        r.configured()
            .any(|(_, c)| c.scheme.get_ref().starts_with("yuma"))
    });
    if uses_yuma {
        let count = |role: Role| -> u64 {
            s.population
                .iter()
                .map(|p| p.get_ref())
                .filter(|p| p.role == role)
                .map(peak_count)
                .sum()
        };
        let validators = count(Role::Validator);
        let providers = count(Role::ComputeProvider) + count(Role::DataProvider);
        parts.push(Part {
            what: format!("yuma bonds: {validators} validators × {providers} providers"),
            bytes: validators
                .saturating_mul(providers)
                .saturating_mul(BYTES_PER_BOND),
            population: None,
        });
    }
    for (kind, pool) in s.reward.iter().flat_map(|r| r.configured()) {
        let name = pool.scheme.get_ref();
        if let Some(factory) = registry.get(name) {
            let population_peak = |wanted: &str| {
                s.population
                    .iter()
                    .map(|p| p.get_ref())
                    .find(|p| p.name.as_deref() == Some(wanted))
                    .map(peak_count)
            };
            let bytes = factory.memory_bytes(pool.params_of(name), &population_peak);
            if bytes > 0 {
                parts.push(Part {
                    what: format!("scheme `{name}` of the {} pool", kind.as_str()),
                    bytes,
                    population: None,
                });
            }
        }
    }
    parts.sort_by_key(|p| std::cmp::Reverse(p.bytes));
    let bytes = parts
        .iter()
        .fold(BASE_BYTES, |sum, p| sum.saturating_add(p.bytes));
    Estimate { bytes, parts }
}

/// A memory limit and where it comes from (for messages), e.g. `--max-memory
/// 2GiB` or `the cgroup's memory.max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryLimit {
    pub bytes: u64,
    pub source: String,
}

/// `bytes` in binary units with three significant digits: `1.50 GiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

/// Refuses a scenario whose estimate exceeds `limit`: the message gives the
/// estimate, its largest parts and what to shrink; the population to blame
/// (the largest part's, if a population's) comes with it.
pub fn check(
    s: &Scenario,
    registry: &SchemeRegistry,
    limit: &MemoryLimit,
) -> Result<(), (Option<usize>, String)> {
    let e = estimate(s, registry);
    if e.bytes <= limit.bytes {
        return Ok(());
    }
    let parts: Vec<String> = e
        .parts
        .iter()
        .take(3)
        .map(|p| format!("{} = {}", p.what, format_bytes(p.bytes)))
        .collect();
    let largest = e.parts.first();
    let shrink = match largest {
        Some(Part {
            population: Some(i),
            ..
        }) => format!(
            "shrink `count`{} of population `{}`",
            if s.population[*i].get_ref().max_count.is_some() {
                " or `max_count`"
            } else {
                ""
            },
            s.population[*i].get_ref().display_name(*i)
        ),
        Some(p) if p.what.starts_with("scheme") => {
            format!("shrink the parameters of the {}", p.what)
        }
        _ => "shrink the populations".to_string(),
    };
    Err((
        largest.and_then(|p| p.population),
        format!(
            "this run needs an estimated {} of memory ({}; {} per agent), more than the limit of {} ({}): {shrink}, or raise --max-memory",
            format_bytes(e.bytes),
            parts.join(", "),
            format_bytes(BYTES_PER_AGENT),
            format_bytes(limit.bytes),
            limit.source
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_shown_in_binary_units() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(3 << 29), "1.50 GiB");
    }
}
