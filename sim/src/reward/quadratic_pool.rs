//! `quadratic` (data pool): the in-simulation adapter of quadratic funding.
//! Owns the round each epoch builds from token holders' donations to
//! datasets (and the adversaries': Sybil identities, collusion rings) and
//! the donor clusters; the matching mathematics (raw matches per mechanism,
//! scaling to the pool with a cap) is `reward::quadratic`'s.

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::quadratic::{
    raw_matches_into, scale_to_pool_into, Clusters, CocmStyle, Contribution, Mechanism, Membership,
    Round, Scratch,
};
use super::{
    params_table, parse_params, pro_rata, ParamDoc, ParamError, PoolKind, RewardContext,
    RewardScheme, SchemeBuild, SchemeCheck, SchemeFactory, SchemeInfo, SchemeParams,
};
use crate::agents::Role;
use crate::rng::SimRng;
use crate::values::{Fraction, NonNegative, Positive, Probability};

/// The matching mechanisms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QfMechanism {
    #[default]
    Standard,
    Pairwise,
    Cluster,
    Cocm,
}

/// How donors are grouped into clusters (for `cluster` and `cocm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterBy {
    /// Every donor is its own cluster: detection is the only cluster
    /// information.
    #[default]
    Donors,
    /// qf-calculator's convention when no cluster data exists: a donor
    /// belongs to the clusters of the datasets it gave to, weighted by the
    /// amount given.
    Projects,
}

/// COCM's connection measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CocmStyleName {
    #[default]
    Markov,
    Og,
    PctFriends,
}

/// A Sybil attack: one budget split over many identities, all donating to
/// the datasets of one data-provider population.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SybilParams {
    /// Name of the data-provider population whose datasets the Sybils push.
    pub population: String,
    /// Identities the budget is split over.
    pub identities: u32,
    /// Tokens pledged per epoch, over all identities.
    pub budget: NonNegative,
    /// Fraction of the identities detected and placed in one cluster.
    #[serde(default)]
    pub detected: Probability,
}

/// Collusion rings: each named data-provider population is a ring whose
/// members donate to each other's datasets.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CollusionParams {
    pub populations: Vec<String>,
    /// Tokens each member pledges to each other member per epoch.
    pub amount: NonNegative,
}

/// `[reward.data.quadratic]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuadraticParams {
    pub mechanism: QfMechanism,
    /// Pairwise bound M (in tokens).
    pub m: Positive,
    /// COCM connection style.
    pub style: CocmStyleName,
    /// COCM: drop the √c term for connected donors.
    pub harsh: bool,
    /// How donors are clustered (detected Sybils always share one cluster).
    pub clusters: ClusterBy,
    /// Largest share of the pool one dataset may get (1 = no cap).
    pub cap: Fraction,
    /// Honest donors per epoch, drawn from the token holders.
    pub donors: u32,
    /// Datasets each honest donor supports.
    pub picks: u32,
    /// Tokens each honest donor pledges per epoch.
    pub donation: NonNegative,
    /// Sd of a donor's view of a dataset's quality.
    pub view_noise: NonNegative,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sybil: Option<SybilParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collusion: Option<CollusionParams>,
}

impl Default for QuadraticParams {
    fn default() -> Self {
        Self {
            mechanism: QfMechanism::Standard,
            m: Positive(0.01),
            style: CocmStyleName::Markov,
            harsh: true,
            clusters: ClusterBy::Donors,
            cap: Fraction(1.0),
            donors: 100,
            picks: 3,
            donation: NonNegative(10.0),
            view_noise: NonNegative(0.2),
            sybil: None,
            collusion: None,
        }
    }
}

