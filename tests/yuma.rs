//! Yuma consensus of `mirage_sim::reward::yuma`: a case with 2 validators and
//! 3 providers derived by hand from the chain's definitions
//! (`/work/shared/guide/references.md`, "Bittensor's Yuma consensus"), and
//! property tests of the normalisations.

use mirage_sim::reward::yuma::{epoch, WeightEntry, Weights, YumaInput, YumaParams, YumaState};
use proptest::prelude::*;

fn weights(nv: usize, np: usize, rows: &[(usize, usize, f64)]) -> Weights {
    let entries: Vec<WeightEntry> = rows
        .iter()
        .map(|&(validator, provider, weight)| WeightEntry {
            validator,
            provider,
            weight,
        })
        .collect();
    Weights::new(nv, np, &entries).expect("valid weights")
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
    }
}

/// Stakes 3 and 1 → S = (¾, ¼). Raw weights V0 = (2, 1, 1), V1 = (0, 1, 3)
/// → W: V0 = (½, ¼, ¼), V1 = (0, ¼, ¾). κ = ½, α = 0.1, β = 1.
///
/// 1. Preranks P = S W = (⅜, ¼, ⅜).
/// 2. Consensus, the largest x backed by ≥ ½ of the stake:
///    P0: ½ is backed by V0 (¾) → ½. P1: ¼ by both → ¼.
///    P2: ¾ only by V1 (¼), ¼ by both → ¼.
/// 3. Clipped W̄: V0 = (½, ¼, ¼), V1 = (0, ¼, ¼); validator trust (1, ½).
/// 4. Ranks R = S W̄ = (⅜, ¼, ¼), Σ = ⅞ → incentive (3/7, 2/7, 2/7);
///    provider trust R / P = (1, 1, ⅔).
/// 5. ΔB = colnorm(S ∘ W̄): P0 (1, 0), P1 (¾, ¼), P2 (¾, ¼). From empty
///    bonds the EMA 0.1 ΔB + 0.9 · 0 column-normalises to ΔB.
/// 6. Dividends B I: V0 = 3/7 + ¾ · 2/7 + ¾ · 2/7 = 6/7, V1 = 1/7.
#[test]
fn hand_derived_two_validators_three_providers() {
    let w = weights(
        2,
        3,
        &[
            (0, 0, 2.0),
            (0, 1, 1.0),
            (0, 2, 1.0),
            (1, 1, 1.0),
            (1, 2, 3.0),
        ],
    );
    let mut state = YumaState::default();
    let out = epoch(
        &mut state,
        &YumaInput {
            stakes: &[3.0, 1.0],
            weights: &w,
            params: YumaParams::default(),
        },
    )
    .expect("valid epoch");
    assert_close(&out.preranks, &[0.375, 0.25, 0.375]);
    assert_close(&out.consensus, &[0.5, 0.25, 0.25]);
    assert_close(&out.validator_trust, &[1.0, 0.5]);
    assert_close(&out.incentive, &[3.0 / 7.0, 2.0 / 7.0, 2.0 / 7.0]);
    assert_close(&out.trust, &[1.0, 1.0, 2.0 / 3.0]);
    assert_close(&out.dividends, &[6.0 / 7.0, 1.0 / 7.0]);
    assert_close(&state.dense_bonds(), &[1.0, 0.75, 0.75, 0.0, 0.25, 0.25]);
    // Emission: half to providers, half to validators.
    assert_close(&out.provider_emission, &[3.0 / 14.0, 1.0 / 7.0, 1.0 / 7.0]);
    assert_close(&out.validator_emission, &[3.0 / 7.0, 1.0 / 14.0]);

    // The same input again: bonds are at their fixed point.
    let again = epoch(
        &mut state,
        &YumaInput {
            stakes: &[3.0, 1.0],
            weights: &w,
            params: YumaParams::default(),
        },
    )
    .expect("valid epoch");
    assert_close(&again.dividends, &[6.0 / 7.0, 1.0 / 7.0]);
}

/// With bonds penalty 0 the bonds use unclipped weights: ΔB column P2 is
/// (¾·¼, ¼·¾) → (½, ½), so V1 earns more than with clipping:
/// D = (3/7 + ¾·2/7 + ½·2/7, ¼·2/7 + ½·2/7) = (5.5/7, 1.5/7).
#[test]
fn bonds_penalty_zero_bonds_on_raw_weights() {
    let w = weights(
        2,
        3,
        &[
            (0, 0, 2.0),
            (0, 1, 1.0),
            (0, 2, 1.0),
            (1, 1, 1.0),
            (1, 2, 3.0),
        ],
    );
    let out = epoch(
        &mut YumaState::default(),
        &YumaInput {
            stakes: &[3.0, 1.0],
            weights: &w,
            params: YumaParams {
                bonds_penalty: 0.0,
                ..YumaParams::default()
            },
        },
    )
    .expect("valid epoch");
    // Incentive does not depend on the bonds.
    assert_close(&out.incentive, &[3.0 / 7.0, 2.0 / 7.0, 2.0 / 7.0]);
    assert_close(&out.dividends, &[5.5 / 7.0, 1.5 / 7.0]);
}

proptest! {
    #[test]
    fn incentive_and_dividends_are_distributions(
        stakes in prop::collection::vec(0.0f64..1e6, 1..6),
        raw in prop::collection::vec((0usize..6, 0usize..8, 0.0f64..1.0), 1..40),
        kappa in 0.01f64..=1.0,
        epochs in 1usize..4,
    ) {
        let nv = stakes.len();
        let mut seen = std::collections::HashSet::new();
        let rows: Vec<(usize, usize, f64)> = raw
            .into_iter()
            .map(|(v, p, w)| (v % nv, p, w))
            .filter(|&(v, p, _)| seen.insert((v, p)))
            .collect();
        let w = weights(nv, 8, &rows);
        let params = YumaParams { kappa, ..YumaParams::default() };
        let mut state = YumaState::default();
        for _ in 0..epochs {
            let out = epoch(&mut state, &YumaInput { stakes: &stakes, weights: &w, params }).expect("valid");
            let inc: f64 = out.incentive.iter().sum();
            let div: f64 = out.dividends.iter().sum();
            prop_assert!(inc == 0.0 || (inc - 1.0).abs() < 1e-9, "incentive sums to {inc}");
            prop_assert!(div == 0.0 || (div - 1.0).abs() < 1e-9, "dividends sum to {div}");
            prop_assert!(inc == 0.0 || div > 0.0, "incentive without dividends");
            for (c, p) in out.consensus.iter().zip(&out.preranks) {
                prop_assert!(*c >= 0.0 && *c <= 1.0 + 1e-12);
                prop_assert!(*p >= 0.0);
            }
            let emitted: f64 = out.provider_emission.iter().chain(&out.validator_emission).sum();
            if stakes.iter().sum::<f64>() > 0.0 {
                prop_assert!((emitted - 1.0).abs() < 1e-9, "emission sums to {emitted}");
            }
        }
    }
}
