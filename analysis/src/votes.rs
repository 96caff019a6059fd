//! Per-proposal tallies of real vote exports (one ballot per row:
//! proposal, voter, choice, voting power) under token, quadratic or
//! one-holder weights, with the concentration of each proposal's ballots.
//! Owns the definitions of the `mirage votes` figures and their exact
//! arithmetic; reading files is the caller's.
//!
//! Definitions (README "Governance calculators" gives the sources):
//! - weights: `token` = the ballot's power; `quadratic` = √power, truncated
//!   at a fixed scale of [`quadratic_scale`] decimals (≥ 30 significant
//!   digits for the smallest non-zero power) by an integer square root of
//!   the scaled exact value, and summed exactly at that scale;
//!   `one_holder` = 1 for a ballot with power > 0, 0 for a zero-power one.
//! - `power_cast` = for + against + abstain; `for_share` = for / cast;
//!   `turnout` = the tokens cast (the file's power, whatever the method) /
//!   the supply.
//! - `passed`: for > against (in the method's weights), and, when there is
//!   a quorum, the `for` tokens ≥ the quorum (Governor Bravo). The quorum is
//!   a token amount in the file's units (Bravo's `quorumVotes`, 400,000 COMP
//!   = 4×10²³ base units), whatever the method.
//! - `gini`: over every ballot's weight, zero weights included, computed
//!   exactly as G = (2 Σ i·x_(i) − (n + 1) Σx) / (n Σx) on big integers and
//!   rounded to `f64` once at the end. (`concentration::gini_sorted` is the
//!   same formula but takes `u64`, which real powers in 10⁻¹⁸ base units
//!   overflow, and the dataset summary accumulates it in `f64`.)
//! - `nakamoto`: the fewest ballots whose weights sum to strictly more than
//!   half the power cast; `top10_share`: the 10 largest weights / cast.
//! - `decisive_voters`: the fewest ballots of the winning side, removed
//!   largest first (by tokens), whose abstention flips the outcome.
//!   Passing: remove `for` ballots until for ≤ against, or the `for` tokens
//!   fall below the quorum. Failing: remove `against` ballots until
//!   against < for; `None` when nothing can flip it (no `for` weight, or
//!   `for` tokens below the quorum).
//!
//! Undefined figures (nothing cast) are `None`, never NaN.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::BigUint;
use serde::{Serialize, Serializer};

use crate::decimal::{write_scaled, Decimal};

/// How a ballot's choice counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice {
    For,
    Against,
    Abstain,
}

impl Choice {
    /// `for`, `against` or `abstain` (ASCII case ignored).
    pub fn parse(text: &str) -> Option<Choice> {
        let t = text.trim();
        [
            ("for", Choice::For),
            ("against", Choice::Against),
            ("abstain", Choice::Abstain),
        ]
        .into_iter()
        .find(|(name, _)| t.eq_ignore_ascii_case(name))
        .map(|(_, c)| c)
    }
}

/// How voting power becomes a ballot's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Weight = power (one token, one vote).
    Token,
    /// Weight = √power (Lalley & Weyl's quadratic voting).
    Quadratic,
    /// Weight = 1 for any power > 0, 0 for none (one holder, one vote).
    OneHolder,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Token => "token",
            Method::Quadratic => "quadratic",
            Method::OneHolder => "one_holder",
        }
    }
}

/// An exact non-negative decimal `mantissa / 10^scale` with an unbounded
/// mantissa. Serialises as a decimal string with every digit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Amount {
    mantissa: BigUint,
    scale: u32,
}

impl Amount {
    pub fn new(mantissa: BigUint, scale: u32) -> Self {
        Amount { mantissa, scale }
    }

    pub fn from_decimal(d: Decimal) -> Self {
        Amount {
            mantissa: BigUint::from(d.mantissa),
            scale: d.scale,
        }
    }

    pub fn mantissa(&self) -> &BigUint {
        &self.mantissa
    }

    pub fn scale(&self) -> u32 {
        self.scale
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa.bits() == 0
    }

