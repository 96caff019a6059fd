//! Running one scenario with one seed into a directory: the simulation from
//! genesis to its last epoch, then every output file of a run, each written
//! atomically in this order: `epochs.csv` (streamed while the run goes),
//! `agents.csv`, `accounts.csv`, `value.csv`, `scenario.resolved.toml`, `fairness.json`,
//! `manifest.json`, and `dashboard.html` unless asked not to. Also the
//! run's fairness report (`fairness_of`) and the reward shares of its
//! summary. Prints nothing: progress goes to a [`RunProgress`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use mirage_analysis::fairness::{
    add_decentralization, add_value, add_verification, fairness_report, AgentFacts,
    Decentralization, FairnessReport, StakeholderValue, ValueFacts, VerificationFacts,
};
use mirage_sim::amount::format_amount;
use mirage_sim::record::EpochRecord;
use mirage_sim::reward::SchemeRegistry;
use mirage_sim::scenario::Role;
use mirage_sim::{LoadedScenario, Simulation};

use crate::output::{
    write_accounts_csv, write_agents_csv, write_atomic, write_json_atomic, write_value_csv,
    AtomicFile, EpochsCsv,
};
use crate::progress::RunProgress;
use crate::staging::StagedDir;

/// How to run: the choices of `mirage run` that change what is written.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Overwrite files in a non-empty output directory.
    pub force: bool,
    /// Write `dashboard.html` after the other files.
    pub dashboard: bool,
}

/// Files of a run directory, in the order they are listed in the manifest.
pub const RUN_FILES: [&str; 7] = [
    "epochs.csv",
    "agents.csv",
    "accounts.csv",
    "value.csv",
    "fairness.json",
    "scenario.resolved.toml",
    "manifest.json",
];

/// What a finished run reports (what `mirage run` prints its summary from).
#[derive(Debug)]
pub struct RunReport {
    pub sim: Simulation,
    /// Price at genesis, before the first event.
    pub genesis_price: f64,
    pub last: Option<EpochRecord>,
    /// The report written to `fairness.json`.
    pub fairness: FairnessReport,
    pub seconds: f64,
    /// The dashboard written, if any.
    pub dashboard: Option<PathBuf>,
}

/// Runs a loaded scenario (read from `source`, named in messages and in
/// the manifest) and writes its outputs into `dir`. Nothing is created
/// before genesis succeeds; the files are written into a staging sibling
/// and appear together when complete (`staging`).
pub fn run_to_dir(
    loaded: &LoadedScenario,
    source: &Path,
    dir: &Path,
    options: &RunOptions,
    progress: &mut dyn RunProgress,
) -> Result<RunReport> {
    run_to_dir_with(
        loaded,
        source,
        dir,
        options,
        progress,
        SchemeRegistry::builtin_ref(),
    )
}

/// `run_to_dir` with the reward schemes of `registry` (the built-ins and
/// any a user registered, e.g. the Python bindings' schemes); `loaded` must
/// have been parsed against the same registry.
pub fn run_to_dir_with(
    loaded: &LoadedScenario,
    source: &Path,
    dir: &Path,
    options: &RunOptions,
    progress: &mut dyn RunProgress,
    registry: &SchemeRegistry,
) -> Result<RunReport> {
    let scenario = &loaded.scenario;
    let seed = scenario.seed;
    let mut sim = Simulation::with_schemes(scenario, seed, registry)
        .with_context(|| format!("{}: cannot start the simulation", source.display()))?;
    let genesis_price = sim.price();
    // Every file is written into a staging sibling, moved into place whole.
    let staged = StagedDir::create(dir, options.force)?;
    let (last, fairness, seconds) = write_run(
        loaded,
        source,
        staged.path(),
        &mut sim,
        options.dashboard,
        progress,
    )?;
    let drawn = if options.dashboard {
        let page = staged.path().join(mirage_dashboard::DASHBOARD_FILE);
        // The page names the run's directory, not its staging sibling.
        let shown = mirage_dashboard::Options {
            shown_dir: Some(dir.to_path_buf()),
            ..mirage_dashboard::Options::default()
        };
        mirage_dashboard::write_dashboard_with(staged.path(), &page, &shown).map(|_| ())
    } else {
        Ok(())
    };
    staged.commit()?;
    let dashboard = options
        .dashboard
        .then(|| dir.join(mirage_dashboard::DASHBOARD_FILE));
    drawn.with_context(|| {
        format!(
            "the run's results are in {}, but its dashboard failed",
            dir.display()
        )
    })?;
    Ok(RunReport {
        sim,
        genesis_price,
        last,
        fairness,
        seconds,
        dashboard,
    })
}

type Written = (Option<EpochRecord>, FairnessReport, f64);

