//! Connection-oriented cluster match (COCM): Miller, Weyl & Erichsen,
//! "Beyond Collusion Resistance" (2024), computed exactly as the reference
//! code, `COCM(donation_df, cluster_df, calcstyle, harsh)` in
//! `gitcoinco/qf-calculator` (`fundingutils.py`) and `Jmiller4/qf-variants`,
//! but without its dense matrices.
//!
//! The reference, with `m` the donor × cluster membership matrix, `n` its
//! row-normalisation and `b = 1[m > 0]`:
//! 1. connections `k` (donor × cluster), by style:
//!    * `markov`: `u` = column-normalised `m` (transposed), `P = u n`
//!      (cluster × cluster), `k = max(n P, b)`;
//!    * `og`: `k = 1[m mᵀ m > 0]`;
//!    * `pct_friends`: `F = 1[m mᵀ > 0]` (donor × donor),
//!      `k = max(F b / rowsum(F), b)`;
//! 2. per project `p`: `K_ig = (1 − k_ig) c_ip` if `harsh`, else
//!    `k_ig √c_ip + (1 − k_ig) c_ip`;
//! 3. `P'_hg = Σ_i K_ih n_ig` (cluster × cluster);
//! 4. `match_p = Σ_{g ≠ h} √(P'_gh P'_hg)`.
//!
//! Donors who gave nothing are dropped first (the reference's `align`).
//!
//! How this stays sub-quadratic in donors. `P'_hg` only matters when both
//! `g` and `h` are *active* for `p` (some donor of `p` is in them), and it
//! equals `T_g − D_hg` with `T_g = Σ_i n_ig c_ip` (cluster `g`'s share of
//! `p`'s donations, as in cluster match) and the correction
//! `D_hg = Σ_i n_ig k_ih f_i`, `f_i = c_ip` (harsh) or `c_ip − √c_ip`, which
//! is nonzero only where a donor of `g` is connected to `h`. For markov,
//! `k_i = n_i P` is linear apart from the own-cluster override, so
//! `D = Pᵀ Q` with `Q = Σ_i f_i n_iᵀ n_i` (pairs of clusters co-held by a
//! donor of `p`) plus a small override term. For og (reachability: the
//! support of `P`) and pct_friends (one row per distinct cluster set,
//! friends counted by a union over cluster members, never a donor × donor
//! matrix) each donor's connection row is built and scattered. Each project
//! then uses
//! either a dense `a × a` matrix over its `a` active clusters, or, when `a`
//! is large and the corrections few (e.g. one cluster per donor), the
//! identity `Σ_{g≠h} √(T_g T_h) = (Σ √T)² − Σ T` plus a sorted list of the
//! corrected pairs.
//!
//! `P'` values that cancel to within `1e-12 · T_g` of zero (a donor's gift
//! removed again by its own full connection) are treated as zero, so exact
//! cancellations do not leave `√ε`-sized matches behind.

use std::collections::HashMap;

use super::scratch::{LocalIndex, SparseAcc};
use super::{qf_from_roots, Clusters, CocmStyle, Round};

/// Relative tolerance below which a `P'_hg` is taken as zero.
const CANCEL_TOL: f64 = 1e-12;
/// Projects with at most this many active-cluster pairs always use the dense
/// matrix.
const DENSE_ALWAYS: usize = 1 << 16;
/// Never allocate a dense matrix larger than this (64 MiB of f64).
const DENSE_MAX: usize = 1 << 23;

