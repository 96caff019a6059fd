//! The one column schema of every output table: each column of
//! `epochs.csv`, `agents.csv`, `accounts.csv`, `value.csv`, and of a sweep's `runs.csv`
//! and `points.csv` is declared here once — name, unit, meaning and how it
//! is computed. The CSV writers (runner), the dashboard's labels, the sweep
//! metric list, `mirage validate`'s summary, `mirage columns` and the
//! README's column tables all follow from it. Families of columns repeated
//! per role (or per axis, per metric) are templates with a `{role}`
//! (`{axis}`, `{metric}`) placeholder. Pure data and text; no I/O.

use std::fmt::Write as _;

/// One column of an output table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header cell (a template with a placeholder in a family).
    pub name: &'static str,
    /// What the numbers count ("" when the cell is text or an id).
    pub unit: &'static str,
    /// What the column means.
    pub meaning: &'static str,
    /// How it is computed.
    pub computed: &'static str,
}

impl Column {
    /// The name with `{placeholder}` replaced by `value`.
    pub fn name_for(&self, placeholder: &str, value: &str) -> String {
        self.name.replace(&format!("{{{placeholder}}}"), value)
    }

    /// A label for charts: the meaning, capitalised, with the unit.
    pub fn label(&self) -> String {
        let mut chars = self.meaning.chars();
        let first: String = chars
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default();
        let text = format!("{first}{}", chars.as_str());
        if self.unit.is_empty() {
            text
        } else {
            format!("{text} ({})", self.unit)
        }
    }
}

/// A run of columns in a table: fixed columns, or a family repeated once
/// per value of a placeholder (each role present, each axis, each metric),
/// or columns present only when the scenario has a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Fixed(&'static [Column]),
    /// Columns written only when the scenario has the `[section]` table
    /// (`header` includes them when `values(section)` is not empty).
    Section {
        section: &'static str,
        columns: &'static [Column],
    },
    Family {
        /// The placeholder in the column names, without braces (`role`).
        placeholder: &'static str,
        /// What it takes, in order.
        over: &'static str,
        columns: &'static [Column],
    },
}

/// One output table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// The name `mirage columns` takes (`epochs`).
    pub name: &'static str,
    /// The file (`epochs.csv`).
    pub file: &'static str,
    /// One row per …
    pub rows: &'static str,
    pub parts: &'static [Part],
}

impl Table {
    /// Every column declaration, templates included, in order.
    pub fn columns(&self) -> impl Iterator<Item = &'static Column> + '_ {
        self.parts.iter().flat_map(|p| match p {
            Part::Fixed(c) | Part::Family { columns: c, .. } | Part::Section { columns: c, .. } => {
                c.iter()
            }
        })
    }

    /// The fixed columns before the first family.
    pub fn fixed(&self) -> Vec<&'static Column> {
        self.parts
            .iter()
            .map_while(|p| match p {
                Part::Fixed(c) => Some(c.iter()),
                Part::Family { .. } | Part::Section { .. } => None,
            })
            .flatten()
            .collect()
    }

    /// The header for these values of each placeholder (`values(role)`);
    /// a family whose placeholder has no values contributes nothing.
    pub fn header(&self, values: &dyn Fn(&str) -> Vec<String>) -> Vec<String> {
        let mut h = Vec::new();
        for part in self.parts {
            match part {
                Part::Fixed(cols) => h.extend(cols.iter().map(|c| c.name.to_string())),
                Part::Section { section, columns } => {
                    if !values(section).is_empty() {
                        h.extend(columns.iter().map(|c| c.name.to_string()));
                    }
                }
                Part::Family {
                    placeholder,
                    columns,
                    ..
                } => {
                    for v in values(placeholder) {
                        h.extend(columns.iter().map(|c| c.name_for(placeholder, &v)));
                    }
                }
            }
        }
        h
    }

    /// The declaration of the header cell `name` (a family member matched
    /// against its template), with the placeholder's value if any.
    pub fn find(&self, name: &str) -> Option<(&'static Column, Option<String>)> {
        for part in self.parts {
            match part {
                Part::Fixed(cols) | Part::Section { columns: cols, .. } => {
                    if let Some(c) = cols.iter().find(|c| c.name == name) {
                        return Some((c, None));
                    }
                }
                Part::Family {
                    placeholder,
                    columns,
                    ..
                } => {
                    let marker = format!("{{{placeholder}}}");
                    for c in columns.iter() {
                        if let Some((pre, post)) = c.name.split_once(&marker) {
                            if let Some(v) = name
                                .strip_prefix(pre)
                                .and_then(|rest| rest.strip_suffix(post))
                                .filter(|v| !v.is_empty())
                            {
                                return Some((c, Some(v.to_string())));
                            }
                        }
                    }
                }
            }
        }
        None
    }
}

const fn col(
    name: &'static str,
    unit: &'static str,
    meaning: &'static str,
    computed: &'static str,
) -> Column {
    Column {
        name,
        unit,
        meaning,
        computed,
    }
}

/// `epochs.csv`: one row per epoch.
pub mod epochs {
    use super::{col, Column, Part, Table};

