//! Token and quote amounts: integer base units (`u64`), their conversion
//! from scenario numbers, and their exact decimal rendering for CSV output.
//! No money is ever held in a float; floats appear only in prices and in
//! the scenario's human-written inputs, converted once here.

/// Decimals of the quote asset (a USD-like stable coin).
pub const QUOTE_DECIMALS: u32 = 6;

/// 10^decimals.
pub fn unit(decimals: u32) -> u64 {
    10u64.pow(decimals)
}

/// Converts a human amount (tokens) to base units, rounding to nearest and
/// saturating at the `u64` range (scenario validation keeps inputs far below).
#[inline]
pub fn to_base_units(amount: f64, decimals: u32) -> u64 {
    round_to_u64(amount * unit(decimals) as f64)
}

/// `x.round() as u64`: to nearest with halves away from zero, 0 for NaN
/// and negatives, `u64::MAX` from 2^64 up; without the call `f64::round`
/// is on x86-64's baseline instruction set (every task's delay and
/// willingness to pay is rounded).
#[inline(always)]
pub fn round_to_u64(x: f64) -> u64 {
    if x.is_nan() {
        return 0;
    }
    if x >= 18_446_744_073_709_551_616.0 {
        return u64::MAX;
    }
    // Truncation (0 below 1); below 2^53 the fraction `x - t` is exact,
    // above it `x` is an integer.
    let t = x as u64;
    if x - t as f64 >= 0.5 {
        t + 1
    } else {
        t
    }
}

/// Base units as a human amount (for prices and summaries, never for money).
pub fn to_tokens(base_units: u128, decimals: u32) -> f64 {
    base_units as f64 / unit(decimals) as f64
}

/// Exact decimal string with exactly `decimals` digits after the point.
pub fn format_amount(base_units: u128, decimals: u32) -> String {
    let mut out = String::with_capacity(24);
    write_amount(&mut out, base_units, decimals);
    out
}

/// Appends the exact decimal rendering of `base_units` to `out`.
pub fn write_amount(out: &mut String, base_units: u128, decimals: u32) {
    use std::fmt::Write;
    // Amounts that fit in 64 bits (nearly all): integer arithmetic and
    // `itoa`'s digit pairs instead of `fmt` on `u128`.
    if let (Ok(v), true) = (u64::try_from(base_units), decimals < 20) {
        let mut digits = itoa::Buffer::new();
        if decimals == 0 {
            out.push_str(digits.format(v));
            return;
        }
        let unit = 10u64.pow(decimals);
        out.push_str(digits.format(v / unit));
        out.push('.');
        let fraction = digits.format(v % unit);
        for _ in fraction.len()..decimals as usize {
            out.push('0');
        }
        out.push_str(fraction);
        return;
    }
    if decimals == 0 {
        let _ = write!(out, "{base_units}");
        return;
    }
    let unit = 10u128.pow(decimals);
    let _ = write!(
        out,
        "{}.{:0width$}",
        base_units / unit,
        base_units % unit,
        width = decimals as usize
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_exactly() {
        assert_eq!(format_amount(1_500_000, 6), "1.500000");
        assert_eq!(format_amount(7, 6), "0.000007");
        assert_eq!(format_amount(42, 0), "42");
        // Both paths (64-bit and wider) agree with `fmt`.
        for (x, d) in [
            (0u128, 6),
            (u128::from(u64::MAX), 12),
            (u128::from(u64::MAX) + 1, 12),
            (u128::MAX, 6),
            (123_456_789, 19),
            (5, 0),
        ] {
            let unit = 10u128.pow(d);
            let expected = if d == 0 {
                x.to_string()
            } else {
                format!("{}.{:0w$}", x / unit, x % unit, w = d as usize)
            };
            assert_eq!(format_amount(x, d), expected);
        }
        assert_eq!(to_base_units(0.1, 6), 100_000);
        assert_eq!(to_base_units(-3.0, 6), 0);
    }
}
