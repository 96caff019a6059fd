//! Bittensor's Yuma consensus, one epoch at a time: how a subnet's emission
//! is split between providers (miners, paid by *incentive*) and validators
//! (paid by *dividends*) from the validators' stakes and the weights they
//! set on providers. Owns the input ([`YumaInput`], [`Weights`],
//! [`YumaParams`]), the state carried between epochs ([`YumaState`]: the
//! bonds) and the per-epoch result ([`YumaOutput`]).
//!
//! Source: the chain's own code, `opentensor/subtensor`,
//! `pallets/subtensor/src/epoch/run_epoch.rs` (`epoch`, the "original Yuma"
//! branch, i.e. liquid alpha and Yuma 3 off) and `epoch/math.rs`
//! (`weighted_median_col_sparse`, `col_clip_sparse`, `mat_ema_sparse`,
//! `inplace_col_normalize_sparse`). Where the Python simulators differ (the
//! quantile at exact ties, the direction of the EMA rate) the chain is
//! followed. One epoch, with `S` the normalised stakes, `W` the
//! row-normalised weights (validator × provider):
//!
//! 1. preranks `P_j = Σ_i S_i W_ij`;
//! 2. consensus `C_j` = the stake-weighted κ-quantile of column `j`: the
//!    largest `x` such that validators with `W_ij ≥ x` hold at least a
//!    fraction κ of the stake (`weighted_median`: `cum(< x) ≤ 1 − κ <
//!    cum(≤ x)`), over validators with positive stake;
//! 3. clipped weights `W̄_ij = min(W_ij, C_j)`, with the consensus as
//!    computed (no rescaling); validator trust `Σ_j W̄_ij`;
//! 4. ranks `R_j = Σ_i S_i W̄_ij`; provider trust `R_j / P_j`; incentive
//!    `I = R / Σ R`;
//! 5. bonds: `W_b = W + β (W̄ − W)` (β = bonds penalty, 1 on the chain by
//!    default: `W_b = W̄`); `ΔB = colnorm(S ∘ W_b)`;
//!    `B ← colnorm(α ΔB + (1 − α) colnorm(B_old))` (α = 1 − bonds moving
//!    average, 0.1 by default: the weight of the new epoch);
//! 6. dividends `D = normalise(B I)` (`D_i = Σ_j B_ij I_j`);
//! 7. emission shares `I_j / (Σ I + Σ D)` to providers and
//!    `D_i / (Σ I + Σ D)` to validators (50/50); if both are zero the
//!    validators get `S` instead.
//!
//! Differences from the chain, deliberate: arithmetic is `f64` rather than
//! fixed point, and bonds are kept column-normalised in full precision
//! rather than max-upscaled to `u16` between epochs (the chain
//! column-normalises them again on reading, so only rounding differs).
//! Every validator given is treated as active and holding a permit; the
//! caller drops a validator's weight on its own provider id (the chain masks
//! the diagonal), see [`Weights::mask_self`].

/// Errors from building weights or running an epoch.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum YumaError {
    #[error("weight {index}: validator index {validator} is out of range (there are {n_validators} validators)")]
    ValidatorOutOfRange {
        index: usize,
        validator: usize,
        n_validators: usize,
    },
    #[error("weight {index}: provider index {provider} is out of range (there are {n_providers} providers)")]
    ProviderOutOfRange {
        index: usize,
        provider: usize,
        n_providers: usize,
    },
    #[error("weight {index}: {weight} is not a finite non-negative number")]
    InvalidWeight { index: usize, weight: f64 },
    #[error("weight {index}: validator {validator} already set a weight on provider {provider} (weight {first})")]
    DuplicateWeight {
        index: usize,
        first: usize,
        validator: usize,
        provider: usize,
    },
    #[error("stake of validator {validator} = {stake} is not a finite non-negative number")]
    InvalidStake { validator: usize, stake: f64 },
    #[error("{stakes} stakes given for {validators} validators in the weights")]
    StakeCount { stakes: usize, validators: usize },
    #[error("{name} = {value} is invalid: expected {expected}")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    #[error("the bonds are {state_validators} × {state_providers} but the input is {validators} × {providers}; resize the state first")]
    ShapeChanged {
        state_validators: usize,
        state_providers: usize,
        validators: usize,
        providers: usize,
    },
    #[error("weight {index}: validator {validator} sets provider {provider} after provider {previous}; a row's providers must ascend")]
    UnsortedRow {
        index: usize,
        validator: usize,
        provider: usize,
        previous: usize,
    },
    #[error("a sum overflowed to a non-finite value ({what})")]
    Overflow { what: &'static str },
    #[error("a row of {providers} providers was given {weights} weights")]
    RowLengths { providers: usize, weights: usize },
    #[error(
        "column {index}: provider {provider} comes after provider {previous}; columns must ascend"
    )]
    UnsortedColumns {
        index: usize,
        provider: usize,
        previous: usize,
    },
}

/// Parameters of an epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YumaParams {
    /// κ ∈ (0, 1]: the stake fraction that must support a weight for it to
    /// count as consensus (chain default `Kappa` = 32767/65535 ≈ 0.5).
    pub kappa: f64,
    /// α ∈ (0, 1]: the weight of the new epoch's bonds in the EMA (chain:
    /// 1 − `BondsMovingAverage`/10⁶ = 0.1 by default).
    pub bond_alpha: f64,
    /// β ∈ [0, 1]: how far bonds use clipped rather than raw weights
    /// (chain `BondsPenalty`/65535, default 1: bonds use clipped weights).
    pub bonds_penalty: f64,
}

impl Default for YumaParams {
    fn default() -> Self {
        Self {
            kappa: 0.5,
            bond_alpha: 0.1,
            bonds_penalty: 1.0,
        }
    }
}

