//! How a proposal is voted and tallied: each owner (the identities of one
//! operator vote together) turns out with probability
//! turnout_max · v / (v + apathy), v = the quote value of its power minus
//! the voting cost of its ballots (0 when the cost exceeds the value);
//! each voting identity's stance is the proposal's first-order effect on
//! it plus the owner's noise; the ballots are tallied by
//! `mirage_analysis::votes::tally_one` (token, quadratic, one holder, with
//! Bravo's quorum on `for` tokens) or, for conviction voting, the `for`
//! power is staked for the whole voting period and the proposal passes
//! when 1Hive's conviction exceeds its threshold.

use mirage_analysis::conviction::{self, Settings, U256};
use mirage_analysis::decimal::Decimal;
use mirage_analysis::votes::{self, Ballot, Choice, Options, ProposalInput};

use crate::agents::Role;
use crate::reward::PoolKind;

use super::config::{ConvictionParams, Kind, Method};

/// Probability that an owner with power worth `value` quote votes, paying
/// `cost` quote for its ballots.
pub fn turnout_probability(turnout_max: f64, apathy: f64, value: f64, cost: f64) -> f64 {
    let net = (value - cost).max(0.0);
    if net <= 0.0 {
        return 0.0;
    }
    turnout_max * net / (net + apathy)
}

/// Standard normal distribution function Φ.
fn phi(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Probabilities that a voter of first-order effect `effect` votes `for`
/// and `against`: its stance effect + N(0, noise²) against ±band, and,
/// without a direct stake (|effect| < 1), `for` with probability
/// `deference` first (`choice` and `defers`).
pub fn stance_probabilities(effect: f64, noise: f64, band: f64, deference: f64) -> (f64, f64) {
    let (own_for, own_against) = if noise > 0.0 {
        (
            1.0 - phi((band - effect) / noise),
            phi((-band - effect) / noise),
        )
    } else {
        (
            f64::from(u8::from(effect > band)),
            f64::from(u8::from(effect < -band)),
        )
    };
    let d = if defers(effect) { deference } else { 0.0 };
    (d + (1.0 - d) * own_for, (1.0 - d) * own_against)
}

/// Whether a voter of first-order effect `effect` has no direct stake in
/// the outcome (it may defer to the proposer).
pub fn defers(effect: f64) -> bool {
    effect.abs() < 1.0
}

/// A proposer's off-chain estimate of support (pre-vetting): over the
/// snapshot's voters `(weight, turnout probability, effect)`, Σ w·t·P(for)
/// / Σ w·t·(P(for) + P(against)), 1 when no vote is expected to be for or
/// against. No draws: the estimate is the expectation the stance and
/// turnout models give.
pub fn expected_support(
    voters: impl Iterator<Item = (f64, f64, f64)>,
    noise: f64,
    band: f64,
    deference: f64,
) -> f64 {
    let (mut yes, mut decided) = (0.0, 0.0);
    for (w, t, effect) in voters {
        let (f, a) = stance_probabilities(effect, noise, band, deference);
        yes += w * t * f;
        decided += w * t * (f + a);
    }
    if decided > 0.0 {
        yes / decided
    } else {
        1.0
    }
}

/// What a voter knows of a proposal to form its stance.
#[derive(Debug, Clone, Copy)]
pub struct Effect {
    pub kind: Kind,
    /// Signed size of the change (the share added, or the relative change).
    pub change: f64,
    /// The pool of a `pool_share` change.
    pub pool: Option<PoolKind>,
    /// The receiving population of a grant.
    pub recipient: Option<u16>,
}

/// First-order effect of a proposal on an identity of `role` in
/// `population`, in [−1, 1]: +1 when it gains, −1 when it loses.
/// - grant: +1 for the recipients, −0.25 for everyone else (the treasury pays);
/// - pool share: ±1 for the pool's role, 0 for others;
/// - emission: ±1 for rewarded roles, ∓1 for others (dilution);
/// - burn share: ±1 for roles not rewarded (scarcity), ∓1 for rewarded ones
///   (less of the fees reaches the rewards pool);
/// - fee: ±1 for rewarded roles (they earn the fees), 0 for others.
pub fn first_order_effect(e: &Effect, role: Role, population: u16, rewarded: bool) -> f64 {
    let sign = if e.change > 0.0 {
        1.0
    } else if e.change < 0.0 {
        -1.0
    } else {
        0.0
    };
    match e.kind {
        Kind::Grant => {
            if e.recipient == Some(population) {
                1.0
            } else {
                -0.25
            }
        }
        Kind::PoolShare => {
            if e.pool.is_some() && role.pool() == e.pool {
                sign
            } else {
                0.0
            }
        }
        Kind::Emission => {
            if rewarded {
                sign
            } else {
                -sign
            }
        }
        Kind::BurnShare => {
            if rewarded {
                -sign
            } else {
                sign
            }
        }
        Kind::Fee => {
            if rewarded {
                sign
            } else {
                0.0
            }
        }
    }
}

/// A stance's ballot: for above the band, against below −band, else abstain.
pub fn choice(stance: f64, band: f64) -> Choice {
    if stance > band {
        Choice::For
    } else if stance < -band {
        Choice::Against
    } else {
        Choice::Abstain
    }
}

/// One cast ballot of the simulation.
#[derive(Debug, Clone, Copy)]
pub struct Cast {
    pub agent: u32,
    pub choice: Choice,
    /// Tokens (base units) the identity votes with.
    pub power: u64,
}

/// The outcome of a closed proposal.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub tally: votes::Tally,
    pub passed: bool,
    pub decisive_voters: Option<u64>,
    /// The decisive voters, largest `for` tokens first (empty if none).
    pub decisive: Vec<u32>,
}

