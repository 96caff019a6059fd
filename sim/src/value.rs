//! Value accounting in quote units: what every agent and every other
//! stakeholder held at genesis and holds at the end, in tokens and quote,
//! the quote that moved in and out, the costs paid and unpaid, the rewards
//! valued when they were paid, and the net gain; and the per-stakeholder
//! rows of `value.csv` (`Simulation::value_rows`).
//!
//! Exact like tokens: quote amounts are integer base units
//! (`QUOTE_DECIMALS`), sums `u128`, gains `i128`. Token amounts are valued
//! at a price Y/X kept as the exact ratio of the pool's reserves, or at a
//! population's `entry_price` as [p · 10^6] quote base units per token.
//!
//! Identities (`check`, at every epoch end): Σ tokens over the economy
//! (agents, system accounts, burned) = initial supply + minted; the quote
//! ledger's per-account and flow identities; the market's quote reserve
//! equals the quote ledger's market-pool account.

use crate::agents::{Agents, Role};
use crate::amount::unit;
use crate::ledger::{Holdings, Ledger, SystemAccount};
use crate::market::Market;
use crate::quote::{QuoteAccount, QuoteLedger};

/// How a population's genesis tokens are valued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryPrice {
    /// At the genesis market price (0 without a market).
    Genesis,
    /// At a fixed price, quote base units per whole token.
    Fixed(u64),
}

/// Per-agent value columns (struct of arrays, indexed by agent id), the
/// populations' entry prices and the genesis snapshot of the economy.
#[derive(Debug, Clone, Default)]
pub struct ValueBook {
    /// Tokens (balance + stake + unvested) funded at genesis; 0 for joiners.
    pub genesis_tokens: Vec<u64>,
    /// Operating costs paid in quote (to `outside`).
    pub costs_paid_quote: Vec<u128>,
    /// Operating costs incurred and not paid: forgiven shortfalls without
    /// `sell_policy`, the debt still owed under an explicit policy.
    pub unpaid_costs_quote: Vec<u128>,
    /// Each payout valued at the market price at the end of its epoch.
    pub rewards_value_quote: Vec<u128>,
    /// Per population.
    pub entry_price: Vec<EntryPrice>,
    /// The pool's reserves after genesis (token X0, quote Y0).
    pub genesis_reserves: (u64, u64),
    /// System accounts' tokens after genesis, in `SystemAccount::ALL` order.
    pub system_genesis_tokens: [u64; 4],
    pub decimals: u32,
}

/// One agent's value figures (quote base units unless named tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgentValue {
    pub genesis_tokens: u64,
    pub genesis_quote: u64,
    pub quote_in: u128,
    pub quote_out: u128,
    pub costs_paid_quote: u128,
    pub unpaid_costs_quote: u128,
    pub rewards_value_quote: u128,
    pub value_genesis_quote: u128,
    pub value_end_quote: u128,
    pub net_gain_quote: i128,
}

/// One row of `value.csv`; `None` is an empty cell (a figure that does
/// not apply to the stakeholder).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueRow {
    pub stakeholder: String,
    pub tokens_genesis: Option<u128>,
    pub tokens_end: Option<u128>,
    pub quote_genesis: Option<u128>,
    pub quote_end: Option<u128>,
    pub quote_in: Option<u128>,
    pub quote_out: Option<u128>,
    pub value_genesis_quote: Option<u128>,
    pub value_end_quote: Option<u128>,
    pub liquidation_value_quote: Option<u128>,
    pub net_gain_quote: Option<i128>,
    pub share_of_costs: Option<f64>,
    pub share_of_rewards: Option<f64>,
    pub share_of_positive_gains: Option<f64>,
}

/// The column names of `value.csv`, in order.
pub const VALUE_COLUMNS: [&str; 14] = [
    "stakeholder",
    "tokens_genesis",
    "tokens_end",
    "quote_genesis",
    "quote_end",
    "quote_in",
    "quote_out",
    "value_genesis_quote",
    "value_end_quote",
    "liquidation_value_quote",
    "net_gain_quote",
    "share_of_costs",
    "share_of_rewards",
    "share_of_positive_gains",
];

/// The economy's state a valuation reads.
#[derive(Debug, Clone, Copy)]
pub struct Economy<'a> {
    pub ledger: &'a Ledger,
    pub quotes: &'a QuoteLedger,
    pub market: Option<&'a Market>,
    pub agents: &'a Agents,
}

impl Economy<'_> {
    /// ⌊tokens · Y / X⌋ at the current reserves (0 without a market).
    pub fn value_now(&self, tokens: u128) -> u128 {
        let Some(m) = self.market else { return 0 };
        let x = u128::from(self.ledger.system(SystemAccount::MarketPool));
        if x == 0 {
            return 0;
        }
        let y = u128::from(m.quote_reserve());
        tokens
            .checked_mul(y)
            .map_or_else(|| tokens / x * y, |p| p / x)
    }

    /// What `tokens` fetch sold alone into the pool now (slippage and fee).
    pub fn liquidation(&self, tokens: u128) -> u128 {
        self.market
            .map_or(0, |m| m.preview_sell_wide(self.ledger, tokens))
    }
}

