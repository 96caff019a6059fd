//! Exact decimal numbers: parsing CSV cells ("1,234.5", "2.3", "1e6") into
//! an integer mantissa and a decimal scale without going through floats, and
//! the exact decimal sum printed in reports. Holdings are non-negative, so a
//! negative cell is its own error.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::wide::U256;

/// A non-negative decimal `mantissa / 10^scale`, normalised so that the
/// mantissa has no trailing zero digits after the point (scale is minimal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    pub mantissa: u128,
    pub scale: u32,
}

/// Why a cell is not a non-negative decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecimalError {
    #[error("empty cell")]
    Empty,
    #[error("not a number")]
    Invalid,
    #[error("negative value (holdings cannot be negative)")]
    Negative,
    #[error("too many significant digits or exponent out of range (more than 38 digits needed)")]
    OutOfRange,
}

/// 10^k for k in 0..=38 (the largest power of ten in a `u128`).
pub(crate) fn pow10(k: u32) -> Option<u128> {
    10u128.checked_pow(k)
}

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// The mantissa expressed at a larger scale (`None` if it overflows).
    pub fn mantissa_at(self, scale: u32) -> Option<u128> {
        let up = scale.checked_sub(self.scale)?;
        self.mantissa.checked_mul(pow10(up)?)
    }

    /// The value as a whole number, if it has no fractional part.
    pub fn to_u64_exact(self) -> Option<u64> {
        if self.scale == 0 {
            u64::try_from(self.mantissa).ok()
        } else {
            None
        }
    }

    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.scale as i32)
    }

    fn normalised(mut mantissa: u128, mut scale: u32) -> Decimal {
        if mantissa == 0 {
            return Decimal::ZERO;
        }
        while scale > 0 {
            let (q, r) = (mantissa / 10, mantissa % 10);
            if r != 0 {
                break;
            }
            mantissa = q;
            scale -= 1;
        }
        Decimal { mantissa, scale }
    }
}

impl std::str::FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_decimal(s.as_bytes())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, &self.mantissa.to_string(), self.scale)
    }
}

/// Parses a non-negative decimal cell exactly.
///
/// Accepted: surrounding whitespace, an optional sign (`-` only for zero),
/// digits with optional thousands separators (`,` every three digits in the
/// integer part, as in `1,234,567.5`), an optional fraction, and an optional
/// exponent (`1.5e3`). Rejected: anything else, including `NaN`, `inf`,
/// decimal commas (`1,5`) and values needing more than 38 significant digits.
pub fn parse_decimal(cell: &[u8]) -> Result<Decimal, DecimalError> {
    let s = cell.trim_ascii();
    if s.is_empty() {
        return Err(DecimalError::Empty);
    }
    let (negative, s) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (body, exponent) = match s.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let (int_part, frac_part) = match body.iter().position(|&b| b == b'.') {
        Some(at) => (&body[..at], &body[at + 1..]),
        None => (body, &body[body.len()..]),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(DecimalError::Invalid);
    }
    check_grouping(int_part)?;

    if frac_part.contains(&b',') {
        return Err(DecimalError::Invalid);
    }
    // Trailing fractional zeros add nothing; dropping them first keeps
    // "1.000…0" with many zeros within range.
    let frac_digits = match frac_part.iter().rposition(|&b| b != b'0') {
        Some(last) => &frac_part[..=last],
        None => &frac_part[..0],
    };
    if !int_part
        .iter()
        .chain(frac_part)
        .all(|&b| b.is_ascii_digit() || b == b',')
    {
        return Err(DecimalError::Invalid);
    }
    let mut mantissa: u128 = 0;
    for &b in int_part.iter().chain(frac_digits) {
        if b != b',' {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(b - b'0')))
                .ok_or(DecimalError::OutOfRange)?;
        }
    }
    let mut scale = i64::try_from(frac_digits.len()).map_err(|_| DecimalError::OutOfRange)?;
    if let Some(exp) = exponent {
        scale -= parse_exponent(exp)?;
    }
    if negative && mantissa != 0 {
        return Err(DecimalError::Negative);
    }
    if mantissa == 0 {
        return Ok(Decimal::ZERO);
    }
    if scale < 0 {
        let up = u32::try_from(-scale).map_err(|_| DecimalError::OutOfRange)?;
        let m = pow10(up)
            .and_then(|p| mantissa.checked_mul(p))
            .ok_or(DecimalError::OutOfRange)?;
        return Ok(Decimal {
            mantissa: m,
            scale: 0,
        });
    }
    let scale = u32::try_from(scale).map_err(|_| DecimalError::OutOfRange)?;
    let d = Decimal::normalised(mantissa, scale);
    // A scale beyond 10^38 could never be brought to a common scale with
    // another non-zero value; reject it early.
    if pow10(d.scale).is_none() {
        return Err(DecimalError::OutOfRange);
    }
    Ok(d)
}

