//! The piecewise-linear Lorenz curve: points (k/n, Σ_{i≤k} x_i / Σx) joined
//! by straight lines, L(0) = 0. It is evaluated exactly (integer sums) at
//! rational positions along the sorted values, during the single pass over
//! sorted runs that all metrics share, so that top and bottom shares are
//! defined for any n and never depend on float rounding of a position.

use crate::wide::U256;

/// Largest `--lorenz N` (number of segments) accepted: keeps every
/// intermediate product well inside 256 bits and the output printable.
pub const MAX_LORENZ_POINTS: u32 = 1_000_000;

/// A position along the sorted values: `a / b` values from the bottom
/// (so t = 0.4·n is `a = 2n, b = 5`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Position {
    pub a: u128,
    pub b: u64,
}

/// Evaluates C(t) = the sum of the smallest t values (interpolated linearly
/// inside a run of equal values), scaled by b to stay an integer, for a set
/// of positions, while the caller walks runs in ascending order.
#[derive(Debug)]
pub(crate) struct LorenzCursor {
    /// Positions with their slot in `results`, sorted by a/b.
    order: Vec<(Position, usize)>,
    next: usize,
    /// C(t)·b for each position, in the caller's order.
    results: Vec<Option<U256>>,
}

impl LorenzCursor {
    pub fn new(positions: &[Position]) -> Self {
        let mut order: Vec<(Position, usize)> = positions.iter().copied().zip(0..).collect();
        // a1/b1 < a2/b2 <=> a1·b2 < a2·b1; a < 2^84 and b <= 2^20, so no overflow.
        order.sort_by(|(p, _), (q, _)| {
            (p.a.saturating_mul(u128::from(q.b))).cmp(&q.a.saturating_mul(u128::from(p.b)))
        });
        LorenzCursor {
            order,
            next: 0,
            results: vec![None; positions.len()],
        }
    }

    /// Visits a run of `w` copies of `x` that follows `count` values summing
    /// to `below` (exactly).
    #[inline]
    pub fn visit(&mut self, count: u64, below: U256, x: u128, w: u64) {
        let end = u128::from(count) + u128::from(w);
        while let Some(&(pos, slot)) = self.order.get(self.next) {
            if pos.a > end.saturating_mul(u128::from(pos.b)) {
                return;
            }
            // count·b <= a <= (count + w)·b: t lies inside this run, and
            // C(t)·b = below·b + (a − count·b)·x.
            let value = pos
                .a
                .checked_sub(u128::from(count) * u128::from(pos.b))
                .and_then(|into| U256::from_u128(into).checked_mul_u128(x))
                .and_then(|part| below.checked_mul_u64(pos.b)?.checked_add(part));
            self.results[slot] = value;
            self.next += 1;
        }
    }

    /// C(t)·b for each position in the order given to [`LorenzCursor::new`]
    /// (`None` if never reached, which only happens for positions past n).
    pub fn finish(self) -> Vec<Option<U256>> {
        self.results
    }
}

/// `num / den` as an `f64`, for exact non-negative integers.
pub(crate) fn ratio(num: U256, den: U256) -> Option<f64> {
    if den.is_zero() {
        return None;
    }
    let r = num.to_f64() / den.to_f64();
    r.is_finite().then_some(r)
}
