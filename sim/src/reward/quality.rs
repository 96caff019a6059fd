//! `quality`: pays work (compute) or dataset usage (data) × quality as
//! assessed by validators. Owns the assessment model: quality is not known
//! to the scheme; a committee of validators observes each member's true
//! quality (a compute provider's honesty, a data provider's dataset
//! quality) with noise that shrinks with the validator's accuracy, and the
//! observations are combined by a stake-weighted median.

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::{
    params_table, parse_params, pro_rata_f64, ParamDoc, ParamError, PoolKind, RewardContext,
    RewardScheme, SchemeBuild, SchemeCheck, SchemeFactory, SchemeInfo, SchemeInputs, SchemeParams,
};
use crate::ledger::Account;
use crate::rng::SimRng;
use crate::values::NonNegative;

/// `[reward.<pool>.quality]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct QualityParams {
    /// Validator i observes q + ε, ε ~ Normal(0, (noise · (1 − accuracy_i))²),
    /// clamped to [0, 1].
    pub noise: NonNegative,
    /// Validators assessing each member, drawn uniformly without
    /// replacement from the active validators (0 = all of them).
    pub committee: u32,
}

impl Default for QualityParams {
    fn default() -> Self {
        Self {
            noise: NonNegative(0.5),
            committee: 7,
        }
    }
}

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    name: "quality",
    pools: &[PoolKind::Compute, PoolKind::Data],
    joint: &[],
    summary: "pay work (compute) or dataset usage (data) x quality assessed by a stake-weighted median of noisy validator observations",
    formula: "payout_i ∝ b_i * q̂_i; q̂_i = stake-weighted median over a validator committee of clamp(q_i + N(0, (noise*(1 - accuracy_v))^2), 0, 1); \
              b = verified work (compute), dataset uses by tasks (data; accepted datasets if none were used)",
    source: "Ocean Protocol data farming (oceanprotocol/df-py, volume/reward_calculator.py: rewards follow consumption volume); \
             stake-weighted median of validator scores as in Bittensor's Yuma consensus (opentensor/subtensor, epoch/math.rs weighted_median)",
    params: &[
        ParamDoc { key: "noise", doc: "observation noise scale: a validator's error sd is noise x (1 - its accuracy)" },
        ParamDoc { key: "committee", doc: "validators assessing each member (0 = all active validators)" },
    ],
    defaults: || params_table(&QualityParams::default()),
};

/// Pay work × assessed quality: payout_i = ⌊budget · b_i q̂_i / Σ_j b_j q̂_j⌋
/// (in 52-bit fixed point).
///
/// b_i is the verified work for compute providers and, for data providers,
/// the number of times tasks used the provider's datasets this epoch (tasks
/// draw a dataset with probability ∝ quality × accepted datasets; the
/// accepted datasets themselves when no dataset was used) — rewards follow
/// consumption, as in Ocean Protocol's data farming (`oceanprotocol/df-py`,
/// `volume/reward_calculator.py`). q̂_i is the stake-weighted median of the
/// observations clamp(q_i + ε_v, 0, 1), ε_v ~ N(0, (noise · (1 − a_v))²),
/// of a committee of validators v drawn uniformly without replacement; the
/// weighted median of validator scores follows Bittensor's consensus
/// (`opentensor/subtensor`, `epoch/math.rs`, `weighted_median`). Without
/// validators nobody can assess quality and q̂ = 1 (pay by b alone).
#[derive(Debug, Clone)]
pub struct QualityScheme {
    pool: PoolKind,
    noise: f64,
    committee: usize,
    /// Active validators this epoch: stake weight and noise sd.
    v_weight: Vec<f64>,
    v_sd: Vec<f64>,
    /// A permutation of validator slots, partially reshuffled per member.
    perm: Vec<usize>,
    /// (observation, stake) of one committee.
    obs: Vec<(f64, f64)>,
    weights: Vec<f64>,
    scratch: Vec<u64>,
}