impl YumaParams {
    pub(super) fn check(&self) -> Result<(), YumaError> {
        let bad = |name, value, expected| {
            Err(YumaError::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        if !(self.kappa > 0.0 && self.kappa <= 1.0) {
            return bad("kappa", self.kappa, "a number in (0, 1]");
        }
        if !(self.bond_alpha > 0.0 && self.bond_alpha <= 1.0) {
            return bad("bond alpha", self.bond_alpha, "a number in (0, 1]");
        }
        if !(self.bonds_penalty >= 0.0 && self.bonds_penalty <= 1.0) {
            return bad("bonds penalty", self.bonds_penalty, "a number in [0, 1]");
        }
        Ok(())
    }
}

/// One weight set by validator index `validator` on provider index
/// `provider` (raw, any scale: rows are normalised inside).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightEntry {
    pub validator: usize,
    pub provider: usize,
    pub weight: f64,
}

/// The validators' raw weights on providers, stored sparsely by validator
/// (compressed rows, providers ascending). Zero weights are not stored.
/// Build it at once from unordered entries ([`Weights::new`]) or row by
/// row into reused buffers ([`Weights::clear`], [`Weights::push_row`]).
#[derive(Debug, Clone, Default)]
pub struct Weights {
    n_validators: usize,
    n_providers: usize,
    /// Row `i` is `start[i]..start[i + 1]` (empty until the first row).
    start: Vec<usize>,
    col: Vec<u32>,
    val: Vec<f64>,
    /// Row `i`'s total, its stored weights summed providers ascending (the
    /// sum an epoch normalises the row by), kept as rows are built.
    row_sum: Vec<f64>,
}

/// The empty sum of `f64`s as `Iterator::sum` gives it, where a row's total
/// starts.
pub(super) fn empty_sum() -> f64 {
    std::iter::empty::<f64>().sum()
}

impl Weights {
    /// Builds the weights of `n_validators` validators on `n_providers`
    /// providers. A (validator, provider) pair may appear once. Costs
    /// O(entries + validators) memory and a sort of each validator's row.
    pub fn new(
        n_validators: usize,
        n_providers: usize,
        entries: &[WeightEntry],
    ) -> Result<Self, YumaError> {
        check_providers(n_providers)?;
        let mut count = vec![0usize; n_validators + 1];
        for (index, e) in entries.iter().enumerate() {
            if e.validator >= n_validators {
                return Err(YumaError::ValidatorOutOfRange {
                    index,
                    validator: e.validator,
                    n_validators,
                });
            }
            if e.provider >= n_providers {
                return Err(YumaError::ProviderOutOfRange {
                    index,
                    provider: e.provider,
                    n_providers,
                });
            }
            if !(e.weight.is_finite() && e.weight >= 0.0) {
                return Err(YumaError::InvalidWeight {
                    index,
                    weight: e.weight,
                });
            }
            count[e.validator + 1] += 1;
        }
        for i in 0..n_validators {
            count[i + 1] += count[i];
        }
        // Entries grouped by validator (a stable counting sort), then each
        // row by provider (stable): the order of a sort by (validator,
        // provider), so the first duplicate found is the same.
        let mut order = vec![0usize; entries.len()];
        let mut next = count.clone();
        for (index, e) in entries.iter().enumerate() {
            order[next[e.validator]] = index;
            next[e.validator] += 1;
        }
        drop(next);
        for i in 0..n_validators {
            let row = &mut order[count[i]..count[i + 1]];
            row.sort_by_key(|&k| entries[k].provider);
            for pair in row.windows(2) {
                let (a, b) = (&entries[pair[0]], &entries[pair[1]]);
                if a.provider == b.provider {
                    return Err(YumaError::DuplicateWeight {
                        index: pair[0].max(pair[1]),
                        first: pair[0].min(pair[1]),
                        validator: a.validator,
                        provider: a.provider,
                    });
                }
            }
        }
        let stored = entries.iter().filter(|e| e.weight > 0.0).count();
        let mut weights = Self {
            n_validators,
            n_providers,
            start: Vec::with_capacity(n_validators + 1),
            col: Vec::with_capacity(stored),
            val: Vec::with_capacity(stored),
            row_sum: Vec::with_capacity(n_validators),
        };
        weights.start.push(0);
        for i in 0..n_validators {
            let begin = weights.col.len();
            for &k in &order[count[i]..count[i + 1]] {
                let e = &entries[k];
                if e.weight > 0.0 {
                    weights.col.push(e.provider as u32);
                    weights.val.push(e.weight);
                }
            }
            weights.start.push(weights.col.len());
            weights.row_sum.push(weights.val[begin..].iter().sum());
        }
        Ok(weights)
    }

    /// Empties the weights (keeping their buffers) for validators to be
    /// added with [`Weights::push_row`] on `n_providers` providers.
    pub fn clear(&mut self, n_providers: usize) -> Result<(), YumaError> {
        check_providers(n_providers)?;
        self.n_validators = 0;
        self.n_providers = n_providers;
        self.start.clear();
        self.start.push(0);
        self.col.clear();
        self.val.clear();
        self.row_sum.clear();
        Ok(())
    }

    /// Appends the next validator's raw weights, `(provider, weight)` with
    /// providers strictly ascending; zero weights are dropped. Error
    /// indices count the row's entries. On error nothing is added.
    pub fn push_row<I>(&mut self, row: I) -> Result<(), YumaError>
    where
        I: IntoIterator<Item = (usize, f64)>,
    {
        if self.start.is_empty() {
            self.start.push(0);
        }
        let begin = self.col.len();
        let validator = self.n_validators;
        let mut previous: Option<usize> = None;
        let mut sum = empty_sum();
        let fail = |e: YumaError, w: &mut Self| {
            w.col.truncate(begin);
            w.val.truncate(begin);
            Err(e)
        };
        for (index, (provider, weight)) in row.into_iter().enumerate() {
            if provider >= self.n_providers {
                let n_providers = self.n_providers;
                return fail(
                    YumaError::ProviderOutOfRange {
                        index,
                        provider,
                        n_providers,
                    },
                    self,
                );
            }
            if !(weight.is_finite() && weight >= 0.0) {
                return fail(YumaError::InvalidWeight { index, weight }, self);
            }
            match previous {
                Some(p) if p == provider => {
                    return fail(
                        YumaError::DuplicateWeight {
                            index,
                            first: index - 1,
                            validator,
                            provider,
                        },
                        self,
                    )
                }
                Some(p) if p > provider => {
                    return fail(
                        YumaError::UnsortedRow {
                            index,
                            validator,
                            provider,
                            previous: p,
                        },
                        self,
                    )
                }
                _ => {}
            }
            previous = Some(provider);
            if weight > 0.0 {
                self.col.push(provider as u32);
                self.val.push(weight);
                sum += weight;
            }
        }
        self.start.push(self.col.len());
        self.row_sum.push(sum);
        self.n_validators += 1;
        Ok(())
    }

    /// [`Weights::push_row`] from parallel slices: weight `weights[t]` on
    /// provider `providers[t]`, providers strictly ascending; zero weights
    /// are dropped. Same checks and errors as `push_row` (plus
    /// [`YumaError::RowLengths`]), in one pass over plain slices.
    pub fn push_row_slices(&mut self, providers: &[u32], weights: &[f64]) -> Result<(), YumaError> {
        if providers.len() != weights.len() {
            return Err(YumaError::RowLengths {
                providers: providers.len(),
                weights: weights.len(),
            });
        }
        if self.start.is_empty() {
            self.start.push(0);
        }
        let begin = self.col.len();
        self.col.reserve(providers.len());
        self.val.reserve(providers.len());
        // Copy the positive weights while checking, undone if a check fails.
        let mut ok = providers.windows(2).all(|p| p[0] < p[1])
            && providers
                .last()
                .is_none_or(|&p| (p as usize) < self.n_providers);
        let mut sum = empty_sum();
        for (&p, &w) in providers.iter().zip(weights) {
            ok &= (0.0..f64::INFINITY).contains(&w);
            if w > 0.0 {
                self.col.push(p);
                self.val.push(w);
                sum += w;
            }
        }
        if !ok {
            self.col.truncate(begin);
            self.val.truncate(begin);
            // The checks in order, for the error `push_row` reports.
            return self.push_row(
                providers
                    .iter()
                    .map(|&p| p as usize)
                    .zip(weights.iter().copied()),
            );
        }
        self.start.push(self.col.len());
        self.row_sum.push(sum);
        self.n_validators += 1;
        Ok(())
    }

