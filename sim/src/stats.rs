//! Sorting of amount buffers for the per-epoch metrics: a counting sort
//! when values are small integers (random-exchange economies), otherwise an
//! unstable comparison sort. Buffers are reused across epochs.

/// Sorts `values` ascending, reusing `counts` as scratch.
pub fn sort_amounts(values: &mut [u64], counts: &mut Vec<u32>) {
    let Some(&max) = values.iter().max() else {
        return;
    };
    if max <= 4 * values.len() as u64 + 64 {
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
