//! The per-run fairness report (`fairness.json`): concentration of final
//! wealth and of cumulative rewards, overall and per role, how well rewards
//! follow contribution, and "who really benefits": each role's share of all
//! rewards and of final wealth against its share of contribution, and, in
//! quote (`add_value`), each stakeholder's (role, treasury, pools) and each
//! population's share of the costs borne, of the rewards' value, of the end
//! tokens and of all positive gains, its net gain, and the Gini of the
//! agents' net gains.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{alignment_u64, summarize_u64, Alignment, Metrics};

/// One agent as the report sees it.
#[derive(Debug, Clone, Copy)]
pub struct AgentFacts<'a> {
    pub role: &'a str,
    /// Still active at the end (wealth is measured over active agents).
    pub active: bool,
    /// A reward pool pays this agent's role (rewards are measured over every
    /// agent of such roles that ever existed, zeros included).
    pub rewarded: bool,
    /// Balance + stake + unvested, base units.
    pub wealth: u64,
    /// Cumulative rewards, base units.
    pub rewards: u64,
    /// Verified units of work.
    pub contribution: u64,
}

/// Metrics of one quantity, overall and per role.
#[derive(Debug, Clone, Serialize)]
pub struct Breakdown<T> {
    pub all: T,
    pub by_role: BTreeMap<String, T>,
}

/// A stakeholder's share of the totals. The first four fields are the
/// roles' (token rewards, active wealth, contribution); the value fields
/// are filled by `add_value` (null without a market where they need a
/// price).
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct Shares {
    pub agents: usize,
    pub reward_share: Option<f64>,
    pub wealth_share: Option<f64>,
    pub contribution_share: Option<f64>,
    /// Its costs (paid + unpaid, quote) over all agents' costs.
    pub share_of_costs: Option<f64>,
    /// Its rewards valued when paid over all rewards' value.
    pub share_of_rewards: Option<f64>,
    /// Its tokens at the end (agents that left included) over initial
    /// supply + minted.
    pub share_of_end_tokens: Option<f64>,
    /// max(net gain, 0) over the sum of every stakeholder's positive gain.
    pub share_of_positive_gains: Option<f64>,
    /// Net gain in whole quote units (value at the end − value at genesis
    /// − unpaid costs).
    pub net_gain_quote: Option<f64>,
}

/// A stakeholder's (or a population's) value figures, quote base units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StakeholderValue {
    pub name: String,
    /// A role or a population (agents), not a system account.
    pub agents: Option<usize>,
    pub costs: u128,
    pub rewards_value: u128,
    pub tokens_end: u128,
    pub net_gain: i128,
}

/// What `add_value` reads: every stakeholder, every population, each
/// agent's net gain.
#[derive(Debug, Clone, Default)]
pub struct ValueFacts {
    /// Roles and system accounts (`value.csv`'s rows with a net gain).
    pub stakeholders: Vec<StakeholderValue>,
    pub populations: Vec<StakeholderValue>,
    pub agent_gains: Vec<i128>,
    /// Initial supply + minted.
    pub total_tokens: u128,
    /// Whether there is a market (prices); without one the quote-valued
    /// shares and gains are null.
    pub priced: bool,
    pub quote_decimals: u32,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct FairnessReport {
    /// Final wealth of active agents.
    pub wealth: Breakdown<Metrics>,
    /// Cumulative rewards of every agent of a rewarded role.
    pub rewards: Breakdown<Metrics>,
    /// Rewards against contribution over the same agents (Spearman rank
    /// correlation and misallocation, the share of rewards that would have
    /// to move for pay to follow contribution). Roles count work in their
    /// own units (tasks, datasets, checks), so the overall misallocation is
    /// the within-role one summed over roles: Σ_roles ½ Σ_i |r_i − R_role ·
    /// c_i / C_role| / R_total, i.e. the reward-weighted mean of the roles'
    /// misallocations; the overall Spearman ranks all rewarded agents.
    pub rewards_vs_contribution: Breakdown<Option<Alignment>>,
    /// Each role's share of all rewards, of final wealth (active agents)
    /// and of all contribution. Contribution adds up each role's own units
    /// of verified work (tasks, accepted datasets, checks).
    /// With `add_value`, also each system account (treasury, market_pool,
    /// rewards_pool, fee_escrow) as its own stakeholder.
    pub who_benefits: BTreeMap<String, Shares>,
    /// The value shares per population (`add_value`); positive gains are
    /// shared against the populations' and the system accounts' together.
    pub who_benefits_by_population: BTreeMap<String, Shares>,
    /// Gini of the agents' net gains, Σ_ij |g_i − g_j| / (2 n Σ g):
    /// defined when the total gain is positive; above 1 when some lose.
    pub gini_net_gain: Option<f64>,
    /// With `[verification]`: what verifying results cost and what got
    /// through (`add_verification`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<VerificationReport>,
    /// With compute work: how many identities and independent operators
    /// did it, over the whole run (`add_decentralization`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decentralization: Option<Decentralization>,
}

/// fairness.json `decentralization`: the whole run's verified compute
/// work by identity, by operator and by hosting cloud ("effective
/// decentralization": one operator's many identities count once).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Decentralization {
    /// Identities and operators that did any work.
    pub identities: usize,
    pub operators: usize,
    pub nakamoto_work_identity: Option<usize>,
    pub nakamoto_work_operator: Option<usize>,
    /// None when no population declares `hosting`.
    pub nakamoto_work_hosting: Option<usize>,
    pub hhi_work_operator: Option<f64>,
}

