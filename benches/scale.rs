//! Whole-run benchmarks at scale (a plain harness: each case runs once,
//! which takes seconds to a minute, too long for criterion's sampling):
//! - the baseline scenario scaled to about 100,000 agents at genesis for
//!   365 daily epochs, on one thread: events per second, an event being one
//!   entry taken from the queue;
//! - memory: peak resident set of a 1,000,000-agent baseline after genesis
//!   and a few epochs, per agent.
//!
//! `cargo bench --bench scale` (add `-- quick` for a 30-epoch smoke run);
//! figures are reported in README.md.

use std::time::Instant;

use mirage_sim::record::Discard;
use mirage_sim::{parse_scenario, Override, Simulation};

/// (population, count, max_count) of scenarios/baseline.toml.
const POPULATIONS: [(&str, u64, u64); 8] = [
    ("gpu_farms", 60, 150),
    ("home_gpus", 600, 1_500),
    ("data_providers", 1_200, 2_500),
    ("validators", 80, 150),
    ("retail_traders", 1_500, 0),
    ("trend_followers", 600, 0),
    ("whales", 5, 0),
    ("team_and_investors", 40, 0),
];

/// The baseline with every population, the demand, the market, the supply
/// and the emission multiplied by `factor`, so the economy keeps its shape.
fn scaled_baseline(factor: u64, epochs: u32) -> Simulation {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    ))
    .expect("baseline ships with the repository");
    let mut sets = vec![
        format!("epochs={epochs}"),
        format!("demand.tasks_per_epoch={}", 8_000 * factor),
        format!("initial_supply={}", 1_000_000_000 * factor),
        format!("market.token_reserve={}", 20_000_000 * factor),
        format!("market.quote_reserve={}", 2_000_000 * factor),
        format!("emission.per_epoch={}", 100_000 * factor),
    ];
    for (name, count, max) in POPULATIONS {
        sets.push(format!("population.{name}.count={}", count * factor));
        if max > 0 {
            sets.push(format!("population.{name}.max_count={}", max * factor));
        }
    }
    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("well-formed override"))
        .collect();
    let loaded = parse_scenario(&text, "baseline.toml", &overrides).expect("valid scaled baseline");
    Simulation::new(&loaded.scenario, loaded.scenario.seed).expect("genesis fits")
}

/// A field of /proc/self/status in kB (Linux), or 0 elsewhere.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    // `cargo bench` passes --bench; `cargo test --benches` would not run us.
    let epochs = if quick { 30 } else { 365 };

    let before = status_kb("VmRSS:");
    let mut big = scaled_baseline(245, 3);
    let agents = big.agents().len();
    let after_genesis = status_kb("VmHWM:");
    println!(
        "memory after genesis: peak {:.0} MiB, {:.0} bytes per agent",
        after_genesis as f64 / 1024.0,
        (after_genesis.saturating_sub(before) * 1024) as f64 / agents as f64
    );
    let mut queue_peak = 0;
    let mut observer = |_: &mirage_sim::EpochRecord| {};
    for _ in 0..3 {
        // One epoch at a time, to sample the queue's size at each end.
        big.run_epochs(1, &mut observer).expect("runs");
        queue_peak = queue_peak.max(big.queue_memory_bytes());
    }
    let peak = status_kb("VmHWM:");
    let per_agent = (peak.saturating_sub(before) * 1024) as f64 / agents as f64;
    println!(
        "memory: {agents} agents, peak RSS {:.0} MiB, {per_agent:.0} bytes per agent with the queue; \
         queue {:.0} MiB at its largest epoch end, so {:.0} bytes per agent without it",
        peak as f64 / 1024.0,
        queue_peak as f64 / (1 << 20) as f64,
        ((peak.saturating_sub(before) * 1024) as f64 - queue_peak as f64) / agents as f64
    );
    drop(big);

    let mut sim = scaled_baseline(25, epochs);
    let genesis_agents = sim.agents().len();
    let started = Instant::now();
    sim.run(&mut Discard).expect("runs");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "baseline x25: {genesis_agents} agents at genesis ({} ever), {epochs} epochs, {} events in {seconds:.1} s: {:.2} M events/s",
        sim.agents().len(),
        sim.events(),
        sim.events() as f64 / seconds / 1e6
    );
}
