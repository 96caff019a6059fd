//! `reputation`: owns the reputation model every provider carries (beta
//! reputation with exponential forgetting, or an exponential moving
//! average), the per-agent `ReputationBook` the engine keeps for compute
//! and data providers (fed once per epoch by validated outcomes, cut or
//! reset when a provider is caught cheating), and the scheme that pays
//! verified work × reputation^γ.
//!
//! The book is kept whatever a pool's scheme is, so that `reputation_weighted`
//! task allocation and the `reputation` column of `agents.csv` exist under
//! every scheme; its parameters come from the pool's `reputation` table.

use serde::{Deserialize, Serialize};

use super::{
    params_table, parse_params, pro_rata_f64, ParamDoc, ParamError, PoolKind, RewardContext,
    RewardScheme, SchemeBuild, SchemeCheck, SchemeFactory, SchemeInfo, SchemeInputs, SchemeParams,
};
use crate::rng::SimRng;
use crate::values::{Fraction, NonNegative, Positive, Probability};

/// How outcomes become a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReputationModel {
    /// Beta reputation with forgetting: score = (r + w·p) / (r + s + w).
    #[default]
    Beta,
    /// Exponential moving average of each epoch's success rate.
    Ema,
}

/// What happens to the reputation of a provider caught cheating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnSlash {
    /// Its record is wiped: it starts over from the prior with the epoch's
    /// failures as its only evidence (never raising a lower score).
    #[default]
    Reset,
    /// Its score is multiplied by (1 − cut).
    Cut,
}

/// `[reward.<pool>.reputation]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReputationParams {
    pub model: ReputationModel,
    /// Beta: r and s are multiplied by λ each epoch before the epoch's
    /// outcomes are added (1 = never forget).
    pub lambda: Fraction,
    /// EMA: weight α of the epoch's success rate.
    pub alpha: Fraction,
    /// Exponent γ of reputation in the payout weight.
    pub gamma: NonNegative,
    /// Score of a newcomer (no evidence yet).
    pub prior: Probability,
    /// Beta: weight w of the prior, in outcomes (2 with prior 0.5 gives
    /// the classic (r + 1) / (r + s + 2)).
    pub prior_weight: Positive,
    pub on_slash: OnSlash,
    /// Fraction of the score removed when `on_slash = "cut"`.
    pub cut: Probability,
}

impl Default for ReputationParams {
    fn default() -> Self {
        Self {
            model: ReputationModel::Beta,
            lambda: Fraction(0.98),
            alpha: Fraction(0.1),
            gamma: NonNegative(1.0),
            prior: Probability(0.5),
            prior_weight: Positive(2.0),
            on_slash: OnSlash::Reset,
            cut: Probability(0.5),
        }
    }
}

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    name: "reputation",
    pools: &[PoolKind::Compute, PoolKind::Data],
    joint: &[],
    summary: "pay verified work x reputation^gamma; reputation fed by validated outcomes, cut or reset on slashing",
    formula: "payout_i ∝ w_i * rep_i^gamma; beta: r <- lambda*r + successes, s <- lambda*s + failures, \
              rep = (r + prior_weight*prior) / (r + s + prior_weight); \
              ema: rep <- (1 - alpha)*rep + alpha*successes/(successes + failures)",
    source: "Jøsang & Ismail, \"The Beta Reputation System\" (Bled eConference 2002), with forgetting \
             as in Acurast (acurast-substrate, pallets/marketplace/reputation)",
    params: &[
        ParamDoc { key: "model", doc: "\"beta\" (beta reputation with forgetting) or \"ema\" (moving average)" },
        ParamDoc { key: "lambda", doc: "beta: forgetting factor in (0, 1] applied to r and s each epoch" },
        ParamDoc { key: "alpha", doc: "ema: weight in (0, 1] of the epoch's success rate" },
        ParamDoc { key: "gamma", doc: "exponent of reputation in the payout weight (0 = proportional)" },
        ParamDoc { key: "prior", doc: "newcomers' score in [0, 1]" },
        ParamDoc { key: "prior_weight", doc: "beta: weight of the prior, in outcomes" },
        ParamDoc { key: "on_slash", doc: "\"reset\" (start over from the prior) or \"cut\" (score x (1 - cut)) when caught cheating" },
        ParamDoc { key: "cut", doc: "fraction of the score removed when on_slash = \"cut\"" },
    ],
    defaults: || params_table(&ReputationParams::default()),
};

/// Per-agent reputations under one model, indexed by agent id. Agents not
/// yet updated have the prior.
#[derive(Debug, Clone)]
pub struct ReputationBook {
    model: ReputationModel,
    lambda: f64,
    alpha: f64,
    prior: f64,
    prior_weight: f64,
    on_slash: OnSlash,
    cut: f64,
    /// Beta evidence (unused by the EMA model).
    r: Vec<f64>,
    s: Vec<f64>,
    score: Vec<f64>,
}

