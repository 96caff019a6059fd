//! Alignment of rewards with contributions, from two columns of the same
//! rows: Spearman's rank correlation (ties take average ranks) and the
//! misallocation ½ Σ |reward share − contribution share|, the fraction of
//! all rewards that would have to move for everyone to be paid in
//! proportion to contribution. Both honour frequency weights.

use serde::Serialize;

use crate::metrics::Observation;
use crate::sort::{radix_sort_by_key, RadixKey};
use crate::wide::U256;

/// Spearman correlation and misallocation; `None` (JSON `null`) when
/// undefined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Alignment {
    /// Pearson correlation of the average ranks of the two columns; `None`
    /// if either column is constant (including fewer than two rows).
    pub spearman: Option<f64>,
    /// ½ Σ |r_i/Σr − c_i/Σc| ∈ [0, 1]; `None` if either column sums to zero.
    pub misallocation: Option<f64>,
}

/// The two columns given to [`alignment_u64`] differ in length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rewards has {rewards} values but contributions has {contributions}")]
pub struct AlignmentError {
    pub rewards: usize,
    pub contributions: usize,
}

/// Alignment of `rewards[i]` with `contributions[i]` (base units, any
/// order; the two columns may use different units).
pub fn alignment_u64(rewards: &[u64], contributions: &[u64]) -> Result<Alignment, AlignmentError> {
    if rewards.len() != contributions.len() {
        return Err(AlignmentError {
            rewards: rewards.len(),
            contributions: contributions.len(),
        });
    }
    let mut rows: Vec<Row<u64>> = rewards
        .iter()
        .zip(contributions)
        .map(|(&x, &y)| Row::new(x, y, 1, 0))
        .collect();
    radix_sort_by_key(&mut rows, |r| r.x);
    Ok(align_sorted(&mut rows))
}

/// An amount stored in a row: `u64` when every value fits, else `u128`.
pub(crate) trait Amount: RadixKey + Into<u128> + Default + std::fmt::Debug {}
impl Amount for u64 {}
impl Amount for u128 {}

/// One input row of the general (weighted / paired / grouped) path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<A> {
    /// The analysed column (rewards).
    pub x: A,
    /// The `--against` column (contributions); 0 when absent.
    pub y: A,
    /// Frequency weight (≥ 1).
    pub w: u64,
    /// Group index; 0 when not grouped.
    pub group: u32,
    /// Scratch: the centred average rank of `x`.
    rank: f64,
}

impl<A: Amount> Row<A> {
    pub fn new(x: A, y: A, w: u64, group: u32) -> Self {
        Row {
            x,
            y,
            w,
            group,
            rank: 0.0,
        }
    }
}

impl<A: Amount> Observation for Row<A> {
    #[inline]
    fn value(&self) -> u128 {
        self.x.into()
    }
    #[inline]
    fn weight(&self) -> u64 {
        self.w
    }
}

/// Alignment of rows sorted ascending by `x`. Leaves them sorted by `y`.
pub(crate) fn align_sorted<A: Amount>(rows: &mut [Row<A>]) -> Alignment {
    let misallocation = misallocation(rows);
    let total_weight: u64 = rows.iter().fold(0u64, |acc, r| acc.saturating_add(r.w));
    let n = i128::from(total_weight);

    // Centred average ranks of x: a tie group of total weight W after c
    // values has average rank c + (W + 1)/2; minus the mean rank (n + 1)/2
    // that is (2c + W − n)/2.
    let mut distinct_x = 0usize;
    let mut count: u64 = 0;
    for group in rows.chunk_by_mut(|a, b| a.x == b.x) {
        let w: u64 = group.iter().fold(0, |acc, r| acc.saturating_add(r.w));
        let centred = (2 * i128::from(count) + i128::from(w) - n) as f64 * 0.5;
        for r in group.iter_mut() {
            r.rank = centred;
        }
        count = count.saturating_add(w);
        distinct_x += 1;
    }

    radix_sort_by_key(rows, |r| r.y);
    let mut distinct_y = 0usize;
    let mut count: u64 = 0;
    let (mut sxx, mut syy, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
    for group in rows.chunk_by(|a, b| a.y == b.y) {
        let w: u64 = group.iter().fold(0, |acc, r| acc.saturating_add(r.w));
        let ry = (2 * i128::from(count) + i128::from(w) - n) as f64 * 0.5;
        for r in group {
            let wf = r.w as f64;
            sxx += wf * r.rank * r.rank;
            syy += wf * ry * ry;
            sxy += wf * r.rank * ry;
        }
        count = count.saturating_add(w);
        distinct_y += 1;
    }
    let spearman = if distinct_x < 2 || distinct_y < 2 {
        None
    } else {
        let r = sxy / (sxx * syy).sqrt();
        r.is_finite().then(|| r.clamp(-1.0, 1.0))
    };
    Alignment {
        spearman,
        misallocation,
    }
}

fn misallocation<A: Amount>(rows: &[Row<A>]) -> Option<f64> {
    let mut sum_x = U256::ZERO;
    let mut sum_y = U256::ZERO;
    for r in rows {
        sum_x = sum_x.checked_add(U256::from_u128(r.x.into()).checked_mul_u64(r.w)?)?;
        sum_y = sum_y.checked_add(U256::from_u128(r.y.into()).checked_mul_u64(r.w)?)?;
    }
    if sum_x.is_zero() || sum_y.is_zero() {
        return None;
    }
    let (tx, ty) = (sum_x.to_f64(), sum_y.to_f64());
    let mut acc = 0.0f64;
    for r in rows {
        let sx = Into::<u128>::into(r.x) as f64 / tx;
        let sy = Into::<u128>::into(r.y) as f64 / ty;
        acc += r.w as f64 * (sx - sy).abs();
    }
    let m = 0.5 * acc;
    m.is_finite().then(|| m.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportional_pay_is_perfectly_aligned() {
        let a = alignment_u64(&[10, 20, 30], &[1, 2, 3]).expect("same length");
        assert_eq!(a.misallocation, Some(0.0));
        assert_eq!(a.spearman, Some(1.0));
    }

    #[test]
    fn reversed_pay() {
        // Shares (1/6, 2/6, 3/6) against (3/6, 2/6, 1/6): ½(2/6 + 0 + 2/6) = 1/3.
        let a = alignment_u64(&[1, 2, 3], &[3, 2, 1]).expect("same length");
        assert_eq!(a.spearman, Some(-1.0));
        assert!((a.misallocation.unwrap_or(f64::NAN) - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn ties_take_average_ranks() {
        // x = [1,1,2,3] ranks (1.5,1.5,3,4); y = [1,2,3,4] ranks (1,2,3,4):
        // Pearson of the ranks = 4.5 / sqrt(4.5 · 5) = 0.948683.
        let a = alignment_u64(&[1, 1, 2, 3], &[1, 2, 3, 4]).expect("same length");
        let expected = 4.5 / (4.5f64 * 5.0).sqrt();
        assert!((a.spearman.unwrap_or(f64::NAN) - expected).abs() < 1e-12);
    }

    #[test]
    fn undefined_cases_are_none() {
        let a = alignment_u64(&[5, 5, 5], &[1, 2, 3]).expect("same length");
        assert_eq!(a.spearman, None);
        let a = alignment_u64(&[0, 0], &[1, 2]).expect("same length");
        assert_eq!(a.misallocation, None);
        let a = alignment_u64(&[], &[]).expect("same length");
        assert_eq!((a.spearman, a.misallocation), (None, None));
        assert!(alignment_u64(&[1], &[]).is_err());
    }
}
