//! Empirical distributions: an attribute `{ dist = "empirical", file =
//! "holders.csv", column = "balance" }` draws from a data file's values.
//! The engine reads no files: a loader implements [`DataFiles`] (the
//! runner's reads CSV files relative to the scenario), streams the column's
//! cells into an [`EmpiricalBuilder`] (exact decimals × `scale`, truncated
//! toward zero to the scenario's decimals, as integer base units) and hands
//! back an [`EmpiricalData`]; [`resolve`] attaches it to the scenario's
//! distributions, so `Simulation::new` finds the values in the `Scenario`.
//! [`record_files`] writes each file's absolute path and sha256 into the
//! resolved table, so `scenario.resolved.toml` reruns from anywhere and a
//! changed file is refused.

use std::ops::Range;
use std::sync::Arc;

use mirage_analysis::decimal::{parse_decimal, Decimal};
use serde::Deserialize;

use super::Scenario;
use crate::distribution::{DistSpec, DistTable, EmpiricalData};

/// The most values an empirical column may hold (80 MB of base units).
pub const MAX_VALUES: usize = 10_000_000;

/// Builds an [`EmpiricalData`] from a column's cells, one at a time, so a
/// loader can stream a file. Every error names the cell's line.
#[derive(Debug)]
pub struct EmpiricalBuilder {
    file: String,
    scale: Decimal,
    decimals: u32,
    units: Vec<u64>,
    sum: f64,
}

impl EmpiricalBuilder {
    /// `file` is the data file's name in messages; `scale` the factor of
    /// every value; `decimals` the scenario's.
    pub fn new(file: &str, scale: f64, decimals: u32) -> Result<Self, String> {
        let scale = exact_scale(scale)?;
        Ok(Self {
            file: file.to_string(),
            scale,
            decimals,
            units: Vec::new(),
            sum: 0.0,
        })
    }

    /// Adds the cell on `line` of the data file.
    pub fn push(&mut self, line: u64, cell: &[u8]) -> Result<(), String> {
        let at = |what: String| format!("{}:{line}: {what}", self.file);
        if self.units.len() >= MAX_VALUES {
            return Err(at(format!(
                "more than {MAX_VALUES} values: an empirical column holds at most {MAX_VALUES}"
            )));
        }
        let d = parse_decimal(cell).map_err(|e| {
            at(format!(
                "`{}` is not a value >= 0 ({e})",
                String::from_utf8_lossy(cell).trim()
            ))
        })?;
        let units = scaled_units(d, self.scale, self.decimals).ok_or_else(|| {
            at(format!(
                "`{}` scaled to {} decimals does not fit 64-bit base units",
                String::from_utf8_lossy(cell).trim(),
                self.decimals
            ))
        })?;
        self.sum += units as f64;
        self.units.push(units);
        Ok(())
    }

    /// The values; `path` and `sha256` identify the file.
    pub fn finish(self, path: &str, sha256: &str) -> Result<EmpiricalData, String> {
        let min = self.units.iter().copied().min();
        let max = self.units.iter().copied().max();
        let (Some(min), Some(max)) = (min, max) else {
            return Err(format!("{}: the column has no values", self.file));
        };
        let n = self.units.len() as f64;
        Ok(EmpiricalData::from_parts(
            path,
            sha256,
            self.units.into_boxed_slice(),
            self.decimals,
            (min, max),
            self.sum / n / 10f64.powi(self.decimals as i32),
        ))
    }
}

/// The exact decimal a finite positive `scale` prints as.
fn exact_scale(scale: f64) -> Result<Decimal, String> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(format!("`scale` must be a finite number > 0, got {scale}"));
    }
    parse_decimal(format!("{scale}").as_bytes())
        .map_err(|e| format!("`scale` {scale} cannot be used exactly ({e})"))
}

/// trunc(d × scale × 10^decimals), exactly; None when it overflows.
fn scaled_units(d: Decimal, scale: Decimal, decimals: u32) -> Option<u64> {
    let product = d.mantissa.checked_mul(scale.mantissa)?;
    let exponent = d.scale + scale.scale;
    let units = if exponent >= decimals {
        let down = 10u128.checked_pow(exponent - decimals);
        down.map_or(0, |down| product / down)
    } else {
        product.checked_mul(10u128.checked_pow(decimals - exponent)?)?
    };
    u64::try_from(units).ok()
}

