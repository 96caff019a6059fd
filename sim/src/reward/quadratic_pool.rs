//! `quadratic` (data pool): the in-simulation adapter of quadratic funding.
//! Owns the round each epoch builds from token holders' donations to
//! datasets (and the adversaries': Sybil identities, collusion rings) and
//! the donor clusters; the matching mathematics is `reward::quadratic`'s.

use serde::{Deserialize, Serialize};

use super::{params_table, ParamDoc, PoolKind, RewardContext, RewardScheme, SchemeInfo};
use crate::rng::SimRng;
use crate::scenario::{Fraction, NonNegative, Positive, Probability, SchemeKind};

/// Whether the adapter is available in this build (the matching
/// mathematics is being written on another branch).
pub const AVAILABLE: bool = false;

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

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    kind: SchemeKind::Quadratic,
    pools: &[PoolKind::Data],
    summary: "per-epoch matching pool for datasets as public goods, from token holders' donations",
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

/// Quadratic funding of datasets (adapter; see the module comment).
#[derive(Debug, Clone)]
pub struct QuadraticPool {
    params: QuadraticParams,
}

impl QuadraticPool {
    pub fn new(params: QuadraticParams) -> Self {
        Self { params }
    }
}

impl RewardScheme for QuadraticPool {
    fn name(&self) -> &'static str {
        "quadratic"
    }

    fn distribute(
        &mut self,
        _ctx: &RewardContext<'_>,
        _budget: u64,
        _rng: &mut SimRng,
        _payouts: &mut [u64],
    ) {
        let _ = &self.params;
    }
}
