//! What a run reports: one `EpochRecord` per epoch, streamed to an
//! `Observer` as the run goes (the engine keeps no history), with the
//! headline concentration metrics overall and per role.

use crate::agents::Role;

/// Concentration of one role at an epoch end.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleEpoch {
    pub role: Role,
    /// Active agents of the role.
    pub active: usize,
    /// Gini, Nakamoto (> 1/2) and HHI of active members' wealth.
    pub gini_wealth: Option<f64>,
    pub nakamoto_wealth: Option<usize>,
    pub hhi_wealth: Option<f64>,
    /// Gini of cumulative rewards over every member that ever existed.
    pub gini_rewards: Option<f64>,
    /// Cumulative rewards paid to the role (base units).
    pub rewards_total: u128,
    /// Rewards paid to the role this epoch (base units).
    pub rewards_epoch: u128,
    /// Tokens (balance + stake + unvested) of every member, agents that
    /// left included (base units).
    pub wealth_total: u128,
    /// The members' tokens marked to market plus their quote (quote base
    /// units); `None` without a market.
    pub value_quote: Option<u128>,
}

/// The state of the economy at one epoch end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EpochRecord {
    pub epoch: u32,
    /// Tick of the epoch end.
    pub time: u64,
    /// Quote per token.
    pub price: f64,
    /// Supply outside the treasury, the rewards pool, the fee escrow and
    /// unvested allocations (base units).
    pub circulating_supply: u128,
    pub minted_total: u128,
    pub burned_total: u128,
    pub treasury: u128,
    pub gini_wealth: Option<f64>,
    pub nakamoto_wealth: Option<usize>,
    /// Over every agent of a rewarded role that ever existed, zeros included.
    pub gini_rewards: Option<f64>,
    pub active_agents: usize,
    pub tasks_arrived: u64,
    pub tasks_completed: u64,
    pub tasks_dropped: u64,
    pub cheats_caught: u64,
    /// Fees users paid this epoch, quote base units.
    pub fees_quote: u128,
    /// Tasks whose buyer would not pay the fee (`demand.willingness_to_pay`).
    pub tasks_priced_out: u64,
    /// The market's quote reserve at the epoch end, quote base units.
    pub market_quote_reserve: u128,
    /// Quote providers paid for operating costs this epoch.
    pub costs_paid_quote: u128,
    /// Quote providers received for tokens sold this epoch (settlement).
    pub provider_sales_quote: u128,
    /// Costs incurred and not paid, over all agents so far (forgiven or
    /// owed; see `value::ValueBook::unpaid_costs_quote`).
    pub unpaid_costs_quote: u128,
    /// Fee per task charged this epoch (quote base units; moves each epoch
    /// under `fees.policy = "dynamic"`).
    pub task_fee: u64,
    /// Tasks allocated / capacity of the active compute providers this epoch.
    pub utilisation: f64,
    pub emission: u128,
    /// The rewards pool at the epoch end before payouts (emission, fee
    /// share and earlier remainders); `rewards_paid` never exceeds it.
    pub reward_budget: u128,
    pub rewards_paid: u128,
    /// Cumulative events taken from the queue.
    pub events: u64,
    /// One entry per role present in the scenario, in `Role` order.
    pub roles: Vec<RoleEpoch>,
    /// With `[governance]`: Gini and Nakamoto (> 1/2) of active
    /// identities' voting power after delegation, and the share of voting
    /// power delegated (None without governance).
    pub voting_power_gini: Option<f64>,
    pub voting_power_nakamoto: Option<usize>,
    pub delegated_share: Option<f64>,
    /// Whether the scenario has `[governance]` (its columns are written
    /// only then).
    pub governed: bool,
    /// Results accepted this epoch although wrong (`verification`).
    pub wrong_accepted: u64,
    /// Quote spent on verification this epoch (proofs, extra replicas,
    /// challengers' re-executions).
    pub verification_cost_quote: u128,
    /// Mean ticks accepted results waited to be final (None: none).
    pub mean_latency_ticks: Option<f64>,
    /// Challengers' checks this epoch.
    pub challenges: u64,
    /// Wrong results detected this epoch (any regime).
    pub frauds_caught: u64,
    /// Completed compute work this epoch: Nakamoto coefficients (> 1/2)
    /// by identity, by operator and by hosting cloud (None when no
    /// population declares `hosting`), and the operators' HHI.
    pub nakamoto_work_identity: Option<usize>,
    pub nakamoto_work_operator: Option<usize>,
    pub nakamoto_work_hosting: Option<usize>,
    pub hhi_work_operator: Option<f64>,
    /// Whether the scenario has a market (quote-valued columns are empty
    /// without one).
    pub priced: bool,
    /// Where every token is at the epoch end (base units): agents' liquid
    /// balances, stakes and unvested allocations, and the system accounts.
    /// With `burned_total` they add up to the initial supply + minted.
    pub supply: SupplyBreakdown,
}

/// Where the tokens are at an epoch end (base units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SupplyBreakdown {
    pub liquid: u128,
    pub staked: u128,
    pub unvested: u128,
    pub treasury: u128,
    pub market_pool: u128,
    pub rewards_pool: u128,
    pub fee_escrow: u128,
}

impl SupplyBreakdown {
    /// Every token held (burned ones excluded).
    pub fn total(&self) -> u128 {
        self.liquid
            + self.staked
            + self.unvested
            + self.treasury
            + self.market_pool
            + self.rewards_pool
            + self.fee_escrow
    }
}

/// Receives the records of a run as it goes.
pub trait Observer {
    fn on_epoch(&mut self, record: &EpochRecord);
}

/// Observer that ignores everything (benchmarks).
#[derive(Debug, Default)]
pub struct Discard;

impl Observer for Discard {
    fn on_epoch(&mut self, _record: &EpochRecord) {}
}

/// Observer that keeps every record (tests, small runs).
#[derive(Debug, Default)]
pub struct Collect(pub Vec<EpochRecord>);

impl Observer for Collect {
    fn on_epoch(&mut self, record: &EpochRecord) {
        self.0.push(record.clone());
    }
}

impl<F: FnMut(&EpochRecord)> Observer for F {
    fn on_epoch(&mut self, record: &EpochRecord) {
        self(record);
    }
}