    /// Drops each validator's weight on its own provider id, as the chain
    /// masks the diagonal of the weight matrix: `self_provider[i]` is the
    /// provider index that is the same entity as validator `i`, if any.
    pub fn mask_self(&mut self, self_provider: &[Option<usize>]) {
        let mut w = 0;
        let mut begin = 0;
        for i in 0..self.n_validators {
            let own = self_provider.get(i).copied().flatten();
            let end = self.start[i + 1];
            for k in begin..end {
                if own == Some(self.col[k] as usize) {
                    continue;
                }
                self.col[w] = self.col[k];
                self.val[w] = self.val[k];
                w += 1;
            }
            self.row_sum[i] = self.val[self.start[i]..w].iter().sum();
            begin = end;
            self.start[i + 1] = w;
        }
        self.col.truncate(w);
        self.val.truncate(w);
    }

    pub fn n_validators(&self) -> usize {
        self.n_validators
    }

    pub fn n_providers(&self) -> usize {
        self.n_providers
    }

    /// Number of stored (positive) weights.
    pub fn nnz(&self) -> usize {
        self.col.len()
    }

    /// Validator `i`'s raw weights, providers ascending (empty if out of
    /// range).
    pub fn row(&self, i: usize) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        let r = self.range(i);
        self.col[r.clone()]
            .iter()
            .map(|&j| j as usize)
            .zip(self.val[r].iter().copied())
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        if i < self.n_validators {
            self.start[i]..self.start[i + 1]
        } else {
            0..0
        }
    }
}

pub(super) fn check_providers(n_providers: usize) -> Result<(), YumaError> {
    if n_providers > u32::MAX as usize {
        return Err(YumaError::InvalidParameter {
            name: "number of providers",
            value: n_providers as f64,
            expected: "at most 2^32 − 1",
        });
    }
    Ok(())
}

/// The checks an epoch makes of its stakes and its state before it
/// changes anything, the sparse and the dense epoch alike: one finite,
/// non-negative stake per validator, a finite total (returned), and a
/// state of the epoch's `shape` (validators, providers) — unless the
/// state is fresh (no epoch yet and an empty shape), which then takes the
/// epoch's shape (the second value returned: resize it).
pub(super) fn check_epoch_input(
    stakes: &[f64],
    shape: (usize, usize),
    (epochs, state_validators, state_providers): (u64, usize, usize),
) -> Result<(f64, bool), YumaError> {
    let (validators, providers) = shape;
    if stakes.len() != validators {
        return Err(YumaError::StakeCount {
            stakes: stakes.len(),
            validators,
        });
    }
    if let Some((validator, &stake)) = stakes
        .iter()
        .enumerate()
        .find(|(_, s)| !(s.is_finite() && **s >= 0.0))
    {
        return Err(YumaError::InvalidStake { validator, stake });
    }
    let fresh = epochs == 0 && state_validators * state_providers == 0;
    if !fresh && (state_validators, state_providers) != shape {
        return Err(YumaError::ShapeChanged {
            state_validators,
            state_providers,
            validators,
            providers,
        });
    }
    let stake_total: f64 = stakes.iter().sum();
    if !stake_total.is_finite() {
        return Err(YumaError::Overflow {
            what: "the total stake",
        });
    }
    Ok((stake_total, fresh))
}

/// One epoch's input: raw stakes per validator (normalised inside), the
/// weights, and the parameters.
#[derive(Debug, Clone, Copy)]
pub struct YumaInput<'a> {
    pub stakes: &'a [f64],
    pub weights: &'a Weights,
    pub params: YumaParams,
}

/// What persists between epochs: the bonds `B` (validator × provider,
/// column-normalised), stored sparsely by validator (providers ascending;
/// a pair never bonded is absent), plus working buffers reused by every
/// epoch, so that an epoch allocates nothing once they have grown.
#[derive(Debug, Clone, Default)]
pub struct YumaState {
    n_validators: usize,
    n_providers: usize,
    epochs: u64,
    /// Bonds: row `i` is `b_start[i]..b_start[i + 1]` of `b_col`/`b_val`
    /// (`b_start` is empty until the state has a shape; past its last
    /// entry the buffers may hold stale values).
    b_start: Vec<usize>,
    b_col: Vec<u32>,
    b_val: Vec<f64>,
    /// Column sums of the bonds, validators ascending: carried from the
    /// last epoch's final normalisation while `colsum_carried` (a resize
    /// that drops validators clears it), else recomputed.
    bond_colsum: Vec<f64>,
    colsum_carried: bool,
    // Working buffers: the next bonds (swapped in) and their column sums,
    // normalised weights aligned with the weights, the transposed weight
    // and stake columns for the consensus with the normalised stakes
    // alongside, column sums of S ∘ W_b, a mark per provider.
    next_start: Vec<usize>,
    next_col: Vec<u32>,
    next_val: Vec<f64>,
    next_colsum: Vec<f64>,
    w: Vec<f64>,
    col_start: Vec<usize>,
    col_next: Vec<usize>,
    col_key: Vec<f64>,
    col_stake: Vec<f64>,
    col_s: Vec<f64>,
    /// Per validator: the next entry of its row the transpose writes.
    col_cursor: Vec<usize>,
    selection: Selection,
    colsum: Vec<f64>,
    marked: Vec<bool>,
}

impl YumaState {
    /// Empty bonds for `n_validators` × `n_providers` (the chain's state of
    /// a new subnet). A default state takes its shape from the first epoch.
    pub fn new(n_validators: usize, n_providers: usize) -> Self {
        let mut state = Self::default();
        state.resize(n_validators, n_providers);
        state
    }

    /// Changes the shape, keeping the bonds of validators and providers that
    /// remain (indices below the new sizes); new rows and columns start
    /// empty, as the chain masks bonds of newly registered uids. Costs
    /// O(new validators) when nothing shrinks, else O(bonds).
    pub fn resize(&mut self, n_validators: usize, n_providers: usize) {
        if self.b_start.is_empty() {
            self.b_start.push(0);
        }
        let keep = self.n_validators.min(n_validators);
        if n_providers < self.n_providers {
            // Drop bonds on removed providers, compacting in place.
            let mut w = 0;
            let mut begin = 0;
            for i in 0..keep {
                let end = self.b_start[i + 1];
                for k in begin..end {
                    if (self.b_col[k] as usize) < n_providers {
                        self.b_col[w] = self.b_col[k];
                        self.b_val[w] = self.b_val[k];
                        w += 1;
                    }
                }
                begin = end;
                self.b_start[i + 1] = w;
            }
        }
        self.b_start.truncate(keep + 1);
        let end = self.b_start[keep];
        self.b_col.truncate(end);
        self.b_val.truncate(end);
        self.b_start.resize(n_validators + 1, end);
        if n_validators < self.n_validators {
            self.colsum_carried = false;
        }
        // Removed providers' sums go, new providers have no bonds.
        self.bond_colsum.resize(n_providers, 0.0);
        self.n_validators = n_validators;
        self.n_providers = n_providers;
    }

