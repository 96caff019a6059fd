//! `yuma` (compute and validation pools together): the in-simulation
//! adapter of Bittensor's Yuma consensus. Owns how validators set weights
//! on compute providers (a noisy observation of their quality; a cartel's
//! validators overweight their own providers) and how the epoch's incentive
//! and dividends become payouts of the two pools; the consensus
//! mathematics is `reward::yuma`'s.

use serde::{Deserialize, Serialize};

use super::{params_table, ParamDoc, PoolKind, RewardContext, RewardScheme, SchemeInfo};
use crate::rng::SimRng;
use crate::scenario::{Fraction, NonNegative, Positive, Probability, SchemeKind};

/// Whether the adapter is available in this build (the consensus
/// mathematics is being written on another branch).
pub const AVAILABLE: bool = false;

/// A validator cartel: the validators of one population overweight the
/// compute providers of another.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CartelParams {
    /// Name of the validator population in the cartel.
    pub validators: String,
    /// Name of the compute-provider population the cartel owns.
    pub providers: String,
    /// Factor applied to the cartel's weights on its own providers.
    #[serde(default = "default_boost")]
    pub boost: Positive,
}

fn default_boost() -> Positive {
    Positive(10.0)
}

/// `[reward.compute.yuma]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct YumaParams {
    /// Consensus quantile κ.
    pub kappa: Probability,
    /// Weight α of the new epoch in the bonds' moving average.
    pub alpha: Fraction,
    /// Bonds penalty β: bonds follow W + β (W̄ − W).
    pub bonds_penalty: Probability,
    /// Validator v observes a provider's quality with sd noise · (1 − accuracy_v).
    pub noise: NonNegative,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cartel: Option<CartelParams>,
}

impl Default for YumaParams {
    fn default() -> Self {
        Self {
            kappa: Probability(0.5),
            alpha: Fraction(0.1),
            bonds_penalty: Probability(1.0),
            noise: NonNegative(0.5),
            cartel: None,
        }
    }
}

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    kind: SchemeKind::Yuma,
    pools: &[PoolKind::Compute, PoolKind::Validation],
    summary: "Bittensor's stake-weighted consensus: providers paid by incentive, validators by bond dividends \
              (name it on both [reward.compute] and [reward.validation]; the split is their shares)",
    formula: "C_j = stake-weighted kappa-quantile of W_.j; R_j = sum_i S_i min(W_ij, C_j); I = R / sum R; \
              B <- colnorm(alpha colnorm(S o W̄) + (1 - alpha) B); D = normalise(B I)",
    source: "opentensor/subtensor, pallets/subtensor/src/epoch/run_epoch.rs and epoch/math.rs (original Yuma)",
    params: &[
        ParamDoc { key: "kappa", doc: "consensus quantile in [0, 1]" },
        ParamDoc { key: "alpha", doc: "weight in (0, 1] of the new epoch in the bonds' moving average" },
        ParamDoc { key: "bonds_penalty", doc: "beta in [0, 1]: bonds follow W + beta (clipped W - W)" },
        ParamDoc { key: "noise", doc: "a validator's observation sd of a provider's quality is noise x (1 - its accuracy)" },
        ParamDoc { key: "cartel", doc: "optional { validators, providers, boost }: a validator population overweighting its own providers" },
    ],
    defaults: || params_table(&YumaParams::default()),
};

/// Yuma consensus over the compute and validation pools (adapter; see the
/// module comment).
#[derive(Debug, Clone)]
pub struct YumaPool {
    params: YumaParams,
    /// Share of the joint budget paid to providers (the rest to validators).
    provider_fraction: f64,
}

impl YumaPool {
    /// `provider_fraction`: compute share / (compute share + validation share).
    pub fn new(params: YumaParams, provider_fraction: f64) -> Self {
        Self {
            params,
            provider_fraction,
        }
    }
}

impl RewardScheme for YumaPool {
    fn name(&self) -> &'static str {
        "yuma"
    }

    fn distribute(
        &mut self,
        _ctx: &RewardContext<'_>,
        _budget: u64,
        _rng: &mut SimRng,
        _payouts: &mut [u64],
    ) {
        let _ = (&self.params, self.provider_fraction);
    }
}