fn decimal(base_units: u128, decimals: u32) -> Decimal {
    Decimal {
        mantissa: base_units,
        scale: decimals,
    }
}

/// `for` ballots by tokens, largest first (ties: lower id first).
fn for_order(casts: &[Cast]) -> Vec<Cast> {
    let mut f: Vec<Cast> = casts
        .iter()
        .copied()
        .filter(|c| c.choice == Choice::For && c.power > 0)
        .collect();
    f.sort_by(|a, b| b.power.cmp(&a.power).then(a.agent.cmp(&b.agent)));
    f
}

/// Tallies a proposal's ballots by a Bravo-style rule (not conviction).
pub fn tally_bravo(
    method: Method,
    casts: &[Cast],
    supply: u128,
    quorum: u128,
    decimals: u32,
) -> Outcome {
    let vmethod = match method {
        Method::Quadratic => votes::Method::Quadratic,
        Method::OneHolder => votes::Method::OneHolder,
        Method::Token | Method::Conviction => votes::Method::Token,
    };
    let input = ProposalInput {
        id: String::new(),
        ballots: casts
            .iter()
            .map(|c| Ballot {
                voter: c.agent.to_string(),
                choice: c.choice,
                power: decimal(u128::from(c.power), decimals),
            })
            .collect(),
        quorum: None,
        status: None,
    };
    let options = Options {
        method: vmethod,
        supply: Some(decimal(supply, decimals)),
        quorum: Some(decimal(quorum, decimals)),
    };
    let tally = votes::tally_one(&input, &options, decimals);
    let passed = tally.passed;
    let decisive = if passed {
        let k = tally.decisive_voters.unwrap_or(0) as usize;
        for_order(casts).iter().take(k).map(|c| c.agent).collect()
    } else {
        Vec::new()
    };
    Outcome {
        passed,
        decisive_voters: tally.decisive_voters,
        decisive,
        tally,
    }
}

/// The contract's settings for `params`.
pub fn settings(params: &ConvictionParams) -> Settings {
    let d = |x: f64| U256::from((x * conviction::D as f64).round() as u64);
    Settings {
        decay: d(params.decay.0),
        max_ratio: d(params.max_ratio.0),
        weight: d(params.weight.0),
        min_threshold_stake_percentage: U256::from((params.min_stake.0 * 1e18).round() as u128),
    }
}

