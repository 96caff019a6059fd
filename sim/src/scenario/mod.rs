//! The scenario model: what a scenario file may say, with serde types that
//! reject unknown keys and check every value where it is read, so that each
//! error carries the file's line and column. Loading, `--set` overrides and
//! error reporting live in `load`; distributions in `distribution`.

pub mod empirical;
pub mod load;
pub mod memory;
pub mod population;

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use serde::{Deserialize, Deserializer, Serialize};
use toml::Spanned;

pub use crate::distribution::{DistSpec, DistTable, EmpiricalData, EmpiricalSample};
pub use crate::values::{
    EmissionSchedule, Fraction, NonNegative, Positive, Probability, SlashDestination,
};
pub use empirical::{DataFiles, DataRequest, EmpiricalBuilder, NoFiles};
pub use population::{check_population, common_attributes, population_distributions, SpecIssue};

pub use crate::agents::speculator::Strategy;
pub use crate::agents::{Attributes, Role};
pub use crate::reward::PoolKind;
pub use crate::verification::{named_shares_problem, NamedShare, OperatorSpec};
pub use load::{
    apply_override, at_path, check_schema, located, parse_scenario, parse_scenario_with,
    parse_scenario_with_files, parse_scenario_within, render, scenario_from_table,
    scenario_from_table_with, scenario_from_table_with_files, LoadedScenario, Override,
    ScenarioError,
};

/// The most tasks per epoch the demand reaches (`demand.tasks_per_epoch`
/// is refused above it; growth stops at it), so that task arrivals never
/// stall the clock.
pub const MAX_TASKS_PER_EPOCH: f64 = 1e9;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name; the default output directory is `out/<name>`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Seed of every random draw; `mirage run --seed` overrides it.
    #[serde(default)]
    pub seed: u64,
    /// Number of epochs to simulate (an epoch is the reward period).
    pub epochs: NonZeroU32,
    /// Simulated time resolution: integer ticks per epoch.
    #[serde(default = "default_ticks_per_epoch")]
    pub ticks_per_epoch: NonZeroU32,
    /// Decimals of the token: one token is 10^decimals base units.
    #[serde(default = "default_decimals", deserialize_with = "decimals")]
    pub decimals: u32,
    /// Tokens in existence at genesis; what agents and the market pool are
    /// not given stays in the treasury.
    pub initial_supply: Spanned<NonNegative>,
    #[serde(default)]
    pub emission: Emission,
    #[serde(default)]
    pub fees: Fees,
    #[serde(default)]
    pub market: Option<Market>,
    #[serde(default)]
    pub demand: Demand,
    #[serde(default)]
    pub validation: ValidationRules,
    /// How compute results are verified (absent: `sampled`).
    #[serde(default)]
    pub verification: Option<crate::verification::VerificationConfig>,
    #[serde(default)]
    pub churn: Churn,
    #[serde(default)]
    pub reward: Option<RewardPools>,
    /// Random exchange between holders (Mesa's Boltzmann wealth model).
    #[serde(default)]
    pub exchange: Option<Exchange>,
    /// Who controls the treasury (reporting only).
    #[serde(default)]
    pub treasury: Treasury,
    #[serde(default)]
    pub population: Vec<Spanned<PopulationSpec>>,
    /// On-chain governance of the economy (see `governance`).
    #[serde(default)]
    pub governance: Option<crate::governance::GovernanceConfig>,
    /// Parameter sweep definition; read by `mirage sweep`, ignored by a run.
    #[serde(default)]
    pub sweep: Option<toml::Value>,
}

/// `[treasury]`: who the treasury's holdings benefit, for the
/// who-benefits headline of the value report. No behaviour depends on it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Treasury {
    #[serde(default)]
    pub controlled_by: TreasuryControl,
}

/// Who controls the treasury.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TreasuryControl {
    Team,
    #[default]
    Community,
}

impl TreasuryControl {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "team",
            Self::Community => "community",
        }
    }
}

