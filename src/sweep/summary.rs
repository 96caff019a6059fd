//! The summary metrics of a run: the final epoch's values that `runs.csv`
//! reports per run and `points.csv` aggregates per point. This table is the
//! one place that decides which metrics a sweep reports and in what order.

use mirage_sim::amount::format_amount;
use mirage_sim::record::EpochRecord;

/// One summary metric: its column name and how the final record gives it
/// (an empty cell when the run has no value, e.g. no rewarded role).
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    /// The cell from the final record and the token's decimals.
    pub cell: fn(&EpochRecord, u32) -> String,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |x| x.to_string())
}

/// The summary metrics, in column order.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "gini_wealth",
        cell: |r, _| opt(r.gini_wealth),
    },
    Metric {
        name: "nakamoto_wealth",
        cell: |r, _| opt(r.nakamoto_wealth),
    },
    Metric {
        name: "gini_rewards",
        cell: |r, _| opt(r.gini_rewards),
    },
    // HOOK(misallocation): when the metrics issue adds a misallocation
    // index to `EpochRecord`, add it here, right after gini_rewards:
    //     Metric { name: "misallocation", cell: |r, _| opt(r.misallocation) },
    // runs.csv and points.csv pick it up with no other change.
    Metric {
        name: "price",
        cell: |r, _| r.price.to_string(),
    },
    Metric {
        name: "active_agents",
        cell: |r, _| r.active_agents.to_string(),
    },
    Metric {
        name: "circulating_supply",
        cell: |r, d| format_amount(r.circulating_supply, d),
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
        let cells: Vec<String> = METRICS.iter().map(|m| (m.cell)(&rec, 6)).collect();
        assert_eq!(cells, ["0.5", "", "", "0.25", "3", "1.500000"]);
    }
}
