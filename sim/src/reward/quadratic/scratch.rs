//! Reusable sparse accumulators for the matching mechanisms: a dense value
//! array indexed by a small integer id plus the list of ids touched since the
//! last clear, with generation stamps so that clearing costs O(touched), not
//! O(capacity). Owned by [`super::Scratch`] and reused across calls.

/// A sparse accumulator over ids `0..capacity`.
#[derive(Debug, Clone, Default)]
pub(super) struct SparseAcc {
    values: Vec<f64>,
    mark: Vec<u32>,
    generation: u32,
    touched: Vec<u32>,
}

impl SparseAcc {
    /// Empties the accumulator and makes room for ids `0..capacity`.
    pub(super) fn reset(&mut self, capacity: usize) {
        if self.values.len() < capacity {
            self.values.resize(capacity, 0.0);
            self.mark.resize(capacity, 0);
        }
        self.clear();
    }

    /// Forgets every touched id (O(touched)).
    pub(super) fn clear(&mut self) {
        self.touched.clear();
        if self.generation == u32::MAX {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.generation = 0;
        }
        self.generation += 1;
    }

    /// Adds `value` to the entry of `id`, touching it if it was untouched.
    #[inline]
    pub(super) fn add(&mut self, id: u32, value: f64) {
        let i = id as usize;
        if self.mark[i] != self.generation {
            self.mark[i] = self.generation;
            self.values[i] = 0.0;
            self.touched.push(id);
        }
        self.values[i] += value;
    }

    /// Sets the entry of `id` to `value`, touching it if it was untouched.
    #[inline]
    pub(super) fn set(&mut self, id: u32, value: f64) {
        let i = id as usize;
        if self.mark[i] != self.generation {
            self.mark[i] = self.generation;
            self.touched.push(id);
        }
        self.values[i] = value;
    }

    /// The value of `id`, zero if untouched.
    #[inline]
    pub(super) fn get(&self, id: u32) -> f64 {
        let i = id as usize;
        if self.mark[i] == self.generation {
            self.values[i]
        } else {
            0.0
        }
    }

    /// Ids touched since the last clear, in first-touch order.
    #[inline]
    pub(super) fn touched(&self) -> &[u32] {
        &self.touched
    }

    /// Number of touched ids.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.touched.len()
    }
}

/// A map from global ids `0..capacity` to dense local indices `0..len`,
/// assigned in insertion order.
#[derive(Debug, Clone, Default)]
pub(super) struct LocalIndex {
    local: Vec<u32>,
    mark: Vec<u32>,
    generation: u32,
    items: Vec<u32>,
}

impl LocalIndex {
    pub(super) fn reset(&mut self, capacity: usize) {
        if self.local.len() < capacity {
            self.local.resize(capacity, 0);
            self.mark.resize(capacity, 0);
        }
        self.clear();
    }

    pub(super) fn clear(&mut self) {
        self.items.clear();
        if self.generation == u32::MAX {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.generation = 0;
        }
        self.generation += 1;
    }

    /// The local index of `id`, inserting it if new.
    #[inline]
    pub(super) fn insert(&mut self, id: u32) -> u32 {
        let i = id as usize;
        if self.mark[i] != self.generation {
            self.mark[i] = self.generation;
            // Fits: at most `capacity` <= u32::MAX items.
            self.local[i] = self.items.len() as u32;
            self.items.push(id);
        }
        self.local[i]
    }

    /// The local index of `id`, if inserted.
    #[inline]
    pub(super) fn get(&self, id: u32) -> Option<u32> {
        let i = id as usize;
        (self.mark[i] == self.generation).then(|| self.local[i])
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// The inserted ids, by local index.
    #[inline]
    pub(super) fn items(&self) -> &[u32] {
        &self.items
    }
}