/// What a provider population does with its rewards when it pays its
/// operating costs (`sell_policy`; absent: `Legacy`, the behaviour of
/// scenarios written before the key existed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SellPolicy {
    /// No `sell_policy` key: sell the part of the epoch's rewards whose
    /// spot value covers the epoch's costs, pay what the quote held
    /// allows, forgive the rest; profitable when the rewards' spot value
    /// covers the costs. Not selectable by name.
    #[default]
    #[serde(skip)]
    Legacy,
    /// Sell nothing; costs are paid from quote held, the rest accrues.
    Hold,
    /// Sell just enough tokens to pay the costs due.
    CoverCosts,
    /// Sell `reward_sell_fraction` of each epoch's rewards.
    SellRewards,
}

impl SellPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Legacy => "legacy",
            Self::Hold => "hold",
            Self::CoverCosts => "cover_costs",
            Self::SellRewards => "sell_rewards",
        }
    }
}

fn default_ticks_per_epoch() -> NonZeroU32 {
    NonZeroU32::new(1440).unwrap_or(NonZeroU32::MIN)
}

fn default_decimals() -> u32 {
    6
}

fn decimals<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if v > 12 {
        return Err(serde::de::Error::custom(format!(
            "decimals must be at most 12 (got {v}), so that amounts fit in 64-bit base units"
        )));
    }
    Ok(v)
}

/// Token emission into the rewards pool.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emission {
    #[serde(default)]
    pub schedule: EmissionSchedule,
    /// Tokens minted per epoch (the first epoch's amount for `halving`).
    #[serde(default)]
    pub per_epoch: NonNegative,
    /// Epochs between halvings (`halving` only).
    #[serde(default = "default_halving_interval")]
    pub halving_interval: NonZeroU32,
}

fn default_halving_interval() -> NonZeroU32 {
    NonZeroU32::new(365).unwrap_or(NonZeroU32::MIN)
}

impl Default for Emission {
    fn default() -> Self {
        Self {
            schedule: EmissionSchedule::None,
            per_epoch: NonNegative(0.0),
            halving_interval: default_halving_interval(),
        }
    }
}

/// What users pay per task and where it goes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fees {
    /// Fee per task in quote units (e.g. USD); users buy the tokens for it
    /// from the market pool, so demand moves the price.
    #[serde(default)]
    pub task_fee: NonNegative,
    /// Share of collected fees burned.
    #[serde(default)]
    pub burn_share: Probability,
    /// Share of collected fees sent to the treasury; the rest joins the
    /// epoch's reward budget.
    #[serde(default)]
    pub treasury_share: Probability,
    /// `fixed`: every task pays `task_fee`. `dynamic`: `task_fee` is the
    /// starting base fee, which moves toward a target utilisation of the
    /// compute providers' capacity each epoch, as EIP-1559 moves the base
    /// fee toward a target block size.
    #[serde(default = "default_fee_policy")]
    pub policy: Spanned<FeePolicy>,
    /// Target utilisation u* of the providers' capacity (dynamic fees).
    #[serde(default = "default_target_utilisation")]
    pub target_utilisation: Fraction,
    /// Largest relative change of the base fee per epoch, δ (dynamic fees):
    /// base ← base · (1 + δ · clamp((u − u*) / u*, −1, 1)). Below 1, so the
    /// fee never reaches zero.
    #[serde(default = "default_max_change", deserialize_with = "below_one")]
    pub max_change: Fraction,
    /// Floor of the base fee in quote units (dynamic fees).
    #[serde(default)]
    pub min_fee: NonNegative,
    /// Cap of the base fee in quote units (dynamic fees; absent: no cap).
    #[serde(default)]
    pub max_fee: Option<Spanned<NonNegative>>,
    /// `policy = "auction"`: what the winning bid is paid.
    #[serde(default)]
    pub auction: crate::auction::AuctionRule,
}