/// Thousands separators: if the integer part has commas, it must read
/// `d{1,3}(,ddd)*`.
fn check_grouping(int_part: &[u8]) -> Result<(), DecimalError> {
    if !int_part.contains(&b',') {
        return Ok(());
    }
    let mut groups = int_part.split(|&b| b == b',');
    let first = groups.next().unwrap_or_default();
    if first.is_empty() || first.len() > 3 {
        return Err(DecimalError::Invalid);
    }
    if groups.any(|g| g.len() != 3) {
        return Err(DecimalError::Invalid);
    }
    Ok(())
}

fn parse_exponent(exp: &[u8]) -> Result<i64, DecimalError> {
    let (neg, digits) = match exp.first() {
        Some(b'-') => (true, &exp[1..]),
        Some(b'+') => (false, &exp[1..]),
        _ => (false, exp),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(DecimalError::Invalid);
    }
    let mut v: i64 = 0;
    for &b in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .filter(|v| *v <= 10_000)
            .ok_or(DecimalError::OutOfRange)?;
    }
    Ok(if neg { -v } else { v })
}

/// Writes `digits` (an integer mantissa) with a decimal point `scale`
/// places from the right, dropping trailing fractional zeros.
pub(crate) fn write_scaled(f: &mut fmt::Formatter<'_>, digits: &str, scale: u32) -> fmt::Result {
    let scale = scale as usize;
    if scale == 0 {
        return f.write_str(digits);
    }
    let padded;
    let digits = if digits.len() <= scale {
        padded = format!("{}{digits}", "0".repeat(scale + 1 - digits.len()));
        padded.as_str()
    } else {
        digits
    };
    let (int, frac) = digits.split_at(digits.len() - scale);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        f.write_str(int)
    } else {
        write!(f, "{int}.{frac}")
    }
}

/// An exact non-negative decimal with a 256-bit mantissa: the `sum` of a
/// column, printed without rounding, so `"sum": 5.2` is exactly
/// 2.3 + 0.3 + 2.6.
///
/// Serialises as a number with all its digits: an integer when it is one
/// (up to 2^128), else an `f64` when that holds the digits exactly, else
/// (more than ~16 significant digits) a raw JSON number through
/// `serde_json`. Only that last case is JSON-specific: other serializers
/// (CSV, TOML) would reject it; use [`ExactDecimal::to_f64`] or `Display`
/// there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExactDecimal {
    mantissa: U256,
    scale: u32,
}

impl ExactDecimal {
    /// `mantissa / 10^scale`, normalised (no trailing fractional zeros) so
    /// that equal values compare equal.
    pub(crate) fn new(mut mantissa: U256, mut scale: u32) -> Self {
        while scale > 0 {
            match mantissa.div_rem_u64(10) {
                Some((q, 0)) => {
                    mantissa = q;
                    scale -= 1;
                }
                _ => break,
            }
        }
        ExactDecimal { mantissa, scale }
    }

    /// Zero, with no fractional digits.
    pub const ZERO: ExactDecimal = ExactDecimal {
        mantissa: U256::ZERO,
        scale: 0,
    };