/// The largest pledge per donor, identity budget or ring amount, in tokens
/// per epoch: matches (sums of products of pledges) stay far inside f64.
pub const MAX_PLEDGE: f64 = 1e12;

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    name: "quadratic",
    pools: &[PoolKind::Data],
    joint: &[],
    summary: "per-epoch matching pool for datasets as public goods, from token holders' donations (and adversaries')",
    formula: "standard: match_p = (sum_i sqrt(c_ip))^2 - sum_i c_ip; matches scaled to the pool, \
              shares above `cap` clipped and the excess redistributed pro rata to uncapped datasets",
    source: "Buterin, Hitzig & Weyl, \"A Flexible Design for Funding Public Goods\" (2019); \
             Buterin, \"Pairwise coordination subsidies\" (2019); Miller, Weyl & Erichsen, \
             \"Beyond Collusion Resistance\" (2024); scaling as gitcoinco/qf-calculator get_qf_matching",
    params: &[
        ParamDoc { key: "mechanism", doc: "\"standard\", \"pairwise\", \"cluster\" or \"cocm\"" },
        ParamDoc { key: "m", doc: "pairwise: the bound M in tokens" },
        ParamDoc { key: "style", doc: "cocm: \"markov\", \"og\" or \"pct_friends\"" },
        ParamDoc { key: "harsh", doc: "cocm: drop the sqrt(c) term for connected donors" },
        ParamDoc { key: "clusters", doc: "cluster, cocm: \"donors\" (one cluster each) or \"projects\" (a donor is in the clusters of the datasets it gave to); detected Sybils share one" },
        ParamDoc { key: "cap", doc: "largest share of the pool one dataset may get, in (0, 1] (1 = no cap)" },
        ParamDoc { key: "donors", doc: "honest donors per epoch, drawn from the token holders" },
        ParamDoc { key: "picks", doc: "datasets each honest donor supports" },
        ParamDoc { key: "donation", doc: "tokens each honest donor pledges per epoch" },
        ParamDoc { key: "view_noise", doc: "sd of a donor's view of dataset quality" },
        ParamDoc { key: "sybil", doc: "optional { population, identities, budget, detected }: one budget split over many identities" },
        ParamDoc { key: "collusion", doc: "optional { populations = [...], amount }: rings donating to each other's datasets" },
    ],
    defaults: || params_table(&QuadraticParams::default()),
};

/// Quadratic funding of datasets, each epoch's data pool as the matching
/// pool. Standard: match_p = (Σ_i √c_ip)² − Σ_i c_ip (Buterin, Hitzig &
/// Weyl, "A Flexible Design for Funding Public Goods", 2019); pairwise:
/// Σ_{i<j} √(c_ip c_jp) · M / (M + k_ij) (Buterin, "Pairwise coordination
/// subsidies", 2019); cluster match and COCM (Miller, Weyl & Erichsen,
/// "Beyond Collusion Resistance", 2024) over donor clusters. Matches are
/// scaled to the pool; with a cap, shares above it are clipped and the
/// excess is redistributed pro rata to uncapped datasets until none exceeds
/// it (Gitcoin's `qf-calculator`, `get_qf_matching`); what the cap leaves
/// undistributed stays in the rewards pool. The mathematics is in
/// `reward::quadratic`.
///
/// The round, rebuilt each epoch (donations are pledges that decide the
/// matching; the simulation moves no tokens for them):
/// - `donors` honest token holders each split `donation` tokens over
///   `picks` datasets drawn uniformly from the active data providers with at
///   least one accepted dataset, in proportion to their noisy view of each
///   dataset's quality, max(0, q + N(0, view_noise²));
/// - a Sybil attacker splits `budget` over `identities` donors, each giving
///   equally to every dataset of the attacker's population; a fraction
///   `detected` of the identities is placed in one shared cluster;
/// - each collusion ring (a data-provider population) has every member
///   give `amount` to every other member's dataset.
#[derive(Debug, Clone)]
pub struct QuadraticPool {
    mechanism: Mechanism,
    cluster_by: ClusterBy,
    cap: Option<f64>,
    donors: usize,
    picks: usize,
    donation: f64,
    view_noise: f64,
    sybil: Option<(u16, usize, f64, f64)>,
    rings: Vec<u16>,
    ring_amount: f64,
    /// Projects: members with a published dataset (member index), and each
    /// member's project index.
    projects: Vec<usize>,
    project_of: Vec<Option<usize>>,
    contributions: Vec<Contribution>,
    memberships: Vec<Membership>,
    targets: Vec<usize>,
    seen: Vec<f64>,
    round: Round,
    clusters: Clusters,
    scratch: Scratch,
    raw: Vec<f64>,
    paid: Vec<f64>,
    floors: Vec<u64>,
    amounts: Vec<u64>,
}