fn default_fee_policy() -> Spanned<FeePolicy> {
    Spanned::new(0..0, FeePolicy::Fixed)
}
fn default_target_utilisation() -> Fraction {
    Fraction(0.5)
}
fn default_max_change() -> Fraction {
    Fraction(0.125)
}

fn below_one<'de, D: Deserializer<'de>>(d: D) -> Result<Fraction, D::Error> {
    let v = Fraction::deserialize(d)?;
    if v.0 < 1.0 {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a number in (0, 1), got {}: a change of 100% could take the fee to zero, \
             where a multiplicative update can never raise it again",
            v.0
        )))
    }
}

impl Default for Fees {
    fn default() -> Self {
        Self {
            task_fee: NonNegative(0.0),
            burn_share: Probability(0.0),
            treasury_share: Probability(0.0),
            policy: default_fee_policy(),
            target_utilisation: default_target_utilisation(),
            max_change: default_max_change(),
            min_fee: NonNegative(0.0),
            max_fee: None,
            auction: crate::auction::AuctionRule::FirstPrice,
        }
    }
}

/// How the task fee is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeePolicy {
    #[default]
    Fixed,
    Dynamic,
    /// A reverse auction per task among the compute providers with free
    /// capacity (`auction`): the winner is paid its price directly.
    Auction,
}

/// The constant-product pool (token vs a stable quote asset with 6 decimals).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Market {
    /// Tokens placed in the pool at genesis (taken from the treasury).
    pub token_reserve: NonNegative,
    /// Quote units in the pool at genesis; price = quote / token reserve.
    pub quote_reserve: NonNegative,
    /// Swap fee kept by the pool, in [0, 1): a fee of 1 would keep every
    /// token swapped in and make buying any amount impossible.
    #[serde(default = "default_swap_fee", deserialize_with = "fee_below_one")]
    pub swap_fee: Probability,
}

fn fee_below_one<'de, D: Deserializer<'de>>(d: D) -> Result<Probability, D::Error> {
    let v = Probability::deserialize(d)?;
    if v.0 < 1.0 {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a swap fee in [0, 1), got {}: a fee of 100% keeps everything swapped in, \
             so no amount of quote could buy a token",
            v.0
        )))
    }
}

fn default_swap_fee() -> Probability {
    Probability(0.003)
}

/// Demand for AI work: tasks arrive as a Poisson process.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    /// Mean task arrivals per epoch at the first epoch.
    #[serde(default)]
    pub tasks_per_epoch: NonNegative,
    /// Growth of the arrival rate per epoch (0.01 = +1% per epoch).
    #[serde(default)]
    pub growth_per_epoch: f64,
    /// Mean ticks a provider takes to complete a task.
    #[serde(default = "default_service_ticks")]
    pub service_ticks: NonNegative,
    /// Which provider with spare capacity takes an arriving task.
    #[serde(default)]
    pub allocation: Allocation,
    /// Each arriving task's buyer pays at most this (quote units, drawn
    /// per task from the events stream); a task whose fee is higher is
    /// priced out. Absent: every task is bought, nothing is drawn.
    #[serde(default)]
    pub willingness_to_pay: Option<Spanned<DistSpec>>,
    /// How arrivals and completions become events (`per_task`, the
    /// default, or `batched`: fewer events, the same distributions).
    #[serde(default)]
    pub event_model: EventModel,
}

/// How the demand's tasks become events (docs/model.md, "Event model").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventModel {
    /// One event per arrival and one per completion.
    #[default]
    PerTask,
    /// One event per tick with arrivals, handling them all; a completion
    /// that falls before the epoch's end resolved when its task arrives.
    Batched,
}

impl EventModel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PerTask => "per_task",
            Self::Batched => "batched",
        }
    }
}

/// Task allocation policies (see `allocation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// Uniformly at random.
    #[default]
    Random,
    /// The lowest cost per task first (ties: the earliest provider).
    Cheapest,
    /// At random with probability proportional to the compute providers'
    /// reputation (the model of `[reward.compute.reputation]`).
    ReputationWeighted,
}

