//! Quadratic funding: how a matching pool is divided among projects from the
//! donations they received. This module owns the in-memory round
//! ([`Round`]: donor × project totals), donor-cluster memberships
//! ([`Clusters`]), the four matching mechanisms ([`Mechanism`]: standard CLR,
//! pairwise-bounded, cluster match and connection-oriented cluster match) and
//! the scaling of raw matches to a pool with a per-project cap
//! ([`scale_to_pool`]).
//!
//! Everything here is a pure function over in-memory data: no I/O, no
//! randomness, no global state. Repeated callers (the engine, every epoch)
//! keep a [`Round`], a [`Scratch`] and an output vector alive and use the
//! `*_into` / `rebuild` variants, which reuse their buffers instead of
//! allocating.
//!
//! Notation used in the formulas: `c_ip` is donor `i`'s total donation to
//! project `p` (all of `i`'s contributions to `p` summed), `m_ig ≥ 0` is donor
//! `i`'s membership weight in cluster `g`, and `n_ig = m_ig / Σ_h m_ih` its
//! normalised membership.
//!
//! ```
//! use mirage_sim::reward::quadratic::{raw_matches, scale_to_pool, Mechanism, Round};
//!
//! // Project 0: four donors giving 1; project 1: one donor giving 4;
//! // project 2: two donors giving 9 and 1.
//! let gifts = [(0, 0, 1.0), (1, 0, 1.0), (2, 0, 1.0), (3, 0, 1.0), (4, 1, 4.0), (5, 2, 9.0), (6, 2, 1.0)];
//! let round = Round::from_gifts(7, 3, &gifts)?;
//! let raw = raw_matches(&round, &Mechanism::Standard, None)?;
//! assert_eq!(raw, vec![12.0, 0.0, 6.0]);
//! let paid = scale_to_pool(&raw, 9.0, Some(0.5))?;
//! assert_eq!(paid, vec![4.5, 0.0, 4.5]);
//! # Ok::<(), mirage_sim::reward::quadratic::FundingError>(())
//! ```

mod cocm;
mod pairwise;
mod scratch;

use scratch::SparseAcc;

/// Errors from building a round or clusters, or from computing matches.
/// Indices refer to positions in the caller's slices (for contributions and
/// memberships) or to donor / project / cluster indices.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FundingError {
    #[error("contribution {index}: donor index {donor} is out of range (the round has {n_donors} donors)")]
    DonorOutOfRange {
        index: usize,
        donor: usize,
        n_donors: usize,
    },
    #[error("contribution {index}: project index {project} is out of range (the round has {n_projects} projects)")]
    ProjectOutOfRange {
        index: usize,
        project: usize,
        n_projects: usize,
    },
    #[error("contribution {index}: amount {amount} is not a finite non-negative number")]
    InvalidAmount { index: usize, amount: f64 },
    #[error("membership {index}: donor index {donor} is out of range (the clusters cover {n_donors} donors)")]
    MembershipDonorOutOfRange {
        index: usize,
        donor: usize,
        n_donors: usize,
    },
    #[error("membership {index}: cluster index {cluster} is out of range (there are {n_clusters} clusters)")]
    ClusterOutOfRange {
        index: usize,
        cluster: usize,
        n_clusters: usize,
    },
    #[error("membership {index}: weight {weight} is not a finite non-negative number")]
    InvalidWeight { index: usize, weight: f64 },
    #[error("the clusters cover {found} donors but the round has {expected}")]
    ClusterShape { expected: usize, found: usize },
    #[error("donor {donor} gave to the round but belongs to no cluster (no membership with positive weight)")]
    DonorWithoutCluster { donor: usize },
    #[error("{name} = {value} is invalid: expected {expected}")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    #[error("raw match {index} = {value} is not a finite non-negative number")]
    InvalidRawMatch { index: usize, value: f64 },
    #[error("{what} = {count} exceeds the supported maximum {max}")]
    TooLarge {
        what: &'static str,
        count: usize,
        max: usize,
    },
    #[error("a sum overflowed to a non-finite value ({what}); the amounts are too large for f64")]
    Overflow { what: &'static str },
}

/// One donation: `amount ≥ 0` from donor index `donor` to project index
/// `project`. A donor may give to the same project many times; a [`Round`]
/// sums them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contribution {
    pub donor: usize,
    pub project: usize,
    pub amount: f64,
}

impl From<(usize, usize, f64)> for Contribution {
    /// A `(donor, project, amount)` triple.
    fn from((donor, project, amount): (usize, usize, f64)) -> Self {
        Self {
            donor,
            project,
            amount,
        }
    }
}

