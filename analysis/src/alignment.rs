//! Alignment of rewards with contributions, from two columns of the same
//! rows: Spearman's rank correlation (ties take average ranks) and the
//! misallocation ½ Σ |reward share − contribution share|, the fraction of
//! all rewards that would have to move for everyone to be paid in
//! proportion to contribution. Both honour frequency weights.

use serde::Serialize;

use crate::row::{Amount, GroupSlot, PairSlot, Paired, Row, WeightSlot};
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
    let mut rows: Vec<Row<u64, (), Paired<u64>, ()>> = rewards
        .iter()
        .zip(contributions)
        .map(|(&x, &y)| Row {
            x,
            w: (),
            p: Paired::new(y),
            g: (),
        })
        .collect();
    rows.sort_unstable_by_key(|r| r.x);
    Ok(align_sorted(&mut rows))
}

/// Alignment of rows sorted ascending by `x`. Leaves them sorted by `y`.
pub(crate) fn align_sorted<A, W, P, G>(rows: &mut [Row<A, W, P, G>]) -> Alignment
where
    A: Amount,
    W: WeightSlot,
    P: PairSlot<A>,
    G: GroupSlot,
{
    let misallocation = misallocation(rows);
    let total_weight: u64 = rows
        .iter()
        .fold(0u64, |acc, r| acc.saturating_add(r.w.get()));
    let n = i128::from(total_weight);

    // Centred average ranks of x: a tie group of total weight W after c
    // values has average rank c + (W + 1)/2; minus the mean rank (n + 1)/2
    // that is (2c + W − n)/2.
    let mut distinct_x = 0usize;
    let mut count: u64 = 0;
    for group in rows.chunk_by_mut(|a, b| a.x == b.x) {
        let w: u64 = group.iter().fold(0, |acc, r| acc.saturating_add(r.w.get()));
        let centred = (2 * i128::from(count) + i128::from(w) - n) as f64 * 0.5;
        for r in group.iter_mut() {
            r.p.set_rank(centred);
        }
        count = count.saturating_add(w);
        distinct_x += 1;
    }

    rows.sort_unstable_by_key(|r| r.p.y());
    let mut distinct_y = 0usize;
    let mut count: u64 = 0;
    let (mut sxx, mut syy, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
    for group in rows.chunk_by(|a, b| a.p.y() == b.p.y()) {
        let w: u64 = group.iter().fold(0, |acc, r| acc.saturating_add(r.w.get()));
        let ry = (2 * i128::from(count) + i128::from(w) - n) as f64 * 0.5;
        for r in group {
            let (wf, rx) = (r.w.get() as f64, r.p.rank());
            sxx += wf * rx * rx;
            syy += wf * ry * ry;
            sxy += wf * rx * ry;
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

fn misallocation<A, W, P, G>(rows: &[Row<A, W, P, G>]) -> Option<f64>
where
    A: Amount,
    W: WeightSlot,
    P: PairSlot<A>,
    G: GroupSlot,
{
    let mut sum_x = U256::ZERO;
    let mut sum_y = U256::ZERO;
    for r in rows {
        let w = r.w.get();
        sum_x = sum_x.checked_add(U256::from_u128(r.x.into()).checked_mul_u64(w)?)?;
        sum_y = sum_y.checked_add(U256::from_u128(r.p.y().into()).checked_mul_u64(w)?)?;
    }
    if sum_x.is_zero() || sum_y.is_zero() {
        return None;
    }
    let (tx, ty) = (sum_x.to_f64(), sum_y.to_f64());
    let mut acc = 0.0f64;
    for r in rows {
        let sx = Into::<u128>::into(r.x) as f64 / tx;
        let sy = Into::<u128>::into(r.p.y()) as f64 / ty;
        acc += r.w.get() as f64 * (sx - sy).abs();
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