/// Whether `staked` tokens held on a proposal for `ticks` ticks (from zero
/// conviction) exceed the threshold of `requested` from `funds` (1Hive's
/// `executeProposal` test). A request the contract refuses (r ≥ β·funds)
/// never passes.
pub fn conviction_passes(
    s: &Settings,
    staked: u128,
    ticks: u64,
    requested: u128,
    funds: u128,
    supply: u128,
) -> bool {
    let pool = conviction::Pool {
        // A parameter change asks nothing of the treasury: measure its
        // threshold against the supply instead.
        funds: U256::from(if requested == 0 { supply.max(1) } else { funds }),
        total_staked: U256::from(staked),
        supply: U256::from(supply),
    };
    conviction::evaluate(
        s,
        &pool,
        U256::from(staked),
        U256::zero(),
        ticks,
        U256::from(requested),
    )
    .is_ok_and(|o| o.executable)
}

/// Tallies a conviction vote: `for` ballots stake their power for `ticks`.
#[allow(clippy::too_many_arguments)]
pub fn tally_conviction(
    s: &Settings,
    casts: &[Cast],
    ticks: u64,
    requested: u128,
    funds: u128,
    supply: u128,
    decimals: u32,
) -> Outcome {
    let mut outcome = tally_bravo(Method::Token, casts, supply, 0, decimals);
    let order = for_order(casts);
    let staked: u128 = order.iter().map(|c| u128::from(c.power)).sum();
    let passed = conviction_passes(s, staked, ticks, requested, funds, supply);
    outcome.passed = passed;
    outcome.tally.passed = passed;
    outcome.decisive.clear();
    outcome.decisive_voters = None;
    if passed {
        let mut left = staked;
        for (k, c) in order.iter().enumerate() {
            left -= u128::from(c.power);
            outcome.decisive.push(c.agent);
            if !conviction_passes(s, left, ticks, requested, funds, supply) {
                outcome.decisive_voters = Some(k as u64 + 1);
                break;
            }
        }
    }
    outcome.tally.decisive_voters = outcome.decisive_voters;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stance_probabilities_follow_the_noise_and_deference() {
        // Φ(0) = 1/2: effect 0.1 at band 0.1 is `for` half of the time.
        let (f, a) = stance_probabilities(0.1, 0.5, 0.1, 0.0);
        assert!((f - 0.5).abs() < 1e-12, "{f}");
        // Φ(-0.4) = 0.344578258389676 (standard normal table).
        assert!((a - 0.344_578_258_389_676).abs() < 1e-12, "{a}");
        // Without noise the stance is the effect against the band.
        assert_eq!(stance_probabilities(-1.0, 0.0, 0.1, 0.9), (0.0, 1.0));
        assert_eq!(stance_probabilities(0.0, 0.0, 0.1, 0.0), (0.0, 0.0));
        // A voter without a direct stake defers with probability d.
        assert_eq!(stance_probabilities(0.0, 0.0, 0.1, 0.4), (0.4, 0.0));
        let (f, a) = stance_probabilities(-0.25, 0.0, 0.1, 0.4);
        assert!((f - 0.4).abs() < 1e-15 && (a - 0.6).abs() < 1e-15);
        // A direct stake never defers.
        assert!(!defers(1.0) && !defers(-1.0) && defers(-0.25) && defers(0.0));
    }

    #[test]
    fn expected_support_weighs_power_by_turnout() {
        // A sure `for` of weight 3 and an `against` of weight 4 voting half
        // of the time: 3 / (3 + 2).
        let voters = [(3.0, 1.0, f64::INFINITY), (4.0, 0.5, -1.0)];
        let s = expected_support(voters.into_iter(), 0.0, 0.1, 0.0);
        assert!((s - 0.6).abs() < 1e-15, "{s}");
        // Nobody decided: nothing against it.
        assert_eq!(
            expected_support([(1.0, 1.0, 0.0)].into_iter(), 0.0, 0.1, 0.0),
            1.0
        );
    }
}
