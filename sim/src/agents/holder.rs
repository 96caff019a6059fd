//! Plain token holders, and the random exchange among them: each step,
//! holders act one at a time in a freshly shuffled order, and a holder with
//! at least `amount` gives `amount` to a holder drawn uniformly from all
//! holders (itself included), exactly as Mesa's Boltzmann wealth model.

use rand::seq::SliceRandom;
use rand::Rng;

use super::{Attribute, Attributes, RoleBehaviour, Spawned};
use crate::error::SimError;
use crate::ledger::{Account, Ledger, LedgerError};
use crate::rng::SimRng;
use crate::world::World;

/// Holder agents and the reusable order buffer of the exchange.
#[derive(Debug, Clone, Default)]
pub struct Holders {
    pub agent: Vec<u32>,
    order: Vec<u32>,
}

impl RoleBehaviour for Holders {
    const NAME: &'static str = "holder";
    /// Holders read no attribute besides `balance`.
    const ATTRIBUTES: &'static [Attribute] = &[];
    type Params = ();

    fn params(_attributes: &Attributes) {}

    fn reserve(&mut self, additional: usize) {
        self.agent.reserve_exact(additional);
        self.order.reserve_exact(additional);
    }

    fn spawn(&mut self, agent: u32, _params: &(), _rng: &mut SimRng, _decimals: u32) -> Spawned {
        self.agent.push(agent);
        self.order.push(agent);
        Spawned {
            row: (self.agent.len() - 1) as u32,
            unvested: 0,
        }
    }

    /// The random exchange runs when the scenario has an `[exchange]`.
    fn has_epoch_process(&self, world: &World) -> bool {
        world.rules.exchange_amount.is_some()
    }

    /// One step of the random exchange at each epoch start.
    fn on_epoch_start(&mut self, _epoch: u32, world: &mut World) -> Result<(), SimError> {
        if let Some(amount) = world.rules.exchange_amount {
            self.exchange_step(&mut world.ledger, &mut world.rng, amount)?;
        }
        Ok(())
    }
}

impl Holders {
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