    /// The mantissa at a scale ≥ `self.scale` (the same value).
    pub fn mantissa_at(&self, scale: u32) -> BigUint {
        &self.mantissa * pow10(scale.saturating_sub(self.scale))
    }

    /// Exact comparison of the values.
    pub fn cmp_value(&self, other: &Amount) -> Ordering {
        let s = self.scale.max(other.scale);
        self.mantissa_at(s).cmp(&other.mantissa_at(s))
    }

    /// self / other as the nearest `f64`; `None` when `other` is zero.
    pub fn ratio(&self, other: &Amount) -> Option<f64> {
        let s = self.scale.max(other.scale);
        ratio(&self.mantissa_at(s), &other.mantissa_at(s))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scaled(f, &self.mantissa.to_str_radix(10), self.scale)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn pow10(k: u32) -> BigUint {
    BigUint::from(10u32).pow(k)
}

/// num / den as the nearest `f64` (within an ulp or two); `None` if den = 0.
fn ratio(num: &BigUint, den: &BigUint) -> Option<f64> {
    if den.bits() == 0 {
        return None;
    }
    // Keep both within f64's range before converting.
    let shift = num.bits().max(den.bits()).saturating_sub(960);
    let n = big_to_f64(&(num >> shift));
    let d = big_to_f64(&(den >> shift));
    Some(n / d)
}

/// A `BigUint` below 2^960 as the nearest `f64`.
fn big_to_f64(x: &BigUint) -> f64 {
    // Most significant 64 bits, then scale by the remaining power of two.
    let bits = x.bits();
    if bits <= 64 {
        return x.iter_u64_digits().next().unwrap_or(0) as f64;
    }
    let drop = bits - 64;
    let top = (x >> drop).iter_u64_digits().next().unwrap_or(0) as f64;
    top * 2f64.powi(i32::try_from(drop).unwrap_or(i32::MAX))
}

/// Decimal places of quadratic weights for powers given at `input_scale`
/// decimals: 30 + ⌈input_scale / 2⌉, so √ of the smallest non-zero power
/// (10^−input_scale) still has 31 significant digits.
pub fn quadratic_scale(input_scale: u32) -> u32 {
    30 + input_scale.div_ceil(2)
}

/// Decimal places of the weights of `method` for powers at `input_scale`.
pub fn weight_scale(method: Method, input_scale: u32) -> u32 {
    match method {
        Method::Token => input_scale,
        Method::Quadratic => quadratic_scale(input_scale),
        Method::OneHolder => 0,
    }
}

/// The weight of one ballot's `power` (whose scale is ≤ `input_scale`) as
/// a mantissa at [`weight_scale`]`(method, input_scale)`.
pub fn weight(method: Method, power: Decimal, input_scale: u32) -> BigUint {
    let s = input_scale.max(power.scale);
    let m = BigUint::from(power.mantissa) * pow10(s - power.scale);
    match method {
        Method::Token => m,
        Method::OneHolder => BigUint::from(u32::from(power.mantissa > 0)),
        Method::Quadratic => {
            // √(m / 10^s) · 10^W = √(m · 10^(2W − s)), truncated.
            let w = quadratic_scale(s);
            (m * pow10(2 * w - s)).sqrt()
        }
    }
}

/// One ballot of a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub voter: String,
    pub choice: Choice,
    pub power: Decimal,
}

/// One proposal's ballots, with its own quorum and status if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalInput {
    pub id: String,
    pub ballots: Vec<Ballot>,
    /// Overrides [`Options::quorum`] for this proposal.
    pub quorum: Option<Decimal>,
    pub status: Option<String>,
}

/// How to tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub method: Method,
    /// Total supply in the file's units, for turnout.
    pub supply: Option<Decimal>,
    /// Minimum `for` tokens, in the file's units (Bravo's `quorumVotes`).
    pub quorum: Option<Decimal>,
}

