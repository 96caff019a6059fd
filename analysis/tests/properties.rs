//! Property tests of the metric set (issue 4): ranges, invariance under
//! scaling and permutation, weighted = repeated, monotone top shares,
//! Nakamoto ordering, and agreement with brute-force definitions.

use mirage_analysis::concentration::{gini_sorted, nakamoto_sorted};
use mirage_analysis::dataset::{Analysis, DatasetOptions, RowInput};
use mirage_analysis::{summarize_u64, Dataset, Decimal, MetricValue, Metrics};
use proptest::prelude::*;

/// Holdings with many ties and zeros, and occasionally huge values.
fn holdings() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(
        prop_oneof![
            4 => 0u64..20,
            3 => 0u64..1_000_000,
            1 => 0u64..(u64::MAX / 4096),
        ],
        1..120,
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

/// Every metric equal: counts exactly, reals to 1e-9 relative.
fn assert_same(a: &Metrics, b: &Metrics, skip_sum: bool) -> Result<(), TestCaseError> {
    for ((k, x), (_, y)) in a.entries().into_iter().zip(b.entries()) {
        if skip_sum && (k == "sum" || k == "mean") {
            continue;
        }
        let same = match (&x, &y) {
            (MetricValue::Real(p), MetricValue::Real(q)) => close(*p, *q),
            _ => x == y,
        };
        prop_assert!(same, "{k}: {x:?} vs {y:?}");
    }
    Ok(())
}

fn dataset(rows: &[(u64, u64)], options: DatasetOptions) -> Analysis {
    let mut ds = Dataset::new(options);
    for &(x, w) in rows {
        let pushed = ds.push(RowInput {
            value: Decimal {
                mantissa: u128::from(x),
                scale: 0,
            },
            weight: options.weighted.then_some(w),
            against: None,
            group: None,
        });
        assert!(pushed.is_ok());
    }
    ds.analyze()
}

proptest! {
    #[test]
    fn gini_is_within_its_range(v in holdings()) {
        let m = summarize_u64(&v, 0);
        let n = v.len() as f64;
        if let Some(g) = m.gini {
            prop_assert!((0.0..=(n - 1.0) / n + 1e-12).contains(&g), "gini {g}");
        } else {
            prop_assert!(v.iter().all(|&x| x == 0));
        }
    }

    #[test]
    fn gini_and_nakamoto_match_their_definitions(v in holdings()) {
        let m = summarize_u64(&v, 0);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        let total: u128 = v.iter().map(|&x| u128::from(x)).sum();
        if total > 0 {
            // Σ_i Σ_j |x_i − x_j| / (2 n² μ) = Σ Σ |x_i − x_j| / (2 n Σx).
            let pairs: f64 = v.iter()
                .flat_map(|&a| v.iter().map(move |&b| a.abs_diff(b) as f64))
                .sum();
            let brute = pairs / (2.0 * v.len() as f64 * total as f64);
            prop_assert!(close(m.gini.unwrap_or(f64::NAN), brute));
            prop_assert!(close(m.gini.unwrap_or(f64::NAN), gini_sorted(&sorted).unwrap_or(f64::NAN)));
        }
        prop_assert_eq!(m.nakamoto_33.map(|k| k as usize), nakamoto_sorted(&sorted, 1, 3));
        prop_assert_eq!(m.nakamoto_50.map(|k| k as usize), nakamoto_sorted(&sorted, 1, 2));
    }

    #[test]
    fn scaling_changes_no_metric(v in holdings(), c in 1u64..5000, decimals in 0u32..20) {
        let v: Vec<u64> = v.iter().map(|&x| x.min(u64::MAX / 5000)).collect();
        let scaled: Vec<u64> = v.iter().map(|&x| x * c).collect();
        let a = summarize_u64(&v, 0);
        assert_same(&a, &summarize_u64(&scaled, 0), true)?;
        // Placing the decimal point elsewhere is scaling by a power of ten.
        let b = summarize_u64(&v, decimals);
        assert_same(&a, &b, true)?;
        prop_assert!(close(b.sum.to_f64() * 10f64.powi(decimals as i32), a.sum.to_f64()));
    }

    #[test]
    fn permuting_rows_changes_nothing(
        (v, shuffled) in holdings().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        weights in prop::collection::vec(0u64..5, 120),
    ) {
        prop_assert_eq!(summarize_u64(&v, 0), summarize_u64(&shuffled, 0));
        // Weighted rows, permuted the same way (weights follow their values).
        let rows: Vec<(u64, u64)> = v.iter().copied().zip(weights.iter().copied()).collect();
        let mut permuted = rows.clone();
        permuted.reverse();
        permuted.rotate_left(rows.len() / 3);
        let opts = DatasetOptions { weighted: true, lorenz_segments: Some(7), ..Default::default() };
        prop_assert_eq!(dataset(&rows, opts), dataset(&permuted, opts));
    }

    #[test]
    fn weighted_equals_repeated(rows in prop::collection::vec((0u64..1000, 0u64..6), 1..60)) {
        let repeated: Vec<u64> = rows
            .iter()
            .flat_map(|&(x, w)| std::iter::repeat_n(x, w as usize))
            .collect();
        let opts = DatasetOptions { weighted: true, lorenz_segments: Some(10), ..Default::default() };
        let weighted = dataset(&rows, opts).all;
        let plain = dataset(&repeated.iter().map(|&x| (x, 1)).collect::<Vec<_>>(),
                            DatasetOptions { lorenz_segments: Some(10), ..Default::default() }).all;
        assert_same(&weighted.metrics, &summarize_u64(&repeated, 0), false)?;
        assert_same(&weighted.metrics, &plain.metrics, false)?;
        let (wl, pl) = (weighted.lorenz.flatten().unwrap_or_default(), plain.lorenz.flatten().unwrap_or_default());
        prop_assert_eq!(wl.len(), pl.len());
        for (a, b) in wl.iter().zip(&pl) {
            prop_assert!(close(a[1], b[1]));
        }
    }

    #[test]
    fn top_shares_are_monotone_in_p(v in holdings()) {
        let opts = DatasetOptions { lorenz_segments: Some(50), ..Default::default() };
        let r = dataset(&v.iter().map(|&x| (x, 1)).collect::<Vec<_>>(), opts).all;
        let m = &r.metrics;
        if let (Some(t1), Some(t10), Some(b40)) = (m.top_1pct_share, m.top_10pct_share, m.bottom_40pct_share) {
            // top p share = 1 − L(1 − p): top 1% ≤ top 10% ≤ top 60%.
            prop_assert!(t1 <= t10 + 1e-12 && t10 <= 1.0 - b40 + 1e-12, "{t1} {t10} {b40}");
            prop_assert!((0.0..=1.0).contains(&t1) && (0.0..=1.0).contains(&b40));
            // …and at every point of the curve: L is non-decreasing and convex,
            // so each top share is at least its population share p.
            let curve = r.lorenz.flatten().unwrap_or_default();
            prop_assert_eq!(curve.len(), 51);
            for pair in curve.windows(2) {
                prop_assert!(pair[0][1] <= pair[1][1] + 1e-12);
            }
            for pt in &curve {
                prop_assert!(1.0 - pt[1] >= (1.0 - pt[0]) - 1e-12);
            }
        } else {
            prop_assert!(v.iter().all(|&x| x == 0));
        }
    }

    #[test]
    fn nakamoto_33_never_exceeds_nakamoto_50(v in holdings()) {
        let m = summarize_u64(&v, 0);
        match (m.nakamoto_33, m.nakamoto_50) {
            (Some(a), Some(b)) => prop_assert!(1 <= a && a <= b && b <= v.len() as u64),
            (None, None) => prop_assert!(v.iter().all(|&x| x == 0)),
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn no_metric_is_ever_nan_or_infinite(v in holdings()) {
        let json = serde_json::to_string(&summarize_u64(&v, 3)).unwrap_or_default();
        prop_assert!(!json.is_empty() && !json.contains("NaN") && !json.contains("inf"));
        for (k, value) in summarize_u64(&v, 0).entries() {
            if let MetricValue::Real(x) = value {
                prop_assert!(x.is_finite() && x >= 0.0, "{k} = {x}");
            }
        }
    }
}