impl QuadraticPool {
    /// `population_names`: the scenario's populations, in order, to find the
    /// adversaries' populations (checked when the scenario was read).
    pub fn new(params: &QuadraticParams, population_names: &[String]) -> Self {
        let index_of = |name: &str| {
            population_names
                .iter()
                .position(|n| n == name)
                .and_then(|i| u16::try_from(i).ok())
        };
        let mechanism = match params.mechanism {
            QfMechanism::Standard => Mechanism::Standard,
            QfMechanism::Pairwise => Mechanism::Pairwise { m: params.m.0 },
            QfMechanism::Cluster => Mechanism::Cluster,
            QfMechanism::Cocm => Mechanism::Cocm {
                style: match params.style {
                    CocmStyleName::Markov => CocmStyle::Markov,
                    CocmStyleName::Og => CocmStyle::Og,
                    CocmStyleName::PctFriends => CocmStyle::PctFriends,
                },
                harsh: params.harsh,
            },
        };
        Self {
            mechanism,
            cluster_by: params.clusters,
            cap: (params.cap.0 < 1.0).then_some(params.cap.0),
            donors: params.donors as usize,
            picks: params.picks as usize,
            donation: params.donation.0,
            view_noise: params.view_noise.0,
            sybil: params.sybil.as_ref().and_then(|s| {
                Some((
                    index_of(&s.population)?,
                    s.identities as usize,
                    s.budget.0,
                    s.detected.0,
                ))
            }),
            rings: params
                .collusion
                .iter()
                .flat_map(|c| c.populations.iter().filter_map(|n| index_of(n)))
                .collect(),
            ring_amount: params.collusion.as_ref().map_or(0.0, |c| c.amount.0),
            projects: Vec::new(),
            project_of: Vec::new(),
            contributions: Vec::new(),
            memberships: Vec::new(),
            targets: Vec::new(),
            seen: Vec::new(),
            round: Round::default(),
            clusters: Clusters::default(),
            scratch: Scratch::default(),
            raw: Vec::new(),
            paid: Vec::new(),
            floors: Vec::new(),
            amounts: Vec::new(),
        }
    }