/// What a loader is asked for: one column of one file.
#[derive(Debug, Clone, Copy)]
pub struct DataRequest<'a> {
    /// The file as the scenario writes it (relative to the scenario file,
    /// or absolute).
    pub file: &'a str,
    pub column: &'a str,
    /// The sha256 the scenario records, which the file must still have.
    pub sha256: Option<&'a str>,
    pub scale: f64,
    /// The scenario's decimals.
    pub decimals: u32,
}

/// Reads the data files of empirical distributions for the engine, which
/// does no I/O itself. Errors are messages naming the data file (and its
/// line); the scenario's place is added by the caller.
pub trait DataFiles: Send + Sync {
    fn column(&self, request: &DataRequest<'_>) -> Result<Arc<EmpiricalData>, String>;
}

/// The resolver of a scenario parsed from text alone: any empirical
/// distribution is an error.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFiles;

impl DataFiles for NoFiles {
    fn column(&self, request: &DataRequest<'_>) -> Result<Arc<EmpiricalData>, String> {
        Err(format!(
            "`dist = \"empirical\"` reads the data file `{}`, but this scenario was parsed from \
             text alone: load it with a loader that resolves files (`mirage run`, \
             mirage_runner::load_scenario, or parse_scenario_with_files)",
            request.file
        ))
    }
}

/// The population's empirical attributes: (name, span of the value, table).
fn empirical_attributes(spec: &super::PopulationSpec) -> Vec<(String, Range<usize>, DistSpec)> {
    let mut out = Vec::new();
    for (name, dist) in super::common_attributes(spec) {
        if let Some(d) = dist {
            if d.get_ref().is_empirical() {
                out.push((name.to_string(), d.span(), d.get_ref().clone()));
            }
        }
    }
    for (name, value) in &spec.attributes.values {
        if value.get_ref().get("dist").and_then(toml::Value::as_str) == Some("empirical") {
            if let Ok(d) = DistSpec::deserialize(value.get_ref().clone()) {
                out.push((name.clone(), value.span(), d));
            }
        }
    }
    out
}

/// Reads, through `files`, the values of every empirical distribution of
/// the scenario and attaches them to it. Errors carry the span of the
/// attribute's value.
pub fn resolve(
    scenario: &mut Scenario,
    files: &dyn DataFiles,
) -> Result<(), (Range<usize>, String)> {
    let decimals = scenario.decimals;
    if let Some(d) = &mut scenario.demand.willingness_to_pay {
        if let DistTable::Empirical {
            file,
            column,
            scale,
            sha256,
            ..
        } = d.get_ref().table()
        {
            let request = DataRequest {
                file,
                column,
                sha256: sha256.as_deref(),
                scale: scale.unwrap_or(1.0),
                decimals,
            };
            let data = files
                .column(&request)
                .map_err(|e| (d.span(), format!("demand.willingness_to_pay: {e}")))?;
            d.get_mut().attach(data);
        }
    }
    for (i, p) in scenario.population.iter_mut().enumerate() {
        let display = p.get_ref().display_name(i);
        let spec = p.get_mut();
        for (name, span, dist) in empirical_attributes(spec) {
            let DistTable::Empirical {
                file,
                column,
                scale,
                sha256,
                ..
            } = dist.table()
            else {
                continue;
            };
            let request = DataRequest {
                file,
                column,
                sha256: sha256.as_deref(),
                scale: scale.unwrap_or(1.0),
                decimals,
            };
            let data = files.column(&request).map_err(|e| {
                (
                    span.clone(),
                    format!("population `{display}`, `{name}`: {e}"),
                )
            })?;
            match name.as_str() {
                "balance" => attach(&mut spec.balance, data),
                "stake" => attach(&mut spec.stake, data),
                "capital" => attach(&mut spec.capital, data),
                _ => {
                    spec.attributes.resolved.insert(name, data);
                }
            }
        }
    }
    Ok(())
}

fn attach(dist: &mut Option<toml::Spanned<DistSpec>>, data: Arc<EmpiricalData>) {
    if let Some(d) = dist {
        d.get_mut().attach(data);
    }
}

/// Writes each resolved empirical distribution's absolute path and sha256
/// into the scenario `table` (the resolved TOML), so that it reads the
/// same file from any working directory and refuses a changed one.
pub fn record_files(table: &mut toml::Table, scenario: &Scenario) {
    let willingness = scenario.demand.willingness_to_pay.as_ref();
    if let Some(d) = willingness.and_then(|d| d.get_ref().data()) {
        if let Some(toml::Value::Table(t)) = table
            .get_mut("demand")
            .and_then(|v| v.get_mut("willingness_to_pay"))
        {
            t.insert("file".into(), toml::Value::String(d.path.clone()));
            t.insert("sha256".into(), toml::Value::String(d.sha256.clone()));
        }
    }
    let Some(toml::Value::Array(populations)) = table.get_mut("population") else {
        return;
    };
    for (p, entry) in scenario.population.iter().zip(populations.iter_mut()) {
        let Some(entry) = entry.as_table_mut() else {
            continue;
        };
        let spec = p.get_ref();
        let mut data: Vec<(&str, &EmpiricalData)> = super::common_attributes(spec)
            .into_iter()
            .filter_map(|(name, d)| d.and_then(|d| d.get_ref().data()).map(|d| (name, d)))
            .collect();
        data.extend(
            spec.attributes
                .resolved
                .iter()
                .map(|(name, d)| (name.as_str(), d.as_ref())),
        );
        for (name, d) in data {
            if let Some(toml::Value::Table(t)) = entry.get_mut(name) {
                t.insert("file".into(), toml::Value::String(d.path.clone()));
                t.insert("sha256".into(), toml::Value::String(d.sha256.clone()));
            }
        }
    }
}

/// The first empirical attribute of a population whose values were not
/// attached (a scenario built without a resolver), if any.
pub fn unresolved(spec: &super::PopulationSpec) -> Option<String> {
    empirical_attributes(spec)
        .into_iter()
        .find(|(name, _, d)| match name.as_str() {
            "balance" | "stake" | "capital" => d.data().is_none(),
            other => !spec.attributes.resolved.contains_key(other),
        })
        .map(|(name, _, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(cells: &[&str], scale: f64, decimals: u32) -> Result<EmpiricalData, String> {
        let mut b = EmpiricalBuilder::new("d.csv", scale, decimals)?;
        for (i, c) in cells.iter().enumerate() {
            b.push(i as u64 + 2, c.as_bytes())?;
        }
        b.finish("/abs/d.csv", "00")
    }

    #[test]
    fn exact_truncation_and_scale() {
        let d = build(&["1.23456789", "0.3", "1e3"], 1.0, 6).expect("valid");
        assert_eq!(&*d.units, &[1_234_567, 300_000, 1_000_000_000]);
        let d = build(&["905329514.74142194"], 0.001, 6).expect("valid");
        assert_eq!(&*d.units, &[905_329_514_741]);
        assert_eq!(d.units_at(0, 3), 905_329_514);
        assert_eq!(d.range(), (905_329.514741, 905_329.514741));
    }

    #[test]
    fn bad_cells_name_their_line() {
        let e = build(&["1", "-2"], 1.0, 6).unwrap_err();
        assert!(e.starts_with("d.csv:3: `-2` is not a value >= 0"), "{e}");
        let e = build(&["x"], 1.0, 6).unwrap_err();
        assert!(e.starts_with("d.csv:2: `x`"), "{e}");
        let e = build(&["1e30"], 1.0, 6).unwrap_err();
        assert!(e.contains("does not fit"), "{e}");
        assert!(build(&[], 1.0, 6).unwrap_err().contains("no values"));
        assert!(EmpiricalBuilder::new("d.csv", 0.0, 6).is_err());
        assert!(EmpiricalBuilder::new("d.csv", f64::NAN, 6).is_err());
    }
}
