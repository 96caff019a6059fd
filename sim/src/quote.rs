//! The quote ledger: every movement of the quote asset (a USD-like stable
//! coin, `QUOTE_DECIMALS`), in integer base units, through one API
//! (`transfer`, and `endow` for what an account brings at genesis or when
//! it joins). Accounts: each agent, the market pool's quote reserve, and
//! two outside parties — `task_buyers` (users paying task fees) and
//! `outside` (who receives providers' operating costs). Outside parties
//! are unbounded: only their flows are kept.
//!
//! Invariants (`check`): for every bounded account quote_end =
//! quote_genesis + quote_in − quote_out; Σ quote_in = Σ quote_out over all
//! accounts. Balances never go negative: an overdraft is an error and
//! nothing moves.

use thiserror::Error;

/// Where quote can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteAccount {
    Agent(u32),
    /// The market pool's quote reserve.
    MarketPool,
    /// Outside users buying tasks (pay task fees; unbounded).
    TaskBuyers,
    /// Whoever receives providers' operating costs (unbounded).
    Outside,
}

/// The accounts that belong to no agent, in row order.
pub const SYSTEM_QUOTE_ACCOUNTS: [QuoteAccount; 3] = [
    QuoteAccount::MarketPool,
    QuoteAccount::TaskBuyers,
    QuoteAccount::Outside,
];

impl QuoteAccount {
    /// Name as in `value.csv` (agents have none of their own).
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteAccount::Agent(_) => "agent",
            QuoteAccount::MarketPool => "market_pool",
            QuoteAccount::TaskBuyers => "task_buyers",
            QuoteAccount::Outside => "outside",
        }
    }

    /// Whether the account has a balance (outside parties do not).
    pub fn is_bounded(self) -> bool {
        matches!(self, QuoteAccount::Agent(_) | QuoteAccount::MarketPool)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum QuoteError {
    #[error("insufficient quote in {account:?}: has {available}, needs {requested}")]
    InsufficientFunds {
        account: QuoteAccount,
        available: u64,
        requested: u64,
    },
    #[error("quote overflow crediting {account:?}")]
    Overflow { account: QuoteAccount },
    #[error(
        "quote not conserved in {account:?}: holds {end}, genesis {genesis} + in {inflow} - out {outflow}"
    )]
    AccountBroken {
        account: QuoteAccount,
        end: u128,
        genesis: u128,
        inflow: u128,
        outflow: u128,
    },
    #[error("quote not conserved: sum of quote_in {inflow} != sum of quote_out {outflow}")]
    FlowsBroken { inflow: u128, outflow: u128 },
}

/// One account's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuoteFigures {
    /// Quote held now (0 for outside parties).
    pub balance: u64,
    pub genesis: u64,
    pub inflow: u128,
    pub outflow: u128,
}

/// The quote ledger, agents indexed by id. An agent's four figures are
/// one row (48 bytes), not four columns: a transfer touches a random
/// agent's balance and flows together, so one row costs one or two cache
/// lines where four columns cost three or four misses (the hottest loads
/// of a large run's trades and task payments).
#[derive(Debug, Clone, Default)]
pub struct QuoteLedger {
    agents: Vec<QuoteFigures>,
    /// Market pool, task buyers, outside.
    system: [QuoteFigures; 3],
    /// Bumped by every change (an account opened, endowed or moved), so
    /// the engine re-checks the identities only after something changed.
    changes: u64,
}

fn system_index(account: QuoteAccount) -> usize {
    match account {
        QuoteAccount::Agent(_) | QuoteAccount::MarketPool => 0,
        QuoteAccount::TaskBuyers => 1,
        QuoteAccount::Outside => 2,
    }
}

/// The error for `account` whose figures `f` break
/// quote_end = genesis + in − out.
fn account_broken(account: QuoteAccount, f: QuoteFigures) -> QuoteError {
    QuoteError::AccountBroken {
        account,
        end: u128::from(f.balance),
        genesis: u128::from(f.genesis),
        inflow: f.inflow,
        outflow: f.outflow,
    }
}

impl QuoteLedger {
    /// Opens an agent's account (empty); returns its id.
    pub fn open_agent(&mut self) -> u32 {
        self.agents.push(QuoteFigures::default());
        self.changes = self.changes.wrapping_add(1);
        (self.agents.len() - 1) as u32
    }

    pub fn reserve(&mut self, additional: usize) {
        self.agents.reserve_exact(additional);
    }

    /// Quote held by `account` now (0 for outside parties).
    #[inline]
    pub fn balance(&self, account: QuoteAccount) -> u64 {
        match account {
            QuoteAccount::Agent(a) => self.agents[a as usize].balance,
            other => self.system[system_index(other)].balance,
        }
    }

    /// Copies every agent's quote, by id, into `out` (as long as the
    /// number of agents).
    pub fn copy_agent_balances(&self, out: &mut [u64]) {
        for (o, row) in out.iter_mut().zip(&self.agents) {
            *o = row.balance;
        }
    }

    /// One account's genesis, balance, in and out.
    pub fn figures(&self, account: QuoteAccount) -> QuoteFigures {
        match account {
            QuoteAccount::Agent(a) => self.agents[a as usize],
            other => self.system[system_index(other)],
        }
    }