    pub const EPOCH: Column = col(
        "epoch",
        "epoch",
        "epoch number",
        "1 for the first epoch end",
    );
    pub const TIME: Column = col(
        "time",
        "ticks",
        "tick of the epoch end",
        "epoch × ticks per epoch",
    );
    pub const PRICE: Column = col(
        "price",
        "quote per token",
        "token price",
        "constant-product pool reserves, quote / token, at the epoch end",
    );
    pub const CIRCULATING_SUPPLY: Column = col(
        "circulating_supply",
        "tokens",
        "circulating supply",
        "supply outside the treasury, the rewards pool, the fee escrow and unvested allocations",
    );
    pub const MINTED_TOTAL: Column = col(
        "minted_total",
        "tokens",
        "tokens minted so far",
        "cumulative emission",
    );
    pub const BURNED_TOTAL: Column = col(
        "burned_total",
        "tokens",
        "tokens burned so far",
        "cumulative burns (fee burns, slashing)",
    );
    pub const TREASURY: Column = col(
        "treasury",
        "tokens",
        "treasury balance",
        "the treasury system account at the epoch end",
    );
    pub const GINI_WEALTH: Column = col(
        "gini_wealth",
        "0–1",
        "Gini of wealth",
        "exact Gini of balance + stake + unvested over active agents",
    );
    pub const NAKAMOTO_WEALTH: Column = col(
        "nakamoto_wealth",
        "agents",
        "Nakamoto coefficient of wealth",
        "fewest active agents holding strictly more than half of all wealth (exact integers)",
    );
    pub const GINI_REWARDS: Column = col("gini_rewards", "0–1", "Gini of rewards", "exact Gini of cumulative rewards over every agent of a rewarded role that ever existed, zeros included");
    pub const ACTIVE_AGENTS: Column = col(
        "active_agents",
        "agents",
        "active agents",
        "agents that joined and have not left",
    );
    pub const TASKS_ARRIVED: Column = col(
        "tasks_arrived",
        "tasks",
        "tasks arrived this epoch",
        "count of task arrivals",
    );
    pub const TASKS_COMPLETED: Column = col(
        "tasks_completed",
        "tasks",
        "tasks completed this epoch",
        "count of tasks done and verified",
    );
    pub const TASKS_DROPPED: Column = col(
        "tasks_dropped",
        "tasks",
        "tasks dropped this epoch",
        "arrivals no provider could take",
    );
    pub const CHEATS_CAUGHT: Column = col(
        "cheats_caught",
        "checks",
        "cheats caught this epoch",
        "failed verifications",
    );
    pub const FEES_QUOTE: Column = col(
        "fees_quote",
        "quote",
        "fees users paid this epoch",
        "sum of task fees, quote units (6 decimals)",
    );
    pub const EMISSION: Column = col(
        "emission",
        "tokens",
        "emission this epoch",
        "tokens minted into the rewards pool at the epoch end",
    );
    pub const REWARDS_PAID: Column = col(
        "rewards_paid",
        "tokens",
        "rewards paid this epoch",
        "sum of every pool's payouts; never above the pool's budget",
    );
    pub const TASK_FEE: Column = col(
        "task_fee",
        "quote",
        "fee per task this epoch",
        "fixed, or moved each epoch under fees.policy = \"dynamic\" (6 decimals)",
    );
    pub const UTILISATION: Column = col(
        "utilisation",
        "0–1",
        "utilisation of compute",
        "tasks allocated / capacity of the active compute providers",
    );
    pub const TASKS_PRICED_OUT: Column = col(
        "tasks_priced_out",
        "tasks",
        "tasks priced out this epoch",
        "arrivals whose buyer would not pay the fee (demand.willingness_to_pay)",
    );
    pub const MARKET_QUOTE_RESERVE: Column = col(
        "market_quote_reserve",
        "quote",
        "market's quote reserve",
        "the pool's quote reserve at the epoch end (6 decimals); empty without a market",
    );
    pub const COSTS_PAID_QUOTE: Column = col(
        "costs_paid_quote",
        "quote",
        "operating costs paid this epoch",
        "quote providers paid for their costs (6 decimals); empty without a market",
    );
    pub const PROVIDER_SALES_QUOTE: Column = col(
        "provider_sales_quote",
        "quote",
        "providers' token sales this epoch",
        "quote providers received for tokens sold (6 decimals); empty without a market",
    );
    pub const UNPAID_COSTS_QUOTE: Column = col(
        "unpaid_costs_quote",
        "quote",
        "operating costs unpaid so far",
        "costs incurred and not paid, over all agents (forgiven or owed; 6 decimals); empty without a market",
    );
    pub const SUPPLY_LIQUID: Column = col(
        "supply_liquid",
        "tokens",
        "agents' liquid balances",
        "Σ balance over every agent; the supply_* columns and burned_total add up to the initial supply + minted_total",
    );
    pub const SUPPLY_STAKED: Column = col(
        "supply_staked",
        "tokens",
        "agents' stakes",
        "Σ stake over every agent",
    );
    pub const SUPPLY_UNVESTED: Column = col(
        "supply_unvested",
        "tokens",
        "unvested allocations",
        "Σ unvested over every agent",
    );
    pub const SUPPLY_TREASURY: Column = col(
        "supply_treasury",
        "tokens",
        "treasury",
        "the treasury system account (as `treasury`)",
    );
    pub const SUPPLY_MARKET_POOL: Column = col(
        "supply_market_pool",
        "tokens",
        "market pool's tokens",
        "the market pool's token reserve",
    );
    pub const SUPPLY_REWARDS_POOL: Column = col(
        "supply_rewards_pool",
        "tokens",
        "rewards pool",
        "tokens minted or routed to rewards and not yet paid",
    );
    pub const SUPPLY_FEE_ESCROW: Column = col(
        "supply_fee_escrow",
        "tokens",
        "fee escrow",
        "fee tokens held for later routing",
    );
    pub const VOTING_POWER_GINI: Column = col(
        "voting_power_gini",
        "0–1",
        "Gini of voting power",
        "exact Gini of the active identities' voting power after delegation (governance.power sources at the epoch end; a delegator counts 0, its delegate its own power + what it received); empty with no power",
    );
    pub const VOTING_POWER_NAKAMOTO: Column = col(
        "voting_power_nakamoto",
        "identities",
        "Nakamoto coefficient of voting power",
        "fewest active identities holding more than half of all voting power after delegation",
    );
    pub const DELEGATED_SHARE: Column = col(
        "delegated_share",
        "0–1",
        "share of voting power delegated",
        "voting power held by delegators and counted for their delegates / all voting power",
    );

