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
    #[error("a sum overflowed to a non-finite value ({what})")]
    Overflow { what: &'static str },
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
    fn check(&self) -> Result<(), YumaError> {
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
/// (providers ascending). Zero weights are not stored.
#[derive(Debug, Clone, Default)]
pub struct Weights {
    n_validators: usize,
    n_providers: usize,
    start: Vec<usize>,
    col: Vec<u32>,
    val: Vec<f64>,
}

impl Weights {
    /// Builds the weights of `n_validators` validators on `n_providers`
    /// providers. A (validator, provider) pair may appear once.
    pub fn new(
        n_validators: usize,
        n_providers: usize,
        entries: &[WeightEntry],
    ) -> Result<Self, YumaError> {
        if n_providers > u32::MAX as usize {
            return Err(YumaError::InvalidParameter {
                name: "number of providers",
                value: n_providers as f64,
                expected: "at most 2^32 − 1",
            });
        }
        let mut order: Vec<usize> = Vec::with_capacity(entries.len());
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
            order.push(index);
        }
        order.sort_by_key(|&k| (entries[k].validator, entries[k].provider));
        for pair in order.windows(2) {
            let (a, b) = (&entries[pair[0]], &entries[pair[1]]);
            if a.validator == b.validator && a.provider == b.provider {
                return Err(YumaError::DuplicateWeight {
                    index: pair[0].max(pair[1]),
                    first: pair[0].min(pair[1]),
                    validator: a.validator,
                    provider: a.provider,
                });
            }
        }
        let mut start = vec![0usize; n_validators + 1];
        let mut col = Vec::with_capacity(order.len());
        let mut val = Vec::with_capacity(order.len());
        for &k in &order {
            let e = &entries[k];
            if e.weight > 0.0 {
                start[e.validator + 1] += 1;
                col.push(e.provider as u32);
                val.push(e.weight);
            }
        }
        for i in 0..n_validators {
            start[i + 1] += start[i];
        }
        Ok(Self {
            n_validators,
            n_providers,
            start,
            col,
            val,
        })
    }

    /// Drops each validator's weight on its own provider id, as the chain
    /// masks the diagonal of the weight matrix: `self_provider[i]` is the
    /// provider index that is the same entity as validator `i`, if any.
    pub fn mask_self(&mut self, self_provider: &[Option<usize>]) {
        let mut w = 0;
        let mut new_start = Vec::with_capacity(self.start.len());
        new_start.push(0);
        for i in 0..self.n_validators {
            let own = self_provider.get(i).copied().flatten();
            for k in self.start[i]..self.start[i + 1] {
                if own == Some(self.col[k] as usize) {
                    continue;
                }
                self.col[w] = self.col[k];
                self.val[w] = self.val[k];
                w += 1;
            }
            new_start.push(w);
        }
        self.col.truncate(w);
        self.val.truncate(w);
        self.start = new_start;
    }

    pub fn n_validators(&self) -> usize {
        self.n_validators
    }

    pub fn n_providers(&self) -> usize {
        self.n_providers
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

/// One epoch's input: raw stakes per validator (normalised inside), the
/// weights, and the parameters.
#[derive(Debug, Clone, Copy)]
pub struct YumaInput<'a> {
    pub stakes: &'a [f64],
    pub weights: &'a Weights,
    pub params: YumaParams,
}

/// What persists between epochs: the bonds `B` (validator × provider,
/// column-normalised), plus working buffers reused by every epoch.
#[derive(Debug, Clone, Default)]
pub struct YumaState {
    n_validators: usize,
    n_providers: usize,
    bonds: Vec<f64>,
    epochs: u64,
    // Working buffers.
    w: Vec<f64>,
    wb: Vec<f64>,
    col_start: Vec<usize>,
    col_row: Vec<u32>,
    col_val: Vec<f64>,
    column: Vec<(f64, f64)>,
    colsum: Vec<f64>,
    bond_colsum: Vec<f64>,
}

impl YumaState {
    /// Empty bonds for `n_validators` × `n_providers` (the chain's state of
    /// a new subnet). A default state takes its shape from the first epoch.
    pub fn new(n_validators: usize, n_providers: usize) -> Self {
        Self {
            n_validators,
            n_providers,
            bonds: vec![0.0; n_validators * n_providers],
            ..Self::default()
        }
    }

    /// Changes the shape, keeping the bonds of validators and providers that
    /// remain (indices below the new sizes); new rows and columns start
    /// empty, as the chain masks bonds of newly registered uids.
    pub fn resize(&mut self, n_validators: usize, n_providers: usize) {
        let mut bonds = vec![0.0; n_validators * n_providers];
        for i in 0..self.n_validators.min(n_validators) {
            for j in 0..self.n_providers.min(n_providers) {
                bonds[i * n_providers + j] = self.bonds[i * self.n_providers + j];
            }
        }
        self.bonds = bonds;
        self.n_validators = n_validators;
        self.n_providers = n_providers;
    }

    /// The bonds, row-major validator × provider, each column summing to 1
    /// (or 0 for a provider nobody bonds to).
    pub fn bonds(&self) -> &[f64] {
        &self.bonds
    }

    /// `B_ij`, zero if out of range.
    pub fn bond(&self, validator: usize, provider: usize) -> f64 {
        if validator < self.n_validators && provider < self.n_providers {
            self.bonds[validator * self.n_providers + provider]
        } else {
            0.0
        }
    }

    /// Epochs run so far.
    pub fn epochs(&self) -> u64 {
        self.epochs
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
    if input.stakes.len() != nv {
        return Err(YumaError::StakeCount {
            stakes: input.stakes.len(),
            validators: nv,
        });
    }
    if let Some((validator, &stake)) = input
        .stakes
        .iter()
        .enumerate()
        .find(|(_, s)| !(s.is_finite() && **s >= 0.0))
    {
        return Err(YumaError::InvalidStake { validator, stake });
    }
    if state.epochs == 0 && state.bonds.is_empty() {
        state.resize(nv, np);
    }
    if state.n_validators != nv || state.n_providers != np {
        return Err(YumaError::ShapeChanged {
            state_validators: state.n_validators,
            state_providers: state.n_providers,
            validators: nv,
            providers: np,
        });
    }
    let stake_total: f64 = input.stakes.iter().sum();
    if !stake_total.is_finite() {
        return Err(YumaError::Overflow {
            what: "the total stake",
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
    state.w.clear();
    for i in 0..nv {
        let r = weights.range(i);
        let row_sum: f64 = weights.val[r.clone()].iter().sum();
        if !row_sum.is_finite() {
            return Err(YumaError::Overflow {
                what: "a validator's weight total",
            });
        }
        state.w.extend(
            weights.val[r]
                .iter()
                .map(|w| if row_sum > 0.0 { w / row_sum } else { 0.0 }),
        );
    }

    // 1. Preranks.
    reset(&mut out.preranks, np);
    for (i, &si) in s.iter().enumerate() {
        for k in weights.range(i) {
            out.preranks[weights.col[k] as usize] += si * state.w[k];
        }
    }

    // 2. Consensus: the stake-weighted κ-quantile of each column over
    // validators with positive stake (zeros where they set no weight).
    consensus(
        state,
        weights,
        input.stakes,
        params.kappa,
        &mut out.consensus,
    );

    // 3. Clip at the consensus; validator trust. 5a. Bond weights W_b.
    reset(&mut out.validator_trust, nv);
    reset(&mut out.ranks, np);
    state.wb.clear();
    let beta = params.bonds_penalty;
    for (i, &si) in s.iter().enumerate() {
        for k in weights.range(i) {
            let j = weights.col[k] as usize;
            let w = state.w[k];
            let clipped = w.min(out.consensus[j]);
            out.validator_trust[i] += clipped;
            // 4. Ranks.
            out.ranks[j] += si * clipped;
            state.wb.push(w + beta * (clipped - w));
        }
    }
    // 4. Trust and incentive.
    reset(&mut out.trust, np);
    for j in 0..np {
        if out.preranks[j] != 0.0 {
            out.trust[j] = out.ranks[j] / out.preranks[j];
        }
    }
    out.incentive.clear();
    out.incentive.extend_from_slice(&out.ranks);
    normalise(&mut out.incentive);

    // 5. Bonds: ΔB = colnorm(S ∘ W_b); B ← colnorm(α ΔB + (1 − α) colnorm(B)).
    reset(&mut state.colsum, np);
    for (i, &si) in s.iter().enumerate() {
        for k in weights.range(i) {
            state.colsum[weights.col[k] as usize] += si * state.wb[k];
        }
    }
    let alpha = params.bond_alpha;
    col_normalise(&mut state.bonds, nv, np, &mut state.bond_colsum);
    for b in state.bonds.iter_mut() {
        *b *= 1.0 - alpha;
    }
    for (i, &si) in s.iter().enumerate() {
        for k in weights.range(i) {
            let j = weights.col[k] as usize;
            let delta = si * state.wb[k];
            if delta > 0.0 && state.colsum[j] > 0.0 {
                state.bonds[i * np + j] += alpha * delta / state.colsum[j];
            }
        }
    }
    col_normalise(&mut state.bonds, nv, np, &mut state.bond_colsum);

    // 6. Dividends D = normalise(B I).
    reset(&mut out.dividends, nv);
    for i in 0..nv {
        let row = &state.bonds[i * np..(i + 1) * np];
        out.dividends[i] = row.iter().zip(&out.incentive).map(|(b, inc)| b * inc).sum();
    }
    normalise(&mut out.dividends);

    // 7. Emission split.
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
    state.epochs += 1;
    Ok(())
}

fn reset(v: &mut Vec<f64>, n: usize) {
    v.clear();
    v.resize(n, 0.0);
}

/// Normalise to sum 1, leaving an all-zero vector as is (`inplace_normalize`).
fn normalise(v: &mut [f64]) {
    let sum: f64 = v.iter().sum();
    if sum > 0.0 {
        v.iter_mut().for_each(|x| *x /= sum);
    }
}

/// Normalise each column of a dense row-major `rows × cols` matrix to sum 1,
/// leaving zero columns as they are (`inplace_col_normalize`).
fn col_normalise(m: &mut [f64], rows: usize, cols: usize, colsum: &mut Vec<f64>) {
    reset(colsum, cols);
    for i in 0..rows {
        for (c, x) in colsum.iter_mut().zip(&m[i * cols..(i + 1) * cols]) {
            *c += x;
        }
    }
    for i in 0..rows {
        for (x, c) in m[i * cols..(i + 1) * cols].iter_mut().zip(colsum.iter()) {
            if *c > 0.0 {
                *x /= c;
            }
        }
    }
}

/// Consensus `C_j` for every provider: the largest weight `x` in column `j`
/// such that validators with `W_ij ≥ x` hold at least κ of the (positive)
/// stake; 0 if no positive weight has that support. This is the value the
/// chain's `weighted_median` returns (`cum(< x) ≤ minority < cum(≤ x)` with
/// `minority = 1 − κ`), computed by one sort per column instead of a
/// pivot search. Compared on raw stakes, so integer stakes tie exactly.
fn consensus(
    state: &mut YumaState,
    weights: &Weights,
    stakes: &[f64],
    kappa: f64,
    out: &mut Vec<f64>,
) {
    let np = weights.n_providers;
    reset(out, np);
    let positive_total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
    if positive_total <= 0.0 {
        return;
    }
    let need = kappa * positive_total;
    // Transpose the positive entries of validators with positive stake.
    state.col_start.clear();
    state.col_start.resize(np + 1, 0);
    for (i, &stake) in stakes.iter().enumerate() {
        if stake > 0.0 {
            for k in weights.range(i) {
                if state.w[k] > 0.0 {
                    state.col_start[weights.col[k] as usize + 1] += 1;
                }
            }
        }
    }
    for j in 0..np {
        state.col_start[j + 1] += state.col_start[j];
    }
    let nnz = state.col_start[np];
    state.col_row.clear();
    state.col_row.resize(nnz, 0);
    state.col_val.clear();
    state.col_val.resize(nnz, 0.0);
    let mut next = state.col_start.clone();
    for (i, &stake) in stakes.iter().enumerate() {
        if stake > 0.0 {
            for k in weights.range(i) {
                if state.w[k] > 0.0 {
                    let j = weights.col[k] as usize;
                    state.col_row[next[j]] = i as u32;
                    state.col_val[next[j]] = state.w[k];
                    next[j] += 1;
                }
            }
        }
    }
    for (j, c) in out.iter_mut().enumerate() {
        state.column.clear();
        for k in state.col_start[j]..state.col_start[j + 1] {
            state
                .column
                .push((state.col_val[k], stakes[state.col_row[k] as usize]));
        }
        // Descending by weight; walk down until the support reaches κ.
        state.column.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let mut support = 0.0;
        let mut t = 0;
        while t < state.column.len() {
            let x = state.column[t].0;
            while t < state.column.len() && state.column[t].0 == x {
                support += state.column[t].1;
                t += 1;
            }
            if support >= need {
                *c = x;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(close(state.bonds(), &[1.0, 0.75, 0.75, 0.0, 0.25, 0.25]));

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