/// One proposal's figures. Field order is the CSV column order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    pub proposal: String,
    pub voters: u64,
    pub power_for: Amount,
    pub power_against: Amount,
    pub power_abstain: Amount,
    pub power_cast: Amount,
    pub for_share: Option<f64>,
    pub turnout: Option<f64>,
    pub passed: bool,
    pub gini: Option<f64>,
    pub nakamoto: Option<u64>,
    pub top10_share: Option<f64>,
    pub decisive_voters: Option<u64>,
    /// The proposal's status from a proposals table (JSON only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The per-proposal CSV columns, in order.
pub const COLUMNS: [&str; 13] = [
    "proposal",
    "voters",
    "power_for",
    "power_against",
    "power_abstain",
    "power_cast",
    "for_share",
    "turnout",
    "passed",
    "gini",
    "nakamoto",
    "top10_share",
    "decisive_voters",
];

impl Tally {
    /// The cells of the CSV row, one per [`COLUMNS`]; `None` is empty.
    pub fn cells(&self) -> Vec<String> {
        let f = |v: Option<f64>| v.map_or_else(String::new, |x| x.to_string());
        let u = |v: Option<u64>| v.map_or_else(String::new, |x| x.to_string());
        vec![
            self.proposal.clone(),
            self.voters.to_string(),
            self.power_for.to_string(),
            self.power_against.to_string(),
            self.power_abstain.to_string(),
            self.power_cast.to_string(),
            f(self.for_share),
            f(self.turnout),
            self.passed.to_string(),
            f(self.gini),
            u(self.nakamoto),
            f(self.top10_share),
            u(self.decisive_voters),
        ]
    }
}

/// Figures over all proposals. Means and medians skip undefined values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub method: &'static str,
    pub proposals: u64,
    pub ballots: u64,
    /// Distinct voter ids over all proposals.
    pub voters: u64,
    pub passed: u64,
    pub mean_for_share: Option<f64>,
    pub mean_turnout: Option<f64>,
    pub median_turnout: Option<f64>,
    pub mean_gini: Option<f64>,
    pub mean_top10_share: Option<f64>,
    pub median_nakamoto: Option<f64>,
    /// Share of proposals (with power cast) where at most 3 ballots hold
    /// more than half of it.
    pub nakamoto_at_most_3_share: Option<f64>,
    pub median_decisive_voters: Option<f64>,
    /// Proposals whose `decisive_voters` is null (nothing can flip them).
    pub unflippable: u64,
    /// With statuses: proposals with status `executed` that this tally
    /// does not pass (a consistency check; 0 for the token method).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed_not_passed: Option<u64>,
}

/// Tallies and summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub proposals: Vec<Tally>,
    pub summary: Summary,
}

/// Tallies every proposal and summarises them.
pub fn tally(inputs: &[ProposalInput], options: &Options) -> Report {
    let input_scale = inputs
        .iter()
        .flat_map(|p| p.ballots.iter().map(|b| b.power.scale))
        .max()
        .unwrap_or(0);
    let proposals: Vec<Tally> = inputs
        .iter()
        .map(|p| tally_one(p, options, input_scale))
        .collect();
    let summary = summarize(inputs, &proposals, options.method);
    Report { proposals, summary }
}