/// A funding round: the donor × project matrix of totals `c_ip`, stored
/// sparsely both by project (donors ascending) and by donor (projects
/// ascending), with the square roots precomputed. Cells whose total is zero
/// are not stored; a donor with no positive cell is not part of the round.
#[derive(Debug, Clone, Default)]
pub struct Round {
    n_donors: usize,
    n_projects: usize,
    p_start: Vec<usize>,
    p_donor: Vec<u32>,
    p_amount: Vec<f64>,
    p_sqrt: Vec<f64>,
    d_start: Vec<usize>,
    d_project: Vec<u32>,
    d_amount: Vec<f64>,
    d_sqrt: Vec<f64>,
    project_total: Vec<f64>,
    donor_total: Vec<f64>,
    cells: Vec<(u32, u32, f64)>,
}

const MAX_INDEX: usize = u32::MAX as usize;

impl Round {
    /// Builds a round of `n_donors` donors and `n_projects` projects from
    /// individual contributions, summing repeated (donor, project) pairs.
    ///
    /// Errors on an index out of range or an amount that is negative or not
    /// finite ([`FundingError::InvalidAmount`] carries the slice position).
    pub fn new(
        n_donors: usize,
        n_projects: usize,
        contributions: &[Contribution],
    ) -> Result<Self, FundingError> {
        let mut round = Self::default();
        round.rebuild(n_donors, n_projects, contributions)?;
        Ok(round)
    }

    /// [`Round::new`] from `(donor, project, amount)` triples.
    pub fn from_gifts(
        n_donors: usize,
        n_projects: usize,
        gifts: &[(usize, usize, f64)],
    ) -> Result<Self, FundingError> {
        let contributions: Vec<Contribution> =
            gifts.iter().copied().map(Contribution::from).collect();
        Self::new(n_donors, n_projects, &contributions)
    }

    /// Like [`Round::new`], reusing this round's buffers. On error the round
    /// is left empty (zero donors, zero projects).
    pub fn rebuild(
        &mut self,
        n_donors: usize,
        n_projects: usize,
        contributions: &[Contribution],
    ) -> Result<(), FundingError> {
        let result = self.rebuild_inner(n_donors, n_projects, contributions);
        if result.is_err() {
            self.clear();
        }
        result
    }

    fn clear(&mut self) {
        self.n_donors = 0;
        self.n_projects = 0;
        self.p_start.clear();
        self.p_start.push(0);
        self.d_start.clear();
        self.d_start.push(0);
        for v in [
            &mut self.p_amount,
            &mut self.p_sqrt,
            &mut self.d_amount,
            &mut self.d_sqrt,
            &mut self.project_total,
            &mut self.donor_total,
        ] {
            v.clear();
        }
        self.p_donor.clear();
        self.d_project.clear();
        self.cells.clear();
    }

    fn rebuild_inner(
        &mut self,
        n_donors: usize,
        n_projects: usize,
        contributions: &[Contribution],
    ) -> Result<(), FundingError> {
        self.clear();
        check_size("number of donors", n_donors)?;
        check_size("number of projects", n_projects)?;
        for (index, c) in contributions.iter().enumerate() {
            if c.donor >= n_donors {
                return Err(FundingError::DonorOutOfRange {
                    index,
                    donor: c.donor,
                    n_donors,
                });
            }
            if c.project >= n_projects {
                return Err(FundingError::ProjectOutOfRange {
                    index,
                    project: c.project,
                    n_projects,
                });
            }
            if !(c.amount.is_finite() && c.amount >= 0.0) {
                return Err(FundingError::InvalidAmount {
                    index,
                    amount: c.amount,
                });
            }
            if c.amount > 0.0 {
                // Both indices were checked to fit in u32 above.
                self.cells
                    .push((c.project as u32, c.donor as u32, c.amount));
            }
        }
        // Stable sort: repeated pairs are summed in input order.
        self.cells.sort_by_key(|&(p, d, _)| (p, d));

        self.n_donors = n_donors;
        self.n_projects = n_projects;
        self.project_total.resize(n_projects, 0.0);
        self.donor_total.resize(n_donors, 0.0);
        self.p_start.clear();
        self.p_start.resize(n_projects + 1, 0);
        let mut donor_count = vec![0usize; n_donors + 1];

        let mut k = 0;
        while k < self.cells.len() {
            let (p, d, mut amount) = self.cells[k];
            k += 1;
            while k < self.cells.len() && self.cells[k].0 == p && self.cells[k].1 == d {
                amount += self.cells[k].2;
                k += 1;
            }
            if !amount.is_finite() {
                return Err(FundingError::Overflow {
                    what: "a donor's total to a project",
                });
            }
            self.p_start[p as usize + 1] += 1;
            donor_count[d as usize + 1] += 1;
            self.p_donor.push(d);
            self.p_amount.push(amount);
            self.p_sqrt.push(amount.sqrt());
            self.project_total[p as usize] += amount;
            self.donor_total[d as usize] += amount;
        }
        for p in 0..n_projects {
            self.p_start[p + 1] += self.p_start[p];
        }
        for d in 0..n_donors {
            donor_count[d + 1] += donor_count[d];
        }
        if self.project_total.iter().any(|t| !t.is_finite())
            || self.donor_total.iter().any(|t| !t.is_finite())
        {
            return Err(FundingError::Overflow {
                what: "a project's or donor's total",
            });
        }
        // Transpose into the by-donor layout (projects stay ascending).
        let nnz = self.p_donor.len();
        self.d_start.clear();
        self.d_start.extend_from_slice(&donor_count);
        self.d_project.resize(nnz, 0);
        self.d_amount.resize(nnz, 0.0);
        self.d_sqrt.resize(nnz, 0.0);
        let mut next = donor_count;
        for p in 0..n_projects {
            for k in self.p_start[p]..self.p_start[p + 1] {
                let d = self.p_donor[k] as usize;
                let slot = next[d];
                next[d] += 1;
                self.d_project[slot] = p as u32;
                self.d_amount[slot] = self.p_amount[k];
                self.d_sqrt[slot] = self.p_sqrt[k];
            }
        }
        self.cells.clear();
        Ok(())
    }

