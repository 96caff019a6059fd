//! Yuma's epoch (`reward::yuma`) on a dense block, for the in-simulation
//! pool, where every active validator sets a weight on every provider with
//! work: owns the block ([`DenseWeights`]: raw weights validator-major over
//! one strictly ascending list of provider columns, zero meaning none), the
//! bonds kept column-major over the providers that hold one
//! ([`DenseYumaState`]), and the epoch ([`epoch_dense`]).
//!
//! The numbers are `reward::yuma::epoch_into`'s on the same weights, bit
//! for bit (tested against it on random blocks with zeros, ties, empty
//! rows, zero stakes, new and dropped providers and a growing validator
//! set: `dense_epochs_are_the_sparse_epochs`) when the stakes are
//! integer-valued, as the simulation's are (ledger base units, total below
//! 2^53): every sum runs in the same order, an absent entry adds an exact
//! zero where the sparse code skips it, and each column's consensus is the
//! same selection's answer, which the dense epoch finds over the whole
//! column (no copy of its positive entries first; an entry of zero stake or
//! weight cannot be the answer, and each support is an exact sum in any
//! order). What the layout buys: no index per entry, no merge of a
//! row's old bonds with its new weights, and the four divisions per entry
//! (row normalisation, the two of the bonds' moving average, the final
//! column normalisation) in loops the compiler vectorises; sums that must
//! run in order are interleaved four columns or rows at a time instead of
//! one serial chain.

use std::ops::Range;

use super::yuma::{
    check_epoch_input, check_providers, emission_split, empty_sum, grow, old_bond, reset,
    select_min, trust_and_incentive, upper_weighted_quantile, Selection, YumaError, YumaOutput,
    YumaParams,
};

/// One epoch's raw weights on a dense block: validator `i`'s weight on
/// column `t` (provider `cols[t]`) is `raw[i · cols + t]`, finite and
/// non-negative, 0 for no weight.
#[derive(Debug, Clone, Default)]
pub struct DenseWeights {
    n_providers: usize,
    cols: Vec<u32>,
    n_validators: usize,
    raw: Vec<f64>,
    /// The totals of the rows pushed, a group of four at a time as soon as
    /// it is complete (while it is in cache); the epoch adds the rest.
    row_sum: Vec<f64>,
}

impl DenseWeights {
    /// Empties the block (keeping its buffers) for validators' rows over
    /// the columns `cols` (provider indices strictly ascending, below
    /// `n_providers`). On error the block is left empty.
    pub fn clear(&mut self, n_providers: usize, cols: &[u32]) -> Result<(), YumaError> {
        self.n_validators = 0;
        self.raw.clear();
        self.row_sum.clear();
        self.cols.clear();
        check_providers(n_providers)?;
        for (index, pair) in cols.windows(2).enumerate() {
            if pair[0] >= pair[1] {
                return Err(YumaError::UnsortedColumns {
                    index: index + 1,
                    provider: pair[1] as usize,
                    previous: pair[0] as usize,
                });
            }
        }
        if let Some(&last) = cols.last() {
            if last as usize >= n_providers {
                return Err(YumaError::ProviderOutOfRange {
                    index: cols.len() - 1,
                    provider: last as usize,
                    n_providers,
                });
            }
        }
        self.n_providers = n_providers;
        self.cols.extend_from_slice(cols);
        Ok(())
    }

    /// Appends the next validator's weights, one per column. On error
    /// nothing is added.
    pub fn push_row(&mut self, weights: &[f64]) -> Result<(), YumaError> {
        if weights.len() != self.cols.len() {
            return Err(YumaError::RowLengths {
                providers: self.cols.len(),
                weights: weights.len(),
            });
        }
        self.push_row_with(|row| row.copy_from_slice(weights))
    }

    /// Appends the next validator's weights, written by `fill` into a row
    /// of zeros, one per column; checked as [`DenseWeights::push_row`]
    /// checks them (on error nothing is added).
    pub fn push_row_with(&mut self, fill: impl FnOnce(&mut [f64])) -> Result<(), YumaError> {
        let begin = self.raw.len();
        self.raw.resize(begin + self.cols.len(), 0.0);
        let row = &mut self.raw[begin..];
        fill(row);
        if !all_valid(row) {
            let (index, &weight) = row
                .iter()
                .enumerate()
                .find(|(_, w)| !(0.0..f64::INFINITY).contains(*w))
                .unwrap_or((0, &f64::NAN));
            self.raw.truncate(begin);
            return Err(YumaError::InvalidWeight { index, weight });
        }
        self.row_pushed();
        Ok(())
    }

    /// Appends a validator that sets no weight.
    pub fn push_empty_row(&mut self) {
        self.raw.resize(self.raw.len() + self.cols.len(), 0.0);
        self.row_pushed();
    }

