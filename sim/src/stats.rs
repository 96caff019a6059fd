//! Sorting of amount buffers for the per-epoch metrics: a counting sort
//! when values are small integers (random-exchange economies), otherwise an
//! unstable comparison sort. Buffers are reused across epochs.

/// Whether a counting sort of `len` values up to `max` is cheaper than a
/// comparison sort.
pub fn counting_sort_fits(max: u64, len: usize) -> bool {
    max <= 4 * len as u64 + 64
}

/// Sorts `values` ascending, reusing `counts` as scratch.
pub fn sort_amounts(values: &mut [u64], counts: &mut Vec<u32>) {
    if histogram_if_small(values, counts) {
        write_sorted(counts, values);
    } else {
        values.sort_unstable();
    }
}

/// When `values` is not empty and a counting sort of it fits
/// (`counting_sort_fits`), fills `counts` with its histogram
/// (`counts[v]` = how many values equal `v`, up to the largest) and
/// returns true; otherwise leaves `counts` alone and returns false.
pub fn histogram_if_small(values: &[u64], counts: &mut Vec<u32>) -> bool {
    let Some(&max) = values.iter().max() else {
        return false;
    };
    if !counting_sort_fits(max, values.len()) {
        return false;
    }
    counts.clear();
    counts.resize(max as usize + 1, 0);
    for &v in values {
        counts[v as usize] += 1;
    }
    true
}

/// Writes the values of histogram `counts` into `values` in ascending
/// order (`values` has room for exactly their number).
pub fn write_sorted(counts: &[u32], values: &mut [u64]) {
    let mut i = 0;
    for (v, &c) in counts.iter().enumerate() {
        values[i..i + c as usize].fill(v as u64);
        i += c as usize;
    }
}

/// Merges the ascending runs `runs` into `out` (cleared first): the sorted
/// multiset of their values, through `buffer`, allocating nothing once
/// both have room (a stable sort of the concatenation would allocate its
/// scratch every call). Adjacent runs are merged pairwise, level by level
/// (O(n log k)), at their known boundaries.
pub fn merge_sorted<const N: usize>(runs: [&[u64]; N], out: &mut Vec<u64>, buffer: &mut Vec<u64>) {
    out.clear();
    // The ends of the non-empty runs as laid out in `out`.
    let mut ends = [0usize; N];
    let mut m = 0;
    for run in runs {
        if !run.is_empty() {
            out.extend_from_slice(run);
            ends[m] = out.len();
            m += 1;
        }
    }
    let n = out.len();
    if buffer.len() != n {
        buffer.clear();
        buffer.extend_from_slice(out);
    }
    while m > 1 {
        let (mut start, mut merged) = (0, 0);
        for k in (0..m).step_by(2) {
            let end = ends[(k + 1).min(m - 1)];
            if k + 1 < m {
                let mid = ends[k];
                merge_into(&out[start..mid], &out[mid..end], &mut buffer[start..end]);
            } else {
                buffer[start..end].copy_from_slice(&out[start..end]);
            }
            ends[merged] = end;
            merged += 1;
            start = end;
        }
        m = merged;
        std::mem::swap(out, buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Merging sorted runs gives the sorted concatenation.
        #[test]
        fn merge_is_the_sorted_concatenation(
            runs in proptest::collection::vec(proptest::collection::vec(0u64..30, 0..20), 4)
        ) {
            let sorted: Vec<Vec<u64>> = runs
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r.sort_unstable();
                    r
                })
                .collect();
            let mut expected: Vec<u64> = sorted.concat();
            expected.sort_unstable();
            let (mut out, mut buffer) = (vec![99], Vec::new());
            merge_sorted([&sorted[0][..], &sorted[1], &sorted[2], &sorted[3]], &mut out, &mut buffer);
            proptest::prop_assert_eq!(out, expected);
        }
    }

    #[test]
    fn both_paths_sort() {
        let mut counts = Vec::new();
        let mut small = vec![3, 1, 2, 0, 3, 1];
        sort_amounts(&mut small, &mut counts);
        assert_eq!(small, vec![0, 1, 1, 2, 3, 3]);
        let mut large = vec![u64::MAX, 7, 1 << 40];
        sort_amounts(&mut large, &mut counts);
        assert_eq!(large, vec![7, 1 << 40, u64::MAX]);
    }
}