#[derive(Debug, Clone, Default)]
pub(in crate::reward::quadratic) struct CocmScratch {
    /// `1 / Σ_g m_ig` for donors in the round, 0 otherwise.
    inv_msum: Vec<f64>,
    /// Members of each cluster (donors in the round) with weights `m_ig`.
    mem_start: Vec<usize>,
    mem_donor: Vec<u32>,
    mem_weight: Vec<f64>,
    /// Connection rows: per cluster (markov/og) or per distinct cluster set
    /// (pct_friends).
    conn_start: Vec<usize>,
    conn_col: Vec<u32>,
    conn_val: Vec<f64>,
    /// pct_friends: each donor's row in `conn_*`.
    row_of_donor: Vec<u32>,
    /// pct_friends: generation stamps over donors for friend de-duplication.
    friend_mark: Vec<u32>,
    /// Accumulator over global cluster ids.
    acc: SparseAcc,
    /// Active clusters of the current project.
    local: LocalIndex,
    /// `T_g` per active cluster, and its cancellation tolerance.
    t: Vec<f64>,
    tol: Vec<f64>,
    /// One donor's connections over local cluster indices.
    k: SparseAcc,
    dense: Vec<f64>,
    triples: Vec<(u32, u32, f64)>,
    /// markov: `Q_{g'g} = Σ_i f_i n_ig' n_ig` of the current project.
    q: Vec<(u32, u32, f64)>,
    /// One row of `P` being sorted.
    row: Vec<(u32, f64)>,
    /// markov, dense path: `P` restricted to the active clusters, `a × a`.
    p_local: Vec<f64>,
}

pub(in crate::reward::quadratic) fn cocm(
    round: &Round,
    clusters: &Clusters,
    style: CocmStyle,
    harsh: bool,
    s: &mut CocmScratch,
    out: &mut [f64],
) {
    let n_clusters = clusters.n_clusters;
    prepare_members(round, clusters, s);
    match style {
        CocmStyle::Markov | CocmStyle::Og => build_cluster_rows(clusters, s),
        CocmStyle::PctFriends => build_friend_rows(round, clusters, s),
    }
    s.local.reset(n_clusters);
    s.k.reset(n_clusters);
    for (p, slot) in out.iter_mut().enumerate() {
        *slot = project_match(round, clusters, style, harsh, s, p);
    }
}

/// `inv_msum` and the cluster → member lists, over donors in the round.
fn prepare_members(round: &Round, clusters: &Clusters, s: &mut CocmScratch) {
    let n_donors = round.n_donors;
    let n_clusters = clusters.n_clusters;
    s.inv_msum.clear();
    s.inv_msum.resize(n_donors, 0.0);
    s.mem_start.clear();
    s.mem_start.resize(n_clusters + 1, 0);
    for i in 0..n_donors {
        if round.donor_total[i] <= 0.0 {
            continue;
        }
        let (groups, weights) = clusters.donor_slices(i);
        let total: f64 = weights.iter().sum();
        if total > 0.0 {
            s.inv_msum[i] = 1.0 / total;
            for &g in groups {
                s.mem_start[g as usize + 1] += 1;
            }
        }
    }
    for g in 0..n_clusters {
        s.mem_start[g + 1] += s.mem_start[g];
    }
    let nnz = s.mem_start[n_clusters];
    s.mem_donor.clear();
    s.mem_donor.resize(nnz, 0);
    s.mem_weight.clear();
    s.mem_weight.resize(nnz, 0.0);
    let mut next = s.mem_start.clone();
    for i in 0..n_donors {
        if s.inv_msum[i] == 0.0 {
            continue;
        }
        let (groups, weights) = clusters.donor_slices(i);
        for (&g, &w) in groups.iter().zip(weights) {
            let slot = next[g as usize];
            next[g as usize] += 1;
            s.mem_donor[slot] = i as u32;
            s.mem_weight[slot] = w;
        }
    }
}

fn members(s: &CocmScratch, g: usize) -> std::ops::Range<usize> {
    s.mem_start[g]..s.mem_start[g + 1]
}