    /// Number of donor indices (including donors who gave nothing).
    pub fn n_donors(&self) -> usize {
        self.n_donors
    }

    /// Number of project indices (including projects that received nothing).
    pub fn n_projects(&self) -> usize {
        self.n_projects
    }

    /// Number of (donor, project) pairs with a positive total.
    pub fn n_cells(&self) -> usize {
        self.p_donor.len()
    }

    /// `Σ_i c_ip` for every project `p`: the donations each project received.
    pub fn project_totals(&self) -> &[f64] {
        &self.project_total
    }

    /// `Σ_p c_ip` for every donor `i`.
    pub fn donor_totals(&self) -> &[f64] {
        &self.donor_total
    }

    /// The donors of project `p` with their totals `c_ip`, donors ascending
    /// (empty if `p` is out of range).
    pub fn project_donors(&self, p: usize) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        let (donors, amounts) = self.project_slices(p);
        donors
            .iter()
            .map(|&d| d as usize)
            .zip(amounts.iter().copied())
    }

    /// The projects donor `i` gave to with its totals `c_ip`, projects
    /// ascending (empty if `i` is out of range).
    pub fn donor_projects(&self, i: usize) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        let (projects, amounts) = self.donor_slices(i);
        projects
            .iter()
            .map(|&p| p as usize)
            .zip(amounts.iter().copied())
    }

    /// `c_ip`, zero if `i` never gave to `p` or either is out of range.
    pub fn amount(&self, i: usize, p: usize) -> f64 {
        let (projects, amounts) = self.donor_slices(i);
        let Ok(p32) = u32::try_from(p) else {
            return 0.0;
        };
        match projects.binary_search(&p32) {
            Ok(k) => amounts[k],
            Err(_) => 0.0,
        }
    }

    fn project_range(&self, p: usize) -> std::ops::Range<usize> {
        if p < self.n_projects {
            self.p_start[p]..self.p_start[p + 1]
        } else {
            0..0
        }
    }

    fn donor_range(&self, i: usize) -> std::ops::Range<usize> {
        if i < self.n_donors {
            self.d_start[i]..self.d_start[i + 1]
        } else {
            0..0
        }
    }

    fn project_slices(&self, p: usize) -> (&[u32], &[f64]) {
        let r = self.project_range(p);
        (&self.p_donor[r.clone()], &self.p_amount[r])
    }

    fn donor_slices(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.donor_range(i);
        (&self.d_project[r.clone()], &self.d_amount[r])
    }
}

fn check_size(what: &'static str, count: usize) -> Result<(), FundingError> {
    if count > MAX_INDEX {
        return Err(FundingError::TooLarge {
            what,
            count,
            max: MAX_INDEX,
        });
    }
    Ok(())
}

/// One membership: donor index `donor` belongs to cluster index `cluster`
/// with weight `weight ≥ 0` (repeated pairs are summed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Membership {
    pub donor: usize,
    pub cluster: usize,
    pub weight: f64,
}

