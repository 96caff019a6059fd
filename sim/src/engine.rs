//! The discrete-event engine: `Simulation` owns the whole state of one run
//! (ledger, market, agents, queue, generator, reward schemes) and handles
//! every event kind in one place, `handle`. Genesis (turning populations
//! into agents) is in `new`; the epoch-end bookkeeping in `end_epoch`.
//!
//! Invariants: the run is a pure function of (scenario, seed); the event
//! loop allocates nothing per event and calls no trait object per event
//! (reward schemes are called once per pool per epoch); tokens move only
//! through the ledger, whose conservation is checked at every epoch end.

use rand::Rng;
use rand_distr::Exp1;

use crate::agents::{draw_amount, Agents, ComputeProviders, Role, RoleParams, RoleTables, ACTIVE};
use crate::allocation::Allocator;
use crate::amount::{to_base_units, QUOTE_DECIMALS};
use crate::auction::Auction;
use crate::distribution::BelowUnits;
use crate::error::SimError;
use crate::event::Event;
use crate::governance::Governance;
use crate::health::{EpochHealth, Health, Warning};
use crate::ledger::{Account, Holdings, Ledger, SystemAccount};
use crate::market::Market;
use crate::queue::EventQueue;
use crate::quote::{QuoteAccount, QuoteLedger};
use crate::record::{EpochRecord, Observer, RoleEpoch, SupplyBreakdown};
use crate::reward::reputation::ReputationBook;
use crate::reward::{
    parse_params, PoolKind, RewardContext, RewardScheme, SchemeBuild, SchemeRegistry,
};
use crate::rng::{stream, SimRng, Stream};
use crate::scenario::{
    Allocation, EmissionSchedule, EventModel, FeePolicy, PopulationSpec, Scenario, SellPolicy,
    SlashDestination, TreasuryControl,
};
use crate::stats::{histogram_if_small, merge_sorted, write_sorted, CarriedOrder};
use crate::value::{AgentValue, Economy, EntryPrice, ValueBook, ValueRow};
use crate::verification::{
    outcome, Operators, Payer, PopulationParties, Regime, VerificationTotals, Verifier,
    WorkConcentration, WorkFigures,
};
use crate::world::{poisson, EpochCounters, Rules, World};
use mirage_analysis::concentration::{
    concentration_of_counts, concentration_sorted, gini_sorted, gini_sorted_and_total,
    nakamoto_sorted,
};

pub use crate::scenario::MAX_TASKS_PER_EPOCH;

#[path = "governance/hooks.rs"]
mod governance_hooks;
#[path = "verification/hooks.rs"]
mod verification_hooks;

const TREASURY: Account = Account::System(SystemAccount::Treasury);
const REWARDS: Account = Account::System(SystemAccount::RewardsPool);
const ESCROW: Account = Account::System(SystemAccount::FeeEscrow);
const PPB: u128 = 1_000_000_000;
/// Tasks of one tick the batched event model allocates before serving
/// them (its buffer's bound).
const BATCH_CHUNK: u64 = 1024;
/// Reputation the context reports to schemes that do not read it.
const PRIOR: f64 = 0.5;

fn ppb(share: f64) -> u128 {
    (share * PPB as f64).round() as u128
}

/// `amount · share` rounded down, with the share in parts per billion.
fn share_of(amount: u64, share_ppb: u128) -> u64 {
    (u128::from(amount) * share_ppb / PPB) as u64
}

/// A configured reward pool. A scheme that pays two pools together (yuma:
/// compute and validation) is one `Pool` whose members have either role
/// and whose share is the two pools' shares summed.
#[derive(Debug)]
struct Pool {
    kind: PoolKind,
    /// Which roles' active agents are members (indexed by `Role::index`).
    members: [bool; Role::COUNT],
    /// Whether the scheme reads members' reputation / dataset usage (else
    /// the context carries the prior / zeros, which costs less to fill).
    needs_reputation: bool,
    needs_usage: bool,
    share_ppb: u128,
    /// Cumulative share of this pool and the pools before it (ppb, at
    /// most 10^9), so that rounded pool budgets never add up to more than
    /// the whole budget.
    cumulative_ppb: u128,
    scheme: Box<dyn RewardScheme>,
    /// Whether the last epoch's payout found no eligible member.
    empty: bool,
}

/// The task fee policy and its state.
#[derive(Debug, Clone)]
struct FeeState {
    policy: FeePolicy,
    /// Base fee in quote base units (kept fractional so small moves add up).
    base: f64,
    /// Fee charged per task this epoch, quote base units.
    now: u64,
    target: f64,
    max_change: f64,
    min: f64,
    /// `fees.max_fee`, quote base units (None: no cap).
    max: Option<f64>,
}

impl FeeState {
    /// The highest fee the policy can charge, quote base units.
    fn cap(&self) -> u64 {
        self.max
            .map_or(u64::MAX / 4, |m| (m.round() as u64).min(u64::MAX / 4))
    }

    /// EIP-1559's update applied once per epoch:
    /// base ← max(min, base · (1 + δ · clamp((u − u*) / u*, −1, 1))).
    fn update(&mut self, utilisation: f64) {
        if self.policy != FeePolicy::Dynamic {
            return;
        }
        let pressure = ((utilisation - self.target) / self.target).clamp(-1.0, 1.0);
        self.base = (self.base * (1.0 + self.max_change * pressure)).max(self.min);
        if let Some(max) = self.max {
            self.base = self.base.min(max);
        }
        self.now = if self.base >= (u64::MAX / 4) as f64 {
            u64::MAX / 4
        } else {
            self.base.round() as u64
        };
    }
}

/// Buffers reused every epoch.
#[derive(Debug, Default)]
struct Scratch {
    members: Vec<u32>,
    work: Vec<u64>,
    failures: Vec<u64>,
    stake: Vec<u64>,
    reputation: Vec<f64>,
    usage: Vec<u64>,
    payouts: Vec<u64>,
    wealth_by_role: [Vec<u64>; Role::COUNT],
    rewards_by_role: [Vec<u64>; Role::COUNT],
    wealth_order: [CarriedOrder; Role::COUNT],
    rewards_order: [CarriedOrder; Role::COUNT],
    all: Vec<u64>,
    all_buffer: Vec<u64>,
    counts: Vec<u32>,
    pop_revenue: Vec<u128>,
    pop_cost: Vec<u128>,
    /// The last record's per-role entries, reused by the next record.
    roles: Vec<RoleEpoch>,
    pool_health: Vec<(&'static str, bool)>,
    /// The providers' rows of a tick's tasks (batched event model).
    batch: Vec<u32>,
}

/// One simulation run.
#[derive(Debug)]
pub struct Simulation {
    /// The shared state role handlers touch (rules, ledger, market, common
    /// agent columns, queue, event generator, epoch counters).
    world: World,
    /// Each role's table of columns.
    roles: RoleTables,
    populations: Vec<PopulationSpec>,
    /// Each population's attributes as its role reads them.
    population_params: Vec<RoleParams>,
    population_names: Vec<String>,
    population_active: Vec<u32>,
    roles_present: Vec<Role>,
    /// Roles whose epoch-start process runs (decided after genesis).
    epoch_processes: Vec<Role>,
    /// The queue sequence number reserved for epoch 0's first epoch-level
    /// event (see `schedule_genesis_events`).
    epoch_seq_base: u64,
    /// Epochs whose epoch-level events are queued.
    epochs_scheduled: u32,
    rewarded: [bool; Role::COUNT],
    pools: Vec<Pool>,
    /// Reputation of compute and data providers, kept when a scheme or the
    /// allocation policy reads it.
    compute_rep: Option<ReputationBook>,
    data_rep: Option<ReputationBook>,
    /// Task allocation other than the default uniform draw.
    allocator: Option<Allocator>,
    fee: FeeState,
    /// A buyer's willingness to pay against the fee (rebuilt when the fee
    /// changes).
    willingness_gate: Option<BelowUnits>,
    /// Whether tasks draw datasets (a data-pool scheme pays by usage).
    track_usage: bool,
    reward_rng: SimRng,
    usage_rng: SimRng,
    arrival_clock: f64,
    /// Batched event model: tasks of the current tick left for its second
    /// arrival event.
    arrivals_pending: u64,
    /// Task arrivals per tick this epoch (demand grows epoch by epoch).
    arrival_rate: f64,
    events: u64,
    /// Per role: bumped whenever an agent of that role joins or leaves (see
    /// `stats::CarriedOrder`; a join elsewhere leaves a role's order alone).
    roster_version: [u64; Role::COUNT],
    finished: bool,
    scratch: Scratch,
    /// Value accounting in quote units.
    value: ValueBook,
    /// Each population's sell policy and `reward_sell_fraction` (ppb).
    sell_policy: Vec<(SellPolicy, u128)>,
    /// Agents each population ever had (genesis and joiners).
    population_ever: Vec<u32>,
    health: Health,
    treasury_control: TreasuryControl,
    /// `[governance]`, if the scenario has it (`governance_hooks`).
    governance: Option<Box<Governance>>,
    /// `[verification]`: the regime and its state.
    verifier: Verifier,
    /// The operator behind every identity.
    operators: Operators,
    /// Verification figures over the run (fairness.json).
    verification_totals: VerificationTotals,
    /// Buffers of the per-epoch work concentration.
    work_concentration: WorkConcentration,
    /// `fees.policy = "auction"`: the epoch's bids, and the prices paid
    /// this epoch (sum, count) for `task_fee`.
    auction: Option<Auction>,
    auction_paid: (u128, u64),
    /// `QuoteLedger::changes` when the quote identities last held and the
    /// agents' quote column was last copied (None before the first check).
    quote_checked_at: Option<u64>,
}

impl Simulation {
    /// Genesis with the built-in reward schemes: draws every population's
    /// agents, funds them from the treasury, opens the market and schedules
    /// the first events.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Self, SimError> {
        Self::with_schemes(scenario, seed, SchemeRegistry::builtin_ref())
    }