/// markov / og: `P_gh = Σ_j u_gj n_jh`, `u_gj = m_jg / Σ_l m_lg`, one sparse
/// row per cluster. Its support is og's reachability (`g` to `h` through a
/// shared member).
fn build_cluster_rows(clusters: &Clusters, s: &mut CocmScratch) {
    let n_clusters = clusters.n_clusters;
    s.acc.reset(n_clusters);
    s.conn_start.clear();
    s.conn_start.push(0);
    s.conn_col.clear();
    s.conn_val.clear();
    for g in 0..n_clusters {
        s.acc.clear();
        let range = members(s, g);
        let col_sum: f64 = s.mem_weight[range.clone()].iter().sum();
        if col_sum > 0.0 {
            for t in range {
                let j = s.mem_donor[t] as usize;
                let u = s.mem_weight[t] / col_sum;
                let scale = u * s.inv_msum[j];
                let (hs, ws) = clusters.donor_slices(j);
                for (&h, &w) in hs.iter().zip(ws) {
                    s.acc.add(h, scale * w);
                }
            }
        }
        // Rows sorted by column, so that single entries can be looked up.
        s.row.clear();
        s.row
            .extend(s.acc.touched().iter().map(|&h| (h, s.acc.get(h))));
        s.row.sort_unstable_by_key(|&(h, _)| h);
        for &(h, v) in &s.row {
            s.conn_col.push(h);
            s.conn_val.push(v);
        }
        s.conn_start.push(s.conn_col.len());
    }
}

/// pct_friends: for each distinct cluster set, the fraction of its friends
/// (donors sharing a cluster with the set, the donor included) in each
/// cluster. Donors with the same set share a row.
fn build_friend_rows(round: &Round, clusters: &Clusters, s: &mut CocmScratch) {
    let n_donors = round.n_donors;
    s.acc.reset(clusters.n_clusters);
    s.conn_start.clear();
    s.conn_start.push(0);
    s.conn_col.clear();
    s.conn_val.clear();
    s.row_of_donor.clear();
    s.row_of_donor.resize(n_donors, u32::MAX);
    s.friend_mark.clear();
    s.friend_mark.resize(n_donors, 0);
    let mut generation: u32 = 0;
    let mut rows: HashMap<&[u32], u32> = HashMap::new();
    for i in 0..n_donors {
        if s.inv_msum[i] == 0.0 {
            continue;
        }
        let (set, _) = clusters.donor_slices(i);
        if let Some(&row) = rows.get(set) {
            s.row_of_donor[i] = row;
            continue;
        }
        if generation == u32::MAX {
            s.friend_mark.iter_mut().for_each(|m| *m = 0);
            generation = 0;
        }
        generation += 1;
        s.acc.clear();
        let mut friends = 0usize;
        for &h in set {
            for t in members(s, h as usize) {
                let j = s.mem_donor[t] as usize;
                if s.friend_mark[j] == generation {
                    continue;
                }
                s.friend_mark[j] = generation;
                friends += 1;
                let (gs, _) = clusters.donor_slices(j);
                for &g in gs {
                    s.acc.add(g, 1.0);
                }
            }
        }
        // Rows are appended in order, so the count fits in u32 (≤ donors).
        let row = (s.conn_start.len() - 1) as u32;
        let inv = if friends > 0 {
            1.0 / friends as f64
        } else {
            0.0
        };
        for &g in s.acc.touched() {
            s.conn_col.push(g);
            s.conn_val.push(s.acc.get(g) * inv);
        }
        s.conn_start.push(s.conn_col.len());
        rows.insert(set, row);
        s.row_of_donor[i] = row;
    }
}

fn conn_row(s: &CocmScratch, row: usize) -> std::ops::Range<usize> {
    s.conn_start[row]..s.conn_start[row + 1]
}

/// Fills `s.k` with donor `i`'s connections to the active clusters (local
/// indices), own clusters set to 1.
fn connections(clusters: &Clusters, style: CocmStyle, s: &mut CocmScratch, i: usize) {
    s.k.clear();
    let (own, weights) = clusters.donor_slices(i);
    match style {
        CocmStyle::Markov => {
            let inv = s.inv_msum[i];
            for (&g, &w) in own.iter().zip(weights) {
                let n = w * inv;
                for t in conn_row(s, g as usize) {
                    if let Some(a) = s.local.get(s.conn_col[t]) {
                        let x = n * s.conn_val[t];
                        if x > 0.0 {
                            s.k.add(a, x);
                        }
                    }
                }
            }
        }
        CocmStyle::Og => {
            for &g in own {
                for t in conn_row(s, g as usize) {
                    if let Some(a) = s.local.get(s.conn_col[t]) {
                        s.k.set(a, 1.0);
                    }
                }
            }
        }
        CocmStyle::PctFriends => {
            let row = s.row_of_donor[i];
            if row != u32::MAX {
                for t in conn_row(s, row as usize) {
                    if let Some(a) = s.local.get(s.conn_col[t]) {
                        s.k.set(a, s.conn_val[t]);
                    }
                }
            }
        }
    }
    for &g in own {
        if let Some(a) = s.local.get(g) {
            s.k.set(a, 1.0);
        }
    }
}