/// One proposal's tally, with every power at `input_scale` (≥ the scale
/// of each of its ballots' powers).
pub fn tally_one(p: &ProposalInput, options: &Options, input_scale: u32) -> Tally {
    let method = options.method;
    let wscale = weight_scale(method, input_scale);
    let quorum = p.quorum.or(options.quorum).map(Amount::from_decimal);
    // Tokens at a scale where the quorum is exact too.
    let tscale = input_scale.max(quorum.as_ref().map_or(0, Amount::scale));
    let q = quorum.as_ref().map(|q| q.mantissa_at(tscale));
    let ballots: Vec<Weighed> = p
        .ballots
        .iter()
        .map(|b| Weighed {
            choice: b.choice,
            weight: weight(method, b.power, input_scale),
            tokens: weight(Method::Token, b.power, tscale),
        })
        .collect();

    let sum = |c: Choice| -> BigUint {
        ballots
            .iter()
            .filter(|b| b.choice == c)
            .map(|b| &b.weight)
            .sum()
    };
    let (f, a, ab) = (sum(Choice::For), sum(Choice::Against), sum(Choice::Abstain));
    let tokens_for: BigUint = ballots
        .iter()
        .filter(|b| b.choice == Choice::For)
        .map(|b| &b.tokens)
        .sum();
    let cast = &f + &a + &ab;
    // Governor Bravo: for > against, and the `for` tokens reach the quorum.
    let passes = |f: &BigUint, a: &BigUint, tokens_for: &BigUint| {
        f > a && q.as_ref().is_none_or(|q| tokens_for >= q)
    };
    let passed = passes(&f, &a, &tokens_for);

    let mut sorted: Vec<&BigUint> = ballots.iter().map(|b| &b.weight).collect();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    let gini = gini_descending(&sorted);
    let nakamoto = (cast.bits() > 0).then(|| {
        let mut top = BigUint::default();
        let mut k = 0u64;
        for w in &sorted {
            top += *w;
            k += 1;
            if &top * 2u32 > cast {
                break;
            }
        }
        k
    });
    let top10: BigUint = sorted.iter().take(10).copied().sum();

    // A side's ballots, largest holders first (tokens, then weight).
    let side = |c: Choice| -> Vec<&Weighed> {
        let mut v: Vec<&Weighed> = ballots.iter().filter(|b| b.choice == c).collect();
        v.sort_unstable_by(|x, y| y.tokens.cmp(&x.tokens).then(y.weight.cmp(&x.weight)));
        v
    };
    let decisive = if passed {
        let (mut rest, mut rest_tokens) = (f.clone(), tokens_for.clone());
        first_flip(&side(Choice::For), |b| {
            rest -= &b.weight;
            rest_tokens -= &b.tokens;
            !passes(&rest, &a, &rest_tokens)
        })
    } else if f.bits() == 0 || q.as_ref().is_some_and(|q| &tokens_for < q) {
        None
    } else {
        let mut rest = a.clone();
        first_flip(&side(Choice::Against), |b| {
            rest -= &b.weight;
            passes(&f, &rest, &tokens_for)
        })
    };

    let tokens_cast: BigUint = ballots.iter().map(|b| &b.tokens).sum();
    let turnout = options
        .supply
        .and_then(|s| Amount::new(tokens_cast, tscale).ratio(&Amount::from_decimal(s)));

    let amount = |m: &BigUint| Amount::new(m.clone(), wscale);
    Tally {
        proposal: p.id.clone(),
        voters: p.ballots.len() as u64,
        power_for: amount(&f),
        power_against: amount(&a),
        power_abstain: amount(&ab),
        power_cast: amount(&cast),
        for_share: ratio(&f, &cast),
        turnout,
        passed,
        gini,
        nakamoto,
        top10_share: ratio(&top10, &cast),
        decisive_voters: decisive,
        status: p.status.clone(),
    }
}

/// A ballot's weight under the method and its tokens (for the quorum).
#[derive(Debug)]
struct Weighed {
    choice: Choice,
    weight: BigUint,
    tokens: BigUint,
}

/// Removes `ballots` in order, one at a time; the count at which
/// `remove(ballot)` first reports a flip, or `None` if none does.
fn first_flip(ballots: &[&Weighed], mut remove: impl FnMut(&Weighed) -> bool) -> Option<u64> {
    for (k, b) in ballots.iter().enumerate() {
        if remove(b) {
            return Some(k as u64 + 1);
        }
    }
    None
}

