//! Loading a scenario as the command line names it: a file, an optional
//! seed and `--set` overrides (dotted.path=value), applied in order, then
//! checked. Reads the file, and the data files of its empirical
//! distributions (relative to it, `CsvFiles`); the parsing and checks are
//! `mirage-sim`'s, with the memory estimate checked against a limit
//! (`memory_limit`).

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use mirage_sim::memory::MemoryLimit;
use mirage_sim::reward::SchemeRegistry;
use mirage_sim::scenario::parse_scenario_within;
use mirage_sim::{LoadedScenario, Override};

use crate::data::CsvFiles;

/// Reads the scenario file at `path`, applies the `sets` overrides
/// (`dotted.path=value`, value a TOML literal or a bare string) and then
/// `seed`, if given, and checks the result. Errors name the file, line and
/// column, or the `--set` / `--seed` that failed. A scenario whose
/// estimated memory exceeds the machine's default limit
/// (`memory_limit::default_limit`) is refused before genesis.
pub fn load_scenario(path: &Path, seed: Option<u64>, sets: &[String]) -> Result<LoadedScenario> {
    load_scenario_limited(
        path,
        seed,
        sets,
        crate::memory_limit::default_limit().as_ref(),
    )
}

/// `load_scenario` against `memory_limit` (None: no memory check).
pub fn load_scenario_limited(
    path: &Path,
    seed: Option<u64>,
    sets: &[String],
    memory_limit: Option<&MemoryLimit>,
) -> Result<LoadedScenario> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scenario file {}", path.display()))?;
    load_text(
        &text,
        &path.display().to_string(),
        seed,
        sets,
        SchemeRegistry::builtin_ref(),
        memory_limit,
    )
}

/// `load_scenario` from the scenario's text (named `source` in messages;
/// the data files of empirical distributions are found relative to it)
/// against `registry`'s reward schemes, for callers that hold the text
/// (the Python bindings' `Scenario.from_toml`) or register schemes of
/// their own.
pub fn load_scenario_text(
    text: &str,
    source: &str,
    seed: Option<u64>,
    sets: &[String],
    registry: &SchemeRegistry,
) -> Result<LoadedScenario> {
    load_text(
        text,
        source,
        seed,
        sets,
        registry,
        crate::memory_limit::default_limit().as_ref(),
    )
}

fn load_text(
    text: &str,
    source: &str,
    seed: Option<u64>,
    sets: &[String],
    registry: &SchemeRegistry,
    memory_limit: Option<&MemoryLimit>,
) -> Result<LoadedScenario> {
    let mut overrides = sets
        .iter()
        .map(|s| Override::parse(s).map_err(|e| anyhow!("--set {s}: {e}")))
        .collect::<Result<Vec<_>>>()?;
    if let Some(seed) = seed {
        overrides.push(Override {
            path: "seed".into(),
            value: toml::Value::Integer(
                i64::try_from(seed)
                    .map_err(|_| anyhow!("--seed {seed}: must be at most {}", i64::MAX))?,
            ),
            text: format!("seed={seed} (from --seed)"),
        });
    }
    Ok(parse_scenario_within(
        text,
        source,
        &overrides,
        registry,
        &CsvFiles::beside(Path::new(source)),
        memory_limit,
    )?)
}