    /// Counts a pushed row; totals a completed group of four.
    fn row_pushed(&mut self) {
        self.n_validators += 1;
        if self.n_validators.is_multiple_of(4) {
            let k = self.cols.len();
            let group = &self.raw[(self.n_validators - 4) * k..];
            append_row_sums(group, 4, k, &mut self.row_sum);
        }
    }

    pub fn n_validators(&self) -> usize {
        self.n_validators
    }

    pub fn n_providers(&self) -> usize {
        self.n_providers
    }

    /// The provider of each column.
    pub fn cols(&self) -> &[u32] {
        &self.cols
    }

    /// Validator `i`'s weights, one per column (empty if out of range).
    pub fn row(&self, i: usize) -> &[f64] {
        let k = self.cols.len();
        if i < self.n_validators {
            &self.raw[i * k..(i + 1) * k]
        } else {
            &[]
        }
    }
}

/// Whether every weight is finite and non-negative: one branch-free pass
/// of `f64` arithmetic in four lanes, which SSE2 vectorises (unlike the
/// 64-bit integer tests of `is_finite` or a fold of `bool`s): `w · 0` is
/// NaN exactly for an infinite or NaN `w`, and the lanes' minimum is
/// negative exactly if some `w` is (`select_min`: the NaNs are the
/// probe's to find).
fn all_valid(row: &[f64]) -> bool {
    let mut probe = [0.0; 4];
    let mut least = [0.0f64; 4];
    let lanes = row.chunks_exact(4);
    let rest = lanes.remainder();
    for w in lanes {
        for lane in 0..4 {
            probe[lane] += w[lane] * 0.0;
            least[lane] = select_min(w[lane], least[lane]);
        }
    }
    probe.iter().all(|&p| p == 0.0)
        && least.iter().all(|&l| l >= 0.0)
        && rest.iter().all(|w| (0.0..f64::INFINITY).contains(w))
}

/// The bonds `B` between epochs (validator × provider, column-normalised):
/// one column of `n_validators` values per provider that holds a positive
/// bond, providers ascending; plus the working buffers every epoch reuses,
/// so that an epoch allocates nothing once they have grown.
#[derive(Debug, Clone, Default)]
pub struct DenseYumaState {
    n_validators: usize,
    n_providers: usize,
    epochs: u64,
    /// Providers with a bond column, ascending, and the columns
    /// (`bonds[u · n_validators + i]` = `B_i,bond_cols[u]`).
    bond_cols: Vec<u32>,
    bonds: Vec<f64>,
    /// Σ_i of each bond column, validators ascending, from the last
    /// epoch's final normalisation.
    bond_colsum: Vec<f64>,
    // Working buffers: row sums, one tile of normalised weights
    // column-major (validators × TILE columns), each
    // weight column's consensus, rank, Σ S ∘ W_b and prerank, the next
    // bonds and their column sums, and the consensus selection's scratch.
    row_sum: Vec<f64>,
    wt: Vec<f64>,
    col_consensus: Vec<f64>,
    col_rank: Vec<f64>,
    col_bond_sum: Vec<f64>,
    col_prerank: Vec<f64>,
    next_cols: Vec<u32>,
    next_bonds: Vec<f64>,
    next_colsum: Vec<f64>,
    selection: Selection,
}

impl DenseYumaState {
    /// Empty bonds for `n_validators` × `n_providers`. A default state takes
    /// its shape from the first epoch.
    pub fn new(n_validators: usize, n_providers: usize) -> Self {
        let mut state = Self::default();
        state.resize(n_validators, n_providers);
        state
    }

    /// Changes the shape, keeping the bonds of validators and providers
    /// that remain; new validators and providers start with none
    /// (`YumaState::resize`). Costs O(bonds kept).
    pub fn resize(&mut self, n_validators: usize, n_providers: usize) {
        let old_nv = self.n_validators;
        let keep_cols = self
            .bond_cols
            .iter()
            .take_while(|&&j| (j as usize) < n_providers)
            .count();
        self.bond_cols.truncate(keep_cols);
        self.bond_colsum.truncate(keep_cols);
        if n_validators != old_nv {
            let kept = old_nv.min(n_validators);
            self.next_bonds.clear();
            for column in self.bonds.chunks_exact(old_nv.max(1)).take(keep_cols) {
                self.next_bonds.extend_from_slice(&column[..kept]);
                self.next_bonds
                    .resize(self.next_bonds.len() + n_validators - kept, 0.0);
            }
            std::mem::swap(&mut self.bonds, &mut self.next_bonds);
            if n_validators < old_nv {
                // The sums lost validators: add up what remains, in order.
                self.bond_colsum.clear();
                for column in self.bonds.chunks_exact(n_validators.max(1)) {
                    self.bond_colsum
                        .push(column.iter().fold(0.0, |sum, b| sum + b));
                }
                self.bond_colsum.truncate(keep_cols);
            }
        }
        self.bonds.truncate(keep_cols * n_validators);
        if n_validators == 0 {
            self.bond_cols.clear();
            self.bond_colsum.clear();
        }
        self.n_validators = n_validators;
        self.n_providers = n_providers;
    }

