//! Weighted random draws for the event loop, built or rebuilt once per
//! epoch so that a draw costs O(log n) or O(1) and allocates nothing:
//! `Fenwick` (a binary indexed tree of integer weights that can change and
//! grow between draws) and `AliasTable` (Walker's alias method for weights
//! fixed for the epoch, rebuilt in O(n) by Vose's algorithm).

use rand::Rng;

/// A Fenwick tree (Fenwick, "A New Data Structure for Cumulative Frequency
/// Tables", 1994) over integer weights: update, append and draw in O(log n).
#[derive(Debug, Clone, Default)]
pub struct Fenwick {
    /// 1-indexed partial sums; `tree[0]` is unused.
    tree: Vec<u64>,
    weight: Vec<u64>,
    total: u64,
}

impl Fenwick {
    /// Rebuilds the tree from `weights` in O(n), reusing its memory.
    pub fn rebuild(&mut self, weights: impl IntoIterator<Item = u64>) {
        self.weight.clear();
        self.weight.extend(weights);
        let n = self.weight.len();
        self.tree.clear();
        self.tree.resize(n + 1, 0);
        self.total = 0;
        for i in 1..=n {
            let w = self.weight[i - 1];
            self.total += w;
            self.tree[i] += w;
            let parent = i + (i & i.wrapping_neg());
            if parent <= n {
                self.tree[parent] += self.tree[i];
            }
        }
    }

    pub fn len(&self) -> usize {
        self.weight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn weight(&self, i: usize) -> u64 {
        self.weight.get(i).copied().unwrap_or(0)
    }

    /// Appends an element of weight `w` (index `len()`), in O(log n).
    pub fn push(&mut self, w: u64) {
        self.weight.push(w);
        let i = self.weight.len();
        // tree[i] covers (i − lowbit(i), i]: w plus the sums of the
        // children already present, i.e. prefix(i − 1) − prefix(i − lowbit(i)).
        let low = i & i.wrapping_neg();
        let covered = self.prefix(i - 1) - self.prefix(i - low);
        self.tree.push(w + covered);
        self.total += w;
    }

    /// Sum of the first `i` weights.
    fn prefix(&self, mut i: usize) -> u64 {
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }

    /// Sets the weight of element `i`, in O(log n).
    #[inline]
    pub fn set(&mut self, i: usize, w: u64) {
        let Some(old) = self.weight.get(i).copied() else {
            return;
        };
        self.weight[i] = w;
        self.total = self.total - old + w;
        let mut k = i + 1;
        while k < self.tree.len() {
            // Two's-complement wrapping keeps the sums exact.
            self.tree[k] = self.tree[k].wrapping_add(w).wrapping_sub(old);
            k += k & k.wrapping_neg();
        }
    }

    /// Draws an index with probability weight / total, or `None` when the
    /// total is zero.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<usize> {
        if self.total == 0 {
            return None;
        }
        let mut x = rng.random_range(0..self.total);
        let n = self.tree.len() - 1;
        let mut pos = 0;
        let mut step = if n == 0 { 0 } else { 1 << n.ilog2() };
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] <= x {
                x -= self.tree[next];
                pos = next;
            }
            step >>= 1;
        }
        // `pos` weights sum to at most x; the element at index `pos` holds x.
        (pos < n).then_some(pos)
    }
}

/// Walker's alias table (Walker 1977; construction after Vose, "A Linear
/// Algorithm for Generating Random Numbers with a Given Distribution",
/// 1991): O(1) draws from weights fixed until the next rebuild.
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    prob: Vec<f64>,
    alias: Vec<u32>,
    small: Vec<u32>,
    large: Vec<u32>,
}

impl AliasTable {
    /// Rebuilds from non-negative weights (others count as zero), reusing
    /// memory. An all-zero table draws nothing.
    pub fn rebuild(&mut self, weights: &[f64]) {
        let n = weights.len();
        self.prob.clear();
        self.alias.clear();
        let clean = |w: f64| if w.is_finite() && w > 0.0 { w } else { 0.0 };
        let total: f64 = weights.iter().map(|&w| clean(w)).sum();
        if n == 0 || total <= 0.0 || n > u32::MAX as usize {
            return;
        }
        let scale = n as f64 / total;
        self.prob.extend(weights.iter().map(|&w| clean(w) * scale));
        self.alias.extend(0..n as u32);
        self.small.clear();
        self.large.clear();
        for (i, &p) in self.prob.iter().enumerate() {
            if p < 1.0 {
                self.small.push(i as u32);
            } else {
                self.large.push(i as u32);
            }
        }
        while let (Some(&s), Some(&l)) = (self.small.last(), self.large.last()) {
            self.small.pop();
            self.alias[s as usize] = l;
            let rest = self.prob[l as usize] + self.prob[s as usize] - 1.0;
            self.prob[l as usize] = rest;
            if rest < 1.0 {
                self.large.pop();
                self.small.push(l);
            }
        }
        // Leftovers are 1 up to rounding.
        for &i in self.small.iter().chain(&self.large) {
            self.prob[i as usize] = 1.0;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.prob.is_empty()
    }

    /// Draws an index with probability ∝ its weight.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<usize> {
        if self.prob.is_empty() {
            return None;
        }
        let i = rng.random_range(0..self.prob.len());
        if rng.random::<f64>() < self.prob[i] {
            Some(i)
        } else {
            Some(self.alias[i] as usize)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    proptest! {
        #[test]
        fn fenwick_matches_a_plain_array(
            initial in proptest::collection::vec(0u64..1000, 0..40),
            ops in proptest::collection::vec((0usize..60, 0u64..1000, any::<bool>()), 0..60),
            seed in any::<u64>(),
        ) {
            let mut f = Fenwick::default();
            f.rebuild(initial.iter().copied());
            let mut plain = initial.clone();
            for (i, w, push) in ops {
                if push {
                    f.push(w);
                    plain.push(w);
                } else if !plain.is_empty() {
                    let i = i % plain.len();
                    f.set(i, w);
                    plain[i] = w;
                }
                prop_assert_eq!(f.total(), plain.iter().sum::<u64>());
                for k in 0..=plain.len() {
                    prop_assert_eq!(f.prefix(k), plain[..k].iter().sum::<u64>());
                }
            }
            let mut rng = crate::rng::SimRng::seed_from_u64(seed);
            for _ in 0..20 {
                match f.draw(&mut rng) {
                    Some(i) => prop_assert!(plain[i] > 0),
                    None => prop_assert_eq!(plain.iter().sum::<u64>(), 0),
                }
            }
        }
    }

    #[test]
    fn draws_follow_the_weights() {
        let mut rng = crate::rng::SimRng::seed_from_u64(5);
        let weights = [1.0, 0.0, 3.0, 6.0];
        let mut alias = AliasTable::default();
        alias.rebuild(&weights);
        let mut fen = Fenwick::default();
        fen.rebuild([1, 0, 3, 6]);
        let (mut a, mut b) = ([0u32; 4], [0u32; 4]);
        for _ in 0..100_000 {
            a[alias.draw(&mut rng).expect("non-empty")] += 1;
            b[fen.draw(&mut rng).expect("non-empty")] += 1;
        }
        for counts in [a, b] {
            assert_eq!(counts[1], 0);
            for (c, w) in counts.iter().zip(weights) {
                let share = f64::from(*c) / 100_000.0;
                assert!((share - w / 10.0).abs() < 0.01, "{counts:?}");
            }
        }
        alias.rebuild(&[0.0, 0.0]);
        assert_eq!(alias.draw(&mut rng), None);
    }
}