/// Sorts one role's values each epoch starting from the order that sorted
/// them last epoch. The order is kept as agent ids, so it survives agents
/// joining (new ids, larger than any before) and leaving (dropped from it):
/// last epoch's members still present are taken in last epoch's order,
/// the joiners after them. Holdings and cumulative rewards change little
/// from one epoch to the next, so that sequence is usually sorted but for
/// a few values: a natural merge sort (runs found, merged pairwise in a
/// reused buffer) then costs about one pass per run boundary level instead
/// of a full comparison sort. Ties are broken by id, so the result never
/// depends on history; it is the sorted multiset in every case.
#[derive(Debug, Default)]
pub struct CarriedOrder {
    /// Last call's member ids, ascending by (value, id); empty when the
    /// last call sorted the values alone.
    ids: Vec<u32>,
    /// One more than the largest member id when `ids` was taken.
    id_bound: u32,
    /// Calls since carrying last paid off (values too shuffled between
    /// epochs, e.g. traders' wealth): those sort the values alone, and
    /// every `RETRY`-th (and the first call) keeps the ids to try
    /// carrying at the next.
    missed: u32,
    keyed: Vec<(u64, u32)>,
    merged: Vec<(u64, u32)>,
    /// The members (ids ascending) when `ids` was taken, and each sorted
    /// entry's position among them: while nobody joins or leaves, values
    /// are gathered by position and one linear check replaces the sort.
    members: Vec<u32>,
    order: Vec<u32>,
    gathered: Vec<u64>,
}

impl CarriedOrder {
    /// Calls between two tries at carrying once it has not paid off.
    const RETRY: u32 = 16;

    /// Sorts `values` ascending; `ids` are the members' agent ids,
    /// ascending and aligned with `values` on entry. `position` is a
    /// scratch table indexed by agent id (shared by every order).
    pub fn sort(&mut self, ids: &[u32], values: &mut [u64], position: &mut Vec<u32>) {
        debug_assert_eq!(ids.len(), values.len());
        let n = values.len();
        let Some(&last) = ids.last() else {
            self.ids.clear();
            return;
        };
        if !self.ids.is_empty() && ids == self.members.as_slice() {
            // Same members: last order by position, checked in one pass.
            self.gathered.clear();
            self.gathered
                .extend(self.order.iter().map(|&p| values[p as usize]));
            let in_order = self
                .gathered
                .windows(2)
                .zip(self.order.windows(2))
                .all(|(v, p)| (v[0], p[0]) <= (v[1], p[1]));
            if in_order {
                values.copy_from_slice(&self.gathered);
                self.missed = 0;
                return;
            }
        }
        if self.ids.is_empty() {
            self.missed += 1;
            if self.missed % Self::RETRY != 1 {
                values.sort_unstable();
                return;
            }
            // Keep the ids this time, to try carrying at the next call.
            self.keyed.clear();
            self.keyed
                .extend(values.iter().zip(ids).map(|(&v, &id)| (v, id)));
            self.keyed.sort_unstable();
        } else {
            self.gather_carried(ids, values, position);
            // Descents in the carried sequence: few means nearly sorted.
            let descents = self.keyed.windows(2).filter(|w| w[1] < w[0]).count();
            if descents <= n / 32 {
                self.missed = 0;
                natural_merge_sort(&mut self.keyed, &mut self.merged);
            } else {
                self.missed = 1;
                for (slot, &(v, _)) in values.iter_mut().zip(&self.keyed) {
                    *slot = v;
                }
                values.sort_unstable();
                self.ids.clear();
                return;
            }
        }
        self.id_bound = last + 1;
        self.ids.clear();
        for (slot, &(v, id)) in values.iter_mut().zip(&self.keyed) {
            *slot = v;
            self.ids.push(id);
        }
        fill_positions(ids, position);
        self.members.clear();
        self.members.extend_from_slice(ids);
        self.order.clear();
        self.order
            .extend(self.ids.iter().map(|&id| position[id as usize]));
    }

    /// Fills `keyed` with the members as (value, id): last call's members
    /// still present in last call's order, then the joiners (ids from
    /// `id_bound` on); in id order if some member is neither.
    fn gather_carried(&mut self, ids: &[u32], values: &[u64], position: &mut Vec<u32>) {
        let n = values.len();
        fill_positions(ids, position);
        self.keyed.clear();
        for &id in &self.ids {
            let p = position
                .get(id as usize)
                .map_or(usize::MAX, |&p| p as usize);
            if p < n && ids[p] == id {
                self.keyed.push((values[p], id));
            }
        }
        let first_new = ids.partition_point(|&id| id < self.id_bound);
        self.keyed.extend(
            values[first_new..]
                .iter()
                .zip(&ids[first_new..])
                .map(|(&v, &id)| (v, id)),
        );
        if self.keyed.len() != n {
            self.keyed.clear();
            self.keyed
                .extend(values.iter().zip(ids).map(|(&v, &id)| (v, id)));
        }
    }
}