    /// Drops every bond on the given providers (`YumaState::drop_providers`);
    /// indices out of range are ignored. Costs O(bonds).
    pub fn drop_providers(&mut self, providers: &[usize]) {
        let nv = self.n_validators;
        let mut kept = 0;
        for u in 0..self.bond_cols.len() {
            if providers.contains(&(self.bond_cols[u] as usize)) {
                continue;
            }
            if kept != u {
                self.bond_cols[kept] = self.bond_cols[u];
                self.bond_colsum[kept] = self.bond_colsum[u];
                self.bonds.copy_within(u * nv..(u + 1) * nv, kept * nv);
            }
            kept += 1;
        }
        self.bond_cols.truncate(kept);
        self.bond_colsum.truncate(kept);
        self.bonds.truncate(kept * nv);
    }

    /// The bonds as a dense row-major validator × provider matrix (for
    /// small cases and tests: it allocates validators × providers).
    pub fn dense_bonds(&self) -> Vec<f64> {
        let (nv, np) = (self.n_validators, self.n_providers);
        let mut dense = vec![0.0; nv * np];
        for (&j, column) in self
            .bond_cols
            .iter()
            .zip(self.bonds.chunks_exact(nv.max(1)))
        {
            for (i, &b) in column.iter().enumerate() {
                dense[i * np + j as usize] = b;
            }
        }
        dense
    }

    /// `B_ij`, zero if out of range or never bonded.
    pub fn bond(&self, validator: usize, provider: usize) -> f64 {
        match self.bond_cols.binary_search(&(provider as u32)) {
            Ok(u) if validator < self.n_validators && provider < self.n_providers => {
                self.bonds[u * self.n_validators + validator]
            }
            _ => 0.0,
        }
    }

    /// Number of bond cells held (bond columns × validators).
    pub fn bond_cells(&self) -> usize {
        self.bonds.len()
    }

    /// Epochs run so far.
    pub fn epochs(&self) -> u64 {
        self.epochs
    }
}

/// Columns of a tile: the epoch normalises, transposes, selects and bonds
/// 64 weight columns at a time, so the column-major tile (validators × 64)
/// is read by the consensus and the bonds while in cache and the
/// transposed weights never take validators × columns of memory. A
/// multiple of four, so the consensus groups four columns as a whole block
/// would.
const TILE: usize = 64;