impl QualityScheme {
    pub fn new(pool: PoolKind, params: &QualityParams) -> Self {
        Self {
            pool,
            noise: params.noise.0,
            committee: params.committee as usize,
            v_weight: Vec::new(),
            v_sd: Vec::new(),
            perm: Vec::new(),
            obs: Vec::new(),
            weights: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn collect_validators(&mut self, ctx: &RewardContext<'_>) {
        self.v_weight.clear();
        self.v_sd.clear();
        for (row, &agent) in ctx.validators.agent.iter().enumerate() {
            if !ctx.agents.is_active(agent) {
                continue;
            }
            self.v_weight
                .push(ctx.ledger.get(Account::Stake(agent)) as f64);
            self.v_sd
                .push(self.noise * (1.0 - ctx.validators.accuracy[row]).clamp(0.0, 1.0));
        }
        if self.v_weight.iter().all(|&w| w <= 0.0) {
            self.v_weight.fill(1.0);
        }
        self.perm.clear();
        self.perm.extend(0..self.v_weight.len());
    }

    /// The committee's stake-weighted median observation of `truth`.
    fn assess(&mut self, truth: f64, rng: &mut SimRng) -> f64 {
        let n = self.perm.len();
        if n == 0 {
            return 1.0;
        }
        let k = if self.committee == 0 {
            n
        } else {
            self.committee.min(n)
        };
        self.obs.clear();
        for t in 0..k {
            let pick = t + rng.random_range(0..n - t);
            self.perm.swap(t, pick);
            let v = self.perm[t];
            let sd = self.v_sd[v];
            let seen = if sd > 0.0 {
                let z: f64 = rng.sample(StandardNormal);
                (truth + sd * z).clamp(0.0, 1.0)
            } else {
                truth
            };
            self.obs.push((seen, self.v_weight[v]));
        }
        weighted_median(&mut self.obs)
    }
}

/// The lower stake-weighted median: the smallest observation at which the
/// cumulative weight reaches half the total (the plain median when the
/// weights are equal). Sorts `obs`; 1 for an empty slice.
pub fn weighted_median(obs: &mut [(f64, f64)]) -> f64 {
    // Observations are finite (clamped to [0, 1]); a NaN would sort as equal.
    obs.sort_unstable_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    let total: f64 = obs.iter().map(|o| o.1.max(0.0)).sum();
    if total <= 0.0 {
        return obs
            .get(obs.len().saturating_sub(1) / 2)
            .map_or(1.0, |o| o.0);
    }
    let mut cum = 0.0;
    for &(value, weight) in obs.iter() {
        cum += weight.max(0.0);
        if cum >= total / 2.0 {
            return value;
        }
    }
    obs.last().map_or(1.0, |o| o.0)
}

impl RewardScheme for QualityScheme {
    fn name(&self) -> &'static str {
        "quality"
    }

    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String> {
        self.collect_validators(ctx);
        let by_usage = self.pool == PoolKind::Data && ctx.usage.iter().any(|&u| u > 0);
        self.weights.clear();
        for (i, &agent) in ctx.members.iter().enumerate() {
            let basis = if by_usage { ctx.usage[i] } else { ctx.work[i] };
            if basis == 0 {
                self.weights.push(0.0);
                continue;
            }
            let row = ctx.agents.role_index[agent as usize] as usize;
            let truth = match self.pool {
                PoolKind::Compute => ctx.compute.honesty.get(row).copied().unwrap_or(1.0),
                PoolKind::Data => ctx.data.submitter.get(row).map_or(1.0, |s| s.quality),
                PoolKind::Validation => ctx.validators.accuracy.get(row).copied().unwrap_or(1.0),
            };
            let assessed = self.assess(truth, rng);
            self.weights.push(basis as f64 * assessed);
        }
        pro_rata_f64(&self.weights, budget, payouts, &mut self.scratch);
        Ok(())
    }
}

/// Registry entry: the data pool pays by dataset usage.
#[derive(Debug, Clone, Copy, Default)]
pub struct Factory;

impl SchemeFactory for Factory {
    fn info(&self) -> &SchemeInfo {
        &INFO
    }

    fn inputs(&self, _params: Option<&toml::Value>) -> SchemeInputs {
        SchemeInputs {
            reputation: None,
            usage: true,
        }
    }

    fn check(&self, params: &SchemeParams<'_>, _ctx: &SchemeCheck<'_>) -> Result<(), ParamError> {
        params.parse::<QualityParams>().map(|_| ())
    }

    fn build(
        &self,
        params: Option<&toml::Value>,
        ctx: &SchemeBuild<'_>,
    ) -> Result<Box<dyn RewardScheme>, String> {
        Ok(Box::new(QualityScheme::new(
            ctx.pool,
            &parse_params(params)?,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_median_follows_stake() {
        let mut obs = vec![(0.2, 1.0), (0.9, 5.0), (0.5, 1.0)];
        assert_eq!(weighted_median(&mut obs), 0.9);
        let mut equal = vec![(0.3, 1.0), (0.1, 1.0), (0.7, 1.0)];
        assert_eq!(weighted_median(&mut equal), 0.3);
        let mut none: Vec<(f64, f64)> = Vec::new();
        assert_eq!(weighted_median(&mut none), 1.0);
        let mut zero = vec![(0.4, 0.0), (0.6, 0.0)];
        assert_eq!(weighted_median(&mut zero), 0.4);
    }
}
