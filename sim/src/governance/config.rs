//! The `[governance]` section of a scenario: what counts as voting power,
//! the voting method, delegation, where proposals come from and what they
//! change, turnout, quorum, voting period and timelock. Serde types that
//! reject unknown keys and check each value where it is read (so errors
//! carry line and column); `check` adds the cross-field rules. The
//! defaults are Compound Governor Bravo's (see docs/model.md).

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::reward::PoolKind;
use crate::values::{NonNegative, Positive, Probability};

/// The whole `[governance]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceConfig {
    /// How voting power becomes votes.
    #[serde(default)]
    pub method: Method,
    /// Which holdings count as voting power (read at each proposal's snapshot).
    #[serde(default)]
    pub power: PowerSources,
    /// Mean proposals per epoch (Poisson arrivals).
    pub proposals_per_epoch: NonNegative,
    /// Who proposes.
    #[serde(default)]
    pub proposer: Proposer,
    /// Voting power a proposer needs, as a share of the supply (Bravo:
    /// 25,000 of 10 M COMP).
    #[serde(default = "default_threshold")]
    pub proposal_threshold: Probability,
    /// `for` tokens a proposal needs, as a share of the supply (Bravo: 4%).
    #[serde(default = "default_quorum")]
    pub quorum: Probability,
    /// Voting period in epochs (Bravo: 3 days).
    #[serde(default = "default_voting_period")]
    pub voting_period: Spanned<Positive>,
    /// Delay between a passed vote and execution, in epochs (Bravo: 2 days).
    #[serde(default = "default_timelock")]
    pub timelock: NonNegative,
    /// Probability of voting of an owner whose power is worth far more than
    /// `apathy` and the cost.
    #[serde(default = "default_turnout_max")]
    pub turnout_max: Probability,
    /// Quote value of voting power at which an owner votes with half of
    /// `turnout_max` when voting is free (rational apathy).
    #[serde(default = "default_apathy")]
    pub apathy: NonNegative,
    /// Cost of casting a vote in quote units (gas); it lowers turnout.
    #[serde(default)]
    pub vote_cost: NonNegative,
    /// Standard deviation of the noise added to a voter's stance.
    #[serde(default = "default_noise")]
    pub stance_noise: NonNegative,
    /// A stance within ±abstain_band of zero abstains.
    #[serde(default = "default_band")]
    pub abstain_band: NonNegative,
    /// Epochs before and after an execution over which rewards are compared.
    #[serde(default = "default_effect_window")]
    pub effect_window: u32,
    /// Pre-vetting: a proposer submits a drawn proposal only when its
    /// off-chain estimate of the share of `for` among the votes it expects
    /// (`voting::expected_support`) is at least this; below it the proposal
    /// is withdrawn before the vote. 0 (the default) submits every one.
    #[serde(default)]
    pub vetting: Probability,
    /// Deference: probability that a voting owner's identities without a
    /// direct stake in the outcome (first-order effect strictly between
    /// −1 and 1) vote with the proposer (`for`) instead of their own
    /// stance. 0 (the default) never defers and draws nothing.
    #[serde(default)]
    pub deference: Probability,
    /// Whether the proposer always votes (`for`) on its own proposal.
    #[serde(default)]
    pub proposer_votes: bool,
    /// The kinds of proposal, drawn by weight.
    #[serde(default)]
    pub kind: Vec<Spanned<KindSpec>>,
    #[serde(default)]
    pub delegation: Option<Delegation>,
    #[serde(default)]
    pub conviction: ConvictionParams,
}

fn default_threshold() -> Probability {
    Probability(0.0025)
}
fn default_quorum() -> Probability {
    Probability(0.04)
}
fn default_voting_period() -> Spanned<Positive> {
    Spanned::new(0..0, Positive(3.0))
}
fn default_timelock() -> NonNegative {
    NonNegative(2.0)
}
fn default_turnout_max() -> Probability {
    Probability(0.9)
}
fn default_apathy() -> NonNegative {
    NonNegative(1000.0)
}
fn default_noise() -> NonNegative {
    NonNegative(0.5)
}
fn default_band() -> NonNegative {
    NonNegative(0.1)
}
fn default_effect_window() -> u32 {
    5
}

