//! Proof of the hot-path invariant (no allocation per event): counts heap
//! allocations with an instrumented global allocator (`stats_alloc`, only
//! in this bench) while the baseline and the Boltzmann calibration run in
//! steady state, after warm-up epochs have grown every reused buffer.
//!
//! The counts are reported per epoch and per event, and separately over
//! the epochs in which no agent joined (a joiner grows the agent columns).
//! The epoch end reuses its buffers (the record's per-role entries, the
//! health rules' inputs). What remains in the baseline is the event
//! queue's ring: a bucket drained at a busy tick keeps at most
//! `BUCKET_KEEP` events of capacity (so the ring's memory follows the
//! events pending, not the busiest tick), and grows again the next time
//! that tick of the ring is busy.
//!
//! `cargo bench --bench alloc`; figures are reported in README.md.

use std::alloc::System;

use mirage_sim::record::Discard;
use mirage_sim::{parse_scenario, Simulation};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `warm_up` epochs, then counts allocations over `measured` epochs.
fn count(file: &str, warm_up: u32, measured: u32) {
    let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("scenario ships with the repository");
    let loaded = parse_scenario(&text, file, &[]).expect("valid scenario");
    let mut sim = Simulation::new(&loaded.scenario, loaded.scenario.seed).expect("genesis");
    sim.run_epochs(warm_up, &mut Discard).expect("warm-up runs");
    let events_before = sim.events();
    let agents_before = sim.agents().len();
    let region = Region::new(GLOBAL);
    // Epochs in which no agent joined: nothing grows, so any allocation
    // there would come from the per-event or per-epoch code itself.
    let (mut quiet_epochs, mut quiet_allocations) = (0u32, 0usize);
    for _ in 0..measured {
        let agents = sim.agents().len();
        let epoch = Region::new(GLOBAL);
        sim.run_epochs(1, &mut Discard).expect("runs");
        let change = epoch.change();
        if sim.agents().len() == agents {
            quiet_epochs += 1;
            quiet_allocations += change.allocations + change.reallocations;
        }
    }
    let stats = region.change();
    let events = sim.events() - events_before;
    let joined = sim.agents().len() - agents_before;
    let epochs = f64::from(measured);
    println!(
        "{file}: {measured} epochs after {warm_up} of warm-up, {events} events: \
         {} allocations ({:.1} per epoch, {:.2e} per event), {} reallocations, {} bytes allocated; \
         {joined} agents joined; {quiet_epochs} epochs without a joiner: \
         {quiet_allocations} allocations + reallocations in them",
        stats.allocations,
        stats.allocations as f64 / epochs,
        stats.allocations as f64 / events.max(1) as f64,
        stats.reallocations,
        stats.bytes_allocated,
    );
}

fn main() {
    count("baseline.toml", 30, 100);
    count("calibration/boltzmann.toml", 100, 500);
}
