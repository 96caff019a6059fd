//! Reverse auctions for tasks (`[fees] policy = "auction"`), as on Akash:
//! every compute provider with free capacity bids its cost per task × (1 +
//! its `markup`), the lowest bid wins (ties: the earlier provider), and
//! the winner is paid its own bid (`auction = "first_price"`) or the
//! second-lowest bid (`"second_price"`, Vickrey; its own bid when it is
//! the only bidder). Bids do not change within an epoch, so the order of
//! bids is sorted once per epoch (and when a provider joins) and a cursor
//! skips providers whose capacity is used up: no allocation per task.

use serde::{Deserialize, Serialize};

use crate::agents::{Agents, ComputeProviders};

/// What the winner is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuctionRule {
    /// Its own bid.
    #[default]
    FirstPrice,
    /// The second-lowest bid (its own when it bids alone).
    SecondPrice,
}

/// The bids of one epoch, lowest first.
#[derive(Debug, Clone, Default)]
pub struct Auction {
    pub rule: AuctionRule,
    order: Vec<u32>,
    cursor: usize,
}

/// A provider's bid in quote base units: cost · (1 + markup), rounded.
#[inline]
pub fn bid(compute: &ComputeProviders, row: usize) -> u64 {
    let b = (compute.cost_per_task[row] as f64 * (1.0 + compute.markup[row])).round();
    if b >= (u64::MAX / 4) as f64 {
        u64::MAX / 4
    } else {
        b as u64
    }
}

#[inline]
fn free(compute: &ComputeProviders, agents: &Agents, row: u32) -> bool {
    let r = row as usize;
    agents.is_active(compute.agent[r]) && compute.used(r) < compute.capacity[r]
}

impl Auction {
    pub fn new(rule: AuctionRule) -> Self {
        Self {
            rule,
            ..Self::default()
        }
    }

    /// Sorts the active providers with capacity by bid (epoch start).
    pub fn rebuild(&mut self, compute: &ComputeProviders, agents: &Agents) {
        self.order.clear();
        self.order
            .extend((0..compute.agent.len() as u32).filter(|&r| {
                agents.is_active(compute.agent[r as usize]) && compute.capacity[r as usize] > 0
            }));
        self.order
            .sort_unstable_by_key(|&r| (bid(compute, r as usize), r));
        self.cursor = 0;
    }

    /// A provider joined at `row`: its bid enters the order.
    pub fn on_spawn(&mut self, row: u32, compute: &ComputeProviders) {
        if compute.capacity.get(row as usize).is_some_and(|&c| c > 0) {
            let key = (bid(compute, row as usize), row);
            let at = self
                .order
                .partition_point(|&o| (bid(compute, o as usize), o) < key);
            self.order.insert(at, row);
            self.cursor = self.cursor.min(at);
        }
    }

    /// The lowest free bidder whose agent id is not in `exclude` (the
    /// replicas of a redundant task already chosen), without taking its
    /// capacity.
    pub fn lowest_excluding(
        &self,
        compute: &ComputeProviders,
        agents: &Agents,
        exclude: &[u32],
    ) -> Option<u32> {
        self.order[self.cursor.min(self.order.len())..]
            .iter()
            .copied()
            .find(|&r| free(compute, agents, r) && !exclude.contains(&compute.agent[r as usize]))
    }

    /// The winner's row and the price it is paid, without taking its
    /// capacity (`None`: nobody has free capacity).
    pub fn clear(&mut self, compute: &ComputeProviders, agents: &Agents) -> Option<(u32, u64)> {
        while let Some(&row) = self.order.get(self.cursor) {
            if free(compute, agents, row) {
                let own = bid(compute, row as usize);
                let price = match self.rule {
                    AuctionRule::FirstPrice => own,
                    AuctionRule::SecondPrice => self.order[self.cursor + 1..]
                        .iter()
                        .find(|&&r| free(compute, agents, r))
                        .map_or(own, |&r| bid(compute, r as usize)),
                };
                return Some((row, price));
            }
            self.cursor += 1;
        }
        None
    }
}