/// Donor-cluster memberships `m_ig`, stored by donor (clusters ascending).
/// Zero-weight memberships are not stored. Used by [`Mechanism::Cluster`] and
/// [`Mechanism::Cocm`]; memberships of donors who gave nothing in the round
/// are ignored (as qf-calculator's `align` drops them).
#[derive(Debug, Clone, Default)]
pub struct Clusters {
    n_donors: usize,
    n_clusters: usize,
    start: Vec<usize>,
    cluster: Vec<u32>,
    weight: Vec<f64>,
    cells: Vec<(u32, u32, f64)>,
}

impl Clusters {
    /// Builds memberships of `n_donors` donors in `n_clusters` clusters.
    pub fn new(
        n_donors: usize,
        n_clusters: usize,
        memberships: &[Membership],
    ) -> Result<Self, FundingError> {
        let mut clusters = Self::default();
        clusters.rebuild(n_donors, n_clusters, memberships)?;
        Ok(clusters)
    }

    /// Like [`Clusters::new`], reusing buffers; left empty on error.
    pub fn rebuild(
        &mut self,
        n_donors: usize,
        n_clusters: usize,
        memberships: &[Membership],
    ) -> Result<(), FundingError> {
        self.clear();
        check_size("number of donors", n_donors)?;
        check_size("number of clusters", n_clusters)?;
        for (index, m) in memberships.iter().enumerate() {
            if m.donor >= n_donors {
                return Err(FundingError::MembershipDonorOutOfRange {
                    index,
                    donor: m.donor,
                    n_donors,
                });
            }
            if m.cluster >= n_clusters {
                return Err(FundingError::ClusterOutOfRange {
                    index,
                    cluster: m.cluster,
                    n_clusters,
                });
            }
            if !(m.weight.is_finite() && m.weight >= 0.0) {
                return Err(FundingError::InvalidWeight {
                    index,
                    weight: m.weight,
                });
            }
            if m.weight > 0.0 {
                self.cells
                    .push((m.donor as u32, m.cluster as u32, m.weight));
            }
        }
        self.cells.sort_by_key(|&(d, g, _)| (d, g));
        let mut cells = std::mem::take(&mut self.cells);
        let result = self.fill_sorted(n_donors, n_clusters, &cells);
        cells.clear();
        self.cells = cells;
        if result.is_err() {
            self.clear();
        }
        result
    }

    /// The convention of Gitcoin's qf-calculator when no cluster data exists:
    /// each donor's clusters are the projects it gave to, weighted by the
    /// amount given (`m_ig = c_ig`, one cluster per project).
    pub fn from_round(round: &Round) -> Self {
        let mut clusters = Self::default();
        clusters.rebuild_from_round(round);
        clusters
    }

    /// Like [`Clusters::from_round`], reusing buffers.
    pub fn rebuild_from_round(&mut self, round: &Round) {
        self.clear();
        self.n_donors = round.n_donors;
        self.n_clusters = round.n_projects;
        self.start.clear();
        self.start.extend_from_slice(&round.d_start);
        self.cluster.extend_from_slice(&round.d_project);
        self.weight.extend_from_slice(&round.d_amount);
    }

    fn clear(&mut self) {
        self.n_donors = 0;
        self.n_clusters = 0;
        self.start.clear();
        self.start.push(0);
        self.cluster.clear();
        self.weight.clear();
        self.cells.clear();
    }

    fn fill_sorted(
        &mut self,
        n_donors: usize,
        n_clusters: usize,
        cells: &[(u32, u32, f64)],
    ) -> Result<(), FundingError> {
        self.n_donors = n_donors;
        self.n_clusters = n_clusters;
        self.start.clear();
        self.start.resize(n_donors + 1, 0);
        let mut k = 0;
        while k < cells.len() {
            let (d, g, mut w) = cells[k];
            k += 1;
            while k < cells.len() && cells[k].0 == d && cells[k].1 == g {
                w += cells[k].2;
                k += 1;
            }
            if !w.is_finite() {
                return Err(FundingError::Overflow {
                    what: "a membership weight",
                });
            }
            self.start[d as usize + 1] += 1;
            self.cluster.push(g);
            self.weight.push(w);
        }
        for d in 0..n_donors {
            self.start[d + 1] += self.start[d];
        }
        Ok(())
    }

    /// Number of donor indices covered.
    pub fn n_donors(&self) -> usize {
        self.n_donors
    }

