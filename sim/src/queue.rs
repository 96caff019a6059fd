//! The event queue: events ordered by (tick, insertion sequence), so equal
//! ticks pop in the order they were scheduled and runs are deterministic.
//!
//! Shaped for integer ticks: a ring of per-tick FIFO buckets covers the
//! window [now, now + W); an event further ahead waits in a binary heap
//! keyed by (tick, sequence) and moves into its bucket when the window
//! reaches its tick, which is before any event for that tick can be pushed
//! straight into the bucket. So each bucket stays in sequence order, and
//! push and pop are O(1) for the near future.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Capacity (events) a drained bucket keeps for reuse.
const BUCKET_KEEP: usize = 256;

/// A far-future event waiting outside the ring.
#[derive(Debug, Clone, Copy)]
struct Pending<T> {
    tick: u64,
    seq: u64,
    event: T,
}

impl<T> PartialEq for Pending<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.tick, self.seq) == (other.tick, other.seq)
    }
}
impl<T> Eq for Pending<T> {}
impl<T> PartialOrd for Pending<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Pending<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.tick, self.seq).cmp(&(other.tick, other.seq))
    }
}

/// Bucket ring + overflow heap event queue.
#[derive(Debug)]
pub struct EventQueue<T> {
    buckets: Vec<Vec<T>>,
    mask: u64,
    /// The current tick; no event earlier than it can be pushed.
    now: u64,
    /// Read position inside the current bucket.
    cursor: usize,
    /// Events in the ring.
    in_ring: usize,
    overflow: BinaryHeap<Reverse<Pending<T>>>,
    next_seq: u64,
}

impl<T: Copy> EventQueue<T> {
    /// A queue whose ring covers at least `window` ticks.
    pub fn new(window: u64) -> Self {
        let size = window.clamp(2, 1 << 20).next_power_of_two();
        Self {
            buckets: (0..size).map(|_| Vec::new()).collect(),
            mask: size - 1,
            now: 0,
            cursor: 0,
            in_ring: 0,
            overflow: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// The tick of the last event popped (or 0).
    pub fn now(&self) -> u64 {
        self.now
    }

    pub fn len(&self) -> usize {
        self.in_ring + self.overflow.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the queue holds right now (ring buckets and overflow heap).
    pub fn memory_bytes(&self) -> usize {
        let ring: usize = self.buckets.iter().map(Vec::capacity).sum::<usize>()
            * std::mem::size_of::<T>()
            + self.buckets.capacity() * std::mem::size_of::<Vec<T>>();
        ring + self.overflow.capacity() * std::mem::size_of::<Reverse<Pending<T>>>()
    }

    /// Schedules `event` at `tick`; a tick in the past is taken as now.
    #[inline(always)]
    pub fn push(&mut self, tick: u64, event: T) {
        let tick = tick.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        if tick - self.now <= self.mask {
            self.buckets[(tick & self.mask) as usize].push(event);
            self.in_ring += 1;
        } else {
            self.overflow.push(Reverse(Pending { tick, seq, event }));
        }
    }

    /// Reserves `n` sequence numbers for events pushed later with
    /// [`push_with_seq`](Self::push_with_seq) and returns the first: they
    /// sort as if pushed now, before every event pushed after this call.
    pub fn reserve_seqs(&mut self, n: u64) -> u64 {
        let first = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(n);
        first
    }

    /// The latest tick a [`push_with_seq`](Self::push_with_seq) made now
    /// would put into the ring rather than the overflow heap.
    pub fn ring_end(&self) -> u64 {
        self.now.saturating_add(self.mask)
    }

    /// Schedules `event` at `tick` with a sequence number from
    /// [`reserve_seqs`](Self::reserve_seqs). Exact (tick, sequence) order
    /// needs one of: `tick > ring_end()` (it waits in the heap, keyed by
    /// its sequence), or no event with a larger sequence already in the
    /// ring at `tick` (e.g. at genesis, in sequence order).
    pub fn push_with_seq(&mut self, tick: u64, seq: u64, event: T) {
        let tick = tick.max(self.now);
        if tick - self.now <= self.mask {
            self.buckets[(tick & self.mask) as usize].push(event);
            self.in_ring += 1;
        } else {
            self.overflow.push(Reverse(Pending { tick, seq, event }));
        }
    }

    /// Takes the earliest event, with its tick.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, T)> {
        loop {
            let bucket = &mut self.buckets[(self.now & self.mask) as usize];
            if self.cursor < bucket.len() {
                let event = bucket[self.cursor];
                self.cursor += 1;
                self.in_ring -= 1;
                return Some((self.now, event));
            }
            bucket.clear();
            // A drained bucket keeps a modest capacity only: otherwise every
            // bucket of the ring would hold on to its busiest tick's size,
            // W times the peak instead of the events actually pending.
            if bucket.capacity() > BUCKET_KEEP {
                bucket.shrink_to(BUCKET_KEEP);
            }
            self.cursor = 0;
            if self.in_ring == 0 {
                // Jump straight to the next far-future event.
                let Reverse(next) = self.overflow.peek()?;
                self.now = next.tick;
            } else {
                self.now += 1;
            }
            self.migrate();
        }
    }

    /// Moves overflow events that the window now reaches into their buckets,
    /// in (tick, sequence) order.
    #[inline]
    fn migrate(&mut self) {
        while let Some(Reverse(next)) = self.overflow.peek() {
            if next.tick - self.now > self.mask {
                break;
            }
            let tick = next.tick;
            let event = next.event;
            self.overflow.pop();
            self.buckets[(tick & self.mask) as usize].push(event);
            self.in_ring += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Pops in (tick, sequence) order, as a sorted list of pushes would,
        /// including pushes made while popping.
        #[test]
        fn pops_in_tick_then_sequence_order(
            ops in proptest::collection::vec((0u64..200, 0u8..4), 1..300),
            window in 1u64..64,
        ) {
            let mut q = EventQueue::new(window);
            let mut reference = Vec::new();
            let mut seq = 0u64;
            let mut popped = Vec::new();
            for (delay, action) in ops {
                if action == 0 {
                    if let Some((t, id)) = q.pop() {
                        popped.push((t, id));
                    }
                } else {
                    let tick = q.now() + delay;
                    q.push(tick, seq);
                    reference.push((tick, seq));
                    seq += 1;
                }
            }
            while let Some(e) = q.pop() {
                popped.push(e);
            }
            // Every event pops exactly once, ticks never go backwards, and
            // within a tick sequence numbers ascend.
            prop_assert_eq!(popped.len(), reference.len());
            for w in popped.windows(2) {
                prop_assert!(w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1));
            }
            let mut a = popped.clone();
            a.sort_unstable();
            reference.sort_unstable();
            prop_assert_eq!(a, reference);
        }
    }
}
