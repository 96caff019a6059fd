//! The `formula` scheme's cost (criterion): one epoch's `distribute` of the
//! baseline's compute pool (660 providers at genesis; 1,500 as it grows)
//! under `proportional` and under `formula` with `weight = "work"` (the
//! same payouts; the compiled program is the bare count, paid as is), `2 *
//! work` (the same payouts through the interpreter and the integer rule),
//! and a longer expression for scale. After the
//! criterion groups it prints the ratio formula / proportional, whose
//! target is at most 1.5.
//!
//! `cargo bench --bench formula`; figures are reported in README.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mirage_sim::reward::proportional::Proportional;
use mirage_sim::reward::{
    PoolKind, PoolSnapshot, RewardContext, RewardScheme, SchemeBuild, SchemeRegistry,
};
use mirage_sim::rng::{stream, SimRng, Stream};

fn mix(i: u64) -> u64 {
    let x = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 31)
}

/// A compute pool of `n` members with baseline-like values: about 12
/// tasks each (some idle), Pareto-ish stakes, reputations in (0, 1).
fn pool_of(n: usize) -> PoolSnapshot {
    let h = |i: usize, salt: u64| mix(i as u64 ^ (salt << 40));
    let mut pool = PoolSnapshot::new(
        (0..n as u32).collect(),
        (0..n).map(|i| h(i, 1) % 25).collect(),
        0,
    );
    pool.failures = (0..n).map(|i| u64::from(h(i, 2) % 10 == 0)).collect();
    pool.stake = (0..n)
        .map(|i| 500_000_000 + (h(i, 3) % 1_000) * (h(i, 4) % 1_000) * 1_000_000)
        .collect();
    pool.reputation = (0..n).map(|i| (h(i, 5) % 1_000) as f64 / 1_000.0).collect();
    pool
}

fn formula(expression: &str) -> Box<dyn RewardScheme> {
    let table = toml::Value::Table(toml::toml! { weight = expression });
    SchemeRegistry::builtin()
        .get("formula")
        .expect("built in")
        .build(
            Some(&table),
            &SchemeBuild {
                pool: PoolKind::Compute,
                shares: &[(PoolKind::Compute, 0.6)],
                population_names: &[],
                decimals: 6,
            },
        )
        .expect("builds")
}

const BUDGET: u64 = 60_000_000_000; // 60,000 tokens at 6 decimals
const SIZES: [usize; 2] = [660, 1_500];
/// `work` in a form the compiler does not reduce to the bare count, so
/// that it goes through the interpreter and the f64 → integer rule.
const INTERPRETED: &str = "2 * work";
const LONG: &str = "if(failures > 0, 0, work * reputation ^ 2 * min(sqrt(stake), 100))";

fn pay(scheme: &mut dyn RewardScheme, ctx: &RewardContext<'_>, rng: &mut SimRng, out: &mut [u64]) {
    out.fill(0);
    scheme
        .distribute(ctx, BUDGET, rng, out)
        .expect("distributes");
    black_box(&*out);
}

fn reward_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("reward_step");
    for n in SIZES {
        let pool = pool_of(n);
        let ctx = pool.context(PoolKind::Compute, 100);
        let mut rng = stream(1, Stream::Rewards);
        let mut out = vec![0u64; n];
        group.throughput(Throughput::Elements(n as u64));
        let mut schemes: [(&str, Box<dyn RewardScheme>); 4] = [
            ("proportional", Box::new(Proportional)),
            ("formula_work", formula("work")),
            ("formula_work_interpreted", formula(INTERPRETED)),
            ("formula_long", formula(LONG)),
        ];
        for (name, scheme) in &mut schemes {
            group.bench_with_input(BenchmarkId::new(*name, n), &n, |b, _| {
                b.iter(|| pay(scheme.as_mut(), &ctx, &mut rng, &mut out));
            });
        }
    }
    group.finish();
}

/// Mean time of one `distribute`, over batches lasting about `budget`.
fn mean(scheme: &mut dyn RewardScheme, pool: &PoolSnapshot, budget: Duration) -> Duration {
    let ctx = pool.context(PoolKind::Compute, 100);
    let mut rng = stream(1, Stream::Rewards);
    let mut out = vec![0u64; pool.members.len()];
    for _ in 0..200 {
        pay(scheme, &ctx, &mut rng, &mut out);
    }
    let started = Instant::now();
    let mut runs = 0u32;
    while started.elapsed() < budget {
        for _ in 0..100 {
            pay(scheme, &ctx, &mut rng, &mut out);
        }
        runs += 100;
    }
    started.elapsed() / runs
}

fn ratio(_c: &mut Criterion) {
    for n in SIZES {
        let pool = pool_of(n);
        let budget = Duration::from_millis(500);
        let p = mean(&mut Proportional, &pool, budget);
        let f = mean(formula("work").as_mut(), &pool, budget);
        let i = mean(formula(INTERPRETED).as_mut(), &pool, budget);
        let l = mean(formula(LONG).as_mut(), &pool, budget);
        let x = |d: Duration| d.as_secs_f64() / p.as_secs_f64();
        println!(
            "reward step, {n} members: proportional {p:.2?}; formula `work` {f:.2?} ({:.2}x, \
             target <= 1.5x); `{INTERPRETED}` {i:.2?} ({:.2}x); `{LONG}` {l:.2?} ({:.2}x)",
            x(f),
            x(i),
            x(l),
        );
    }
}

criterion_group!(benches, reward_step, ratio);
criterion_main!(benches);
