//! Challengers (`verification.regime = "optimistic"`): agents that
//! re-execute results during the challenge window at a cost and dispute the
//! wrong ones, earning the bounty from the provider's slashed bond (and
//! the jackpot of a forced error). Holds their columns, their belief about
//! how often results are wrong, and the verifier's-dilemma rule by which
//! each chooses how often to check from the reward it expects.
//!
//! Rule (once per epoch, `decide`): a challenger's estimate of the fraud
//! rate is p̂ = (frauds found + prior_fraud · prior_weight) / (checks +
//! prior_weight); its expected reward per check is R = p̂ · B + φ · J
//! (B: the expected bounty, φ: the forced-error rate, J: the jackpot, all
//! in quote); it checks each result with probability q = min(1, R / c),
//! c its `check_cost` (q = 1 when c = 0). As B → 0 with φ = 0, q → 0:
//! checking stops paying and frauds go through.

use super::{draw, AttrKind, Attribute, Attributes, RoleBehaviour, Spawned};
use crate::amount::{to_base_units, QUOTE_DECIMALS};
use crate::distribution::DistSpec;
use crate::rng::SimRng;

/// A challenger population's attributes.
#[derive(Debug, Clone)]
pub struct Params {
    check_cost: Option<DistSpec>,
    prior_fraud: Option<DistSpec>,
    prior_weight: Option<DistSpec>,
}

/// Columns of challengers, indexed by their row.
#[derive(Debug, Clone, Default)]
pub struct Challengers {
    pub agent: Vec<u32>,
    /// Quote base units one re-execution costs.
    pub check_cost: Vec<u64>,
    pub prior_fraud: Vec<f64>,
    pub prior_weight: Vec<f64>,
    /// Results checked and frauds found, over the run.
    pub checks: Vec<u64>,
    pub frauds: Vec<u64>,
    /// Chance of checking each result this epoch (`decide`).
    pub check_rate: Vec<f64>,
}

impl RoleBehaviour for Challengers {
    const NAME: &'static str = "challenger";
    const ATTRIBUTES: &'static [Attribute] = &[
        Attribute {
            name: "check_cost",
            kind: AttrKind::NonNegative,
            doc: "quote one re-execution of a result costs (default 1)",
        },
        Attribute {
            name: "prior_fraud",
            kind: AttrKind::Probability,
            doc: "prior belief of the share of wrong results (default 0.1)",
        },
        Attribute {
            name: "prior_weight",
            kind: AttrKind::NonNegative,
            doc: "weight of the prior, in checks (default 10)",
        },
    ];
    const PAYS_COSTS: bool = true;
    type Params = Params;

    fn params(attributes: &Attributes) -> Params {
        Params {
            check_cost: attributes.dist("check_cost"),
            prior_fraud: attributes.dist("prior_fraud"),
            prior_weight: attributes.dist("prior_weight"),
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.agent.reserve_exact(additional);
        self.check_cost.reserve_exact(additional);
        self.prior_fraud.reserve_exact(additional);
        self.prior_weight.reserve_exact(additional);
        self.checks.reserve_exact(additional);
        self.frauds.reserve_exact(additional);
        self.check_rate.reserve_exact(additional);
    }

    fn spawn(&mut self, agent: u32, params: &Params, rng: &mut SimRng, _decimals: u32) -> Spawned {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        let cost = draw(rng, params.check_cost.as_ref(), 1.0, AttrKind::NonNegative);
        self.check_cost.push(to_base_units(cost, QUOTE_DECIMALS));
        self.prior_fraud.push(draw(
            rng,
            params.prior_fraud.as_ref(),
            0.1,
            AttrKind::Probability,
        ));
        self.prior_weight.push(draw(
            rng,
            params.prior_weight.as_ref(),
            10.0,
            AttrKind::NonNegative,
        ));
        self.checks.push(0);
        self.frauds.push(0);
        self.check_rate.push(0.0);
        Spawned { row, unvested: 0 }
    }
}

impl Challengers {
    /// Sets every challenger's check rate for the epoch from the expected
    /// bounty `bounty` and jackpot per check `jackpot_per_check` (quote
    /// base units): q = min(1, (p̂ · B + φ · J) / c).
    pub fn decide(&mut self, bounty: f64, jackpot_per_check: f64) {
        for row in 0..self.agent.len() {
            let w = self.prior_weight[row];
            let checks = self.checks[row] as f64;
            let p = if checks + w > 0.0 {
                (self.frauds[row] as f64 + self.prior_fraud[row] * w) / (checks + w)
            } else {
                self.prior_fraud[row]
            };
            let expected = p * bounty + jackpot_per_check;
            let cost = self.check_cost[row] as f64;
            self.check_rate[row] = if cost <= 0.0 {
                1.0
            } else {
                (expected / cost).clamp(0.0, 1.0)
            };
        }
    }

    /// Records one check by `row` and whether it found a (real) fraud.
    #[inline]
    pub fn observe(&mut self, row: usize, fraud: bool) {
        self.checks[row] += 1;
        self.frauds[row] += u64::from(fraud);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(cost: u64, prior: f64) -> Challengers {
        Challengers {
            agent: vec![0],
            check_cost: vec![cost],
            prior_fraud: vec![prior],
            prior_weight: vec![10.0],
            checks: vec![0],
            frauds: vec![0],
            check_rate: vec![0.0],
        }
    }

    #[test]
    fn the_check_rate_rises_with_the_bounty_and_stops_at_zero() {
        let mut c = one(1_000_000, 0.1);
        let mut last = -1.0;
        for bounty in [0.0, 1e6, 5e6, 1e7, 2e7] {
            c.decide(bounty, 0.0);
            assert!(c.check_rate[0] >= last);
            last = c.check_rate[0];
        }
        c.decide(0.0, 0.0);
        assert_eq!(c.check_rate[0], 0.0);
        // p̂ = 0.1, B = 5 quote, c = 1 quote: q = 0.5.
        c.decide(5e6, 0.0);
        assert!((c.check_rate[0] - 0.5).abs() < 1e-12);
        // A jackpot keeps checking paid without any bounty.
        c.decide(0.0, 1e6);
        assert_eq!(c.check_rate[0], 1.0);
    }

    #[test]
    fn the_estimate_follows_what_checks_find() {
        let mut c = one(1_000_000, 0.5);
        for _ in 0..90 {
            c.observe(0, false);
        }
        // p̂ = (0 + 5) / (90 + 10) = 0.05.
        c.decide(1e7, 0.0);
        assert!((c.check_rate[0] - 0.5).abs() < 1e-12);
    }
}
