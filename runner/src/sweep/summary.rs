//! The summary metrics of a run: the final values that `runs.csv` reports
//! per run and `points.csv` aggregates per point. A metric is an
//! `epochs.csv` column (its cell at the final epoch, written exactly as
//! the file writes it), a number of `fairness.json` by dotted path, or one
//! of the two named fairness numbers of the default list
//! (`mirage_analysis::schema::metrics`). `[sweep] metrics` chooses them;
//! without it a sweep reports the default eight.

use mirage_analysis::schema;
use mirage_sim::record::EpochRecord;
use mirage_sim::scenario::Role;
use mirage_sim::Simulation;

use crate::output::epoch_cell;
use crate::run::fairness_of;

/// What the metrics are read from: the final epoch's record and the run's
/// fairness report as `fairness.json` holds it.
#[derive(Debug, Clone)]
pub struct RunSummary<'a> {
    pub last: &'a EpochRecord,
    pub decimals: u32,
    /// The fairness report as JSON (numbers looked up by dotted path).
    pub fairness: serde_json::Value,
    /// The kinds of the run's health warnings, in the order first met
    /// (`runs.csv`'s `warnings` column).
    pub warnings: Vec<&'static str>,
}

impl<'a> RunSummary<'a> {
    /// The summary of a finished run. The fairness figures come from the
    /// run's fairness report, so they equal `mirage run`'s `fairness.json`.
    /// With `[governance]`, the report's `governance` section is included.
    pub fn of(sim: &Simulation, last: &'a EpochRecord) -> Self {
        let report = fairness_of(sim);
        Self {
            last,
            decimals: sim.decimals(),
            fairness: crate::governance_output::fairness_json(&report, sim)
                .unwrap_or_else(|_| fairness_json(&report)),
            warnings: sim.warnings().iter().map(|w| w.kind).collect(),
        }
    }
}

/// The report as JSON values (numbers kept as the `f64`/integers they
/// are); through its text if a number does not fit a JSON value (a sum
/// above `u64::MAX`), so a lookup never fails for the whole report.
fn fairness_json(report: &mirage_analysis::fairness::FairnessReport) -> serde_json::Value {
    serde_json::to_value(report)
        .ok()
        .or_else(|| {
            serde_json::to_string(report)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
        })
        .unwrap_or_default()
}

/// The default metric names, in column order.
pub fn names() -> Vec<String> {
    schema::metrics::DEFAULT
        .iter()
        .map(|c| c.name.to_string())
        .collect()
}

fn alias(name: &str) -> Option<&'static str> {
    schema::metrics::ALIASES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, path)| *path)
}