    pub const ACTIVE_ROLE: Column = col(
        "active_{role}",
        "agents",
        "active agents of the role",
        "members that joined and have not left",
    );
    pub const GINI_WEALTH_ROLE: Column = col(
        "gini_wealth_{role}",
        "0–1",
        "Gini of the role's wealth",
        "exact Gini over the role's active members",
    );
    pub const NAKAMOTO_WEALTH_ROLE: Column = col(
        "nakamoto_wealth_{role}",
        "agents",
        "Nakamoto coefficient of the role's wealth",
        "fewest active members holding strictly more than half",
    );
    pub const HHI_WEALTH_ROLE: Column = col(
        "hhi_wealth_{role}",
        "0–1",
        "HHI of the role's wealth",
        "Σ s_i² of the active members' shares",
    );
    pub const GINI_REWARDS_ROLE: Column = col(
        "gini_rewards_{role}",
        "0–1",
        "Gini of the role's rewards",
        "exact Gini of cumulative rewards over every member that ever existed",
    );
    pub const REWARDS_ROLE: Column = col(
        "rewards_{role}",
        "tokens",
        "rewards paid to the role so far",
        "cumulative rewards of the role",
    );
    pub const WEALTH_ROLE: Column = col(
        "wealth_{role}",
        "tokens",
        "tokens held by the role",
        "Σ balance + stake + unvested over every member, agents that left included",
    );
    pub const VALUE_ROLE: Column = col(
        "value_{role}",
        "quote",
        "the role's holdings in quote",
        "wealth_{role} marked to market at the pool's price + the members' quote (6 decimals); empty without a market",
    );

    pub const WRONG_ACCEPTED: Column = col(
        "wrong_accepted",
        "results",
        "wrong results accepted this epoch",
        "results made final this epoch although wrong (verification.regime: unchecked or uncaught under sampled, all wrong ones under none, undisputed under optimistic, a wrong majority under redundant, never under zk)",
    );
    pub const VERIFICATION_COST_QUOTE: Column = col(
        "verification_cost_quote",
        "quote",
        "verification cost this epoch",
        "quote spent on verification: zk proofs (proof_cost + proof_overhead × task cost) and provers (per operator per epoch), redundant replicas beyond the first, challengers' re-executions (6 decimals); 0 under sampled and none",
    );
    pub const MEAN_LATENCY_TICKS: Column = col(
        "mean_latency_ticks",
        "ticks",
        "mean ticks to finality",
        "over results accepted this epoch, ticks from the result to its finality (validation.delay_ticks for sampled checks, 0 unchecked; challenge window; last replica − first; proof_ticks); empty when none was accepted",
    );
    pub const CHALLENGES: Column = col(
        "challenges",
        "checks",
        "challengers' checks this epoch",
        "results re-executed by challengers (optimistic)",
    );
    pub const FRAUDS_CAUGHT: Column = col(
        "frauds_caught",
        "results",
        "wrong results caught this epoch",
        "wrong results detected: caught by a validator, disputed by a challenger, outvoted, or without a valid proof",
    );
    pub const NAKAMOTO_WORK_IDENTITY: Column = col(
        "nakamoto_work_identity",
        "identities",
        "Nakamoto coefficient of compute work by identity",
        "fewest compute-provider identities doing more than half of the epoch's verified compute work; empty without work",
    );
    pub const NAKAMOTO_WORK_OPERATOR: Column = col(
        "nakamoto_work_operator",
        "operators",
        "Nakamoto coefficient of compute work by operator",
        "the same with each operator's identities' work summed (population key operators; one operator per identity without it)",
    );
    pub const NAKAMOTO_WORK_HOSTING: Column = col(
        "nakamoto_work_hosting",
        "clouds",
        "Nakamoto coefficient of compute work by hosting cloud",
        "the same summed per hosting cloud (population key hosting); empty when no population declares hosting",
    );
    pub const HHI_WORK_OPERATOR: Column = col(
        "hhi_work_operator",
        "0–1",
        "HHI of compute work by operator",
        "Σ s², s an operator's share of the epoch's verified compute work; empty without work",
    );

    pub const COLUMNS: &[Column] = &[
        EPOCH,
        TIME,
        PRICE,
        CIRCULATING_SUPPLY,
        MINTED_TOTAL,
        BURNED_TOTAL,
        TREASURY,
        GINI_WEALTH,
        NAKAMOTO_WEALTH,
        GINI_REWARDS,
        ACTIVE_AGENTS,
        TASKS_ARRIVED,
        TASKS_COMPLETED,
        TASKS_DROPPED,
        CHEATS_CAUGHT,
        FEES_QUOTE,
        EMISSION,
        REWARDS_PAID,
        TASK_FEE,
        UTILISATION,
        TASKS_PRICED_OUT,
        MARKET_QUOTE_RESERVE,
        COSTS_PAID_QUOTE,
        PROVIDER_SALES_QUOTE,
        UNPAID_COSTS_QUOTE,
        SUPPLY_LIQUID,
        SUPPLY_STAKED,
        SUPPLY_UNVESTED,
        SUPPLY_TREASURY,
        SUPPLY_MARKET_POOL,
        SUPPLY_REWARDS_POOL,
        SUPPLY_FEE_ESCROW,
        WRONG_ACCEPTED,
        VERIFICATION_COST_QUOTE,
        MEAN_LATENCY_TICKS,
        CHALLENGES,
        FRAUDS_CAUGHT,
        NAKAMOTO_WORK_IDENTITY,
        NAKAMOTO_WORK_OPERATOR,
        NAKAMOTO_WORK_HOSTING,
        HHI_WORK_OPERATOR,
    ];
    /// Repeated for each role present in the scenario, in role order.
    pub const ROLE_COLUMNS: &[Column] = &[
        ACTIVE_ROLE,
        GINI_WEALTH_ROLE,
        NAKAMOTO_WEALTH_ROLE,
        HHI_WEALTH_ROLE,
        GINI_REWARDS_ROLE,
        REWARDS_ROLE,
        WEALTH_ROLE,
        VALUE_ROLE,
    ];

    /// Only when the scenario has `[governance]`, after the role columns.
    pub const GOVERNANCE_COLUMNS: &[Column] =
        &[VOTING_POWER_GINI, VOTING_POWER_NAKAMOTO, DELEGATED_SHARE];