    /// Number of cluster indices.
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// Donor `i`'s clusters with their weights `m_ig`, clusters ascending.
    pub fn donor_clusters(&self, i: usize) -> impl ExactSizeIterator<Item = (usize, f64)> + '_ {
        let (clusters, weights) = self.donor_slices(i);
        clusters
            .iter()
            .map(|&g| g as usize)
            .zip(weights.iter().copied())
    }

    fn donor_slices(&self, i: usize) -> (&[u32], &[f64]) {
        let r = if i < self.n_donors {
            self.start[i]..self.start[i + 1]
        } else {
            0..0
        };
        (&self.cluster[r.clone()], &self.weight[r])
    }

    /// Checks that these clusters fit `round`: same donor count, and every
    /// donor who gave something has a membership of positive weight.
    fn check_against(&self, round: &Round) -> Result<(), FundingError> {
        if self.n_donors != round.n_donors {
            return Err(FundingError::ClusterShape {
                expected: round.n_donors,
                found: self.n_donors,
            });
        }
        for (i, &total) in round.donor_total.iter().enumerate() {
            if total > 0.0 && self.start[i] == self.start[i + 1] {
                return Err(FundingError::DonorWithoutCluster { donor: i });
            }
        }
        Ok(())
    }
}

/// The variant of connection-oriented cluster match: how the connection
/// `k_ig ∈ [0, 1]` of donor `i` to cluster `g` is measured (qf-calculator's
/// `COCM(calcstyle=...)`, from `Jmiller4/qf-variants`). In every style a
/// donor is fully connected (`k = 1`) to its own clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CocmStyle {
    /// Two steps of a random walk donor → cluster → donor → cluster:
    /// `k_i· = max(n_i · P, 1[m_i· > 0])` with `P_gh = Σ_j u_gj n_jh` and
    /// `u_gj = m_jg / Σ_l m_lg` (the default).
    #[default]
    Markov,
    /// Binary: `k_ig = 1` if `i` shares a cluster with someone in `g`.
    Og,
    /// The fraction of `i`'s friends (donors sharing a cluster with `i`,
    /// `i` included) who are in `g`, or 1 if `i` is in `g`.
    PctFriends,
}

/// A matching mechanism. Each produces a raw (unscaled) match per project;
/// [`scale_to_pool`] turns them into payouts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mechanism {
    /// Standard quadratic funding, the CLR of Buterin, Hitzig & Weyl, "A
    /// Flexible Design for Funding Public Goods" (2019):
    /// `match_p = (Σ_i √c_ip)² − Σ_i c_ip`.
    Standard,
    /// Pairwise-bounded QF (Buterin, "Pairwise coordination subsidies",
    /// 2019): `match_p = Σ_{i<j} √(c_ip c_jp) · M / (M + k_ij)` with
    /// `k_ij = Σ_q √(c_iq c_jq)`; each unordered pair counted once (as in
    /// qf-calculator's `pairwise`, whose default is `M = 0.01`).
    Pairwise {
        /// The bound `M > 0`: pairs whose coordination `k_ij` is large
        /// compared with `M` get little subsidy.
        m: f64,
    },
    /// Cluster match (qf-calculator's `clustermatch`): each donor's
    /// donation is split across its clusters in proportion to membership,
    /// `B_pg = Σ_i c_ip n_ig`, and clusters play the role of donors:
    /// `match_p = (Σ_g √B_pg)² − Σ_g B_pg`.
    Cluster,
    /// Connection-oriented cluster match (Miller, Weyl & Erichsen, "Beyond
    /// Collusion Resistance", 2024), exactly as qf-calculator's `COCM`
    /// (`gitcoinco/qf-calculator`, `fundingutils.py`; `Jmiller4/qf-variants`):
    /// with connections `k_ig` from `style`,
    /// `K_ig = (1 − k_ig) c_ip` if `harsh`, else `k_ig √c_ip + (1 − k_ig) c_ip`;
    /// `P'_hg = Σ_i n_ig K_ih`;
    /// `match_p = Σ_{g ≠ h} √(P'_gh P'_hg)` (ordered pairs, i.e. twice each
    /// unordered pair; no `− Σ c` term).
    Cocm {
        /// How connections are measured.
        style: CocmStyle,
        /// Drop the `√c` term entirely for connected donors (the reference
        /// default, `true`).
        harsh: bool,
    },
}

impl Mechanism {
    /// qf-calculator's default pairwise bound.
    pub const DEFAULT_PAIRWISE_M: f64 = 0.01;

    /// COCM with the reference defaults: `markov` style, `harsh = true`.
    pub const fn cocm_default() -> Self {
        Self::Cocm {
            style: CocmStyle::Markov,
            harsh: true,
        }
    }

    /// Whether the mechanism uses donor clusters.
    pub const fn uses_clusters(&self) -> bool {
        matches!(self, Self::Cluster | Self::Cocm { .. })
    }
}

/// Reusable working memory for [`raw_matches_into`]. Keep one per thread and
/// pass it to every call; it grows to the largest round seen.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    acc: SparseAcc,
    donor_scale: Vec<f64>,
    default_clusters: Clusters,
    cocm: cocm::CocmScratch,
}

