//! The `governance` section of a run's fairness report: how often each
//! proposer role's proposals pass, mean turnout, the median number of
//! decisive voters, the rubber-stamp rate (share of passed proposals whose
//! decisive voters are all team/investors or their delegates), and the
//! value executed proposals moved to each stakeholder (role): grants at
//! the price at execution, and for parameter changes the change of the
//! role's rewards per epoch over the `window` epochs from the execution on
//! against the `window` epochs before it (valued at the price at execution).

use std::collections::BTreeMap;

use serde::Serialize;

/// One proposal as the report reads it.
#[derive(Debug, Clone)]
pub struct ProposalFacts<'a> {
    pub proposer_role: &'a str,
    /// Closed (voted) proposals only count toward rates.
    pub closed: bool,
    pub passed: bool,
    pub executed_epoch: Option<u32>,
    pub executed_price: f64,
    pub turnout: Option<f64>,
    pub decisive_voters: Option<u64>,
    pub rubber_stamp: bool,
    /// Whether it changes a parameter (not a grant).
    pub parameter: bool,
    /// Tokens granted to each role (grants).
    pub granted: Vec<(&'a str, f64)>,
}

/// What executed proposals moved to one role.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StakeholderValue {
    /// Tokens received by grants.
    pub grants_tokens: f64,
    /// The same at the price at execution (quote).
    pub grants_quote: f64,
    /// Σ over executed parameter changes of (mean rewards per epoch after −
    /// mean before), tokens.
    pub reward_change_per_epoch_tokens: f64,
    /// The same at the price at each execution (quote).
    pub reward_change_per_epoch_quote: f64,
}

