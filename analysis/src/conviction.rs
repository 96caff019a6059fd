//! Conviction voting as 1Hive's `ConvictionVoting.sol` computes it
//! (`1Hive/conviction-voting-app`, `contracts/ConvictionVoting.sol`):
//! `calculateConviction`, `calculateThreshold` (with `_totalStaked`), and
//! the 2^128 fixed-point helpers `_pow` and `_mul` they use, mirrored
//! operation by operation on unsigned 256-bit integers. Owns the contract's
//! arithmetic and its reverts; parsing of the calculator's inputs into the
//! contract's integers ([`parse_uint`], [`parse_fixed`]) too. No I/O.
//!
//! The contract is Solidity 0.4.24 with aragonOS `SafeMath`: every
//! `.add/.sub/.mul/.div` reverts on overflow, underflow or division by zero
//! ([`U256::checked_add`] and friends here), while the bare operators do not
//! check: `<<` drops the bits shifted out (the `uint` crate's `Shl` does the
//! same), `>>` truncates, and the one bare `D - decay` in
//! `calculateConviction` wraps modulo 2^256.
//!
//! Fixed point: decay a, max ratio β and weight ρ are integers scaled by
//! [`D`] = 10^7; the minimum threshold stake share is scaled by 10^18
//! (`ONE_HUNDRED_PERCENT`).

mod wide {
    //! The `uint` crate's 256-bit type (its macro's expansion trips a lint).
    #![allow(clippy::manual_div_ceil)]

    uint::construct_uint! {
        /// Unsigned 256-bit integer: Solidity's `uint256`.
        pub struct U256(4);
    }
}

pub use wide::U256;

/// The contract's fixed-point scale of decay, max ratio and weight: 10^7.
pub const D: u64 = 10_000_000;
/// Decimal places of decay, max ratio and weight (D = 10^7).
pub const D_DECIMALS: u32 = 7;
/// Decimal places of `minThresholdStakePercentage` (`ONE_HUNDRED_PERCENT` = 10^18).
pub const PERCENT_DECIMALS: u32 = 18;

fn d() -> U256 {
    U256::from(D)
}

fn two_128() -> U256 {
    U256::one() << 128
}

fn two_127() -> U256 {
    U256::one() << 127
}

fn one_hundred_percent() -> U256 {
    U256::from(10u64).pow(U256::from(PERCENT_DECIMALS))
}

/// Why the contract reverts: the operation, in the contract's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Revert {
    /// A `require` with the contract's own error string (e.g.
    /// `CV_AMOUNT_OVER_MAX_RATIO`, or `_pow`'s "_a should be less than 2^128").
    #[error("{function}: require failed: {reason}")]
    Require {
        function: &'static str,
        reason: &'static str,
    },
    /// A SafeMath `add` or `mul` whose result does not fit 256 bits.
    #[error("{function}: SafeMath overflow in `{operation}`")]
    Overflow {
        function: &'static str,
        operation: &'static str,
    },
    /// A SafeMath `sub` below zero.
    #[error("{function}: SafeMath underflow in `{operation}`")]
    Underflow {
        function: &'static str,
        operation: &'static str,
    },
    /// A SafeMath `div` by zero.
    #[error("{function}: SafeMath division by zero in `{operation}`")]
    DivisionByZero {
        function: &'static str,
        operation: &'static str,
    },
}

/// SafeMath on [`U256`] for one contract function: each operation names
/// itself so that a revert says where it happened.
#[derive(Debug, Clone, Copy)]
struct Safe(&'static str);

impl Safe {
    fn add(self, a: U256, b: U256, operation: &'static str) -> Result<U256, Revert> {
        a.checked_add(b).ok_or(Revert::Overflow {
            function: self.0,
            operation,
        })
    }

    fn sub(self, a: U256, b: U256, operation: &'static str) -> Result<U256, Revert> {
        a.checked_sub(b).ok_or(Revert::Underflow {
            function: self.0,
            operation,
        })
    }

    fn mul(self, a: U256, b: U256, operation: &'static str) -> Result<U256, Revert> {
        a.checked_mul(b).ok_or(Revert::Overflow {
            function: self.0,
            operation,
        })
    }

    fn div(self, a: U256, b: U256, operation: &'static str) -> Result<U256, Revert> {
        a.checked_div(b).ok_or(Revert::DivisionByZero {
            function: self.0,
            operation,
        })
    }

    fn require(self, condition: bool, reason: &'static str) -> Result<(), Revert> {
        if condition {
            Ok(())
        } else {
            Err(Revert::Require {
                function: self.0,
                reason,
            })
        }
    }
}

/// The contract's settings (`decay`, `maxRatio`, `weight`,
/// `minThresholdStakePercentage`), as the integers it stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// a·D.
    pub decay: U256,
    /// β·D.
    pub max_ratio: U256,
    /// ρ·D.
    pub weight: U256,
    /// The minimum total stake as a share of the stake token's supply, ×10^18.
    pub min_threshold_stake_percentage: U256,
}

