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
    let Some(&max) = values.iter().max() else {
        return;
    };
    if counting_sort_fits(max, values.len()) {
        counts.clear();
        counts.resize(max as usize + 1, 0);
        for &v in values.iter() {
            counts[v as usize] += 1;
        }
        let mut i = 0;
        for (v, &c) in counts.iter().enumerate() {
            for slot in &mut values[i..i + c as usize] {
                *slot = v as u64;
            }
            i += c as usize;
        }
    } else {
        values.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
/// them last epoch. Holdings and cumulative rewards change little from one
/// epoch to the next, so the values taken in that order are nearly sorted,
/// and the adaptive stable sort finishes in close to linear time. While the
/// roster keeps changing (agents joining or leaving every epoch) a plain
/// sort is used; the order is built once the roster has held for an epoch.
#[derive(Debug, Default)]
pub struct CarriedOrder {
    order: Vec<u32>,
    /// Roster version the order was built for.
    built_for: Option<u64>,
    /// Roster version seen at the previous call.
    last_seen: Option<u64>,
    keyed: Vec<(u64, u32)>,
}

impl CarriedOrder {
    /// Whether the next `sort` for roster version `roster` needs the
    /// members' ids.
    pub fn needs_members(&self, roster: u64) -> bool {
        self.built_for != Some(roster) && self.last_seen == Some(roster)
    }

    /// Sorts `values` (the members' values in id order on entry) ascending.
    /// `members` (ids in id order) is read only when `needs_members`.
    pub fn sort(
        &mut self,
        roster: u64,
        members: &[u32],
        value: impl Fn(u32) -> u64,
        values: &mut Vec<u64>,
    ) {
        let carried = self.built_for == Some(roster);
        let build = !carried && self.last_seen == Some(roster);
        self.last_seen = Some(roster);
        if !carried && !build {
            self.built_for = None;
            values.sort_unstable();
            return;
        }
        self.keyed.clear();
        if build {
            self.keyed
                .extend(members.iter().zip(values.iter()).map(|(&id, &v)| (v, id)));
            self.keyed.sort_unstable();
            self.built_for = Some(roster);
        } else {
            self.keyed
                .extend(self.order.iter().map(|&id| (value(id), id)));
            // Adaptive on nearly sorted input; ties are broken by id, so the
            // result does not depend on history.
            self.keyed.sort();
        }
        self.order.clear();
        values.clear();
        for &(v, id) in &self.keyed {
            self.order.push(id);
            values.push(v);
        }
    }
}
