//! Quadratic-funding mechanisms of `mirage_sim::reward::quadratic`: the known
//! answers of `/work/shared/guide/references.md` ("Quadratic funding",
//! "Worked numbers"), a COCM case derived by hand, and property tests
//! (payouts within and summing to the pool, order invariance, the Sybil
//! weakness of standard QF and how cluster match and COCM resist it).

use mirage_sim::reward::quadratic::{
    raw_matches, scale_to_pool, Clusters, CocmStyle, Contribution, Mechanism, Membership, Round,
};
use proptest::prelude::*;

fn round(n_donors: usize, n_projects: usize, gifts: &[(usize, usize, f64)]) -> Round {
    Round::new(n_donors, n_projects, &contributions(gifts)).expect("valid round")
}

fn contributions(gifts: &[(usize, usize, f64)]) -> Vec<Contribution> {
    gifts.iter().copied().map(Contribution::from).collect()
}

fn clusters(n_donors: usize, n_clusters: usize, rows: &[(usize, usize, f64)]) -> Clusters {
    let m: Vec<Membership> = rows
        .iter()
        .map(|&(donor, cluster, weight)| Membership {
            donor,
            cluster,
            weight,
        })
        .collect();
    Clusters::new(n_donors, n_clusters, &m).expect("valid clusters")
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "{got:?} vs {want:?}");
    }
}

/// references.md, worked numbers: A = four donors × 1, B = one donor × 4,
/// C = donors giving 9 and 1 (seven distinct donors).
fn seven_donors() -> Round {
    round(
        7,
        3,
        &[
            (0, 0, 1.0),
            (1, 0, 1.0),
            (2, 0, 1.0),
            (3, 0, 1.0),
            (4, 1, 4.0),
            (5, 2, 9.0),
            (6, 2, 1.0),
        ],
    )
}

#[test]
fn standard_known_answer() {
    // references.md: A 12, B 0, C 6; pool 9 with a 50% cap → 4.5, 0, 4.5.
    let raw = raw_matches(&seven_donors(), &Mechanism::Standard, None).expect("valid");
    assert_eq!(raw, vec![12.0, 0.0, 6.0]);
    let paid = scale_to_pool(&raw, 9.0, Some(0.5)).expect("valid");
    assert_close(&paid, &[4.5, 0.0, 4.5], 1e-12);
    // Without the cap: shares 2/3, 0, 1/3.
    let paid = scale_to_pool(&raw, 9.0, None).expect("valid");
    assert_close(&paid, &[6.0, 0.0, 3.0], 1e-12);
}

#[test]
fn pairwise_known_answer() {
    // references.md: pairwise M = 25 → A ≈ 5.769231 (6 pairs · 25/26),
    // C ≈ 2.678571 (3 · 25/28); B has no pair.
    let raw = raw_matches(&seven_donors(), &Mechanism::Pairwise { m: 25.0 }, None).expect("valid");
    assert_close(&raw, &[5.769231, 0.0, 2.678571], 5e-7);
    assert_close(&raw, &[150.0 / 26.0, 0.0, 75.0 / 28.0], 1e-12);
}

#[test]
fn cluster_known_answer() {
    // references.md: four wallets × 1 to one project; all in one cluster → 0,
    // each in its own cluster → 12.
    let r = round(4, 1, &[(0, 0, 1.0), (1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0)]);
    let one = clusters(4, 1, &[(0, 0, 1.0), (1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0)]);
    let own = clusters(4, 4, &[(0, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0), (3, 3, 1.0)]);
    assert_eq!(
        raw_matches(&r, &Mechanism::Cluster, Some(&one)).expect("valid"),
        vec![0.0]
    );
    assert_eq!(
        raw_matches(&r, &Mechanism::Cluster, Some(&own)).expect("valid"),
        vec![12.0]
    );
}