    /// Drops every bond on the given providers, as the chain clears the
    /// bonds of a deregistered uid; indices out of range are ignored. For a
    /// provider that will get no weight again, this changes no later
    /// consensus, incentive or dividend: its column is normalised on its
    /// own and its incentive is zero. Costs O(bonds + providers given).
    pub fn drop_providers(&mut self, providers: &[usize]) {
        self.marked.clear();
        self.marked.resize(self.n_providers, false);
        let mut any = false;
        for &j in providers {
            if let Some(m) = self.marked.get_mut(j) {
                *m = true;
                any = true;
                if let Some(c) = self.bond_colsum.get_mut(j) {
                    *c = 0.0;
                }
            }
        }
        if !any || self.b_start.is_empty() {
            return;
        }
        let mut w = 0;
        let mut begin = 0;
        for i in 0..self.n_validators {
            let end = self.b_start[i + 1];
            for k in begin..end {
                if !self.marked[self.b_col[k] as usize] {
                    self.b_col[w] = self.b_col[k];
                    self.b_val[w] = self.b_val[k];
                    w += 1;
                }
            }
            begin = end;
            self.b_start[i + 1] = w;
        }
        self.b_col.truncate(w);
        self.b_val.truncate(w);
    }

    /// The bonds as a dense row-major validator × provider matrix, each
    /// column summing to 1 (or 0 for a provider nobody bonds to). For
    /// small cases and tests: it allocates validators × providers.
    pub fn dense_bonds(&self) -> Vec<f64> {
        let mut dense = vec![0.0; self.n_validators * self.n_providers];
        for i in 0..self.n_validators {
            for (j, b) in self.bond_row(i) {
                dense[i * self.n_providers + j] = b;
            }
        }
        dense
    }

    /// Validator `i`'s positive bonds, providers ascending (empty if out of
    /// range).
    pub fn bond_row(&self, i: usize) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        let r = self.bond_range(i);
        self.b_col[r.clone()]
            .iter()
            .map(|&j| j as usize)
            .zip(self.b_val[r].iter().copied())
    }

    /// `B_ij`, zero if out of range or never bonded.
    pub fn bond(&self, validator: usize, provider: usize) -> f64 {
        let r = self.bond_range(validator);
        match self.b_col[r.clone()].binary_search(&(provider as u32)) {
            Ok(k) if provider < self.n_providers => self.b_val[r.start + k],
            _ => 0.0,
        }
    }

    /// Number of stored (positive) bonds.
    pub fn bond_count(&self) -> usize {
        self.b_start.last().copied().unwrap_or(0)
    }

    /// Epochs run so far.
    pub fn epochs(&self) -> u64 {
        self.epochs
    }

    fn bond_range(&self, i: usize) -> std::ops::Range<usize> {
        if i < self.n_validators {
            self.b_start[i]..self.b_start[i + 1]
        } else {
            0..0
        }
    }
}

/// One epoch's result. Provider vectors have one entry per provider,
/// validator vectors one per validator.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YumaOutput {
    /// Normalised stake `S` (validators).
    pub stake: Vec<f64>,
    /// Preranks `P_j = Σ_i S_i W_ij` (providers).
    pub preranks: Vec<f64>,
    /// Consensus weights `C_j` (providers).
    pub consensus: Vec<f64>,
    /// Ranks `R_j = Σ_i S_i W̄_ij` (providers).
    pub ranks: Vec<f64>,
    /// Provider trust `R_j / P_j` (0 where `P_j = 0`).
    pub trust: Vec<f64>,
    /// Incentive `I = R / Σ R` (providers; sums to 1 unless every rank is 0).
    pub incentive: Vec<f64>,
    /// Validator trust `Σ_j W̄_ij`.
    pub validator_trust: Vec<f64>,
    /// Dividends `D = normalise(B I)` (validators; sums to 1 unless zero).
    pub dividends: Vec<f64>,
    /// Providers' share of the epoch's emission.
    pub provider_emission: Vec<f64>,
    /// Validators' share of the epoch's emission.
    pub validator_emission: Vec<f64>,
}

/// Runs one epoch, updating the bonds in `state`. See the module
/// documentation for the formulas.
pub fn epoch(state: &mut YumaState, input: &YumaInput<'_>) -> Result<YumaOutput, YumaError> {
    let mut out = YumaOutput::default();
    epoch_into(state, input, &mut out)?;
    Ok(out)
}

/// [`epoch`] writing into `out`, reusing its vectors and the state's
/// buffers. On error the state is unchanged.
///
/// Cost: O(weights + bonds + validators + providers) time and memory;
/// nothing validator × provider is ever formed. Every sum over a column
/// runs over validators ascending and every sum over a row over providers
/// ascending, as a dense loop would (absent entries are zeros, which leave
/// a non-negative sum unchanged).
pub fn epoch_into(
    state: &mut YumaState,
    input: &YumaInput<'_>,
    out: &mut YumaOutput,
) -> Result<(), YumaError> {
    let weights = input.weights;
    let params = input.params;
    params.check()?;
    let nv = weights.n_validators;
    let np = weights.n_providers;
    let state_shape = (state.epochs, state.n_validators, state.n_providers);
    let (stake_total, fresh) = check_epoch_input(input.stakes, (nv, np), state_shape)?;
    if fresh {
        state.resize(nv, np);
    }
    // Row totals first, so that an overflow leaves everything untouched.
    if weights.row_sum.iter().any(|t| !t.is_finite()) {
        return Err(YumaError::Overflow {
            what: "a validator's weight total",
        });
    }

    // S: normalised stake.
    reset(&mut out.stake, nv);
    if stake_total > 0.0 {
        for (s, raw) in out.stake.iter_mut().zip(input.stakes) {
            *s = raw / stake_total;
        }
    }
    let s = &out.stake;

    // W: row-normalised weights (aligned with the sparse pattern).
    // 1. Preranks; the length of each consensus column (entries with a
    // positive weight from validators with positive stake).
    state.w.clear();
    reset(&mut out.preranks, np);
    state.col_start.clear();
    state.col_start.resize(np + 1, 0);
    for (i, (&si, &stake)) in s.iter().zip(input.stakes).enumerate() {
        let r = weights.range(i);
        let row_sum = weights.row_sum[i];
        let begin = state.w.len();
        if row_sum > 0.0 {
            state
                .w
                .extend(weights.val[r.clone()].iter().map(|w| w / row_sum));
        } else {
            state.w.resize(begin + r.len(), 0.0);
        }
        let (cols, w) = (&weights.col[r], &state.w[begin..]);
        let preranks = &mut out.preranks[..];
        let count = &mut state.col_start[1..];
        let live = usize::from(stake > 0.0);
        for (&j, &w) in cols.iter().zip(w) {
            preranks[j as usize] += si * w;
            count[j as usize] += live & usize::from(w > 0.0);
        }
    }

    // 2. Consensus: the stake-weighted κ-quantile of each column over
    // validators with positive stake (zeros where they set no weight).
    // 3. Clipped weights W̄ and 4. ranks, and 5a. the column sums of
    // S ∘ W_b, column by column.
    consensus(state, input, s, &mut out.consensus, &mut out.ranks);

    // 3. Validator trust, 5. bonds: ΔB = colnorm(S ∘ W_b);
    // B ← colnorm(α ΔB + (1 − α) colnorm(B)), row by row.
    reset(&mut out.validator_trust, nv);
    update_bonds(
        state,
        weights,
        s,
        params,
        &out.consensus,
        &mut out.validator_trust,
    );

    // 4. Trust and incentive.
    trust_and_incentive(out, np);

    // 6. Dividends D = normalise(B I), with the final column normalisation
    // of the bonds in the same pass, and the column sums of the normalised
    // bonds, which the next epoch starts from.
    reset(&mut out.dividends, nv);
    // A dense row's sum starts from the empty sum (−0.0 in today's Rust)
    // and turns +0.0 at the first term, zero or not: so +0.0 here, unless
    // there are no providers at all.
    let first = if np == 0 { empty_sum() } else { 0.0 };
    reset(&mut state.bond_colsum, np);
    {
        let new_colsum = &state.next_colsum[..];
        let carried = &mut state.bond_colsum[..];
        let incentive = &out.incentive[..];
        let (b_col, b_val) = (&state.b_col[..], &mut state.b_val[..]);
        for (d, row) in out.dividends.iter_mut().zip(state.b_start.windows(2)) {
            let mut sum = first;
            for (&j, b) in b_col[row[0]..row[1]].iter().zip(&mut b_val[row[0]..row[1]]) {
                let j = j as usize;
                let c = new_colsum[j];
                if c > 0.0 {
                    *b /= c;
                }
                sum += *b * incentive[j];
                carried[j] += *b;
            }
            *d = sum;
        }
    }
    state.colsum_carried = true;
    normalise(&mut out.dividends);

    // 7. Emission split.
    emission_split(out, np, nv);
    state.epochs += 1;
    Ok(())
}

