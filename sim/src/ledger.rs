//! The token ledger: every agent's balance, stake and unvested allocation,
//! the system accounts that belong to no agent, and the only API that moves
//! tokens (`transfer`, `mint`, `burn`).
//!
//! Invariant: Σ agents (balance + stake + unvested) + Σ system accounts
//! = initial supply + minted − burned, exactly, at all times (`check`).

use thiserror::Error;

/// Accounts that belong to no agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SystemAccount {
    /// Undistributed supply and protocol income.
    Treasury,
    /// Token reserve of the constant-product market pool.
    MarketPool,
    /// Emission and fee income waiting to be paid as rewards (carries the
    /// integer remainders of payouts to the next epoch).
    RewardsPool,
    /// Fees bought by users during the epoch, split at its end.
    FeeEscrow,
}

impl SystemAccount {
    pub const ALL: [SystemAccount; 4] = [
        SystemAccount::Treasury,
        SystemAccount::MarketPool,
        SystemAccount::RewardsPool,
        SystemAccount::FeeEscrow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SystemAccount::Treasury => "treasury",
            SystemAccount::MarketPool => "market_pool",
            SystemAccount::RewardsPool => "rewards_pool",
            SystemAccount::FeeEscrow => "fee_escrow",
        }
    }
}

/// Where tokens can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    Balance(u32),
    Stake(u32),
    Unvested(u32),
    System(SystemAccount),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LedgerError {
    #[error("insufficient funds in {account:?}: has {available}, needs {requested}")]
    InsufficientFunds {
        account: Account,
        available: u64,
        requested: u64,
    },
    #[error("amount overflow crediting {account:?}")]
    Overflow { account: Account },
    #[error(
        "conservation violated: accounts hold {held}, supply is {supply} \
         (initial {initial} + minted {minted} - burned {burned})"
    )]
    NotConserved {
        held: u128,
        supply: u128,
        initial: u128,
        minted: u128,
        burned: u128,
    },
}

/// Struct-of-arrays ledger, indexed by agent id.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    balance: Vec<u64>,
    stake: Vec<u64>,
    unvested: Vec<u64>,
    system: [u64; 4],
    initial_supply: u128,
    minted: u128,
    burned: u128,
}

impl Ledger {
    /// A ledger whose whole initial supply sits in the treasury.
    pub fn new(initial_supply: u64) -> Self {
        let mut ledger = Self {
            initial_supply: u128::from(initial_supply),
            ..Self::default()
        };
        ledger.system[SystemAccount::Treasury as usize] = initial_supply;
        ledger
    }

    /// Opens the accounts of a new agent (all empty); returns its id.
    pub fn open_agent(&mut self) -> u32 {
        self.balance.push(0);
        self.stake.push(0);
        self.unvested.push(0);
        (self.balance.len() - 1) as u32
    }

    /// Reserves room for `additional` more agents' accounts.
    pub fn reserve(&mut self, additional: usize) {
        self.balance.reserve_exact(additional);
        self.stake.reserve_exact(additional);
        self.unvested.reserve_exact(additional);
    }

    pub fn agent_count(&self) -> usize {
        self.balance.len()
    }

    #[inline]
    pub fn get(&self, account: Account) -> u64 {
        match account {
            Account::Balance(a) => self.balance[a as usize],
            Account::Stake(a) => self.stake[a as usize],
            Account::Unvested(a) => self.unvested[a as usize],
            Account::System(s) => self.system[s as usize],
        }
    }

    #[inline]
    fn slot(&mut self, account: Account) -> &mut u64 {
        match account {
            Account::Balance(a) => &mut self.balance[a as usize],
            Account::Stake(a) => &mut self.stake[a as usize],
            Account::Unvested(a) => &mut self.unvested[a as usize],
            Account::System(s) => &mut self.system[s as usize],
        }
    }

    /// Moves `amount` from one account to another; nothing moves on error.
    /// Always inlined: it is the body of the hot loops (random exchange,
    /// payouts), where a call per transfer costs a fifth of the run.
    #[inline(always)]
    pub fn transfer(&mut self, from: Account, to: Account, amount: u64) -> Result<(), LedgerError> {
        let available = self.get(from);
        if available < amount {
            return Err(LedgerError::InsufficientFunds {
                account: from,
                available,
                requested: amount,
            });
        }
        let target = self.get(to);
        if from != to && target.checked_add(amount).is_none() {
            return Err(LedgerError::Overflow { account: to });
        }
        *self.slot(from) -= amount;
        *self.slot(to) += amount;
        Ok(())
    }