    /// Builds the epoch's donations; returns the number of donors and the
    /// donors (from `detected_from`) in the shared Sybil cluster.
    fn donations(
        &mut self,
        ctx: &RewardContext<'_>,
        rng: &mut SimRng,
    ) -> (usize, std::ops::Range<usize>) {
        self.contributions.clear();
        let n_projects = self.projects.len();
        let mut donor = 0usize;
        // Honest token holders.
        if n_projects > 0 && self.donation > 0.0 {
            for _ in 0..self.donors {
                self.targets.clear();
                self.seen.clear();
                for _ in 0..self.picks {
                    let p = rng.random_range(0..n_projects);
                    let member = self.projects[p];
                    let agent = ctx.members[member] as usize;
                    let row = ctx.agents.role_index[agent] as usize;
                    let quality = ctx.data.submitter.get(row).map_or(0.0, |s| s.quality);
                    let noise: f64 = rng.sample(StandardNormal);
                    self.targets.push(p);
                    self.seen.push((quality + self.view_noise * noise).max(0.0));
                }
                let total: f64 = self.seen.iter().sum();
                if total > 0.0 {
                    for (&p, &v) in self.targets.iter().zip(&self.seen) {
                        if v > 0.0 {
                            self.contributions.push(Contribution {
                                donor,
                                project: p,
                                amount: self.donation * v / total,
                            });
                        }
                    }
                }
                donor += 1;
            }
        }
        // Collusion rings: members give to each other's datasets.
        if self.ring_amount > 0.0 {
            for &ring in &self.rings {
                for (i, &agent) in ctx.members.iter().enumerate() {
                    if ctx.agents.population[agent as usize] != ring {
                        continue;
                    }
                    let mut gave = false;
                    for (&member, p) in self.projects.iter().zip(0..) {
                        let other = ctx.members[member];
                        if member != i && ctx.agents.population[other as usize] == ring {
                            self.contributions.push(Contribution {
                                donor,
                                project: p,
                                amount: self.ring_amount,
                            });
                            gave = true;
                        }
                    }
                    if gave {
                        donor += 1;
                    }
                }
            }
        }
        // The Sybil attacker's identities, the detected ones first.
        let mut detected = donor..donor;
        if let Some((population, identities, budget, share)) = self.sybil {
            self.targets.clear();
            self.targets.extend(
                self.projects
                    .iter()
                    .enumerate()
                    .filter(|&(_, &m)| ctx.agents.population[ctx.members[m] as usize] == population)
                    .map(|(p, _)| p),
            );
            if !self.targets.is_empty() && identities > 0 && budget > 0.0 {
                let each = budget / identities as f64 / self.targets.len() as f64;
                let caught = ((identities as f64 * share).floor() as usize).min(identities);
                detected = donor..donor + caught;
                for _ in 0..identities {
                    for &p in &self.targets {
                        self.contributions.push(Contribution {
                            donor,
                            project: p,
                            amount: each,
                        });
                    }
                    donor += 1;
                }
            }
        }
        (donor, detected)
    }

    /// Cluster memberships of every donor who gave (see `ClusterBy`).
    fn cluster_memberships(&mut self, n_donors: usize, detected: &std::ops::Range<usize>) -> usize {
        self.memberships.clear();
        let base = match self.cluster_by {
            ClusterBy::Projects => self.projects.len(),
            ClusterBy::Donors => n_donors,
        };
        for c in &self.contributions {
            if detected.contains(&c.donor) {
                continue;
            }
            self.memberships.push(match self.cluster_by {
                ClusterBy::Projects => Membership {
                    donor: c.donor,
                    cluster: c.project,
                    weight: c.amount,
                },
                ClusterBy::Donors => Membership {
                    donor: c.donor,
                    cluster: c.donor,
                    weight: 1.0,
                },
            });
        }
        for d in detected.clone() {
            self.memberships.push(Membership {
                donor: d,
                cluster: base,
                weight: 1.0,
            });
        }
        base + 1
    }
}

impl RewardScheme for QuadraticPool {
    fn name(&self) -> &'static str {
        "quadratic"
    }

    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String> {
        // Projects: active data providers with a published dataset.
        self.projects.clear();
        self.project_of.clear();
        for (i, &agent) in ctx.members.iter().enumerate() {
            let a = agent as usize;
            let published = ctx.agents.contribution_total[a] + ctx.work[i] > 0;
            self.project_of
                .push(published.then_some(self.projects.len()));
            if published {
                self.projects.push(i);
            }
        }
        let (n_donors, detected) = self.donations(ctx, rng);
        if self.projects.is_empty() || self.contributions.is_empty() {
            return Ok(());
        }
        let n_projects = self.projects.len();
        self.round
            .rebuild(n_donors, n_projects, &self.contributions)
            .map_err(|e| e.to_string())?;
        let clusters = if self.mechanism.uses_clusters() {
            let n_clusters = self.cluster_memberships(n_donors, &detected);
            self.clusters
                .rebuild(n_donors, n_clusters, &self.memberships)
                .map_err(|e| e.to_string())?;
            Some(&self.clusters)
        } else {
            None
        };
        raw_matches_into(
            &self.round,
            &self.mechanism,
            clusters,
            &mut self.scratch,
            &mut self.raw,
        )
        .map_err(|e| e.to_string())?;
        scale_to_pool_into(&self.raw, budget as f64, self.cap, &mut self.paid)
            .map_err(|e| e.to_string())?;
        // Whole base units, rounded down; should floating point have pushed
        // the total above the budget, divide the budget pro rata instead.
        self.floors.clear();
        self.floors.extend(self.paid.iter().map(|&x| {
            if x.is_finite() && x > 0.0 {
                x.min(budget as f64) as u64
            } else {
                0
            }
        }));
        let total: u128 = self.floors.iter().map(|&x| u128::from(x)).sum();
        self.amounts.clear();
        self.amounts.resize(n_projects, 0);
        if total > u128::from(budget) {
            pro_rata(&self.floors, budget, &mut self.amounts);
        } else {
            self.amounts.copy_from_slice(&self.floors);
        }
        for (i, project) in self.project_of.iter().enumerate() {
            if let Some(p) = project {
                payouts[i] = self.amounts.get(*p).copied().unwrap_or(0);
            }
        }
        Ok(())
    }
}

