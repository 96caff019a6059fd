//! `formula`: pays each member pro rata to a weight the scenario writes as
//! an expression over what the reward context offers per member, e.g.
//! `weight = "work * reputation ^ 2"` or `weight = "sqrt(stake)"`. Owns the
//! scheme's parameters, its scenario check (the expression is parsed there,
//! so a mistake is reported at its line and column) and the per-epoch
//! split; the expression language itself is in `formula/expr.rs`.
//!
//! The weights are `f64`. When every weight of an epoch is a whole number
//! at most 2^53 they are used as integers, so that the split is exactly the
//! one `pro_rata` makes (`weight = "work"` pays what `proportional` pays,
//! to the base unit; an expression that is a count alone — `work`,
//! `failures`, `usage` — is paid from the counts themselves, with no
//! conversion at all); otherwise they go through `pro_rata_f64` (52-bit
//! fixed point relative to the largest weight), as `reputation` and
//! `quality` do. All weights zero pays nothing: the budget stays in the
//! rewards pool. A negative or non-finite weight fails the run, naming the
//! agent, the epoch and the pool.

pub mod expr;

use serde::{Deserialize, Serialize};

pub use expr::{ExprError, Program, Var};

use super::{
    params_table, parse_params, pro_rata, pro_rata_f64, ParamDoc, ParamError, PoolKind,
    ReputationParams, RewardContext, RewardScheme, SchemeBuild, SchemeCheck, SchemeFactory,
    SchemeInfo, SchemeInputs, SchemeParams,
};
use crate::rng::SimRng;

/// `[reward.<pool>.formula]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FormulaParams {
    /// Each member's weight, an expression (see `formula::expr`).
    pub weight: String,
}

impl Default for FormulaParams {
    fn default() -> Self {
        Self {
            weight: "work".into(),
        }
    }
}

/// Registry entry.
pub const INFO: SchemeInfo = SchemeInfo {
    name: "formula",
    pools: &[PoolKind::Compute, PoolKind::Data, PoolKind::Validation],
    joint: &[],
    summary: "pay pro rata to a weight written as an expression over each member's work, failures, stake, reputation, usage and the epoch",
    formula: "payout_i = floor(budget * f_i / sum_j f_j), f_i = the `weight` expression for member i \
              (whole weights below 2^53 split exactly as proportional does, others in 52-bit fixed point); \
              names: work, failures, stake (tokens), reputation (in [0, 1]; default reputation model), \
              usage (data pool), epoch; operators + - * / ^ < <= > >= == != (1 or 0); \
              functions sqrt ln exp min max abs if(cond, a, b); -2 ^ 2 = -4",
    source: "a user-defined rule; e.g. weight = \"sqrt(stake)\" is the square-root stake weighting of \
             Motepalli & Jacobsen, \"Decentralization in PoS Blockchain Consensus: Quantification and \
             Advancement\" (arXiv 2312.13938)",
    params: &[ParamDoc {
        key: "weight",
        doc: "expression giving each member's weight (finite, >= 0); reading `reputation` keeps a reputation \
              book under the default model, reading `usage` makes tasks draw datasets",
    }],
    defaults: || params_table(&FormulaParams::default()),
};

/// `weight` with its place in the scenario file (when the loader has the
/// file's text; without it, as from `--set`, the span is absent).
#[derive(Debug, Default, Deserialize)]
struct Located {
    #[serde(default)]
    weight: Option<toml::Spanned<String>>,
}

/// Where in the file byte `offset` of the expression is, given the span
/// of the string literal holding it: inside the literal when it is written
/// without escapes (`"..."`, `'...'`, or triple quotes on one line),
/// else at the literal's start.
fn file_offset(literal: std::ops::Range<usize>, expression: &str, offset: usize) -> usize {
    let quotes = match literal.len().checked_sub(expression.len()) {
        Some(2) => 1,
        Some(6) => 3,
        _ => return literal.start,
    };
    literal.start + quotes + offset.min(expression.len())
}