/// Upper bound on the number of (connected cluster, own cluster) corrections
/// of donor `i` on a project with `active` active clusters.
fn correction_bound(
    clusters: &Clusters,
    style: CocmStyle,
    s: &CocmScratch,
    i: usize,
    active: usize,
) -> usize {
    let (own, _) = clusters.donor_slices(i);
    let reach = match style {
        CocmStyle::Markov | CocmStyle::Og => {
            own.iter().map(|&g| conn_row(s, g as usize).len()).sum()
        }
        CocmStyle::PctFriends => match s.row_of_donor[i] {
            u32::MAX => 0,
            row => conn_row(s, row as usize).len(),
        },
    };
    own.len().saturating_mul(reach.min(active) + own.len())
}

fn project_match(
    round: &Round,
    clusters: &Clusters,
    style: CocmStyle,
    harsh: bool,
    s: &mut CocmScratch,
    p: usize,
) -> f64 {
    let (donors, amounts) = round.project_slices(p);
    s.local.clear();
    for &i in donors {
        let (own, _) = clusters.donor_slices(i as usize);
        for &g in own {
            s.local.insert(g);
        }
    }
    let a = s.local.len();
    if a < 2 {
        return 0.0;
    }
    // T_g = Σ_i n_ig c_ip over the active clusters.
    s.t.clear();
    s.t.resize(a, 0.0);
    let mut bound = 0usize;
    for (&i, &c) in donors.iter().zip(amounts) {
        let i = i as usize;
        let scale = c * s.inv_msum[i];
        let (own, weights) = clusters.donor_slices(i);
        for (&g, &w) in own.iter().zip(weights) {
            if let Some(local) = s.local.get(g) {
                s.t[local as usize] += scale * w;
            }
        }
        bound = bound.saturating_add(correction_bound(clusters, style, s, i, a));
    }
    s.tol.clear();
    s.tol.extend(s.t.iter().map(|t| t * CANCEL_TOL));

    let pairs = a.saturating_mul(a);
    let dense = pairs <= DENSE_ALWAYS || (pairs <= DENSE_MAX && pairs <= bound.saturating_mul(4));
    if dense {
        s.dense.clear();
        s.dense.reserve(pairs);
        // Stored by column: `P'_hg` at `g·a + h`, so the corrections of one
        // `g` (many `h`) stay within one short row.
        for &t in &s.t {
            s.dense.resize(s.dense.len() + a, t);
        }
    } else {
        s.triples.clear();
    }

    if style == CocmStyle::Markov {
        let mut sink = Sink {
            dense,
            a,
            matrix: &mut s.dense,
            triples: &mut s.triples,
        };
        markov_corrections(
            clusters,
            harsh,
            donors,
            amounts,
            &s.local,
            &s.inv_msum,
            (&s.conn_start, &s.conn_col, &s.conn_val),
            &mut s.q,
            &mut s.p_local,
            &mut sink,
        );
    } else {
        for (&i, &c) in donors.iter().zip(amounts) {
            let i = i as usize;
            let factor = if harsh { c } else { c - c.sqrt() };
            if factor == 0.0 {
                continue;
            }
            connections(clusters, style, s, i);
            let inv = s.inv_msum[i];
            let (own, weights) = clusters.donor_slices(i);
            let mut sink = Sink {
                dense,
                a,
                matrix: &mut s.dense,
                triples: &mut s.triples,
            };
            for &h in s.k.touched() {
                let d = s.k.get(h).min(1.0) * factor;
                if d == 0.0 {
                    continue;
                }
                for (&g, &w) in own.iter().zip(weights) {
                    if let Some(g) = s.local.get(g) {
                        sink.subtract(h, g, w * inv * d);
                    }
                }
            }
        }
    }

    if dense {
        dense_sum(&s.dense, &s.tol, a)
    } else {
        sparse_sum(&mut s.triples, &s.t, &s.tol)
    }
}