    /// Pays `amounts[i]` from the system account `from` into the liquid
    /// balance of agent `members[i]`, as one batch: the total is debited
    /// once (refused if `from` holds less), each credit is checked for
    /// overflow, and nothing moves on error. Conservation holds as a batch
    /// identity: Σ credited = the debit. Returns the total.
    pub fn pay_out(
        &mut self,
        from: SystemAccount,
        members: &[u32],
        amounts: &[u64],
    ) -> Result<u64, LedgerError> {
        let total: u128 = amounts.iter().map(|&x| u128::from(x)).sum();
        let available = self.system[from as usize];
        let requested = u64::try_from(total).unwrap_or(u64::MAX);
        if u128::from(available) < total {
            return Err(LedgerError::InsufficientFunds {
                account: Account::System(from),
                available,
                requested,
            });
        }
        for (k, (&agent, &amount)) in members.iter().zip(amounts).enumerate() {
            let slot = &mut self.balance[agent as usize];
            match slot.checked_add(amount) {
                Some(v) => *slot = v,
                None => {
                    for (&done, &paid) in members[..k].iter().zip(amounts) {
                        self.balance[done as usize] -= paid;
                    }
                    return Err(LedgerError::Overflow {
                        account: Account::Balance(agent),
                    });
                }
            }
        }
        self.system[from as usize] = available - requested;
        Ok(requested)
    }

    /// Creates new tokens in `to`.
    pub fn mint(&mut self, to: Account, amount: u64) -> Result<(), LedgerError> {
        let slot = self.slot(to);
        *slot = slot
            .checked_add(amount)
            .ok_or(LedgerError::Overflow { account: to })?;
        self.minted += u128::from(amount);
        Ok(())
    }

    /// Destroys tokens held in `from`.
    pub fn burn(&mut self, from: Account, amount: u64) -> Result<(), LedgerError> {
        let available = self.get(from);
        if available < amount {
            return Err(LedgerError::InsufficientFunds {
                account: from,
                available,
                requested: amount,
            });
        }
        *self.slot(from) -= amount;
        self.burned += u128::from(amount);
        Ok(())
    }

    pub fn balances(&self) -> &[u64] {
        &self.balance
    }
    pub fn stakes(&self) -> &[u64] {
        &self.stake
    }
    pub fn unvested(&self) -> &[u64] {
        &self.unvested
    }
    pub fn system(&self, account: SystemAccount) -> u64 {
        self.system[account as usize]
    }
    pub fn initial_supply(&self) -> u128 {
        self.initial_supply
    }
    pub fn minted(&self) -> u128 {
        self.minted
    }
    pub fn burned(&self) -> u128 {
        self.burned
    }
    /// initial + minted − burned.
    pub fn supply(&self) -> u128 {
        self.initial_supply + self.minted - self.burned
    }

    /// Balance + stake + unvested of one agent.
    #[inline]
    pub fn wealth(&self, agent: u32) -> u64 {
        let a = agent as usize;
        Self::wealth_of(self.balance[a], self.stake[a], self.unvested[a])
    }

    /// An agent's tokens from its three accounts (saturating, as `wealth`).
    #[inline]
    pub fn wealth_of(balance: u64, stake: u64, unvested: u64) -> u64 {
        balance.saturating_add(stake).saturating_add(unvested)
    }

    /// Sums of the agents' liquid balances, stakes and unvested
    /// allocations, in one pass over the three columns.
    pub fn holdings(&self) -> Holdings {
        let mut h = Holdings::default();
        for ((&b, &s), &u) in self.balance.iter().zip(&self.stake).zip(&self.unvested) {
            h.liquid += u128::from(b);
            h.staked += u128::from(s);
            h.unvested += u128::from(u);
        }
        h
    }

    /// Verifies the conservation invariant exactly.
    pub fn check(&self) -> Result<(), LedgerError> {
        self.check_holdings(&self.holdings())
    }

    /// `check` with the agents' sums already taken (`holdings` of the
    /// ledger as it is now).
    pub fn check_holdings(&self, h: &Holdings) -> Result<(), LedgerError> {
        let held = h.liquid
            + h.staked
            + h.unvested
            + self.system.iter().map(|&x| u128::from(x)).sum::<u128>();
        if held == self.supply() {
            Ok(())
        } else {
            Err(LedgerError::NotConserved {
                held,
                supply: self.supply(),
                initial: self.initial_supply,
                minted: self.minted,
                burned: self.burned,
            })
        }
    }
}

/// The agents' tokens by kind of account (base units), see
/// `Ledger::holdings`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Holdings {
    pub liquid: u128,
    pub staked: u128,
    pub unvested: u128,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_conserve_and_refuse_overdrafts() {
        let mut l = Ledger::new(100);
        let a = l.open_agent();
        let t = Account::System(SystemAccount::Treasury);
        l.transfer(t, Account::Balance(a), 60).expect("funded");
        assert!(l
            .transfer(Account::Balance(a), Account::Stake(a), 61)
            .is_err());
        l.transfer(Account::Balance(a), Account::Stake(a), 10)
            .expect("funded");
        l.mint(Account::Unvested(a), 5).expect("fits");
        l.burn(t, 40).expect("funded");
        assert_eq!(l.supply(), 65);
        assert_eq!(l.wealth(a), 65);
        l.check().expect("conserved");
    }
}