/// The message for an expression error (the same with and without a file).
fn describe(expression: &str, e: &ExprError) -> String {
    format!(
        "weight = {expression:?}: column {} of the expression: {}",
        e.column(expression),
        e.message
    )
}

/// Pay pro rata to a user-written weight. See the module documentation
/// for how weights become integer payouts.
#[derive(Debug, Clone)]
pub struct FormulaScheme {
    pool: PoolKind,
    text: String,
    program: Program,
    /// Base units per token, to give `stake` in tokens.
    unit: f64,
    weights: Vec<f64>,
    whole: Vec<u64>,
    scratch: Vec<u64>,
    stack: Vec<f64>,
}

/// Weights at most this are used as integers when they are whole.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0; // 2^53

impl FormulaScheme {
    /// Compiles `expression` for a pool of a token with `decimals`.
    pub fn new(pool: PoolKind, expression: &str, decimals: u32) -> Result<Self, ExprError> {
        let program = Program::compile(expression)?;
        let stack = program.stack();
        Ok(Self {
            pool,
            text: expression.to_string(),
            program,
            unit: 10f64.powi(decimals as i32),
            weights: Vec::new(),
            whole: Vec::new(),
            scratch: Vec::new(),
            stack,
        })
    }

    /// The compiled expression.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The member counts the expression is, when it is one of them
    /// alone (`work`, `failures` or `usage`): paid straight from the
    /// context, as `proportional` pays work.
    fn counts<'c>(&self, ctx: &RewardContext<'c>) -> Option<&'c [u64]> {
        match self.program.as_var()? {
            Var::Work => Some(ctx.work),
            Var::Failures => Some(ctx.failures),
            Var::Usage => Some(ctx.usage),
            Var::Stake | Var::Reputation | Var::Epoch => None,
        }
    }

    /// Computes every member's weight into `self.weights` (and, while they
    /// are all whole numbers at most 2^53, into `self.whole`); returns
    /// whether they all are.
    fn weigh(&mut self, ctx: &RewardContext<'_>) -> Result<bool, String> {
        let n = ctx.members.len();
        if [
            ctx.work.len(),
            ctx.failures.len(),
            ctx.stake.len(),
            ctx.reputation.len(),
            ctx.usage.len(),
        ]
        .iter()
        .any(|&len| len != n)
        {
            return Err("the reward context's per-member slices are not aligned".into());
        }
        let p = &self.program;
        let reads = Var::ALL.map(|v| p.reads(v));
        let mut vars = [0.0; Var::COUNT];
        vars[Var::Epoch.index()] = f64::from(ctx.epoch);
        self.weights.clear();
        self.whole.clear();
        let mut whole = true;
        for i in 0..n {
            if reads[Var::Work.index()] {
                vars[Var::Work.index()] = ctx.work[i] as f64;
            }
            if reads[Var::Failures.index()] {
                vars[Var::Failures.index()] = ctx.failures[i] as f64;
            }
            if reads[Var::Stake.index()] {
                vars[Var::Stake.index()] = ctx.stake[i] as f64 / self.unit;
            }
            if reads[Var::Reputation.index()] {
                vars[Var::Reputation.index()] = ctx.reputation[i];
            }
            if reads[Var::Usage.index()] {
                vars[Var::Usage.index()] = ctx.usage[i] as f64;
            }
            let w = p.eval(&vars, &mut self.stack);
            if !(w.is_finite() && w >= 0.0) {
                return Err(format!(
                    "weight = {:?} is {w} for agent {} in epoch {} of the {} pool \
                     (weights must be finite and at least 0)",
                    self.text,
                    ctx.members[i],
                    ctx.epoch,
                    self.pool.as_str()
                ));
            }
            self.weights.push(w);
            if whole {
                // Whole and in [0, 2^53]: the conversion is exact.
                let u = w as u64;
                whole = w <= MAX_EXACT && u as f64 == w;
                self.whole.push(u);
            }
        }
        Ok(whole)
    }
}