    pub const TABLE: Table = Table {
        name: "epochs",
        file: "epochs.csv",
        rows: "one row per epoch",
        parts: &[
            Part::Fixed(COLUMNS),
            Part::Family {
                placeholder: "role",
                over: "each role present in the scenario, in role order",
                columns: ROLE_COLUMNS,
            },
            Part::Section {
                section: "governance",
                columns: GOVERNANCE_COLUMNS,
            },
        ],
    };
}

/// `agents.csv`: one row per agent that ever existed.
pub mod agents {
    use super::{col, Column, Part, Table};

    pub const AGENT_ID: Column = col("agent_id", "", "agent id", "order of creation, from 0");
    pub const ROLE: Column = col("role", "", "role", "the role of the agent's population");
    pub const POPULATION: Column = col(
        "population",
        "",
        "population",
        "name of the [[population]] entry",
    );
    pub const JOINED_EPOCH: Column = col(
        "joined_epoch",
        "epoch",
        "epoch the agent joined",
        "0 for genesis",
    );
    pub const LEFT_EPOCH: Column = col(
        "left_epoch",
        "epoch",
        "epoch the agent left",
        "empty while active",
    );
    pub const BALANCE: Column = col(
        "balance",
        "tokens",
        "liquid balance at the end",
        "ledger balance account",
    );
    pub const STAKE: Column = col(
        "stake",
        "tokens",
        "stake at the end",
        "ledger stake account",
    );
    pub const UNVESTED: Column = col(
        "unvested",
        "tokens",
        "unvested allocation at the end",
        "ledger unvested account",
    );
    pub const WEALTH: Column = col(
        "wealth",
        "tokens",
        "wealth at the end",
        "balance + stake + unvested",
    );
    pub const REWARDS_TOTAL: Column = col(
        "rewards_total",
        "tokens",
        "rewards received",
        "cumulative rewards over the run",
    );
    pub const CONTRIBUTION_TOTAL: Column = col(
        "contribution_total",
        "units of work",
        "verified contribution",
        "the role's own units: tasks, accepted datasets, checks",
    );
    pub const QUOTE: Column = col("quote", "quote", "quote holdings at the end", "6 decimals");
    pub const REPUTATION: Column = col(
        "reputation",
        "0–1",
        "reputation at the end",
        "the reputation scheme's score; empty without one",
    );

    pub const GENESIS_TOKENS: Column = col(
        "genesis_tokens",
        "tokens",
        "tokens funded at genesis",
        "balance + stake + unvested given at genesis; 0 for agents that joined later",
    );
    pub const GENESIS_QUOTE: Column = col(
        "genesis_quote",
        "quote",
        "quote funded at genesis",
        "the agent's quote endowment (capital), 6 decimals",
    );
    pub const QUOTE_IN: Column = col(
        "quote_in",
        "quote",
        "quote received",
        "Σ quote moved into the agent after genesis (sales, fees earned), 6 decimals",
    );
    pub const QUOTE_OUT: Column = col(
        "quote_out",
        "quote",
        "quote paid out",
        "Σ quote moved out of the agent (purchases, costs), 6 decimals; quote = genesis_quote + quote_in − quote_out",
    );
    pub const COSTS_PAID_QUOTE: Column = col(
        "costs_paid_quote",
        "quote",
        "operating costs paid",
        "quote paid to the outside for operating costs, 6 decimals",
    );
    pub const UNPAID_COSTS_QUOTE: Column = col(
        "unpaid_costs_quote",
        "quote",
        "operating costs not paid",
        "forgiven shortfalls (no sell_policy) or the debt still owed, 6 decimals",
    );
    pub const REWARDS_VALUE_QUOTE: Column = col(
        "rewards_value_quote",
        "quote",
        "rewards valued when paid",
        "each payout at the market price at the end of its epoch, 6 decimals; empty without a market",
    );
    pub const VALUE_GENESIS_QUOTE: Column = col(
        "value_genesis_quote",
        "quote",
        "value at genesis",
        "genesis tokens at the population's entry_price (default: the genesis price) + genesis quote; empty without a market",
    );
    pub const VALUE_END_QUOTE: Column = col(
        "value_end_quote",
        "quote",
        "value at the end",
        "wealth marked to market at the final price + quote; empty without a market",
    );
    pub const NET_GAIN_QUOTE: Column = col(
        "net_gain_quote",
        "quote",
        "net gain",
        "value_end_quote − value_genesis_quote − unpaid_costs_quote (signed); empty without a market",
    );

    pub const COLUMNS: &[Column] = &[
        AGENT_ID,
        ROLE,
        POPULATION,
        JOINED_EPOCH,
        LEFT_EPOCH,
        BALANCE,
        STAKE,
        UNVESTED,
        WEALTH,
        REWARDS_TOTAL,
        CONTRIBUTION_TOTAL,
        QUOTE,
        REPUTATION,
        GENESIS_TOKENS,
        GENESIS_QUOTE,
        QUOTE_IN,
        QUOTE_OUT,
        COSTS_PAID_QUOTE,
        UNPAID_COSTS_QUOTE,
        REWARDS_VALUE_QUOTE,
        VALUE_GENESIS_QUOTE,
        VALUE_END_QUOTE,
        NET_GAIN_QUOTE,
    ];

    pub const TABLE: Table = Table {
        name: "agents",
        file: "agents.csv",
        rows: "one row per agent that ever existed",
        parts: &[Part::Fixed(COLUMNS)],
    };
}

/// `accounts.csv`: the system accounts at the end of the run.
pub mod accounts {
    use super::{col, Column, Part, Table};

    pub const ACCOUNT: Column = col(
        "account",
        "",
        "system account",
        "treasury, market_pool, rewards_pool, fee_escrow",
    );
    pub const BALANCE: Column = col(
        "balance",
        "tokens",
        "balance at the end",
        "ledger system account",
    );

    pub const COLUMNS: &[Column] = &[ACCOUNT, BALANCE];

