//! Yuma consensus of `mirage_sim::reward::yuma`: a case with 2 validators and
//! 3 providers derived by hand from the chain's definitions
//! (`/work/shared/guide/references.md`, "Bittensor's Yuma consensus"), and
//! property tests of the normalisations, and the sparse epoch checked bit
//! for bit against the dense computation it replaced
//! (`tests/yuma_reference`).

mod yuma_reference;

use mirage_sim::reward::yuma::{
    epoch, epoch_into, WeightEntry, Weights, YumaInput, YumaOutput, YumaParams, YumaState,
};
use proptest::prelude::*;
use yuma_reference::{dense_epoch, DenseState};

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

/// Bit patterns, so that 0.0 and −0.0 differ too.
fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// One epoch of the sparse code and of the dense reference on the same
/// input: every output and the bonds equal bit for bit.
fn epoch_matches_dense(
    sparse: &mut YumaState,
    out: &mut YumaOutput,
    dense: &mut DenseState,
    stakes: &[f64],
    w: &Weights,
    params: YumaParams,
) -> Result<(), TestCaseError> {
    epoch_into(
        sparse,
        &YumaInput {
            stakes,
            weights: w,
            params,
        },
        out,
    )
    .expect("valid epoch");
    let (c, inc, div, emission, vtrust) = dense_epoch(dense, stakes, w, params);
    prop_assert_eq!(bits(&out.consensus), bits(&c));
    prop_assert_eq!(bits(&out.incentive), bits(&inc));
    prop_assert_eq!(bits(&out.dividends), bits(&div));
    prop_assert_eq!(bits(&out.validator_emission), bits(&emission));
    prop_assert_eq!(bits(&out.validator_trust), bits(&vtrust));
    prop_assert_eq!(bits(&sparse.dense_bonds()), bits(&dense.bonds));
    Ok(())
}

