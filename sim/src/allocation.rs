//! Task allocation: which compute provider with spare capacity takes an
//! arriving task, under the policy `[demand] allocation` names. Owns each
//! policy's per-epoch state; the capacity bookkeeping (`used`) is the
//! compute providers' table.
//!
//! Every policy allocates in O(1) or O(log n) per task and allocates no
//! memory per task: `random` (the engine's default, which calls
//! `ComputeProviders::allocate_random` directly, keeping this module out of
//! the hot path) draws from the providers' list of rows with spare
//! capacity; `cheapest` walks a list sorted by cost once per epoch
//! (a cursor that only moves forward, except when a cheaper newcomer joins);
//! `reputation_weighted` draws from a Fenwick tree of reputation weights
//! rebuilt each epoch, whose entry drops to zero when a provider is full.

use rand::Rng;

use crate::agents::{Agents, ComputeProviders};
use crate::reward::reputation::ReputationBook;
use crate::sampling::Fenwick;
use crate::scenario::Allocation;

/// Reputation weight resolution: a score of 1 weighs 2^20, and every
/// provider weighs at least 1 so that none is shut out while others are full.
const WEIGHT_SCALE: f64 = (1u64 << 20) as f64;

fn reputation_weight(score: f64) -> u64 {
    1 + (score.clamp(0.0, 1.0) * WEIGHT_SCALE) as u64
}

/// An allocation policy other than `random`, and its state.
#[derive(Debug, Clone)]
pub enum Allocator {
    Cheapest {
        /// Rows sorted by (cost per task, row).
        order: Vec<u32>,
        /// Every row before it is full or gone.
        cursor: usize,
    },
    ReputationWeighted {
        tree: Fenwick,
    },
}

impl Allocator {
    /// The policy's state, or `None` for `random`.
    pub fn new(policy: Allocation) -> Option<Self> {
        match policy {
            Allocation::Random => None,
            Allocation::Cheapest => Some(Self::Cheapest {
                order: Vec::new(),
                cursor: 0,
            }),
            Allocation::ReputationWeighted => Some(Self::ReputationWeighted {
                tree: Fenwick::default(),
            }),
        }
    }

    /// Starts an epoch (after `ComputeProviders::reset_epoch`).
    pub fn rebuild(
        &mut self,
        compute: &ComputeProviders,
        agents: &Agents,
        rep: Option<&ReputationBook>,
    ) {
        match self {
            Self::Cheapest { order, cursor } => {
                order.clear();
                order.extend((0..compute.agent.len() as u32).filter(|&r| {
                    let r = r as usize;
                    agents.is_active(compute.agent[r]) && compute.capacity[r] > 0
                }));
                order.sort_unstable_by_key(|&r| (compute.cost_per_task[r as usize], r));
                *cursor = 0;
            }
            Self::ReputationWeighted { tree } => {
                tree.rebuild(compute.agent.iter().enumerate().map(|(r, &agent)| {
                    if agents.is_active(agent) && compute.capacity[r] > 0 {
                        reputation_weight(rep.map_or(1.0, |b| b.score(agent)))
                    } else {
                        0
                    }
                }));
            }
        }
    }

    /// A provider joined mid-epoch at `row` (the last row).
    pub fn on_spawn(&mut self, row: u32, compute: &ComputeProviders, rep: Option<&ReputationBook>) {
        let r = row as usize;
        let has_capacity = compute.capacity.get(r).is_some_and(|&c| c > 0);
        match self {
            Self::Cheapest { order, cursor } => {
                if has_capacity {
                    let key = (compute.cost_per_task[r], row);
                    let at =
                        order.partition_point(|&o| (compute.cost_per_task[o as usize], o) < key);
                    order.insert(at, row);
                    *cursor = (*cursor).min(at);
                }
            }
            Self::ReputationWeighted { tree } => {
                // Rows are appended in order, so the tree grows with them.
                while tree.len() < r {
                    tree.push(0);
                }
                let w = if has_capacity {
                    reputation_weight(rep.map_or(1.0, |b| b.score(compute.agent[r])))
                } else {
                    0
                };
                tree.push(w);
            }
        }
    }

    /// Gives one task to a provider with spare capacity; returns its row,
    /// or `None` when every provider is busy.
    #[inline(never)]
    pub fn allocate<R: Rng + ?Sized>(
        &mut self,
        compute: &mut ComputeProviders,
        agents: &Agents,
        rng: &mut R,
    ) -> Option<u32> {
        match self {
            Self::Cheapest { order, cursor } => allocate_cheapest(order, cursor, compute, agents),
            Self::ReputationWeighted { tree } => allocate_weighted(tree, compute, agents, rng),
        }
    }
}