    pub const TABLE: Table = Table {
        name: "accounts",
        file: "accounts.csv",
        rows: "one row per system account",
        parts: &[Part::Fixed(COLUMNS)],
    };
}

/// `value.csv`: one row per stakeholder.
pub mod value {
    use super::{col, Column, Part, Table};

    pub const STAKEHOLDER: Column = col(
        "stakeholder",
        "",
        "stakeholder",
        "each role present (agents that left included), treasury, market_pool, rewards_pool, fee_escrow, burned (tokens only), task_buyers and outside (quote flows only)",
    );
    pub const TOKENS_GENESIS: Column = col(
        "tokens_genesis",
        "tokens",
        "tokens at genesis",
        "balance + stake + unvested (system account) after genesis",
    );
    pub const TOKENS_END: Column = col(
        "tokens_end",
        "tokens",
        "tokens at the end",
        "Σ over the economy's rows, burned included = initial supply + minted",
    );
    pub const QUOTE_GENESIS: Column = col(
        "quote_genesis",
        "quote",
        "quote at genesis",
        "quote endowments (capital, the pool's reserve), 6 decimals",
    );
    pub const QUOTE_END: Column = col(
        "quote_end",
        "quote",
        "quote at the end",
        "quote_genesis + quote_in − quote_out",
    );
    pub const QUOTE_IN: Column = col(
        "quote_in",
        "quote",
        "quote received",
        "Σ quote moved in; Σ over all rows = Σ quote_out",
    );
    pub const QUOTE_OUT: Column = col("quote_out", "quote", "quote paid out", "Σ quote moved out");
    pub const VALUE_GENESIS_QUOTE: Column = col(
        "value_genesis_quote",
        "quote",
        "value at genesis",
        "genesis tokens at the entry price + genesis quote; empty without a market",
    );
    pub const VALUE_END_QUOTE: Column = col(
        "value_end_quote",
        "quote",
        "value at the end",
        "end tokens marked to market at the final price + quote; empty without a market",
    );
    pub const LIQUIDATION_VALUE_QUOTE: Column = col(
        "liquidation_value_quote",
        "quote",
        "liquidation value",
        "what the end tokens fetch sold at once into the pool (slippage and fee) + quote; empty for the pool itself",
    );
    pub const NET_GAIN_QUOTE: Column = col(
        "net_gain_quote",
        "quote",
        "net gain",
        "value_end_quote − value_genesis_quote − unpaid costs (signed)",
    );
    pub const SHARE_OF_COSTS: Column = col(
        "share_of_costs",
        "0–1",
        "share of the costs borne",
        "the stakeholder's costs paid + unpaid over all agents'",
    );
    pub const SHARE_OF_REWARDS: Column = col(
        "share_of_rewards",
        "0–1",
        "share of the rewards' value",
        "rewards valued when paid, over all rewards' value",
    );
    pub const SHARE_OF_POSITIVE_GAINS: Column = col(
        "share_of_positive_gains",
        "0–1",
        "share of all gains",
        "max(net gain, 0) over Σ max(net gain, 0) of the roles and system accounts",
    );

    pub const COLUMNS: &[Column] = &[
        STAKEHOLDER,
        TOKENS_GENESIS,
        TOKENS_END,
        QUOTE_GENESIS,
        QUOTE_END,
        QUOTE_IN,
        QUOTE_OUT,
        VALUE_GENESIS_QUOTE,
        VALUE_END_QUOTE,
        LIQUIDATION_VALUE_QUOTE,
        NET_GAIN_QUOTE,
        SHARE_OF_COSTS,
        SHARE_OF_REWARDS,
        SHARE_OF_POSITIVE_GAINS,
    ];

    pub const TABLE: Table = Table {
        name: "value",
        file: "value.csv",
        rows: "one row per stakeholder",
        parts: &[Part::Fixed(COLUMNS)],
    };
}

/// `proposals.csv`: one row per proposal, only when the scenario has
/// `[governance]`.
pub mod proposals {
    use super::{col, Column, Part, Table};

    pub const PROPOSAL: Column = col("proposal", "", "proposal id", "order of creation, from 0");
    pub const EPOCH_CREATED: Column = col(
        "epoch_created",
        "epoch",
        "epoch the proposal was created in",
        "its arrival tick's epoch",
    );
    pub const PROPOSER_ROLE: Column = col(
        "proposer_role",
        "",
        "the proposer's role",
        "drawn among the identities of governance.proposer at or above proposal_threshold",
    );
    pub const KIND: Column = col(
        "kind",
        "",
        "what it changes",
        "pool_share, emission, burn_share, fee or grant ([[governance.kind]])",
    );
    pub const METHOD: Column = col("method", "", "voting method", "governance.method");
    pub const POWER_FOR: Column = col("power_for", "method's weight", "power cast for", "Σ weights of the `for` ballots: tokens (token, conviction), √tokens (quadratic) or ballots (one_holder); empty while the vote is open");
    pub const POWER_AGAINST: Column = col(
        "power_against",
        "method's weight",
        "power cast against",
        "Σ weights of the `against` ballots",
    );
    pub const POWER_ABSTAIN: Column = col(
        "power_abstain",
        "method's weight",
        "power cast to abstain",
        "Σ weights of the `abstain` ballots",
    );
    pub const VOTERS: Column = col(
        "voters",
        "ballots",
        "ballots cast",
        "identities that voted (an owner's identities vote together)",
    );
    pub const TURNOUT: Column = col(
        "turnout",
        "0–1",
        "turnout",
        "tokens cast (for + against + abstain) / supply at the snapshot",
    );
    pub const PASSED: Column = col("passed", "", "whether it passed", "`true`/`false`: for > against and for tokens ≥ quorum × supply (conviction: conviction > 1Hive's threshold); `false` while open");
    pub const EXECUTED_EPOCH: Column = col(
        "executed_epoch",
        "epoch",
        "epoch it was executed in",
        "the timelock after a passed vote; empty unless executed",
    );
    pub const DECISIVE_VOTERS: Column = col("decisive_voters", "ballots", "decisive voters", "fewest voters on the winning side, largest first, whose abstention flips the outcome (as `mirage votes`); empty when nothing can flip it");
    pub const NAKAMOTO_POWER: Column = col(
        "nakamoto_power",
        "ballots",
        "Nakamoto coefficient of the power cast",
        "fewest ballots holding strictly more than half of the power cast",
    );
    pub const TOP10_SHARE: Column = col(
        "top10_share",
        "0–1",
        "top-10 share of the power cast",
        "the 10 largest ballots' weights / the power cast",
    );