proptest! {
    /// Integer stakes (some zero), weights with many exact ties, changing
    /// weights and a growing shape across epochs: the sparse epoch gives
    /// the dense epoch's consensus, incentive, dividends, emission,
    /// validator trust and bonds bit for bit.
    #[test]
    fn sparse_epoch_matches_the_dense_computation_bit_for_bit(
        nv in 1usize..9,
        np in 1usize..12,
        stakes in prop::collection::vec(prop_oneof![Just(0u64), 1u64..1_000_000_000_000], 12),
        epochs in prop::collection::vec(
            prop::collection::vec((0usize..12, 0usize..14, prop_oneof![1u32..4, 1u32..1000]), 0..60),
            1..5,
        ),
        kappa in prop_oneof![Just(0.5), 0.01f64..=1.0],
        alpha in prop_oneof![Just(0.1), 0.01f64..=1.0],
        beta in prop_oneof![Just(1.0), 0.0f64..=1.0],
    ) {
        let params = YumaParams { kappa, bond_alpha: alpha, bonds_penalty: beta };
        let mut sparse = YumaState::default();
        let mut dense = DenseState::default();
        let mut out = YumaOutput::default();
        for (e, raw) in epochs.iter().enumerate() {
            // The shape grows by one provider every other epoch.
            let (nv, np) = (nv, np + e / 2);
            let mut seen = std::collections::HashSet::new();
            let entries: Vec<WeightEntry> = raw
                .iter()
                .map(|&(v, p, w)| (v % nv, p % np, f64::from(w)))
                .filter(|&(v, p, _)| seen.insert((v, p)))
                .map(|(validator, provider, weight)| WeightEntry { validator, provider, weight })
                .collect();
            let w = Weights::new(nv, np, &entries).expect("valid weights");
            let s: Vec<f64> = stakes[..nv].iter().map(|&x| x as f64).collect();
            sparse.resize(nv, np);
            epoch_matches_dense(&mut sparse, &mut out, &mut dense, &s, &w, params)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Wide, mostly dense weights (more than one 64-provider tile, so the
    /// consensus transposes tile by tile), with gaps, zero stakes and
    /// zero rows: the same outputs as the dense computation, bit for bit.
    #[test]
    fn tiled_transpose_matches_the_dense_computation(
        nv in 1usize..7,
        np in 65usize..300,
        stakes in prop::collection::vec(prop_oneof![Just(0u64), 1u64..1_000_000_000_000], 7),
        seed in any::<u64>(),
        density in 0.5f64..=1.0,
    ) {
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut entries = Vec::new();
        for validator in 0..nv {
            for provider in 0..np {
                if (next() % 1000) as f64 / 1000.0 < density {
                    entries.push(WeightEntry {
                        validator,
                        provider,
                        weight: (1 + next() % 50) as f64,
                    });
                }
            }
        }
        let w = Weights::new(nv, np, &entries).expect("valid weights");
        let s: Vec<f64> = stakes[..nv].iter().map(|&x| x as f64).collect();
        let params = YumaParams::default();
        let mut sparse = YumaState::default();
        let mut out = YumaOutput::default();
        let mut dense = DenseState::default();
        for _ in 0..2 {
            epoch_matches_dense(&mut sparse, &mut out, &mut dense, &s, &w, params)?;
        }
    }
}

/// Long columns (hundreds of validators, so the selection partitions many
/// times) with ties: same consensus as the sorted walk.
#[test]
fn long_columns_select_as_the_sort_does() {
    let (nv, np) = (400, 6);
    let mut x: u64 = 12345;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let stakes: Vec<f64> = (0..nv).map(|_| (next() % 1000) as f64).collect();
    let mut entries = Vec::new();
    for validator in 0..nv {
        for provider in 0..np {
            // Columns 0–2: few distinct values (ties); 3–5: many.
            let levels = if provider < 3 { 5 } else { 100_000 };
            entries.push(WeightEntry {
                validator,
                provider,
                weight: (1 + next() % levels) as f64,
            });
        }
    }
    let w = Weights::new(nv, np, &entries).expect("valid");
    for kappa in [0.01, 0.3, 0.5, 0.77, 1.0] {
        let params = YumaParams {
            kappa,
            ..YumaParams::default()
        };
        let out = epoch(
            &mut YumaState::default(),
            &YumaInput {
                stakes: &stakes,
                weights: &w,
                params,
            },
        )
        .expect("valid");
        let (c, inc, div, _, _) = dense_epoch(&mut DenseState::default(), &stakes, &w, params);
        assert_eq!(bits(&out.consensus), bits(&c), "kappa {kappa}");
        assert_eq!(bits(&out.incentive), bits(&inc));
        assert_eq!(bits(&out.dividends), bits(&div));
    }
}

/// Rows pushed one by one give the same weights as unordered entries, and
/// bad rows are refused without changing what was built.
#[test]
fn push_row_builds_what_new_builds_and_refuses_bad_rows() {
    let entries = [(1, 2, 1.0), (0, 1, 3.0), (1, 0, 2.0), (0, 0, 0.0)];
    let w = weights(2, 3, &entries);
    let mut pushed = Weights::default();
    pushed.clear(3).expect("fits");
    pushed.push_row([(0, 0.0), (1, 3.0)]).expect("valid");
    pushed.push_row([(0, 2.0), (2, 1.0)]).expect("valid");
    for i in 0..2 {
        assert_eq!(
            pushed.row(i).collect::<Vec<_>>(),
            w.row(i).collect::<Vec<_>>()
        );
    }
    assert_eq!(pushed.nnz(), 3);
    assert!(pushed.push_row([(2, 1.0), (1, 1.0)]).is_err());
    assert!(pushed.push_row([(1, 1.0), (1, 1.0)]).is_err());
    assert!(pushed.push_row([(0, 1.0), (3, 1.0)]).is_err());
    assert!(pushed.push_row([(0, f64::NAN)]).is_err());
    assert_eq!((pushed.n_validators(), pushed.nnz()), (2, 3));

    // The same rows from slices, and the same refusals.
    let mut sliced = Weights::default();
    sliced.clear(3).expect("fits");
    sliced.push_row_slices(&[0, 1], &[0.0, 3.0]).expect("valid");
    sliced.push_row_slices(&[0, 2], &[2.0, 1.0]).expect("valid");
    for i in 0..2 {
        assert_eq!(
            sliced.row(i).collect::<Vec<_>>(),
            w.row(i).collect::<Vec<_>>()
        );
    }
    for (providers, weights) in [
        (&[2, 1][..], &[1.0, 1.0][..]),
        (&[1, 1], &[1.0, 1.0]),
        (&[0, 3], &[1.0, 1.0]),
        (&[0], &[f64::NAN]),
        (&[0], &[-1.0]),
        (&[0, 1], &[1.0]),
    ] {
        let from_slices = sliced.push_row_slices(providers, weights);
        assert!(from_slices.is_err());
        if providers.len() == weights.len() {
            let pairs = providers.iter().map(|&p| p as usize).zip(weights.to_vec());
            // Debug forms, so that NaN weights compare equal.
            assert_eq!(
                format!("{from_slices:?}"),
                format!("{:?}", pushed.push_row(pairs))
            );
        }
    }
    assert_eq!((sliced.n_validators(), sliced.nnz()), (2, 3));
}

proptest! {
    /// Dropping the bonds of providers that get no weight from then on
    /// changes no consensus, incentive, dividend or emission, whenever it
    /// is done.
    #[test]
    fn dropping_providers_that_left_changes_no_output(
        nv in 1usize..7,
        np in 2usize..10,
        stakes in prop::collection::vec(prop_oneof![Just(0u64), 1u64..1_000_000_000_000], 7),
        epochs in prop::collection::vec(
            (prop::collection::vec((0usize..7, 0usize..10, 1u32..50), 0..40), 0usize..10, any::<bool>()),
            1..6,
        ),
        kappa in prop_oneof![Just(0.5), 0.01f64..=1.0],
        alpha in prop_oneof![Just(0.1), 0.01f64..=1.0],
    ) {
        let params = YumaParams { kappa, bond_alpha: alpha, bonds_penalty: 1.0 };
        let (mut kept, mut dropped) = (YumaState::default(), YumaState::default());
        let (mut out_kept, mut out_dropped) = (YumaOutput::default(), YumaOutput::default());
        let s: Vec<f64> = stakes[..nv].iter().map(|&x| x as f64).collect();
        // Providers below `left` have left: they get no weight again.
        let mut left = 0;
        for (raw, leave, drop_now) in &epochs {
            left = left.max(*leave % np);
            let mut seen = std::collections::HashSet::new();
            let entries: Vec<WeightEntry> = raw
                .iter()
                .map(|&(v, p, w)| (v % nv, p % np, f64::from(w)))
                .filter(|&(v, p, _)| p >= left && seen.insert((v, p)))
                .map(|(validator, provider, weight)| WeightEntry { validator, provider, weight })
                .collect();
            let w = Weights::new(nv, np, &entries).expect("valid weights");
            if *drop_now {
                dropped.drop_providers(&(0..left).collect::<Vec<_>>());
            }
            let input = YumaInput { stakes: &s, weights: &w, params };
            epoch_into(&mut kept, &input, &mut out_kept).expect("valid epoch");
            epoch_into(&mut dropped, &input, &mut out_dropped).expect("valid epoch");
            prop_assert_eq!(bits(&out_dropped.consensus), bits(&out_kept.consensus));
            prop_assert_eq!(bits(&out_dropped.incentive), bits(&out_kept.incentive));
            prop_assert_eq!(bits(&out_dropped.dividends), bits(&out_kept.dividends));
            prop_assert_eq!(bits(&out_dropped.validator_emission), bits(&out_kept.validator_emission));
            prop_assert_eq!(bits(&out_dropped.provider_emission), bits(&out_kept.provider_emission));
            for i in 0..nv {
                for j in left..np {
                    prop_assert_eq!(dropped.bond(i, j).to_bits(), kept.bond(i, j).to_bits());
                }
            }
        }
    }
}