/// Step 4: provider trust `R_j / P_j` (0 where `P_j = 0`) and incentive
/// `I = normalise(R)`, from `out.preranks` and `out.ranks`.
pub(super) fn trust_and_incentive(out: &mut YumaOutput, np: usize) {
    reset(&mut out.trust, np);
    for j in 0..np {
        if out.preranks[j] != 0.0 {
            out.trust[j] = out.ranks[j] / out.preranks[j];
        }
    }
    out.incentive.clear();
    out.incentive.extend_from_slice(&out.ranks);
    normalise(&mut out.incentive);
}

/// Step 7: the emission shares `I_j / (Σ I + Σ D)` and `D_i / (Σ I + Σ D)`,
/// or the stakes to validators if both are zero.
pub(super) fn emission_split(out: &mut YumaOutput, np: usize, nv: usize) {
    let total: f64 = out.incentive.iter().sum::<f64>() + out.dividends.iter().sum::<f64>();
    reset(&mut out.provider_emission, np);
    reset(&mut out.validator_emission, nv);
    if total > 0.0 {
        for (e, x) in out.provider_emission.iter_mut().zip(&out.incentive) {
            *e = x / total;
        }
        for (e, x) in out.validator_emission.iter_mut().zip(&out.dividends) {
            *e = x / total;
        }
    } else {
        out.validator_emission.copy_from_slice(&out.stake);
    }
}

/// Validator trust `Σ_j W̄_ij` and the bonds' moving average, up to (not
/// including) the final column normalisation, whose column sums are left in
/// `state.next_colsum`: `B_ij ← (B_ij / Σ_i B_ij) (1 − α) + α S_i W_b,ij /
/// Σ_i S_i W_b,ij`, each row's old bonds merged with its new weights, in
/// one pass over the rows. Values and the order of every sum are those of
/// the dense computation.
fn update_bonds(
    state: &mut YumaState,
    weights: &Weights,
    s: &[f64],
    params: YumaParams,
    consensus: &[f64],
    validator_trust: &mut [f64],
) {
    let np = weights.n_providers;
    let (alpha, beta) = (params.bond_alpha, params.bonds_penalty);
    let keep = 1.0 - alpha;
    // Column sums of the old bonds (validators ascending): carried from
    // the last epoch's normalisation unless the shape lost validators.
    if !state.colsum_carried || state.bond_colsum.len() != np {
        reset(&mut state.bond_colsum, np);
        let stored = state.bond_count();
        for (&j, &b) in state.b_col[..stored].iter().zip(&state.b_val[..stored]) {
            state.bond_colsum[j as usize] += b;
        }
    }
    reset(&mut state.next_colsum, np);
    // The next bonds' buffers only grow: past the last row's end they hold
    // stale values that nothing reads.
    let bound = state.bond_count() + weights.col.len();
    grow(&mut state.next_col, bound, 0);
    grow(&mut state.next_val, bound, 0.0);
    state.next_start.clear();
    state.next_start.push(0);
    let old_colsum = &state.bond_colsum[..];
    let colsum = &state.colsum[..];
    let new_colsum = &mut state.next_colsum[..];
    let (b_col, b_val) = (&state.b_col[..], &state.b_val[..]);
    let (next_col, next_val) = (&mut state.next_col[..], &mut state.next_val[..]);
    let mut n = 0;
    for (i, &si) in s.iter().enumerate() {
        let (mut a, a_end) = (state.b_start[i], state.b_start[i + 1]);
        let r = weights.range(i);
        let mut trust = 0.0;
        for (&j, &w) in weights.col[r.clone()].iter().zip(&state.w[r]) {
            let j = j as usize;
            let clipped = w.min(consensus[j]);
            trust += clipped;
            let delta = si * (w + beta * (clipped - w));
            // Weights that add no bond leave the old bonds to the flush.
            if !(delta > 0.0 && colsum[j] > 0.0) {
                continue;
            }
            // Old bonds before it.
            while a < a_end && (b_col[a] as usize) < j {
                let jj = b_col[a] as usize;
                let v = old_bond(b_val[a], old_colsum[jj], keep);
                if v > 0.0 {
                    next_col[n] = jj as u32;
                    next_val[n] = v;
                    new_colsum[jj] += v;
                    n += 1;
                }
                a += 1;
            }
            let mut v = 0.0;
            if a < a_end && b_col[a] as usize == j {
                v = old_bond(b_val[a], old_colsum[j], keep);
                a += 1;
            }
            v += alpha * delta / colsum[j];
            if v > 0.0 {
                next_col[n] = j as u32;
                next_val[n] = v;
                new_colsum[j] += v;
                n += 1;
            }
        }
        validator_trust[i] = trust;
        // The old bonds after the last new one.
        while a < a_end {
            let jj = b_col[a] as usize;
            let v = old_bond(b_val[a], old_colsum[jj], keep);
            if v > 0.0 {
                next_col[n] = jj as u32;
                next_val[n] = v;
                new_colsum[jj] += v;
                n += 1;
            }
            a += 1;
        }
        state.next_start.push(n);
    }
    std::mem::swap(&mut state.b_start, &mut state.next_start);
    std::mem::swap(&mut state.b_col, &mut state.next_col);
    std::mem::swap(&mut state.b_val, &mut state.next_val);
}

