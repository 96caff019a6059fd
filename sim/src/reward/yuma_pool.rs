//! `yuma` (compute and validation pools together): the in-simulation
//! adapter of Bittensor's Yuma consensus. Owns how validators set weights
//! on compute providers (a noisy observation of their quality; a cartel's
//! validators overweight their own providers), dropping the bonds of
//! providers that have left (they never get a weight again), and how the
//! epoch's incentive and dividends become payouts of the two pools; the
//! consensus mathematics (one epoch with bonds state) is `reward::yuma`'s.

use serde::{Deserialize, Serialize};

use super::yuma::{YumaOutput, YumaParams};
use super::yuma_dense::{epoch_dense, DenseWeights, DenseYumaState};
use super::{
    params_table, parse_params, pro_rata_f64, ParamDoc, ParamError, PoolKind, RewardContext,
    RewardScheme, SchemeBuild, SchemeCheck, SchemeFactory, SchemeInfo, SchemeParams,
};
use crate::agents::Role;
use crate::ledger::Account;
use crate::normal_draws::NormalDraws;
use crate::rng::SimRng;
use crate::values::{Fraction, NonNegative, Positive, Probability};

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
pub struct YumaSchemeParams {
    /// Consensus quantile κ.
    pub kappa: Fraction,
    /// Weight α of the new epoch in the bonds' moving average.
    pub alpha: Fraction,
    /// Bonds penalty β: bonds follow W + β (W̄ − W).
    pub bonds_penalty: Probability,
    /// Validator v observes a provider's quality with sd noise · (1 − accuracy_v).
    pub noise: NonNegative,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cartel: Option<CartelParams>,
}

impl Default for YumaSchemeParams {
    fn default() -> Self {
        Self {
            kappa: Fraction(0.5),
            alpha: Fraction(0.1),
            bonds_penalty: Probability(1.0),
            noise: NonNegative(0.5),
            cartel: None,
        }
    }
}

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    name: "yuma",
    pools: &[PoolKind::Compute, PoolKind::Validation],
    joint: &[PoolKind::Compute, PoolKind::Validation],
    summary: "Bittensor's stake-weighted consensus: validators weight providers by observed quality x work; \
              providers paid by incentive, validators by bond dividends \
              (name it on both [reward.compute] and [reward.validation]; the split is their shares)",
    formula: "C_j = stake-weighted kappa-quantile of W_.j; R_j = sum_i S_i min(W_ij, C_j); I = R / sum R; \
              B <- colnorm(alpha colnorm(S o W̄) + (1 - alpha) B); D = normalise(B I)",
    source: "opentensor/subtensor, pallets/subtensor/src/epoch/run_epoch.rs and epoch/math.rs (original Yuma)",
    params: &[
        ParamDoc { key: "kappa", doc: "consensus quantile in (0, 1]: the stake that must support a weight" },
        ParamDoc { key: "alpha", doc: "weight in (0, 1] of the new epoch in the bonds' moving average" },
        ParamDoc { key: "bonds_penalty", doc: "beta in [0, 1]: bonds follow W + beta (clipped W - W)" },
        ParamDoc { key: "noise", doc: "a validator's observation sd of a provider's quality is noise x (1 - its accuracy)" },
        ParamDoc { key: "cartel", doc: "optional { validators, providers, boost }: a validator population overweighting its own providers" },
    ],
    defaults: || params_table(&YumaSchemeParams::default()),
};