impl RewardScheme for FormulaScheme {
    fn name(&self) -> &'static str {
        "formula"
    }

    fn distribute(
        &mut self,
        ctx: &RewardContext<'_>,
        budget: u64,
        _rng: &mut SimRng,
        payouts: &mut [u64],
    ) -> Result<(), String> {
        if let Some(counts) = self.counts(ctx) {
            pro_rata(counts, budget, payouts);
        } else if self.weigh(ctx)? {
            pro_rata(&self.whole, budget, payouts);
        } else {
            pro_rata_f64(&self.weights, budget, payouts, &mut self.scratch);
        }
        Ok(())
    }
}

/// The expression of a parameter table, compiled (None if it does not
/// compile: `check` has reported it).
fn compiled(params: Option<&toml::Value>) -> Option<Program> {
    let p: FormulaParams = parse_params(params).ok()?;
    Program::compile(&p.weight).ok()
}

/// Registry entry: reads reputation and usage only when the expression does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Factory;

impl SchemeFactory for Factory {
    fn info(&self) -> &SchemeInfo {
        &INFO
    }

    fn inputs(&self, params: Option<&toml::Value>) -> SchemeInputs {
        let program = compiled(params);
        let reads = |v: Var| program.as_ref().is_some_and(|p| p.reads(v));
        SchemeInputs {
            reputation: reads(Var::Reputation).then(ReputationParams::default),
            usage: reads(Var::Usage),
        }
    }

    fn check(&self, params: &SchemeParams<'_>, _ctx: &SchemeCheck<'_>) -> Result<(), ParamError> {
        let p: FormulaParams = params.parse()?;
        let Err(e) = Program::compile(&p.weight) else {
            return Ok(());
        };
        let literal = params
            .parse::<Located>()
            .ok()
            .and_then(|l| l.weight)
            .map(|w| w.span());
        Err(ParamError {
            span: literal.map(|l| {
                let at = file_offset(l, &p.weight, e.offset);
                at..at
            }),
            message: describe(&p.weight, &e),
        })
    }

    fn build(
        &self,
        params: Option<&toml::Value>,
        ctx: &SchemeBuild<'_>,
    ) -> Result<Box<dyn RewardScheme>, String> {
        let p: FormulaParams = parse_params(params)?;
        let scheme = FormulaScheme::new(ctx.pool, &p.weight, ctx.decimals)
            .map_err(|e| describe(&p.weight, &e))?;
        Ok(Box::new(scheme))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_land_inside_plain_literals_only() {
        // `weight = "wrk"` with the literal at 9..14.
        assert_eq!(file_offset(9..14, "wrk", 0), 10);
        assert_eq!(file_offset(9..14, "wrk", 2), 12);
        assert_eq!(file_offset(9..18, "wrk", 1), 13); // """wrk"""
        assert_eq!(file_offset(9..20, "wrk", 1), 9); // escapes: the literal's start
    }

    #[test]
    fn inputs_follow_what_the_expression_reads() {
        let table = |w: &str| toml::Value::Table(toml::toml! { weight = w });
        let f = Factory;
        assert_eq!(f.inputs(None), SchemeInputs::default());
        assert_eq!(
            f.inputs(Some(&table("work * stake"))),
            SchemeInputs::default()
        );
        let rep = f.inputs(Some(&table("work * reputation")));
        assert_eq!(rep.reputation, Some(ReputationParams::default()));
        assert!(!rep.usage);
        let usage = f.inputs(Some(&table("usage + 1")));
        assert!(usage.usage && usage.reputation.is_none());
        // Folded away: `if(0, reputation, work)` never reads reputation.
        assert_eq!(
            f.inputs(Some(&table("if(0, reputation, work)"))),
            SchemeInputs::default()
        );
    }
}