/// Runs one epoch on a dense block, updating the bonds in `state` and
/// writing `out` as `yuma::epoch_into` does. On error the state is
/// unchanged.
///
/// Cost: O(validators × (columns + bond columns) + providers) time, the
/// same in memory (the block and the bonds; the transposed weights take
/// one tile); nothing validator × provider is formed beyond the columns
/// given.
pub fn epoch_dense(
    state: &mut DenseYumaState,
    stakes: &[f64],
    weights: &DenseWeights,
    params: YumaParams,
    out: &mut YumaOutput,
) -> Result<(), YumaError> {
    params.check()?;
    let (nv, np, k) = (
        weights.n_validators,
        weights.n_providers,
        weights.cols.len(),
    );
    let state_shape = (state.epochs, state.n_validators, state.n_providers);
    let (stake_total, fresh) = check_epoch_input(stakes, (nv, np), state_shape)?;
    if fresh {
        state.resize(nv, np);
    }
    state.row_sum.clear();
    state.row_sum.extend_from_slice(&weights.row_sum);
    let summed = weights.row_sum.len();
    append_row_sums(
        &weights.raw[summed * k..],
        nv - summed,
        k,
        &mut state.row_sum,
    );
    if state.row_sum.iter().any(|t| !t.is_finite()) {
        return Err(YumaError::Overflow {
            what: "a validator's weight total",
        });
    }

    // S: normalised stake.
    reset(&mut out.stake, nv);
    if stake_total > 0.0 {
        for (s, raw) in out.stake.iter_mut().zip(stakes) {
            *s = raw / stake_total;
        }
    }
    let s = &out.stake[..];

    // 1. Preranks, 2. consensus, 3. clipped weights and validator trust,
    // 4. ranks, 5a. the column sums of S ∘ W_b and 5. the bonds,
    // B ← α ΔB + (1 − α) colnorm(B), a tile of weight columns at a time:
    // each tile's normalised columns are read while in cache.
    let positive_total: f64 = stakes.iter().filter(|s| **s > 0.0).sum();
    let need = params.kappa * positive_total;
    reset(&mut out.validator_trust, nv);
    reset(&mut state.col_prerank, k);
    reset(&mut state.col_consensus, k);
    reset(&mut state.col_rank, k);
    reset(&mut state.col_bond_sum, k);
    let mut merge = BondMerge::start(state, nv, k);
    for t0 in (0..k).step_by(TILE) {
        let t1 = (t0 + TILE).min(k);
        normalise_and_transpose(state, weights, s, t0..t1);
        consensus_columns(
            state,
            stakes,
            s,
            need,
            params.bonds_penalty,
            t0..t1,
            &mut out.validator_trust,
        );
        merge.columns_through(state, &weights.cols, t0..t1, s, params);
    }
    merge.finish(state, &weights.cols, s, params);

    reset(&mut out.preranks, np);
    reset(&mut out.consensus, np);
    reset(&mut out.ranks, np);
    for (t, &j) in weights.cols.iter().enumerate() {
        let j = j as usize;
        out.preranks[j] = state.col_prerank[t];
        out.consensus[j] = state.col_consensus[t];
        out.ranks[j] = state.col_rank[t];
    }
    trust_and_incentive(out, np);

    // 6. Dividends D = normalise(B I), with the final column normalisation
    // of the bonds, whose column sums the next epoch starts from.
    let first = if np == 0 { empty_sum() } else { 0.0 };
    out.dividends.clear();
    out.dividends.resize(nv, first);
    state.bond_colsum.clear();
    let groups = state.next_bonds.chunks_mut(4 * nv.max(1));
    let (cols, sums) = (state.next_cols.chunks(4), state.next_colsum.chunks(4));
    for ((group, cols), sums) in groups.zip(cols).zip(sums) {
        for ((column, &j), &c) in group.chunks_exact_mut(nv.max(1)).zip(cols).zip(sums) {
            let incentive = out.incentive[j as usize];
            if c > 0.0 && c != 1.0 {
                for (b, d) in column.iter_mut().zip(&mut out.dividends) {
                    *b /= c;
                    *d += *b * incentive;
                }
            } else {
                // No division, or by 1 (x / 1 is x exactly).
                for (b, d) in column.iter().zip(&mut out.dividends) {
                    *d += *b * incentive;
                }
            }
        }
        append_column_sums(group, nv, &mut state.bond_colsum);
    }
    std::mem::swap(&mut state.bond_cols, &mut state.next_cols);
    std::mem::swap(&mut state.bonds, &mut state.next_bonds);
    super::yuma::normalise(&mut out.dividends);

    // 7. Emission split.
    emission_split(out, np, nv);
    state.epochs += 1;
    Ok(())
}

/// Appends the totals of `rows` rows of `k` weights (columns ascending
/// from the empty sum), four rows at a time (four independent chains of
/// additions instead of one).
fn append_row_sums(raw: &[f64], rows: usize, k: usize, out: &mut Vec<f64>) {
    if k == 0 {
        out.resize(out.len() + rows, empty_sum());
        return;
    }
    let mut groups = raw[..rows * k].chunks_exact(4 * k);
    for four in groups.by_ref() {
        let (r0, rest) = four.split_at(k);
        let (r1, rest) = rest.split_at(k);
        let (r2, r3) = rest.split_at(k);
        let mut sum = [empty_sum(); 4];
        for t in 0..k {
            sum[0] += r0[t];
            sum[1] += r1[t];
            sum[2] += r2[t];
            sum[3] += r3[t];
        }
        out.extend_from_slice(&sum);
    }
    for row in groups.remainder().chunks_exact(k) {
        out.push(row.iter().fold(empty_sum(), |sum, w| sum + w));
    }
}

/// Appends the column sums of a column-major block of `nv`-long columns,
/// validators ascending from 0.0, four columns at a time. The callers
/// add up each group of four columns as soon as it is written, while it
/// is in the L1 cache.
fn append_column_sums(block: &[f64], nv: usize, out: &mut Vec<f64>) {
    if nv == 0 {
        return;
    }
    let mut groups = block.chunks_exact(4 * nv);
    for four in groups.by_ref() {
        let (c0, rest) = four.split_at(nv);
        let (c1, rest) = rest.split_at(nv);
        let (c2, c3) = rest.split_at(nv);
        let mut sum = [0.0; 4];
        for i in 0..nv {
            sum[0] += c0[i];
            sum[1] += c1[i];
            sum[2] += c2[i];
            sum[3] += c3[i];
        }
        out.extend_from_slice(&sum);
    }
    for column in groups.remainder().chunks_exact(nv) {
        out.push(column.iter().fold(0.0, |sum, b| sum + b));
    }
}