/// Evidence that stands for "zero" when a score is cut to nothing.
const HUGE_EVIDENCE: f64 = 1e300;

impl ReputationBook {
    pub fn new(params: &ReputationParams) -> Self {
        Self {
            model: params.model,
            lambda: params.lambda.0,
            alpha: params.alpha.0,
            prior: params.prior.0,
            prior_weight: params.prior_weight.0,
            on_slash: params.on_slash,
            cut: params.cut.0,
            r: Vec::new(),
            s: Vec::new(),
            score: Vec::new(),
        }
    }

    /// Newcomers' score.
    pub fn prior(&self) -> f64 {
        self.prior
    }

    /// The score of `agent`, in [0, 1].
    #[inline]
    pub fn score(&self, agent: u32) -> f64 {
        self.score
            .get(agent as usize)
            .copied()
            .unwrap_or(self.prior)
    }

    /// Makes room for agents `0..n` (new entries at the prior).
    pub fn ensure(&mut self, n: usize) {
        if self.score.len() < n {
            self.r.resize(n, 0.0);
            self.s.resize(n, 0.0);
            self.score.resize(n, self.prior);
        }
    }

    fn beta_score(&self, r: f64, s: f64) -> f64 {
        let w = self.prior_weight;
        ((r + w * self.prior) / (r + s + w)).clamp(0.0, 1.0)
    }

    /// Folds one epoch's validated outcomes of `agent` into its reputation;
    /// `slashed` when it was caught cheating this epoch.
    #[inline]
    pub fn update(&mut self, agent: u32, successes: u64, failures: u64, slashed: bool) {
        let a = agent as usize;
        if a >= self.score.len() {
            self.ensure(a + 1);
        }
        let (ok, bad) = (successes as f64, failures as f64);
        match self.model {
            ReputationModel::Beta => {
                let mut r = self.lambda * self.r[a] + ok;
                let mut s = self.lambda * self.s[a] + bad;
                if slashed {
                    let score = self.beta_score(r, s);
                    match self.on_slash {
                        OnSlash::Reset => {
                            if self.beta_score(0.0, bad) < score {
                                (r, s) = (0.0, bad);
                            }
                        }
                        OnSlash::Cut => (r, s) = self.cut_evidence(r, s, score),
                    }
                }
                self.r[a] = r;
                self.s[a] = s;
                self.score[a] = self.beta_score(r, s);
            }
            ReputationModel::Ema => {
                let mut rep = self.score[a];
                let outcomes = ok + bad;
                if outcomes > 0.0 {
                    rep = (1.0 - self.alpha) * rep + self.alpha * ok / outcomes;
                }
                if slashed {
                    rep = match self.on_slash {
                        OnSlash::Reset => {
                            let fresh = if outcomes > 0.0 {
                                (1.0 - self.alpha) * self.prior + self.alpha * ok / outcomes
                            } else {
                                self.prior
                            };
                            rep.min(fresh)
                        }
                        OnSlash::Cut => rep * (1.0 - self.cut),
                    };
                }
                self.score[a] = rep.clamp(0.0, 1.0);
            }
        }
    }

    /// Beta evidence (r', s') whose score is exactly (1 − cut) · `score`,
    /// keeping the total evidence where possible: r' = t (n + w) − w p and
    /// s' = n − r' when that r' is not negative, else r' = 0 and s' grows
    /// until (w p) / (s' + w) = t.
    fn cut_evidence(&self, r: f64, s: f64, score: f64) -> (f64, f64) {
        let w = self.prior_weight;
        let wp = w * self.prior;
        let n = r + s;
        let target = (1.0 - self.cut) * score;
        let r_new = target * (n + w) - wp;
        if r_new > 0.0 {
            (r_new, (n - r_new).max(0.0))
        } else if wp == 0.0 {
            (0.0, n)
        } else if target > 0.0 {
            (0.0, (wp / target - w).max(n))
        } else {
            (0.0, HUGE_EVIDENCE)
        }
    }
}

/// Pay verified work × reputation^γ:
/// payout_i = ⌊budget · w_i ρ_i^γ / Σ_j w_j ρ_j^γ⌋ (in 52-bit fixed point),
/// where ρ_i is the provider's reputation after this epoch's outcomes.
///
/// Beta model (Jøsang & Ismail, "The Beta Reputation System", 2002; with
/// forgetting as in Acurast's `pallets/marketplace/reputation`): each epoch
/// r ← λ r + successes, s ← λ s + failures, ρ = (r + w p) / (r + s + w),
/// which with prior p = 1/2 and w = 2 is the classic (r + 1) / (r + s + 2).
/// EMA model: ρ ← (1 − α) ρ + α · successes / (successes + failures).
/// Successes are checks passed (compute) or datasets accepted (data);
/// failures are results caught wrong or datasets rejected. A provider
/// caught cheating is slashed by the engine (`[validation]`) and its
/// reputation reset to the prior's evidence or cut by (1 − cut).
#[derive(Debug, Clone)]
pub struct ReputationScheme {
    gamma: f64,
    weights: Vec<f64>,
    scratch: Vec<u64>,
}