/// COCM (markov, harsh), derived by hand from the reference steps in
/// qf-calculator's `COCM` (references.md, "COCM"). Donors d0 ∈ {g0},
/// d1 ∈ {g1}, d2 ∈ {g0, g1} give 4, 9 and 16 to one project.
///
/// * Normalised memberships n: d0 = (1, 0), d1 = (0, 1), d2 = (½, ½).
/// * Cluster → member walk u: g0 = (d0 ½, d2 ½), g1 = (d1 ½, d2 ½).
/// * P = u n: P_g0 = ½ (1, 0) + ½ (½, ½) = (¾, ¼); P_g1 = (¼, ¾).
/// * k = max(n P, 1[member]): d0 = (1, ¼), d1 = (¼, 1), d2 = (1, 1).
/// * harsh K = (1 − k) c: d0 = (0, 3), d1 = (6.75, 0), d2 = (0, 0).
/// * P'_{g0,g1} = Σ_i K_{i,g0} n_{i,g1} = 6.75; P'_{g1,g0} = Σ_i K_{i,g1} n_{i,g0} = 3.
/// * match = Σ_{g≠h} √(P'_gh P'_hg) = 2 √(6.75 · 3) = 2 · 4.5 = 9.
///
/// Non-harsh K = k √c + (1 − k) c: d0 = (2, 3.5), d1 = (7.5, 3), d2 = (4, 4);
/// P'_{g0,g1} = 7.5 + 4 · ½ = 9.5, P'_{g1,g0} = 3.5 + 4 · ½ = 5.5 →
/// match = 2 √52.25 ≈ 14.4568.
#[test]
fn cocm_hand_derived() {
    let r = round(3, 1, &[(0, 0, 4.0), (1, 0, 9.0), (2, 0, 16.0)]);
    let c = clusters(3, 2, &[(0, 0, 1.0), (1, 1, 1.0), (2, 0, 1.0), (2, 1, 1.0)]);
    let harsh = raw_matches(&r, &Mechanism::cocm_default(), Some(&c)).expect("valid");
    assert_close(&harsh, &[9.0], 1e-12);
    let soft = raw_matches(
        &r,
        &Mechanism::Cocm {
            style: CocmStyle::Markov,
            harsh: false,
        },
        Some(&c),
    )
    .expect("valid");
    assert_close(&soft, &[2.0 * 52.25f64.sqrt()], 1e-12);
}

/// The Sybil weakness and its fix. Project 0: ten honest donors × 1.
/// Project 1: two honest donors × 1 and an attacker giving 100, who then
/// splits into 20 wallets × 5. Standard QF rewards the split; cluster match
/// and COCM with the 20 wallets placed in the attacker's one cluster (every
/// honest donor in a cluster of its own) do not.
#[test]
fn sybils_in_one_cluster_gain_nothing_under_cluster_and_cocm() {
    let honest: Vec<(usize, usize, f64)> = (0..10)
        .map(|i| (i, 0, 1.0))
        .chain([(10, 1, 1.0), (11, 1, 1.0)])
        .collect();
    let mut before = honest.clone();
    before.push((12, 1, 100.0));
    let mut after = honest.clone();
    after.extend((0..20).map(|k| (12 + k, 1, 5.0)));

    let r_before = round(13, 2, &before);
    let r_after = round(32, 2, &after);
    let own: Vec<(usize, usize, f64)> = (0..13).map(|i| (i, i, 1.0)).collect();
    let mut sybil_cluster: Vec<(usize, usize, f64)> = (0..12).map(|i| (i, i, 1.0)).collect();
    sybil_cluster.extend((12..32).map(|i| (i, 12, 1.0)));
    let c_before = clusters(13, 13, &own);
    let c_after = clusters(32, 13, &sybil_cluster);

    let share = |r: &Round, mech: Mechanism, c: Option<&Clusters>| {
        let raw = raw_matches(r, &mech, c).expect("valid");
        scale_to_pool(&raw, 1.0, None).expect("valid")[1]
    };
    let std_gain =
        share(&r_after, Mechanism::Standard, None) - share(&r_before, Mechanism::Standard, None);
    assert!(std_gain > 0.2, "standard QF gain {std_gain}");
    for mech in [
        Mechanism::Cluster,
        Mechanism::cocm_default(),
        Mechanism::Cocm {
            style: CocmStyle::Markov,
            harsh: false,
        },
        Mechanism::Cocm {
            style: CocmStyle::PctFriends,
            harsh: true,
        },
    ] {
        let gain = share(&r_after, mech, Some(&c_after)) - share(&r_before, mech, Some(&c_before));
        assert!(
            gain.abs() < 1e-12,
            "{mech:?}: the split changed the share by {gain}"
        );
        assert!(gain < std_gain);
    }
}

fn mechanisms() -> Vec<Mechanism> {
    let mut all = vec![
        Mechanism::Standard,
        Mechanism::Pairwise {
            m: Mechanism::DEFAULT_PAIRWISE_M,
        },
        Mechanism::Pairwise { m: 25.0 },
        Mechanism::Cluster,
    ];
    for style in [CocmStyle::Markov, CocmStyle::Og, CocmStyle::PctFriends] {
        for harsh in [true, false] {
            all.push(Mechanism::Cocm { style, harsh });
        }
    }
    all
}