    /// `account` brings `amount` from outside the model (at genesis, or
    /// when an agent joins): it counts as genesis quote, not as a flow.
    pub fn endow(&mut self, account: QuoteAccount, amount: u64) -> Result<(), QuoteError> {
        if !account.is_bounded() {
            return Ok(());
        }
        let row = match account {
            QuoteAccount::Agent(a) => &mut self.agents[a as usize],
            other => &mut self.system[system_index(other)],
        };
        let (Some(b), Some(g)) = (
            row.balance.checked_add(amount),
            row.genesis.checked_add(amount),
        ) else {
            return Err(QuoteError::Overflow { account });
        };
        row.balance = b;
        row.genesis = g;
        self.changes = self.changes.wrapping_add(1);
        Ok(())
    }

    /// Moves `amount` from one account to another, recording it as the
    /// first's `quote_out` and the second's `quote_in`; nothing moves on
    /// error. Outside parties pay and receive without limit.
    #[inline]
    pub fn transfer(
        &mut self,
        from: QuoteAccount,
        to: QuoteAccount,
        amount: u64,
    ) -> Result<(), QuoteError> {
        if amount == 0 {
            return Ok(());
        }
        if from.is_bounded() {
            let available = self.balance(from);
            if available < amount {
                return Err(QuoteError::InsufficientFunds {
                    account: from,
                    available,
                    requested: amount,
                });
            }
        }
        if to.is_bounded() && from != to && self.balance(to).checked_add(amount).is_none() {
            return Err(QuoteError::Overflow { account: to });
        }
        let wide = u128::from(amount);
        match from {
            QuoteAccount::Agent(a) => {
                let row = &mut self.agents[a as usize];
                row.balance -= amount;
                row.outflow += wide;
            }
            other => {
                let s = &mut self.system[system_index(other)];
                if other.is_bounded() {
                    s.balance -= amount;
                }
                s.outflow += wide;
            }
        }
        match to {
            QuoteAccount::Agent(a) => {
                let row = &mut self.agents[a as usize];
                row.balance += amount;
                row.inflow += wide;
            }
            other => {
                let s = &mut self.system[system_index(other)];
                if other.is_bounded() {
                    s.balance += amount;
                }
                s.inflow += wide;
            }
        }
        self.changes = self.changes.wrapping_add(1);
        Ok(())
    }

    /// A count of the changes made so far (wrapping): equal counts mean
    /// nothing in the ledger changed in between.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Verifies quote_end = genesis + in − out for every bounded account
    /// and Σ in = Σ out over all accounts, exactly.
    pub fn check(&self) -> Result<(), QuoteError> {
        let mut total_in = 0u128;
        let mut total_out = 0u128;
        // Agents first (one pass over their rows), then the system
        // accounts; the first broken account is reported.
        let mut broken = None;
        for (a, f) in self.agents.iter().enumerate() {
            total_in += f.inflow;
            total_out += f.outflow;
            if broken.is_none()
                && u128::from(f.balance) + f.outflow != u128::from(f.genesis) + f.inflow
            {
                broken = Some(a);
            }
        }
        if let Some(a) = broken {
            let account = QuoteAccount::Agent(a as u32);
            return Err(account_broken(account, self.figures(account)));
        }
        for account in SYSTEM_QUOTE_ACCOUNTS {
            let f = self.figures(account);
            total_in += f.inflow;
            total_out += f.outflow;
            if account.is_bounded()
                && u128::from(f.balance) + f.outflow != u128::from(f.genesis) + f.inflow
            {
                return Err(account_broken(account, f));
            }
        }
        if total_in == total_out {
            Ok(())
        } else {
            Err(QuoteError::FlowsBroken {
                inflow: total_in,
                outflow: total_out,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_balance_and_overdrafts_are_refused() {
        let mut q = QuoteLedger::default();
        let a = q.open_agent();
        q.endow(QuoteAccount::Agent(a), 100).unwrap();
        q.endow(QuoteAccount::MarketPool, 1_000).unwrap();
        q.transfer(QuoteAccount::Agent(a), QuoteAccount::MarketPool, 60)
            .unwrap();
        assert!(q
            .transfer(QuoteAccount::Agent(a), QuoteAccount::Outside, 41)
            .is_err());
        q.transfer(QuoteAccount::TaskBuyers, QuoteAccount::MarketPool, 500)
            .unwrap();
        q.transfer(QuoteAccount::MarketPool, QuoteAccount::Agent(a), 7)
            .unwrap();
        q.transfer(QuoteAccount::Agent(a), QuoteAccount::Outside, 47)
            .unwrap();
        assert_eq!(q.balance(QuoteAccount::Agent(a)), 0);
        assert_eq!(q.balance(QuoteAccount::MarketPool), 1_553);
        assert_eq!(q.figures(QuoteAccount::Outside).inflow, 47);
        q.check().unwrap();
    }

    /// The engine re-takes the quote identities only when `changes` moved
    /// (ARCHITECTURE.md, value identities): every mutation must bump it,
    /// and a refused transfer (which changes nothing) need not.
    #[test]
    fn every_change_bumps_the_change_count() {
        let mut q = QuoteLedger::default();
        let mut seen = q.changes();
        let mut bumped = |q: &QuoteLedger| {
            let moved = q.changes() != seen;
            seen = q.changes();
            moved
        };
        let a = q.open_agent();
        assert!(bumped(&q), "open_agent");
        q.endow(QuoteAccount::Agent(a), 100).unwrap();
        assert!(bumped(&q), "endow");
        q.transfer(QuoteAccount::Agent(a), QuoteAccount::Outside, 30)
            .unwrap();
        assert!(bumped(&q), "transfer");
        assert!(q
            .transfer(QuoteAccount::Agent(a), QuoteAccount::Outside, 1_000)
            .is_err());
        assert_eq!(q.balance(QuoteAccount::Agent(a)), 70, "nothing moved");
        assert!(!bumped(&q), "a refused transfer changes nothing");
    }
}