/// The tile's columns `tile` of the row-normalised weights, column-major
/// (column `t` at `state.wt[(t − tile.start) · nv ..]`), and their
/// `state.col_prerank` = `Σ_i S_i W_ij`, validators ascending.
fn normalise_and_transpose(
    state: &mut DenseYumaState,
    weights: &DenseWeights,
    s: &[f64],
    tile: Range<usize>,
) {
    let (nv, k) = (weights.n_validators, weights.cols.len());
    let width = tile.len();
    grow(&mut state.wt, nv * TILE, 0.0);
    let (wt, prerank, row_sum) = (
        &mut state.wt[..nv * width],
        &mut state.col_prerank[tile.clone()],
        &state.row_sum[..],
    );
    // Each row's line of the tile in a loop that vectorises (division,
    // prerank), then four rows' lines stored into the columns side by side
    // (four adjacent entries of each column).
    let mut lines = [[0.0f64; TILE]; 4];
    let mut line_of = |i: usize, line: &mut [f64; TILE]| {
        let (r, si) = (row_sum[i], s[i]);
        let row = &weights.raw[i * k + tile.start..i * k + tile.end];
        let line = &mut line[..width];
        if r > 0.0 {
            for ((l, &v), p) in line.iter_mut().zip(row).zip(prerank.iter_mut()) {
                let w = v / r;
                *l = w;
                *p += si * w;
            }
        } else {
            line.fill(0.0);
        }
    };
    let full = nv - nv % 4;
    for i0 in (0..full).step_by(4) {
        for (c, line) in lines.iter_mut().enumerate() {
            line_of(i0 + c, line);
        }
        for (dt, column) in wt.chunks_exact_mut(nv).enumerate() {
            column[i0..i0 + 4].copy_from_slice(&[
                lines[0][dt],
                lines[1][dt],
                lines[2][dt],
                lines[3][dt],
            ]);
        }
    }
    for i in full..nv {
        line_of(i, &mut lines[0]);
        for (column, &w) in wt.chunks_exact_mut(nv).zip(&lines[0][..width]) {
            column[i] = w;
        }
    }
}

/// Per weight column of the tile: the consensus (the selection over the
/// whole column, validators ascending: the sparse epoch selects among the
/// entries of positive stake and weight only, but the others cannot be
/// the answer, and with integer-valued stakes every support is an exact
/// sum, so the value is the same), the rank `Σ_i S_i min(W_ij, C_j)`, the
/// column sum of `S ∘ W_b`, and each validator's trust `Σ_j min(W_ij,
/// C_j)`, four columns at a time (a tile holds a multiple of four, so the
/// groups are those of the whole block).
fn consensus_columns(
    state: &mut DenseYumaState,
    stakes: &[f64],
    s: &[f64],
    need: f64,
    beta: f64,
    tile: Range<usize>,
    trust: &mut [f64],
) {
    let nv = stakes.len();
    if nv == 0 {
        return;
    }
    let wt = &state.wt[..nv * tile.len()];
    for (g, columns) in wt.chunks(4 * nv).enumerate() {
        let t0 = tile.start + 4 * g;
        let mut x = [0.0; 4];
        for (c, column) in columns.chunks_exact(nv).enumerate() {
            // The whole column: an entry of zero weight or zero stake never
            // changes the answer when `need` > 0 (see the doc above).
            let quantile = if need > 0.0 {
                upper_weighted_quantile(column, stakes, need, &mut state.selection)
            } else {
                0.0
            };
            // +0.0 for a consensus of zero, whatever the sign of a zero weight.
            x[c] = if quantile == 0.0 { 0.0 } else { quantile };
        }
        let mut rank = [0.0; 4];
        let mut bond_sum = [0.0; 4];
        if columns.len() == 4 * nv {
            let (c0, rest) = columns.split_at(nv);
            let (c1, rest) = rest.split_at(nv);
            let (c2, c3) = rest.split_at(nv);
            for i in 0..nv {
                let si = s[i];
                let w = [c0[i], c1[i], c2[i], c3[i]];
                let mut tr = trust[i];
                for c in 0..4 {
                    let clipped = select_min(w[c], x[c]);
                    tr += clipped;
                    rank[c] += si * clipped;
                    bond_sum[c] += si * (w[c] + beta * (clipped - w[c]));
                }
                trust[i] = tr;
            }
        } else {
            for (c, column) in columns.chunks_exact(nv).enumerate() {
                for (i, &w) in column.iter().enumerate() {
                    let clipped = select_min(w, x[c]);
                    trust[i] += clipped;
                    rank[c] += s[i] * clipped;
                    bond_sum[c] += s[i] * (w + beta * (clipped - w));
                }
            }
        }
        let n = columns.len() / nv;
        state.col_consensus[t0..t0 + n].copy_from_slice(&x[..n]);
        state.col_rank[t0..t0 + n].copy_from_slice(&rank[..n]);
        state.col_bond_sum[t0..t0 + n].copy_from_slice(&bond_sum[..n]);
    }
}