/// Raw matches of every project under `mechanism` (see [`Mechanism`] for
/// each formula). `clusters` is used only by [`Mechanism::Cluster`] and
/// [`Mechanism::Cocm`]; when it is `None` they use
/// [`Clusters::from_round`] (each donor's clusters are the projects it gave
/// to, weighted by amount: qf-calculator's convention).
///
/// Allocates its output and scratch; see [`raw_matches_into`] for the
/// allocation-free form.
pub fn raw_matches(
    round: &Round,
    mechanism: &Mechanism,
    clusters: Option<&Clusters>,
) -> Result<Vec<f64>, FundingError> {
    let mut out = Vec::with_capacity(round.n_projects);
    raw_matches_into(
        round,
        mechanism,
        clusters,
        &mut Scratch::default(),
        &mut out,
    )?;
    Ok(out)
}

/// [`raw_matches`] writing into `out` (resized to the number of projects)
/// and reusing `scratch`.
///
/// Cost, with `D` cells (donor-project pairs with a positive total) and
/// `n_p` donors of project `p`: standard and cluster O(D); pairwise
/// O(Σ_p n_p²) time and O(donors) memory (only pairs sharing a project are
/// visited); COCM O(Σ_p a_p²) for the `a_p` clusters active on project `p`
/// plus, for markov, O(Σ_p q_p · a_p) with `q_p` the distinct pairs of
/// clusters co-held by a donor of `p`, and for og / pct_friends
/// O(D · reach) with `reach` the clusters a donor is connected to; a
/// project with many active clusters and few corrections switches to a
/// sparse pair list. Memory stays O(clusters² + D), never donors × donors.
pub fn raw_matches_into(
    round: &Round,
    mechanism: &Mechanism,
    clusters: Option<&Clusters>,
    scratch: &mut Scratch,
    out: &mut Vec<f64>,
) -> Result<(), FundingError> {
    out.clear();
    out.resize(round.n_projects, 0.0);
    let Scratch {
        acc,
        donor_scale,
        default_clusters,
        cocm: cocm_scratch,
    } = scratch;
    match *mechanism {
        Mechanism::Standard => standard(round, out),
        Mechanism::Pairwise { m } => {
            if !(m.is_finite() && m > 0.0) {
                return Err(FundingError::InvalidParameter {
                    name: "pairwise M",
                    value: m,
                    expected: "a finite number > 0",
                });
            }
            pairwise::pairwise(round, m, acc, out);
        }
        Mechanism::Cluster => {
            let clusters = resolve_clusters(round, clusters, default_clusters)?;
            cluster_match(round, clusters, acc, donor_scale, out);
        }
        Mechanism::Cocm { style, harsh } => {
            let clusters = resolve_clusters(round, clusters, default_clusters)?;
            cocm::cocm(round, clusters, style, harsh, cocm_scratch, out);
        }
    }
    if out.iter().any(|v| !v.is_finite()) {
        return Err(FundingError::Overflow {
            what: "a raw match",
        });
    }
    Ok(())
}

fn resolve_clusters<'a>(
    round: &Round,
    given: Option<&'a Clusters>,
    default: &'a mut Clusters,
) -> Result<&'a Clusters, FundingError> {
    match given {
        Some(clusters) => {
            clusters.check_against(round)?;
            Ok(clusters)
        }
        None => {
            default.rebuild_from_round(round);
            Ok(default)
        }
    }
}

/// `(Σ_k √x_k)² − Σ_k x_k` for `√x_k` given, computed as
/// `Σ_k √x_k (S − √x_k)` with `S = Σ_k √x_k`, which is exactly zero for a
/// single term and avoids cancelling two large numbers.
fn qf_from_roots(roots: impl Iterator<Item = f64> + Clone) -> f64 {
    let s: f64 = roots.clone().sum();
    roots.map(|r| r * (s - r)).sum::<f64>().max(0.0)
}

/// Standard CLR: `match_p = (Σ_i √c_ip)² − Σ_i c_ip` (Buterin, Hitzig &
/// Weyl 2019; qf-calculator's `standard_qf`).
fn standard(round: &Round, out: &mut [f64]) {
    for (p, slot) in out.iter_mut().enumerate() {
        let r = round.project_range(p);
        *slot = qf_from_roots(round.p_sqrt[r].iter().copied());
    }
}

