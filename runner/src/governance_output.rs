//! Governance outputs of a run, written only when the scenario has a
//! `[governance]` section: `proposals.csv` (one row per proposal created)
//! and the `governance` section added to `fairness.json`
//! (`mirage_analysis::governance`).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use mirage_analysis::fairness::FairnessReport;
use mirage_analysis::governance::{governance_report, GovernanceReport, ProposalFacts};
use mirage_analysis::schema;
use mirage_sim::agents::Role;
use mirage_sim::governance::{Governance, Kind};
use mirage_sim::Simulation;

use crate::output::AtomicFile;

/// The file this module writes.
pub const PROPOSALS_FILE: &str = schema::proposals::TABLE.file;

/// Writes `proposals.csv` into `dir` when the run has governance; returns
/// whether it did.
pub fn write_proposals(dir: &Path, sim: &Simulation) -> Result<bool> {
    let Some(g) = sim.governance() else {
        return Ok(false);
    };
    let path = dir.join(PROPOSALS_FILE);
    let mut file = AtomicFile::create(&path)?;
    write_rows(file.writer(), g).with_context(|| format!("cannot write {}", path.display()))?;
    file.commit()?;
    Ok(true)
}

fn write_rows(out: &mut dyn Write, g: &Governance) -> std::io::Result<()> {
    let header: Vec<&str> = schema::proposals::COLUMNS.iter().map(|c| c.name).collect();
    writeln!(out, "{}", header.join(","))?;
    let method = g.config.method.as_str();
    let opt = |v: Option<String>| v.unwrap_or_default();
    for r in &g.records {
        let t = r.outcome.as_ref().map(|o| &o.tally);
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.proposal,
            r.epoch_created,
            r.proposer_role.as_str(),
            r.kind.as_str(),
            method,
            opt(t.map(|t| t.power_for.to_string())),
            opt(t.map(|t| t.power_against.to_string())),
            opt(t.map(|t| t.power_abstain.to_string())),
            opt(t.map(|t| t.voters.to_string())),
            opt(t.and_then(|t| t.turnout).map(|x| x.to_string())),
            r.outcome.as_ref().is_some_and(|o| o.passed),
            opt(r.executed_epoch.map(|e| e.to_string())),
            opt(r
                .outcome
                .as_ref()
                .and_then(|o| o.decisive_voters)
                .map(|d| d.to_string())),
            opt(t.and_then(|t| t.nakamoto).map(|x| x.to_string())),
            opt(t.and_then(|t| t.top10_share).map(|x| x.to_string())),
        )?;
    }
    Ok(())
}

/// The `governance` section of a run's fairness report (None without
/// `[governance]`).
pub fn governance_of(sim: &Simulation) -> Option<GovernanceReport> {
    let g = sim.governance()?;
    let unit = 10f64.powi(g.decimals() as i32);
    let facts: Vec<ProposalFacts<'_>> = g
        .records
        .iter()
        .map(|r| ProposalFacts {
            proposer_role: r.proposer_role.as_str(),
            closed: r.outcome.is_some(),
            passed: r.outcome.as_ref().is_some_and(|o| o.passed),
            executed_epoch: r.executed_epoch,
            executed_price: r.executed_price,
            turnout: r.outcome.as_ref().and_then(|o| o.tally.turnout),
            decisive_voters: r.outcome.as_ref().and_then(|o| o.decisive_voters),
            rubber_stamp: r.rubber_stamp,
            parameter: r.kind != Kind::Grant,
            granted: Role::ALL
                .iter()
                .filter(|role| r.granted_by_role[role.index()] > 0)
                .map(|role| (role.as_str(), r.granted_by_role[role.index()] as f64 / unit))
                .collect(),
        })
        .collect();
    let roles: Vec<&str> = sim.roles_present().iter().map(|r| r.as_str()).collect();
    let rewards: Vec<Vec<f64>> = g
        .role_rewards
        .iter()
        .map(|row| {
            sim.roles_present()
                .iter()
                .map(|r| row[r.index()] as f64 / unit)
                .collect()
        })
        .collect();
    Some(governance_report(
        g.config.method.as_str(),
        &facts,
        g.skipped,
        &roles,
        &rewards,
        g.config.effect_window,
    ))
}

/// The fairness report as JSON, with the `governance` section when the
/// run has one (without, exactly the report's own JSON).
pub fn fairness_json(fairness: &FairnessReport, sim: &Simulation) -> Result<serde_json::Value> {
    let mut json = serde_json::to_value(fairness)?;
    if let (Some(section), Some(map)) = (governance_of(sim), json.as_object_mut()) {
        map.insert("governance".into(), serde_json::to_value(section)?);
    }
    Ok(json)
}
