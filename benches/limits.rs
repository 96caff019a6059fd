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
//!
//! `cargo bench --bench limits`.

use std::io::Write;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};
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
}