/// Voting methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One token, one vote.
    #[default]
    Token,
    /// √ of each identity's tokens.
    Quadratic,
    /// One vote per identity with power > 0.
    OneHolder,
    /// 1Hive conviction voting: `for` power is staked and conviction grows
    /// tick by tick toward a threshold.
    Conviction,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Token => "token",
            Method::Quadratic => "quadratic",
            Method::OneHolder => "one_holder",
            Method::Conviction => "conviction",
        }
    }
}

/// Which holdings count as voting power.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerSources {
    #[serde(default = "yes")]
    pub balance: bool,
    #[serde(default = "yes")]
    pub stake: bool,
    #[serde(default)]
    pub unvested: bool,
}

fn yes() -> bool {
    true
}

impl Default for PowerSources {
    fn default() -> Self {
        Self {
            balance: true,
            stake: true,
            unvested: false,
        }
    }
}

/// Who may propose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proposer {
    /// Investors' identities (the team and investors) above the threshold.
    #[default]
    Team,
    /// Any identity above the threshold.
    Holders,
}

/// What a proposal changes when executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A reward pool's share of the budget (+ `change`).
    PoolShare,
    /// Emission per epoch (× (1 + `change`)).
    Emission,
    /// Burned share of fees (+ `change`).
    BurnShare,
    /// The task fee (× (1 + `change`)).
    Fee,
    /// `amount` tokens from the treasury to a population.
    Grant,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PoolShare => "pool_share",
            Kind::Emission => "emission",
            Kind::BurnShare => "burn_share",
            Kind::Fee => "fee",
            Kind::Grant => "grant",
        }
    }
}

/// Reward pools by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolName {
    Compute,
    Data,
    Validation,
}

impl PoolName {
    pub fn kind(self) -> PoolKind {
        match self {
            PoolName::Compute => PoolKind::Compute,
            PoolName::Data => PoolKind::Data,
            PoolName::Validation => PoolKind::Validation,
        }
    }
}

/// One `[[governance.kind]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    pub kind: Kind,
    /// Relative frequency among the kinds.
    #[serde(default = "one")]
    pub weight: NonNegative,
    /// The pool of a `pool_share` proposal.
    #[serde(default)]
    pub pool: Option<PoolName>,
    /// `pool_share`, `burn_share`: added to the share; `emission`, `fee`:
    /// relative change (0.1 = +10%).
    #[serde(default)]
    pub change: f64,
    /// Tokens of a `grant`.
    #[serde(default)]
    pub amount: NonNegative,
    /// The population receiving a `grant`, or `proposer` (the proposer's own).
    #[serde(default)]
    pub to: Option<Spanned<String>>,
}

fn one() -> NonNegative {
    NonNegative(1.0)
}

/// ERC20Votes-style delegation: a holder delegates all of its power to one
/// delegate.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    /// Share of identities that delegate.
    pub share: Probability,
    /// Which ones: at random, or the smallest by power first.
    #[serde(default)]
    pub who: Who,
    /// To whom.
    #[serde(default)]
    pub to: To,
    /// Size of the pool of candidate delegates (`largest`, `reputation`).
    #[serde(default = "default_candidates")]
    pub candidates: u32,
}

fn default_candidates() -> u32 {
    10
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    #[default]
    Random,
    Smallest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum To {
    /// One of the `candidates` largest non-delegating identities.
    #[default]
    Largest,
    /// Any non-delegating identity with power.
    Random,
    /// One of the `candidates` identities with the highest reputation.
    Reputation,
}

/// 1Hive conviction voting's settings (real numbers, converted to the
/// contract's fixed point D = 10^7 and 10^18).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvictionParams {
    /// Decay a per tick, in (0, 1).
    #[serde(default = "default_decay")]
    pub decay: Probability,
    /// β: the largest share of the treasury one request may ask.
    #[serde(default = "default_max_ratio")]
    pub max_ratio: Probability,
    /// ρ.
    #[serde(default = "default_weight")]
    pub weight: Probability,
    /// The minimum total stake as a share of the supply.
    #[serde(default = "default_min_stake")]
    pub min_stake: Probability,
}