impl Allocation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Cheapest => "cheapest",
            Self::ReputationWeighted => "reputation_weighted",
        }
    }
}

fn default_service_ticks() -> NonNegative {
    NonNegative(30.0)
}

impl Default for Demand {
    fn default() -> Self {
        Self {
            tasks_per_epoch: NonNegative(0.0),
            growth_per_epoch: 0.0,
            service_ticks: default_service_ticks(),
            allocation: Allocation::Random,
            willingness_to_pay: None,
            event_model: EventModel::PerTask,
        }
    }
}

/// How results are checked and cheaters punished.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationRules {
    /// Fraction of completed tasks a validator checks.
    #[serde(default = "default_sample_rate")]
    pub sample_rate: Probability,
    /// Ticks between completion and the check.
    #[serde(default = "default_validation_delay")]
    pub delay_ticks: u32,
    /// Fraction of a caught provider's stake that is slashed.
    #[serde(default = "default_slash_fraction")]
    pub slash_fraction: Probability,
    /// Where slashed stake goes.
    #[serde(default)]
    pub slash_to: SlashDestination,
}

fn default_sample_rate() -> Probability {
    Probability(0.1)
}
fn default_validation_delay() -> u32 {
    10
}
fn default_slash_fraction() -> Probability {
    Probability(0.1)
}

impl Default for ValidationRules {
    fn default() -> Self {
        Self {
            sample_rate: default_sample_rate(),
            delay_ticks: default_validation_delay(),
            slash_fraction: default_slash_fraction(),
            slash_to: SlashDestination::default(),
        }
    }
}

/// Providers leave after a stretch of unprofitable epochs and join while
/// the role is profitable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Churn {
    /// Consecutive unprofitable epochs after which a provider leaves (0: never).
    #[serde(default = "default_exit_after")]
    pub exit_after_epochs: u32,
    /// New members per epoch, as a fraction of a profitable population's
    /// active members (capped by the population's `max_count`).
    #[serde(default = "default_join_rate")]
    pub join_rate: Probability,
}

fn default_exit_after() -> u32 {
    14
}
fn default_join_rate() -> Probability {
    Probability(0.02)
}

impl Default for Churn {
    fn default() -> Self {
        Self {
            exit_after_epochs: default_exit_after(),
            join_rate: default_join_rate(),
        }
    }
}

/// The epoch's reward budget, split into one pool per contributing role.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardPools {
    pub compute: Option<PoolConfig>,
    pub data: Option<PoolConfig>,
    pub validation: Option<PoolConfig>,
}

impl RewardPools {
    /// The configuration of `pool`, if the scenario has one.
    pub fn pool(&self, pool: PoolKind) -> Option<&PoolConfig> {
        match pool {
            PoolKind::Compute => self.compute.as_ref(),
            PoolKind::Data => self.data.as_ref(),
            PoolKind::Validation => self.validation.as_ref(),
        }
    }

    /// The configured pools, in `PoolKind` order.
    pub fn configured(&self) -> impl Iterator<Item = (PoolKind, &PoolConfig)> {
        PoolKind::ALL
            .into_iter()
            .filter_map(|kind| self.pool(kind).map(|c| (kind, c)))
    }
}

/// One reward pool: its share of the budget, the scheme that divides it,
/// and the parameters of schemes in sub-tables named after them (so that
/// sweeping `scheme` keeps each scheme's parameters), e.g.
/// `[reward.compute.reputation]`. Which schemes exist, which pools they
/// may pay and what their parameters are is the `reward::SchemeRegistry`'s
/// business: the loader checks the names and tables against it.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub share: Probability,
    pub scheme: Spanned<String>,
    /// Every sub-table, by name (a scheme's name, checked by the loader).
    pub params: BTreeMap<String, Spanned<toml::Value>>,
}