    pub fn is_zero(&self) -> bool {
        self.mantissa.is_zero()
    }

    /// Nearest `f64` (rounded; use `Display` for the exact digits).
    pub fn to_f64(&self) -> f64 {
        self.mantissa.to_f64() / 10f64.powi(self.scale as i32)
    }
}

impl fmt::Display for ExactDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, &self.mantissa.to_decimal_string(), self.scale)
    }
}

impl Serialize for ExactDecimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.scale == 0 {
            if let Some(int) = self.mantissa.to_u128() {
                return serializer.serialize_u128(int);
            }
        }
        let text = self.to_string();
        if let Ok(f) = text.parse::<f64>() {
            if f.is_finite() && f.to_string() == text {
                return serializer.serialize_f64(f);
            }
        }
        let raw =
            serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Result<Decimal, DecimalError> {
        parse_decimal(s.as_bytes())
    }

    fn dec(mantissa: u128, scale: u32) -> Result<Decimal, DecimalError> {
        Ok(Decimal { mantissa, scale })
    }

    #[test]
    fn parses_plain_grouped_and_exponent_forms() {
        assert_eq!(d("2.3"), dec(23, 1));
        assert_eq!(d(" 1,234,567.50 "), dec(12_345_675, 1));
        assert_eq!(d("+7"), dec(7, 0));
        assert_eq!(d(".5"), dec(5, 1));
        assert_eq!(d("5."), dec(5, 0));
        assert_eq!(d("1.5e3"), dec(1500, 0));
        assert_eq!(d("15E-4"), dec(15, 4));
        assert_eq!(d("0.000"), dec(0, 0));
        assert_eq!(d("-0.0"), dec(0, 0));
        assert_eq!(d("007"), dec(7, 0));
        assert_eq!(d("905329514.74142194"), dec(90_532_951_474_142_194, 8));
    }

    #[test]
    fn rejects_what_is_not_a_non_negative_number() {
        assert_eq!(d(""), Err(DecimalError::Empty));
        assert_eq!(d("  "), Err(DecimalError::Empty));
        assert_eq!(d("-1"), Err(DecimalError::Negative));
        assert_eq!(d("-0.5"), Err(DecimalError::Negative));
        for bad in [
            "abc", "1,5", "12,34", ",123", "1.2.3", "1e", "e5", ".", "-", "NaN", "inf", "1 2",
            "1.000,5", "0x10", "1e+",
        ] {
            assert_eq!(d(bad), Err(DecimalError::Invalid), "{bad}");
        }
        assert_eq!(d("1e99999"), Err(DecimalError::OutOfRange));
        assert_eq!(d(&"9".repeat(40)), Err(DecimalError::OutOfRange));
        assert_eq!(d("1e-39"), Err(DecimalError::OutOfRange));
    }

    #[test]
    fn prints_exactly() {
        assert_eq!(ExactDecimal::new(U256::from_u64(52), 1).to_string(), "5.2");
        assert_eq!(ExactDecimal::new(U256::from_u64(5), 3).to_string(), "0.005");
        assert_eq!(ExactDecimal::new(U256::from_u64(1500), 2).to_string(), "15");
        assert_eq!(ExactDecimal::ZERO.to_string(), "0");
        let json = serde_json::to_string(&ExactDecimal::new(U256::from_u64(123_456_789), 8))
            .expect("serialises");
        assert_eq!(json, "1.23456789");
        let exact = ExactDecimal::new(U256::from_u128(12_345_678_901_234_567_890_123), 4);
        let json = serde_json::to_string(&exact).expect("serialises");
        assert_eq!(json, "1234567890123456789.0123");
        let big = U256::from_u128(u128::MAX)
            .checked_mul_u64(10)
            .expect("fits");
        let json = serde_json::to_string(&ExactDecimal::new(big, 0)).expect("serialises");
        assert_eq!(json, "3402823669209384634633746074317682114550");
        let json =
            serde_json::to_string(&ExactDecimal::new(U256::from_u64(15), 0)).expect("serialises");
        assert_eq!(json, "15");
    }
}
