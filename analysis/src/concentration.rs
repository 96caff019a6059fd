//! Exact concentration basics on integer amounts (base units): the Gini
//! coefficient, the Nakamoto coefficient and the HHI, for callers that want
//! one number cheaply (the engine, per step or per role). Sums are
//! accumulated in `u128` so that no float rounding decides a threshold.
//! The full metric set is [`crate::summarize_u64`].

/// Population Gini of values sorted ascending:
/// G = 2 Σ i·x_i / (n Σx) − (n + 1)/n, with i counted from 1.
/// `None` when there are no values or they sum to zero.
pub fn gini_sorted(sorted: &[u64]) -> Option<f64> {
    let (total, weighted) = total_and_weighted(sorted);
    gini_from(sorted.len(), total, weighted)
}

/// `gini_sorted` and the values' total, from one pass.
pub fn gini_sorted_and_total(sorted: &[u64]) -> (Option<f64>, u128) {
    let (total, weighted) = total_and_weighted(sorted);
    (gini_from(sorted.len(), total, weighted), total)
}

/// Σx and Σ i·x_i (i from 1) of values in order.
fn total_and_weighted(sorted: &[u64]) -> (u128, u128) {
    let (mut total, mut weighted) = (0u128, 0u128);
    for (i, &x) in sorted.iter().enumerate() {
        total += u128::from(x);
        weighted += u128::from(i as u64 + 1) * u128::from(x);
    }
    (total, weighted)
}

fn gini_from(len: usize, total: u128, weighted: u128) -> Option<f64> {
    let n = len as u128;
    if n == 0 || total == 0 {
        return None;
    }
    let nf = n as f64;
    Some(2.0 * (weighted as f64) / (nf * total as f64) - (nf + 1.0) / nf)
}

/// The Gini, the Nakamoto coefficient (> 1/2) and the HHI of values sorted
/// ascending, with one pass for the sums: equal to `gini_sorted`,
/// `nakamoto_sorted(sorted, 1, 2)` and `hhi(sorted)` bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SortedConcentration {
    pub gini: Option<f64>,
    pub nakamoto: Option<usize>,
    pub hhi: Option<f64>,
}

pub fn concentration_sorted(sorted: &[u64]) -> SortedConcentration {
    let (total, weighted) = total_and_weighted(sorted);
    SortedConcentration {
        gini: gini_from(sorted.len(), total, weighted),
        nakamoto: nakamoto_with_total(sorted, total, 1, 2),
        hhi: hhi_with_total(sorted, total),
    }
}

/// `concentration_sorted` of the values whose histogram is `counts`
/// (`counts[v]` values equal to `v`), in time of the histogram's length
/// for the Gini and Nakamoto figures, without writing the sorted values
/// out; also returns their total. Equal to `concentration_sorted` of the
/// sorted values bit for bit: Σx and Σ i·x_i are the same exact integers
/// (a run of `c` values `v` after `i0` smaller ones adds
/// v·(c·i0 + c(c+1)/2)), the Nakamoto count is the same smallest k, and
/// the HHI adds the same terms in the same (ascending) order.
pub fn concentration_of_counts(counts: &[u32]) -> (SortedConcentration, u128) {
    let (mut len, mut total, mut weighted) = (0u128, 0u128, 0u128);
    for (v, &c) in counts.iter().enumerate() {
        let (v, c) = (v as u128, u128::from(c));
        weighted += v * (c * len + c * (c + 1) / 2);
        total += v * c;
        len += c;
    }
    let gini = gini_from(len as usize, total, weighted);
    if total == 0 {
        let none = SortedConcentration {
            gini,
            nakamoto: None,
            hhi: None,
        };
        return (none, total);
    }
    // Nakamoto (> 1/2): the fewest top values with 2 · top > total.
    let (mut top, mut taken, mut nakamoto) = (0u128, 0u128, None);
    for (v, &c) in counts.iter().enumerate().rev() {
        let (v, c) = (v as u128, u128::from(c));
        if v == 0 || c == 0 {
            continue;
        }
        // The smallest j ≤ c with 2 (top + j v) > total, if any.
        let j = (total - 2 * top) / (2 * v) + 1;
        if j <= c {
            nakamoto = Some((taken + j) as usize);
            break;
        }
        top += v * c;
        taken += c;
    }
    let t = total as f64;
    let mut hhi = -0.0f64;
    for (v, &c) in counts.iter().enumerate() {
        if v == 0 {
            continue;
        }
        let share = (v as f64 / t).powi(2);
        for _ in 0..c {
            hhi += share;
        }
    }
    let figures = SortedConcentration {
        gini,
        nakamoto,
        hhi: Some(hhi),
    };
    (figures, total)
}