/// The next bonds before their final normalisation, over the union of the
/// bond columns and the weight columns (providers ascending), written a
/// tile at a time into `state.next_cols` / `next_bonds`, with their column
/// sums in `next_colsum`: `B_ij ← (B_ij / Σ_i B_ij) (1 − α) + α S_i
/// W_b,ij / Σ_i S_i W_b,ij`, the second term only where that sum is
/// positive. A column left without a positive bond is not kept, as the
/// sparse bonds keep no zero.
struct BondMerge {
    /// The next weight column, the next old bond column, and the number of
    /// union columns written.
    t: usize,
    u: usize,
    n: usize,
}

impl BondMerge {
    fn start(state: &mut DenseYumaState, nv: usize, k: usize) -> Self {
        state.next_cols.clear();
        state.next_colsum.clear();
        // Columns are appended whole, so the buffer is never zeroed first.
        state.next_bonds.clear();
        state.next_bonds.reserve((state.bond_cols.len() + k) * nv);
        Self { t: 0, u: 0, n: 0 }
    }

    /// Writes the union columns up to the next tile: those below weight
    /// column `tile.end` (all that remain if it is the last), reading the
    /// weight columns of `tile` from the tile buffer; column sums a group
    /// of four at a time, as each group is written.
    fn columns_through(
        &mut self,
        state: &mut DenseYumaState,
        cols: &[u32],
        tile: Range<usize>,
        s: &[f64],
        params: YumaParams,
    ) {
        let nv = state.n_validators;
        let (alpha, beta) = (params.bond_alpha, params.bonds_penalty);
        let keep = 1.0 - alpha;
        let limit = cols.get(tile.end).copied();
        loop {
            let j = match (cols.get(self.t), state.bond_cols.get(self.u)) {
                (Some(&a), Some(&b)) => a.min(b),
                (Some(&a), None) => a,
                (None, Some(&b)) => b,
                (None, None) => break,
            };
            if limit.is_some_and(|limit| j >= limit) {
                break;
            }
            let (n, u, t) = (self.n, self.u, self.t);
            if state.bond_cols.get(u) == Some(&j) {
                let old = &state.bonds[u * nv..(u + 1) * nv];
                let colsum = state.bond_colsum[u];
                // The column's sum is a constant of the loop: its case is
                // taken once (`old_bond` with 1 folds to no division).
                if colsum == 1.0 {
                    state
                        .next_bonds
                        .extend(old.iter().map(|&o| old_bond(o, 1.0, keep)));
                } else {
                    state
                        .next_bonds
                        .extend(old.iter().map(|&o| old_bond(o, colsum, keep)));
                }
                self.u += 1;
            } else {
                state.next_bonds.resize((n + 1) * nv, 0.0);
            }
            let column = &mut state.next_bonds[n * nv..(n + 1) * nv];
            if cols.get(t) == Some(&j) {
                let bond_sum = state.col_bond_sum[t];
                if bond_sum > 0.0 {
                    let x = state.col_consensus[t];
                    let dt = t - tile.start;
                    let w = &state.wt[dt * nv..(dt + 1) * nv];
                    for ((b, &w), &si) in column.iter_mut().zip(w).zip(s) {
                        let clipped = select_min(w, x);
                        let delta = si * (w + beta * (clipped - w));
                        *b += alpha * delta / bond_sum;
                    }
                }
                self.t += 1;
            }
            state.next_cols.push(j);
            self.n += 1;
            if self.n.is_multiple_of(4) {
                let group = &state.next_bonds[(self.n - 4) * nv..self.n * nv];
                append_column_sums(group, nv, &mut state.next_colsum);
            }
        }
    }

    /// The union columns after the last tile, the last column sums, and
    /// the columns that hold a positive bond kept.
    fn finish(mut self, state: &mut DenseYumaState, cols: &[u32], s: &[f64], params: YumaParams) {
        let k = cols.len();
        self.columns_through(state, cols, k..k, s, params);
        let (n, nv) = (self.n, state.n_validators);
        let rest = n - n % 4;
        append_column_sums(
            &state.next_bonds[rest * nv..n * nv],
            nv,
            &mut state.next_colsum,
        );
        if nv == 0 {
            state.next_cols.clear();
            state.next_colsum.clear();
            return;
        }
        let mut kept = 0;
        for v in 0..n {
            if state.next_colsum[v] > 0.0 {
                if kept != v {
                    state.next_cols[kept] = state.next_cols[v];
                    state.next_colsum[kept] = state.next_colsum[v];
                    state
                        .next_bonds
                        .copy_within(v * nv..(v + 1) * nv, kept * nv);
                }
                kept += 1;
            }
        }
        state.next_cols.truncate(kept);
        state.next_colsum.truncate(kept);
        state.next_bonds.truncate(kept * nv);
    }
}