/// Exact Gini of weights sorted descending: with x_(i) ascending,
/// G = (2 Σ i·x_(i) − (n + 1) Σx) / (n Σx). `None` for no weights or Σx = 0.
fn gini_descending(desc: &[&BigUint]) -> Option<f64> {
    let n = desc.len() as u64;
    let mut total = BigUint::default();
    let mut ranked = BigUint::default();
    for (k, x) in desc.iter().enumerate() {
        // Descending position k is ascending rank n − k.
        total += *x;
        ranked += *x * (n - k as u64);
    }
    if n == 0 || total.bits() == 0 {
        return None;
    }
    let lhs = ranked * 2u32;
    let rhs = &total * (n + 1);
    // lhs ≥ rhs for ascending ranks (Chebyshev's sum inequality).
    let num = if lhs >= rhs {
        lhs - rhs
    } else {
        BigUint::default()
    };
    ratio(&num, &(total * n))
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0u64);
    for v in values {
        sum += v;
        n += 1;
    }
    (n > 0).then(|| sum / n as f64)
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

fn summarize(inputs: &[ProposalInput], tallies: &[Tally], method: Method) -> Summary {
    let voters: std::collections::HashSet<&str> = inputs
        .iter()
        .flat_map(|p| p.ballots.iter().map(|b| b.voter.as_str()))
        .collect();
    let nakamotos: Vec<u64> = tallies.iter().filter_map(|t| t.nakamoto).collect();
    let has_status = inputs.iter().any(|p| p.status.is_some());
    Summary {
        method: method.name(),
        proposals: tallies.len() as u64,
        ballots: tallies.iter().map(|t| t.voters).sum(),
        voters: voters.len() as u64,
        passed: tallies.iter().filter(|t| t.passed).count() as u64,
        mean_for_share: mean(tallies.iter().filter_map(|t| t.for_share)),
        mean_turnout: mean(tallies.iter().filter_map(|t| t.turnout)),
        median_turnout: median(tallies.iter().filter_map(|t| t.turnout).collect()),
        mean_gini: mean(tallies.iter().filter_map(|t| t.gini)),
        mean_top10_share: mean(tallies.iter().filter_map(|t| t.top10_share)),
        median_nakamoto: median(nakamotos.iter().map(|&k| k as f64).collect()),
        nakamoto_at_most_3_share: (!nakamotos.is_empty())
            .then(|| nakamotos.iter().filter(|&&k| k <= 3).count() as f64 / nakamotos.len() as f64),
        median_decisive_voters: median(
            tallies
                .iter()
                .filter_map(|t| t.decisive_voters)
                .map(|k| k as f64)
                .collect(),
        ),
        unflippable: tallies
            .iter()
            .filter(|t| t.decisive_voters.is_none())
            .count() as u64,
        executed_not_passed: has_status.then(|| {
            tallies
                .iter()
                .filter(|t| t.status.as_deref() == Some("executed") && !t.passed)
                .count() as u64
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::concentration::gini_sorted;
    use crate::decimal::parse_decimal;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        parse_decimal(s.as_bytes()).expect("decimal")
    }

    fn ballots(rows: &[(&str, Choice, &str)]) -> Vec<Ballot> {
        rows.iter()
            .map(|&(voter, choice, power)| Ballot {
                voter: voter.into(),
                choice,
                power: dec(power),
            })
            .collect()
    }

    fn one(rows: &[(&str, Choice, &str)], method: Method, quorum: Option<&str>) -> Tally {
        let input = ProposalInput {
            id: "7".into(),
            ballots: ballots(rows),
            quorum: None,
            status: None,
        };
        let options = Options {
            method,
            supply: Some(dec("1000")),
            quorum: quorum.map(dec),
        };
        let scale = input
            .ballots
            .iter()
            .map(|b| b.power.scale)
            .max()
            .unwrap_or(0);
        tally_one(&input, &options, scale)
    }

    use Choice::{Abstain, Against, For};

    /// for 9 + 4 + 0, against 16 + 1, abstain 25 (a zero-power ballot too).
    const CASE: &[(&str, Choice, &str)] = &[
        ("a", For, "9"),
        ("b", For, "4"),
        ("c", For, "0"),
        ("d", Against, "16"),
        ("e", Against, "1"),
        ("f", Abstain, "25"),
    ];

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn token_tally_by_hand() {
        let t = one(CASE, Method::Token, None);
        assert_eq!(t.voters, 6);
        assert_eq!(
            [
                &t.power_for,
                &t.power_against,
                &t.power_abstain,
                &t.power_cast
            ]
            .map(ToString::to_string),
            ["13", "17", "25", "55"]
        );
        assert!(close(t.for_share, 13.0 / 55.0));
        assert!(close(t.turnout, 55.0 / 1000.0));
        // 13 ≤ 17: fails.
        assert!(!t.passed);
        // Sorted 0,1,4,9,16,25: Σx = 55, Σ i·x = 0+2+12+36+80+150 = 280;
        // G = (560 − 7·55)/(6·55) = 175/330.
        assert!(close(t.gini, 175.0 / 330.0));
        assert!(close(
            t.gini,
            gini_sorted(&[0, 1, 4, 9, 16, 25]).expect("g")
        ));
        // 25 + 16 = 41 > 27.5.
        assert_eq!(t.nakamoto, Some(2));
        // Six ballots: the top 10 are all of them.
        assert!(close(t.top10_share, 1.0));
        // Failing: remove against 16 → 1 < 13: one voter.
        assert_eq!(t.decisive_voters, Some(1));
    }

    #[test]
    fn quadratic_tally_by_hand() {
        // √: for 3 + 2 + 0 = 5, against 4 + 1 = 5, abstain 5; 5 ≤ 5 fails.
        let t = one(CASE, Method::Quadratic, None);
        let five = Amount::new(BigUint::from(5u32), 0);
        assert_eq!(t.power_for.cmp_value(&five), Ordering::Equal);
        assert_eq!(t.power_against.cmp_value(&five), Ordering::Equal);
        assert_eq!(t.power_cast.to_string(), "15");
        assert_eq!(t.power_for.scale(), 30);
        assert!(!t.passed);
        // Turnout stays in tokens: 55 / 1000.
        assert!(close(t.turnout, 0.055));
        // Weights 0,1,2,3,4,5: Σ = 15, Σ i·x = 2+6+12+20+30 = 70;
        // G = (140 − 7·15)/(6·15) = 35/90.
        assert!(close(t.gini, 35.0 / 90.0));
        // 5 + 4 = 9 > 7.5.
        assert_eq!(t.nakamoto, Some(2));
        // Remove against 4: 1 < 5.
        assert_eq!(t.decisive_voters, Some(1));
        // An irrational root, to 30 decimals: √2 = 1.414213562373095048801688724209…
        let r = one(&[("a", For, "2")], Method::Quadratic, None);
        assert_eq!(r.power_for.to_string(), "1.414213562373095048801688724209");
    }

    #[test]
    fn one_holder_tally_by_hand() {
        // for 1 + 1 + 0 = 2, against 2, abstain 1: 2 ≤ 2 fails.
        let t = one(CASE, Method::OneHolder, None);
        assert_eq!(t.power_for.to_string(), "2");
        assert_eq!(t.power_against.to_string(), "2");
        assert_eq!(t.power_cast.to_string(), "5");
        assert!(!t.passed);
        // Weights 0,1,1,1,1,1: G = (2·20 − 7·5)/(6·5) = 5/30.
        assert!(close(t.gini, 5.0 / 30.0));
        // 3 > 2.5.
        assert_eq!(t.nakamoto, Some(3));
        // Remove one against: 1 < 2.
        assert_eq!(t.decisive_voters, Some(1));
    }

    #[test]
    fn decisive_voters_passing_failing_unflippable_and_quorum() {
        // Passing 10 + 6 + 3 = 19 for, 8 against: remove 10 → 9 > 8,
        // remove 6 → 3 ≤ 8: two voters.
        let pass = [
            ("a", For, "10"),
            ("b", For, "6"),
            ("c", For, "3"),
            ("d", Against, "8"),
        ];
        let t = one(&pass, Method::Token, None);
        assert!(t.passed);
        assert_eq!(t.decisive_voters, Some(2));
        // With quorum 15: removing 10 leaves 9 < 15: one voter.
        let t = one(&pass, Method::Token, Some("15"));
        assert!(t.passed);
        assert_eq!(t.decisive_voters, Some(1));
        // Quorum 20 > 19: fails, and no abstention of `against` can help.
        let t = one(&pass, Method::Token, Some("20"));
        assert!(!t.passed);
        assert_eq!(t.decisive_voters, None);
        // Quorum exactly met (≥): passes.
        assert!(one(&pass, Method::Token, Some("19")).passed);
        // Failing with no `for` power: unflippable.
        let none = [("a", Against, "5"), ("b", For, "0"), ("c", Abstain, "9")];
        let t = one(&none, Method::Token, None);
        assert!(!t.passed);
        assert_eq!(t.decisive_voters, None);
        // Failing 5 for vs 4 + 3 + 2 against: remove 4 → 5 < 5? no;
        // remove 3 → 2 < 5: two voters.
        let fail = [
            ("a", For, "5"),
            ("b", Against, "4"),
            ("c", Against, "3"),
            ("d", Against, "2"),
        ];
        assert_eq!(one(&fail, Method::Token, None).decisive_voters, Some(2));
        // A tie fails (for must exceed against); one against voter flips it.
        let tie = [("a", For, "5"), ("b", Against, "5")];
        let t = one(&tie, Method::Token, None);
        assert!(!t.passed);
        assert_eq!(t.decisive_voters, Some(1));
    }

    #[test]
    fn quorum_is_in_tokens_whatever_the_method() {
        // for 16 + 9 tokens (√: 4 + 3), against 36 (√: 6).
        let rows = [("a", For, "16"), ("b", For, "9"), ("c", Against, "36")];
        // Tokens: 25 ≤ 36 fails; removing the 36 flips it.
        let t = one(&rows, Method::Token, Some("20"));
        assert!(!t.passed);
        assert_eq!(t.decisive_voters, Some(1));
        // Quadratic: 7 > 6, and the 25 `for` tokens reach a quorum of 20
        // (compared with √ weights, 7 < 20 would fail). Removing the
        // largest holder (16 tokens, weight 4) leaves 3 ≤ 6.
        let q = one(&rows, Method::Quadratic, Some("20"));
        assert!(q.passed);
        assert_eq!(q.decisive_voters, Some(1));
        // Quorum 25 exactly met; removing the largest holder flips it.
        let q = one(&rows, Method::Quadratic, Some("25"));
        assert!(q.passed);
        assert_eq!(q.decisive_voters, Some(1));
        // A quorum of 26 tokens is out of reach: fails, unflippable.
        let q = one(&rows, Method::Quadratic, Some("26"));
        assert!(!q.passed);
        assert_eq!(q.decisive_voters, None);
        // One holder: 2 > 1 passes; removing one `for` ballot ties 1 ≤ 1.
        let h = one(&rows, Method::OneHolder, Some("0.5"));
        assert!(h.passed);
        assert_eq!(h.decisive_voters, Some(1));
    }

    #[test]
    fn nothing_cast_is_undefined_not_nan() {
        let t = one(&[("a", For, "0"), ("b", Against, "0")], Method::Token, None);
        assert_eq!(t.voters, 2);
        assert_eq!(
            (t.for_share, t.gini, t.nakamoto, t.top10_share),
            (None, None, None, None)
        );
        assert_eq!(t.turnout, Some(0.0));
        assert!(!t.passed);
        assert_eq!(t.decisive_voters, None);
    }

    #[test]
    fn decimal_powers_are_exact() {
        // 0.1 + 0.2 for vs 0.3 against: exactly equal, so it fails.
        let t = one(
            &[("a", For, "0.1"), ("b", For, "0.2"), ("c", Against, "0.3")],
            Method::Token,
            None,
        );
        assert_eq!(t.power_for.to_string(), "0.3");
        assert!(!t.passed);
        // √0.25 = 0.5 exactly, at scale 31 (input scale 2).
        let q = one(&[("a", For, "0.25")], Method::Quadratic, None);
        assert_eq!(q.power_for.to_string(), "0.5");
        assert_eq!(q.power_for.scale(), 31);
    }

    #[test]
    fn top10_counts_only_the_ten_largest() {
        // Twelve ballots 1..=12: top 10 = 3..=12 = 75 of 78.
        let powers: Vec<String> = (1..=12).map(|i| i.to_string()).collect();
        let r: Vec<(&str, Choice, &str)> = powers
            .iter()
            .map(|p| (p.as_str(), For, p.as_str()))
            .collect();
        let t = one(&r, Method::Token, None);
        assert!(close(t.top10_share, 75.0 / 78.0));
        // 12 + 11 + 10 + 9 = 42 > 39.
        assert_eq!(t.nakamoto, Some(4));
    }

    #[test]
    fn summary_over_proposals() {
        let mk = |id: &str, rows: &[(&str, Choice, &str)], status: &str| ProposalInput {
            id: id.into(),
            ballots: ballots(rows),
            quorum: None,
            status: Some(status.into()),
        };
        let inputs = [
            mk("1", &[("a", For, "3"), ("b", Against, "1")], "executed"),
            mk("2", &[("a", For, "1"), ("c", Against, "3")], "executed"),
            mk("3", &[("a", For, "0")], "none"),
        ];
        let options = Options {
            method: Method::Token,
            supply: Some(dec("100")),
            quorum: None,
        };
        let r = tally(&inputs, &options);
        let s = &r.summary;
        assert_eq!((s.proposals, s.ballots, s.voters, s.passed), (3, 5, 3, 1));
        assert_eq!(s.executed_not_passed, Some(1));
        // Turnouts 0.04, 0.04, 0: median 0.04.
        assert!(close(s.median_turnout, 0.04));
        assert!(close(s.mean_for_share, 0.5));
        // Nakamoto 1, 1 (3 > 2), undefined: median 1, all ≤ 3.
        assert_eq!(s.median_nakamoto, Some(1.0));
        assert_eq!(s.nakamoto_at_most_3_share, Some(1.0));
        // Decisive 1 (remove 3: 0 ≤ 1), 1 (remove 3: 0 < 1), none.
        assert_eq!(s.median_decisive_voters, Some(1.0));
        assert_eq!(s.unflippable, 1);
        let json = serde_json::to_value(&r).expect("json");
        assert_eq!(json["proposals"][0]["power_for"], "3");
        assert_eq!(json["proposals"][0]["passed"], true);
        assert_eq!(json["proposals"][2]["gini"], serde_json::Value::Null);
    }

    /// A power of at least one token, as a decimal with up to 6 places.
    fn token_power() -> impl Strategy<Value = Decimal> {
        // m / 10^scale ≥ 1 needs m ≥ 10^scale: 10^6 ≤ m holds.
        (1_000_000u128.., 0u32..=6).prop_map(|(mantissa, scale)| Decimal { mantissa, scale })
    }

    proptest! {
        #[test]
        fn quadratic_weight_never_exceeds_token_weight(p in token_power()) {
            let s = p.scale;
            let q = Amount::new(weight(Method::Quadratic, p, s), quadratic_scale(s));
            let t = Amount::new(weight(Method::Token, p, s), s);
            prop_assert_ne!(q.cmp_value(&t), Ordering::Greater);
        }

        #[test]
        fn splitting_raises_quadratic_total_never_token_total(
            parts in proptest::collection::vec(1u128..=1u128 << 80, 2..8),
        ) {
            let whole: u128 = parts.iter().sum();
            let d = |m: u128| Decimal { mantissa: m, scale: 0 };
            let sum = |method: Method| -> BigUint {
                parts.iter().map(|&m| weight(method, d(m), 0)).sum()
            };
            prop_assert_eq!(sum(Method::Token), weight(Method::Token, d(whole), 0));
            prop_assert!(sum(Method::Quadratic) > weight(Method::Quadratic, d(whole), 0));
            prop_assert!(sum(Method::OneHolder) > weight(Method::OneHolder, d(whole), 0));
        }
    }
}
