//! Random number generation: one fixed-algorithm generator (PCG 64-bit MCG
//! from rand_pcg, whose output is fixed by its crate) seeded explicitly.
//! Independent streams for genesis and the event loop are derived from the
//! scenario seed with SplitMix64, so adding draws in one never shifts the
//! other. Never an OS-seeded generator.

use rand::SeedableRng;

/// The generator every simulation draw comes from.
pub type SimRng = rand_pcg::Pcg64Mcg;

/// Name recorded in run manifests.
pub const RNG_NAME: &str = "Pcg64Mcg (rand_pcg 0.9), streams derived by SplitMix64";

/// Streams of one run.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Stream {
    Genesis = 1,
    Events = 2,
    Rewards = 3,
    /// Which dataset each task uses (only when a scheme pays by usage).
    Usage = 4,
    /// Governance: proposals, delegation, turnout and stances (only with
    /// a `[governance]` section).
    Governance = 5,
}

/// SplitMix64 finaliser (Steele, Lea, Flood 2014).
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The generator of one stream of a run.
pub fn stream(seed: u64, stream: Stream) -> SimRng {
    SimRng::seed_from_u64(splitmix64(seed ^ splitmix64(stream as u64)))
}
