//! The event queue: events ordered by (tick, insertion sequence), so equal
//! ticks pop in the order they were scheduled and runs are deterministic.
//!
//! Shaped for integer ticks: a ring of per-tick FIFO buckets covers the
//! window [now, now + W); an event further ahead waits in a binary heap
//! keyed by (tick, sequence) and moves into its bucket when the window
//! reaches its tick, which is before any event for that tick can be pushed
//! straight into the bucket. So each bucket stays in sequence order, and
//! push and pop are O(1) for the near future.
//!
//! The ring's events live in one slab of fixed-size chunks: a bucket is a
//! linked list of chunks, and a drained chunk goes back to a free list
//! that the next push reuses. So the ring's memory follows the most events
//! ever pending at once (not W times the busiest tick), a busy tick borrows
//! chunks instead of growing its own buffer, and once the slab has reached
//! that peak no push or pop allocates.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Events per chunk of the ring's slab.
const CHUNK: usize = 32;

/// No chunk (an empty bucket, the end of a list).
const NONE: u32 = u32::MAX;

/// One tick's events: the chunks from `head` to `tail` (linked by the
/// slab's `next`), all full but the tail, which holds `fill` events.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    head: u32,
    tail: u32,
    fill: u32,
}

const EMPTY: Bucket = Bucket {
    head: NONE,
    tail: NONE,
    fill: 0,
};

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
    buckets: Vec<Bucket>,
    mask: u64,
    /// The ring's events, `CHUNK` per chunk; chunk `c` is
    /// `slots[c * CHUNK..(c + 1) * CHUNK]`.
    slots: Vec<T>,
    /// Per chunk: the next chunk of its bucket (or of the free list).
    next: Vec<u32>,
    /// The first chunk of the free list.
    free: u32,
    /// The current tick; no event earlier than it can be pushed.
    now: u64,
    /// Read position inside the current bucket's head chunk.
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
            buckets: vec![EMPTY; size as usize],
            mask: size - 1,
            slots: Vec::new(),
            next: Vec::new(),
            free: NONE,
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

    /// Bytes the queue holds right now (ring buckets, the slab with its
    /// free chunks, and the overflow heap).
    pub fn memory_bytes(&self) -> usize {
        let ring = self.buckets.capacity() * std::mem::size_of::<Bucket>()
            + self.slots.capacity() * std::mem::size_of::<T>()
            + self.next.capacity() * std::mem::size_of::<u32>();
        ring + self.overflow.capacity() * std::mem::size_of::<Reverse<Pending<T>>>()
    }

    /// Reserves slab room for `events` more pending events spread over
    /// the ring (a partly filled chunk per tick beside them), and heap room
    /// for a quarter of them beyond it (an agent's next event drawn more
    /// than the ring's span ahead), so that such pushes allocate nothing.
    /// Pages not yet written take no memory.
    pub fn reserve(&mut self, events: usize) {
        let chunks = self.buckets.len() + events.div_ceil(CHUNK);
        self.next.reserve_exact(chunks);
        self.slots.reserve_exact(chunks * CHUNK);
        self.overflow.reserve(events / 4);
    }

    /// Appends `event` to the bucket of `tick`, which the ring covers.
    #[inline(always)]
    fn push_ring(&mut self, tick: u64, event: T) {
        let b = (tick & self.mask) as usize;
        let Bucket { tail, fill, .. } = self.buckets[b];
        if tail != NONE && (fill as usize) < CHUNK {
            self.slots[tail as usize * CHUNK + fill as usize] = event;
            self.buckets[b].fill = fill + 1;
        } else {
            let chunk = self.take_chunk(event);
            if tail == NONE {
                self.buckets[b].head = chunk;
            } else {
                self.next[tail as usize] = chunk;
            }
            self.buckets[b].tail = chunk;
            self.buckets[b].fill = 1;
            self.slots[chunk as usize * CHUNK] = event;
        }
        self.in_ring += 1;
    }

    /// A chunk off the free list, or a new one at the end of the slab
    /// (filled with copies of `filler` until written).
    #[inline]
    fn take_chunk(&mut self, filler: T) -> u32 {
        let chunk = self.free;
        if chunk != NONE {
            self.free = self.next[chunk as usize];
            self.next[chunk as usize] = NONE;
            return chunk;
        }
        let chunk = u32::try_from(self.next.len()).unwrap_or(NONE - 1);
        assert!(chunk < NONE - 1, "event queue: more than 2^32 chunks");
        self.next.push(NONE);
        self.slots.resize(self.slots.len() + CHUNK, filler);
        chunk
    }

    /// Gives a drained chunk back to the free list.
    #[inline]
    fn release(&mut self, chunk: u32) {
        self.next[chunk as usize] = self.free;
        self.free = chunk;
    }

    /// Schedules `event` at `tick`; a tick in the past is taken as now.
    #[inline(always)]
    pub fn push(&mut self, tick: u64, event: T) {
        let tick = tick.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        if tick - self.now <= self.mask {
            self.push_ring(tick, event);
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
            self.push_ring(tick, event);
        } else {
            self.overflow.push(Reverse(Pending { tick, seq, event }));
        }
    }

    /// Takes the earliest event, with its tick.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(u64, T)> {
        // The common case inline: the current tick has an unread event in
        // its head chunk (an empty bucket has no chunk and reads as full).
        let bucket = self.buckets[(self.now & self.mask) as usize];
        let limit = if bucket.head == bucket.tail {
            bucket.fill as usize
        } else {
            CHUNK
        };
        if self.cursor < limit {
            let event = self.slots[bucket.head as usize * CHUNK + self.cursor];
            self.cursor += 1;
            self.in_ring -= 1;
            return Some((self.now, event));
        }
        self.pop_slow()
    }

    /// The earliest event, with its tick, left in the queue (the next
    /// `pop` returns it).
    pub fn peek(&mut self) -> Option<(u64, T)> {
        let next = self.pop()?;
        // `pop` read it from the current bucket's head chunk, which stays
        // in place until the read position moves past its end.
        self.cursor -= 1;
        self.in_ring += 1;
        Some(next)
    }

    /// `pop` past the end of a chunk or a tick.
    #[inline(never)]
    fn pop_slow(&mut self) -> Option<(u64, T)> {
        loop {
            let b = (self.now & self.mask) as usize;
            let bucket = self.buckets[b];
            if bucket.head != NONE {
                let limit = if bucket.head == bucket.tail {
                    bucket.fill as usize
                } else {
                    CHUNK
                };
                if self.cursor < limit {
                    let event = self.slots[bucket.head as usize * CHUNK + self.cursor];
                    self.cursor += 1;
                    self.in_ring -= 1;
                    return Some((self.now, event));
                }
                // The head chunk is read: on to the next chunk of the tick,
                // or the tick is over.
                self.cursor = 0;
                let head = bucket.head;
                if head != bucket.tail {
                    self.buckets[b].head = self.next[head as usize];
                    self.release(head);
                    continue;
                }
                self.release(head);
                self.buckets[b] = EMPTY;
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
            self.push_ring(tick, event);
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
                    let peeked = q.peek();
                    prop_assert_eq!(q.pop(), peeked);
                    if let Some((t, id)) = peeked {
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

    /// A busy tick spans several chunks, pushes at the current tick while
    /// it is being read land behind it, and drained chunks are reused: the
    /// slab stops growing once it has held the most events pending at once.
    #[test]
    fn busy_ticks_reuse_chunks() {
        let mut q = EventQueue::new(16);
        let mut seq = 0u64;
        let mut peak_bytes = 0;
        for round in 0..50u64 {
            let tick = q.now() + 3;
            for _ in 0..(5 * CHUNK as u64 + 7) {
                q.push(tick, seq);
                seq += 1;
            }
            let mut last = None;
            for i in 0..(5 * CHUNK as u64 + 7) {
                let (t, e) = q.pop().unwrap();
                assert_eq!(t, tick);
                assert!(last.is_none_or(|l| l < e));
                last = Some(e);
                if i % 3 == 0 {
                    // Scheduled for now: read after the tick's earlier events.
                    q.push(t, seq);
                    seq += 1;
                }
            }
            while q.now() == tick && !q.is_empty() {
                let (t, e) = q.pop().unwrap();
                assert!(t > tick || last.is_none_or(|l| l < e));
                last = Some(e);
            }
            if round == 5 {
                peak_bytes = q.memory_bytes();
            } else if round > 5 {
                assert_eq!(q.memory_bytes(), peak_bytes, "round {round}");
            }
        }
    }
}
