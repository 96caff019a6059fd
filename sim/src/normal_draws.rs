//! Standard normal draws in bulk, each exactly `rand_distr::StandardNormal`'s
//! draw from the same generator (same value, same words consumed), at about
//! two thirds of its cost: owns [`NormalDraws`].
//!
//! `StandardNormal` is Marsaglia and Tsang's ziggurat (2000) with 256
//! layers: a draw takes one 64-bit word; its low 8 bits pick the layer i,
//! its top 52 bits make u ∈ [−1, 1) (rand_distr's conversion: the bits as
//! the mantissa of a number in [2, 4), minus 3), and x = u · X_i is the
//! draw when |x| < X_{i+1} (about 99 % of draws). Otherwise the draw goes
//! on to the wedge test, the tail (layer 0) or a new word. Inlined into a
//! loop, `StandardNormal` keeps all of that in the loop, whose register
//! pressure then costs the common case; here the common case is a loop of
//! its own, and every other draw is handed to `StandardNormal` itself,
//! with the word already taken given back to it first, so it decides
//! exactly as it would have.
//!
//! The layers' X_i are `rand_distr`'s own, read off it once by drawing
//! with a word whose u is 2^−10 (so x = X_i / 1024, exactly) in each
//! layer; X_256 = 0, as in its table. A self-check at construction
//! compares 4,096 draws with `StandardNormal`; should it fail (a
//! `rand_distr` with another algorithm), every draw is a plain
//! `StandardNormal` draw, so the values never depend on the reading.
//! `draws_are_standard_normal` checks every value and the generator's
//! state against `StandardNormal` over millions of draws and several
//! seeds, with the fast path on.

use rand::RngCore;
use rand_distr::{Distribution, StandardNormal};

use crate::rng::SimRng;

/// The ziggurat's layer edges, read off `StandardNormal` (see the module
/// documentation), and whether they passed the self-check.
#[derive(Debug, Clone)]
pub struct NormalDraws {
    edge: [f64; 257],
    /// False if the edges read off did not reproduce `StandardNormal` (a
    /// `rand_distr` with another algorithm): every draw then is a plain
    /// `StandardNormal` draw.
    fast: bool,
}

impl Default for NormalDraws {
    fn default() -> Self {
        Self::new()
    }
}

/// The word whose u is 2^−10 in layer `layer`: mantissa bits m with
/// 2 + m · 2^−52 − 3 = 2^−10.
fn probe_word(layer: u64) -> u64 {
    let mantissa: u64 = (1 << 51) + (1 << 41);
    (mantissa << 12) | layer
}

/// u of a word, as `StandardNormal` computes it.
#[inline(always)]
fn unit_of(word: u64) -> f64 {
    f64::from_bits((word >> 12) | (1024u64 << 52)) - 3.0
}

impl NormalDraws {
    pub fn new() -> Self {
        let mut edge = [0.0; 257];
        for (layer, x) in edge.iter_mut().take(256).enumerate() {
            // Layers 0..255 accept u = 2^−10 at the first test; the top
            // layer (X_256 = 0) accepts it at the wedge test, which reads
            // the same word again.
            let mut words = Repeat {
                word: probe_word(layer as u64),
                left: 16,
            };
            let draw: f64 = StandardNormal.sample(&mut words);
            *x = draw * 1024.0;
        }
        let mut draws = Self { edge, fast: true };
        draws.fast = draws.reproduces_standard_normal();
        draws
    }

    /// The self-check: 4,096 draws from a fixed generator, value for value
    /// and word for word against `StandardNormal`.
    fn reproduces_standard_normal(&self) -> bool {
        use rand::SeedableRng;
        let mut reference = SimRng::seed_from_u64(0x5EED);
        let mut fast = reference.clone();
        let mut z = [0.0; 512];
        for _ in 0..8 {
            self.fill_fast(&mut fast, &mut z);
            for &x in &z {
                let expected: f64 = StandardNormal.sample(&mut reference);
                if x.to_bits() != expected.to_bits() {
                    return false;
                }
            }
        }
        fast.next_u64() == reference.next_u64()
    }

