//! Loading a scenario as the command line names it: a file, an optional
//! seed and `--set` overrides (dotted.path=value), applied in order, then
//! checked. Reads the file, and the data files of its empirical
//! distributions (relative to it, `CsvFiles`); the parsing and checks are
//! `mirage-sim`'s.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use mirage_sim::reward::SchemeRegistry;
use mirage_sim::scenario::parse_scenario_with_files;
use mirage_sim::{LoadedScenario, Override};

use crate::data::CsvFiles;

/// Reads the scenario file at `path`, applies the `sets` overrides
/// (`dotted.path=value`, value a TOML literal or a bare string) and then
/// `seed`, if given, and checks the result. Errors name the file, line and
/// column, or the `--set` / `--seed` that failed.
pub fn load_scenario(path: &Path, seed: Option<u64>, sets: &[String]) -> Result<LoadedScenario> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scenario file {}", path.display()))?;
    load_scenario_text(
        &text,
        &path.display().to_string(),
        seed,
        sets,
        SchemeRegistry::builtin_ref(),
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
    Ok(parse_scenario_with_files(
        text,
        source,
        &overrides,
        registry,
        &CsvFiles::beside(Path::new(source)),
    )?)
}
