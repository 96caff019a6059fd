//! The figures a run dashboard derives from per-agent columns: Lorenz
//! curves, rewards against contribution by contribution decile,
//! misallocation, and a group's shares of rewards, wealth and contribution.

use mirage_analysis::alignment_u64;
use mirage_analysis::concentration::{gini_sorted, nakamoto_sorted};

/// Points of the Lorenz curve of `values` (any order), at most about
/// `max_points` of them: (share of holders, share of the total), both in
/// [0, 1], holders counted from the smallest. `None` when the total is 0.
pub fn lorenz(values: &[u64], max_points: usize) -> Option<Vec<(f64, f64)>> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let total: u128 = sorted.iter().map(|&x| u128::from(x)).sum();
    if total == 0 {
        return None;
    }
    let n = sorted.len();
    let step = n.div_ceil(max_points.max(1)).max(1);
    let mut points = Vec::with_capacity(n / step + 2);
    points.push((0.0, 0.0));
    let mut cum = 0u128;
    for (i, &x) in sorted.iter().enumerate() {
        cum += u128::from(x);
        let k = i + 1;
        if k % step == 0 || k == n {
            points.push((k as f64 / n as f64, cum as f64 / total as f64));
        }
    }
    Some(points)
}

/// Gini and Nakamoto coefficient (more than half) of `values`, any order.
pub fn concentration(values: &[u64]) -> (Option<f64>, Option<usize>) {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    (gini_sorted(&sorted), nakamoto_sorted(&sorted, 1, 2))
}

/// One decile of contributors: its share of the group's contribution and
/// of its rewards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decile {
    pub contribution_share: f64,
    pub reward_share: f64,
    pub agents: usize,
}

/// Agents (contribution, reward) sorted by contribution and cut into ten
/// groups of equal size (the first the smallest contributors). `None` with
/// fewer than ten agents or when nothing was contributed or paid.
pub fn by_contribution_decile(agents: &[(u64, u64)]) -> Option<[Decile; 10]> {
    let n = agents.len();
    if n < 10 {
        return None;
    }
    let mut sorted = agents.to_vec();
    // Ties in contribution ordered by reward, so the cut is deterministic.
    sorted.sort_unstable();
    let tc: u128 = sorted.iter().map(|a| u128::from(a.0)).sum();
    let tr: u128 = sorted.iter().map(|a| u128::from(a.1)).sum();
    if tc == 0 || tr == 0 {
        return None;
    }
    let mut out = [Decile {
        contribution_share: 0.0,
        reward_share: 0.0,
        agents: 0,
    }; 10];
    for (i, a) in sorted.iter().enumerate() {
        let d = (i * 10 / n).min(9);
        out[d].contribution_share += a.0 as f64 / tc as f64;
        out[d].reward_share += a.1 as f64 / tr as f64;
        out[d].agents += 1;
    }
    Some(out)
}

/// ½ Σ |reward share − contribution share| over one group of agents
/// (contribution, reward): the share of its rewards that would have to move
/// for every agent to be paid in proportion to its contribution (computed
/// by [`mirage_analysis::alignment_u64`], as in `fairness.json`). `None` when nothing
/// was contributed or paid.
pub fn misallocation(agents: &[(u64, u64)]) -> Option<f64> {
    let rewards: Vec<u64> = agents.iter().map(|a| a.1).collect();
    let contributions: Vec<u64> = agents.iter().map(|a| a.0).collect();
    alignment_u64(&rewards, &contributions).ok()?.misallocation
}

/// Misallocation across several reward pools whose contributions are
/// counted in different units (tasks, datasets, checks): each group is
/// measured against its own contribution, and the groups are weighted by
/// their rewards. `None` when no group has both rewards and contribution.
pub fn pooled_misallocation(groups: &[Vec<(u64, u64)>]) -> Option<f64> {
    let mut weighted = 0.0;
    let mut weight = 0.0;
    for g in groups {
        if let Some(m) = misallocation(g) {
            let r: u128 = g.iter().map(|a| u128::from(a.1)).sum();
            weighted += m * r as f64;
            weight += r as f64;
        }
    }
    (weight > 0.0).then(|| weighted / weight)
}

/// `part / whole` as a float; `None` when `whole` is 0.
pub fn share(part: u128, whole: u128) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lorenz_of_equal_values_is_the_diagonal() {
        let l = lorenz(&[5; 4], 100).expect("defined");
        assert_eq!(
            l,
            vec![
                (0.0, 0.0),
                (0.25, 0.25),
                (0.5, 0.5),
                (0.75, 0.75),
                (1.0, 1.0)
            ]
        );
        assert_eq!(lorenz(&[0, 0], 10), None);
    }

    #[test]
    fn lorenz_is_thinned_but_keeps_its_ends() {
        let values: Vec<u64> = (1..=10_000).collect();
        let l = lorenz(&values, 100).expect("defined");
        assert!(l.len() <= 102, "{}", l.len());
        assert_eq!(l.first(), Some(&(0.0, 0.0)));
        assert_eq!(l.last(), Some(&(1.0, 1.0)));
        assert!(l.windows(2).all(|w| w[1].1 >= w[0].1 && w[1].0 > w[0].0));
    }

    #[test]
    fn misallocation_is_half_the_l1_distance() {
        // Contribution 1:1, rewards 3:1 → shares .75/.25 vs .5/.5 → 0.25.
        assert_eq!(misallocation(&[(1, 3), (1, 1)]), Some(0.25));
        assert_eq!(misallocation(&[(2, 4), (1, 2)]), Some(0.0));
        assert_eq!(misallocation(&[(0, 4)]), None);
        // Pools weigh by rewards: 0.25 on 4 units, 0 on 12 → 1/16.
        let m = pooled_misallocation(&[vec![(1, 3), (1, 1)], vec![(1, 6), (1, 6)]]);
        assert_eq!(m, Some(0.0625));
    }

    #[test]
    fn deciles_split_evenly_and_sum_to_one() {
        let agents: Vec<(u64, u64)> = (0..100).map(|i| (i, 100 - i)).collect();
        let d = by_contribution_decile(&agents).expect("defined");
        assert!(d.iter().all(|x| x.agents == 10));
        let c: f64 = d.iter().map(|x| x.contribution_share).sum();
        let r: f64 = d.iter().map(|x| x.reward_share).sum();
        assert!((c - 1.0).abs() < 1e-9 && (r - 1.0).abs() < 1e-9);
        assert!(d[0].contribution_share < d[9].contribution_share);
        assert!(d[0].reward_share > d[9].reward_share);
        assert_eq!(by_contribution_decile(&agents[..5]), None);
    }
}
