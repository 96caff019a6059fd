//! Plain token holders, and the random exchange among them: each step,
//! holders act one at a time in a freshly shuffled order, and a holder with
//! at least `amount` gives `amount` to a holder drawn uniformly from all
//! holders (itself included), exactly as Mesa's Boltzmann wealth model.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::ledger::{Account, Ledger, LedgerError};

/// Holders read no attribute besides `balance`.
pub const ATTRIBUTES: &[&str] = &[];

/// Holder agents and the reusable order buffer of the exchange.
#[derive(Debug, Clone, Default)]
pub struct Holders {
    pub agent: Vec<u32>,
    order: Vec<u32>,
}

impl Holders {
    pub fn spawn(&mut self, agent: u32) -> u32 {
        self.agent.push(agent);
        self.order.push(agent);
        (self.agent.len() - 1) as u32
    }

    /// One step of the random exchange; returns how many transfers it made.
    pub fn exchange_step<R: Rng + ?Sized>(
        &mut self,
        ledger: &mut Ledger,
        rng: &mut R,
        amount: u64,
    ) -> Result<u64, LedgerError> {
        if amount == 0 || self.agent.is_empty() {
            return Ok(0);
        }
        // A uniform permutation each step; shuffling the previous order is
        // as uniform as shuffling a fresh copy, and needs no allocation.
        self.order.shuffle(rng);
        let n = self.agent.len();
        let mut transfers = 0;
        for &giver in &self.order {
            if ledger.get(Account::Balance(giver)) < amount {
                continue;
            }
            let receiver = self.agent[rng.random_range(0..n)];
            ledger.transfer(Account::Balance(giver), Account::Balance(receiver), amount)?;
            transfers += 1;
        }
        Ok(transfers)
    }
}
