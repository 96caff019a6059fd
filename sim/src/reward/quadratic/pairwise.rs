//! Pairwise-bounded quadratic funding (Buterin, "Pairwise coordination
//! subsidies", 2019; qf-calculator's `pairwise`):
//! `match_p = Σ_{i<j} √(c_ip c_jp) · M / (M + k_ij)`,
//! `k_ij = Σ_q √(c_iq c_jq)`.
//!
//! Only pairs that share a project are ever visited: for each donor `i` the
//! coefficients `k_ij` of every later donor `j` it shares a project with are
//! accumulated sparsely from the per-project donor lists, then applied to
//! `i`'s projects. Time O(Σ_p n_p²) for `n_p` donors of project `p`; memory
//! O(donors).

use super::scratch::SparseAcc;
use super::Round;

pub(super) fn pairwise(round: &Round, m: f64, acc: &mut SparseAcc, out: &mut [f64]) {
    acc.reset(round.n_donors);
    for i in 0..round.n_donors {
        let mine = round.donor_range(i);
        if mine.is_empty() {
            continue;
        }
        acc.clear();
        // k_ij for every j > i sharing a project with i.
        for k in mine.clone() {
            let si = round.d_sqrt[k];
            let theirs = later_donors(round, round.d_project[k] as usize, i);
            for t in theirs {
                acc.add(round.p_donor[t], si * round.p_sqrt[t]);
            }
        }
        if acc.len() == 0 {
            continue;
        }
        for k in mine {
            let p = round.d_project[k] as usize;
            let si = round.d_sqrt[k];
            let mut sum = 0.0;
            for t in later_donors(round, p, i) {
                let k_ij = acc.get(round.p_donor[t]);
                sum += round.p_sqrt[t] * m / (m + k_ij);
            }
            out[p] += si * sum;
        }
    }
}

/// Positions (in the by-project arrays) of project `p`'s donors with index
/// greater than `i`.
fn later_donors(round: &Round, p: usize, i: usize) -> std::ops::Range<usize> {
    let r = round.project_range(p);
    let donors = &round.p_donor[r.clone()];
    let skip = donors.partition_point(|&j| (j as usize) <= i);
    r.start + skip..r.end
}