fn write_run(
    loaded: &LoadedScenario,
    source: &Path,
    dir: &Path,
    sim: &mut Simulation,
    with_dashboard: bool,
    progress: &mut dyn RunProgress,
) -> Result<Written> {
    let scenario = &loaded.scenario;
    progress.start(u64::from(scenario.epochs.get()));
    let mut epochs_file = AtomicFile::create(&dir.join("epochs.csv"))?;
    let mut csv = EpochsCsv::new(epochs_file.writer(), sim.decimals());
    let mut last: Option<EpochRecord> = None;
    let mut done = 0u64;
    let started = Instant::now();
    let mut observer = |rec: &EpochRecord| {
        csv.write(rec);
        last = Some(rec.clone());
        done += 1;
        progress.epoch_done(done);
    };
    sim.run(&mut observer)
        .with_context(|| format!("{}: the simulation failed", source.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    progress.finish();
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
    let mut value = AtomicFile::create(&dir.join("value.csv"))?;
    write_value_csv(value.writer(), sim)
        .with_context(|| format!("cannot write {}", dir.join("value.csv").display()))?;
    value.commit()?;
    write_atomic(
        &dir.join("scenario.resolved.toml"),
        loaded.resolved.as_bytes(),
    )?;
    let fairness = fairness_of(sim);
    let with_governance = crate::governance_output::write_proposals(dir, sim)?;
    let json = crate::governance_output::fairness_json(&fairness, sim)?;
    write_json_atomic(&dir.join("fairness.json"), &json)?;

    // The dashboard is drawn from these files right after the manifest.
    let mut files = RUN_FILES.to_vec();
    if with_governance {
        files.push(crate::governance_output::PROPOSALS_FILE);
    }
    if with_dashboard {
        files.push(mirage_dashboard::DASHBOARD_FILE);
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
        "warnings": sim
            .warnings()
            .iter()
            .map(|w| serde_json::json!({"kind": w.kind, "epoch": w.epoch, "message": w.message}))
            .collect::<Vec<_>>(),
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
    let mut report = fairness_report(&facts, sim.decimals());
    add_value(&mut report, &value_facts(sim));
    if sim.roles_present().contains(&Role::ComputeProvider) {
        let w = sim.work_concentration_total();
        add_decentralization(
            &mut report,
            &Decentralization {
                identities: w.identities,
                operators: w.operators,
                nakamoto_work_identity: w.nakamoto_identity,
                nakamoto_work_operator: w.nakamoto_operator,
                nakamoto_work_hosting: w.nakamoto_hosting,
                hhi_work_operator: w.hhi_operator,
            },
        );
    }
    let (regime, configured) = sim.verification_regime();
    if configured {
        let t = sim.verification_totals();
        add_verification(
            &mut report,
            &VerificationFacts {
                regime: regime.as_str(),
                tasks_completed: t.tasks_completed,
                wrong_accepted: t.wrong_accepted,
                results_accepted: t.results_accepted,
                latency_ticks: t.latency_ticks,
                cost_quote: t.verification_cost_quote,
                fees_quote: t.fees_quote,
                challenges: t.challenges,
                frauds_caught: t.frauds_caught,
                quote_decimals: mirage_sim::amount::QUOTE_DECIMALS,
            },
        );
    }
    report
}

/// The quote-valued who-benefits inputs of a finished run: the stakeholder
/// rows of `value.csv` that have a net gain, the populations' sums and each
/// agent's net gain.
pub fn value_facts(sim: &Simulation) -> ValueFacts {
    let agents = sim.agents();
    let ledger = sim.ledger();
    let rows = sim.value_rows();
    let mut role_agents = [0usize; Role::COUNT];
    let names = sim.population_names();
    let mut populations: Vec<StakeholderValue> = names
        .iter()
        .map(|n| StakeholderValue {
            name: n.clone(),
            agents: Some(0),
            costs: 0,
            rewards_value: 0,
            tokens_end: 0,
            net_gain: 0,
        })
        .collect();
    let mut agent_gains = Vec::with_capacity(agents.len());
    let mut role_costs = [0u128; Role::COUNT];
    let mut role_rewards = [0u128; Role::COUNT];
    for a in 0..agents.len() {
        let v = sim.agent_value(a as u32);
        let r = agents.role[a].index();
        role_agents[r] += 1;
        role_costs[r] += v.costs_paid_quote + v.unpaid_costs_quote;
        role_rewards[r] += v.rewards_value_quote;
        let p = &mut populations[usize::from(agents.population[a])];
        p.agents = p.agents.map(|n| n + 1);
        p.costs += v.costs_paid_quote + v.unpaid_costs_quote;
        p.rewards_value += v.rewards_value_quote;
        p.tokens_end += u128::from(ledger.wealth(a as u32));
        p.net_gain += v.net_gain_quote;
        agent_gains.push(v.net_gain_quote);
    }
    let stakeholders = rows
        .iter()
        .filter_map(|row| {
            let net_gain = row.net_gain_quote?;
            let role = Role::ALL.iter().find(|r| r.as_str() == row.stakeholder);
            Some(StakeholderValue {
                name: row.stakeholder.clone(),
                agents: role.map(|r| role_agents[r.index()]),
                costs: role.map_or(0, |r| role_costs[r.index()]),
                rewards_value: role.map_or(0, |r| role_rewards[r.index()]),
                tokens_end: row.tokens_end.unwrap_or(0),
                net_gain,
            })
        })
        .collect();
    ValueFacts {
        stakeholders,
        populations,
        agent_gains,
        total_tokens: ledger.initial_supply() + ledger.minted(),
        priced: sim.market().is_some(),
        quote_decimals: mirage_sim::amount::QUOTE_DECIMALS,
    }
}

/// Share of all rewards paid to each role present (for summaries).
pub fn reward_shares(last: &EpochRecord) -> Vec<(Role, f64)> {
    let total: u128 = last.roles.iter().map(|r| r.rewards_total).sum();
    last.roles
        .iter()
        .filter(|r| r.rewards_total > 0 || total == 0)
        .map(|r| {
            let share = if total == 0 {
                0.0
            } else {
                r.rewards_total as f64 / total as f64
            };
            (r.role, share)
        })
        .collect()
}
