//! `mirage run`: one scenario, one seed, results written to a directory
//! (`epochs.csv`, `agents.csv`, `accounts.csv`, `fairness.json`, `scenario.resolved.toml`,
//! `manifest.json`, then `dashboard.html` unless `--no-dashboard`), and a
//! short summary on stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use mirage_analysis::dashboard;
use mirage_analysis::fairness::{fairness_report, AgentFacts, FairnessReport};
use mirage_sim::amount::format_amount;
use mirage_sim::record::EpochRecord;
use mirage_sim::{LoadedScenario, Simulation};

use super::output::{
    prepare_dir, reward_shares, write_accounts_csv, write_agents_csv, write_atomic,
    write_json_atomic, AtomicFile, EpochsCsv,
};
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

/// Files of a run directory, in the order they are listed in the manifest.
pub const RUN_FILES: [&str; 6] = [
    "epochs.csv",
    "agents.csv",
    "accounts.csv",
    "fairness.json",
    "scenario.resolved.toml",
    "manifest.json",
];

pub fn execute(args: &Args) -> Result<ExitCode> {
    let loaded = args.scenario.load()?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(&loaded.scenario.name));
    let outcome = run_to_dir(
        &loaded,
        &args.scenario.path,
        &dir,
        args.force,
        !args.no_dashboard,
    )?;
    let dashboard = (!args.no_dashboard).then(|| dir.join(dashboard::DASHBOARD_FILE));
    if let Some(page) = &dashboard {
        dashboard::write_dashboard(&dir, page).with_context(|| {
            format!(
                "the run's results are in {}, but its dashboard failed",
                dir.display()
            )
        })?;
    }
    if !args.quiet {
        print_summary(&loaded, &outcome, &dir)?;
        if let Some(page) = &dashboard {
            writeln!(std::io::stdout(), "dashboard: {}", page.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a finished run reports.
#[derive(Debug)]
pub struct RunOutcome {
    pub sim: Simulation,
    /// Price at genesis, before the first event.
    pub genesis_price: f64,
    pub last: Option<EpochRecord>,
    /// The report written to `fairness.json`.
    pub fairness: FairnessReport,
    pub seconds: f64,
}

/// Runs a loaded scenario and writes its outputs into `dir`. Nothing is
/// created before genesis succeeds; each file appears only when complete.
pub fn run_to_dir(
    loaded: &LoadedScenario,
    source: &Path,
    dir: &Path,
    force: bool,
    with_dashboard: bool,
) -> Result<RunOutcome> {
    let scenario = &loaded.scenario;
    let seed = scenario.seed;
    let mut sim = Simulation::new(scenario, seed)
        .with_context(|| format!("{}: cannot start the simulation", source.display()))?;
    let genesis_price = sim.price();
    let existed = dir.exists();
    prepare_dir(dir, force)?;
    let result = write_run(loaded, source, dir, &mut sim, with_dashboard);
    if result.is_err() && !existed {
        let _ = std::fs::remove_dir(dir);
    }
    let (last, fairness, seconds) = result?;
    Ok(RunOutcome {
        sim,
        genesis_price,
        last,
        fairness,
        seconds,
    })
}

type Written = (Option<EpochRecord>, FairnessReport, f64);

fn write_run(
    loaded: &LoadedScenario,
    source: &Path,
    dir: &Path,
    sim: &mut Simulation,
    with_dashboard: bool,
) -> Result<Written> {
    let scenario = &loaded.scenario;
    let bar = ProgressBar::new(u64::from(scenario.epochs.get()));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} epoch {pos}/{len} [{elapsed_precise}] {wide_bar} {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut epochs_file = AtomicFile::create(&dir.join("epochs.csv"))?;
    let mut csv = EpochsCsv::new(epochs_file.writer(), sim.decimals());
    let mut last: Option<EpochRecord> = None;
    let started = Instant::now();
    let mut observer = |rec: &EpochRecord| {
        csv.write(rec);
        last = Some(rec.clone());
        bar.inc(1);
    };
    sim.run(&mut observer)
        .with_context(|| format!("{}: the simulation failed", source.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    csv.finish()
        .with_context(|| format!("cannot write {}", dir.join("epochs.csv").display()))?;
    epochs_file.commit()?;

    let mut agents = AtomicFile::create(&dir.join("agents.csv"))?;
    write_agents_csv(agents.writer(), sim)
        .with_context(|| format!("cannot write {}", dir.join("agents.csv").display()))?;
    agents.commit()?;
    let mut accounts = AtomicFile::create(&dir.join("accounts.csv"))?;
    write_accounts_csv(accounts.writer(), sim)
        .with_context(|| format!("cannot write {}", dir.join("accounts.csv").display()))?;
    accounts.commit()?;
    write_atomic(
        &dir.join("scenario.resolved.toml"),
        loaded.resolved.as_bytes(),
    )?;
    let fairness = fairness_of(sim);
    write_json_atomic(&dir.join("fairness.json"), &fairness)?;

    // The dashboard is drawn from these files right after the manifest.
    let mut files = RUN_FILES.to_vec();
    if with_dashboard {
        files.push(dashboard::DASHBOARD_FILE);
    }
    let manifest = serde_json::json!({
        "mirage_version": mirage_sim::VERSION,
        "scenario": scenario.name,
        "scenario_file": source.display().to_string(),
        "seed": scenario.seed,
        "rng": mirage_sim::rng::RNG_NAME,
        "decimals": sim.decimals(),
        "initial_supply": format_amount(sim.ledger().initial_supply(), sim.decimals()),
        "epochs": scenario.epochs.get(),
        "ticks_per_epoch": scenario.ticks_per_epoch.get(),
        "agents_total": sim.agents().len(),
        "events": sim.events(),
        "wall_time_seconds": seconds,
        "files": files,
    });
    write_json_atomic(&dir.join("manifest.json"), &manifest)?;
    Ok((last, fairness, seconds))
}

/// The fairness report of a finished run (see `mirage_analysis::fairness`).
pub fn fairness_of(sim: &Simulation) -> FairnessReport {
    let agents = sim.agents();
    let ledger = sim.ledger();
    let facts: Vec<AgentFacts<'_>> = (0..agents.len())
        .map(|a| AgentFacts {
            role: agents.role[a].as_str(),
            active: agents.left_epoch[a] == mirage_sim::agents::ACTIVE,
            rewarded: sim.is_rewarded(agents.role[a]),
            wealth: ledger.wealth(a as u32),
            rewards: agents.rewards_total[a],
            contribution: agents.contribution_total[a],
        })
        .collect();
    fairness_report(&facts, sim.decimals())
}

fn print_summary(loaded: &LoadedScenario, outcome: &RunOutcome, dir: &Path) -> std::io::Result<()> {
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
    writeln!(out, "results: {}", dir.display())?;
    Ok(())
}