/// Yuma consensus (Bittensor, `opentensor/subtensor`,
/// `pallets/subtensor/src/epoch/run_epoch.rs`, original Yuma) paying the
/// compute and validation pools together. Each epoch, validator i (stake
/// S_i) sets raw weight W_ij = w_j · clamp(q_j + ε_ij, 0, 1) on compute
/// provider j, where w_j is j's verified work this epoch, q_j its honesty
/// and ε_ij ~ N(0, (noise · (1 − accuracy_i))²), multiplied by `boost` when
/// i is a cartel validator and j one of its providers. Then (in
/// `reward::yuma`): consensus C_j = stake-weighted κ-quantile of column j;
/// ranks R_j = Σ_i S_i min(W_ij, C_j); incentive I = R / Σ R; bonds
/// B ← colnorm(α ΔB + (1 − α) B) with ΔB = colnorm(S ∘ W̄); dividends
/// D = normalise(B I). Providers are paid the compute pool's budget ∝ I,
/// validators the validation pool's ∝ D (∝ stake while every dividend is
/// zero); so the provider/validator split is the two pools' shares, and
/// equal shares give Bittensor's 50/50. Validators and providers are
/// indexed by their rows, so bonds follow an agent across epochs; rows of
/// agents that left keep no stake and get no weight.
#[derive(Debug, Clone)]
pub struct YumaPool {
    params: YumaParams,
    noise: f64,
    /// Cartel: (validator population, provider population, boost).
    cartel: Option<(u16, u16, f64)>,
    /// Share of the joint budget paid to providers (the rest to validators).
    provider_fraction: f64,
    state: DenseYumaState,
    /// (validator rows, provider rows) of the bonds.
    shape: (usize, usize),
    out: YumaOutput,
    stakes: Vec<f64>,
    /// This epoch's weights, rebuilt in place: one row per validator over
    /// the providers with work (a dense block).
    weights: DenseWeights,
    /// Active providers with verified work: (row, work, honesty, population),
    /// in member order (the order of the noise draws).
    providers: Vec<(usize, f64, f64, u16)>,
    /// Positions in `providers` by ascending row (the order of a weight row).
    by_row: Vec<u32>,
    /// `providers`' rows in `by_row` order, and whether that is their own.
    rows: Vec<u32>,
    in_row_order: bool,
    /// One validator's weights on `providers`, in their order (when that
    /// is not the row order).
    row: Vec<f64>,
    /// Per provider in member order: work, honesty, the cartel's boost;
    /// and one validator's standard normal draws.
    work: Vec<f64>,
    honesty: Vec<f64>,
    cartel_boost: Vec<f64>,
    noise_draws: Vec<f64>,
    /// Draws the noise exactly as `StandardNormal` would, faster.
    normal: NormalDraws,
    /// Provider rows whose agent has left (they never get a weight again)
    /// and, of those, the ones whose bonds are still to be dropped.
    retired: Vec<bool>,
    to_drop: Vec<usize>,
    provider_weights: Vec<f64>,
    validator_weights: Vec<f64>,
    part: Vec<u64>,
    scratch: Vec<u64>,
}