/// The state `calculateThreshold` reads besides its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool {
    /// `fundsManager.balance(requestToken)`.
    pub funds: U256,
    /// `totalStaked`.
    pub total_staked: U256,
    /// `stakeToken.totalSupply()`.
    pub supply: U256,
}

/// `_mul(a, b)`: a·b / 2^128 rounded half up, for a ≤ 2^128 and b < 2^128.
fn mul_128(a: U256, b: U256) -> Result<U256, Revert> {
    let safe = Safe("_mul");
    safe.require(a <= two_128(), "_a should be less than or equal to 2^128")?;
    safe.require(b < two_128(), "_b should be less than 2^128")?;
    Ok(safe.add(safe.mul(a, b, "_a.mul(_b)")?, two_127(), ".add(TWO_127)")? >> 128)
}

/// `_pow(a, b)`: (a / 2^128)^b · 2^128 by square-and-multiply, each product
/// through [`mul_128`]; requires a < 2^128.
fn pow_128(a: U256, b: U256) -> Result<U256, Revert> {
    let safe = Safe("_pow");
    safe.require(a < two_128(), "_a should be less than 2^128")?;
    let mut a = a;
    let mut b = b;
    let mut result = two_128();
    while !b.is_zero() {
        if (b & U256::one()).is_zero() {
            a = mul_128(a, a)?;
            b >>= 1;
        } else {
            result = mul_128(result, a)?;
            b = safe.sub(b, U256::one(), "b -= 1")?;
        }
    }
    Ok(result)
}

/// `calculateConviction(_timePassed, _lastConv, _oldAmount)`:
/// y = (2^128·a^t·y0 + x·D·(2^128 − 2^128·a^t) / (D − aD) + 2^127) / 2^128,
/// i.e. a^t·y0 + x(1 − a^t)/(1 − a) rounded as the contract does.
pub fn calculate_conviction(
    decay: U256,
    time_passed: u64,
    last_conv: U256,
    old_amount: U256,
) -> Result<U256, Revert> {
    let safe = Safe("calculateConviction");
    let t = U256::from(time_passed);
    // atTWO_128 = _pow((decay << 128).div(D), t)
    let at_two_128 = pow_128(safe.div(decay << 128, d(), "(decay << 128).div(D)")?, t)?;
    let kept = safe.mul(at_two_128, last_conv, "atTWO_128.mul(_lastConv)")?;
    let staked = safe.mul(old_amount, d(), "_oldAmount.mul(D)")?;
    let rest = safe.sub(two_128(), at_two_128, "TWO_128.sub(atTWO_128)")?;
    let staked = safe.mul(staked, rest, ".mul(TWO_128.sub(atTWO_128))")?;
    // `D - decay` is a bare operator: it wraps in Solidity 0.4.
    let (one_minus_a, _) = d().overflowing_sub(decay);
    let staked = safe.div(staked, one_minus_a, ".div(D - decay)")?;
    let sum = safe.add(kept, staked, "atTWO_128.mul(_lastConv).add(…)")?;
    Ok(safe.add(sum, two_127(), ".add(TWO_127)")? >> 128)
}

/// `_totalStaked()`: the larger of `totalStaked` and
/// `totalSupply · minThresholdStakePercentage / 10^18`.
fn total_staked(settings: &Settings, pool: &Pool) -> Result<U256, Revert> {
    let safe = Safe("_totalStaked");
    let min = safe.mul(
        pool.supply,
        settings.min_threshold_stake_percentage,
        "totalSupply().mul(minThresholdStakePercentage)",
    )?;
    let min = safe.div(min, one_hundred_percent(), ".div(ONE_HUNDRED_PERCENT)")?;
    Ok(if pool.total_staked < min {
        min
    } else {
        pool.total_staked
    })
}

