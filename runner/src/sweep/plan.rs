//! A sweep's plan: the base scenario (after `--set`, without its `[sweep]`
//! table), the sweep definition and its design, and from them each run:
//! `run_id = point_id × replications + replication`, replication r with
//! seed `base seed + r` at every point (common random numbers). Builds and
//! validates each point's scenario, renders the rows of `runs.csv`, and
//! computes the hashes that identify the sweep.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use anyhow::{anyhow, bail, Context, Result};
use mirage_analysis::schema;
use mirage_sim::memory::{self, MemoryLimit};
use mirage_sim::reward::SchemeRegistry;
use mirage_sim::scenario::{
    apply_override, check_schema, parse_scenario_within, render, scenario_from_table_with_files,
};
use mirage_sim::{parse_scenario, Override, Scenario};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use toml::Value;

use super::definition::{cell, AxisKind, SweepDef};
use super::design::{count_points, Design};
use super::summary::{self, RunSummary};
use crate::data::CsvFiles;

/// Where a run sits in the sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSpec {
    pub run_id: u64,
    pub point: u64,
    pub replication: u64,
    pub seed: u64,
}

/// Everything needed to run any run of a sweep.
#[derive(Debug)]
pub struct Plan {
    /// The file given on the command line (a scenario or a sweep file).
    pub source: PathBuf,
    /// The scenario file (the same as `source` unless a sweep file names it).
    pub scenario_file: PathBuf,
    /// The base scenario table, overrides applied, `[sweep]` removed.
    pub base_table: toml::Table,
    pub base: Scenario,
    /// `base_table` as TOML (`scenario.resolved.toml`).
    pub resolved: String,
    pub def: SweepDef,
    pub design: Design,
    runs: u64,
    /// The data files of empirical distributions (read once, cached).
    files: CsvFiles,
    /// Set by `check_memory` when every point's scenario loaded, so that
    /// `validate` need not build them all again.
    every_point_loads: AtomicBool,
}

/// Bytes a sweep keeps per run while it runs or finishes: a done flag and
/// the run's row location (16 bytes), with room for the merge's index.
pub const BYTES_PER_RUN: u64 = 40;

impl Plan {
    /// Reads `path` (a scenario with a `[sweep]` table, or a sweep file
    /// whose `scenario` key names one), applies the overrides to the base
    /// scenario, and parses the sweep. The base scenario's estimated memory
    /// is checked against the machine's default limit before its genesis.
    pub fn load(path: &Path, seed: Option<u64>, sets: &[String]) -> Result<Self> {
        let limit = crate::memory_limit::default_limit();
        Self::load_limited(path, seed, sets, limit.as_ref())
    }