    pub const COLUMNS: &[Column] = &[
        PROPOSAL,
        EPOCH_CREATED,
        PROPOSER_ROLE,
        KIND,
        METHOD,
        POWER_FOR,
        POWER_AGAINST,
        POWER_ABSTAIN,
        VOTERS,
        TURNOUT,
        PASSED,
        EXECUTED_EPOCH,
        DECISIVE_VOTERS,
        NAKAMOTO_POWER,
        TOP10_SHARE,
    ];

    pub const TABLE: Table = Table {
        name: "proposals",
        file: "proposals.csv",
        rows: "one row per proposal created, only when the scenario has [governance]",
        parts: &[Part::Fixed(COLUMNS)],
    };
}

/// A sweep's `runs.csv`: one row per run.
pub mod runs {
    use super::{col, Column, Part, Table};

    pub const RUN_ID: Column = col(
        "run_id",
        "",
        "run id",
        "point_id × replications + replication",
    );
    pub const POINT_ID: Column = col(
        "point_id",
        "",
        "point id",
        "index of the point in the design",
    );
    pub const REPLICATION: Column = col("replication", "", "replication", "0 to replications − 1");
    pub const SEED: Column = col("seed", "", "seed of the run", "base seed + replication");
    pub const AXIS: Column = col(
        "{axis}",
        "",
        "the axis value at the point",
        "as written in TOML (strings unquoted)",
    );
    pub const METRIC: Column = col(
        "{metric}",
        "",
        "the metric's value at the end of the run",
        "see `mirage columns metrics`",
    );
    pub const WARNINGS: Column = col(
        "warnings",
        "",
        "the run's health warnings",
        "the kinds of manifest.json `warnings` a run of `mirage run` would report, in the order first met, joined by `;` (each kind once); empty when there is none",
    );

    /// The id columns, first in every row.
    pub const IDS: &[Column] = &[RUN_ID, POINT_ID, REPLICATION, SEED];

    pub const TABLE: Table = Table {
        name: "runs",
        file: "runs.csv",
        rows: "one row per run, by run_id",
        parts: &[
            Part::Fixed(IDS),
            Part::Family {
                placeholder: "axis",
                over: "each axis, sorted by path",
                columns: &[AXIS],
            },
            Part::Family {
                placeholder: "metric",
                over: "each metric of [sweep] metrics (default: the eight of `mirage columns metrics`)",
                columns: &[METRIC],
            },
            Part::Fixed(&[WARNINGS]),
        ],
    };
}

/// A sweep's `points.csv`: one row per point.
pub mod points {
    use super::{col, runs, Column, Part, Table};

    pub const MEAN: Column = col(
        "{metric}_mean",
        "",
        "mean over the point's replications",
        "arithmetic mean of the non-empty cells",
    );
    pub const CI_LOW: Column = col(
        "{metric}_ci_low",
        "",
        "low end of the 95% interval",
        "mean − t(0.975, n − 1) · s / √n; empty with one replication",
    );
    pub const CI_HIGH: Column = col(
        "{metric}_ci_high",
        "",
        "high end of the 95% interval",
        "mean + t(0.975, n − 1) · s / √n; empty with one replication",
    );

    pub const TABLE: Table = Table {
        name: "points",
        file: "points.csv",
        rows: "one row per point",
        parts: &[
            Part::Fixed(&[runs::POINT_ID]),
            Part::Family {
                placeholder: "axis",
                over: "each axis, sorted by path",
                columns: &[runs::AXIS],
            },
            Part::Family {
                placeholder: "metric",
                over: "each metric of runs.csv",
                columns: &[MEAN, CI_LOW, CI_HIGH],
            },
        ],
    };
}

/// The summary metrics a sweep reports when `[sweep] metrics` is absent.
pub mod metrics {
    use super::{col, epochs, Column, Part, Table};

    pub const NAKAMOTO_REWARDS: Column = col("nakamoto_rewards", "agents", "Nakamoto coefficient of rewards", "fairness.json rewards.all.nakamoto_50: fewest agents of the rewarded roles holding more than half of all cumulative rewards");
    pub const MISALLOCATION: Column = col("misallocation", "share of rewards, 0–1", "misallocation", "fairness.json rewards_vs_contribution.all.misallocation: share of rewards that would have to move for pay to follow contribution");

    /// The fairness.json path each named metric stands for.
    pub const ALIASES: &[(&str, &str)] = &[
        ("nakamoto_rewards", "rewards.all.nakamoto_50"),
        ("misallocation", "rewards_vs_contribution.all.misallocation"),
    ];

    /// Today's eight, in column order: epochs.csv columns at the final
    /// epoch and two fairness.json numbers.
    pub const DEFAULT: &[Column] = &[
        epochs::GINI_WEALTH,
        epochs::NAKAMOTO_WEALTH,
        epochs::GINI_REWARDS,
        NAKAMOTO_REWARDS,
        MISALLOCATION,
        epochs::PRICE,
        epochs::ACTIVE_AGENTS,
        epochs::CIRCULATING_SUPPLY,
    ];

    /// The default metrics as a table (`mirage columns metrics`).
    pub const TABLE: Table = Table {
        name: "metrics",
        file: "runs.csv metrics",
        rows: "the default [sweep] metrics; any epochs.csv column (final epoch) or fairness.json number by dotted path may be chosen",
        parts: &[Part::Fixed(DEFAULT)],
    };
}