/// Where corrections `D_hg` go: the dense `a × a` matrix or the pair list.
struct Sink<'a> {
    dense: bool,
    a: usize,
    matrix: &'a mut Vec<f64>,
    triples: &'a mut Vec<(u32, u32, f64)>,
}

impl Sink<'_> {
    /// `P'_hg −= delta` (local indices).
    #[inline]
    fn subtract(&mut self, h: u32, g: u32, delta: f64) {
        if self.dense {
            self.matrix[g as usize * self.a + h as usize] -= delta;
        } else {
            self.triples.push((h, g, delta));
        }
    }
}

/// markov corrections of one project without a connection row per donor.
/// Apart from the override `k_ih = 1` on own clusters, `k_i = n_i P` is
/// linear, so `D_hg = Σ_i f_i k_ih n_ig = Σ_g' P_g'h Q_g'g` with
/// `Q = Σ_i f_i n_iᵀ n_i` (clusters co-held by a donor: few entries even on
/// large projects); the override adds `(1 − (n_i P)_h) f_i n_ig` for each
/// own cluster `h` of `i`.
#[allow(clippy::too_many_arguments)]
fn markov_corrections(
    clusters: &Clusters,
    harsh: bool,
    donors: &[u32],
    amounts: &[f64],
    local: &LocalIndex,
    inv_msum: &[f64],
    (conn_start, conn_col, conn_val): (&[usize], &[u32], &[f64]),
    q: &mut Vec<(u32, u32, f64)>,
    p_local: &mut Vec<f64>,
    sink: &mut Sink<'_>,
) {
    let entry = |g: u32, h: u32| {
        let r = conn_start[g as usize]..conn_start[g as usize + 1];
        match conn_col[r.clone()].binary_search(&h) {
            Ok(k) => conn_val[r.start + k],
            Err(_) => 0.0,
        }
    };
    q.clear();
    for (&i, &c) in donors.iter().zip(amounts) {
        let i = i as usize;
        let f = if harsh { c } else { c - c.sqrt() };
        if f == 0.0 {
            continue;
        }
        let inv = inv_msum[i];
        let (own, weights) = clusters.donor_slices(i);
        for (&g1, &w1) in own.iter().zip(weights) {
            let x = f * w1 * inv;
            for (&g2, &w2) in own.iter().zip(weights) {
                q.push((g1, g2, x * w2 * inv));
            }
        }
        for &h in own {
            let raw: f64 = own
                .iter()
                .zip(weights)
                .map(|(&g1, &w1)| w1 * inv * entry(g1, h))
                .sum();
            let fix = (1.0 - raw.min(1.0)) * f;
            let Some(hl) = local.get(h) else { continue };
            if fix != 0.0 {
                for (&g, &w) in own.iter().zip(weights) {
                    if let Some(gl) = local.get(g) {
                        sink.subtract(hl, gl, fix * w * inv);
                    }
                }
            }
        }
    }
    q.sort_unstable_by_key(|&(g1, g2, _)| (g1, g2));
    // Dense path: `P` over the active clusters as a dense matrix, so that
    // each `Q` entry is one contiguous (vectorisable) axpy into a column.
    let a = sink.a;
    if sink.dense {
        p_local.clear();
        p_local.resize(a * a, 0.0);
        for (g1l, &g1) in local.items().iter().enumerate() {
            for t in conn_start[g1 as usize]..conn_start[g1 as usize + 1] {
                if let Some(hl) = local.get(conn_col[t]) {
                    p_local[g1l * a + hl as usize] = conn_val[t];
                }
            }
        }
    }
    let mut k = 0;
    while k < q.len() {
        let (g1, g2, mut value) = q[k];
        k += 1;
        while k < q.len() && q[k].0 == g1 && q[k].1 == g2 {
            value += q[k].2;
            k += 1;
        }
        let (Some(g1l), Some(gl)) = (local.get(g1), local.get(g2)) else {
            continue;
        };
        if sink.dense {
            let row = &p_local[g1l as usize * a..][..a];
            let column = &mut sink.matrix[gl as usize * a..][..a];
            for (d, p) in column.iter_mut().zip(row) {
                *d -= value * p;
            }
        } else {
            for t in conn_start[g1 as usize]..conn_start[g1 as usize + 1] {
                if let Some(hl) = local.get(conn_col[t]) {
                    sink.subtract(hl, gl, conn_val[t] * value);
                }
            }
        }
    }
}

