//! `mirage run`: one scenario, one seed, results written to a directory
//! (`epochs.csv`, `agents.csv`, `accounts.csv`, `fairness.json`, `scenario.resolved.toml`,
//! `manifest.json`, then `dashboard.html` unless `--no-dashboard`), and a
//! short summary on stdout. Argument handling, progress and printing only;
//! the run and its files are `mirage_runner::run`'s.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use mirage_runner::{reward_shares, run_to_dir, RunOptions, RunReport};
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
    if let Some(inv) = report.who_benefits.get("investor") {
        writeln!(
            out,
            "who benefits: early investors/team hold {} of final wealth and received {} of rewards for {} of contribution",
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