/// Every table, in the order `mirage columns` lists them.
pub const TABLES: &[Table] = &[
    epochs::TABLE,
    agents::TABLE,
    accounts::TABLE,
    value::TABLE,
    proposals::TABLE,
    runs::TABLE,
    points::TABLE,
    metrics::TABLE,
];

/// The table called `name` (`epochs`, `epochs.csv` also accepted).
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name || t.file == name)
}

/// The names of the tables.
pub fn table_names() -> Vec<&'static str> {
    TABLES.iter().map(|t| t.name).collect()
}

/// The declaration of a sweep metric named `name` (a default metric or an
/// epochs.csv column, per-role ones included).
pub fn metric_column(name: &str) -> Option<&'static Column> {
    metrics::DEFAULT
        .iter()
        .find(|c| c.name == name)
        .or_else(|| epochs::TABLE.find(name).map(|(c, _)| c))
}

/// A Markdown table of `table`'s columns (what the README holds between
/// `<!-- columns:NAME -->` and `<!-- /columns -->`).
pub fn markdown(table: &Table) -> String {
    let mut s = format!("`{}`: {}.\n\n", table.file, table.rows);
    s.push_str("| column | unit | meaning | computed |\n|---|---|---|---|\n");
    for part in table.parts {
        let (cols, note) = match part {
            Part::Fixed(c) => (*c, None),
            Part::Family { over, columns, .. } => (*columns, Some(*over)),
            Part::Section { section, columns } => (*columns, Some(*section)),
        };
        let section = matches!(part, Part::Section { .. });
        for c in cols {
            let computed = match note {
                Some(name) if section => {
                    format!("{}; only when the scenario has [{name}]", c.computed)
                }
                Some(over) => format!("{}; for {over}", c.computed),
                None => c.computed.to_string(),
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} |",
                c.name,
                c.unit,
                c.meaning,
                computed.replace('|', "\\|")
            );
        }
    }
    s
}

/// The README section of `table`: its Markdown between
/// `<!-- columns:NAME -->` and `<!-- /columns -->` (what
/// `mirage columns --format markdown` prints).
pub fn readme_section(table: &Table) -> String {
    format!(
        "<!-- columns:{} -->\n{}<!-- /columns -->\n",
        table.name,
        markdown(table)
    )
}

/// A plain-text listing of `table`'s columns for a terminal.
pub fn text(table: &Table) -> String {
    let width = table.columns().map(|c| c.name.len()).max().unwrap_or(0);
    let unit_width = table
        .columns()
        .map(|c| c.unit.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = format!("{} ({}):\n", table.file, table.rows);
    for part in table.parts {
        let cols = match part {
            Part::Fixed(c) => *c,
            Part::Family { over, columns, .. } => {
                let _ = writeln!(s, "  for {over}:");
                *columns
            }
            Part::Section { section, columns } => {
                let _ = writeln!(s, "  only when the scenario has [{section}]:");
                *columns
            }
        };
        for c in cols {
            let pad = unit_width.saturating_sub(c.unit.chars().count());
            let _ = writeln!(
                s,
                "  {:<width$}  {}{}  {}: {}",
                c.name,
                c.unit,
                " ".repeat(pad),
                c.meaning,
                c.computed
            );
        }
    }
    s
}

/// `table` as JSON: its name, file, rows and parts with their columns.
pub fn json(table: &Table) -> serde_json::Value {
    let column = |c: &Column| {
        serde_json::json!({
            "name": c.name,
            "unit": c.unit,
            "meaning": c.meaning,
            "computed": c.computed,
        })
    };
    let parts: Vec<serde_json::Value> = table
        .parts
        .iter()
        .map(|p| match p {
            Part::Fixed(cols) => serde_json::json!({
                "columns": cols.iter().map(column).collect::<Vec<_>>(),
            }),
            Part::Family {
                placeholder,
                over,
                columns,
            } => serde_json::json!({
                "placeholder": placeholder,
                "for": over,
                "columns": columns.iter().map(column).collect::<Vec<_>>(),
            }),
            Part::Section { section, columns } => serde_json::json!({
                "section": section,
                "columns": columns.iter().map(column).collect::<Vec<_>>(),
            }),
        })
        .collect();
    serde_json::json!({
        "table": table.name,
        "file": table.file,
        "rows": table.rows,
        "parts": parts,
    })
}

/// Dotted paths of every number in a fairness report as `fairness.json`
/// holds it, with `{role}` for a role name (`wealth.by_role.{role}.gini`).
/// Taken from a report of two sample agents, so it follows the report's
/// fields as they change.
pub fn fairness_paths() -> Vec<String> {
    use crate::fairness::{fairness_report, AgentFacts};
    let agent = |wealth, rewards| AgentFacts {
        role: "{role}",
        active: true,
        rewarded: true,
        wealth,
        rewards,
        contribution: rewards,
    };
    let mut report = fairness_report(&[agent(1, 2), agent(3, 5)], 0);
    crate::fairness::add_value(&mut report, &sample_value_facts());
    crate::fairness::add_verification(
        &mut report,
        &crate::fairness::VerificationFacts {
            regime: "sampled",
            ..Default::default()
        },
    );
    crate::fairness::add_decentralization(&mut report, &Default::default());
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(&report) {
        number_paths("", &value, &mut out);
    }
    // The `governance` section, present when the scenario has [governance].
    if let Ok(value) = serde_json::to_value(crate::governance::sample_report()) {
        number_paths("governance", &value, &mut out);
    }
    out.sort();
    out
}

/// A value sample naming every kind of stakeholder: `{role}`, the system
/// accounts and a `{population}`.
pub fn sample_value_facts() -> crate::fairness::ValueFacts {
    use crate::fairness::{StakeholderValue, ValueFacts};
    let sv = |name: &str, agents| StakeholderValue {
        name: name.to_string(),
        agents,
        costs: 1,
        rewards_value: 1,
        tokens_end: 1,
        net_gain: 1,
    };
    let mut stakeholders = vec![sv("{role}", Some(2))];
    stakeholders.extend(
        ["treasury", "market_pool", "rewards_pool", "fee_escrow"]
            .iter()
            .map(|n| sv(n, None)),
    );
    ValueFacts {
        stakeholders,
        populations: vec![sv("{population}", Some(2))],
        agent_gains: vec![1, 1],
        total_tokens: 10,
        priced: true,
        quote_decimals: 6,
    }
}

fn number_paths(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                number_paths(&join(k), v, out);
            }
        }
        // Optional numbers are null when undefined.
        serde_json::Value::Number(_) | serde_json::Value::Null => out.push(prefix.to_string()),
        _ => {}
    }
}