impl PoolConfig {
    /// The parameter table of scheme `name`, if the pool has one.
    pub fn params_of(&self, name: &str) -> Option<&toml::Value> {
        self.params.get(name).map(Spanned::get_ref)
    }

    /// The name of the pool's scheme.
    pub fn scheme_name(&self) -> &str {
        self.scheme.get_ref()
    }
}

impl<'de> Deserialize<'de> for PoolConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PoolVisitor;
        impl<'de> serde::de::Visitor<'de> for PoolVisitor {
            type Value = PoolConfig;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a reward pool table with `share`, `scheme` and scheme parameter tables",
                )
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<PoolConfig, A::Error> {
                use serde::de::Error;
                let mut share = None;
                let mut scheme = None;
                let mut params = BTreeMap::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let span = key.span();
                    let key = key.into_inner();
                    match key.as_str() {
                        "share" => share = Some(map.next_value()?),
                        "scheme" => scheme = Some(map.next_value()?),
                        _ => {
                            let value = map.next_value_seed(SpannedOr(span))?;
                            if !value.get_ref().is_table() {
                                return Err(A::Error::custom(format!(
                                    "unknown field `{key}`, expected `share`, `scheme` or a scheme's parameter table such as [reward.<pool>.{key}]"
                                )));
                            }
                            params.insert(key, value);
                        }
                    }
                }
                Ok(PoolConfig {
                    share: share.ok_or_else(|| A::Error::missing_field("share"))?,
                    scheme: scheme.ok_or_else(|| A::Error::missing_field("scheme"))?,
                    params,
                })
            }
        }
        d.deserialize_map(PoolVisitor)
    }
}

/// Mesa-style random exchange among `holder` agents, once per epoch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// Tokens an agent with a positive balance gives per step.
    pub amount: NonNegative,
}

/// One `[[population]]` table: the role, the population's size, the
/// monetary attributes funded at genesis, and the role's own attributes,
/// which the role's file declares and reads (`agents::RoleBehaviour`); the
/// loader checks them against it.
#[derive(Debug, Clone)]
pub struct PopulationSpec {
    pub role: Role,
    /// Optional name, usable in `--set population.<name>.count=...`.
    pub name: Option<String>,
    pub count: u32,
    /// Upper bound for joins; without it the population never grows.
    pub max_count: Option<u32>,
    /// Liquid tokens at genesis (any role).
    pub balance: Option<Spanned<DistSpec>>,
    /// Staked tokens at genesis (roles that list `stake`).
    pub stake: Option<Spanned<DistSpec>>,
    /// Quote units held at genesis (roles that list `capital`).
    pub capital: Option<Spanned<DistSpec>>,
    /// Quote per token at which the population's genesis tokens are
    /// valued (e.g. a seed round); absent: the genesis market price.
    pub entry_price: Option<Spanned<NonNegative>>,
    /// What providers (roles that bear costs) sell to pay their costs.
    pub sell_policy: Option<Spanned<SellPolicy>>,
    /// Fraction of each epoch's rewards sold under `sell_rewards`.
    pub reward_sell_fraction: Option<Spanned<Probability>>,
    /// Owners behind the population's identities (any role): `N` —
    /// identity j belongs to the population's own operator j mod N — or a
    /// list `[{ name, share }]` (the same name in two populations is the
    /// same operator). Default: one per identity.
    pub operators: Option<Spanned<OperatorSpec>>,
    /// Clouds hosting the population's identities, `[{ name, share }]`
    /// (reporting: `nakamoto_work_hosting`). Default: none declared.
    pub hosting: Option<Spanned<Vec<NamedShare>>>,
    /// Every other key: the role's own attributes.
    pub attributes: Attributes,
}

impl PopulationSpec {
    /// The name used in outputs: the given one or `<role>_<index>`.
    pub fn display_name(&self, index: usize) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}_{index}", self.role.as_str()))
    }
}

