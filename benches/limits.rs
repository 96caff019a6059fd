//! The least work of issue 16's two calibration models on this machine:
//! what a loop that does nothing but the model's own draws and figures
//! costs, so that README can say how far the targets are from the
//! machine's limit (not Mirage code; nothing here is shared with the
//! engine).
//!
//! - Boltzmann (10,000 agents, 1 token each, Mesa's model as
//!   `scenarios/calibration/boltzmann.toml` runs it): per step a uniform
//!   shuffle, one uniform receiver per agent holding a token from the same
//!   generator Mirage uses (Pcg64Mcg), the unit moves, and the Gini from a
//!   histogram of the holdings; per step with start-up cancelled (a
//!   2,000-step run minus a 200-step run), best of 5.
//! - Emission (10,000 stakers × 1,000 epochs, as
//!   `scenarios/calibration/emission.toml`): per epoch the budget split
//!   pro rata to stake in integer base units (⌊B·s_i/S⌋ in 128 bits, the
//!   remainder kept), the wealth credited, the Gini of wealth in one pass
//!   (wealth stays in stake order), one CSV line; the whole 1,000 epochs,
//!   best of 5, with the split also in f64 (inexact) for a lower bound.
//! - Yuma (the baseline with `yuma` on both pools: 52.0 M weights and
//!   as many bonds over 365 epochs; here 150 validators × 950 providers,
//!   every weight set, 365 epochs): per epoch the weights' normal draws
//!   in the order the outputs fix (validator by validator, one Pcg64Mcg
//!   stream), the rows normalised, each column read once for a consensus
//!   and its ranks, and the bonds' moving average with its two column
//!   normalisations. A lower bound: the consensus is one pass per column
//!   where a selection needs two or three, and every division is in
//!   contiguous arrays the compiler vectorises; the divisions themselves
//!   stay (x / c is what the chain computes, not x · (1 / c)).
//!
//! `cargo bench --bench limits`.

use std::io::Write;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, StandardNormal};
use rand_pcg::Pcg64Mcg;

const AGENTS: usize = 10_000;

/// Seconds for `steps` Boltzmann steps, and the last step's Gini.
fn boltzmann(steps: u32) -> (f64, f64) {
    let mut rng = Pcg64Mcg::seed_from_u64(42);
    let mut wealth = vec![1u64; AGENTS];
    let mut order: Vec<u32> = (0..AGENTS as u32).collect();
    let mut counts = vec![0u64; 64];
    let mut gini = 0.0;
    let started = Instant::now();
    for _ in 0..steps {
        order.shuffle(&mut rng);
        for &giver in &order {
            let giver = giver as usize;
            if wealth[giver] == 0 {
                continue;
            }
            let receiver = rng.random_range(0..AGENTS);
            wealth[giver] -= 1;
            wealth[receiver] += 1;
        }
        counts.fill(0);
        let mut max = 0;
        for &w in &wealth {
            let w = w as usize;
            if w >= counts.len() {
                counts.resize(w + 1, 0);
            }
            counts[w] += 1;
            max = max.max(w);
        }
        // G = 2 Σ_i i·x_(i) / (n Σ x) − (n + 1)/n over the sorted values:
        // value v holds ranks k+1 … k+c.
        let (mut below, mut ranked, mut total) = (0u64, 0.0, 0.0);
        for (v, &c) in counts[..=max].iter().enumerate() {
            ranked += (c * (2 * below + c + 1) / 2) as f64 * v as f64;
            total += (c * v as u64) as f64;
            below += c;
        }
        let n = AGENTS as f64;
        gini = 2.0 * ranked / (n * total) - (n + 1.0) / n;
    }
    (started.elapsed().as_secs_f64(), gini)
}