/// An old bond column-normalised and decayed, as the dense loops do it.
/// A column that sums to exactly 1 (a normalised column often does) is
/// not divided: x / 1 is x exactly, so this skips work, not changes it.
#[inline(always)]
pub(super) fn old_bond(b: f64, colsum: f64, keep: f64) -> f64 {
    let normalised = if colsum > 0.0 && colsum != 1.0 {
        b / colsum
    } else {
        b
    };
    normalised * keep
}

/// `min(x, y)` of two numbers neither of which is NaN, as a plain
/// comparison and select (one `minsd`/`minpd`; `f64::min`'s NaN rule
/// costs three more instructions a lane). For equal values it returns
/// `y`: the same number (for zeros of opposite sign, every sum and
/// difference the callers make of it gives the same bits).
#[inline(always)]
pub(super) fn select_min(x: f64, y: f64) -> f64 {
    if x < y {
        x
    } else {
        y
    }
}

/// `max(x, y)` of two numbers neither of which is NaN, as
/// [`select_min`] is the minimum.
#[inline(always)]
pub(super) fn select_max(x: f64, y: f64) -> f64 {
    if x > y {
        x
    } else {
        y
    }
}

/// Makes `v` at least `n` long, keeping what it holds.
pub(super) fn grow<T: Copy>(v: &mut Vec<T>, n: usize, fill: T) {
    if v.len() < n {
        v.resize(n, fill);
    }
}

pub(super) fn reset(v: &mut Vec<f64>, n: usize) {
    v.clear();
    v.resize(n, 0.0);
}

/// Normalise to sum 1, leaving an all-zero vector as is (`inplace_normalize`).
pub(super) fn normalise(v: &mut [f64]) {
    let sum: f64 = v.iter().sum();
    if sum > 0.0 {
        v.iter_mut().for_each(|x| *x /= sum);
    }
}

/// Consensus `C_j` for every provider: the largest weight `x` in column `j`
/// such that validators with `W_ij ≥ x` hold at least κ of the (positive)
/// stake; 0 if no positive weight has that support. This is the value the
/// chain's `weighted_median` returns (`cum(< x) ≤ minority < cum(≤ x)` with
/// `minority = 1 − κ`), found by a weighted selection in each column
/// (expected linear time) instead of a sort. Compared on raw stakes, so
/// integer stakes tie exactly.
///
/// While a column is at hand, its ranks `R_j = Σ_i S_i min(W_ij, C_j)` and
/// the column sums of `S ∘ W_b` (`state.colsum`) are added up, validators
/// ascending as a dense loop would (the entries left out of a column add
/// exact zeros). `state.col_start[j + 1]` holds column `j`'s length on
/// entry.
fn consensus(
    state: &mut YumaState,
    input: &YumaInput<'_>,
    s: &[f64],
    consensus: &mut Vec<f64>,
    ranks: &mut Vec<f64>,
) {
    let weights = input.weights;
    let stakes = input.stakes;
    let np = weights.n_providers;
    let beta = input.params.bonds_penalty;
    reset(consensus, np);
    reset(ranks, np);
    reset(&mut state.colsum, np);
    let positive_total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
    if positive_total <= 0.0 {
        return;
    }
    let need = input.params.kappa * positive_total;
    // Transpose the positive entries of validators with positive stake
    // into weight and stake columns, with the normalised stakes alongside.
    for j in 0..np {
        state.col_start[j + 1] += state.col_start[j];
    }
    let nnz = state.col_start[np];
    grow(&mut state.col_key, nnz, 0.0);
    grow(&mut state.col_stake, nnz, 0.0);
    grow(&mut state.col_s, nnz, 0.0);
    state.col_next.clear();
    state.col_next.extend_from_slice(&state.col_start[..np]);
    transpose(state, weights, stakes, s);
    let bounds = state.col_start.windows(2);
    let cols = consensus
        .iter_mut()
        .zip(ranks.iter_mut())
        .zip(&mut state.colsum);
    for (((c, rank), colsum), b) in cols.zip(bounds) {
        let column = &state.col_key[b[0]..b[1]];
        let stakes = &state.col_stake[b[0]..b[1]];
        let x = upper_weighted_quantile(column, stakes, need, &mut state.selection);
        *c = x;
        let (mut r, mut sum) = (0.0, 0.0);
        for (&w, &si) in column.iter().zip(&state.col_s[b[0]..b[1]]) {
            let clipped = w.min(x);
            r += si * clipped;
            sum += si * (w + beta * (clipped - w));
        }
        *rank = r;
        *colsum = sum;
    }
}

/// Providers per tile of the transpose: the tile's current lines of the
/// three column arrays (3 × 64 × 64 B) stay in the L1 cache while every
/// validator writes its entries of the tile.
const TRANSPOSE_TILE: usize = 64;

/// Writes the positive weights of validators with positive stake into the
/// columns `state.col_key` / `col_stake` / `col_s` (column `j` from
/// `state.col_next[j]` on, validators ascending). When the weights are
/// dense enough that a pass over the validators per tile of providers
/// costs less than the entries, tile by tile (every column's next line is
/// then written while it is in cache, instead of one scattered store per
/// entry to a line evicted since); the positions, and so the columns, are
/// the same either way.
fn transpose(state: &mut YumaState, weights: &Weights, stakes: &[f64], s: &[f64]) {
    let np = weights.n_providers;
    let tiles = np.div_ceil(TRANSPOSE_TILE);
    let tiled = tiles > 1 && weights.n_validators * tiles <= weights.col.len();
    let YumaState {
        w,
        col_next: next,
        col_key: key,
        col_stake,
        col_s,
        col_cursor: cursor,
        ..
    } = state;
    let (cols, starts) = (&weights.col[..], &weights.start[..]);
    // Row i's entries are starts[i]..starts[i + 1] (no rows: no starts).
    cursor.clear();
    cursor.extend_from_slice(&starts[..weights.n_validators.min(starts.len())]);
    let (w, next, key, col_stake, col_s) = (
        &w[..],
        &mut next[..],
        &mut key[..],
        &mut col_stake[..],
        &mut col_s[..],
    );
    let (n_tiles, width) = if tiled {
        (tiles, TRANSPOSE_TILE)
    } else {
        (1, np)
    };
    for tile in 0..n_tiles {
        let tile_end = ((tile + 1) * width).min(np);
        for (i, (&stake, &si)) in stakes.iter().zip(s).enumerate() {
            if stake <= 0.0 {
                continue;
            }
            let end = starts[i + 1];
            let mut t = cursor[i];
            while t < end && (cols[t] as usize) < tile_end {
                let wt = w[t];
                if wt > 0.0 {
                    let j = cols[t] as usize;
                    let p = next[j];
                    key[p] = wt;
                    col_stake[p] = stake;
                    col_s[p] = si;
                    next[j] = p + 1;
                }
                t += 1;
            }
            cursor[i] = t;
        }
    }
}

