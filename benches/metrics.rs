//! Benchmark of the full metric set on 10,000,000 values (issue 4: "all
//! metrics in under 2 seconds on one core after the file is read"), and of
//! reward/contribution alignment on 10,000,000 pairs.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use mirage_analysis::{alignment_u64, summarize_u64};

const N: usize = 10_000_000;

/// Heavy-tailed base-unit amounts from a fixed xorshift generator, so every
/// run measures the same data (about Pareto with α = 1.2, 6 decimals).
fn amounts(seed: u64) -> Vec<u64> {
    let mut s = seed;
    (0..N)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            (1e9 * u.powf(-1.0 / 1.2)).min(1e18) as u64
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let values = amounts(0x9E37_79B9_7F4A_7C15);
    let contributions = amounts(0xD1B5_4A32_D192_ED03);
    let mut group = c.benchmark_group("metrics_10m");
    group.sample_size(10);
    group.bench_function("summarize_u64 (sort + every metric)", |b| {
        b.iter(|| summarize_u64(black_box(&values), 6))
    });
    group.bench_function("alignment_u64 (spearman + misallocation)", |b| {
        b.iter(|| alignment_u64(black_box(&values), black_box(&contributions)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
