//! Speed of one Yuma epoch at realistic sizes, with the bonds carried from
//! epoch to epoch as in a run: the sparse epoch
//! (`mirage_sim::reward::yuma::epoch_into`, `yuma/epoch/…`, what `mirage
//! yuma` runs) and, on the two dense cases, the dense block's epoch
//! (`mirage_sim::reward::yuma_dense::epoch_dense`, `yuma/epoch_dense/…`,
//! what the in-simulation pool runs; the same numbers bit for bit):
//!
//! - `dense_150x1650`: the shape of the baseline run with `yuma` on both
//!   pools (150 validators each weighting all 1,650 providers, a noisy
//!   observation of the providers' quality, integer stakes);
//! - `dense_64x4096`: 64 validators × 4,096 uids, every weight set;
//! - `sparse_50000x50000`: 50,000 validators with 4 weights each on 50,000
//!   uids (200,000 weights), the shape of issue 15's `mirage yuma` input.
//!
//! Inputs come from a fixed SplitMix64 stream, so every run measures the
//! same epoch. Run: `cargo bench --bench yuma`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mirage_sim::reward::yuma::{
    epoch_into, WeightEntry, Weights, YumaInput, YumaOutput, YumaParams, YumaState,
};
use mirage_sim::reward::yuma_dense::{epoch_dense, DenseWeights, DenseYumaState};

/// SplitMix64: a tiny fixed generator, enough for benchmark inputs.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Integer stakes (base units), Pareto-like.
fn stakes(rng: &mut SplitMix, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| (5e10 / (1.0 - rng.unit()).powf(1.0 / 1.2)).floor())
        .collect()
}

/// Every validator weights every provider: work × noisy quality, as the
/// sparse weights and as a dense block of the same rows.
fn dense(rng: &mut SplitMix, nv: usize, np: usize) -> (Weights, DenseWeights) {
    let work: Vec<f64> = (0..np).map(|_| 1.0 + (rng.unit() * 20.0).floor()).collect();
    let quality: Vec<f64> = (0..np).map(|_| 0.8 + 0.2 * rng.unit()).collect();
    let cols: Vec<u32> = (0..np as u32).collect();
    let mut w = Weights::default();
    w.clear(np).expect("provider count fits");
    let mut block = DenseWeights::default();
    block.clear(np, &cols).expect("ascending columns");
    for _ in 0..nv {
        let noise = 0.1 * rng.unit();
        let row: Vec<f64> = (0..np)
            .map(|j| {
                let seen = (quality[j] + noise * (rng.unit() - 0.5)).clamp(0.0, 1.0);
                work[j] * seen
            })
            .collect();
        block.push_row(&row).expect("valid row");
        w.push_row(row.into_iter().enumerate()).expect("valid row");
    }
    (w, block)
}

/// `per_row` weights per validator on random uids.
fn sparse(rng: &mut SplitMix, nv: usize, np: usize, per_row: usize) -> Weights {
    let mut entries = Vec::with_capacity(nv * per_row);
    for validator in 0..nv {
        let mut used = Vec::with_capacity(per_row);
        while used.len() < per_row {
            let provider = (rng.next_u64() % np as u64) as usize;
            if !used.contains(&provider) {
                used.push(provider);
                entries.push(WeightEntry {
                    validator,
                    provider,
                    weight: 1.0 + rng.unit(),
                });
            }
        }
    }
    Weights::new(nv, np, &entries).expect("valid weights")
}

fn yuma(c: &mut Criterion) {
    let mut rng = SplitMix(7);
    let (stakes_150, (weights_150, block_150)) =
        (stakes(&mut rng, 150), dense(&mut rng, 150, 1650));
    let (stakes_64, (weights_64, block_64)) = (stakes(&mut rng, 64), dense(&mut rng, 64, 4096));
    let cases = [
        ("dense_150x1650", stakes_150, weights_150),
        ("dense_64x4096", stakes_64, weights_64),
        (
            "sparse_50000x50000",
            stakes(&mut rng, 50_000),
            sparse(&mut rng, 50_000, 50_000, 4),
        ),
    ];
    let blocks = [(&cases[0], block_150), (&cases[1], block_64)];
    let mut group = c.benchmark_group("yuma");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    for (name, stakes, weights) in &cases {
        let input = YumaInput {
            stakes,
            weights,
            params: YumaParams::default(),
        };
        let mut state = YumaState::default();
        let mut out = YumaOutput::default();
        // Bonds as after a few epochs.
        for _ in 0..3 {
            epoch_into(&mut state, &input, &mut out).expect("valid");
        }
        group.bench_function(BenchmarkId::new("epoch", name), |b| {
            b.iter(|| epoch_into(&mut state, black_box(&input), &mut out).expect("valid"))
        });
    }
    for ((name, stakes, _), block) in &blocks {
        let params = YumaParams::default();
        let mut state = DenseYumaState::default();
        let mut out = YumaOutput::default();
        for _ in 0..3 {
            epoch_dense(&mut state, stakes, block, params, &mut out).expect("valid");
        }
        group.bench_function(BenchmarkId::new("epoch_dense", name), |b| {
            b.iter(|| {
                epoch_dense(&mut state, black_box(stakes), block, params, &mut out).expect("valid")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, yuma);
criterion_main!(benches);