/// Adds the `decentralization` section.
pub fn add_decentralization(report: &mut FairnessReport, d: &Decentralization) {
    report.decentralization = Some(*d);
}

/// A run's verification tallies (quote in base units).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VerificationFacts {
    pub regime: &'static str,
    pub tasks_completed: u64,
    pub wrong_accepted: u64,
    pub results_accepted: u64,
    pub latency_ticks: u128,
    pub cost_quote: u128,
    pub fees_quote: u128,
    pub challenges: u64,
    pub frauds_caught: u64,
    pub quote_decimals: u32,
}

/// fairness.json `verification`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationReport {
    pub regime: String,
    /// Σ wrong_accepted / Σ tasks_completed (None without tasks).
    pub wrong_accepted_share: Option<f64>,
    /// Σ verification_cost_quote / Σ fees_quote (None without fees).
    pub cost_share_of_fees: Option<f64>,
    /// Σ latency / Σ results accepted, ticks (None without results).
    pub mean_latency_ticks: Option<f64>,
    /// Quote units spent on verification over the run.
    pub verification_cost_quote: f64,
    pub wrong_accepted: u64,
    pub challenges: u64,
    pub frauds_caught: u64,
}

/// Adds the `verification` section from the run's tallies.
pub fn add_verification(report: &mut FairnessReport, f: &VerificationFacts) {
    let ratio = |a: f64, b: f64| (b > 0.0).then(|| a / b);
    report.verification = Some(VerificationReport {
        regime: f.regime.to_string(),
        wrong_accepted_share: ratio(f.wrong_accepted as f64, f.tasks_completed as f64),
        cost_share_of_fees: ratio(f.cost_quote as f64, f.fees_quote as f64),
        mean_latency_ticks: ratio(f.latency_ticks as f64, f.results_accepted as f64),
        verification_cost_quote: f.cost_quote as f64 / 10f64.powi(f.quote_decimals as i32),
        wrong_accepted: f.wrong_accepted,
        challenges: f.challenges,
        frauds_caught: f.frauds_caught,
    });
}

/// Adds the quote-valued who-benefits figures to `report`.
pub fn add_value(report: &mut FairnessReport, facts: &ValueFacts) {
    let scale = 10f64.powi(facts.quote_decimals as i32);
    let priced = |x: Option<f64>| x.filter(|_| facts.priced);
    let fill = |into: &mut BTreeMap<String, Shares>,
                list: &[StakeholderValue],
                extra_positive: i128| {
        let costs: u128 = list.iter().map(|s| s.costs).sum();
        let rewards: u128 = list.iter().map(|s| s.rewards_value).sum();
        let positive: i128 = list.iter().map(|s| s.net_gain.max(0)).sum::<i128>() + extra_positive;
        for s in list {
            let entry = into.entry(s.name.clone()).or_insert_with(|| Shares {
                agents: s.agents.unwrap_or(0),
                ..Shares::default()
            });
            entry.share_of_costs = Some(share(s.costs, costs).unwrap_or(0.0));
            entry.share_of_rewards = priced(Some(share(s.rewards_value, rewards).unwrap_or(0.0)));
            entry.share_of_end_tokens = share(s.tokens_end, facts.total_tokens);
            entry.share_of_positive_gains = priced(Some(if positive > 0 {
                s.net_gain.max(0) as f64 / positive as f64
            } else {
                0.0
            }));
            entry.net_gain_quote = priced(Some(s.net_gain as f64 / scale));
        }
    };
    fill(&mut report.who_benefits, &facts.stakeholders, 0);
    let system_positive: i128 = facts
        .stakeholders
        .iter()
        .filter(|s| s.agents.is_none())
        .map(|s| s.net_gain.max(0))
        .sum();
    fill(
        &mut report.who_benefits_by_population,
        &facts.populations,
        system_positive,
    );
    report.gini_net_gain = if facts.priced {
        gini_signed(&facts.agent_gains)
    } else {
        None
    };
}