/// Seconds for the emission model's 1,000 epochs, and the last Gini.
fn emission(exact: bool) -> (f64, f64) {
    let started = Instant::now();
    let mut rng = Pcg64Mcg::seed_from_u64(1);
    let stakes = LogNormal::new(7.0, 1.5).expect("valid parameters");
    let mut stake: Vec<u64> = (0..AGENTS)
        .map(|_| (stakes.sample(&mut rng) * 1e12) as u64)
        .collect();
    stake.sort_unstable();
    let total: u128 = stake.iter().map(|&s| u128::from(s)).sum();
    let mut wealth = stake.clone();
    let emission = 10_000u128 * 1_000_000_000_000;
    let path = std::env::temp_dir().join("mirage-limits-emission.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
    let (mut kept, mut gini) = (0u128, 0.0);
    for epoch in 0..1000 {
        let budget = emission + kept;
        let mut paid = 0u128;
        for (w, &s) in wealth.iter_mut().zip(&stake) {
            let r = if exact {
                (budget * u128::from(s) / total) as u64
            } else {
                (budget as f64 * s as f64 / total as f64) as u64
            };
            *w += r;
            paid += u128::from(r);
        }
        kept = budget.saturating_sub(paid);
        let (mut sum, mut ranked) = (0.0, 0.0);
        for (i, &w) in wealth.iter().enumerate() {
            sum += w as f64;
            ranked += (i as f64 + 1.0) * w as f64;
        }
        let n = AGENTS as f64;
        gini = 2.0 * ranked / (n * sum) - (n + 1.0) / n;
        writeln!(out, "{epoch},{gini}").expect("write");
    }
    out.flush().expect("flush");
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    (seconds, gini)
}

/// Seconds for the Yuma least work over `epochs` epochs (and the draws
/// alone), and a checksum of the dividends so nothing is optimised away.
fn yuma(epochs: u32, draws_only: bool) -> (f64, f64) {
    const VALIDATORS: usize = 150;
    const PROVIDERS: usize = 950;
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    let work: Vec<f64> = (0..PROVIDERS).map(|j| 1.0 + (j % 20) as f64).collect();
    let quality: Vec<f64> = (0..PROVIDERS)
        .map(|j| 0.8 + 0.2 * (j as f64 / PROVIDERS as f64))
        .collect();
    let sd: Vec<f64> = (0..VALIDATORS).map(|i| 0.05 + 0.001 * i as f64).collect();
    let stake: Vec<f64> = (0..VALIDATORS).map(|i| 1e12 / (1.0 + i as f64)).collect();
    let total: f64 = stake.iter().sum();
    let s: Vec<f64> = stake.iter().map(|x| x / total).collect();
    // The scheme's defaults: α = 0.1, bonds penalty β = 1, κ = 0.5.
    let (alpha, beta, keep, need) = (0.1, 1.0, 0.9, 0.5 * total);
    let mut w = vec![0.0; VALIDATORS * PROVIDERS];
    let mut column = vec![0.0; VALIDATORS];
    let mut bonds = vec![0.0; VALIDATORS * PROVIDERS];
    let mut bond_colsum = vec![0.0; PROVIDERS];
    let (mut consensus, mut ranks, mut delta_colsum, mut new_colsum) = (
        vec![0.0; PROVIDERS],
        vec![0.0; PROVIDERS],
        vec![0.0; PROVIDERS],
        vec![0.0; PROVIDERS],
    );
    let mut checksum = 0.0;
    let started = Instant::now();
    for _ in 0..epochs {
        // The draws, and each row's total.
        let mut row_sums = [0.0; VALIDATORS];
        for (i, row) in w.chunks_exact_mut(PROVIDERS).enumerate() {
            let mut sum = 0.0;
            for ((x, &q), &work) in row.iter_mut().zip(&quality).zip(&work) {
                let z: f64 = rng.sample(StandardNormal);
                *x = work * (q + sd[i] * z).clamp(0.0, 1.0);
                sum += *x;
            }
            row_sums[i] = sum;
        }
        if draws_only {
            checksum += w[PROVIDERS / 2];
            continue;
        }
        // Rows normalised.
        for (row, &sum) in w.chunks_exact_mut(PROVIDERS).zip(&row_sums) {
            for x in row {
                *x /= sum;
            }
        }
        // Each column read once: the support above its first weight as the
        // consensus (a selection would narrow further), then its ranks and
        // the column sums of S ∘ W̄.
        for j in 0..PROVIDERS {
            for (i, c) in column.iter_mut().enumerate() {
                *c = w[i * PROVIDERS + j];
            }
            let pivot = column[0];
            let above: f64 = column
                .iter()
                .zip(&stake)
                .map(|(&x, &st)| if x >= pivot { st } else { 0.0 })
                .sum();
            let c = if above >= need { pivot } else { 0.0 };
            let (mut r, mut d) = (0.0, 0.0);
            for (&x, &si) in column.iter().zip(&s) {
                let clipped = x.min(c);
                r += si * clipped;
                d += si * (x + beta * (clipped - x));
            }
            consensus[j] = c;
            ranks[j] = r;
            delta_colsum[j] = d;
        }
        // Bonds: B ← colnorm(α colnorm(S ∘ W̄) + (1 − α) colnorm(B)).
        new_colsum.fill(0.0);
        for ((brow, wrow), &si) in bonds
            .chunks_exact_mut(PROVIDERS)
            .zip(w.chunks_exact(PROVIDERS))
            .zip(&s)
        {
            for j in 0..PROVIDERS {
                let old = if bond_colsum[j] > 0.0 {
                    brow[j] / bond_colsum[j]
                } else {
                    brow[j]
                };
                let delta = si * wrow[j].min(consensus[j]);
                let b = old * keep + alpha * delta / delta_colsum[j].max(f64::MIN_POSITIVE);
                brow[j] = b;
                new_colsum[j] += b;
            }
        }
        // The final normalisation, the next epoch's column sums and the
        // dividends D = B I.
        let rank_total: f64 = ranks.iter().sum();
        bond_colsum.fill(0.0);
        let mut dividends = 0.0;
        for brow in bonds.chunks_exact_mut(PROVIDERS) {
            let mut d = 0.0;
            for j in 0..PROVIDERS {
                brow[j] /= new_colsum[j];
                bond_colsum[j] += brow[j];
                d += brow[j] * ranks[j];
            }
            dividends += d / rank_total;
        }
        checksum += dividends;
    }
    (started.elapsed().as_secs_f64(), checksum)
}

fn main() {
    let mut step = f64::MAX;
    let mut last = 0.0;
    for _ in 0..5 {
        let (long, gini) = boltzmann(2_000);
        let (short, _) = boltzmann(200);
        step = step.min((long - short) / 1_800.0);
        last = gini;
    }
    println!(
        "Boltzmann, least work: {:.1} µs a step ({:.0} M agent-steps/s), Gini {last:.3}",
        step * 1e6,
        AGENTS as f64 / step / 1e6
    );
    for exact in [true, false] {
        let best = (0..5).map(|_| emission(exact).0).fold(f64::MAX, f64::min);
        println!(
            "emission, least work ({}): {:.1} ms for 10,000 × 1,000 ({:.0} M agent-epochs/s; \
             add the process start-up, about 1 ms)",
            if exact {
                "exact integer split"
            } else {
                "f64 split"
            },
            best * 1e3,
            1e7 / best / 1e6
        );
    }
    for draws_only in [true, false] {
        let best = (0..5)
            .map(|_| yuma(365, draws_only).0)
            .fold(f64::MAX, f64::min);
        println!(
            "Yuma, least work ({}): {:.3} s for 365 epochs of 150 × 950 weights \
             ({:.1} ns a weight; compare with the baseline run under `proportional`)",
            if draws_only {
                "the weights' draws alone"
            } else {
                "draws, normalisation, one pass a column, bonds"
            },
            best,
            best / (365.0 * 150.0 * 950.0) * 1e9
        );
    }
}