    /// `load`, checking the base scenario against `memory_limit` (None: no
    /// check; the points are checked by [`Plan::check_memory`]).
    pub fn load_limited(
        path: &Path,
        seed: Option<u64>,
        sets: &[String],
        memory_limit: Option<&MemoryLimit>,
    ) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        // The file that holds the [sweep] table, for located errors.
        let text_of_sweep = text.clone();
        let file: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            // Let the scenario reader report the syntax error with its place.
            match parse_scenario(&text, &path.display().to_string(), &[]) {
                Err(located) => anyhow!(located),
                Ok(_) => anyhow!("{}: {}", path.display(), e.message()),
            }
        })?;
        let (scenario_file, scenario_text, sweep_from_file) = match file.get("scenario") {
            Some(Value::String(name)) => {
                let scenario_file = path.parent().unwrap_or(Path::new("")).join(name);
                if let Some(key) = file.keys().find(|k| *k != "scenario" && *k != "sweep") {
                    bail!(
                        "{}: a sweep file holds `scenario` and a [sweep] table; unknown key `{key}`",
                        path.display()
                    );
                }
                let sweep = file.get("sweep").cloned().ok_or_else(|| {
                    anyhow!(
                        "{}: a sweep file needs a [sweep] table beside `scenario`",
                        path.display()
                    )
                })?;
                let scenario_text = std::fs::read_to_string(&scenario_file).with_context(|| {
                    format!(
                        "{}: cannot read the scenario it names, {}",
                        path.display(),
                        scenario_file.display()
                    )
                })?;
                (scenario_file, scenario_text, Some(sweep))
            }
            Some(other) => bail!(
                "{}: `scenario` must be the path of a scenario file, not a {}",
                path.display(),
                other.type_str()
            ),
            None => (path.to_path_buf(), text, None),
        };
        // Overrides apply as in `mirage run` (cross-field rules checked once
        // all are applied). A sweep file's [sweep] goes in first, replacing
        // the scenario's own, so that `--set sweep.*` applies to it too.
        let mut overrides = Vec::new();
        if let Some(sweep) = sweep_from_file {
            overrides.push(Override {
                path: "sweep".into(),
                value: sweep,
                text: format!("sweep=<the [sweep] table of {}>", path.display()),
            });
        }
        for s in sets {
            overrides.push(Override::parse(s).map_err(|e| anyhow!("--set {s}: {e}"))?);
        }
        if let Some(seed) = seed {
            let value = i64::try_from(seed)
                .map_err(|_| anyhow!("--seed {seed}: must be at most {}", i64::MAX))?;
            overrides.push(Override {
                path: "seed".into(),
                value: Value::Integer(value),
                text: format!("seed={seed} (from --seed)"),
            });
        }
        let files = CsvFiles::beside(&scenario_file);
        let loaded = parse_scenario_within(
            &scenario_text,
            &scenario_file.display().to_string(),
            &overrides,
            SchemeRegistry::builtin_ref(),
            &files,
            memory_limit,
        )?;
        let mut table = loaded.table;
        // Sweeps are not recursive: no run sees the [sweep] table.
        let sweep = table.remove("sweep").ok_or_else(|| {
            anyhow!(
                "{}: no [sweep] table: add one (see scenarios/sweep-emission.toml) or name this scenario from a sweep file",
                scenario_file.display()
            )
        })?;
        let base = scenario_from_table_with_files(&table, SchemeRegistry::builtin_ref(), &files)
            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let def =
            SweepDef::parse(&sweep, base.seed).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        if let Some(metrics) = &def.metrics {
            summary::check(metrics).map_err(
                |(i, message)| match super::definition::metric_span(&text_of_sweep, i, &metrics[i])
                {
                    Some(span) => anyhow!(mirage_sim::scenario::located(
                        &text_of_sweep,
                        &path.display().to_string(),
                        span,
                        message
                    )),
                    None => anyhow!("{}: {message}", path.display()),
                },
            )?;
        }
        let points = count_points(&def).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let runs = points
            .checked_mul(def.replications)
            .ok_or_else(|| anyhow!("{}: the sweep has too many runs to count", path.display()))?;
        let design = Design::new(&def).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        let resolved = render(&table);
        Ok(Self {
            source: path.to_path_buf(),
            scenario_file,
            base_table: table,
            base,
            resolved,
            def,
            design,
            runs,
            files,
            every_point_loads: AtomicBool::new(false),
        })
    }

    pub fn points(&self) -> u64 {
        self.design.points()
    }

    pub fn runs(&self) -> u64 {
        self.runs
    }

    pub fn replications(&self) -> u64 {
        self.def.replications
    }

    pub fn base_seed(&self) -> u64 {
        self.base.seed
    }

    /// Seed of replication `r`, the same at every point.
    pub fn seed_of(&self, replication: u64) -> u64 {
        self.base.seed.wrapping_add(replication)
    }

    pub fn spec(&self, run_id: u64) -> RunSpec {
        let r = self.def.replications;
        RunSpec {
            run_id,
            point: run_id / r,
            replication: run_id % r,
            seed: self.seed_of(run_id % r),
        }
    }

    pub fn point_values(&self, point: u64) -> Vec<Value> {
        self.design.values(point)
    }

    /// `path=value, ...` of a point, for messages.
    pub fn describe(&self, values: &[Value]) -> String {
        self.def
            .axes
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{}={}", a.path, cell(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The table of the base scenario with `values` set on the axes.
    fn point_table(&self, values: &[Value]) -> Result<toml::Table, String> {
        let mut table = self.base_table.clone();
        for (axis, value) in self.def.axes.iter().zip(values) {
            let ov = Override {
                path: axis.path.clone(),
                value: value.clone(),
                text: format!("{}={}", axis.path, cell(value)),
            };
            apply_override(&mut table, &ov).map_err(|e| format!("axis `{}`: {e}", axis.path))?;
            if matches!(&axis.kind, AxisKind::Range(r) if r.others_proportional) {
                rescale_other_shares(&mut table, &axis.path, value)
                    .map_err(|e| format!("axis `{}`: {e}", axis.path))?;
            }
        }
        Ok(table)
    }

    /// The checked scenario of a point.
    pub fn point_scenario(&self, values: &[Value]) -> Result<Scenario, String> {
        let table = self.point_table(values)?;
        scenario_from_table_with_files(&table, SchemeRegistry::builtin_ref(), &self.files)
    }

    /// Checks before anything runs: each axis value alone on the base
    /// scenario against the schema (so an unknown path or a wrong type
    /// names its axis and value), then every point's whole scenario,
    /// cross-field rules included (values that must change together may),
    /// unless `check_memory` has already loaded every one.
    pub fn validate(&self) -> Result<()> {
        let file = self.source.display();
        for axis in &self.def.axes {
            let candidates: Vec<Value> = match &axis.kind {
                AxisKind::List(values) => values.clone(),
                AxisKind::Range(r) => vec![r.value_at(0.0), r.value_at(0.999_999_999)],
            };
            for value in candidates {
                let ov = Override {
                    path: axis.path.clone(),
                    value: value.clone(),
                    text: String::new(),
                };
                let mut table = self.base_table.clone();
                let result = apply_override(&mut table, &ov)
                    .and_then(|()| check_schema(&table, SchemeRegistry::builtin_ref()));
                if let Err(e) = result {
                    let hint = match &axis.kind {
                        AxisKind::Range(r) if !r.integer && e.contains("floating point") => {
                            " (for a whole-number field, add integer = true to the range)"
                        }
                        _ if e.contains("unknown field") => {
                            " (the path does not exist in the scenario)"
                        }
                        _ => "",
                    };
                    bail!(
                        "{file}: axis `{}`, value {}: {e}{hint}",
                        axis.path,
                        shown(&value)
                    );
                }
            }
        }
        if self.every_point_loads.load(Ordering::Relaxed) {
            return Ok(());
        }
        let failure = (0..self.points()).into_par_iter().find_map_first(|point| {
            let values = self.point_values(point);
            self.point_scenario(&values)
                .err()
                .map(|e| (point, self.describe(&values), e))
        });
        if let Some((point, described, e)) = failure {
            bail!("{file}: point {point} ({described}): {e}");
        }
        Ok(())
    }

    /// Refuses a sweep whose `threads` concurrent runs would need more
    /// memory than `limit`: the largest estimate over the points
    /// (`mirage_sim::memory`) times the threads. Points that do not load
    /// are left to `validate`.
    pub fn check_memory(&self, limit: &MemoryLimit, threads: usize) -> Result<()> {
        let registry = SchemeRegistry::builtin_ref();
        let loaded = AtomicU64::new(0);
        let largest = (0..self.points())
            .into_par_iter()
            .filter_map(|point| {
                let values = self.point_values(point);
                let scenario = self.point_scenario(&values).ok()?;
                loaded.fetch_add(1, Ordering::Relaxed);
                Some((memory::estimate(&scenario, registry).bytes, point))
            })
            .max_by_key(|&(bytes, point)| (bytes, std::cmp::Reverse(point)));
        if loaded.into_inner() == self.points() {
            self.every_point_loads.store(true, Ordering::Relaxed);
        }
        // The sweep's own books: whether each run is done and where its
        // row is (`journal::RowIndex`), for every run of the sweep.
        let books = self.runs().saturating_mul(BYTES_PER_RUN);
        if books > limit.bytes {
            bail!(
                "{}: a sweep of {} runs needs an estimated {} of memory for its books alone ({BYTES_PER_RUN} bytes per run), more than the limit of {} ({}): fewer points or replications, or raise --max-memory",
                self.source.display(),
                self.runs(),
                memory::format_bytes(books),
                memory::format_bytes(limit.bytes),
                limit.source
            );
        }
        let Some((each, point)) = largest else {
            return Ok(());
        };
        let each = each.saturating_add(books);
        let threads_u64 = threads.max(1) as u64;
        if each.saturating_mul(threads_u64) <= limit.bytes {
            return Ok(());
        }
        let fitting = limit.bytes / each.max(1);
        let fix = if fitting >= 1 {
            format!("lower --jobs to {fitting}, or raise --max-memory")
        } else {
            "one run alone does not fit: shrink the populations, or raise --max-memory".into()
        };
        let values = self.point_values(point);
        bail!(
            "{}: a run of point {point} ({}) needs an estimated {} of memory; {threads} run(s) at once need {}, more than the limit of {} ({}): {fix}",
            self.source.display(),
            self.describe(&values),
            memory::format_bytes(each),
            memory::format_bytes(each.saturating_mul(threads_u64)),
            memory::format_bytes(limit.bytes),
            limit.source
        )
    }

    /// sha256 of the resolved base scenario.
    pub fn scenario_sha256(&self) -> String {
        hex(&Sha256::digest(self.resolved.as_bytes()))
    }

    /// Identity of the sweep: the engine version, the resolved base
    /// scenario and the canonical sweep definition. Shards of one sweep
    /// share it; a changed scenario or sweep changes it.
    pub fn sweep_id(&self) -> String {
        let mut h = Sha256::new();
        h.update(mirage_sim::VERSION.as_bytes());
        h.update([0]);
        h.update(self.resolved.as_bytes());
        h.update([0]);
        h.update(self.def.to_json().to_string().as_bytes());
        hex(&h.finalize())
    }

    pub fn axis_names(&self) -> Vec<String> {
        self.def.axes.iter().map(|a| a.path.clone()).collect()
    }

    /// Columns of `runs.csv`.
    pub fn runs_header(&self) -> Vec<String> {
        let mut h: Vec<String> = ["run_id", "point_id", "replication", "seed"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        h.extend(self.axis_names());
        h.extend(self.def.metric_names());
        h.push(schema::runs::WARNINGS.name.to_string());
        h
    }

    /// Columns of `points.csv`.
    pub fn points_header(&self) -> Vec<String> {
        points_header(&self.axis_names(), &self.def.metric_names())
    }

    /// One `runs.csv` row.
    pub fn runs_row(
        &self,
        spec: &RunSpec,
        values: &[Value],
        summary: &RunSummary<'_>,
    ) -> Vec<String> {
        let metrics = self.def.metric_names();
        let mut row = Vec::with_capacity(5 + values.len() + metrics.len());
        row.extend([
            spec.run_id.to_string(),
            spec.point.to_string(),
            spec.replication.to_string(),
            spec.seed.to_string(),
        ]);
        row.extend(values.iter().map(cell));
        row.extend(metrics.iter().map(|m| summary::cell(m, summary)));
        row.push(summary.warnings.join(";"));
        row
    }
}

/// Columns of `points.csv` for these axes and metrics.
pub fn points_header(axes: &[String], metrics: &[String]) -> Vec<String> {
    let mut h = vec!["point_id".to_string()];
    h.extend(axes.iter().cloned());
    for m in metrics {
        for suffix in ["mean", "ci_low", "ci_high"] {
            h.push(format!("{m}_{suffix}"));
        }
    }
    h
}

/// A value as in a TOML file, for messages.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{s}\""),
        Value::Float(f) => format!("{f:?}"),
        other => cell(other),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Encodes one CSV record (with its line terminator).
pub fn csv_line<I, S>(cells: I) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(256));
    w.write_record(cells)?;
    w.into_inner().map_err(|e| anyhow!("{}", e.error()))
}

