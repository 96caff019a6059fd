//! The in-memory layout of one observation in the general (weighted,
//! paired or grouped) path: an amount plus only the parts the analysis
//! asked for. Absent parts are zero-sized (`()`), so an unweighted,
//! ungrouped row costs nothing for weight or group and memory stays close
//! to the values' own size.

use std::fmt::Debug;

use crate::metrics::Observation;

/// An amount stored in a row: `u64` when every value fits, else `u128`.
pub(crate) trait Amount: Copy + Ord + Into<u128> + Default + Debug {}
impl Amount for u64 {}
impl Amount for u128 {}

/// A frequency weight: `u64`, or `()` meaning 1.
pub(crate) trait WeightSlot: Copy + Debug {
    fn new(w: u64) -> Self;
    fn get(&self) -> u64;
}

impl WeightSlot for () {
    fn new(_: u64) -> Self {}
    #[inline]
    fn get(&self) -> u64 {
        1
    }
}

impl WeightSlot for u64 {
    fn new(w: u64) -> Self {
        w
    }
    #[inline]
    fn get(&self) -> u64 {
        *self
    }
}

/// A group index: `u32`, or `()` meaning a single group.
pub(crate) trait GroupSlot: Copy + Debug + Ord {
    fn new(g: u32) -> Self;
    fn get(&self) -> u32;
}

impl GroupSlot for () {
    fn new(_: u32) -> Self {}
    fn get(&self) -> u32 {
        0
    }
}

impl GroupSlot for u32 {
    fn new(g: u32) -> Self {
        g
    }
    fn get(&self) -> u32 {
        *self
    }
}

/// The second (contribution) column and the scratch rank of the first:
/// [`Paired`], or `()` when there is no second column.
pub(crate) trait PairSlot<A>: Copy + Debug {
    const PAIRED: bool;
    fn new(y: A) -> Self;
    fn y(&self) -> A;
    fn rank(&self) -> f64;
    fn set_rank(&mut self, rank: f64);
}

impl<A: Amount> PairSlot<A> for () {
    const PAIRED: bool = false;
    fn new(_: A) -> Self {}
    fn y(&self) -> A {
        A::default()
    }
    fn rank(&self) -> f64 {
        0.0
    }
    fn set_rank(&mut self, _: f64) {}
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Paired<A> {
    y: A,
    rank: f64,
}

impl<A: Amount> PairSlot<A> for Paired<A> {
    const PAIRED: bool = true;
    fn new(y: A) -> Self {
        Paired { y, rank: 0.0 }
    }
    #[inline]
    fn y(&self) -> A {
        self.y
    }
    #[inline]
    fn rank(&self) -> f64 {
        self.rank
    }
    #[inline]
    fn set_rank(&mut self, rank: f64) {
        self.rank = rank;
    }
}

/// One observation: the analysed amount `x`, its weight, its pair and its
/// group.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<A, W, P, G> {
    pub x: A,
    pub w: W,
    pub p: P,
    pub g: G,
}

impl<A: Amount, W: WeightSlot, P: PairSlot<A>, G: GroupSlot> Observation for Row<A, W, P, G> {
    #[inline]
    fn value(&self) -> u128 {
        self.x.into()
    }
    #[inline]
    fn weight(&self) -> u64 {
        self.w.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_parts_take_no_space() {
        assert_eq!(std::mem::size_of::<Row<u64, (), (), ()>>(), 8);
        assert_eq!(std::mem::size_of::<Row<u64, u64, (), ()>>(), 16);
        assert_eq!(std::mem::size_of::<Row<u64, (), Paired<u64>, ()>>(), 24);
        assert_eq!(std::mem::size_of::<Row<u64, u64, Paired<u64>, u32>>(), 40);
    }
}