impl ValueBook {
    pub fn open_agent(&mut self) {
        self.genesis_tokens.push(0);
        self.costs_paid_quote.push(0);
        self.unpaid_costs_quote.push(0);
        self.rewards_value_quote.push(0);
    }

    pub fn reserve(&mut self, additional: usize) {
        self.genesis_tokens.reserve_exact(additional);
        self.costs_paid_quote.reserve_exact(additional);
        self.unpaid_costs_quote.reserve_exact(additional);
        self.rewards_value_quote.reserve_exact(additional);
    }

    /// Tokens valued at genesis at `price`.
    pub fn value_at_entry(&self, tokens: u128, price: EntryPrice) -> u128 {
        match price {
            EntryPrice::Fixed(p) => {
                let d = u128::from(unit(self.decimals));
                tokens
                    .checked_mul(u128::from(p))
                    .map_or_else(|| tokens / d * u128::from(p), |v| v / d)
            }
            EntryPrice::Genesis => {
                let (x, y) = (
                    u128::from(self.genesis_reserves.0),
                    u128::from(self.genesis_reserves.1),
                );
                if x == 0 {
                    0
                } else {
                    tokens
                        .checked_mul(y)
                        .map_or_else(|| tokens / x * y, |v| v / x)
                }
            }
        }
    }

    /// One agent's figures now.
    pub fn agent(&self, e: &Economy<'_>, agent: u32) -> AgentValue {
        let a = agent as usize;
        let q = e.quotes.figures(QuoteAccount::Agent(agent));
        let price = self.entry_price[usize::from(e.agents.population[a])];
        let value_genesis =
            self.value_at_entry(u128::from(self.genesis_tokens[a]), price) + u128::from(q.genesis);
        let value_end = e.value_now(u128::from(e.ledger.wealth(agent))) + u128::from(q.balance);
        AgentValue {
            genesis_tokens: self.genesis_tokens[a],
            genesis_quote: q.genesis,
            quote_in: q.inflow,
            quote_out: q.outflow,
            costs_paid_quote: self.costs_paid_quote[a],
            unpaid_costs_quote: self.unpaid_costs_quote[a],
            rewards_value_quote: self.rewards_value_quote[a],
            value_genesis_quote: value_genesis,
            value_end_quote: value_end,
            net_gain_quote: signed(value_end)
                - signed(value_genesis)
                - signed(self.unpaid_costs_quote[a]),
        }
    }

    /// The identities that must hold at every epoch end.
    /// `holdings` are the ledger's agent sums now (`Ledger::holdings`).
    /// `quote_unchanged`: the quote ledger has not changed since these
    /// identities last held, so its per-account pass and the costs paid
    /// (which move only with quote) are not taken again.
    pub fn check(
        &self,
        e: &Economy<'_>,
        holdings: &Holdings,
        quote_unchanged: bool,
    ) -> Result<(), String> {
        let held = holdings.liquid
            + holdings.staked
            + holdings.unvested
            + SystemAccount::ALL
                .iter()
                .map(|&s| u128::from(e.ledger.system(s)))
                .sum::<u128>();
        let minted = e.ledger.initial_supply() + e.ledger.minted();
        if held + e.ledger.burned() != minted {
            return Err(format!(
                "tokens held {held} + burned {} != initial + minted {minted}",
                e.ledger.burned()
            ));
        }
        if !quote_unchanged {
            e.quotes.check().map_err(|err| err.to_string())?;
            // Every quote `outside` receives is a cost some agent paid
            // (providers' operating costs, voters' gas).
            let paid: u128 = self.costs_paid_quote.iter().sum();
            let outside = e.quotes.figures(QuoteAccount::Outside).inflow;
            if paid != outside {
                return Err(format!(
                    "costs paid by agents {paid} != quote received by outside {outside}"
                ));
            }
        }
        if let Some(m) = e.market {
            let pool = e.quotes.balance(QuoteAccount::MarketPool);
            if m.quote_reserve() != pool {
                return Err(format!(
                    "the market's quote reserve {} != the quote ledger's market pool {pool}",
                    m.quote_reserve()
                ));
            }
        }
        Ok(())
    }