    /// Whether the fast path is in use (the self-check passed).
    pub fn is_fast(&self) -> bool {
        self.fast
    }

    /// Fills `z` with standard normal draws from `rng`, in order: the
    /// values and the generator's state afterwards are `StandardNormal`'s.
    pub fn fill(&self, rng: &mut SimRng, z: &mut [f64]) {
        if self.fast {
            self.fill_fast(rng, z);
        } else {
            for x in z {
                *x = StandardNormal.sample(rng);
            }
        }
    }

    fn fill_fast(&self, rng: &mut SimRng, z: &mut [f64]) {
        let edge = &self.edge;
        for x in z {
            let word = rng.next_u64();
            let layer = (word & 0xff) as usize;
            let v = unit_of(word) * edge[layer];
            *x = if v.abs() < edge[layer + 1] {
                v
            } else {
                rest_of_draw(rng, word)
            };
        }
    }
}

/// A draw that the first test did not accept: `StandardNormal` from the
/// word already taken on.
#[cold]
#[inline(never)]
fn rest_of_draw(rng: &mut SimRng, word: u64) -> f64 {
    StandardNormal.sample(&mut GiveBack {
        word: Some(word),
        rng,
    })
}

/// A generator that returns `word` first, then `rng`'s words.
struct GiveBack<'a> {
    word: Option<u64>,
    rng: &'a mut SimRng,
}

impl RngCore for GiveBack<'_> {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.word.take().unwrap_or_else(|| self.rng.next_u64())
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dest)
    }
}

/// A generator that returns one word, `left` times, then a word the
/// first test accepts in layer 1 (for reading the table: a draw never
/// loops for ever, and a wrong reading fails the self-check).
struct Repeat {
    word: u64,
    left: u32,
}

impl RngCore for Repeat {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    fn next_u64(&mut self) -> u64 {
        if self.left == 0 {
            return probe_word(1);
        }
        self.left -= 1;
        self.word
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn draws_are_standard_normal() {
        let draws = NormalDraws::new();
        assert!(
            draws.is_fast(),
            "the self-check failed: the fast path is off"
        );
        let mut z = vec![0.0; 1000];
        for seed in [0u64, 1, 7, 42, 1 << 40] {
            let mut reference = SimRng::seed_from_u64(seed);
            let mut fast = SimRng::seed_from_u64(seed);
            for length in [1000, 1, 17, 0, 999] {
                for _ in 0..400 {
                    draws.fill(&mut fast, &mut z[..length]);
                    for (i, &x) in z[..length].iter().enumerate() {
                        let expected: f64 = StandardNormal.sample(&mut reference);
                        assert_eq!(x.to_bits(), expected.to_bits(), "seed {seed}, draw {i}");
                    }
                }
            }
            assert_eq!(fast.next_u64(), reference.next_u64(), "seed {seed}");
        }
    }

    #[test]
    fn a_wrong_table_fails_the_self_check_and_plain_draws_take_over() {
        let mut draws = NormalDraws::new();
        draws.edge[7] *= 1.001;
        assert!(!draws.reproduces_standard_normal());
        draws.fast = false;
        let mut reference = SimRng::seed_from_u64(3);
        let mut plain = SimRng::seed_from_u64(3);
        let mut z = [0.0; 300];
        draws.fill(&mut plain, &mut z);
        for &x in &z {
            let expected: f64 = StandardNormal.sample(&mut reference);
            assert_eq!(x.to_bits(), expected.to_bits());
        }
    }

    #[test]
    fn the_table_is_the_ziggurat_of_the_normal() {
        let edge = NormalDraws::new().edge;
        // Marsaglia & Tsang (2000), 256 layers: r = 3.6541528853610088 is
        // the edge of layer 1; layer 0's is v / f(r) with the tail; the
        // edges fall to 0 at the top.
        assert!((edge[1] - 3.654_152_885_361_009).abs() < 1e-12);
        assert!(edge[0] > edge[1]);
        assert!(edge.windows(2).all(|w| w[0] > w[1] || w[1] == 0.0));
        assert_eq!(edge[256], 0.0);
        assert!(edge[255] > 0.0);
    }
}