/// Registry entry: checks that the adversaries' populations exist and
/// are data providers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Factory;

impl SchemeFactory for Factory {
    fn info(&self) -> &SchemeInfo {
        &INFO
    }

    /// Each epoch's pledges: one cell per honest donor's pick and per
    /// Sybil identity, each in the by-project and by-donor layouts and the
    /// cluster books (about 64 bytes).
    fn memory_bytes(
        &self,
        params: Option<&toml::Value>,
        peak_count: &dyn Fn(&str) -> Option<u64>,
    ) -> u64 {
        let Ok(p) = parse_params::<QuadraticParams>(params) else {
            return 0;
        };
        let identities = p.sybil.as_ref().map_or(0, |s| u64::from(s.identities));
        // A ring of n members gives n·(n − 1) contributions each round.
        let ring_pairs = p.collusion.as_ref().map_or(0u64, |c| {
            c.populations
                .iter()
                .filter_map(|name| peak_count(name))
                .map(|n| n.saturating_mul(n.saturating_sub(1)))
                .fold(0, u64::saturating_add)
        });
        (u64::from(p.donors) * u64::from(p.picks))
            .saturating_add(identities)
            .saturating_add(ring_pairs)
            .saturating_mul(64)
    }

    fn check(&self, params: &SchemeParams<'_>, ctx: &SchemeCheck<'_>) -> Result<(), ParamError> {
        let params: QuadraticParams = params.parse()?;
        let pledges = [
            ("quadratic.donation", params.donation.0),
            (
                "quadratic.sybil.budget",
                params.sybil.as_ref().map_or(0.0, |s| s.budget.0),
            ),
            (
                "quadratic.collusion.amount",
                params.collusion.as_ref().map_or(0.0, |c| c.amount.0),
            ),
        ];
        for (key, value) in pledges {
            if value > MAX_PLEDGE {
                return Err(format!(
                    "{key} is {value} tokens: at most {MAX_PLEDGE:e} (the matches square sums of pledges)"
                )
                .into());
            }
        }
        if let Some(sybil) = &params.sybil {
            ctx.population(
                &sybil.population,
                Role::DataProvider,
                "quadratic.sybil.population",
            )?;
            if sybil.identities == 0 {
                return Err("quadratic.sybil.identities must be at least 1".into());
            }
        }
        if let Some(ring) = &params.collusion {
            for name in &ring.populations {
                ctx.population(name, Role::DataProvider, "quadratic.collusion.populations")?;
            }
        }
        Ok(())
    }

    fn build(
        &self,
        params: Option<&toml::Value>,
        ctx: &SchemeBuild<'_>,
    ) -> Result<Box<dyn RewardScheme>, String> {
        Ok(Box::new(QuadraticPool::new(
            &parse_params(params)?,
            ctx.population_names,
        )))
    }
}