impl ReputationScheme {
    pub fn new(params: &ReputationParams) -> Self {
        Self {
            gamma: params.gamma.0,
            weights: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

impl RewardScheme for ReputationScheme {
    fn name(&self) -> &'static str {
        "reputation"
    }

    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        _rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String> {
        self.weights.clear();
        self.weights.extend(
            ctx.work
                .iter()
                .zip(ctx.reputation)
                .map(|(&w, &rep)| w as f64 * rep.clamp(0.0, 1.0).powf(self.gamma)),
        );
        pro_rata_f64(&self.weights, budget, payouts, &mut self.scratch);
        Ok(())
    }
}

/// Registry entry: reads reputation under the model of its table.
#[derive(Debug, Clone, Copy, Default)]
pub struct Factory;

impl SchemeFactory for Factory {
    fn info(&self) -> &SchemeInfo {
        &INFO
    }

    fn inputs(&self, params: Option<&toml::Value>) -> SchemeInputs {
        SchemeInputs {
            reputation: Some(parse_params(params).unwrap_or_default()),
            usage: false,
        }
    }

    fn check(&self, params: &SchemeParams<'_>, _ctx: &SchemeCheck<'_>) -> Result<(), ParamError> {
        params.parse::<ReputationParams>().map(|_| ())
    }

    fn build(
        &self,
        params: Option<&toml::Value>,
        _ctx: &SchemeBuild<'_>,
    ) -> Result<Box<dyn RewardScheme>, String> {
        Ok(Box::new(ReputationScheme::new(&parse_params(params)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn book(model: ReputationModel, on_slash: OnSlash, prior: f64, cut: f64) -> ReputationBook {
        ReputationBook::new(&ReputationParams {
            model,
            on_slash,
            prior: Probability(prior),
            cut: Probability(cut),
            ..ReputationParams::default()
        })
    }

    #[test]
    fn beta_matches_the_classic_formula_and_forgets() {
        let mut b = book(ReputationModel::Beta, OnSlash::Reset, 0.5, 0.5);
        assert_eq!(b.score(3), 0.5);
        b.update(3, 8, 0, false);
        assert!((b.score(3) - 9.0 / 10.0).abs() < 1e-12);
        // One epoch later: r = 0.98 · 8, s = 0 + 2.
        b.update(3, 0, 2, false);
        let r = 0.98 * 8.0;
        assert!((b.score(3) - (r + 1.0) / (r + 2.0 + 2.0)).abs() < 1e-12);
    }

    #[test]
    fn slashing_cuts_exactly_or_resets_without_raising() {
        let mut b = book(ReputationModel::Beta, OnSlash::Cut, 0.5, 0.5);
        b.update(0, 20, 0, false);
        let before = {
            let mut c = b.clone();
            c.update(0, 5, 1, false);
            c.score(0)
        };
        b.update(0, 5, 1, true);
        assert!((b.score(0) - 0.5 * before).abs() < 1e-12);

        let mut reset = book(ReputationModel::Beta, OnSlash::Reset, 0.5, 0.5);
        reset.update(1, 50, 0, false);
        reset.update(1, 0, 1, true);
        assert!((reset.score(1) - 1.0 / 3.0).abs() < 1e-12);
        // A score already below the reset value is not raised.
        reset.update(2, 0, 40, false);
        let low = reset.score(2);
        reset.update(2, 0, 1, true);
        assert!(reset.score(2) <= low);

        let mut ema = book(ReputationModel::Ema, OnSlash::Cut, 0.5, 0.5);
        ema.update(0, 1, 0, false);
        assert!((ema.score(0) - 0.55).abs() < 1e-12);
        ema.update(0, 0, 0, true);
        assert!((ema.score(0) - 0.275).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn a_reputation_never_leaves_the_unit_interval(
            ema in any::<bool>(),
            cut_mode in any::<bool>(),
            prior in 0.0f64..=1.0,
            cut in 0.0f64..=1.0,
            steps in proptest::collection::vec((0u64..1000, 0u64..1000, any::<bool>()), 1..60),
        ) {
            let model = if ema { ReputationModel::Ema } else { ReputationModel::Beta };
            let on_slash = if cut_mode { OnSlash::Cut } else { OnSlash::Reset };
            let mut b = book(model, on_slash, prior, cut);
            for (ok, bad, slashed) in steps {
                let before = b.score(0);
                b.update(0, ok, bad, slashed);
                let after = b.score(0);
                prop_assert!((0.0..=1.0).contains(&after), "{after}");
                if slashed && cut_mode && !ema && ok == 0 && bad == 0 {
                    // A cut with no new evidence lowers the (decayed) score.
                    prop_assert!(after <= before.max(prior) + 1e-12);
                }
            }
        }
    }
}