/// `Σ_{g≠h} √(P'_gh P'_hg)` over a dense `a × a` matrix stored by column
/// (`P'_hg` at `g·a + h`), entries within tolerance of zero dropped.
fn dense_sum(m: &[f64], tol: &[f64], a: usize) -> f64 {
    let mut total = 0.0;
    for h in 0..a {
        for g in h + 1..a {
            let hg = clean(m[g * a + h], tol[g]);
            let gh = clean(m[h * a + g], tol[h]);
            total += (hg * gh).sqrt();
        }
    }
    2.0 * total
}

/// `P'` entries are `T_g − D_hg`: negative only by rounding.
#[inline]
fn clean(x: f64, tol: f64) -> f64 {
    if x > tol {
        x
    } else {
        0.0
    }
}

/// The same sum from `T` and a list of corrections `(h, g, D)`:
/// `Σ_{g≠h} √(T_g T_h)` plus, for each corrected unordered pair,
/// `2 (√(P'_hg P'_gh) − √(T_g T_h))`.
fn sparse_sum(triples: &mut Vec<(u32, u32, f64)>, t: &[f64], tol: &[f64]) -> f64 {
    let base = qf_from_roots(t.iter().map(|x| x.sqrt()));
    triples.sort_unstable_by_key(|&(h, g, _)| (h, g));
    // Merge repeated (h, g).
    let mut w = 0;
    for r in 0..triples.len() {
        if w > 0 && triples[w - 1].0 == triples[r].0 && triples[w - 1].1 == triples[r].1 {
            triples[w - 1].2 += triples[r].2;
        } else {
            triples[w] = triples[r];
            w += 1;
        }
    }
    triples.truncate(w);
    let mut adjust = 0.0;
    for &(h, g, d_hg) in triples.iter() {
        if h == g {
            continue;
        }
        let reverse = triples.binary_search_by_key(&(g, h), |&(x, y, _)| (x, y));
        let d_gh = match reverse {
            // The pair was handled at (g, h), which sorts first.
            Ok(_) if (g, h) < (h, g) => continue,
            Ok(k) => triples[k].2,
            Err(_) => 0.0,
        };
        let (h, g) = (h as usize, g as usize);
        let hg = clean(t[g] - d_hg, tol[g]);
        let gh = clean(t[h] - d_gh, tol[h]);
        adjust += (hg * gh).sqrt() - (t[g] * t[h]).sqrt();
    }
    (base + 2.0 * adjust).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::super::{raw_matches, Clusters, CocmStyle, Mechanism, Membership, Round};
    use super::*;

    fn clusters_of(n_donors: usize, n_clusters: usize, rows: &[(usize, usize, f64)]) -> Clusters {
        let m: Vec<Membership> = rows
            .iter()
            .map(|&(donor, cluster, weight)| Membership {
                donor,
                cluster,
                weight,
            })
            .collect();
        Clusters::new(n_donors, n_clusters, &m).expect("valid clusters")
    }

    fn round_of(n_donors: usize, n_projects: usize, gifts: &[(usize, usize, f64)]) -> Round {
        super::super::tests::round_of(n_donors, n_projects, gifts)
    }

    /// Forces the sparse path on every project and compares with the
    /// default (dense for small projects).
    fn cocm_both_paths(
        round: &Round,
        clusters: &Clusters,
        style: CocmStyle,
        harsh: bool,
    ) -> (Vec<f64>, Vec<f64>) {
        let mut s = CocmScratch::default();
        let mut dense = vec![0.0; round.n_projects()];
        cocm(round, clusters, style, harsh, &mut s, &mut dense);
        // Sparse path on every project.
        let mut sparse = vec![0.0; round.n_projects()];
        prepare_members(round, clusters, &mut s);
        match style {
            CocmStyle::Markov | CocmStyle::Og => build_cluster_rows(clusters, &mut s),
            CocmStyle::PctFriends => build_friend_rows(round, clusters, &mut s),
        }
        s.local.reset(clusters.n_clusters());
        s.k.reset(clusters.n_clusters());
        for (p, slot) in sparse.iter_mut().enumerate() {
            *slot = project_match_sparse(round, clusters, style, harsh, &mut s, p);
        }
        (dense, sparse)
    }

    fn project_match_sparse(
        round: &Round,
        clusters: &Clusters,
        style: CocmStyle,
        harsh: bool,
        s: &mut CocmScratch,
        p: usize,
    ) -> f64 {
        let (donors, amounts) = round.project_slices(p);
        s.local.clear();
        for &i in donors {
            for &g in clusters.donor_slices(i as usize).0 {
                s.local.insert(g);
            }
        }
        let a = s.local.len();
        if a < 2 {
            return 0.0;
        }
        s.t.clear();
        s.t.resize(a, 0.0);
        for (&i, &c) in donors.iter().zip(amounts) {
            let i = i as usize;
            let (own, weights) = clusters.donor_slices(i);
            for (&g, &w) in own.iter().zip(weights) {
                if let Some(l) = s.local.get(g) {
                    s.t[l as usize] += c * s.inv_msum[i] * w;
                }
            }
        }
        s.tol.clear();
        s.tol.extend(s.t.iter().map(|t| t * CANCEL_TOL));
        s.triples.clear();
        for (&i, &c) in donors.iter().zip(amounts) {
            let i = i as usize;
            let factor = if harsh { c } else { c - c.sqrt() };
            connections(clusters, style, s, i);
            let (own, weights) = clusters.donor_slices(i);
            for &h in s.k.touched() {
                let d = s.k.get(h).min(1.0) * factor;
                for (&g, &w) in own.iter().zip(weights) {
                    if let Some(g) = s.local.get(g) {
                        s.triples.push((h, g, w * s.inv_msum[i] * d));
                    }
                }
            }
        }
        let mut triples = std::mem::take(&mut s.triples);
        let v = sparse_sum(&mut triples, &s.t, &s.tol);
        s.triples = triples;
        v
    }

    /// Hand-derived case (also in `tests/funding.rs`): donors d0 ∈ {g0},
    /// d1 ∈ {g1}, d2 ∈ {g0, g1}, giving 4, 9, 16 to one project.
    ///
    /// n: d0 = (1, 0), d1 = (0, 1), d2 = (½, ½).
    /// markov: u_g0 = (½ d0, ½ d2), u_g1 = (½ d1, ½ d2);
    /// P = u n: P_g0 = ½(1,0) + ½(½,½) = (¾, ¼), P_g1 = (¼, ¾);
    /// k = max(n P, b): d0 = (1, ¼), d1 = (¼, 1), d2 = (1, 1).
    /// harsh K = (1 − k) c: d0 = (0, 3), d1 = (6.75, 0), d2 = (0, 0).
    /// P'_{g0 g1} = Σ_i K_i,g0 n_i,g1 = 6.75; P'_{g1 g0} = Σ_i K_i,g1 n_i,g0 = 3.
    /// match = 2 √(6.75 · 3) = 2 · 4.5 = 9.
    #[test]
    fn hand_case_all_styles() {
        let round = round_of(3, 1, &[(0, 0, 4.0), (1, 0, 9.0), (2, 0, 16.0)]);
        let clusters = clusters_of(3, 2, &[(0, 0, 1.0), (1, 1, 1.0), (2, 0, 1.0), (2, 1, 1.0)]);
        let cases = [
            (CocmStyle::Markov, true, 9.0),
            // non-harsh K = k√c + (1−k)c: d0 = (2, 3.5), d1 = (7.5, 3), d2 = (4, 4);
            // P'_{g0 g1} = 7.5 + 4·½ = 9.5, P'_{g1 g0} = 3.5 + 4·½ = 5.5.
            (CocmStyle::Markov, false, 2.0 * (9.5f64 * 5.5).sqrt()),
            // og: everyone reaches both clusters → k ≡ 1, harsh K ≡ 0.
            (CocmStyle::Og, true, 0.0),
            // og non-harsh K = √c: P'_{g0 g1} = 3 + 4·½ = 5, P'_{g1 g0} = 2 + 4·½ = 4.
            (CocmStyle::Og, false, 2.0 * 20f64.sqrt()),
            // pct_friends: friends(d0) = {d0, d2} → k = (1, ½); d1 → (½, 1);
            // d2 → (1, 1). harsh K: d0 = (0, 2), d1 = (4.5, 0) → 2 √(4.5 · 2) = 6.
            (CocmStyle::PctFriends, true, 6.0),
        ];
        for (style, harsh, expect) in cases {
            let got = raw_matches(&round, &Mechanism::Cocm { style, harsh }, Some(&clusters))
                .expect("valid");
            assert!(
                (got[0] - expect).abs() < 1e-12,
                "{style:?} harsh={harsh}: {got:?} vs {expect}"
            );
            let (dense, sparse) = cocm_both_paths(&round, &clusters, style, harsh);
            assert!(
                (dense[0] - sparse[0]).abs() < 1e-9,
                "{style:?} {harsh}: {dense:?} {sparse:?}"
            );
        }
    }

    #[test]
    fn dense_and_sparse_paths_agree() {
        // A small irregular round with overlapping, weighted clusters.
        let gifts = [
            (0, 0, 3.0),
            (1, 0, 1.0),
            (2, 0, 7.0),
            (3, 0, 2.0),
            (0, 1, 5.0),
            (4, 1, 1.5),
            (5, 1, 0.25),
            (3, 2, 9.0),
            (5, 2, 4.0),
            (6, 2, 1.0),
            (6, 0, 0.5),
        ];
        let round = round_of(7, 3, &gifts);
        let explicit = clusters_of(
            7,
            4,
            &[
                (0, 0, 1.0),
                (0, 1, 2.0),
                (1, 1, 1.0),
                (2, 2, 1.0),
                (3, 2, 0.5),
                (3, 3, 0.5),
                (4, 3, 1.0),
                (5, 0, 1.0),
                (6, 1, 3.0),
                (6, 3, 1.0),
            ],
        );
        let from_round = Clusters::from_round(&round);
        for clusters in [&explicit, &from_round] {
            for style in [CocmStyle::Markov, CocmStyle::Og, CocmStyle::PctFriends] {
                for harsh in [true, false] {
                    let (dense, sparse) = cocm_both_paths(&round, clusters, style, harsh);
                    for (d, s) in dense.iter().zip(&sparse) {
                        assert!(
                            (d - s).abs() <= 1e-9 * (1.0 + d.abs()),
                            "{style:?} {harsh}: {dense:?} vs {sparse:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn one_cluster_gets_nothing_and_singletons_match_cluster_qf() {
        // Four wallets giving 1, all in one cluster: one active cluster → 0.
        let round = round_of(4, 1, &[(0, 0, 1.0), (1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0)]);
        let one = clusters_of(4, 1, &[(0, 0, 1.0), (1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0)]);
        let got = raw_matches(&round, &Mechanism::cocm_default(), Some(&one)).expect("valid");
        assert_eq!(got, vec![0.0]);
        // Each in its own cluster: no connections, K = c, P'_hg = c_g, so
        // COCM = Σ_{g≠h} √(c_g c_h) = standard QF = 12.
        let own = clusters_of(4, 4, &[(0, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0), (3, 3, 1.0)]);
        let got = raw_matches(&round, &Mechanism::cocm_default(), Some(&own)).expect("valid");
        assert!((got[0] - 12.0).abs() < 1e-12, "{got:?}");
    }
}