#[cfg(test)]
mod tests {
    use super::super::yuma::{epoch_into, Weights, YumaInput, YumaState};
    use super::*;
    use proptest::prelude::*;

    /// One epoch of a random block: its columns (a subset of the
    /// providers) and, per validator, a stake and its weights (`None`: an
    /// empty row).
    #[derive(Debug, Clone)]
    struct Block {
        cols: Vec<u32>,
        rows: Vec<(f64, Option<Vec<f64>>)>,
        drop: Vec<usize>,
    }

    fn weight() -> impl Strategy<Value = f64> {
        prop_oneof![
            3 => Just(0.0),
            3 => (1u32..4).prop_map(f64::from),
            4 => 0.0f64..10.0,
            1 => Just(1e-300),
        ]
    }

    /// Integer-valued stakes, as the simulation's (base units): small
    /// ones, for ties, and large ones.
    fn stake() -> impl Strategy<Value = f64> {
        prop_oneof![
            2 => Just(0.0),
            4 => (1u64..1000).prop_map(|s| s as f64),
            2 => (0u64..1 << 44).prop_map(|s| s as f64),
        ]
    }

    fn block(nv: usize, np: usize) -> impl Strategy<Value = Block> {
        (
            proptest::collection::vec(any::<bool>(), np),
            proptest::collection::vec(any::<bool>(), np),
        )
            .prop_flat_map(move |(mask, drop)| {
                let cols: Vec<u32> = (0..np as u32).filter(|&j| mask[j as usize]).collect();
                let drop: Vec<usize> = (0..np).filter(|&j| drop[j] && !mask[j]).collect();
                let k = cols.len();
                let row = (
                    stake(),
                    prop_oneof![
                        1 => Just(None),
                        5 => proptest::collection::vec(weight(), k).prop_map(Some),
                    ],
                );
                (
                    Just(cols),
                    proptest::collection::vec(row, nv),
                    prop_oneof![3 => Just(Vec::new()), 1 => Just(drop)],
                )
                    .prop_map(|(cols, rows, drop)| Block { cols, rows, drop })
            })
    }

    /// Epochs of a network that grows from one validator and `np0`
    /// providers: (validators, providers) per epoch, never fewer than the
    /// last, up to `dp` more providers an epoch.
    fn network(np0: usize, dp: usize) -> impl Strategy<Value = Vec<Block>> {
        proptest::collection::vec((0usize..3, 0usize..dp), 1..6).prop_flat_map(move |growth| {
            let mut shapes = Vec::new();
            let (mut nv, mut np) = (1, np0);
            for (dv, dp) in growth {
                nv += dv;
                np += dp;
                shapes.push((nv, np));
            }
            shapes
                .into_iter()
                .map(|(nv, np)| block(nv, np))
                .collect::<Vec<_>>()
        })
    }