/// The `governance` section.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GovernanceReport {
    pub method: String,
    /// Proposals created, voted (closed) by the last epoch end, passed, executed.
    pub proposals: u64,
    pub closed: u64,
    pub passed: u64,
    pub executed: u64,
    /// Arrivals that found no proposer above the threshold.
    pub skipped: u64,
    pub pass_rate: Option<f64>,
    pub pass_rate_by_proposer_role: BTreeMap<String, f64>,
    pub mean_turnout: Option<f64>,
    pub median_decisive_voters: Option<f64>,
    pub rubber_stamp_rate: Option<f64>,
    /// By role.
    pub value_moved: BTreeMap<String, StakeholderValue>,
    /// grants_quote + reward_change_per_epoch_quote of the team (role
    /// `investor`), the sweep's headline figure.
    pub value_moved_to_team_quote: f64,
    /// Epochs compared before and after each parameter change.
    pub effect_window: u32,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Builds the section. `roles` names the columns of `rewards` (one row per
/// epoch: tokens paid to each role that epoch).
pub fn governance_report(
    method: &str,
    proposals: &[ProposalFacts<'_>],
    skipped: u64,
    roles: &[&str],
    rewards: &[Vec<f64>],
    window: u32,
) -> GovernanceReport {
    let closed: Vec<&ProposalFacts<'_>> = proposals.iter().filter(|p| p.closed).collect();
    let passed = closed.iter().filter(|p| p.passed).count();
    let mut by_role: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for p in &closed {
        let e = by_role.entry(p.proposer_role.to_string()).or_default();
        e.0 += 1;
        e.1 += u64::from(p.passed);
    }
    let turnouts: Vec<f64> = closed.iter().filter_map(|p| p.turnout).collect();
    let decisive: Vec<f64> = closed
        .iter()
        .filter(|p| p.passed)
        .filter_map(|p| p.decisive_voters.map(|d| d as f64))
        .collect();
    let stamped = closed.iter().filter(|p| p.passed && p.rubber_stamp).count();
    let mut value: BTreeMap<String, StakeholderValue> = roles
        .iter()
        .map(|r| (r.to_string(), StakeholderValue::default()))
        .collect();
    let w = window.max(1) as usize;
    for p in proposals {
        let Some(e) = p.executed_epoch else { continue };
        for &(role, tokens) in &p.granted {
            let v = value.entry(role.to_string()).or_default();
            v.grants_tokens += tokens;
            v.grants_quote += tokens * p.executed_price;
        }
        if !p.parameter {
            continue;
        }
        let e = e as usize;
        let before = &rewards[e.saturating_sub(w).min(rewards.len())..e.min(rewards.len())];
        let after = &rewards[e.min(rewards.len())..(e + w).min(rewards.len())];
        if before.is_empty() || after.is_empty() {
            continue;
        }
        for (r, role) in roles.iter().enumerate() {
            let mean = |rows: &[Vec<f64>]| {
                rows.iter()
                    .map(|row| row.get(r).copied().unwrap_or(0.0))
                    .sum::<f64>()
                    / rows.len() as f64
            };
            let change = mean(after) - mean(before);
            let v = value.entry(role.to_string()).or_default();
            v.reward_change_per_epoch_tokens += change;
            v.reward_change_per_epoch_quote += change * p.executed_price;
        }
    }
    let team = value
        .get("investor")
        .map_or(0.0, |v| v.grants_quote + v.reward_change_per_epoch_quote);
    let share = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
    GovernanceReport {
        method: method.to_string(),
        proposals: proposals.len() as u64,
        closed: closed.len() as u64,
        passed: passed as u64,
        executed: proposals
            .iter()
            .filter(|p| p.executed_epoch.is_some())
            .count() as u64,
        skipped,
        pass_rate: share(passed, closed.len()),
        pass_rate_by_proposer_role: by_role
            .into_iter()
            .map(|(role, (n, k))| (role, k as f64 / n as f64))
            .collect(),
        mean_turnout: (!turnouts.is_empty())
            .then(|| turnouts.iter().sum::<f64>() / turnouts.len() as f64),
        median_decisive_voters: median(decisive),
        rubber_stamp_rate: share(stamped, passed),
        value_moved: value,
        value_moved_to_team_quote: team,
        effect_window: window,
    }
}

/// A report naming every kind of figure, with `{role}` for the role keys:
/// its number paths are the `governance.*` sweep metrics
/// (`schema::fairness_paths`).
pub fn sample_report() -> GovernanceReport {
    let p = ProposalFacts {
        proposer_role: "{role}",
        closed: true,
        passed: true,
        executed_epoch: Some(1),
        executed_price: 1.0,
        turnout: Some(0.1),
        decisive_voters: Some(1),
        rubber_stamp: false,
        parameter: true,
        granted: vec![("{role}", 1.0)],
    };
    governance_report("token", &[p], 0, &["{role}"], &[vec![1.0], vec![2.0]], 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(role: &str, passed: bool, stamp: bool) -> ProposalFacts<'_> {
        ProposalFacts {
            proposer_role: role,
            closed: true,
            passed,
            executed_epoch: passed.then_some(2),
            executed_price: 2.0,
            turnout: Some(0.1),
            decisive_voters: passed.then_some(1),
            rubber_stamp: stamp,
            parameter: true,
            granted: vec![("investor", 5.0)],
        }
    }

    #[test]
    fn rates_and_values() {
        let p = [facts("investor", true, true), facts("holder", false, false)];
        let rewards = vec![
            vec![0.0, 1.0],
            vec![0.0, 1.0],
            vec![0.0, 3.0],
            vec![0.0, 3.0],
        ];
        let r = governance_report(
            "token",
            &p,
            0,
            &["investor", "compute_provider"],
            &rewards,
            2,
        );
        assert_eq!(r.pass_rate, Some(0.5));
        assert_eq!(r.pass_rate_by_proposer_role["investor"], 1.0);
        assert_eq!(r.rubber_stamp_rate, Some(1.0));
        assert_eq!(r.value_moved["investor"].grants_quote, 10.0);
        assert_eq!(
            r.value_moved["compute_provider"].reward_change_per_epoch_tokens,
            2.0
        );
        assert_eq!(r.value_moved_to_team_quote, 10.0);
    }
}