fn gifts_strategy() -> impl Strategy<Value = Vec<(usize, usize, f64)>> {
    prop::collection::vec((0usize..8, 0usize..4, 0.01f64..100.0), 1..40)
}

proptest! {
    #[test]
    fn payouts_stay_within_and_sum_to_the_pool(
        gifts in gifts_strategy(),
        pool in 0.0f64..1e6,
        cap in prop::option::of(0.05f64..=1.0),
    ) {
        let r = round(8, 4, &gifts);
        for mech in mechanisms() {
            let raw = raw_matches(&r, &mech, None).expect("valid");
            let paid = scale_to_pool(&raw, pool, cap).expect("valid");
            let total: f64 = paid.iter().sum();
            let tol = 1e-9 * (1.0 + pool);
            prop_assert!(paid.iter().all(|&x| x >= 0.0));
            prop_assert!(total <= pool + tol, "{mech:?}: paid {total} > pool {pool}");
            if let Some(c) = cap {
                prop_assert!(paid.iter().all(|&x| x <= c * pool + tol), "{mech:?}: {paid:?} over cap {c}");
            }
            let positive = raw.iter().filter(|&&x| x > 0.0).count();
            let feasible = match cap {
                None => true,
                Some(c) => c * positive as f64 >= 1.0 + 1e-9,
            };
            if positive > 0 && feasible {
                prop_assert!((total - pool).abs() <= tol, "{mech:?}: paid {total} of {pool}");
            }
        }
    }

    #[test]
    fn matches_do_not_depend_on_the_order_of_donations(
        (gifts, shuffled) in gifts_strategy().prop_flat_map(|g| (Just(g.clone()), Just(g).prop_shuffle())),
    ) {
        let a = round(8, 4, &gifts);
        let b = round(8, 4, &shuffled);
        for mech in mechanisms() {
            let x = raw_matches(&a, &mech, None).expect("valid");
            let y = raw_matches(&b, &mech, None).expect("valid");
            for (u, v) in x.iter().zip(&y) {
                prop_assert!((u - v).abs() <= 1e-9 * (1.0 + u.abs()), "{mech:?}: {x:?} vs {y:?}");
            }
        }
    }

    /// Splitting one donor's gift to a project into `k` equal gifts from
    /// new identities never lowers that project's standard QF match (the
    /// Sybil weakness); with the identities in the original donor's cluster,
    /// cluster match does not change at all.
    #[test]
    fn splitting_a_donor_never_lowers_standard_qf(
        gifts in gifts_strategy(),
        pick in 0usize..40,
        k in 2usize..6,
    ) {
        let (donor, project, _) = gifts[pick % gifts.len()];
        let amount: f64 = gifts.iter().filter(|g| g.0 == donor && g.1 == project).map(|g| g.2).sum();
        let mut split: Vec<(usize, usize, f64)> =
            gifts.iter().copied().filter(|g| !(g.0 == donor && g.1 == project)).collect();
        split.extend((0..k).map(|s| (8 + s, project, amount / k as f64)));
        let before = round(8, 4, &gifts);
        let after = round(8 + k, 4, &split);
        let old = raw_matches(&before, &Mechanism::Standard, None).expect("valid")[project];
        let new = raw_matches(&after, &Mechanism::Standard, None).expect("valid")[project];
        prop_assert!(new >= old - 1e-9 * (1.0 + old), "split lowered {old} to {new}");

        // Cluster match: one cluster per original donor, sybils in the donor's.
        let own: Vec<(usize, usize, f64)> = (0..8).map(|i| (i, i, 1.0)).collect();
        let mut with_sybils = own.clone();
        with_sybils.extend((0..k).map(|s| (8 + s, donor, 1.0)));
        let c_before = clusters(8, 8, &own);
        let c_after = clusters(8 + k, 8, &with_sybils);
        let old = raw_matches(&before, &Mechanism::Cluster, Some(&c_before)).expect("valid")[project];
        let new = raw_matches(&after, &Mechanism::Cluster, Some(&c_after)).expect("valid")[project];
        prop_assert!((new - old).abs() <= 1e-9 * (1.0 + old), "cluster match moved {old} → {new}");
    }
}