/// `calculateThreshold(_requestedAmount)`:
/// ρ·S / ((1 − a)(β − r/f)²) in the contract's 2^64 fixed point, S from
/// `_totalStaked()`. Reverts (`CV_AMOUNT_OVER_MAX_RATIO`) unless
/// β·f > r, which includes f = 0.
pub fn calculate_threshold(
    settings: &Settings,
    pool: &Pool,
    requested: U256,
) -> Result<U256, Revert> {
    let safe = Safe("calculateThreshold");
    let funds = pool.funds;
    let budget = safe.mul(settings.max_ratio, funds, "maxRatio.mul(funds)")?;
    let asked = safe.mul(requested, d(), "_requestedAmount.mul(D)")?;
    safe.require(budget > asked, "CV_AMOUNT_OVER_MAX_RATIO")?;
    // denom = (maxRatio << 64).div(D).sub((_requestedAmount << 64).div(funds))
    let beta = safe.div(settings.max_ratio << 64, d(), "(maxRatio << 64).div(D)")?;
    let share = safe.div(
        requested << 64,
        funds,
        "(_requestedAmount << 64).div(funds)",
    )?;
    let denom = safe.sub(beta, share, ".sub((_requestedAmount << 64).div(funds))")?;
    // ((weight << 128).div(D).div(denom.mul(denom) >> 64)).mul(D)
    //     .div(D.sub(decay)).mul(_totalStaked()) >> 64
    let rho = safe.div(settings.weight << 128, d(), "(weight << 128).div(D)")?;
    let square = safe.mul(denom, denom, "denom.mul(denom)")? >> 64;
    let x = safe.div(rho, square, ".div(denom.mul(denom) >> 64)")?;
    let x = safe.mul(x, d(), ".mul(D)")?;
    let one_minus_a = safe.sub(d(), settings.decay, "D.sub(decay)")?;
    let x = safe.div(x, one_minus_a, ".div(D.sub(decay))")?;
    let x = safe.mul(x, total_staked(settings, pool)?, ".mul(_totalStaked())")?;
    Ok(x >> 64)
}

/// What the calculator prints: the conviction after the blocks, the
/// threshold of the request, and whether the first exceeds the second
/// (`executeProposal`'s `convictionLast > calculateThreshold(requestedAmount)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub conviction: U256,
    pub threshold: U256,
    pub executable: bool,
}

/// Conviction of `staked` tokens after `blocks` blocks from `prior`, the
/// threshold of `requested`, and their comparison; the first revert if any.
pub fn evaluate(
    settings: &Settings,
    pool: &Pool,
    staked: U256,
    prior: U256,
    blocks: u64,
    requested: U256,
) -> Result<Outcome, Revert> {
    let conviction = calculate_conviction(settings.decay, blocks, prior, staked)?;
    let threshold = calculate_threshold(settings, pool, requested)?;
    Ok(Outcome {
        conviction,
        threshold,
        executable: conviction > threshold,
    })
}

/// Why a calculator input is not a `uint256` of the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("empty value")]
    Empty,
    #[error("not a non-negative decimal number (digits, optionally one `.`)")]
    Invalid,
    #[error("more than {0} decimal places: not exact in the contract's fixed point")]
    TooPrecise(u32),
    #[error("does not fit an unsigned 256-bit integer (at most 2^256 − 1 after scaling)")]
    TooLarge,
}

/// A whole number of base units, `0 ..= 2^256 − 1` (digits only; `_`
/// allowed between digits as a separator).
pub fn parse_uint(text: &str) -> Result<U256, InputError> {
    parse_fixed(text, 0).map_err(|e| match e {
        InputError::TooPrecise(_) => InputError::Invalid,
        other => other,
    })
}

/// A non-negative decimal with at most `decimals` places, as the integer
/// value·10^decimals (e.g. `0.9` at 7 places is 9,000,000). Trailing zeros
/// past `decimals` are fine (`0.90000000`), other digits there are not.
pub fn parse_fixed(text: &str, decimals: u32) -> Result<U256, InputError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(InputError::Empty);
    }
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (text, ""),
    };
    let digit_ok = |s: &str| {
        !s.starts_with('_')
            && !s.ends_with('_')
            && !s.contains("__")
            && s.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    };
    if (int.is_empty() && frac.is_empty()) || !digit_ok(int) || !digit_ok(frac) {
        return Err(InputError::Invalid);
    }
    if frac.contains('_') {
        return Err(InputError::Invalid);
    }
    let significant = frac.trim_end_matches('0');
    if significant.len() > decimals as usize {
        return Err(InputError::TooPrecise(decimals));
    }
    let ten = U256::from(10u64);
    let mut value = U256::zero();
    let padded = significant
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(decimals as usize);
    for b in int.bytes().filter(|&b| b != b'_').chain(padded) {
        value = value
            .checked_mul(ten)
            .and_then(|v| v.checked_add(U256::from(b - b'0')))
            .ok_or(InputError::TooLarge)?;
    }
    Ok(value)
}

