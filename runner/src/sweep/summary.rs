//! The summary metrics of a run: the final values that `runs.csv` reports
//! per run and `points.csv` aggregates per point. This table is the one
//! place that decides which metrics a sweep reports and in what order.

use mirage_sim::amount::format_amount;
use mirage_sim::record::EpochRecord;
use mirage_sim::Simulation;

use crate::run::fairness_of;

/// What the metrics are read from: the final epoch's record and the
/// end-of-run figures computed once from the agents.
#[derive(Debug, Clone)]
pub struct RunSummary<'a> {
    pub last: &'a EpochRecord,
    pub decimals: u32,
    /// Fewest agents of the rewarded roles (every one that ever existed)
    /// holding more than half of all cumulative rewards
    /// (`fairness.json`: `rewards.all.nakamoto_50`).
    pub nakamoto_rewards: Option<usize>,
    /// The share of rewards that would have to move for pay to follow
    /// contribution, within each role, weighted by the roles' rewards
    /// (`fairness.json`: `rewards_vs_contribution.all.misallocation`).
    pub misallocation: Option<f64>,
}

impl<'a> RunSummary<'a> {
    /// The summary of a finished run. The reward figures come from the
    /// run's fairness report, so they equal `mirage run`'s `fairness.json`.
    pub fn of(sim: &Simulation, last: &'a EpochRecord) -> Self {
        let report = fairness_of(sim);
        Self {
            last,
            decimals: sim.decimals(),
            nakamoto_rewards: report
                .rewards
                .all
                .nakamoto_50
                .and_then(|n| usize::try_from(n).ok()),
            misallocation: report
                .rewards_vs_contribution
                .all
                .and_then(|a| a.misallocation),
        }
    }
}

/// One summary metric: its column name and its cell (empty when the run
/// has no value, e.g. no rewarded role).
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    pub cell: fn(&RunSummary<'_>) -> String,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |x| x.to_string())
}

/// The summary metrics, in column order.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "gini_wealth",
        cell: |s| opt(s.last.gini_wealth),
    },
    Metric {
        name: "nakamoto_wealth",
        cell: |s| opt(s.last.nakamoto_wealth),
    },
    Metric {
        name: "gini_rewards",
        cell: |s| opt(s.last.gini_rewards),
    },
    Metric {
        name: "nakamoto_rewards",
        cell: |s| opt(s.nakamoto_rewards),
    },
    Metric {
        name: "misallocation",
        cell: |s| opt(s.misallocation),
    },
    Metric {
        name: "price",
        cell: |s| s.last.price.to_string(),
    },
    Metric {
        name: "active_agents",
        cell: |s| s.last.active_agents.to_string(),
    },
    Metric {
        name: "circulating_supply",
        cell: |s| format_amount(s.last.circulating_supply, s.decimals),
    },
];

/// The metric names, in column order.
pub fn names() -> Vec<String> {
    METRICS.iter().map(|m| m.name.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_cells_for_missing_values() {
        let rec = EpochRecord {
            price: 0.25,
            active_agents: 3,
            circulating_supply: 1_500_000,
            gini_wealth: Some(0.5),
            ..EpochRecord::default()
        };
        let s = RunSummary {
            last: &rec,
            decimals: 6,
            nakamoto_rewards: Some(2),
            misallocation: None,
        };
        let cells: Vec<String> = METRICS.iter().map(|m| (m.cell)(&s)).collect();
        assert_eq!(cells, ["0.5", "", "", "2", "", "0.25", "3", "1.500000"]);
    }
}