/// The smallest number of holders whose combined holdings are strictly more
/// than `num/den` of the total, for values sorted ascending. Compared exactly:
/// `top_sum · den > total · num`. `None` when the total is zero.
pub fn nakamoto_sorted(sorted: &[u64], num: u64, den: u64) -> Option<usize> {
    let total: u128 = sorted.iter().map(|&x| u128::from(x)).sum();
    nakamoto_with_total(sorted, total, num, den)
}

fn nakamoto_with_total(sorted: &[u64], total: u128, num: u64, den: u64) -> Option<usize> {
    if total == 0 {
        return None;
    }
    let goal = total * u128::from(num);
    let mut top = 0u128;
    for (k, &x) in sorted.iter().rev().enumerate() {
        top += u128::from(x);
        if top * u128::from(den) > goal {
            return Some(k + 1);
        }
    }
    None
}

/// Herfindahl–Hirschman index Σ s_i², s_i = x_i / Σx, of amounts in any
/// order. `None` when there are no values or they sum to zero.
pub fn hhi(values: &[u64]) -> Option<f64> {
    let total: u128 = values.iter().map(|&x| u128::from(x)).sum();
    hhi_with_total(values, total)
}

fn hhi_with_total(values: &[u64], total: u128) -> Option<f64> {
    if total == 0 {
        return None;
    }
    let t = total as f64;
    Some(values.iter().map(|&x| (x as f64 / t).powi(2)).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The histogram's figures equal the sorted values' bit for bit.
        #[test]
        fn counts_give_the_sorted_figures(
            values in proptest::collection::vec(
                proptest::prop_oneof![0u64..4, 0u64..40, proptest::strategy::Just(0u64)], 0..300)
        ) {
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let max = sorted.last().copied().unwrap_or(0) as usize;
            let mut counts = vec![0u32; if sorted.is_empty() { 0 } else { max + 1 }];
            for &v in &values {
                counts[v as usize] += 1;
            }
            let (figures, total) = concentration_of_counts(&counts);
            let expected = concentration_sorted(&sorted);
            proptest::prop_assert_eq!(figures.gini.map(f64::to_bits), expected.gini.map(f64::to_bits));
            proptest::prop_assert_eq!(figures.nakamoto, expected.nakamoto);
            proptest::prop_assert_eq!(figures.hhi.map(f64::to_bits), expected.hhi.map(f64::to_bits));
            proptest::prop_assert_eq!(total, sorted.iter().map(|&x| u128::from(x)).sum::<u128>());
        }
    }

    #[test]
    fn gini_of_one_to_five_is_four_fifteenths() {
        // references.md worked numbers: [1,2,3,4,5] -> 0.266667 = 4/15.
        let g = gini_sorted(&[1, 2, 3, 4, 5]).expect("defined");
        assert!((g - 4.0 / 15.0).abs() < 1e-12);
    }

    #[test]
    fn hhi_of_forty_thirty_twenty_ten() {
        // references.md worked numbers: [40,30,20,10] -> HHI 0.30.
        let h = hhi(&[10, 40, 20, 30]).expect("defined");
        assert!((h - 0.30).abs() < 1e-12);
        assert_eq!(hhi(&[0, 0]), None);
        assert_eq!(hhi(&[]), None);
    }

    #[test]
    fn one_pass_equals_the_three_metrics_bit_for_bit() {
        let cases: [&[u64]; 5] = [
            &[],
            &[0, 0, 0],
            &[1, 2, 3, 4, 5],
            &[7, 7, 9, 1_000, 1 << 40, u64::MAX / 3],
            &[3, 3, 3, 3, 3, 3, 3, 100],
        ];
        for sorted in cases {
            let c = concentration_sorted(sorted);
            assert_eq!(
                c.gini.map(f64::to_bits),
                gini_sorted(sorted).map(f64::to_bits)
            );
            assert_eq!(c.nakamoto, nakamoto_sorted(sorted, 1, 2));
            assert_eq!(c.hhi.map(f64::to_bits), hhi(sorted).map(f64::to_bits));
        }
    }

    #[test]
    fn nakamoto_decides_exact_thirds() {
        // The top holder of [1,2,3,4,5] has exactly 1/3: not strictly more.
        assert_eq!(nakamoto_sorted(&[1, 2, 3, 4, 5], 1, 3), Some(2));
        assert_eq!(nakamoto_sorted(&[5, 5, 5, 5], 1, 2), Some(3));
        assert_eq!(nakamoto_sorted(&[0, 0], 1, 2), None);
    }
}