    fn same(what: &str, a: &[f64], b: &[f64]) -> Result<(), TestCaseError> {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(a), bits(b), "{}: {:?} against {:?}", what, a, b);
        Ok(())
    }

    /// Every output and the bonds, bit for bit, epoch after epoch, as the
    /// sparse epoch computes them from the same weights.
    fn check_network(
        epochs: &[Block],
        kappa: f64,
        alpha: f64,
        beta: f64,
    ) -> Result<(), TestCaseError> {
        let params = YumaParams {
            kappa,
            bond_alpha: alpha,
            bonds_penalty: beta,
        };
        let mut sparse_state = YumaState::default();
        let mut dense_state = DenseYumaState::default();
        let (mut sparse_out, mut dense_out) = (YumaOutput::default(), YumaOutput::default());
        let (mut sparse, mut dense) = (Weights::default(), DenseWeights::default());
        for (e, b) in epochs.iter().enumerate() {
            let (nv, np) = (b.rows.len(), b.cols.last().map_or(0, |&j| j as usize + 1));
            let np = np
                .max(if e == 0 { 1 } else { 0 })
                .max(dense_state.n_providers);
            if e > 0 {
                sparse_state.resize(nv, np);
                dense_state.resize(nv, np);
            }
            sparse.clear(np).expect("providers fit");
            dense.clear(np, &b.cols).expect("ascending columns");
            let mut stakes = Vec::new();
            for (stake, row) in &b.rows {
                stakes.push(*stake);
                match row {
                    Some(w) => {
                        sparse.push_row_slices(&b.cols, w).expect("valid row");
                        dense.push_row(w).expect("valid row");
                    }
                    None => {
                        sparse.push_row(std::iter::empty()).expect("empty row");
                        dense.push_empty_row();
                    }
                }
            }
            let input = YumaInput {
                stakes: &stakes,
                weights: &sparse,
                params,
            };
            epoch_into(&mut sparse_state, &input, &mut sparse_out).expect("sparse epoch");
            epoch_dense(&mut dense_state, &stakes, &dense, params, &mut dense_out)
                .expect("dense epoch");
            let o = (&sparse_out, &dense_out);
            same("stake", &o.0.stake, &o.1.stake)?;
            same("preranks", &o.0.preranks, &o.1.preranks)?;
            same("consensus", &o.0.consensus, &o.1.consensus)?;
            same("ranks", &o.0.ranks, &o.1.ranks)?;
            same("trust", &o.0.trust, &o.1.trust)?;
            same("incentive", &o.0.incentive, &o.1.incentive)?;
            same(
                "validator trust",
                &o.0.validator_trust,
                &o.1.validator_trust,
            )?;
            same("dividends", &o.0.dividends, &o.1.dividends)?;
            same(
                "provider emission",
                &o.0.provider_emission,
                &o.1.provider_emission,
            )?;
            same(
                "validator emission",
                &o.0.validator_emission,
                &o.1.validator_emission,
            )?;
            same(
                "bonds",
                &sparse_state.dense_bonds(),
                &dense_state.dense_bonds(),
            )?;
            sparse_state.drop_providers(&b.drop);
            dense_state.drop_providers(&b.drop);
            same(
                "bonds after the drop",
                &sparse_state.dense_bonds(),
                &dense_state.dense_bonds(),
            )?;
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Small blocks: zeros, ties, empty rows, zero stakes, new and
        /// dropped providers, a growing validator set.
        #[test]
        fn dense_epochs_are_the_sparse_epochs(
            epochs in network(1, 4),
            kappa in prop_oneof![Just(0.5), 0.05f64..=1.0],
            alpha in prop_oneof![Just(0.1), 0.05f64..=1.0],
            beta in prop_oneof![Just(1.0), Just(0.0), 0.0f64..=1.0],
        ) {
            check_network(&epochs, kappa, alpha, beta)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// Blocks of several tiles of columns (`TILE`), with bond columns
        /// between and after the weight columns of each tile.
        #[test]
        fn wide_dense_epochs_are_the_sparse_epochs(
            epochs in network(100, 120),
            kappa in prop_oneof![Just(0.5), 0.05f64..=1.0],
            alpha in prop_oneof![Just(0.1), 0.05f64..=1.0],
            beta in prop_oneof![Just(1.0), 0.0f64..=1.0],
        ) {
            check_network(&epochs, kappa, alpha, beta)?;
        }
    }

    #[test]
    fn a_column_out_of_order_or_range_and_a_bad_weight_are_refused() {
        let mut w = DenseWeights::default();
        assert!(matches!(
            w.clear(5, &[1, 3, 3]),
            Err(YumaError::UnsortedColumns {
                index: 2,
                provider: 3,
                previous: 3
            })
        ));
        assert!(matches!(
            w.clear(3, &[0, 3]),
            Err(YumaError::ProviderOutOfRange { provider: 3, .. })
        ));
        w.clear(4, &[0, 3]).expect("valid columns");
        assert!(matches!(
            w.push_row(&[1.0]),
            Err(YumaError::RowLengths { .. })
        ));
        assert!(matches!(
            w.push_row(&[1.0, f64::NAN]),
            Err(YumaError::InvalidWeight { index: 1, .. })
        ));
        assert_eq!(w.n_validators(), 0);
        assert!(matches!(
            w.push_row_with(|row| row[0] = -1.0),
            Err(YumaError::InvalidWeight { index: 0, .. })
        ));
        assert_eq!(w.n_validators(), 0);
        w.push_row(&[1.0, 2.0]).expect("valid row");
        w.push_row_with(|row| row[1] = 3.0).expect("valid row");
        assert_eq!(w.row(0), &[1.0, 2.0]);
        assert_eq!(w.row(1), &[0.0, 3.0]);
    }

    /// The row check's four lanes and its remainder: a bad weight at any
    /// position of a nine-column row is refused with its index; zeros of
    /// either sign, tiny and huge finite weights pass.
    #[test]
    fn every_position_of_a_long_row_is_checked() {
        let cols: Vec<u32> = (0..9).collect();
        let mut w = DenseWeights::default();
        w.clear(9, &cols).expect("valid columns");
        let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, -1e-300];
        for at in 0..9 {
            for &weight in &bad {
                let mut row = [1.0; 9];
                row[at] = weight;
                let refused = w.push_row(&row);
                assert!(
                    matches!(refused, Err(YumaError::InvalidWeight { index, .. }) if index == at),
                    "{weight} at {at}: {refused:?}"
                );
            }
        }
        assert_eq!(w.n_validators(), 0);
        let fine = [0.0, -0.0, 1e-300, f64::MAX, 1.0, 0.0, -0.0, 5e-324, 2.0];
        w.push_row(&fine).expect("valid row");
        assert_eq!(w.n_validators(), 1);
    }
}
