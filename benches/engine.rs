//! Engine micro- and calibration benchmarks (criterion):
//! - `boltzmann`: Mesa's Boltzmann wealth model, 10,000 agents × 1,000
//!   steps with the Gini recorded every step, on one thread, reported as
//!   agent-steps per second (Mesa: ~0.5 M/s on this machine);
//! - `queue`: the event queue alone with 100,000 pending events, reported
//!   as events per second, against a plain `BinaryHeap` keyed by
//!   (tick, sequence).
//!
//! `cargo bench --bench engine`; figures are reported in README.md.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mirage_sim::queue::EventQueue;
use mirage_sim::record::Discard;
use mirage_sim::{parse_scenario, Simulation};

fn boltzmann(c: &mut Criterion) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/calibration/boltzmann.toml"
    ))
    .expect("calibration scenario ships with the repository");
    let loaded = parse_scenario(&text, "boltzmann.toml", &[]).expect("valid");
    let agents = 10_000u64;
    let steps = u64::from(loaded.scenario.epochs.get());
    let mut group = c.benchmark_group("boltzmann");
    group.sample_size(10);
    group.throughput(Throughput::Elements(agents * steps));
    group.bench_function("10k_agents_1000_steps_gini_every_step", |b| {
        b.iter(|| {
            let mut sim = Simulation::new(&loaded.scenario, 1).expect("genesis");
            sim.run(&mut Discard).expect("runs");
            black_box(sim.events())
        });
    });
    group.finish();
}

/// Pops and re-pushes events a pseudo-random number of ticks ahead, with
/// 100,000 pending, as a simulation's steady state does.
fn queue(c: &mut Criterion) {
    const PENDING: u64 = 100_000;
    const OPS: u64 = 1_000_000;
    let mut group = c.benchmark_group("queue");
    group.throughput(Throughput::Elements(OPS));
    group.sample_size(10);
    let delay = |i: u64| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 2_880;
    group.bench_function("bucket_ring_100k_pending", |b| {
        b.iter(|| {
            let mut q = EventQueue::new(2_880);
            for i in 0..PENDING {
                q.push(delay(i), i as u32);
            }
            for i in 0..OPS {
                let (t, e) = q.pop().expect("never empty");
                q.push(t + delay(i + PENDING), e);
            }
            black_box(q.len())
        });
    });
    group.bench_function("binary_heap_100k_pending", |b| {
        b.iter(|| {
            let mut q = BinaryHeap::new();
            let mut seq = 0u64;
            for i in 0..PENDING {
                q.push(Reverse((delay(i), seq, i as u32)));
                seq += 1;
            }
            for i in 0..OPS {
                let Reverse((t, _, e)) = q.pop().expect("never empty");
                q.push(Reverse((t + delay(i + PENDING), seq, e)));
                seq += 1;
            }
            black_box(q.len())
        });
    });
    group.finish();
}

criterion_group!(benches, boltzmann, queue);
criterion_main!(benches);