/// `value / 10^decimals` as a decimal string, for echoing fixed-point settings.
pub fn format_fixed(value: U256, decimals: u32) -> String {
    let digits = value.to_string();
    let decimals = decimals as usize;
    if decimals == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (int, frac) = padded.split_at(padded.len() - decimals);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> U256 {
        U256::from(v)
    }

    /// The contract test's settings: a = 0.9, β = 0.2, ρ = 0.002, minimum
    /// threshold stake 20% of the supply.
    fn settings() -> Settings {
        Settings {
            decay: u(9_000_000),
            max_ratio: u(2_000_000),
            weight: u(20_000),
            min_threshold_stake_percentage: u(200_000_000_000_000_000),
        }
    }

    #[test]
    fn contract_test_alpha_0_9_conviction() {
        // test/conviction-voting.js, "Pure functions / Alpha = 0.9":
        // calculateConviction(10, 0, 15000) == round(15000(1 − 0.9^10)/0.1)
        // = round(97698.23…) = 97698 (raw integers, no decimals scaling).
        let y = calculate_conviction(u(9_000_000), 10, u(0), u(15_000)).expect("no revert");
        assert_eq!(y, u(97_698));
        let exact = 15_000.0 * (1.0 - 0.9f64.powi(10)) / 0.1;
        assert_eq!(y.low_u64(), exact.round() as u64);
    }

    #[test]
    fn contract_test_alpha_0_9_threshold() {
        // calculateThreshold(1000) with 15,000 funds, 45,000 staked of a
        // 45,000 supply: round(45000·0.002/0.1/(0.2 − 1/15)²) = 50625.
        let pool = Pool {
            funds: u(15_000),
            total_staked: u(45_000),
            supply: u(45_000),
        };
        let th = calculate_threshold(&settings(), &pool, u(1_000)).expect("no revert");
        assert_eq!(th, u(50_625));
        let staked = 45_000.0 * 0.002 / 0.1 / (0.2f64 - 1_000.0 / 15_000.0).powi(2);
        assert_eq!(th.low_u64(), staked.round() as u64);
    }

    #[test]
    fn contract_test_half_life_three_days() {
        // "Halflife = 3 days": a = 0.9999599; conviction(17280, 0, 15000)
        // equals the float formula rounded; threshold of 1e18 from 745e18
        // funds with 1164e18 staked matches the formula to 10 digits.
        let decay = u(9_999_599);
        let y = calculate_conviction(decay, 17_280, u(0), u(15_000)).expect("no revert");
        let a = 0.9999599f64;
        let exact = 15_000.0 * (1.0 - a.powi(17_280)) / (1.0 - a);
        assert_eq!(y.low_u64(), exact.round() as u64);
        let e18 = U256::from(10u64).pow(u(18));
        let s = Settings {
            decay,
            ..settings()
        };
        let pool = Pool {
            funds: e18 * u(745),
            total_staked: e18 * u(1164),
            supply: e18 * u(1164),
        };
        let th = calculate_threshold(&s, &pool, e18).expect("no revert");
        let want = 1164e18 * 0.002 / (1.0 - a) / (0.2 - 1.0 / 745.0f64).powi(2);
        let got: f64 = th.to_string().parse().expect("digits");
        assert!(((got - want) / want).abs() < 5e-10, "{got} vs {want}");
    }

    #[test]
    fn minimum_stake_share_raises_the_staked_total() {
        // 10,000 staked of a 100,000 supply with a 20% floor: S = 20,000.
        let low = Pool {
            funds: u(15_000),
            total_staked: u(10_000),
            supply: u(100_000),
        };
        let floor = Pool {
            total_staked: u(20_000),
            ..low
        };
        let a = calculate_threshold(&settings(), &low, u(1_000)).expect("ok");
        let b = calculate_threshold(&settings(), &floor, u(1_000)).expect("ok");
        assert_eq!(a, b);
    }

    #[test]
    fn reverts_as_the_contract_does() {
        let pool = Pool {
            funds: u(15_000),
            total_staked: u(45_000),
            supply: u(45_000),
        };
        // β·f = 3,000: a request of 3,000 reverts, 2,999 does not.
        let over = calculate_threshold(&settings(), &pool, u(3_000));
        assert!(matches!(
            over,
            Err(Revert::Require {
                reason: "CV_AMOUNT_OVER_MAX_RATIO",
                ..
            })
        ));
        assert!(calculate_threshold(&settings(), &pool, u(2_999)).is_ok());
        let empty = Pool {
            funds: u(0),
            ..pool
        };
        assert!(calculate_threshold(&settings(), &empty, u(0)).is_err());
        // Decay of exactly 1 and above: _pow refuses a ≥ 2^128.
        for decay in [D, D + 1] {
            let r = calculate_conviction(u(decay), 1, u(0), u(1));
            assert!(
                matches!(
                    r,
                    Err(Revert::Require {
                        function: "_pow",
                        ..
                    })
                ),
                "{r:?}"
            );
        }
        // Overflow: a huge stake times D.
        let r = calculate_conviction(u(9_000_000), 1, u(0), U256::MAX);
        assert!(matches!(r, Err(Revert::Overflow { .. })), "{r:?}");
        // Zero blocks: the prior conviction is kept (rounded).
        let r = calculate_conviction(u(9_000_000), 0, u(12_345), u(99)).expect("ok");
        assert_eq!(r, u(12_345));
    }

    #[test]
    fn decay_whose_shift_wraps_passes_pow_but_not_the_threshold() {
        // decay = 2^128 + D/2: (decay << 128) wraps to (D/2) << 128, so
        // _pow sees a = 1/2 and the bare `D - decay` wraps; the conviction
        // is computed, the threshold's SafeMath `D.sub(decay)` reverts.
        let decay = (U256::one() << 128) + u(D / 2);
        assert!(calculate_conviction(decay, 3, u(0), u(1_000)).is_ok());
        let s = Settings {
            decay,
            ..settings()
        };
        let pool = Pool {
            funds: u(15_000),
            total_staked: u(45_000),
            supply: u(45_000),
        };
        assert!(matches!(
            calculate_threshold(&s, &pool, u(1)),
            Err(Revert::Underflow { .. })
        ));
    }

    #[test]
    fn pow_matches_repeated_mul() {
        let a = (u(9_000_000) << 128) / d();
        let mut r = two_128();
        for _ in 0..5 {
            r = mul_128(r, a).expect("in range");
        }
        // Square-and-multiply rounds at different steps; 5 = 101b.
        let p = pow_128(a, u(5)).expect("in range");
        let diff = if p > r { p - r } else { r - p };
        assert!(diff < u(8), "{p} vs {r}");
        assert_eq!(pow_128(a, u(0)).expect("ok"), two_128());
        assert_eq!(pow_128(a, u(1)).expect("ok"), a);
    }

    #[test]
    fn parses_fixed_point_inputs_exactly() {
        assert_eq!(parse_fixed("0.9", 7), Ok(u(9_000_000)));
        assert_eq!(parse_fixed("0.0000001", 7), Ok(u(1)));
        assert_eq!(parse_fixed("0.90000000", 7), Ok(u(9_000_000)));
        assert_eq!(parse_fixed(".5", 7), Ok(u(5_000_000)));
        assert_eq!(parse_fixed("1", 7), Ok(u(10_000_000)));
        assert_eq!(parse_fixed("0.00000001", 7), Err(InputError::TooPrecise(7)));
        assert_eq!(parse_fixed("0.2", 18), Ok(u(200_000_000_000_000_000)));
        for bad in ["", "-1", "1e3", "abc", ".", "1.2.3", "0x10", "+1", "1,5"] {
            assert!(parse_fixed(bad, 7).is_err(), "{bad}");
        }
        assert_eq!(parse_uint("15_000"), Ok(u(15_000)));
        assert_eq!(parse_uint("1.5"), Err(InputError::Invalid));
        assert_eq!(parse_uint(&U256::MAX.to_string()), Ok(U256::MAX));
        let over = "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        assert_eq!(parse_uint(over), Err(InputError::TooLarge));
        assert_eq!(format_fixed(u(9_000_000), 7), "0.9");
        assert_eq!(format_fixed(u(20_000_000), 7), "2");
        assert_eq!(format_fixed(u(1), 7), "0.0000001");
    }
}
