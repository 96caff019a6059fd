//! `mirage run`: one scenario, one seed, results written to a directory
//! (`epochs.csv`, `agents.csv`, `accounts.csv`, `value.csv`, `fairness.json`, `scenario.resolved.toml`,
//! `manifest.json`, then `dashboard.html` unless `--no-dashboard`), and a
//! short summary on stdout. Argument handling, progress and printing only;
//! the run and its files are `mirage_runner::run`'s.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use mirage_runner::{reward_shares, run_to_dir, RunOptions, RunReport};
use mirage_sim::scenario::TreasuryControl;
use mirage_sim::LoadedScenario;

use super::progress::EpochBar;
use super::ScenarioArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Output directory [default: out/<scenario name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite files in a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Print no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not write dashboard.html.
    #[arg(long)]
    pub no_dashboard: bool,
}

pub fn execute(args: &Args) -> Result<ExitCode> {
    let loaded = args.scenario.load()?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| super::default_out_dir(&loaded.scenario.name, ""));
    let options = RunOptions {
        force: args.force,
        dashboard: !args.no_dashboard,
    };
    let outcome = run_to_dir(
        &loaded,
        &args.scenario.path,
        &dir,
        &options,
        &mut EpochBar::default(),
    )?;
    if !args.quiet {
        print_summary(&loaded, &outcome, &dir)?;
        if let Some(page) = &outcome.dashboard {
            writeln!(std::io::stdout(), "dashboard: {}", page.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The who-benefits headline: what early investors/team gained against
/// the costs they bore, and the treasury's share of supply (counted with
/// the team under `[treasury] controlled_by = "team"`).
pub fn headline(outcome: &RunReport) -> String {
    let sim = &outcome.sim;
    let who = &outcome.fairness.who_benefits;
    let treasury = who.get("treasury").copied().unwrap_or_default();
    let treasury_share = treasury.share_of_end_tokens.unwrap_or(0.0) * 100.0;
    let team = sim.treasury_controlled_by() == TreasuryControl::Team;
    let has_investors = who.get("investor").is_some_and(|s| s.agents > 0);
    if sim.market().is_none() {
        return format!(
            "who benefits: no market, so no prices: gains in quote are not defined; treasury holds {treasury_share:.1}% of supply"
        );
    }
    let mut gain = 0.0;
    let mut gains_share = 0.0;
    let mut costs_share = 0.0;
    let mut who_label = Vec::new();
    let mut split = Vec::new();
    if let Some(inv) = who.get("investor").filter(|_| has_investors) {
        gain += inv.net_gain_quote.unwrap_or(0.0);
        gains_share += inv.share_of_positive_gains.unwrap_or(0.0);
        costs_share += inv.share_of_costs.unwrap_or(0.0);
        who_label.push("early investors/team");
        split.push(format!(
            "investors {}",
            abbreviate(inv.net_gain_quote.unwrap_or(0.0))
        ));
    }
    if team {
        gain += treasury.net_gain_quote.unwrap_or(0.0);
        gains_share += treasury.share_of_positive_gains.unwrap_or(0.0);
        who_label.push("the team's treasury");
        split.push(format!(
            "treasury {}",
            abbreviate(treasury.net_gain_quote.unwrap_or(0.0))
        ));
    }
    if who_label.is_empty() {
        // No early investors: the largest gainer.
        let best = who
            .iter()
            .filter(|(_, s)| s.net_gain_quote.is_some())
            .max_by(|a, b| {
                let g = |s: &mirage_analysis::fairness::Shares| s.net_gain_quote.unwrap_or(0.0);
                g(a.1).total_cmp(&g(b.1))
            });
        return match best {
            Some((name, s)) => format!(
                "who benefits: no early investors; largest gain: {name}, net gain {} quote ({:.1}% of all gains) for {:.1}% of the costs borne; treasury holds {treasury_share:.1}% of supply",
                abbreviate(s.net_gain_quote.unwrap_or(0.0)),
                s.share_of_positive_gains.unwrap_or(0.0) * 100.0,
                s.share_of_costs.unwrap_or(0.0) * 100.0
            ),
            None => format!("who benefits: treasury holds {treasury_share:.1}% of supply"),
        };
    }
    format!(
        "{}: net gain {} quote{} ({:.1}% of all gains) for {:.1}% of the costs borne; treasury holds {treasury_share:.1}% of supply{}",
        who_label.join(" + "),
        abbreviate(gain),
        if split.len() > 1 {
            format!(": {}", split.join(", "))
        } else {
            String::new()
        },
        gains_share * 100.0,
        costs_share * 100.0,
        if team { " (controlled by the team)" } else { "" }
    )
}

/// A quote figure for a sentence: two decimals, or 3 significant digits
/// with an exponent from 10^9 on.
fn abbreviate(x: f64) -> String {
    if x.abs() >= 1e9 {
        format!("{x:.2e}")
    } else {
        format!("{x:.2}")
    }
}

fn print_summary(loaded: &LoadedScenario, outcome: &RunReport, dir: &Path) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let sim = &outcome.sim;
    let Some(last) = &outcome.last else {
        return Ok(());
    };
    let events = sim.events();
    let rate = events as f64 / outcome.seconds.max(1e-9);
    writeln!(
        out,
        "{}: {} epochs, {} agents ({} active at the end), {} events in {:.2} s ({:.2} M events/s)",
        loaded.scenario.name,
        last.epoch + 1,
        sim.agents().len(),
        last.active_agents,
        events,
        outcome.seconds,
        rate / 1e6
    )?;
    let f = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.3}"));
    writeln!(
        out,
        "final wealth: Gini {}, Nakamoto {} (fewest agents holding more than half)",
        f(last.gini_wealth),
        last.nakamoto_wealth
            .map_or("n/a".to_string(), |n| n.to_string())
    )?;
    let shares: Vec<String> = reward_shares(last)
        .iter()
        .map(|(role, share)| format!("{} {:.1}%", role.as_str(), share * 100.0))
        .collect();
    if last.roles.iter().any(|r| r.rewards_total > 0) {
        writeln!(
            out,
            "rewards: Gini {}; share by role: {}",
            f(last.gini_rewards),
            shares.join(", ")
        )?;
    }
    let report = &outcome.fairness;
    if let Some(a) = report.rewards_vs_contribution.all {
        writeln!(
            out,
            "rewards vs contribution: misallocation {} (share of rewards that would move to pay by contribution), Spearman {}",
            f(a.misallocation),
            f(a.spearman)
        )?;
    }
    let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{:.1}%", x * 100.0));
    writeln!(out, "{}", headline(outcome))?;
    if let Some(inv) = report.who_benefits.get("investor") {
        writeln!(
            out,
            "early investors/team hold {} of final wealth and received {} of rewards for {} of contribution",
            pct(inv.wealth_share),
            pct(inv.reward_share),
            pct(inv.contribution_share)
        )?;
    }
    if sim.market().is_some() {
        let start = outcome.genesis_price;
        writeln!(
            out,
            "price: {start:.6} at genesis -> {:.6} quote per token",
            last.price
        )?;
    }
    for w in sim.warnings() {
        writeln!(
            out,
            "warning: {} (epoch {}): {}",
            w.kind, w.epoch, w.message
        )?;
    }
    writeln!(out, "results: {}", dir.display())?;
    Ok(())
}