/// A JSON number as a cell: integers as integers, other numbers as Rust
/// prints an `f64` (as `epochs.csv` does); anything else is empty.
fn number_cell(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .map(|u| u.to_string())
            .or_else(|| n.as_i64().map(|i| i.to_string()))
            .or_else(|| n.as_f64().map(|f| f.to_string()))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The cell of metric `name` for this run (empty when the run has no
/// value, e.g. no rewarded role or a role absent from the scenario).
pub fn cell(name: &str, s: &RunSummary<'_>) -> String {
    if let Some(path) = alias(name) {
        return number_cell(schema::lookup(&s.fairness, path));
    }
    if let Some(c) = epoch_cell(name, s.last, s.decimals) {
        return c;
    }
    number_cell(schema::lookup(&s.fairness, name))
}

/// Every name a metric may have: the default ones, the `epochs.csv`
/// columns (per-role ones for every role) and the `fairness.json` numbers
/// (per-role ones for every role).
pub fn known_names() -> Vec<String> {
    let roles: Vec<String> = Role::ALL.iter().map(|r| r.as_str().to_string()).collect();
    let mut out = names();
    out.extend(schema::epochs::TABLE.header(&|p| match p {
        "role" => roles.clone(),
        // Columns of a scenario section (empty in a run without it).
        "governance" => vec![String::new()],
        _ => Vec::new(),
    }));
    for path in schema::fairness_paths() {
        if path.contains("{role}") {
            out.extend(roles.iter().map(|r| path.replace("{role}", r)));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Checks chosen metric names; on an unknown one, its index and a message
/// listing the closest names.
pub fn check(metrics: &[String]) -> Result<(), (usize, String)> {
    let known = known_names();
    for (i, name) in metrics.iter().enumerate() {
        if known.iter().any(|k| k == name) {
            continue;
        }
        // A population's figures: any population name of the scenario.
        if name.starts_with("who_benefits_by_population.") {
            let g = generic(name);
            if known.contains(&g) {
                continue;
            }
        }
        let mut near: Vec<(usize, &String)> = known
            .iter()
            .map(|k| (strsim::levenshtein(name, k), k))
            .collect();
        near.sort();
        let closest: Vec<String> = near.iter().take(3).map(|(_, k)| format!("`{k}`")).collect();
        let what = if schema::lookup(&sample_fairness(), &generic(name)).is_some() {
            "is not a number in fairness.json"
        } else {
            "is not a metric"
        };
        return Err((
            i,
            format!(
                "[sweep] metrics: `{name}` {what}; closest: {}. A metric is an epochs.csv column \
                 (`mirage columns epochs`) or a number of fairness.json by dotted path \
                 (e.g. \"rewards.all.top_10pct_share\", \"wealth.by_role.validator.gini\")",
                closest.join(", ")
            ),
        ));
    }
    Ok(())
}

/// `name` with a role segment replaced by `{role}` (and a population's
/// name by `{population}`).
fn generic(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("who_benefits_by_population.") {
        if let Some((_, field)) = rest.split_once('.') {
            return format!("who_benefits_by_population.{{population}}.{field}");
        }
    }
    name.split('.')
        .map(|seg| {
            if Role::ALL.iter().any(|r| r.as_str() == seg) {
                "{role}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn sample_fairness() -> serde_json::Value {
    use mirage_analysis::fairness::{fairness_report, AgentFacts};
    let agent = AgentFacts {
        role: "{role}",
        active: true,
        rewarded: true,
        wealth: 1,
        rewards: 1,
        contribution: 1,
    };
    let mut report = fairness_report(&[agent, agent], 0);
    mirage_analysis::fairness::add_value(&mut report, &schema::sample_value_facts());
    serde_json::to_value(report).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_cells_for_missing_values() {
        let rec = EpochRecord {
            price: 0.25,
            active_agents: 3,
            circulating_supply: 1_500_000,
            gini_wealth: Some(0.5),
            ..EpochRecord::default()
        };
        let s = RunSummary {
            last: &rec,
            decimals: 6,
            fairness: serde_json::json!({
                "rewards": { "all": { "nakamoto_50": 2, "top_10pct_share": 0.000001 } },
                "rewards_vs_contribution": { "all": null },
            }),
            warnings: vec!["fee_at_cap"],
        };
        let cells: Vec<String> = names().iter().map(|m| cell(m, &s)).collect();
        assert_eq!(cells, ["0.5", "", "", "2", "", "0.25", "3", "1.500000"]);
        assert_eq!(cell("rewards.all.top_10pct_share", &s), "0.000001");
        assert_eq!(cell("gini_wealth_validator", &s), "");
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        let ok = [
            "gini_wealth",
            "rewards.all.top_10pct_share",
            "wealth.by_role.validator.gini",
            "value_investor",
            "wealth_investor",
            "supply_treasury",
            "who_benefits.investor.share_of_positive_gains",
            "who_benefits.treasury.share_of_end_tokens",
            "who_benefits_by_population.gpu_farms.net_gain_quote",
            "gini_net_gain",
            "voting_power_gini",
            "delegated_share",
            "governance.rubber_stamp_rate",
            "governance.value_moved_to_team_quote",
            "governance.pass_rate_by_proposer_role.investor",
            "governance.value_moved.holder.grants_quote",
        ];
        assert_eq!(check(&ok.map(String::from)), Ok(()));
        let (i, msg) = check(&["price".into(), "gini_welth".into()]).expect_err("unknown");
        assert_eq!(i, 1);
        assert!(msg.contains("closest: `gini_wealth`"), "{msg}");
        let (_, msg) = check(&["wealth.all".into()]).expect_err("object");
        assert!(msg.contains("not a number"), "{msg}");
    }
}
