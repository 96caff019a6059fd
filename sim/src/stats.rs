//! Sorting of amount buffers for the per-epoch metrics: a counting sort
//! (or just the histogram) when values are small integers (random-exchange
//! economies), otherwise an unstable comparison sort or last epoch's
//! carried order; the merge of several roles' sorted vectors. Buffers are
//! reused across epochs.

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

/// Sorts one role's values each epoch starting from the order that sorted
/// them last epoch. The order is kept as positions in the role's member
/// list (members in id order), which stays the same while nobody joins or
/// leaves. Holdings and cumulative rewards change little from one epoch to
/// the next, so the values taken in that order are usually already sorted:
/// one linear check then replaces the sort. When a few members changed rank
/// the carried order is repaired by insertion (within a budget of moves,
/// else sorted). While the role's roster keeps changing a comparison sort
/// is used; the order is rebuilt once the roster has held for an epoch. Ties are broken by position (= by id), so
/// the result never depends on history; it is the sorted multiset in every
/// case.
#[derive(Debug, Default)]
pub struct CarriedOrder {
    /// Positions in the member list, in ascending (value, position) order.
    order: Vec<u32>,
    /// Roster version the order was built for.
    built_for: Option<u64>,
    /// Roster version seen at the previous call.
    last_seen: Option<u64>,
    keyed: Vec<(u64, u32)>,
    gathered: Vec<u64>,
}

impl CarriedOrder {
    /// Sorts `values` (the members' values in member order on entry)
    /// ascending.
    pub fn sort(&mut self, roster: u64, values: &mut Vec<u64>) {
        let carried = self.built_for == Some(roster) && self.order.len() == values.len();
        let build = !carried && self.last_seen == Some(roster);
        self.last_seen = Some(roster);
        if !carried && !build {
            self.built_for = None;
            values.sort_unstable();
            return;
        }
        if carried {
            self.gathered.clear();
            self.gathered
                .extend(self.order.iter().map(|&p| values[p as usize]));
            let in_order = self
                .gathered
                .windows(2)
                .zip(self.order.windows(2))
                .all(|(v, p)| (v[0], p[0]) <= (v[1], p[1]));
            if in_order {
                std::mem::swap(values, &mut self.gathered);
                return;
            }
            // A few members changed rank: repair the carried order by
            // insertion, unless that would take more moves than a sort.
            self.keyed.clear();
            self.keyed
                .extend(self.gathered.iter().zip(&self.order).map(|(&v, &p)| (v, p)));
            let budget = REPAIR_MOVES_PER_MEMBER * self.keyed.len();
            if !insertion_sort_within(&mut self.keyed, budget) {
                self.keyed.sort_unstable();
            }
        } else {
            self.keyed.clear();
            self.keyed
                .extend(values.iter().enumerate().map(|(p, &v)| (v, p as u32)));
            self.keyed.sort_unstable();
        }
        self.built_for = Some(roster);
        self.order.clear();
        values.clear();
        for &(v, p) in &self.keyed {
            self.order.push(p);
            values.push(v);
        }
    }
}

/// Insertion moves per member a repair of the carried order may take before
/// it gives up for a comparison sort (about the cost of that sort at the
/// sizes of a role).
const REPAIR_MOVES_PER_MEMBER: usize = 8;

/// Sorts `keyed` (distinct keys) by insertion while the moves stay within
/// `budget`; false, leaving a permutation of the input, when they would
/// not.
fn insertion_sort_within(keyed: &mut [(u64, u32)], budget: usize) -> bool {
    let mut moves = 0usize;
    for i in 1..keyed.len() {
        let item = keyed[i];
        let mut j = i;
        while j > 0 && keyed[j - 1] > item {
            keyed[j] = keyed[j - 1];
            j -= 1;
        }
        keyed[j] = item;
        moves += i - j;
        if moves > budget {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod carried_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the history of rosters and values, the result is the
        /// sorted values.
        #[test]
        fn carried_order_always_sorts(
            steps in prop::collection::vec(
                (0u64..3, prop::collection::vec(0u64..50, 0..40)),
                1..12,
            )
        ) {
            let mut order = CarriedOrder::default();
            for (roster, values) in steps {
                let mut expected = values.clone();
                expected.sort_unstable();
                let mut got = values;
                order.sort(roster, &mut got);
                prop_assert_eq!(got, expected);
            }
        }
    }

    proptest! {
        /// The budgeted insertion sort either sorts or says it gave up, and
        /// always leaves a permutation of its input.
        #[test]
        fn insertion_within_budget_sorts_or_gives_up(
            values in prop::collection::vec(0u64..20, 0..60),
            budget in 0usize..200,
        ) {
            let mut keyed: Vec<(u64, u32)> =
                values.iter().enumerate().map(|(p, &v)| (v, p as u32)).collect();
            let mut expected = keyed.clone();
            expected.sort_unstable();
            let inversions: usize = (0..keyed.len())
                .map(|i| (0..i).filter(|&j| keyed[j] > keyed[i]).count())
                .sum();
            let sorted = insertion_sort_within(&mut keyed, budget);
            prop_assert_eq!(sorted, inversions <= budget);
            if !sorted {
                keyed.sort_unstable();
            }
            prop_assert_eq!(keyed, expected);
        }
    }

    #[test]
    fn a_few_rank_changes_are_repaired() {
        let mut order = CarriedOrder::default();
        let mut values: Vec<u64> = (0..100).map(|v| 1000 - 10 * v).collect();
        order.sort(1, &mut values.clone());
        order.sort(1, &mut values.clone());
        // Two members swap ranks: the carried order is repaired.
        values[3] = 1;
        values[90] = 5000;
        let mut expected = values.clone();
        expected.sort_unstable();
        order.sort(1, &mut values);
        assert_eq!(values, expected);
    }

    #[test]
    fn an_unchanged_order_is_reused() {
        let mut order = CarriedOrder::default();
        for step in 0..4u64 {
            let mut values = vec![30 + step, 10 + step, 20 + step, 10 + step];
            order.sort(7, &mut values);
            assert_eq!(values, vec![10 + step, 10 + step, 20 + step, 30 + step]);
        }
    }
}