/// `others = "proportional"`: with pool p's share set to x, every other
/// `[reward.<q>]` table's share s_q becomes s_q · (1 − x) / Σ_{r≠p} s_r (the
/// base scenario's shares), so their ratios are kept and all shares still
/// add up to 1.
fn rescale_other_shares(table: &mut toml::Table, path: &str, value: &Value) -> Result<(), String> {
    let pool = path.split('.').nth(1).unwrap_or_default();
    let x = match value {
        Value::Float(f) => *f,
        Value::Integer(i) => *i as f64,
        other => return Err(format!("a share is a number, not {other}")),
    };
    let Some(Value::Table(reward)) = table.get_mut("reward") else {
        return Err("others = \"proportional\" needs [reward.*] pools to rescale".into());
    };
    let share_of = |t: &Value| match t.get("share") {
        Some(Value::Float(f)) => Some(*f),
        Some(Value::Integer(i)) => Some(*i as f64),
        _ => None,
    };
    let others: f64 = reward
        .iter()
        .filter(|(name, _)| name.as_str() != pool)
        .filter_map(|(_, t)| share_of(t))
        .sum();
    if others.is_nan() || others <= 0.0 {
        return Err(format!(
            "others = \"proportional\" rescales the other pools' shares, and no pool but \
             `{pool}` has a share above 0"
        ));
    }
    let factor = (1.0 - x) / others;
    for (name, t) in reward.iter_mut() {
        if name.as_str() == pool {
            continue;
        }
        if let (Some(s), Value::Table(t)) = (share_of(t), t) {
            t.insert("share".into(), Value::Float(s * factor));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rescaled_share_keeps_the_others_ratios_and_the_sum_at_one() {
        let mut table: toml::Table = "[reward.compute]\nshare = 0.6\n[reward.data]\nshare = 0.25\n\
             [reward.validation]\nshare = 0.15\n"
            .parse()
            .expect("toml");
        table["reward"]["data"]
            .as_table_mut()
            .expect("table")
            .insert("share".into(), Value::Float(0.4));
        rescale_other_shares(&mut table, "reward.data.share", &Value::Float(0.4))
            .expect("rescaled");
        let share = |pool: &str| table["reward"][pool]["share"].as_float().expect("float");
        assert!((share("compute") - 0.48).abs() < 1e-12, "0.6 · 0.6 / 0.75");
        assert!(
            (share("validation") - 0.12).abs() < 1e-12,
            "0.15 · 0.6 / 0.75"
        );
        assert_eq!(share("data"), 0.4);
        let sum = share("compute") + share("data") + share("validation");
        assert!((sum - 1.0).abs() < 1e-12, "{sum}");
        assert!((share("compute") / share("validation") - 4.0).abs() < 1e-12);

        let mut alone: toml::Table = "[reward.data]\nshare = 1\n".parse().expect("toml");
        let err = rescale_other_shares(&mut alone, "reward.data.share", &Value::Float(0.5))
            .expect_err("nothing to rescale");
        assert!(err.contains("no pool but `data`"), "{err}");
    }
}
