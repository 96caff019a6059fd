//! Sorting of integer amounts: a stable LSD radix sort (one byte per pass,
//! passes skipped when every key shares that byte), used for the one sort
//! every metric needs. O(n) per pass, with one scratch buffer of n items.

/// An unsigned integer key usable by [`radix_sort_by_key`].
pub trait RadixKey: Copy + Ord {
    const BYTES: usize;
    fn byte(self, i: usize) -> u8;
}

impl RadixKey for u32 {
    const BYTES: usize = 4;
    fn byte(self, i: usize) -> u8 {
        (self >> (8 * i)) as u8
    }
}

impl RadixKey for u64 {
    const BYTES: usize = 8;
    fn byte(self, i: usize) -> u8 {
        (self >> (8 * i)) as u8
    }
}

impl RadixKey for u128 {
    const BYTES: usize = 16;
    fn byte(self, i: usize) -> u8 {
        (self >> (8 * i)) as u8
    }
}

/// Below this length a comparison sort is faster than histogramming.
const SMALL: usize = 256;

/// Sorts `v` ascending by `key`, stably.
pub fn radix_sort_by_key<T, K, F>(v: &mut [T], key: F)
where
    T: Copy,
    K: RadixKey,
    F: Fn(&T) -> K,
{
    if v.len() <= SMALL {
        v.sort_by_key(|t| key(t));
        return;
    }
    // One histogram per key byte, all filled in a single read of the data.
    let mut counts = vec![[0usize; 256]; K::BYTES];
    for t in v.iter() {
        let k = key(t);
        for (i, c) in counts.iter_mut().enumerate() {
            c[usize::from(k.byte(i))] += 1;
        }
    }
    let n = v.len();
    let mut scratch: Vec<T> = v.to_vec();
    // `in_scratch`: whether the current order lives in `scratch`.
    let mut in_scratch = false;
    for (i, c) in counts.iter().enumerate() {
        if c.iter().any(|&x| x == n) {
            continue; // every key has the same byte here: nothing to do
        }
        let mut offsets = [0usize; 256];
        let mut acc = 0;
        for (o, &x) in offsets.iter_mut().zip(c.iter()) {
            *o = acc;
            acc += x;
        }
        let (src, dst): (&[T], &mut [T]) = if in_scratch {
            (&scratch, &mut *v)
        } else {
            (&*v, &mut scratch)
        };
        for t in src {
            let b = usize::from(key(t).byte(i));
            dst[offsets[b]] = *t;
            offsets[b] += 1;
        }
        in_scratch = !in_scratch;
    }
    if in_scratch {
        v.copy_from_slice(&scratch);
    }
}

/// Sorts integer amounts ascending (radix sort; see the module comment).
pub fn radix_sort<K: RadixKey>(v: &mut [K]) {
    radix_sort_by_key(v, |&k| k);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_std_sort(mut v in prop::collection::vec(any::<u64>(), 0..2000), shift in 0u32..64) {
            for x in &mut v {
                *x >>= shift;
            }
            let mut expected = v.clone();
            expected.sort_unstable();
            radix_sort(&mut v);
            prop_assert_eq!(v, expected);
        }

        #[test]
        fn is_stable_and_handles_u128(v in prop::collection::vec((any::<u128>(), 0u8..4), 300..1500)) {
            let mut pairs: Vec<(u128, usize)> =
                v.iter().enumerate().map(|(i, &(x, s))| (x >> (s * 40), i)).collect();
            let mut by_small: Vec<(u128, usize)> = pairs.iter().map(|&(x, i)| (x % 7, i)).collect();
            let mut expected = by_small.clone();
            expected.sort_by_key(|p| p.0); // std's sort_by_key is stable
            radix_sort_by_key(&mut by_small, |p| p.0);
            prop_assert_eq!(by_small, expected);
            let mut expected = pairs.clone();
            expected.sort_unstable();
            radix_sort_by_key(&mut pairs, |p| p.0);
            prop_assert_eq!(pairs, expected);
        }
    }
}