impl Allocator {
    /// Like `allocate`, but never to a provider whose agent id is in
    /// `exclude` (the replicas of a redundant task already chosen): the
    /// cheapest policy skips them instead of returning the same provider
    /// again; the weighted draw is redrawn by the caller.
    pub fn allocate_excluding<R: Rng + ?Sized>(
        &mut self,
        compute: &mut ComputeProviders,
        agents: &Agents,
        rng: &mut R,
        exclude: &[u32],
    ) -> Option<u32> {
        match self {
            Self::Cheapest { order, cursor } => {
                let start = *cursor;
                let mut first_free = None;
                for (i, &row) in order.iter().enumerate().skip(start) {
                    let r = row as usize;
                    if !agents.is_active(compute.agent[r]) || compute.used(r) >= compute.capacity[r]
                    {
                        continue;
                    }
                    first_free.get_or_insert(i);
                    if !exclude.contains(&compute.agent[r]) {
                        compute.take(r);
                        *cursor = first_free.unwrap_or(i);
                        return Some(row);
                    }
                }
                None
            }
            Self::ReputationWeighted { .. } => self.allocate(compute, agents, rng),
        }
    }
}

fn allocate_cheapest(
    order: &[u32],
    cursor: &mut usize,
    compute: &mut ComputeProviders,
    agents: &Agents,
) -> Option<u32> {
    while let Some(&row) = order.get(*cursor) {
        let r = row as usize;
        if agents.is_active(compute.agent[r]) && compute.used(r) < compute.capacity[r] {
            compute.take(r);
            return Some(row);
        }
        *cursor += 1;
    }
    None
}

fn allocate_weighted<R: Rng + ?Sized>(
    tree: &mut Fenwick,
    compute: &mut ComputeProviders,
    agents: &Agents,
    rng: &mut R,
) -> Option<u32> {
    while let Some(i) = tree.draw(rng) {
        if agents.is_active(compute.agent[i]) && compute.used(i) < compute.capacity[i] {
            compute.take(i);
            if compute.used(i) >= compute.capacity[i] {
                tree.set(i, 0);
            }
            return Some(i as u32);
        }
        tree.set(i, 0);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reward::reputation::ReputationParams;
    use crate::scenario::Role;
    use rand::SeedableRng;

    fn providers(costs: &[u64], capacity: u32) -> (ComputeProviders, Agents) {
        let mut c = ComputeProviders::default();
        let mut agents = Agents::default();
        for (i, &cost) in costs.iter().enumerate() {
            let id = agents.push(Role::ComputeProvider, 0, i as u32, 0);
            c.push(id, capacity, cost, 1.0, 0.0);
        }
        c.reset_epoch(&agents);
        (c, agents)
    }

    #[test]
    fn cheapest_fills_the_cheapest_first_and_takes_cheaper_newcomers() {
        let (mut c, agents) = providers(&[30, 10, 20], 2);
        let rep = ReputationBook::new(&ReputationParams::default());
        let mut a = Allocator::new(Allocation::Cheapest).expect("a policy");
        a.rebuild(&c, &agents, Some(&rep));
        let mut rng = crate::rng::SimRng::seed_from_u64(1);
        let mut take = |c: &mut ComputeProviders| a.allocate(c, &agents, &mut rng);
        assert_eq!(take(&mut c), Some(1));
        assert_eq!(take(&mut c), Some(1));
        assert_eq!(take(&mut c), Some(2));
        // A newcomer cheaper than the cursor is next.
        let mut agents = agents;
        let id = agents.push(Role::ComputeProvider, 0, 3, 0);
        c.push(id, 1, 5, 1.0, 0.0);
        a.on_spawn(3, &c, Some(&rep));
        assert_eq!(a.allocate(&mut c, &agents, &mut rng), Some(3));
        assert_eq!(a.allocate(&mut c, &agents, &mut rng), Some(2));
        assert_eq!(a.allocate(&mut c, &agents, &mut rng), Some(0));
        assert_eq!(a.allocate(&mut c, &agents, &mut rng), Some(0));
        assert_eq!(a.allocate(&mut c, &agents, &mut rng), None);
    }

    #[test]
    fn reputation_weighted_favours_reputation_and_respects_capacity() {
        let (mut c, agents) = providers(&[1, 1], 1_000_000);
        let mut rep = ReputationBook::new(&ReputationParams::default());
        rep.update(0, 100, 0, false);
        rep.update(1, 0, 100, false);
        let mut a = Allocator::new(Allocation::ReputationWeighted).expect("a policy");
        a.rebuild(&c, &agents, Some(&rep));
        let mut rng = crate::rng::SimRng::seed_from_u64(2);
        for _ in 0..10_000 {
            a.allocate(&mut c, &agents, &mut rng);
        }
        assert!(c.used(0) > 20 * c.used(1), "{} {}", c.used(0), c.used(1));
        let (mut c, agents) = providers(&[1, 1, 1], 2);
        a.rebuild(&c, &agents, Some(&rep));
        let taken: Vec<_> = (0..7)
            .map(|_| a.allocate(&mut c, &agents, &mut rng))
            .collect();
        assert_eq!(taken.iter().filter(|t| t.is_some()).count(), 6);
        assert_eq!((0..3).map(|r| c.used(r)).collect::<Vec<_>>(), vec![2, 2, 2]);
    }
}