    /// The rows of `value.csv`: one per role present (agents that left
    /// included, in `Role` order), one per system account (`treasury`,
    /// `market_pool`, `rewards_pool`, `fee_escrow`), then `burned`
    /// (token columns only), `task_buyers` and `outside` (quote flows only).
    pub fn rows(&self, e: &Economy<'_>, roles: &[Role]) -> Vec<ValueRow> {
        #[derive(Default, Clone, Copy)]
        struct Sum {
            tokens_genesis: u128,
            tokens_end: u128,
            quote_genesis: u128,
            quote_end: u128,
            quote_in: u128,
            quote_out: u128,
            value_genesis: u128,
            unpaid: u128,
            costs: u128,
            rewards: u128,
        }
        let mut by_role = [Sum::default(); Role::COUNT];
        for a in 0..e.agents.len() {
            let v = self.agent(e, a as u32);
            let s = &mut by_role[e.agents.role[a].index()];
            s.tokens_genesis += u128::from(v.genesis_tokens);
            s.tokens_end += u128::from(e.ledger.wealth(a as u32));
            s.quote_genesis += u128::from(v.genesis_quote);
            s.quote_end += u128::from(e.quotes.balance(QuoteAccount::Agent(a as u32)));
            s.quote_in += v.quote_in;
            s.quote_out += v.quote_out;
            s.value_genesis += v.value_genesis_quote;
            s.unpaid += v.unpaid_costs_quote;
            s.costs += v.costs_paid_quote + v.unpaid_costs_quote;
            s.rewards += v.rewards_value_quote;
        }
        let mut rows = Vec::new();
        let mut gains = Vec::new();
        let total_costs: u128 = by_role.iter().map(|s| s.costs).sum();
        let total_rewards: u128 = by_role.iter().map(|s| s.rewards).sum();
        let share = |x: u128, total: u128| {
            Some(if total == 0 {
                0.0
            } else {
                x as f64 / total as f64
            })
        };
        for &role in roles {
            let s = by_role[role.index()];
            let value_end = e.value_now(s.tokens_end) + s.quote_end;
            let gain = signed(value_end) - signed(s.value_genesis) - signed(s.unpaid);
            gains.push(gain);
            rows.push(ValueRow {
                stakeholder: role.as_str().to_string(),
                tokens_genesis: Some(s.tokens_genesis),
                tokens_end: Some(s.tokens_end),
                quote_genesis: Some(s.quote_genesis),
                quote_end: Some(s.quote_end),
                quote_in: Some(s.quote_in),
                quote_out: Some(s.quote_out),
                value_genesis_quote: Some(s.value_genesis),
                value_end_quote: Some(value_end),
                liquidation_value_quote: Some(e.liquidation(s.tokens_end) + s.quote_end),
                net_gain_quote: Some(gain),
                share_of_costs: share(s.costs, total_costs),
                share_of_rewards: share(s.rewards, total_rewards),
                share_of_positive_gains: None,
            });
        }
        for (i, &account) in SystemAccount::ALL.iter().enumerate() {
            let tokens_genesis = u128::from(self.system_genesis_tokens[i]);
            let tokens_end = u128::from(e.ledger.system(account));
            let q = if account == SystemAccount::MarketPool {
                e.quotes.figures(QuoteAccount::MarketPool)
            } else {
                Default::default()
            };
            let value_genesis =
                self.value_at_entry(tokens_genesis, EntryPrice::Genesis) + u128::from(q.genesis);
            let value_end = e.value_now(tokens_end) + u128::from(q.balance);
            // The pool cannot sell into itself: its liquidation value is
            // left empty.
            let liquidation = (account != SystemAccount::MarketPool)
                .then(|| e.liquidation(tokens_end) + u128::from(q.balance));
            let gain = signed(value_end) - signed(value_genesis);
            gains.push(gain);
            rows.push(ValueRow {
                stakeholder: account.as_str().to_string(),
                tokens_genesis: Some(tokens_genesis),
                tokens_end: Some(tokens_end),
                quote_genesis: Some(u128::from(q.genesis)),
                quote_end: Some(u128::from(q.balance)),
                quote_in: Some(q.inflow),
                quote_out: Some(q.outflow),
                value_genesis_quote: Some(value_genesis),
                value_end_quote: Some(value_end),
                liquidation_value_quote: liquidation,
                net_gain_quote: Some(gain),
                share_of_costs: Some(0.0),
                share_of_rewards: Some(0.0),
                share_of_positive_gains: None,
            });
        }
        let positive: i128 = gains.iter().map(|&g| g.max(0)).sum();
        for (row, &gain) in rows.iter_mut().zip(&gains) {
            row.share_of_positive_gains = Some(if positive == 0 {
                0.0
            } else {
                gain.max(0) as f64 / positive as f64
            });
        }
        rows.push(ValueRow {
            stakeholder: "burned".into(),
            tokens_genesis: Some(0),
            tokens_end: Some(e.ledger.burned()),
            ..ValueRow::default()
        });
        for account in [QuoteAccount::TaskBuyers, QuoteAccount::Outside] {
            let q = e.quotes.figures(account);
            rows.push(ValueRow {
                stakeholder: account.as_str().into(),
                quote_in: Some(q.inflow),
                quote_out: Some(q.outflow),
                ..ValueRow::default()
            });
        }
        rows
    }
}

fn signed(x: u128) -> i128 {
    i128::try_from(x).unwrap_or(i128::MAX)
}