/// Cluster match: `B_pg = Σ_i c_ip n_ig`,
/// `match_p = (Σ_g √B_pg)² − Σ_g B_pg` (qf-calculator's `clustermatch`).
fn cluster_match(
    round: &Round,
    clusters: &Clusters,
    acc: &mut SparseAcc,
    inv_msum: &mut Vec<f64>,
    out: &mut [f64],
) {
    acc.reset(clusters.n_clusters);
    inv_msum.clear();
    inv_msum.resize(round.n_donors, 0.0);
    for (i, inv) in inv_msum.iter_mut().enumerate() {
        let (_, weights) = clusters.donor_slices(i);
        let total: f64 = weights.iter().sum();
        if total > 0.0 {
            *inv = 1.0 / total;
        }
    }
    for (p, slot) in out.iter_mut().enumerate() {
        acc.clear();
        let (donors, amounts) = round.project_slices(p);
        for (&i, &c) in donors.iter().zip(amounts) {
            let (groups, weights) = clusters.donor_slices(i as usize);
            let scale = c * inv_msum[i as usize];
            for (&g, &w) in groups.iter().zip(weights) {
                acc.add(g, scale * w);
            }
        }
        *slot = qf_from_roots(acc.touched().iter().map(|&g| acc.get(g).sqrt()));
    }
}

/// Scales raw matches to `pool`, with an optional per-project `cap` given as
/// a fraction of the pool (`0 < cap ≤ 1`).
///
/// Follows `get_qf_matching` / `check_matching_cap` in Gitcoin's
/// qf-calculator (`fundingutils.py`): `share_p = raw_p / Σ raw`; with a cap,
/// repeatedly clip shares above the cap and multiply every share below it
/// by `1 + excess / Σ(shares below the cap)`, until none exceeds the cap;
/// finally `payout_p = share_p · pool`, rescaled down if rounding pushed the
/// total above the pool. The payouts sum to `pool` except when every raw
/// match is zero (all payouts zero) or when every project with a positive
/// raw match ends at the cap (the rest of the pool stays undistributed).
///
/// Errors if `pool` is negative or not finite, if `cap` is outside `(0, 1]`,
/// or if a raw match is negative or not finite.
pub fn scale_to_pool(raw: &[f64], pool: f64, cap: Option<f64>) -> Result<Vec<f64>, FundingError> {
    let mut out = Vec::with_capacity(raw.len());
    scale_to_pool_into(raw, pool, cap, &mut out)?;
    Ok(out)
}

/// [`scale_to_pool`] writing into `out` (resized to `raw.len()`).
pub fn scale_to_pool_into(
    raw: &[f64],
    pool: f64,
    cap: Option<f64>,
    out: &mut Vec<f64>,
) -> Result<(), FundingError> {
    out.clear();
    if !(pool.is_finite() && pool >= 0.0) {
        return Err(FundingError::InvalidParameter {
            name: "pool",
            value: pool,
            expected: "a finite number ≥ 0",
        });
    }
    if let Some(c) = cap {
        if !(c.is_finite() && c > 0.0 && c <= 1.0) {
            return Err(FundingError::InvalidParameter {
                name: "cap",
                value: c,
                expected: "a fraction of the pool in (0, 1]",
            });
        }
    }
    if let Some((index, &value)) = raw
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return Err(FundingError::InvalidRawMatch { index, value });
    }
    out.resize(raw.len(), 0.0);
    let total: f64 = raw.iter().sum();
    if !total.is_finite() {
        return Err(FundingError::Overflow {
            what: "the sum of raw matches",
        });
    }
    if total <= 0.0 {
        return Ok(());
    }
    for (o, r) in out.iter_mut().zip(raw) {
        *o = r / total;
    }
    if let Some(cap) = cap.filter(|&c| c < 1.0) {
        apply_cap(out, cap);
    }
    for o in out.iter_mut() {
        *o *= pool;
    }
    let paid: f64 = out.iter().sum();
    if paid > pool && paid > 0.0 {
        let f = pool / paid;
        out.iter_mut().for_each(|o| *o *= f);
    }
    Ok(())
}