fn default_decay() -> Probability {
    Probability(0.999)
}
fn default_max_ratio() -> Probability {
    Probability(0.2)
}
fn default_weight() -> Probability {
    Probability(0.002)
}
fn default_min_stake() -> Probability {
    Probability(0.2)
}

impl Default for ConvictionParams {
    fn default() -> Self {
        Self {
            decay: default_decay(),
            max_ratio: default_max_ratio(),
            weight: default_weight(),
            min_stake: default_min_stake(),
        }
    }
}

/// Cross-field rules: vote plus timelock of at least one epoch, every
/// kind's required keys, grant recipients that exist, conviction's decay
/// below one. `populations` are the display names of the populations.
pub fn check(
    g: &GovernanceConfig,
    populations: &[String],
    pools: &[PoolKind],
) -> Result<(), (Range<usize>, String)> {
    if g.voting_period.get_ref().0 + g.timelock.0 < 1.0 {
        return Err((
            g.voting_period.span(),
            format!(
                "governance.voting_period + governance.timelock must be at least one epoch (got {} + {}), \
                 so that a proposal executes in a later epoch than the one it was created in",
                g.voting_period.get_ref().0,
                g.timelock.0
            ),
        ));
    }
    if g.proposals_per_epoch.0 > 0.0 && g.kind.is_empty() {
        return Err((
            0..0,
            "[governance] has proposals but no [[governance.kind]] table to draw their kind from"
                .into(),
        ));
    }
    if !g.kind.is_empty() && g.kind.iter().all(|k| k.get_ref().weight.0 <= 0.0) {
        return Err((
            g.kind[0].span(),
            "every [[governance.kind]] has weight 0".into(),
        ));
    }
    for k in &g.kind {
        let spec = k.get_ref();
        if !spec.change.is_finite()
            || spec.change <= -1.0 && matches!(spec.kind, Kind::Emission | Kind::Fee)
        {
            return Err((
                k.span(),
                format!(
                    "`change` must be a finite number (above -1 for `{}`), got {}",
                    spec.kind.as_str(),
                    spec.change
                ),
            ));
        }
        match spec.kind {
            Kind::PoolShare => match spec.pool {
                None => {
                    return Err((
                        k.span(),
                        "a `pool_share` proposal needs `pool` (compute, data or validation)"
                            .into(),
                    ))
                }
                Some(pool) if !pools.contains(&pool.kind()) => {
                    return Err((
                        k.span(),
                        format!(
                            "`pool_share` of pool `{:?}`, which the scenario has no [reward.*] table for",
                            pool
                        )
                        .to_lowercase(),
                    ))
                }
                Some(_) => {}
            },
            Kind::Grant => {
                let Some(to) = &spec.to else {
                    return Err((
                        k.span(),
                        "a `grant` needs `to`: a population's name or \"proposer\"".into(),
                    ));
                };
                let name = to.get_ref();
                if name != "proposer" && !populations.iter().any(|p| p == name) {
                    return Err((
                        to.span(),
                        format!(
                            "no population is named `{name}` (populations: {}; or \"proposer\")",
                            populations.join(", ")
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    let c = g.conviction;
    if !(c.decay.0 > 0.0 && c.decay.0 < 1.0) {
        return Err((
            0..0,
            format!(
                "governance.conviction.decay must be in (0, 1), got {}",
                c.decay.0
            ),
        ));
    }
    if c.max_ratio.0 <= 0.0 || c.weight.0 <= 0.0 {
        return Err((
            0..0,
            "governance.conviction.max_ratio and weight must be above 0".into(),
        ));
    }
    Ok(())
}