/// A label for a `fairness.json` number by its dotted path, e.g.
/// `wealth.by_role.validator.gini` → "gini of final wealth, validator";
/// `None` for a path of another shape.
pub fn fairness_label(path: &str) -> Option<String> {
    let seg: Vec<&str> = path.split('.').collect();
    let quantity = match *seg.first()? {
        "wealth" => "final wealth",
        "rewards" => "cumulative rewards",
        "rewards_vs_contribution" => "rewards vs contribution",
        "who_benefits" | "who_benefits_by_population" => "who benefits",
        "gini_net_gain" => return Some("Gini of agents' net gains".to_string()),
        "governance" => return governance_label(&seg[1..]),
        "decentralization" => {
            return seg
                .get(1)
                .map(|field| format!("effective decentralization: {}", field.replace('_', " ")));
        }
        "verification" => {
            return seg
                .get(1)
                .map(|field| format!("verification: {}", field.replace('_', " ")));
        }
        _ => return None,
    };
    let (field, role) = match seg.as_slice() {
        ["who_benefits", role, field] => (*field, Some(*role)),
        ["who_benefits_by_population", population, field] => (*field, Some(*population)),
        [_, "all", field] => (*field, None),
        [_, "by_role", role, field] => (*field, Some(*role)),
        _ => return None,
    };
    let field = field.replace('_', " ");
    Some(match role {
        Some(r) => format!("{field} of {quantity}, {r}"),
        None => format!("{field} of {quantity}"),
    })
}

/// A label for a `governance.*` number (`seg` without `governance`).
fn governance_label(seg: &[&str]) -> Option<String> {
    let words = |s: &str| s.replace('_', " ");
    Some(match seg {
        ["pass_rate_by_proposer_role", role] => format!("pass rate of proposals by {role}s"),
        ["value_moved", role, field] => format!("{} moved by proposals to {role}", words(field)),
        ["value_moved_to_team_quote"] => "value moved by proposals to the team (quote)".into(),
        [field] => format!("governance {}", words(field)),
        _ => return None,
    })
}

/// Looks `path` (dotted) up in `value`.
pub fn lookup<'v>(value: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_expand_and_match() {
        let roles = |p: &str| {
            if p == "role" {
                vec!["validator".to_string()]
            } else {
                Vec::new()
            }
        };
        let h = epochs::TABLE.header(&roles);
        assert_eq!(h.len(), epochs::COLUMNS.len() + epochs::ROLE_COLUMNS.len());
        assert_eq!(h[epochs::COLUMNS.len()], "active_validator");
        let (c, v) = epochs::TABLE.find("gini_wealth_validator").expect("family");
        assert_eq!(
            (c.name, v.as_deref()),
            ("gini_wealth_{role}", Some("validator"))
        );
        assert_eq!(
            epochs::TABLE.find("gini_wealth").map(|(c, _)| c.name),
            Some("gini_wealth")
        );
        assert!(epochs::TABLE.find("gini_wealth_").is_none());
        // Governance columns only with [governance], after the families.
        assert!(!h.iter().any(|c| c == "voting_power_gini"));
        let governed = epochs::TABLE.header(&|p| match p {
            "role" => vec!["validator".to_string()],
            "governance" => vec![String::new()],
            _ => Vec::new(),
        });
        assert_eq!(&governed[..h.len()], &h[..]);
        assert_eq!(
            &governed[h.len()..],
            [
                "voting_power_gini",
                "voting_power_nakamoto",
                "delegated_share"
            ]
        );
        assert_eq!(
            epochs::TABLE
                .find("delegated_share")
                .map(|(c, v)| (c.name, v)),
            Some(("delegated_share", None))
        );
    }

    #[test]
    fn fairness_labels() {
        assert_eq!(
            fairness_label("wealth.by_role.validator.gini").as_deref(),
            Some("gini of final wealth, validator")
        );
        assert_eq!(
            fairness_label("rewards.all.top_10pct_share").as_deref(),
            Some("top 10pct share of cumulative rewards")
        );
        assert_eq!(fairness_label("price"), None);
        assert_eq!(
            fairness_label("governance.rubber_stamp_rate").as_deref(),
            Some("governance rubber stamp rate")
        );
        assert_eq!(
            fairness_label("governance.pass_rate_by_proposer_role.investor").as_deref(),
            Some("pass rate of proposals by investors")
        );
    }

    #[test]
    fn fairness_paths_are_numbers() {
        let paths = fairness_paths();
        for p in [
            "rewards.all.top_10pct_share",
            "wealth.by_role.{role}.gini",
            "rewards.all.nakamoto_50",
            "rewards_vs_contribution.all.misallocation",
            "who_benefits.{role}.reward_share",
            "who_benefits.{role}.share_of_positive_gains",
            "who_benefits.treasury.net_gain_quote",
            "who_benefits_by_population.{population}.share_of_costs",
            "gini_net_gain",
            "governance.rubber_stamp_rate",
            "governance.mean_turnout",
            "governance.pass_rate_by_proposer_role.{role}",
            "governance.value_moved.{role}.grants_quote",
            "governance.value_moved_to_team_quote",
        ] {
            assert!(paths.iter().any(|x| x == p), "{p} missing from {paths:?}");
        }
        for (_, path) in metrics::ALIASES {
            assert!(paths.iter().any(|x| x == path), "{path}");
        }
    }
}