impl YumaPool {
    /// `provider_fraction`: compute share / (compute share + validation
    /// share); `population_names` resolve the cartel's populations.
    pub fn new(
        params: &YumaSchemeParams,
        provider_fraction: f64,
        population_names: &[String],
    ) -> Self {
        let index_of = |name: &str| {
            population_names
                .iter()
                .position(|n| n == name)
                .and_then(|i| u16::try_from(i).ok())
        };
        Self {
            params: YumaParams {
                kappa: params.kappa.0,
                bond_alpha: params.alpha.0,
                bonds_penalty: params.bonds_penalty.0,
            },
            noise: params.noise.0,
            cartel: params
                .cartel
                .as_ref()
                .and_then(|c| Some((index_of(&c.validators)?, index_of(&c.providers)?, c.boost.0))),
            provider_fraction: provider_fraction.clamp(0.0, 1.0),
            state: DenseYumaState::default(),
            shape: (0, 0),
            out: YumaOutput::default(),
            stakes: Vec::new(),
            weights: DenseWeights::default(),
            providers: Vec::new(),
            by_row: Vec::new(),
            rows: Vec::new(),
            in_row_order: true,
            row: Vec::new(),
            work: Vec::new(),
            honesty: Vec::new(),
            cartel_boost: Vec::new(),
            noise_draws: Vec::new(),
            normal: NormalDraws::new(),
            retired: Vec::new(),
            to_drop: Vec::new(),
            provider_weights: Vec::new(),
            validator_weights: Vec::new(),
            part: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The bonds after the last epoch (validator row × provider row).
    pub fn state(&self) -> &DenseYumaState {
        &self.state
    }

    /// Every active validator's weights on the active providers with work,
    /// written row by row into `self.weights` (O(weights), no sort of the
    /// weights: the providers are put in row order once per epoch). The
    /// noise is drawn validator by validator, providers in member order,
    /// into a buffer of its own (a tight loop that keeps the generator in
    /// registers); the weights are then formed in one pass.
    fn set_weights(
        &mut self,
        ctx: &RewardContext<'_>,
        rng: &mut SimRng,
        n_providers: usize,
    ) -> Result<(), String> {
        self.providers.clear();
        for (i, &agent) in ctx.members.iter().enumerate() {
            let a = agent as usize;
            if ctx.agents.role[a] == Role::ComputeProvider && ctx.work[i] > 0 {
                let row = ctx.agents.role_index[a] as usize;
                let honesty = ctx.compute.honesty.get(row).copied().unwrap_or(1.0);
                self.providers
                    .push((row, ctx.work[i] as f64, honesty, ctx.agents.population[a]));
            }
        }
        self.by_row.clear();
        self.by_row.extend(0..self.providers.len() as u32);
        self.in_row_order = self.providers.windows(2).all(|p| p[0].0 < p[1].0);
        if !self.in_row_order {
            let providers = &self.providers;
            self.by_row.sort_by_key(|&k| providers[k as usize].0);
        }
        self.rows.clear();
        for &k in &self.by_row {
            let row = self.providers[k as usize].0;
            self.rows
                .push(u32::try_from(row).map_err(|e| e.to_string())?);
        }
        // Per provider in member order: work, honesty, and the cartel's
        // boost on it (1 off the cartel's providers).
        self.work.clear();
        self.honesty.clear();
        self.cartel_boost.clear();
        for &(_, work, honesty, population) in &self.providers {
            self.work.push(work);
            self.honesty.push(honesty);
            self.cartel_boost.push(match self.cartel {
                Some((_, ppop, boost)) if ppop == population => boost,
                _ => 1.0,
            });
        }
        self.weights
            .clear(n_providers, &self.rows)
            .map_err(|e| e.to_string())?;
        self.stakes.clear();
        let k = self.providers.len();
        grow(&mut self.noise_draws, k);
        grow(&mut self.row, k);
        for (v, &agent) in ctx.validators.agent.iter().enumerate() {
            let a = agent as usize;
            if !ctx.agents.is_active(agent) {
                self.stakes.push(0.0);
                self.weights.push_empty_row();
                continue;
            }
            self.stakes
                .push(ctx.ledger.get(Account::Stake(agent)) as f64);
            let sd = self.noise * (1.0 - ctx.validators.accuracy.get(v).copied().unwrap_or(1.0));
            let in_cartel = self
                .cartel
                .is_some_and(|(vpop, _, _)| ctx.agents.population[a] == vpop);
            let z = &mut self.noise_draws[..k];
            if sd > 0.0 {
                self.normal.fill(rng, z);
            }
            let noise = (sd > 0.0).then_some((&self.noise_draws[..k], sd));
            let boost = in_cartel.then_some(&self.cartel_boost[..k]);
            let (work, honesty) = (&self.work[..k], &self.honesty[..k]);
            let (row, by_row) = (&mut self.row[..k], &self.by_row[..]);
            // In row order the weights are formed in the block's row itself.
            self.weights
                .push_row_with(|out| {
                    if self.in_row_order {
                        form_weights(out, work, honesty, noise, boost);
                    } else {
                        form_weights(row, work, honesty, noise, boost);
                        for (o, &m) in out.iter_mut().zip(by_row) {
                            *o = row[m as usize];
                        }
                    }
                })
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Drops the bonds of providers that have left, a batch at a time (a
    /// left agent never comes back, so its column only costs time; when it
    /// is dropped changes no output).
    fn retire_providers(&mut self, ctx: &RewardContext<'_>, n_validators: usize) {
        let agents = &ctx.compute.agent;
        self.retired.resize(agents.len(), false);
        for (row, (&agent, retired)) in agents.iter().zip(&mut self.retired).enumerate() {
            if !*retired && !ctx.agents.is_active(agent) {
                *retired = true;
                self.to_drop.push(row);
            }
        }
        // A pass over the bonds for every ~1/32 of them that can go.
        if !self.to_drop.is_empty()
            && self.to_drop.len() * n_validators * 32 >= self.state.bond_cells()
        {
            self.state.drop_providers(&self.to_drop);
            self.to_drop.clear();
        }
    }
}

impl RewardScheme for YumaPool {
    fn name(&self) -> &'static str {
        "yuma"
    }

    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String> {
        let n_validators = ctx.validators.agent.len();
        let n_providers = ctx.compute.agent.len();
        if n_validators == 0 || n_providers == 0 {
            return Ok(());
        }
        self.set_weights(ctx, rng, n_providers)?;
        if self.shape != (n_validators, n_providers) {
            self.state.resize(n_validators, n_providers);
            self.shape = (n_validators, n_providers);
        }
        self.retire_providers(ctx, n_validators);
        epoch_dense(
            &mut self.state,
            &self.stakes,
            &self.weights,
            self.params,
            &mut self.out,
        )
        .map_err(|e| e.to_string())?;

        let provider_budget = (budget as f64 * self.provider_fraction).floor() as u64;
        let provider_budget = provider_budget.min(budget);
        let validator_budget = budget - provider_budget;
        let dividends_paid = self.out.dividends.iter().any(|&d| d > 0.0);
        self.provider_weights.clear();
        self.validator_weights.clear();
        for &agent in ctx.members {
            let a = agent as usize;
            let row = ctx.agents.role_index[a] as usize;
            let (p, v) = match ctx.agents.role[a] {
                Role::ComputeProvider => (self.out.incentive.get(row).copied().unwrap_or(0.0), 0.0),
                Role::Validator if dividends_paid => {
                    (0.0, self.out.dividends.get(row).copied().unwrap_or(0.0))
                }
                Role::Validator => (0.0, self.stakes.get(row).copied().unwrap_or(0.0)),
                _ => (0.0, 0.0),
            };
            self.provider_weights.push(p);
            self.validator_weights.push(v);
        }
        self.part.clear();
        self.part.resize(payouts.len(), 0);
        pro_rata_f64(
            &self.provider_weights,
            provider_budget,
            &mut self.part,
            &mut self.scratch,
        );
        payouts.copy_from_slice(&self.part);
        pro_rata_f64(
            &self.validator_weights,
            validator_budget,
            &mut self.part,
            &mut self.scratch,
        );
        for (out, &extra) in payouts.iter_mut().zip(&self.part) {
            *out += extra;
        }
        Ok(())
    }
}

/// One validator's raw weights `w_j = work_j · clamp(q_j + sd · z_j, 0, 1)
/// · boost_j` (no noise term when `noise` is `None`, boost 1 off a
/// cartel), 0 where that is not finite; plain slices, so that the loop
/// vectorises.
fn form_weights(
    row: &mut [f64],
    work: &[f64],
    honesty: &[f64],
    noise: Option<(&[f64], f64)>,
    boost: Option<&[f64]>,
) {
    // One pass a case, each the same formula, so that every loop
    // vectorises.
    match (noise, boost) {
        (Some((z, sd)), Some(boost)) => {
            let inputs = work.iter().zip(honesty).zip(z).zip(boost);
            for (w, (((&work, &q), &z), &b)) in row.iter_mut().zip(inputs) {
                *w = weight(work, q + sd * z, b);
            }
        }
        (Some((z, sd)), None) => {
            let inputs = work.iter().zip(honesty).zip(z);
            for (w, ((&work, &q), &z)) in row.iter_mut().zip(inputs) {
                *w = weight(work, q + sd * z, 1.0);
            }
        }
        (None, Some(boost)) => {
            let inputs = work.iter().zip(honesty).zip(boost);
            for (w, ((&work, &q), &b)) in row.iter_mut().zip(inputs) {
                *w = weight(work, q, b);
            }
        }
        (None, None) => {
            for (w, (&work, &q)) in row.iter_mut().zip(work.iter().zip(honesty)) {
                *w = weight(work, q, 1.0);
            }
        }
    }
}

/// One weight: `work · clamp(seen, 0, 1) · boost`, 0 where that is not
/// finite (by an `f64` comparison, which vectorises).
#[inline(always)]
fn weight(work: f64, seen: f64, boost: f64) -> f64 {
    let w = work * seen.clamp(0.0, 1.0) * boost;
    if w.abs() < f64::INFINITY {
        w
    } else {
        0.0
    }
}

/// Makes `v` at least `n` long.
fn grow(v: &mut Vec<f64>, n: usize) {
    if v.len() < n {
        v.resize(n, 0.0);
    }
}

/// Registry entry: one consensus pays the compute and validation pools
/// together, split by their shares.
#[derive(Debug, Clone, Copy, Default)]
pub struct Factory;

impl SchemeFactory for Factory {
    fn info(&self) -> &SchemeInfo {
        &INFO
    }

    fn check(&self, params: &SchemeParams<'_>, ctx: &SchemeCheck<'_>) -> Result<(), ParamError> {
        let params: YumaSchemeParams = params.parse()?;
        if let Some(cartel) = &params.cartel {
            ctx.population(
                &cartel.validators,
                Role::Validator,
                "yuma.cartel.validators",
            )?;
            ctx.population(
                &cartel.providers,
                Role::ComputeProvider,
                "yuma.cartel.providers",
            )?;
        }
        Ok(())
    }

    fn build(
        &self,
        params: Option<&toml::Value>,
        ctx: &SchemeBuild<'_>,
    ) -> Result<Box<dyn RewardScheme>, String> {
        let share = |pool: PoolKind| {
            ctx.shares
                .iter()
                .filter(|(p, _)| *p == pool)
                .map(|(_, s)| s)
                .sum::<f64>()
        };
        let total = share(PoolKind::Compute) + share(PoolKind::Validation);
        let providers = if total > 0.0 {
            share(PoolKind::Compute) / total
        } else {
            0.5
        };
        Ok(Box::new(YumaPool::new(
            &parse_params(params)?,
            providers,
            ctx.population_names,
        )))
    }
}