/// Scratch buffers of the consensus selection: two parts of a column,
/// weights and stakes apart, that the search narrows from one to the
/// other, and the last few pairs it sorts.
#[derive(Debug, Clone, Default)]
pub(super) struct Selection {
    key: [Vec<f64>; 2],
    stake: [Vec<f64>; 2],
    small: Vec<(f64, f64)>,
}

/// The largest weight `x` among a column's weights `keys` (stakes
/// alongside) such that the entries with weight ≥ `x` hold at least
/// `need`, or 0 if none. A quickselect: around a pivot, add up the stake
/// of the greater and of the equal weights (a read-only pass, four lanes),
/// then copy out only the part that holds the answer (branch-free),
/// carrying the stake of the parts above; a dozen entries or fewer are
/// finished by [`small_walk`]. After too many rounds (an adversarial
/// order) the rest is sorted, so the worst case is O(n log n). Weights
/// are non-negative. For `need` > 0, entries of zero stake or zero weight
/// may be passed: they never change the answer (a zero-stake entry's
/// support is that of the next staked weight at or above it; zero weights
/// lie below every positive one, and the answer is 0 either way when no
/// positive weight reaches `need`), so the dense epoch passes whole
/// columns.
///
/// The supports are the same sets of stakes as in a walk down the sorted
/// column, added in another order: with integer-valued stakes (base units,
/// total below 2^53) every such sum is exact, so the result is the sorted
/// walk's bit for bit.
pub(super) fn upper_weighted_quantile(
    keys: &[f64],
    stakes: &[f64],
    need: f64,
    sel: &mut Selection,
) -> f64 {
    const SMALL: usize = 12;
    let n = keys.len().min(stakes.len());
    for buf in sel.key.iter_mut().chain(sel.stake.iter_mut()) {
        grow(buf, n, 0.0);
    }
    let Selection { key, stake, small } = sel;
    let [key_a, key_b] = key;
    let [stake_a, stake_b] = stake;
    // Plain slices, swapped as the search narrows.
    let (mut src_k, mut src_s) = (&mut key_a[..n], &mut stake_a[..n]);
    let (mut dst_k, mut dst_s) = (&mut key_b[..n], &mut stake_b[..n]);
    let mut first = true;
    let mut len = n;
    let mut carry = 0.0;
    let mut rounds = 2 * (usize::BITS - n.leading_zeros()) + 4;
    loop {
        if len == 0 {
            return 0.0;
        }
        let (cur_k, cur_s): (&[f64], &[f64]) = if first {
            (&keys[..n], &stakes[..n])
        } else {
            (&src_k[..len], &src_s[..len])
        };
        if len <= SMALL {
            return small_walk(cur_k, cur_s, carry, need);
        }
        if rounds == 0 {
            small.clear();
            small.extend(cur_k.iter().copied().zip(cur_s.iter().copied()));
            return sorted_walk(small, carry, need);
        }
        rounds -= 1;
        let pivot = median_of_three(cur_k[0], cur_k[len / 2], cur_k[len - 1]);
        let (above, equal) = split_stakes(cur_k, cur_s, pivot);
        let with_above = carry + above;
        let keep_above = with_above >= need;
        if !keep_above {
            let with_equal = with_above + equal;
            if with_equal >= need {
                return pivot;
            }
            carry = with_equal;
        }
        let mut m = 0;
        if keep_above {
            for (&k, &s) in cur_k.iter().zip(cur_s) {
                dst_k[m] = k;
                dst_s[m] = s;
                m += usize::from(k > pivot);
            }
        } else {
            for (&k, &s) in cur_k.iter().zip(cur_s) {
                dst_k[m] = k;
                dst_s[m] = s;
                m += usize::from(k < pivot);
            }
        }
        first = false;
        len = m;
        std::mem::swap(&mut src_k, &mut dst_k);
        std::mem::swap(&mut src_s, &mut dst_s);
    }
}

/// Σ stakes of the weights above `pivot` and of those equal to it, four
/// lanes at a time (exact for integer-valued stakes in any order).
fn split_stakes(keys: &[f64], stakes: &[f64], pivot: f64) -> (f64, f64) {
    let mut above = [0.0; 4];
    let mut equal = [0.0; 4];
    let (keys4, stakes4) = (keys.chunks_exact(4), stakes.chunks_exact(4));
    let rest = keys4.remainder().iter().zip(stakes4.remainder());
    for (k, s) in keys4.zip(stakes4) {
        for lane in 0..4 {
            above[lane] += masked(s[lane], k[lane] > pivot);
            equal[lane] += masked(s[lane], k[lane] == pivot);
        }
    }
    for (&k, &s) in rest {
        above[0] += masked(s, k > pivot);
        equal[0] += masked(s, k == pivot);
    }
    (
        (above[0] + above[1]) + (above[2] + above[3]),
        (equal[0] + equal[1]) + (equal[2] + equal[3]),
    )
}

/// `value` if `keep`, else +0.0, by a bit mask instead of a branch (the
/// comparisons of a selection round are unpredictable; the mask lets the
/// lanes vectorise). Adding the +0.0 leaves a sum of non-negative stakes
/// bit for bit as skipping it would.
#[inline(always)]
fn masked(value: f64, keep: bool) -> f64 {
    f64::from_bits(value.to_bits() & u64::from(keep).wrapping_neg())
}

/// [`upper_weighted_quantile`] on a part of at most a dozen entries,
/// branch-free: each entry's support (`carry` plus the stake of the
/// entries at or above it, the set a walk down the sorted part adds up),
/// and the largest weight whose support reaches `need`; 0 if none (the
/// weights are positive). Quadratic, but without the mispredicted
/// branches of a sort.
fn small_walk(keys: &[f64], stakes: &[f64], carry: f64, need: f64) -> f64 {
    let mut best = 0.0f64;
    for &k in keys {
        let mut support = carry;
        for (&other, &s) in keys.iter().zip(stakes) {
            support += masked(s, other >= k);
        }
        best = select_max(masked(k, support >= need), best);
    }
    best
}

/// [`upper_weighted_quantile`] by a sort: walk down the distinct weights
/// until the support (from `carry`) reaches `need`.
fn sorted_walk(part: &mut [(f64, f64)], carry: f64, need: f64) -> f64 {
    part.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let mut support = carry;
    let mut t = 0;
    while t < part.len() {
        let x = part[t].0;
        while t < part.len() && part[t].0 == x {
            support += part[t].1;
            t += 1;
        }
        if support >= need {
            return x;
        }
    }
    0.0
}

