//! Whole-run benchmarks at scale (a plain harness: each case runs once,
//! which takes seconds to an hour, too long for criterion's sampling). The
//! baseline scenario is scaled by a factor: every population (count and
//! max_count), the demand, the supply, the market and the emission, so
//! the economy keeps its shape (factor 25: about 100,000 agents at genesis;
//! 245: about 1,000,000; 2,450: about 10,000,000). One thread.
//!
//! `cargo bench --bench scale -- <case>`, cases:
//! - `quick`: factor 25, 30 epochs (a smoke run, about 2 s);
//! - `100k`: factor 25, 365 epochs;
//! - `memory`: factor 245 after genesis and 3 epochs (peak resident set
//!   per agent, with and without the event queue);
//! - `1m`: factor 245, 365 epochs (minutes);
//! - `fit10m`: factor 2,450 after genesis and 2 epochs: peak resident set,
//!   and whether a whole run fits the memory bound (an hour or more for
//!   the whole run, so only its start is run);
//! - `run <factor> <epochs>`: any size.
//!
//! A last argument `batched` runs the case under `demand.event_model =
//! "batched"` (docs/model.md, "Event model"): the same distributions with
//! fewer events; without it, the baseline's own `per_task`.
//!
//! Without a case: `memory` then `100k` (the figures README.md reports).
//! Each run prints its events, seconds, events per second, peak resident
//! set (reset before each case where Linux allows it) and bytes per agent
//! that ever existed.

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

/// The memory bound of issue 16: 400 bytes per agent that ever existed
/// plus 64 MiB.
const BOUND_BYTES_PER_AGENT: f64 = 400.0;
const BOUND_BASE_BYTES: f64 = (64 << 20) as f64;

/// The baseline with every population, the demand, the market, the supply
/// and the emission multiplied by `factor`, so the economy keeps its shape.
fn scaled_baseline(factor: u64, epochs: u32, model: &str) -> Simulation {
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
        format!("demand.event_model=\"{model}\""),
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

/// A field of /proc/self/status in bytes (Linux), or 0 elsewhere.
fn status_bytes(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .map_or(0, |kb: u64| kb * 1024)
}

/// Resets the peak resident set to the current one (Linux ≥ 4.0; a no-op
/// elsewhere), so that each case reports its own peak.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mib(bytes: f64) -> f64 {
    bytes / (1 << 20) as f64
}

/// Peak resident set, per agent that ever existed, against the bound.
fn memory_line(agents_ever: usize) -> String {
    let peak = status_bytes("VmHWM:") as f64;
    let bound = BOUND_BYTES_PER_AGENT * agents_ever as f64 + BOUND_BASE_BYTES;
    format!(
        "peak RSS {:.0} MiB, {:.0} bytes per agent ever ({:.0} beyond 64 MiB; bound {:.0} MiB: {})",
        mib(peak),
        peak / agents_ever as f64,
        (peak - BOUND_BASE_BYTES).max(0.0) / agents_ever as f64,
        mib(bound),
        if peak <= bound { "within" } else { "OVER" }
    )
}

/// Runs the scaled baseline to its end and prints the rate and memory.
fn run(factor: u64, epochs: u32, model: &str) {
    reset_peak();
    let mut sim = scaled_baseline(factor, epochs, model);
    let genesis_agents = sim.agents().len();
    let started = Instant::now();
    sim.run(&mut Discard).expect("runs");
    let seconds = started.elapsed().as_secs_f64();
    let ever = sim.agents().len();
    let events = sim.events();
    println!(
        "baseline x{factor} ({model}): {genesis_agents} agents at genesis ({ever} ever), {epochs} epochs, \
         {events} events in {seconds:.1} s: {:.2} M events/s, {:.0} ns per event, \
         {:.2} events per agent-epoch; {}",
        events as f64 / seconds / 1e6,
        seconds * 1e9 / events as f64,
        events as f64 / (genesis_agents as f64 * f64::from(epochs)),
        memory_line(ever)
    );
}

/// Genesis and a few epochs of the scaled baseline: the peak resident set
/// per agent, with and without the event queue at its largest epoch end.
fn memory(factor: u64, epochs: u32, model: &str) {
    reset_peak();
    let before = status_bytes("VmRSS:");
    let started = Instant::now();
    let mut big = scaled_baseline(factor, 365, model);
    let agents = big.agents().len();
    let after_genesis = status_bytes("VmHWM:");
    println!(
        "baseline x{factor} ({model}) genesis: {agents} agents in {:.1} s, peak RSS {:.0} MiB, \
         {:.0} bytes per agent",
        started.elapsed().as_secs_f64(),
        mib(after_genesis as f64),
        after_genesis.saturating_sub(before) as f64 / agents as f64
    );
    let mut queue_peak = 0;
    let started = Instant::now();
    let events_before = big.events();
    for _ in 0..epochs {
        // One epoch at a time, to sample the queue's size at each end.
        big.run_epochs(1, &mut Discard).expect("runs");
        queue_peak = queue_peak.max(big.queue_memory_bytes());
    }
    let seconds = started.elapsed().as_secs_f64();
    let events = big.events() - events_before;
    let ever = big.agents().len();
    let grown = status_bytes("VmHWM:").saturating_sub(before) as f64;
    println!(
        "baseline x{factor}, {epochs} epochs: {events} events in {seconds:.1} s: \
         {:.2} M events/s; {} agents ever; {:.0} bytes per agent with the queue; \
         queue {:.0} MiB at its largest epoch end, so {:.0} bytes per agent without it; {}",
        events as f64 / seconds / 1e6,
        ever,
        grown / ever as f64,
        mib(queue_peak as f64),
        (grown - queue_peak as f64) / ever as f64,
        memory_line(ever)
    );
}

fn main() {
    // `cargo bench` passes `--bench`; the case is the first other argument.
    let mut args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let model = if args.last().is_some_and(|a| a == "batched") {
        args.pop();
        "batched"
    } else {
        "per_task"
    };
    let number = |i: usize, what: &str| -> u64 {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("`run <factor> <epochs>`: {what} is missing or not a number"))
    };
    match args.first().map(String::as_str) {
        None => {
            memory(245, 3, model);
            run(25, 365, model);
        }
        Some("quick") => run(25, 30, model),
        Some("100k") => run(25, 365, model),
        Some("1m") => run(245, 365, model),
        Some("memory") => memory(245, 3, model),
        Some("fit10m") => memory(2_450, 2, model),
        Some("run") => run(
            number(1, "factor"),
            u32::try_from(number(2, "epochs")).expect("epochs fit 32 bits"),
            model,
        ),
        Some(other) => {
            panic!(
                "unknown case `{other}`: quick, 100k, memory, 1m, fit10m, run <factor> <epochs>, \
                 each optionally followed by `batched`"
            )
        }
    }
}
