//! Proof of the hot-path invariant (no allocation per event): counts heap
//! allocations with an instrumented global allocator (`stats_alloc`, only
//! in this bench) while the baseline and the Boltzmann calibration run in
//! steady state, after warm-up epochs have grown every reused buffer (the
//! baseline also under `demand.event_model = "batched"`).
//!
//! Each epoch is run in two parts, counted apart: its events
//! (`Simulation::run_to_epoch_end`: arrivals, completions, validations,
//! trades, joins and leaves) and its end (emission, rewards, the record).
//! The events must allocate nothing: the event queue reuses the chunks of
//! its slab, and genesis reserves the agent columns for the most agents
//! the populations can hold at once (joiners up to `max_count`). The
//! bench fails if an event allocated. The epoch ends' count is printed
//! beside it (per-epoch buffers that grow with the roster).
//!
//! `cargo bench --bench alloc`; figures are reported in README.md.

use std::alloc::System;

use mirage_sim::record::Discard;
use mirage_sim::{parse_scenario, Override, Simulation};
use stats_alloc::{Region, Stats, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn add(total: &mut Stats, change: Stats) {
    total.allocations += change.allocations;
    total.reallocations += change.reallocations;
    total.bytes_allocated += change.bytes_allocated;
}

/// Runs `warm_up` epochs, then counts allocations over `measured` epochs;
/// returns the allocations and reallocations made by events.
fn count(file: &str, sets: &[&str], warm_up: u32, measured: u32) -> usize {
    let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("scenario ships with the repository");
    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("well-formed override"))
        .collect();
    let loaded = parse_scenario(&text, file, &overrides).expect("valid scenario");
    let mut sim = Simulation::new(&loaded.scenario, loaded.scenario.seed).expect("genesis");
    sim.run_epochs(warm_up, &mut Discard).expect("warm-up runs");
    let agents_before = sim.agents().len();
    let (mut in_events, mut at_ends) = (Stats::default(), Stats::default());
    let (mut events, mut ends) = (0u64, 0u64);
    for _ in 0..measured {
        let before = sim.events();
        let region = Region::new(GLOBAL);
        sim.run_to_epoch_end(&mut Discard).expect("runs");
        add(&mut in_events, region.change());
        let at_end = sim.events();
        let region = Region::new(GLOBAL);
        sim.run_epochs(1, &mut Discard).expect("runs");
        add(&mut at_ends, region.change());
        events += at_end - before;
        ends += sim.events() - at_end;
    }
    let joined = sim.agents().len() - agents_before;
    let per_event = in_events.allocations + in_events.reallocations;
    println!(
        "{file} {sets:?}: {measured} epochs after {warm_up} of warm-up, {joined} agents joined; \
         {events} events: {} allocations + {} reallocations ({:.1e} per event, {} bytes); \
         {ends} epoch ends: {} allocations + {} reallocations ({:.1} per epoch, {} bytes)",
        in_events.allocations,
        in_events.reallocations,
        per_event as f64 / events.max(1) as f64,
        in_events.bytes_allocated,
        at_ends.allocations,
        at_ends.reallocations,
        (at_ends.allocations + at_ends.reallocations) as f64 / f64::from(measured),
        at_ends.bytes_allocated,
    );
    per_event
}

fn main() {
    let mut failed = false;
    let batched: &[&str] = &["demand.event_model=batched"];
    for (file, sets, warm_up, measured) in [
        ("baseline.toml", &[][..], 30, 100),
        ("baseline.toml", batched, 30, 100),
        ("calibration/boltzmann.toml", &[][..], 100, 500),
    ] {
        failed |= count(file, sets, warm_up, measured) > 0;
    }
    assert!(!failed, "an event allocated in steady state");
}