impl<'de> Deserialize<'de> for PopulationSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PopulationVisitor;
        impl<'de> serde::de::Visitor<'de> for PopulationVisitor {
            type Value = PopulationSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a population table with `role`, `count` and the role's attributes")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<PopulationSpec, A::Error> {
                use serde::de::Error;
                let mut role = None;
                let mut name = None;
                let mut count = None;
                let mut max_count = None;
                let (mut balance, mut stake, mut capital) = (None, None, None);
                let (mut entry_price, mut sell_policy, mut reward_sell_fraction) =
                    (None, None, None);
                let mut operators = None;
                let mut hosting = None;
                let mut attributes = Attributes::default();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let span = key.span();
                    let key = key.into_inner();
                    match key.as_str() {
                        "role" => role = Some(map.next_value()?),
                        "name" => name = Some(map.next_value()?),
                        "count" => count = Some(map.next_value()?),
                        "max_count" => max_count = Some(map.next_value()?),
                        "balance" => balance = Some(map.next_value()?),
                        "stake" => stake = Some(map.next_value()?),
                        "capital" => capital = Some(map.next_value()?),
                        "entry_price" => entry_price = Some(map.next_value()?),
                        "sell_policy" => sell_policy = Some(map.next_value()?),
                        "reward_sell_fraction" => {
                            reward_sell_fraction = Some(map.next_value()?);
                        }
                        "operators" => operators = Some(map.next_value()?),
                        "hosting" => hosting = Some(map.next_value()?),
                        _ => {
                            let value = map.next_value_seed(SpannedOr(span.clone()))?;
                            attributes.key_spans.insert(key.clone(), span);
                            attributes.values.insert(key, value);
                        }
                    }
                }
                Ok(PopulationSpec {
                    role: role.ok_or_else(|| A::Error::missing_field("role"))?,
                    name,
                    count: count.ok_or_else(|| A::Error::missing_field("count"))?,
                    max_count,
                    balance,
                    stake,
                    capital,
                    entry_price,
                    sell_policy,
                    reward_sell_fraction,
                    operators,
                    hosting,
                    attributes,
                })
            }
        }
        d.deserialize_map(PopulationVisitor)
    }
}

/// Reads a value with its span, like `Spanned<toml::Value>`, but also a
/// table TOML defines implicitly — by dotted keys (`reputation.lambda = 0.9`)
/// or by a sub-table's header alone (`[reward.data.quadratic.sybil]`) —
/// which has no span of its own: it takes the given span (its key's).
struct SpannedOr(std::ops::Range<usize>);

// toml's protocol for `Spanned` (serde_spanned): a struct of this name and
// fields is answered by a map of start, end and value when the value has a
// span, and by the value's own map otherwise.
const SPANNED_NAME: &str = "$__serde_spanned_private_Spanned";
const SPANNED_FIELDS: &[&str] = &[
    "$__serde_spanned_private_start",
    "$__serde_spanned_private_end",
    "$__serde_spanned_private_value",
];

impl<'de> serde::de::DeserializeSeed<'de> for SpannedOr {
    type Value = Spanned<toml::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, self)
    }
}

impl<'de> serde::de::Visitor<'de> for SpannedOr {
    type Value = Spanned<toml::Value>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Spanned::new(self.0, toml::Value::Table(toml::Table::new())));
        };
        if first == SPANNED_FIELDS[0] {
            let start: usize = map.next_value()?;
            let mut end = start;
            let mut value = None;
            while let Some(key) = map.next_key::<String>()? {
                if key == SPANNED_FIELDS[1] {
                    end = map.next_value()?;
                } else {
                    value = Some(map.next_value::<toml::Value>()?);
                }
            }
            let value = value.ok_or_else(|| A::Error::custom("a spanned value without a value"))?;
            return Ok(Spanned::new(start..end, value));
        }
        let mut table = toml::Table::new();
        table.insert(first, map.next_value()?);
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value()?;
            table.insert(key, value);
        }
        Ok(Spanned::new(self.0, toml::Value::Table(table)))
    }
}