    /// Genesis with the reward schemes of `registry` (the built-ins and
    /// any a user registered; the scenario was checked against it).
    pub fn with_schemes(
        scenario: &Scenario,
        seed: u64,
        registry: &SchemeRegistry,
    ) -> Result<Self, SimError> {
        let decimals = scenario.decimals;
        let supply = to_base_units(scenario.initial_supply.get_ref().0, decimals);
        if supply > u64::MAX / 4 {
            return Err(SimError::Genesis(format!(
                "initial_supply of {} tokens at {decimals} decimals does not fit 64-bit base units",
                scenario.initial_supply.get_ref().0
            )));
        }
        let ticks_per_epoch = u64::from(scenario.ticks_per_epoch.get());
        let rules = Rules {
            epochs: scenario.epochs.get(),
            ticks_per_epoch,
            decimals,
            emission_schedule: scenario.emission.schedule,
            emission_per_epoch: to_base_units(scenario.emission.per_epoch.0, decimals),
            halving_interval: scenario.emission.halving_interval.get(),
            burn_ppb: ppb(scenario.fees.burn_share.0),
            treasury_ppb: ppb(scenario.fees.treasury_share.0),
            tasks_per_epoch: scenario.demand.tasks_per_epoch.0,
            demand_growth: scenario.demand.growth_per_epoch,
            service_ticks: scenario.demand.service_ticks.0,
            sample_rate: scenario.validation.sample_rate.0,
            validation_delay: u64::from(scenario.validation.delay_ticks),
            slash_ppb: ppb(scenario.validation.slash_fraction.0),
            slash_to: scenario.validation.slash_to,
            exit_after_epochs: scenario.churn.exit_after_epochs,
            join_rate: scenario.churn.join_rate.0,
            exchange_amount: scenario
                .exchange
                .as_ref()
                .map(|x| to_base_units(x.amount.0, decimals)),
            willingness_to_pay: scenario
                .demand
                .willingness_to_pay
                .as_ref()
                .map(|d| d.get_ref().clone()),
            regime: scenario
                .verification
                .as_ref()
                .map_or(Regime::Sampled, |v| v.regime),
            batched: scenario.demand.event_model == EventModel::Batched,
        };

        let mut ledger = Ledger::new(supply);
        let mut quote = QuoteLedger::default();
        let market = match &scenario.market {
            Some(m) => {
                let tokens = to_base_units(m.token_reserve.0, decimals);
                ledger
                    .transfer(TREASURY, Account::System(SystemAccount::MarketPool), tokens)
                    .map_err(|_| {
                        SimError::Genesis(format!(
                            "market.token_reserve ({} tokens) exceeds initial_supply",
                            m.token_reserve.0
                        ))
                    })?;
                let reserve = to_base_units(m.quote_reserve.0, QUOTE_DECIMALS);
                quote.endow(QuoteAccount::MarketPool, reserve)?;
                Some(Market::new(reserve, m.swap_fee.0, decimals))
            }
            None => None,
        };

        let population_names: Vec<String> = scenario
            .population
            .iter()
            .enumerate()
            .map(|(i, p)| p.get_ref().display_name(i))
            .collect();
        let mut pools = Vec::new();
        let mut rewarded = [false; Role::COUNT];
        let mut compute_rep = None;
        let mut data_rep = None;
        let mut track_usage = false;
        let weighted = scenario.demand.allocation == Allocation::ReputationWeighted;
        if let Some(reward) = &scenario.reward {
            for (kind, config) in reward.configured() {
                if let Some(role) = Role::of_pool(kind) {
                    rewarded[role.index()] = true;
                }
                let name = config.scheme_name();
                let factory = registry.get(name).ok_or_else(|| {
                    SimError::Genesis(format!("no reward scheme is named `{name}`"))
                })?;
                let info = factory.info();
                let joint = info.joint;
                if !joint.is_empty() && joint[0] != kind {
                    continue; // paid together with the first joint pool
                }
                let paid: Vec<PoolKind> = if joint.is_empty() {
                    vec![kind]
                } else {
                    joint.to_vec()
                };
                let shares: Vec<(PoolKind, f64)> = paid
                    .iter()
                    .filter_map(|&p| reward.pool(p).map(|c| (p, c.share.0)))
                    .collect();
                let params = config.params_of(name);
                let inputs = factory.inputs(params);
                let scheme = factory
                    .build(
                        params,
                        &SchemeBuild {
                            pool: kind,
                            shares: &shares,
                            population_names: &population_names,
                            decimals,
                        },
                    )
                    .map_err(|message| SimError::Scheme {
                        scheme: info.name,
                        epoch: 0,
                        message,
                    })?;
                // The allocation policy reads compute providers' reputation
                // under the model of [reward.compute.reputation].
                let book_params = match (&inputs.reputation, kind) {
                    (Some(p), _) => Some(p.clone()),
                    (None, PoolKind::Compute) if weighted => {
                        Some(parse_params(config.params_of("reputation")).unwrap_or_default())
                    }
                    _ => None,
                };
                match kind {
                    PoolKind::Compute => compute_rep = book_params.map(|p| ReputationBook::new(&p)),
                    PoolKind::Data => data_rep = book_params.map(|p| ReputationBook::new(&p)),
                    PoolKind::Validation => {}
                }
                track_usage |= inputs.usage && paid.contains(&PoolKind::Data);
                let mut members = [false; Role::COUNT];
                for &role in Role::ALL {
                    members[role.index()] = role.pool().is_some_and(|p| paid.contains(&p));
                }
                pools.push(Pool {
                    kind,
                    members,
                    needs_reputation: inputs.reputation.is_some(),
                    needs_usage: inputs.usage && paid.contains(&PoolKind::Data),
                    share_ppb: paid
                        .iter()
                        .filter_map(|&p| reward.pool(p).map(|c| ppb(c.share.0)))
                        .sum(),
                    cumulative_ppb: 0,
                    scheme,
                    empty: false,
                });
            }
        }
        if compute_rep.is_none() && weighted {
            compute_rep = Some(ReputationBook::new(&Default::default()));
        }
        let fees = &scenario.fees;
        let base = to_base_units(fees.task_fee.0, QUOTE_DECIMALS);
        let fee = FeeState {
            policy: *fees.policy.get_ref(),
            base: base as f64,
            now: base,
            target: fees.target_utilisation.0,
            max_change: fees.max_change.0,
            min: to_base_units(fees.min_fee.0, QUOTE_DECIMALS) as f64,
            max: fees
                .max_fee
                .as_ref()
                .map(|m| to_base_units(m.get_ref().0, QUOTE_DECIMALS) as f64),
        };

        let mut cumulative = 0;
        for pool in &mut pools {
            cumulative = (cumulative + pool.share_ppb).min(PPB);
            pool.cumulative_ppb = cumulative;
        }

        let populations: Vec<PopulationSpec> = scenario
            .population
            .iter()
            .map(|p| p.get_ref().clone())
            .collect();
        if let Some(d) = &scenario.demand.willingness_to_pay {
            if d.get_ref().is_empirical() && d.get_ref().data().is_none() {
                return Err(SimError::Genesis(
                    "demand.willingness_to_pay is an empirical distribution whose values were \
                     not loaded (load the scenario with a loader that resolves data files)"
                        .into(),
                ));
            }
        }
        for (i, p) in populations.iter().enumerate() {
            if let Some(name) = crate::scenario::empirical::unresolved(p) {
                return Err(SimError::Genesis(format!(
                    "population `{}`: `{name}` is an empirical distribution whose values were \
                     not loaded (load the scenario with a loader that resolves data files)",
                    p.display_name(i)
                )));
            }
        }
        let mut roles_present: Vec<Role> = populations.iter().map(|p| p.role).collect();
        roles_present.sort_unstable();
        roles_present.dedup();

        let population_params = populations
            .iter()
            .map(|p| RoleParams::new(p.role, &p.attributes))
            .collect();
        let window = (2 * ticks_per_epoch).max(64);
        let mut sim = Self {
            world: World {
                rules,
                ledger,
                market,
                quote,
                agents: Agents::default(),
                queue: EventQueue::new(window),
                rng: stream(seed, Stream::Events),
                counters: EpochCounters::default(),
                price_at_epoch_start: 0.0,
                epoch: 0,
            },
            roles: RoleTables::default(),
            population_active: vec![0; populations.len()],
            populations,
            population_params,
            population_names,
            roles_present,
            epoch_processes: Vec::new(),
            epoch_seq_base: 0,
            epochs_scheduled: 0,
            rewarded,
            pools,
            compute_rep,
            data_rep,
            allocator: Allocator::new(scenario.demand.allocation),
            fee,
            willingness_gate: None,
            track_usage,
            reward_rng: stream(seed, Stream::Rewards),
            usage_rng: stream(seed, Stream::Usage),
            arrival_clock: 0.0,
            arrivals_pending: 0,
            arrival_rate: 0.0,
            events: 0,
            roster_version: [0; Role::COUNT],
            finished: false,
            scratch: Scratch::default(),
            value: ValueBook {
                entry_price: scenario
                    .population
                    .iter()
                    .map(|p| match &p.get_ref().entry_price {
                        Some(price) => {
                            EntryPrice::Fixed(to_base_units(price.get_ref().0, QUOTE_DECIMALS))
                        }
                        None => EntryPrice::Genesis,
                    })
                    .collect(),
                decimals,
                ..ValueBook::default()
            },
            sell_policy: scenario
                .population
                .iter()
                .map(|p| {
                    let p = p.get_ref();
                    (
                        p.sell_policy
                            .as_ref()
                            .map_or(SellPolicy::Legacy, |s| *s.get_ref()),
                        p.reward_sell_fraction
                            .as_ref()
                            .map_or(0, |f| ppb(f.get_ref().0)),
                    )
                })
                .collect(),
            population_ever: vec![0; scenario.population.len()],
            health: Health::default(),
            treasury_control: scenario.treasury.controlled_by,
            governance: None,
            verifier: Verifier::new(
                scenario.verification.as_ref(),
                decimals,
                verification_hooks::in_flight_estimate(scenario),
            ),
            operators: Operators::new(
                &scenario
                    .population
                    .iter()
                    .map(|p| {
                        let p = p.get_ref();
                        PopulationParties {
                            count: p.count,
                            operators: p.operators.as_ref().map(|o| o.get_ref()),
                            hosting: p.hosting.as_ref().map(|h| h.get_ref().as_slice()),
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
            verification_totals: VerificationTotals::default(),
            work_concentration: WorkConcentration::default(),
            auction: (*scenario.fees.policy.get_ref() == FeePolicy::Auction)
                .then(|| Auction::new(scenario.fees.auction)),
            auction_paid: (0, 0),
            quote_checked_at: None,
        };

        // Room for the most agents the populations can hold at once
        // (joiners up to `max_count` included), so that joining agents do
        // not grow the columns; pages not yet written take no memory.
        // Only turnover beyond that (leavers replaced) grows them later.
        let mut peak_by_role = [0; Role::COUNT];
        for p in &sim.populations {
            peak_by_role[p.role.index()] += crate::scenario::memory::peak_count(p) as usize;
        }
        for &role in Role::ALL {
            sim.roles.reserve(role, peak_by_role[role.index()]);
        }
        let peak_count = peak_by_role.iter().sum();
        sim.world.agents.reserve(peak_count);
        sim.world.ledger.reserve(peak_count);
        sim.world.quote.reserve(peak_count);
        sim.value.reserve(peak_count);
        sim.operators.reserve(peak_count);
        // About one pending event per agent (its next own event) and the
        // tasks in service; under the batched event model also the checks
        // of an epoch's results, queued when their tasks arrive (up to
        // `sample_rate` of the epoch's tasks at the demand's peak).
        let rules = &sim.world.rules;
        let checks = if rules.batched && rules.regime == Regime::Sampled {
            let peak_tasks = (rules.tasks_per_epoch
                * (1.0 + rules.demand_growth.max(0.0)).powf(f64::from(rules.epochs)))
            .min(MAX_TASKS_PER_EPOCH);
            (rules.sample_rate * peak_tasks).min(f64::from(1u32 << 24)) as usize
        } else {
            0
        };
        sim.world.queue.reserve(peak_count + checks);
        let mut genesis = stream(seed, Stream::Genesis);
        for p in 0..sim.populations.len() {
            for _ in 0..sim.populations[p].count {
                sim.spawn_agent(p, &mut genesis, true)?;
            }
        }
        sim.world.price_at_epoch_start = sim.price();
        sim.arrival_rate = sim.arrival_rate_per_tick();
        sim.schedule_genesis_events();
        sim.start_governance(scenario, seed);
        sim.start_epoch();
        sim.world.ledger.check()?;
        let reserves = sim.reserves();
        sim.value.genesis_reserves = reserves.unwrap_or((0, 0));
        sim.value.system_genesis_tokens = SystemAccount::ALL.map(|a| sim.world.ledger.system(a));
        sim.health = Health::new(reserves, sim.price());
        let holdings = sim.world.ledger.holdings();
        sim.check_value(0, &holdings, false)?;
        Ok(sim)
    }

    /// Creates one agent of population `p` and funds it: from the treasury
    /// at genesis; later, stake is bought on the market with outside money.
    fn spawn_agent(&mut self, p: usize, rng: &mut SimRng, genesis: bool) -> Result<u32, SimError> {
        let spec = &self.populations[p];
        let decimals = self.world.rules.decimals;
        if self.world.agents.len() == self.world.agents.role.capacity() {
            // Grow the columns by an eighth rather than doubling them: with
            // millions of agents, doubling a dozen columns for a few joiners
            // would double the memory of the run.
            let more = (self.world.agents.len() / 8).max(64);
            self.world.agents.reserve(more);
            self.world.ledger.reserve(more);
            self.world.quote.reserve(more);
            self.value.reserve(more);
        }
        let agent = self.world.ledger.open_agent();
        self.operators.on_spawn(agent, p);
        self.world.quote.open_agent();
        self.value.open_agent();
        let role = spec.role;
        let spawned = self
            .roles
            .spawn(agent, &self.population_params[p], rng, decimals);
        let (row, unvested) = (spawned.row, spawned.unvested);
        if role == Role::ComputeProvider && !genesis {
            if let Some(policy) = &mut self.allocator {
                policy.on_spawn(row, &self.roles.compute_provider, self.compute_rep.as_ref());
            }
            if let Some(auction) = &mut self.auction {
                auction.on_spawn(row, &self.roles.compute_provider);
            }
        }
        let id = self
            .world
            .agents
            .push(role, p as u16, row, self.world.epoch);
        debug_assert_eq!(id, agent);
        let spec = &self.populations[p];
        let balance = draw_amount(rng, spec.balance.as_ref().map(|d| d.get_ref()), decimals);
        let stake = draw_amount(rng, spec.stake.as_ref().map(|d| d.get_ref()), decimals);
        let capital = draw_amount(
            rng,
            spec.capital.as_ref().map(|d| d.get_ref()),
            QUOTE_DECIMALS,
        );
        let me = QuoteAccount::Agent(agent);
        self.world.quote.endow(me, capital)?;
        self.world.agents.quote[agent as usize] = capital;
        self.population_active[p] += 1;
        self.population_ever[p] += 1;
        self.roster_version[role.index()] += 1;
        let name = &self.population_names[p];
        let short = |what: &str, amount: u64| {
            SimError::Genesis(format!(
                "population `{name}`: the treasury cannot fund {what} of {amount} base units \
                 (initial allocations exceed initial_supply)"
            ))
        };
        if genesis {
            self.world
                .ledger
                .transfer(TREASURY, Account::Balance(agent), balance)
                .map_err(|_| short("a balance", balance))?;
            self.world
                .ledger
                .transfer(TREASURY, Account::Stake(agent), stake)
                .map_err(|_| short("a stake", stake))?;
            self.world
                .ledger
                .transfer(TREASURY, Account::Unvested(agent), unvested)
                .map_err(|_| short("an allocation", unvested))?;
            self.value.genesis_tokens[agent as usize] = self.world.ledger.wealth(agent);
        } else {
            // A newcomer brings its stake by buying it; without a market the
            // treasury funds what it can.
            for (amount, account) in [
                (balance, Account::Balance(agent)),
                (stake, Account::Stake(agent)),
            ] {
                match &mut self.world.market {
                    Some(market) => {
                        // The quote it spends is what it brings (its genesis
                        // quote), paid to the pool.
                        if let Some(cost) = market.quote_for_tokens(&self.world.ledger, amount) {
                            if market.preview_buy(&self.world.ledger, cost) > 0 {
                                self.world.quote.endow(me, cost)?;
                                market.buy(
                                    &mut self.world.ledger,
                                    &mut self.world.quote,
                                    me,
                                    cost,
                                    account,
                                )?;
                            }
                        }
                    }
                    None => {
                        let funded = amount.min(self.world.ledger.system(SystemAccount::Treasury));
                        self.world.ledger.transfer(TREASURY, account, funded)?;
                    }
                }
            }
        }
        self.roles
            .start_processes(role, agent, row, rng, &mut self.world);
        Ok(agent)
    }

    /// Epoch-level events are scheduled lazily, a few epochs ahead, with
    /// the queue sequence numbers they would have had if all were queued
    /// up front after the agents' first events: so at a shared tick an
    /// epoch end comes before the next epoch's unlocks and exchange, and
    /// both come before every event queued during the run, while the queue
    /// holds a number of them independent of `epochs`.
    fn schedule_genesis_events(&mut self) {
        self.epoch_processes = Role::ALL
            .iter()
            .copied()
            .filter(|&role| self.roles.has_epoch_process(role, &self.world))
            .collect();
        let per_epoch = self.epoch_processes.len() as u64 + 1;
        self.epoch_seq_base = self
            .world
            .queue
            .reserve_seqs(u64::from(self.world.rules.epochs) * per_epoch);
        self.epochs_scheduled = 0;
        if self.world.rules.batched {
            // The batched event model's buffer, at its bound (no event grows it).
            self.scratch.batch.reserve_exact(BATCH_CHUNK as usize);
        }
        self.schedule_epochs_ahead();
        self.schedule_next_arrival();
    }

    /// Queues the epoch-level events of every epoch starting by one epoch
    /// past the queue's ring, called at genesis and at each epoch end: the
    /// next call comes `ticks_per_epoch` later, so each event is queued
    /// while its tick is still beyond the ring and waits in the queue's
    /// heap keyed by its reserved sequence number.
    fn schedule_epochs_ahead(&mut self) {
        let t = self.world.rules.ticks_per_epoch;
        let horizon = self.world.queue.ring_end().saturating_add(t + 1);
        let per_epoch = self.epoch_processes.len() as u64 + 1;
        while self.epochs_scheduled < self.world.rules.epochs {
            let e = self.epochs_scheduled;
            let start = u64::from(e) * t;
            if start > horizon {
                break;
            }
            let mut seq = self.epoch_seq_base + u64::from(e) * per_epoch;
            for i in 0..self.epoch_processes.len() {
                let role = self.epoch_processes[i];
                self.world
                    .queue
                    .push_with_seq(start, seq, Event::EpochStart { role, epoch: e });
                seq += 1;
            }
            self.world
                .queue
                .push_with_seq(start + t, seq, Event::EpochEnd { epoch: e });
            self.epochs_scheduled += 1;
        }
    }

    /// Runs to the last epoch end, streaming one record per epoch.
    pub fn run<O: Observer + ?Sized>(&mut self, observer: &mut O) -> Result<(), SimError> {
        self.run_epochs(u32::MAX, observer)
    }

    /// Runs until `epochs` more epochs have ended (or the run is over).
    pub fn run_epochs<O: Observer + ?Sized>(
        &mut self,
        epochs: u32,
        observer: &mut O,
    ) -> Result<(), SimError> {
        let target = self.world.epoch.saturating_add(epochs);
        while !self.finished && self.world.epoch < target {
            let Some((tick, event)) = self.world.queue.pop() else {
                break;
            };
            self.events += 1;
            self.handle(tick, event, observer)?;
        }
        Ok(())
    }

    /// Handles the events of the epoch in progress up to its end, which
    /// stays queued (`run_epochs(1, ..)` then handles it alone): the
    /// events without the epoch's bookkeeping, for benches that count
    /// what each costs.
    pub fn run_to_epoch_end<O: Observer + ?Sized>(
        &mut self,
        observer: &mut O,
    ) -> Result<(), SimError> {
        while !self.finished {
            match self.world.queue.peek() {
                None | Some((_, Event::EpochEnd { .. })) => break,
                Some(_) => {}
            }
            let Some((tick, event)) = self.world.queue.pop() else {
                break;
            };
            self.events += 1;
            self.handle(tick, event, observer)?;
        }
        Ok(())
    }

    /// The one place every event kind is handled.
    #[inline]
    fn handle<O: Observer + ?Sized>(
        &mut self,
        tick: u64,
        event: Event,
        observer: &mut O,
    ) -> Result<(), SimError> {
        match event {
            Event::TaskArrival => self.on_task_arrival(tick)?,
            Event::Role {
                role,
                kind,
                agent,
                row,
            } => self
                .roles
                .on_event(role, kind, agent, row, tick, &mut self.world)?,
            Event::Validation { provider, correct } => self.on_validation(provider, correct)?,
            Event::Result { provider, slot } => self.on_result(tick, provider, slot)?,
            Event::Verdict {
                provider,
                challenger,
                outcome,
            } => self.on_verdict(provider, challenger, outcome)?,
            Event::EpochStart { role, epoch } => {
                self.roles.on_epoch_start(role, epoch, &mut self.world)?;
            }
            Event::EpochEnd { epoch } => {
                self.schedule_epochs_ahead();
                self.end_epoch(tick, epoch, observer)?;
            }
            Event::AgentJoin { population } => {
                let mut rng = self.world.rng.clone();
                self.spawn_agent(usize::from(population), &mut rng, false)?;
                self.world.rng = rng;
            }
            Event::AgentLeave { agent } => self.on_leave(agent)?,
            Event::Governance { action, proposal } => {
                self.on_governance(tick, action, proposal)?;
            }
        }
        Ok(())
    }

    /// Task arrivals per tick in the current epoch: the demand grows by
    /// `growth_per_epoch` until it reaches [`MAX_TASKS_PER_EPOCH`].
    fn arrival_rate_per_tick(&self) -> f64 {
        let per_epoch = self.world.rules.tasks_per_epoch
            * (1.0 + self.world.rules.demand_growth).powi(self.world.epoch as i32);
        per_epoch.min(MAX_TASKS_PER_EPOCH) / self.world.rules.ticks_per_epoch as f64
    }

    /// Draws the next arrival's clock from `from` and queues its event.
    fn schedule_arrival_after(&mut self, from: f64) {
        let rate_per_tick = self.arrival_rate;
        if !(rate_per_tick > 0.0 && rate_per_tick.is_finite()) {
            return;
        }
        let gap: f64 = self.world.rng.sample(Exp1);
        let next = from + gap / rate_per_tick;
        // The clock always moves on, however small the gap against it.
        self.arrival_clock = if next > from {
            next
        } else {
            f64::from_bits(from.max(0.0).to_bits() + 1)
        };
        // The clock is never negative: truncation is its floor, and its
        // floor is below 2^63 exactly when it is.
        if self.arrival_clock < (u64::MAX / 2) as f64 {
            self.world
                .queue
                .push(self.arrival_clock as u64, Event::TaskArrival);
        }
    }

    fn schedule_next_arrival(&mut self) {
        self.schedule_arrival_after(self.arrival_clock);
    }

    /// The batched event model's arrival event at clock c (tick ⌊c⌋): the
    /// tasks arriving in [c, ⌊c⌋ + 1), which are 1 + Poisson(λ · (⌊c⌋ + 1
    /// − c)) by the process's independent increments; the next event's
    /// clock is ⌊c⌋ + 1 + X/λ by its memorylessness. Returns the count.
    fn batch_of_arrivals(&mut self) -> u64 {
        let clock = self.arrival_clock;
        let tick_end = clock.floor() + 1.0;
        let mean = self.arrival_rate * (tick_end - clock);
        let more = poisson(&mut self.world.rng, mean);
        self.schedule_arrival_after(tick_end);
        1 + more
    }

    /// One task to a provider with spare capacity, by the allocation
    /// policy; its row, or None when every provider is busy.
    #[inline(always)]
    fn allocate(&mut self) -> Option<u32> {
        match &mut self.allocator {
            None => self
                .roles
                .compute_provider
                .allocate_random(&mut self.world.rng),
            Some(policy) => policy.allocate(
                &mut self.roles.compute_provider,
                &self.world.agents,
                &mut self.world.rng,
            ),
        }
    }

    fn on_task_arrival(&mut self, tick: u64) -> Result<(), SimError> {
        if !self.world.rules.batched {
            self.schedule_next_arrival();
            self.world.counters.tasks_arrived += 1;
            return self.arrive_whole(tick);
        }
        // The tick's first task comes in the queue's order, as under
        // `per_task`; the rest come after everything queued for the tick so
        // far (leaves, joins, trades), as `per_task`'s later arrivals of the
        // tick do: one more event at this tick handles them.
        let arrivals = if self.arrivals_pending > 0 {
            std::mem::take(&mut self.arrivals_pending)
        } else {
            let arrivals = self.batch_of_arrivals();
            self.world.counters.tasks_arrived += arrivals;
            if arrivals > 1 {
                self.arrivals_pending = arrivals - 1;
                self.world.queue.push(tick, Event::TaskArrival);
            }
            1
        };
        if self.auction.is_some() || self.verifier.regime.engine_verified() {
            // An auction clears each task against the bids left; replicas
            // are allocated with their task: one whole task at a time.
            for _ in 0..arrivals {
                self.arrive_whole(tick)?;
            }
            return Ok(());
        }
        // Two passes over chunks of the tasks: first each task gets its
        // provider (a short loop whose loads of random providers' rows
        // overlap), then each is bought and served, its provider's row now
        // cached. Chunks bound the buffer whatever the arrivals per tick.
        let mut rows = std::mem::take(&mut self.scratch.batch);
        let mut left = arrivals;
        let mut served = Ok(());
        while left > 0 && served.is_ok() {
            let chunk = left.min(BATCH_CHUNK);
            left -= chunk;
            rows.clear();
            if self.allocator.is_none() {
                // The buyers' willingness first, then the uniform draws.
                let bought = (0..chunk).filter(|_| !self.priced_out()).count() as u64;
                self.world.counters.tasks_dropped += self
                    .roles
                    .compute_provider
                    .allocate_random_batch(bought, &mut self.world.rng, &mut rows);
            } else {
                for _ in 0..chunk {
                    if let Some(row) = self.admit() {
                        rows.push(row);
                    }
                }
            }
            served = rows.iter().try_for_each(|&row| self.take_task(tick, row));
        }
        self.scratch.batch = rows;
        served
    }

    /// One arriving task handled whole (after it is counted): cleared by
    /// the auction, or admitted and taken.
    #[inline(always)]
    fn arrive_whole(&mut self, tick: u64) -> Result<(), SimError> {
        if self.auction.is_some() {
            return self.on_auctioned_arrival(tick);
        }
        match self.admit() {
            Some(row) => self.take_task(tick, row),
            None => Ok(()),
        }
    }

    /// An arriving task's buyer and provider: priced out (only when
    /// `willingness_to_pay` is set) or dropped for want of a free provider
    /// (counted, None), or the row of the provider that takes it.
    #[inline(always)]
    fn admit(&mut self) -> Option<u32> {
        if self.priced_out() {
            return None;
        }
        let row = self.allocate();
        if row.is_none() {
            self.world.counters.tasks_dropped += 1;
        }
        row
    }

    /// Whether an arriving task's buyer would not pay the fee (counted;
    /// only when `willingness_to_pay` is set, else nothing is drawn).
    #[inline(always)]
    fn priced_out(&mut self) -> bool {
        let Some(willingness) = &self.world.rules.willingness_to_pay else {
            return false;
        };
        // The buyer's highest acceptable fee, against the fee.
        let gate = match self.willingness_gate {
            Some(gate) if gate.units() == self.fee.now => gate,
            _ => BelowUnits::new(willingness, self.fee.now, QUOTE_DECIMALS),
        };
        self.willingness_gate = Some(gate);
        let out = gate.draw(willingness, &mut self.world.rng);
        self.world.counters.tasks_priced_out += u64::from(out);
        out
    }

    /// Provider `row` takes a task at `tick`: the dataset it uses, the
    /// buyer's purchase of the fee, and its service.
    #[inline(always)]
    fn take_task(&mut self, tick: u64, row: u32) -> Result<(), SimError> {
        if self.track_usage {
            self.roles.data_provider.use_dataset(&mut self.usage_rng);
        }
        // The user buys the fee's tokens on the market; they wait in escrow.
        if let (Some(market), fee) = (&mut self.world.market, self.fee.now) {
            if fee > 0
                && market.buy(
                    &mut self.world.ledger,
                    &mut self.world.quote,
                    QuoteAccount::TaskBuyers,
                    fee,
                    ESCROW,
                )? > 0
            {
                self.world.counters.fees_quote += u128::from(fee);
            }
        }
        if self.verifier.regime.engine_verified() {
            return self.dispatch_verified(tick, row);
        }
        let provider = self.roles.compute_provider.agent_of(row);
        self.serve(tick, provider, row);
        Ok(())
    }

    /// Draws the service time of a task `row` took at `tick` and queues its
    /// completion, or, under the batched event model when it falls before
    /// the epoch's end (when every leave before it is already queued),
    /// completes it now as its event would.
    #[inline(always)]
    fn serve(&mut self, tick: u64, provider: u32, row: u32) {
        let done = tick + self.world.service_delay();
        if self.world.rules.batched && done < self.world.epoch_end_tick() {
            let providers = &mut self.roles.compute_provider;
            let active = providers.active_at(row, done);
            providers.complete(provider, row, done, active, &mut self.world);
        } else {
            self.world
                .queue
                .push(done, ComputeProviders::completion(provider, row));
        }
    }

    fn on_validation(&mut self, provider: u32, correct: bool) -> Result<(), SimError> {
        let validator = self
            .roles
            .validator
            .draw_by_stake(&self.world.agents, &self.world.ledger, &mut self.world.rng)
            .filter(|&row| {
                self.world
                    .agents
                    .is_active(self.roles.validator.agent[row as usize])
            });
        let Some(vrow) = validator else {
            self.world.agents.add_contribution(provider, 1);
            self.count_validated_accept(correct);
            return Ok(());
        };
        self.world
            .agents
            .add_contribution(self.roles.validator.agent[vrow as usize], 1);
        if correct || !self.roles.validator.catches(vrow, &mut self.world.rng) {
            self.world.agents.add_contribution(provider, 1);
            self.world.agents.passed_epoch[provider as usize] += 1;
            self.count_validated_accept(correct);
            return Ok(());
        }
        self.world.counters.cheats_caught += 1;
        self.world.counters.frauds_caught += 1;
        self.world.agents.failures_epoch[provider as usize] += 1;
        let stake = self.world.ledger.get(Account::Stake(provider));
        let slashed = share_of(stake, self.world.rules.slash_ppb);
        match self.world.rules.slash_to {
            SlashDestination::Burn => self.world.ledger.burn(Account::Stake(provider), slashed)?,
            SlashDestination::Treasury => {
                self.world
                    .ledger
                    .transfer(Account::Stake(provider), TREASURY, slashed)?;
            }
        }
        Ok(())
    }

    /// A sampled result accepted after its check (`validation.delay_ticks`).
    #[inline]
    fn count_validated_accept(&mut self, correct: bool) {
        let c = &mut self.world.counters;
        c.results_accepted += 1;
        c.latency_ticks += u128::from(self.world.rules.validation_delay);
        c.wrong_accepted += u64::from(!correct);
    }

    fn on_leave(&mut self, agent: u32) -> Result<(), SimError> {
        let a = agent as usize;
        if self.world.agents.left_epoch[a] != ACTIVE {
            return Ok(());
        }
        self.world.agents.left_epoch[a] = self.world.epoch;
        if self.world.agents.role[a] == Role::ComputeProvider {
            let row = self.world.agents.role_index[a];
            self.roles.compute_provider.on_leave(row);
        }
        let stake = self.world.ledger.get(Account::Stake(agent));
        self.world
            .ledger
            .transfer(Account::Stake(agent), Account::Balance(agent), stake)?;
        self.population_active[usize::from(self.world.agents.population[a])] -= 1;
        self.roster_version[self.world.agents.role[a].index()] += 1;
        Ok(())
    }

    fn emission_at(&self, epoch: u32) -> u64 {
        let base = self.world.rules.emission_per_epoch;
        match self.world.rules.emission_schedule {
            EmissionSchedule::None => 0,
            EmissionSchedule::Constant => base,
            EmissionSchedule::Halving => {
                let halvings = epoch / self.world.rules.halving_interval;
                base.checked_shr(halvings).unwrap_or(0)
            }
        }
    }

    /// Emission, fee split, reward payouts, providers' economics and churn,
    /// then the epoch's record.
    fn end_epoch<O: Observer + ?Sized>(
        &mut self,
        tick: u64,
        epoch: u32,
        observer: &mut O,
    ) -> Result<(), SimError> {
        self.roles
            .compute_provider
            .close_tallies(&mut self.world.agents);
        let emission = self.emission_at(epoch);
        self.world.ledger.mint(REWARDS, emission)?;

        let escrow = self.world.ledger.system(SystemAccount::FeeEscrow);
        let burned = share_of(escrow, self.world.rules.burn_ppb);
        let to_treasury = share_of(escrow, self.world.rules.treasury_ppb).min(escrow - burned);
        self.world.ledger.burn(ESCROW, burned)?;
        self.world.ledger.transfer(ESCROW, TREASURY, to_treasury)?;
        self.world
            .ledger
            .transfer(ESCROW, REWARDS, escrow - burned - to_treasury)?;

        let reward_budget = u128::from(self.world.ledger.system(SystemAccount::RewardsPool));
        self.update_reputations();
        let rewards_paid = self.pay_rewards(epoch)?;
        self.settle_provider_economics(epoch)?;
        self.value_rewards();
        let quote_changes = self.world.quote.changes();
        let quote_unchanged = self.quote_checked_at == Some(quote_changes);
        if !quote_unchanged {
            self.world
                .quote
                .copy_agent_balances(&mut self.world.agents.quote);
        }
        let holdings = self.world.ledger.holdings();
        self.check_value(epoch, &holdings, quote_unchanged)?;
        self.quote_checked_at = Some(quote_changes);

        let utilisation = self.utilisation();
        let mut record = self.record(tick, epoch, emission, rewards_paid, &holdings)?;
        record.reward_budget = reward_budget;
        record.task_fee = self.fee.now;
        if self.auction.is_some() {
            // The mean price paid this epoch.
            let (sum, n) = std::mem::take(&mut self.auction_paid);
            record.task_fee = if n > 0 {
                (sum / u128::from(n)) as u64
            } else {
                0
            };
        }
        record.utilisation = utilisation;
        self.record_verification(&mut record);
        self.governance_epoch_end(&mut record);
        observer.on_epoch(&record);
        self.scratch.roles = std::mem::take(&mut record.roles);

        self.fee.update(utilisation);
        self.observe_health(epoch);
        self.world.epoch = epoch + 1;
        self.world.counters = EpochCounters::default();
        self.world.agents.close_epoch();
        self.start_epoch();
        self.world.price_at_epoch_start = self.price();
        self.arrival_rate = self.arrival_rate_per_tick();
        if self.world.epoch >= self.world.rules.epochs {
            self.finished = true;
        }
        Ok(())
    }

    /// Values the epoch's payouts at the market price at its end.
    fn value_rewards(&mut self) {
        let Some(market) = &self.world.market else {
            return;
        };
        for (a, &r) in self.world.agents.rewards_epoch.iter().enumerate() {
            if r > 0 {
                self.value.rewards_value_quote[a] +=
                    u128::from(market.value_in_quote(&self.world.ledger, r));
            }
        }
    }

    /// The value identities (tokens with burned, quote per account and in
    /// total, the market's reserve); a break fails the run. The quote
    /// identities are not re-checked when `quote_unchanged` (the quote
    /// ledger has not changed since they last held).
    fn check_value(
        &self,
        epoch: u32,
        holdings: &Holdings,
        quote_unchanged: bool,
    ) -> Result<(), SimError> {
        self.value
            .check(&self.economy(), holdings, quote_unchanged)
            .map_err(|message| SimError::Identity { epoch, message })
    }

    /// Applies the health rules at an epoch end (after the fee update, so
    /// the fee seen is the next epoch's).
    fn observe_health(&mut self, epoch: u32) {
        // Reused buffers: the epoch end allocates nothing in steady state.
        let mut pools = std::mem::take(&mut self.scratch.pool_health);
        pools.clear();
        pools.extend(self.pools.iter().map(|p| (p.kind.as_str(), p.empty)));
        // The health rules look for the first extinct population only.
        let extinct: Option<(&str, u32)> = self
            .population_names
            .iter()
            .zip(&self.population_active)
            .zip(&self.population_ever)
            .filter(|(_, &ever)| ever > 0)
            .map(|((name, &active), _)| (name.as_str(), active))
            .find(|&(_, active)| active == 0);
        let populations = extinct.as_slice();
        let dynamic_fee =
            (self.fee.policy == FeePolicy::Dynamic).then(|| (self.fee.now, self.fee.cap()));
        let observed = EpochHealth {
            epoch,
            reserves: self.reserves(),
            price: self.price(),
            dynamic_fee,
            pools_empty: &pools,
            populations,
        };
        self.health.observe(&observed);
        self.scratch.pool_health = pools;
    }

    /// The market's (token, quote) reserves (None without a market).
    fn reserves(&self) -> Option<(u64, u64)> {
        self.world.market.as_ref().map(|m| {
            (
                self.world.ledger.system(SystemAccount::MarketPool),
                m.quote_reserve(),
            )
        })
    }

    fn economy(&self) -> Economy<'_> {
        Economy {
            ledger: &self.world.ledger,
            quotes: &self.world.quote,
            market: self.world.market.as_ref(),
            agents: &self.world.agents,
        }
    }

    /// Per-epoch state rebuilt from the agents at an epoch's start: free
    /// capacity, the allocation policy, the validators' draw, dataset usage.
    fn start_epoch(&mut self) {
        self.roles.compute_provider.reset_epoch(&self.world.agents);
        if let Some(policy) = &mut self.allocator {
            policy.rebuild(
                &self.roles.compute_provider,
                &self.world.agents,
                self.compute_rep.as_ref(),
            );
        }
        if let Some(auction) = &mut self.auction {
            auction.rebuild(&self.roles.compute_provider, &self.world.agents);
        }
        self.roles.validator.invalidate_draw();
        if self.verifier.regime == Regime::Optimistic {
            self.challengers_decide();
        }
        if self.track_usage {
            self.roles.data_provider.rebuild_usage(&self.world.agents);
        }
    }

    /// Share of the providers' capacity used this epoch (1 when tasks came
    /// and nobody could take them; the target when nothing happened).
    fn utilisation(&self) -> f64 {
        let capacity = self.roles.compute_provider.capacity_epoch;
        if capacity == 0 {
            return if self.world.counters.tasks_arrived > 0 {
                1.0
            } else {
                self.fee.target
            };
        }
        let allocated = self.roles.compute_provider.allocated();
        (allocated as f64 / capacity as f64).min(1.0)
    }

    /// Folds the epoch's validated outcomes into the providers' reputations:
    /// compute providers' checks passed and results caught wrong (caught
    /// means slashed), data providers' datasets accepted and rejected.
    fn update_reputations(&mut self) {
        if self.compute_rep.is_none() && self.data_rep.is_none() {
            return;
        }
        let n = self.world.agents.len();
        let agents = &self.world.agents;
        for book in [&mut self.compute_rep, &mut self.data_rep]
            .into_iter()
            .flatten()
        {
            book.ensure(n);
        }
        for (a, &role) in agents.role.iter().enumerate() {
            let book = match role.pool() {
                Some(PoolKind::Compute) => self.compute_rep.as_mut(),
                Some(PoolKind::Data) => self.data_rep.as_mut(),
                _ => None,
            };
            if let Some(book) = book {
                if agents.left_epoch[a] == ACTIVE {
                    let (successes, failures, slashed) = role.reputation_evidence(agents, a);
                    book.update(a as u32, successes, failures, slashed);
                }
            }
        }
    }

    /// Divides the rewards pool among the configured pools; returns the
    /// total paid. Unpaid remainders stay in the rewards pool.
    fn pay_rewards(&mut self, epoch: u32) -> Result<u128, SimError> {
        let budget = self.world.ledger.system(SystemAccount::RewardsPool);
        let mut paid_total = 0u128;
        let mut previous_ppb = 0;
        for pool in &mut self.pools {
            let s = &mut self.scratch;
            s.members.clear();
            s.work.clear();
            s.failures.clear();
            s.stake.clear();
            s.reputation.clear();
            s.usage.clear();
            let agents = &self.world.agents;
            let stakes = self.world.ledger.stakes();
            for (role, run) in agents.role_runs() {
                if !pool.members[role.index()] {
                    continue;
                }
                for active in agents.active_runs(run) {
                    s.members.extend(active.start as u32..active.end as u32);
                    s.work
                        .extend_from_slice(&agents.contribution_epoch[active.clone()]);
                    s.failures.extend(
                        agents.failures_epoch[active.clone()]
                            .iter()
                            .map(|&f| u64::from(f)),
                    );
                    s.stake.extend_from_slice(&stakes[active]);
                }
            }
            let book = match pool.kind {
                PoolKind::Compute => self.compute_rep.as_ref(),
                PoolKind::Data => self.data_rep.as_ref(),
                PoolKind::Validation => None,
            };
            match book {
                Some(book) if pool.needs_reputation => {
                    s.reputation
                        .extend(s.members.iter().map(|&agent| book.score(agent)));
                }
                _ => s.reputation.resize(s.members.len(), PRIOR),
            }
            if pool.needs_usage {
                let (agents, data) = (&self.world.agents, &self.roles.data_provider);
                s.usage.extend(s.members.iter().map(|&agent| {
                    let a = agent as usize;
                    if agents.role[a] == Role::DataProvider {
                        let row = agents.role_index[a] as usize;
                        data.usage_epoch.get(row).copied().unwrap_or(0)
                    } else {
                        0
                    }
                }));
            } else {
                s.usage.resize(s.members.len(), 0);
            }
            pool.empty = s.members.is_empty();
            s.payouts.clear();
            s.payouts.resize(s.members.len(), 0);
            let pool_budget =
                share_of(budget, pool.cumulative_ppb) - share_of(budget, previous_ppb);
            previous_ppb = pool.cumulative_ppb;
            let ctx = RewardContext {
                pool: pool.kind,
                epoch,
                members: &s.members,
                work: &s.work,
                failures: &s.failures,
                stake: &s.stake,
                reputation: &s.reputation,
                usage: &s.usage,
                agents: &self.world.agents,
                compute: &self.roles.compute_provider,
                data: &self.roles.data_provider,
                validators: &self.roles.validator,
                ledger: &self.world.ledger,
            };
            pool.scheme
                .distribute(&ctx, pool_budget, &mut self.reward_rng, &mut s.payouts)
                .map_err(|message| SimError::Scheme {
                    scheme: pool.scheme.name(),
                    epoch,
                    message,
                })?;
            let paid: u128 = s.payouts.iter().map(|&p| u128::from(p)).sum();
            if paid > u128::from(pool_budget) {
                return Err(SimError::SchemeOverpaid {
                    scheme: pool.scheme.name(),
                    epoch,
                    paid,
                    budget: pool_budget,
                });
            }
            self.world
                .ledger
                .pay_out(SystemAccount::RewardsPool, &s.members, &s.payouts)?;
            let agents = &mut self.world.agents;
            for (&agent, &amount) in s.members.iter().zip(&s.payouts) {
                agents.rewards_epoch[agent as usize] += amount;
                agents.rewards_total[agent as usize] += amount;
            }
            paid_total += paid;
        }
        Ok(paid_total)
    }

    /// Providers pay their epoch's costs in quote and sell tokens as their
    /// population's `sell_policy` says, and leave after a stretch of
    /// losses; profitable populations with room to grow attract newcomers
    /// next epoch. Without a market nothing is sold or paid: costs accrue
    /// as unpaid.
    fn settle_provider_economics(&mut self, epoch: u32) -> Result<(), SimError> {
        let Some(market) = &mut self.world.market else {
            if !self.roles_present.iter().any(|r| r.pays_costs()) {
                return Ok(());
            }
            for (a, &role) in self.world.agents.role.iter().enumerate() {
                let cost = self.world.agents.cost_epoch[a];
                if cost > 0 && self.world.agents.left_epoch[a] == ACTIVE && role.pays_costs() {
                    self.value.unpaid_costs_quote[a] += u128::from(cost);
                }
            }
            return Ok(());
        };
        let s = &mut self.scratch;
        s.pop_revenue.clear();
        s.pop_revenue.resize(self.populations.len(), 0);
        s.pop_cost.clear();
        s.pop_cost.resize(self.populations.len(), 0);
        let next_epoch_start = u64::from(epoch + 1) * self.world.rules.ticks_per_epoch;
        for agent in 0..self.world.agents.len() as u32 {
            let a = agent as usize;
            let role = self.world.agents.role[a];
            if self.world.agents.left_epoch[a] != ACTIVE || !role.pays_costs() {
                continue;
            }
            let me = QuoteAccount::Agent(agent);
            let rewards = self.world.agents.rewards_epoch[a];
            let cost = self.world.agents.cost_epoch[a];
            let p = usize::from(self.world.agents.population[a]);
            let (policy, sell_ppb) = self.sell_policy[p];
            let balance = self.world.ledger.get(Account::Balance(agent));
            // Tokens to sell and the quote due this epoch.
            let (to_sell, due, revenue) = match policy {
                SellPolicy::Legacy => {
                    let revenue = market.value_in_quote(&self.world.ledger, rewards);
                    let to_sell = if cost > 0 && revenue > 0 {
                        (u128::from(rewards) * u128::from(cost.min(revenue)) / u128::from(revenue))
                            as u64
                    } else {
                        0
                    };
                    (to_sell.min(balance), u128::from(cost), Some(revenue))
                }
                _ => {
                    let due = u128::from(cost) + self.value.unpaid_costs_quote[a];
                    let to_sell = match policy {
                        SellPolicy::CoverCosts => {
                            let held = u128::from(self.world.quote.balance(me));
                            let short = u64::try_from(due.saturating_sub(held)).unwrap_or(u64::MAX);
                            if short == 0 {
                                0
                            } else {
                                market
                                    .tokens_for_quote(&self.world.ledger, short)
                                    .unwrap_or(balance)
                            }
                        }
                        SellPolicy::SellRewards => share_of(rewards, sell_ppb),
                        _ => 0,
                    };
                    (to_sell.min(balance), due, None)
                }
            };
            let got = market.sell(
                &mut self.world.ledger,
                &mut self.world.quote,
                to_sell,
                Account::Balance(agent),
                me,
            )?;
            self.world.counters.sales_quote += u128::from(got);
            let held = self.world.quote.balance(me);
            let paid = u64::try_from(due.min(u128::from(held))).unwrap_or(held);
            self.world.quote.transfer(me, QuoteAccount::Outside, paid)?;
            self.world.counters.costs_paid_quote += u128::from(paid);
            self.value.costs_paid_quote[a] += u128::from(paid);
            let unpaid = due - u128::from(paid);
            // Without a policy a shortfall is forgiven (tallied); with one
            // it is owed, and paid first from later income.
            match policy {
                SellPolicy::Legacy => self.value.unpaid_costs_quote[a] += unpaid,
                _ => self.value.unpaid_costs_quote[a] = unpaid,
            }
            // Profitability: the rewards' spot value without a policy,
            // the money actually received with one.
            let revenue = revenue.unwrap_or(got);
            s.pop_revenue[p] += u128::from(revenue);
            s.pop_cost[p] += u128::from(cost);
            if revenue >= cost {
                self.world.agents.unprofitable_streak[a] = 0;
            } else {
                self.world.agents.unprofitable_streak[a] += 1;
                let exit = self.world.rules.exit_after_epochs;
                if exit > 0 && self.world.agents.unprofitable_streak[a] >= exit {
                    let at = next_epoch_start
                        + self
                            .world
                            .rng
                            .random_range(0..self.world.rules.ticks_per_epoch);
                    self.world.queue.push(at, Event::AgentLeave { agent });
                    // Read by the batched event model (`demand.event_model`).
                    let row = self.world.agents.role_index[a];
                    self.roles.leave_queued(self.world.agents.role[a], row, at);
                    self.world.agents.unprofitable_streak[a] = 0;
                }
            }
        }
        if epoch + 1 >= self.world.rules.epochs {
            return Ok(());
        }
        for (p, spec) in self.populations.iter().enumerate() {
            let Some(max) = spec.max_count else { continue };
            let active = self.population_active[p];
            let profitable = s.pop_revenue[p] > s.pop_cost[p];
            if !profitable || active >= max {
                continue;
            }
            let joiners = ((f64::from(active) * self.world.rules.join_rate).ceil() as u32)
                .max(1)
                .min(max - active);
            for _ in 0..joiners {
                let at = next_epoch_start
                    + self
                        .world
                        .rng
                        .random_range(0..self.world.rules.ticks_per_epoch);
                self.world.queue.push(
                    at,
                    Event::AgentJoin {
                        population: p as u16,
                    },
                );
            }
        }
        Ok(())
    }

    fn record(
        &mut self,
        tick: u64,
        epoch: u32,
        emission: u64,
        rewards_paid: u128,
        totals: &Holdings,
    ) -> Result<EpochRecord, SimError> {
        self.world.ledger.check_holdings(totals)?;
        let s = &mut self.scratch;
        for v in s
            .wealth_by_role
            .iter_mut()
            .chain(s.rewards_by_role.iter_mut())
        {
            v.clear();
        }
        // One pass over the agents fills the per-role vectors (in id order).
        let roster = self.roster_version;
        let mut rewards_epoch_by_role = [0u128; Role::COUNT];
        // Every member's tokens and quote, agents that left included.
        let mut wealth_total_by_role = [0u128; Role::COUNT];
        let mut quote_by_role = [0u128; Role::COUNT];
        let unvested_total = totals.unvested;
        let agents = &self.world.agents;
        let ledger = &self.world.ledger;
        // Every agent's quote, copied from the ledger at this epoch's end.
        let quotes = &agents.quote;
        let (balances, stakes, unvested) = (ledger.balances(), ledger.stakes(), ledger.unvested());
        for (role, run) in agents.role_runs() {
            let r = role.index();
            let (mut wealth_total, mut quote_total, mut rewards_epoch) = (0u128, 0u128, 0u128);
            let active = &mut s.wealth_by_role[r];
            let columns = |range: std::ops::Range<usize>| {
                let (b, st, u) = (
                    &balances[range.clone()],
                    &stakes[range.clone()],
                    &unvested[range],
                );
                b.iter()
                    .zip(st)
                    .zip(u)
                    .map(|((&b, &st), &u)| Ledger::wealth_of(b, st, u))
            };
            // Active agents' wealth is copied out and summed from the copy;
            // the gaps between active runs (agents that left) are summed.
            let mut gap_start = run.start;
            for members in agents.active_runs(run.clone()) {
                for wealth in columns(gap_start..members.start) {
                    wealth_total += u128::from(wealth);
                }
                gap_start = members.end;
                let copied = active.len();
                active.extend(columns(members));
                for &wealth in &active[copied..] {
                    wealth_total += u128::from(wealth);
                }
            }
            for wealth in columns(gap_start..run.end) {
                wealth_total += u128::from(wealth);
            }
            for &q in &quotes[run.clone()] {
                quote_total += u128::from(q);
            }
            if self.rewarded[r] {
                s.rewards_by_role[r].extend_from_slice(&agents.rewards_total[run.clone()]);
                for &x in &agents.rewards_epoch[run] {
                    rewards_epoch += u128::from(x);
                }
            }
            wealth_total_by_role[r] += wealth_total;
            quote_by_role[r] += quote_total;
            rewards_epoch_by_role[r] += rewards_epoch;
        }
        let mut roles = std::mem::take(&mut s.roles);
        roles.clear();
        // With several roles their sorted vectors are merged below.
        let merged = self.roles_present.len() > 1;
        for &role in &self.roles_present {
            let r = role.index();
            // Small integer values (random-exchange economies) are counted
            // and their figures taken from the histogram (the sorted
            // values are written out only when several roles are merged
            // below); others are sorted from last epoch's order.
            let (wealth, counts) = (&mut s.wealth_by_role[r], &mut s.counts);
            let held = if histogram_if_small(wealth, counts) {
                if merged {
                    write_sorted(counts, wealth);
                }
                concentration_of_counts(counts).0
            } else {
                s.wealth_order[r].sort(roster[r], wealth);
                concentration_sorted(wealth)
            };
            let rewards = &mut s.rewards_by_role[r];
            let (gini_rewards, rewards_total) = if histogram_if_small(rewards, counts) {
                if merged {
                    write_sorted(counts, rewards);
                }
                let (figures, total) = concentration_of_counts(counts);
                (figures.gini, total)
            } else {
                s.rewards_order[r].sort(roster[r], rewards);
                gini_sorted_and_total(rewards)
            };
            let wealth = &s.wealth_by_role[r];
            roles.push(RoleEpoch {
                role,
                active: wealth.len(),
                gini_wealth: held.gini,
                nakamoto_wealth: held.nakamoto,
                hhi_wealth: held.hhi,
                gini_rewards: if self.rewarded[r] { gini_rewards } else { None },
                rewards_total,
                rewards_epoch: rewards_epoch_by_role[r],
                wealth_total: wealth_total_by_role[r],
                value_quote: None,
            });
        }
        // Overall vectors. With one role they are that role's; otherwise the
        // role vectors are sorted runs, which the stable sort merges in
        // near-linear time.
        let (gini_wealth, nakamoto_wealth, active_agents) = match roles.as_slice() {
            [only] => (only.gini_wealth, only.nakamoto_wealth, only.active),
            _ => {
                let runs: [&[u64]; Role::COUNT] =
                    std::array::from_fn(|r| s.wealth_by_role[r].as_slice());
                merge_sorted(runs, &mut s.all, &mut s.all_buffer);
                (
                    gini_sorted(&s.all),
                    nakamoto_sorted(&s.all, 1, 2),
                    s.all.len(),
                )
            }
        };
        let rewarded_roles = self.rewarded.iter().filter(|&&r| r).count();
        let gini_rewards = if rewarded_roles <= 1 {
            roles
                .iter()
                .find(|r| self.rewarded[r.role.index()])
                .and_then(|r| r.gini_rewards)
        } else {
            let runs: [&[u64]; Role::COUNT] = std::array::from_fn(|r| {
                if self.rewarded[r] {
                    s.rewards_by_role[r].as_slice()
                } else {
                    &[]
                }
            });
            merge_sorted(runs, &mut s.all, &mut s.all_buffer);
            gini_sorted(&s.all)
        };

        {
            let economy = Economy {
                ledger: &self.world.ledger,
                quotes: &self.world.quote,
                market: self.world.market.as_ref(),
                agents: &self.world.agents,
            };
            if economy.market.is_some() {
                for r in &mut roles {
                    let i = r.role.index();
                    r.value_quote =
                        Some(economy.value_now(wealth_total_by_role[i]) + quote_by_role[i]);
                }
            }
        }
        let ledger = &self.world.ledger;
        let system = |a: SystemAccount| u128::from(ledger.system(a));
        let supply = SupplyBreakdown {
            liquid: totals.liquid,
            staked: totals.staked,
            unvested: unvested_total,
            treasury: system(SystemAccount::Treasury),
            market_pool: system(SystemAccount::MarketPool),
            rewards_pool: system(SystemAccount::RewardsPool),
            fee_escrow: system(SystemAccount::FeeEscrow),
        };
        let held_by_system = u128::from(self.world.ledger.system(SystemAccount::Treasury))
            + u128::from(self.world.ledger.system(SystemAccount::RewardsPool))
            + u128::from(self.world.ledger.system(SystemAccount::FeeEscrow));
        Ok(EpochRecord {
            epoch,
            time: tick,
            price: self.price(),
            circulating_supply: self.world.ledger.supply() - held_by_system - unvested_total,
            minted_total: self.world.ledger.minted(),
            burned_total: self.world.ledger.burned(),
            treasury: u128::from(self.world.ledger.system(SystemAccount::Treasury)),
            gini_wealth,
            nakamoto_wealth,
            gini_rewards,
            active_agents,
            tasks_arrived: self.world.counters.tasks_arrived,
            tasks_completed: self.world.counters.tasks_completed,
            tasks_dropped: self.world.counters.tasks_dropped,
            cheats_caught: self.world.counters.cheats_caught,
            fees_quote: self.world.counters.fees_quote,
            tasks_priced_out: self.world.counters.tasks_priced_out,
            market_quote_reserve: self
                .world
                .market
                .as_ref()
                .map_or(0, |m| u128::from(m.quote_reserve())),
            costs_paid_quote: self.world.counters.costs_paid_quote,
            provider_sales_quote: self.world.counters.sales_quote,
            unpaid_costs_quote: self.value.unpaid_costs_quote.iter().sum(),
            emission: u128::from(emission),
            reward_budget: 0,
            task_fee: 0,
            utilisation: 0.0,
            rewards_paid,
            events: self.events,
            roles,
            priced: self.world.market.is_some(),
            supply,
            ..Default::default()
        })
    }

    /// Quote per token now (0 without a market).
    pub fn price(&self) -> f64 {
        self.world
            .market
            .as_ref()
            .map_or(0.0, |m| m.price(&self.world.ledger))
    }

    pub fn ledger(&self) -> &Ledger {
        &self.world.ledger
    }
    pub fn agents(&self) -> &Agents {
        &self.world.agents
    }
    pub fn market(&self) -> Option<&Market> {
        self.world.market.as_ref()
    }
    pub fn population_names(&self) -> &[String] {
        &self.population_names
    }
    /// Roles with at least one population, in `Role` order.
    pub fn roles_present(&self) -> &[Role] {
        &self.roles_present
    }
    /// Whether a reward pool pays `role`.
    pub fn is_rewarded(&self, role: Role) -> bool {
        self.rewarded[role.index()]
    }
    pub fn decimals(&self) -> u32 {
        self.world.rules.decimals
    }
    /// Bytes held by the event queue now.
    pub fn queue_memory_bytes(&self) -> usize {
        self.world.queue.memory_bytes()
    }
    /// Reputation of a compute or data provider in [0, 1] (None for other
    /// roles, and when no scheme or allocation policy keeps reputations).
    pub fn reputation(&self, agent: u32) -> Option<f64> {
        let book = match self.world.agents.role.get(agent as usize)?.pool()? {
            PoolKind::Compute => self.compute_rep.as_ref(),
            PoolKind::Data => self.data_rep.as_ref(),
            PoolKind::Validation => None,
        };
        book.map(|b| b.score(agent))
    }
    /// The task fee charged now, quote base units.
    pub fn task_fee(&self) -> u64 {
        self.fee.now
    }
    /// Events taken from the queue so far.
    pub fn events(&self) -> u64 {
        self.events
    }
    /// Epochs completed so far.
    pub fn epochs_done(&self) -> u32 {
        self.world.epoch
    }
    /// Every quote holding and movement.
    pub fn quote(&self) -> &QuoteLedger {
        &self.world.quote
    }
    /// The per-agent value columns (genesis tokens, costs, rewards' value).
    pub fn value_book(&self) -> &ValueBook {
        &self.value
    }
    /// One agent's value figures now (quote base units).
    pub fn agent_value(&self, agent: u32) -> AgentValue {
        self.value.agent(&self.economy(), agent)
    }
    /// The rows of `value.csv` now (see `value::ValueBook::rows`).
    pub fn value_rows(&self) -> Vec<ValueRow> {
        self.value.rows(&self.economy(), &self.roles_present)
    }
    /// Health warnings so far, each kind once, at its first epoch.
    pub fn warnings(&self) -> &[Warning] {
        self.health.warnings()
    }
    /// `[treasury] controlled_by`.
    pub fn treasury_controlled_by(&self) -> TreasuryControl {
        self.treasury_control
    }
}