/// qf-calculator's `check_matching_cap` on shares summing to 1.
fn apply_cap(shares: &mut [f64], cap: f64) {
    // Each pass that does not stop caps at least one more project, so
    // `len + 1` passes always suffice; the bound only guards float oddities.
    for _ in 0..=shares.len() {
        let mut excess = 0.0;
        let mut below = 0.0;
        for s in shares.iter_mut() {
            if *s > cap {
                excess += *s - cap;
                *s = cap;
            } else if *s < cap {
                below += *s;
            }
        }
        if below <= 0.0 {
            break;
        }
        let f = 1.0 + excess / below;
        let mut over = false;
        for s in shares.iter_mut().filter(|s| **s < cap) {
            *s *= f;
            over |= *s > cap;
        }
        if !over {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn round_of(
        n_donors: usize,
        n_projects: usize,
        gifts: &[(usize, usize, f64)],
    ) -> Round {
        Round::from_gifts(n_donors, n_projects, gifts).expect("valid round")
    }

    #[test]
    fn round_sums_repeats_and_drops_zero_cells() {
        let round = round_of(3, 2, &[(0, 1, 1.0), (0, 1, 2.5), (2, 0, 0.0), (1, 0, 4.0)]);
        assert_eq!(round.n_cells(), 2);
        assert_eq!(round.amount(0, 1), 3.5);
        assert_eq!(round.amount(2, 0), 0.0);
        assert_eq!(round.project_totals(), &[4.0, 3.5]);
        assert_eq!(round.donor_totals(), &[3.5, 4.0, 0.0]);
        let by_donor: Vec<_> = round.donor_projects(0).collect();
        assert_eq!(by_donor, vec![(1, 3.5)]);
    }

    #[test]
    fn round_rejects_bad_contributions() {
        let bad = [Contribution {
            donor: 0,
            project: 0,
            amount: -1.0,
        }];
        assert!(matches!(
            Round::new(1, 1, &bad),
            Err(FundingError::InvalidAmount { index: 0, .. })
        ));
        let nan = [Contribution {
            donor: 0,
            project: 0,
            amount: f64::NAN,
        }];
        assert!(Round::new(1, 1, &nan).is_err());
        let out = [Contribution {
            donor: 1,
            project: 0,
            amount: 1.0,
        }];
        assert!(matches!(
            Round::new(1, 1, &out),
            Err(FundingError::DonorOutOfRange { .. })
        ));
        let huge = [
            Contribution {
                donor: 0,
                project: 0,
                amount: f64::MAX,
            },
            Contribution {
                donor: 0,
                project: 0,
                amount: f64::MAX,
            },
        ];
        assert!(matches!(
            Round::new(1, 1, &huge),
            Err(FundingError::Overflow { .. })
        ));
    }

    #[test]
    fn cap_redistributes_until_none_exceeds() {
        // Shares 0.7, 0.2, 0.1 with cap 0.4: 0.7 → 0.4, excess 0.3 spread
        // over 0.3 → 0.4 and 0.2; nothing exceeds.
        let paid = scale_to_pool(&[7.0, 2.0, 1.0], 100.0, Some(0.4)).expect("valid");
        let expect = [40.0, 40.0, 20.0];
        for (a, b) in paid.iter().zip(expect) {
            assert!((a - b).abs() < 1e-9, "{paid:?}");
        }
        // Infeasible cap: all positive projects end at the cap.
        let paid = scale_to_pool(&[1.0, 1.0, 0.0], 10.0, Some(0.25)).expect("valid");
        assert_eq!(paid, vec![2.5, 2.5, 0.0]);
        // No matches at all: nothing is paid.
        assert_eq!(
            scale_to_pool(&[0.0, 0.0], 10.0, None).expect("valid"),
            vec![0.0, 0.0]
        );
    }

    #[test]
    fn scale_rejects_bad_parameters() {
        assert!(scale_to_pool(&[1.0], -1.0, None).is_err());
        assert!(scale_to_pool(&[1.0], f64::INFINITY, None).is_err());
        assert!(scale_to_pool(&[1.0], 1.0, Some(0.0)).is_err());
        assert!(scale_to_pool(&[1.0], 1.0, Some(1.5)).is_err());
        assert!(scale_to_pool(&[-1.0], 1.0, None).is_err());
        assert!(scale_to_pool(&[f64::NAN], 1.0, None).is_err());
    }

    #[test]
    fn clusters_must_cover_every_donor() {
        let round = round_of(2, 1, &[(0, 0, 1.0), (1, 0, 1.0)]);
        let clusters = Clusters::new(
            2,
            1,
            &[Membership {
                donor: 0,
                cluster: 0,
                weight: 1.0,
            }],
        )
        .expect("valid clusters");
        assert_eq!(
            raw_matches(&round, &Mechanism::Cluster, Some(&clusters)),
            Err(FundingError::DonorWithoutCluster { donor: 1 })
        );
        let wrong_shape = Clusters::new(3, 1, &[]).expect("valid clusters");
        assert!(matches!(
            raw_matches(&round, &Mechanism::Cluster, Some(&wrong_shape)),
            Err(FundingError::ClusterShape { .. })
        ));
    }

    #[test]
    fn pairwise_rejects_bad_m() {
        let round = round_of(2, 1, &[(0, 0, 1.0), (1, 0, 1.0)]);
        for m in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(raw_matches(&round, &Mechanism::Pairwise { m }, None).is_err());
        }
    }
}