/// `position[id]` = the index of `id` in `ids` for every id of `ids`
/// (other entries are left stale).
fn fill_positions(ids: &[u32], position: &mut Vec<u32>) {
    let bound = ids.last().map_or(0, |&last| last as usize + 1);
    if position.len() < bound {
        position.resize(bound, u32::MAX);
    }
    for (k, &id) in ids.iter().enumerate() {
        position[id as usize] = k as u32;
    }
}

/// Sorts `items` ascending by merging its maximal ascending runs pairwise,
/// level by level, through `buffer` (reused: no allocation once it has
/// room). Linear on sorted input; O(n log r) for r runs.
pub fn natural_merge_sort<T: Copy + Ord>(items: &mut Vec<T>, buffer: &mut Vec<T>) {
    let n = items.len();
    while n > 1 && run_end(items, 0) < n {
        // One level: merge consecutive pairs of runs into `buffer`.
        // Every slot is written below; only the length matters here.
        if buffer.len() != n {
            buffer.clear();
            buffer.extend_from_slice(items);
        }
        let mut start = 0;
        while start < n {
            let a_end = run_end(items, start);
            let b_end = if a_end < n { run_end(items, a_end) } else { n };
            merge_into(
                &items[start..a_end],
                &items[a_end..b_end],
                &mut buffer[start..b_end],
            );
            start = b_end;
        }
        std::mem::swap(items, buffer);
    }
}

/// The end of the ascending run of `items` that starts at `start`.
fn run_end<T: Ord>(items: &[T], start: usize) -> usize {
    let mut end = start + 1;
    while end < items.len() && items[end - 1] <= items[end] {
        end += 1;
    }
    end
}

/// Writes the merge of ascending `a` and `b` into `out` (of their
/// combined length; stable: `a` first on ties), choosing each element
/// without a branch.
fn merge_into<T: Copy + Ord>(a: &[T], b: &[T], out: &mut [T]) {
    debug_assert_eq!(out.len(), a.len() + b.len());
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let take_b = b[j] < a[i];
        out[k] = if take_b { b[j] } else { a[i] };
        j += usize::from(take_b);
        i += usize::from(!take_b);
        k += 1;
    }
    let rest = if i < a.len() { &a[i..] } else { &b[j..] };
    out[k..].copy_from_slice(rest);
}

#[cfg(test)]
mod carried_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the history of members (joining with new ids, leaving)
        /// and values, the result is the sorted values.
        #[test]
        fn carried_order_always_sorts(
            steps in prop::collection::vec(
                (prop::collection::vec(any::<bool>(), 0..10), 0usize..6,
                 prop::collection::vec(0u64..50, 40)),
                1..12,
            )
        ) {
            let mut order = CarriedOrder::default();
            let mut position = Vec::new();
            let mut members: Vec<u32> = Vec::new();
            let mut next_id = 0u32;
            for (leaves, joins, draws) in steps {
                // Some members leave, some join with new ids.
                let mut k = 0;
                members.retain(|_| {
                    k += 1;
                    !leaves.get(k - 1).copied().unwrap_or(false)
                });
                for _ in 0..joins {
                    members.push(next_id);
                    next_id += 2;
                }
                let mut values: Vec<u64> = members
                    .iter()
                    .enumerate()
                    .map(|(k, _)| draws[k % draws.len()])
                    .collect();
                let mut expected = values.clone();
                expected.sort_unstable();
                order.sort(&members, &mut values, &mut position);
                prop_assert_eq!(values, expected);
            }
        }

        /// The natural merge sort sorts.
        #[test]
        fn natural_merge_sort_sorts(mut items in prop::collection::vec(0u32..20, 0..200)) {
            let mut expected = items.clone();
            expected.sort_unstable();
            let mut buffer = vec![7, 7];
            natural_merge_sort(&mut items, &mut buffer);
            prop_assert_eq!(items, expected);
        }
    }

    #[test]
    fn an_unchanged_order_is_reused() {
        let mut order = CarriedOrder::default();
        let mut position = Vec::new();
        let ids = [3, 5, 8, 9];
        for step in 0..4u64 {
            let mut values = vec![30 + step, 10 + step, 20 + step, 10 + step];
            order.sort(&ids, &mut values, &mut position);
            assert_eq!(values, vec![10 + step, 10 + step, 20 + step, 30 + step]);
            assert_eq!(order.ids, vec![5, 9, 8, 3]);
        }
    }
}
