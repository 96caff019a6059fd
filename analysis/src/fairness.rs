//! The per-run fairness report (`fairness.json`): concentration of final
//! wealth and of cumulative rewards, overall and per role, how well rewards
//! follow contribution, and "who really benefits": each role's share of all
//! rewards and of final wealth against its share of contribution.

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

/// A role's share of the totals.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Shares {
    pub agents: usize,
    pub reward_share: Option<f64>,
    pub wealth_share: Option<f64>,
    pub contribution_share: Option<f64>,
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
    pub who_benefits: BTreeMap<String, Shares>,
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
                    },
                )
            })
            .collect(),
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
