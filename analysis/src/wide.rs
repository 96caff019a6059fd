//! A minimal unsigned 256-bit integer for exact sums of `u128` amounts and
//! the threshold comparisons built on them (Nakamoto, Lorenz shares). Only
//! the operations those need: checked add/sub/mul, comparison, conversion to
//! `f64`, and division by a `u64` for printing. Every operation that could
//! overflow returns `Option`, so nothing here panics.

use std::cmp::Ordering;

/// Unsigned 256-bit integer, four little-endian 64-bit limbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct U256([u64; 4]);

impl U256 {
    pub const ZERO: U256 = U256([0; 4]);

    pub const fn from_u128(v: u128) -> Self {
        U256([v as u64, (v >> 64) as u64, 0, 0])
    }

    pub const fn from_u64(v: u64) -> Self {
        U256([v, 0, 0, 0])
    }

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 4]
    }

    /// The value if it fits in a `u128`.
    pub fn to_u128(self) -> Option<u128> {
        if self.0[2] == 0 && self.0[3] == 0 {
            Some(u128::from(self.0[0]) | (u128::from(self.0[1]) << 64))
        } else {
            None
        }
    }

    pub fn checked_add(self, rhs: U256) -> Option<U256> {
        let mut out = [0u64; 4];
        let mut carry = false;
        for (i, limb) in out.iter_mut().enumerate() {
            let (s1, c1) = self.0[i].overflowing_add(rhs.0[i]);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *limb = s2;
            carry = c1 || c2;
        }
        (!carry).then_some(U256(out))
    }

    pub fn checked_sub(self, rhs: U256) -> Option<U256> {
        let mut out = [0u64; 4];
        let mut borrow = false;
        for (i, limb) in out.iter_mut().enumerate() {
            let (d1, b1) = self.0[i].overflowing_sub(rhs.0[i]);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *limb = d2;
            borrow = b1 || b2;
        }
        (!borrow).then_some(U256(out))
    }

    pub fn checked_mul(self, rhs: U256) -> Option<U256> {
        // Schoolbook multiplication into eight limbs; overflow if any of the
        // upper four is non-zero.
        let mut wide = [0u64; 8];
        for i in 0..4 {
            if self.0[i] == 0 {
                continue;
            }
            let mut carry = 0u128;
            for j in 0..4 {
                let cur =
                    u128::from(wide[i + j]) + u128::from(self.0[i]) * u128::from(rhs.0[j]) + carry;
                wide[i + j] = cur as u64;
                carry = cur >> 64;
            }
            // i + 4 <= 7; the slot is still zero here.
            wide[i + 4] = carry as u64;
        }
        if wide[4..].iter().any(|&l| l != 0) {
            return None;
        }
        Some(U256([wide[0], wide[1], wide[2], wide[3]]))
    }

    pub fn checked_mul_u128(self, rhs: u128) -> Option<U256> {
        self.checked_mul(U256::from_u128(rhs))
    }

    pub fn checked_mul_u64(self, rhs: u64) -> Option<U256> {
        let mut out = [0u64; 4];
        let mut carry = 0u128;
        for (i, limb) in out.iter_mut().enumerate() {
            let cur = u128::from(self.0[i]) * u128::from(rhs) + carry;
            *limb = cur as u64;
            carry = cur >> 64;
        }
        (carry == 0).then_some(U256(out))
    }

    /// Quotient and remainder of division by a non-zero `u64`
    /// (`None` when dividing by zero).
    pub fn div_rem_u64(self, d: u64) -> Option<(U256, u64)> {
        if d == 0 {
            return None;
        }
        let mut out = [0u64; 4];
        let mut rem = 0u128;
        for i in (0..4).rev() {
            let cur = (rem << 64) | u128::from(self.0[i]);
            out[i] = (cur / u128::from(d)) as u64;
            rem = cur % u128::from(d);
        }
        Some((U256(out), rem as u64))
    }

    /// Nearest `f64` (within a couple of ulps).
    pub fn to_f64(self) -> f64 {
        const TWO_64: f64 = 18_446_744_073_709_551_616.0;
        let mut acc = 0.0;
        for &limb in self.0.iter().rev() {
            acc = acc * TWO_64 + limb as f64;
        }
        acc
    }

    /// Decimal digits, most significant first ("0" for zero).
    pub fn to_decimal_string(self) -> String {
        const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19
        let mut chunks = Vec::new();
        let mut v = self;
        while let Some((q, r)) = v.div_rem_u64(CHUNK) {
            chunks.push(r);
            v = q;
            if v.is_zero() {
                break;
            }
        }
        let mut s = String::new();
        for (i, c) in chunks.iter().rev().enumerate() {
            if i == 0 {
                s.push_str(&c.to_string());
            } else {
                s.push_str(&format!("{c:019}"));
            }
        }
        s
    }
}

impl Ord for U256 {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in (0..4).rev() {
            match self.0[i].cmp(&other.0[i]) {
                Ordering::Equal => {}
                ord => return ord,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn max_u128_squared_fits_and_prints() {
        let m = U256::from_u128(u128::MAX);
        let sq = m.checked_mul(m).expect("fits in 256 bits");
        assert_eq!(
            sq.to_decimal_string(),
            "115792089237316195423570985008687907852589419931798687112530834793049593217025"
        );
        assert!(sq.checked_mul_u64(2).is_none());
        assert!(sq.checked_add(sq).is_none());
        assert_eq!(U256::ZERO.to_decimal_string(), "0");
        assert!(U256::ZERO.checked_sub(U256::from_u64(1)).is_none());
    }

    proptest! {
        #[test]
        fn agrees_with_u128(a in any::<u64>(), b in any::<u64>(), c in 1u64..) {
            let (wa, wb) = (U256::from_u64(a), U256::from_u64(b));
            let prod = u128::from(a) * u128::from(b);
            prop_assert_eq!(wa.checked_mul(wb).and_then(U256::to_u128), Some(prod));
            prop_assert_eq!(wa.checked_mul_u64(b).and_then(U256::to_u128), Some(prod));
            let sum = u128::from(a) + u128::from(b);
            prop_assert_eq!(wa.checked_add(wb).and_then(U256::to_u128), Some(sum));
            prop_assert_eq!(wa.cmp(&wb), a.cmp(&b));
            let (q, r) = U256::from_u128(prod).div_rem_u64(c).expect("c > 0");
            prop_assert_eq!(q.to_u128(), Some(prod / u128::from(c)));
            prop_assert_eq!(u128::from(r), prod % u128::from(c));
            prop_assert_eq!(U256::from_u128(prod).to_decimal_string(), prod.to_string());
            let rel = (U256::from_u128(prod).to_f64() - prod as f64).abs() / (prod as f64).max(1.0);
            prop_assert!(rel < 1e-15);
            if a >= b {
                prop_assert_eq!(wa.checked_sub(wb).and_then(U256::to_u128), Some(u128::from(a - b)));
            }
        }
    }
}