/// The median of three weights (none NaN), branch-free: the comparisons
/// of a selection round are unpredictable.
fn median_of_three(a: f64, b: f64, c: f64) -> f64 {
    select_max(select_min(a, b), select_min(select_max(a, b), c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The selection gives the sorted walk's weight on columns of up to
        /// 300 entries with many ties in the weights and in the stakes, for
        /// needs at and between the supports.
        #[test]
        fn selection_is_the_sorted_walk(
            column in prop::collection::vec(
                (prop_oneof![1u32..6, 1u32..1_000_000], prop_oneof![Just(0u64), 1u64..4, 1u64..1_000_000_000_000]),
                0..300,
            ),
            fraction in prop_oneof![Just(0.5), Just(1.0), 0.0f64..=1.0],
            scale in prop_oneof![Just(1.0), 1e-9f64..1e3],
        ) {
            let keys: Vec<f64> = column.iter().map(|&(k, _)| f64::from(k) * scale).collect();
            let stakes: Vec<f64> = column.iter().map(|&(_, s)| s as f64).collect();
            let total: f64 = stakes.iter().sum();
            let mut pairs: Vec<(f64, f64)> = keys.iter().copied().zip(stakes.iter().copied()).collect();
            let mut sel = Selection::default();
            // A need of κ × total, and needs equal to each entry's partial
            // support (the boundaries where ties decide).
            let mut needs = vec![fraction * total];
            let mut sorted = pairs.clone();
            sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut support = 0.0;
            for &(_, s) in sorted.iter().take(40) {
                support += s;
                needs.push(support);
            }
            for need in needs {
                let want = sorted_walk(&mut pairs, 0.0, need);
                let got = upper_weighted_quantile(&keys, &stakes, need, &mut sel);
                prop_assert_eq!(got.to_bits(), want.to_bits(), "need {}", need);
            }
        }
    }

    fn weights_of(nv: usize, np: usize, rows: &[(usize, usize, f64)]) -> Weights {
        let entries: Vec<WeightEntry> = rows
            .iter()
            .map(|&(validator, provider, weight)| WeightEntry {
                validator,
                provider,
                weight,
            })
            .collect();
        Weights::new(nv, np, &entries).expect("valid weights")
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    }

    /// The bonds' moving average when weights change. Epoch 1 is the hand
    /// case of `tests/yuma.rs` (stakes 3 : 1, weights V0 = (2, 1, 1),
    /// V1 = (0, 1, 3); incentive (3/7, 2/7, 2/7), bonds V0 (1, ¾, ¾),
    /// V1 (0, ¼, ¼)); epoch 2 changes V1's weights.
    #[test]
    fn bonds_follow_the_moving_average_when_weights_change() {
        let w = weights_of(
            2,
            3,
            &[
                (0, 0, 2.0),
                (0, 1, 1.0),
                (0, 2, 1.0),
                (1, 1, 1.0),
                (1, 2, 3.0),
            ],
        );
        let mut state = YumaState::default();
        let input = YumaInput {
            stakes: &[3.0, 1.0],
            weights: &w,
            params: YumaParams::default(),
        };
        epoch(&mut state, &input).expect("valid epoch");
        assert!(close(
            &state.dense_bonds(),
            &[1.0, 0.75, 0.75, 0.0, 0.25, 0.25]
        ));

        // Epoch 2: V1 now puts everything on P0. W = V0 (½, ¼, ¼), V1 (1, 0, 0).
        // C = (½, ¼, ¼); W̄_V1 = (½, 0, 0); R = (½, 3/16, 3/16) → I = (4/7, 3/14, 3/14).
        // ΔB = P0 (¾, ¼), P1 (1, 0), P2 (1, 0);
        // B = 0.1 ΔB + 0.9 B_old = P0 (0.975, 0.025), P1 (0.775, 0.225), P2 same.
        // D = B I: V0 = (0.975·4 + 0.775·3) / 7, V1 = (0.025·4 + 0.225·3) / 7.
        let w2 = weights_of(2, 3, &[(0, 0, 2.0), (0, 1, 1.0), (0, 2, 1.0), (1, 0, 5.0)]);
        let input2 = YumaInput {
            weights: &w2,
            ..input
        };
        let out2 = epoch(&mut state, &input2).expect("valid epoch");
        assert!(
            close(&out2.incentive, &[4.0 / 7.0, 3.0 / 14.0, 3.0 / 14.0]),
            "{:?}",
            out2.incentive
        );
        let d0 = (0.975 * 4.0 + 0.775 * 3.0) / 7.0;
        let d1 = (0.025 * 4.0 + 0.225 * 3.0) / 7.0;
        assert!(close(&out2.dividends, &[d0, d1]), "{:?}", out2.dividends);
        assert_eq!(state.epochs(), 2);
    }

    #[test]
    fn exact_tie_takes_the_upper_value() {
        // Equal stakes, κ = ½: the upper weight has exactly half the stake,
        // which is enough (≥ κ) on the chain.
        let w = weights_of(2, 2, &[(0, 0, 3.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0)]);
        let out = epoch(
            &mut YumaState::default(),
            &YumaInput {
                stakes: &[5.0, 5.0],
                weights: &w,
                params: YumaParams::default(),
            },
        )
        .expect("valid");
        assert!(close(&out.consensus, &[0.75, 0.5]), "{:?}", out.consensus);
    }

    #[test]
    fn self_weights_are_masked_and_errors_reported() {
        let mut w = weights_of(2, 2, &[(0, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0)]);
        w.mask_self(&[Some(0), None]);
        assert_eq!(w.row(0).collect::<Vec<_>>(), vec![(1, 1.0)]);
        let dup = [
            WeightEntry {
                validator: 0,
                provider: 0,
                weight: 1.0,
            },
            WeightEntry {
                validator: 0,
                provider: 0,
                weight: 2.0,
            },
        ];
        assert!(matches!(
            Weights::new(1, 1, &dup),
            Err(YumaError::DuplicateWeight {
                index: 1,
                first: 0,
                ..
            })
        ));
        let bad_params = YumaInput {
            stakes: &[1.0, 1.0],
            weights: &w,
            params: YumaParams {
                kappa: 0.0,
                ..YumaParams::default()
            },
        };
        assert!(epoch(&mut YumaState::default(), &bad_params).is_err());
        let bad_stake = YumaInput {
            stakes: &[1.0, -1.0],
            weights: &w,
            params: YumaParams::default(),
        };
        assert!(matches!(
            epoch(&mut YumaState::default(), &bad_stake),
            Err(YumaError::InvalidStake { validator: 1, .. })
        ));
        let mut wrong_shape = YumaState::new(3, 2);
        let ok = YumaInput {
            stakes: &[1.0, 1.0],
            weights: &w,
            params: YumaParams::default(),
        };
        assert!(matches!(
            epoch(&mut wrong_shape, &ok),
            Err(YumaError::ShapeChanged { .. })
        ));
    }

    #[test]
    fn no_consensus_pays_validators_by_stake() {
        let w = weights_of(2, 1, &[]);
        let out = epoch(
            &mut YumaState::default(),
            &YumaInput {
                stakes: &[1.0, 3.0],
                weights: &w,
                params: YumaParams::default(),
            },
        )
        .expect("valid");
        assert_eq!(out.incentive, vec![0.0]);
        assert_eq!(out.validator_emission, vec![0.25, 0.75]);
    }
}