/// Σ_ij |x_i − x_j| / (2 n Σ x) for Σ x > 0.
pub fn gini_signed(values: &[i128]) -> Option<f64> {
    let total: i128 = values.iter().sum();
    if values.is_empty() || total <= 0 {
        return None;
    }
    let mut v: Vec<i128> = values.to_vec();
    v.sort_unstable();
    let n = v.len() as f64;
    let weighted: f64 = v
        .iter()
        .enumerate()
        .map(|(i, &x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x as f64)
        .sum();
    Some(weighted / (n * total as f64))
}

fn share(part: u128, total: u128) -> Option<f64> {
    (total > 0).then(|| part as f64 / total as f64)
}

/// Builds the report from every agent that ever existed.
pub fn fairness_report(agents: &[AgentFacts<'_>], decimals: u32) -> FairnessReport {
    let mut roles: Vec<&str> = agents.iter().map(|a| a.role).collect();
    roles.sort_unstable();
    roles.dedup();

    let wealth_of = |role: Option<&str>| -> Vec<u64> {
        agents
            .iter()
            .filter(|a| a.active && role.is_none_or(|r| a.role == r))
            .map(|a| a.wealth)
            .collect()
    };
    let rewarded = |role: Option<&str>| -> Vec<AgentFacts<'_>> {
        agents
            .iter()
            .filter(|a| a.rewarded && role.is_none_or(|r| a.role == r))
            .copied()
            .collect()
    };
    let rewards_of =
        |role: Option<&str>| -> Vec<u64> { rewarded(role).iter().map(|a| a.rewards).collect() };
    let alignment_of = |role: Option<&str>| -> Option<Alignment> {
        let members = rewarded(role);
        let rewards: Vec<u64> = members.iter().map(|a| a.rewards).collect();
        let contributions: Vec<u64> = members.iter().map(|a| a.contribution).collect();
        if rewards.is_empty() {
            return None;
        }
        alignment_u64(&rewards, &contributions).ok()
    };

    let rewarded_roles: Vec<&str> = roles
        .iter()
        .copied()
        .filter(|r| agents.iter().any(|a| a.rewarded && a.role == *r))
        .collect();
    let total = |f: &dyn Fn(&AgentFacts<'_>) -> Option<u64>| -> u128 {
        agents.iter().filter_map(f).map(u128::from).sum()
    };
    let total_rewards = total(&|a| Some(a.rewards));
    let total_wealth = total(&|a| a.active.then_some(a.wealth));
    let total_contribution = total(&|a| Some(a.contribution));

    FairnessReport {
        wealth: Breakdown {
            all: summarize_u64(&wealth_of(None), decimals),
            by_role: roles
                .iter()
                .map(|r| (r.to_string(), summarize_u64(&wealth_of(Some(r)), decimals)))
                .collect(),
        },
        rewards: Breakdown {
            all: summarize_u64(&rewards_of(None), decimals),
            by_role: rewarded_roles
                .iter()
                .map(|r| (r.to_string(), summarize_u64(&rewards_of(Some(r)), decimals)))
                .collect(),
        },
        rewards_vs_contribution: {
            let by_role: BTreeMap<String, Option<Alignment>> = rewarded_roles
                .iter()
                .map(|r| (r.to_string(), alignment_of(Some(r))))
                .collect();
            let mut all = alignment_of(None);
            if let Some(all) = &mut all {
                let mut moved = 0.0;
                let mut defined = total_rewards > 0;
                for role in &rewarded_roles {
                    let role_rewards: u128 = rewarded(Some(role))
                        .iter()
                        .map(|a| u128::from(a.rewards))
                        .sum();
                    match by_role
                        .get(*role)
                        .copied()
                        .flatten()
                        .and_then(|a| a.misallocation)
                    {
                        Some(m) => moved += m * role_rewards as f64,
                        None if role_rewards == 0 => {}
                        None => defined = false,
                    }
                }
                all.misallocation = defined.then(|| moved / total_rewards as f64);
            }
            Breakdown { all, by_role }
        },
        who_benefits: roles
            .iter()
            .map(|&r| {
                let mine = agents.iter().filter(|a| a.role == r);
                let rewards: u128 = mine.clone().map(|a| u128::from(a.rewards)).sum();
                let wealth: u128 = mine
                    .clone()
                    .filter(|a| a.active)
                    .map(|a| u128::from(a.wealth))
                    .sum();
                let contribution: u128 = mine.clone().map(|a| u128::from(a.contribution)).sum();
                (
                    r.to_string(),
                    Shares {
                        agents: mine.count(),
                        reward_share: share(rewards, total_rewards),
                        wealth_share: share(wealth, total_wealth),
                        contribution_share: share(contribution, total_contribution),
                        ..Shares::default()
                    },
                )
            })
            .collect(),
        who_benefits_by_population: BTreeMap::new(),
        gini_net_gain: None,
        verification: None,
        decentralization: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(
        role: &str,
        rewarded: bool,
        wealth: u64,
        rewards: u64,
        contribution: u64,
    ) -> AgentFacts<'_> {
        AgentFacts {
            role,
            active: true,
            rewarded,
            wealth,
            rewards,
            contribution,
        }
    }

    #[test]
    fn shares_and_alignment() {
        let agents = [
            facts("compute_provider", true, 10, 30, 3),
            facts("compute_provider", true, 10, 10, 1),
            facts("investor", false, 80, 0, 0),
        ];
        let r = fairness_report(&agents, 0);
        let inv = r.who_benefits["investor"];
        assert_eq!(inv.wealth_share, Some(0.8));
        assert_eq!(inv.reward_share, Some(0.0));
        assert_eq!(inv.contribution_share, Some(0.0));
        // Rewards exactly proportional to contribution: nothing to move.
        let a = r.rewards_vs_contribution.all.expect("defined");
        assert_eq!(a.misallocation, Some(0.0));
        assert!(r.rewards.by_role.contains_key("compute_provider"));
        assert!(!r.rewards.by_role.contains_key("investor"));
        assert_eq!(r.wealth.all.n, 3);
    }

    #[test]
    fn value_shares_and_the_gini_of_gains() {
        let agents = [facts("investor", false, 80, 0, 0)];
        let mut r = fairness_report(&agents, 0);
        let sv =
            |name: &str, agents, costs, rewards_value, tokens_end, net_gain| StakeholderValue {
                name: name.into(),
                agents,
                costs,
                rewards_value,
                tokens_end,
                net_gain,
            };
        let facts = ValueFacts {
            stakeholders: vec![
                sv("investor", Some(1), 0, 0, 80, 300),
                sv("compute_provider", Some(2), 40, 10, 10, -50),
                sv("treasury", None, 0, 0, 10, 100),
            ],
            populations: vec![sv("early", Some(1), 0, 0, 80, 300)],
            agent_gains: vec![300, -25, -25],
            total_tokens: 100,
            priced: true,
            quote_decimals: 2,
        };
        add_value(&mut r, &facts);
        let inv = r.who_benefits["investor"];
        assert_eq!(inv.share_of_positive_gains, Some(0.75));
        assert_eq!(inv.share_of_costs, Some(0.0));
        assert_eq!(inv.net_gain_quote, Some(3.0));
        assert_eq!(inv.wealth_share, Some(1.0));
        assert_eq!(r.who_benefits["treasury"].share_of_end_tokens, Some(0.1));
        assert_eq!(r.who_benefits["compute_provider"].share_of_costs, Some(1.0));
        assert_eq!(
            r.who_benefits_by_population["early"].share_of_positive_gains,
            Some(0.75)
        );
        // Σ|gi − gj| = 4 · 325 = 1300; 2 · 3 · 250 = 1500.
        let g = r.gini_net_gain.expect("positive total");
        assert!((g - 1300.0 / 1500.0).abs() < 1e-12, "{g}");
        assert_eq!(gini_signed(&[-1, 0]), None);
    }

    #[test]
    fn overall_misallocation_is_within_roles_weighted_by_rewards() {
        // Role a: rewards 30/10 for equal work → ½(|0.75−0.5| + |0.25−0.5|)
        // = 0.25 of its 40; role b: one agent, nothing to move. Overall:
        // 0.25 · 40 / 100 = 0.1, whatever units each role counts work in.
        let agents = [
            facts("a", true, 0, 30, 1),
            facts("a", true, 0, 10, 1),
            facts("b", true, 0, 60, 5000),
        ];
        let r = fairness_report(&agents, 0);
        let role_a = r.rewards_vs_contribution.by_role["a"].expect("defined");
        assert!((role_a.misallocation.expect("defined") - 0.25).abs() < 1e-12);
        let all = r.rewards_vs_contribution.all.expect("defined");
        assert!((all.misallocation.expect("defined") - 0.1).abs() < 1e-12);
    }
}
