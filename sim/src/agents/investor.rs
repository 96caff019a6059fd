//! Early investors and team: an allocation that vests with a cliff and then
//! linearly, and a selling rule (sell a fraction of liquid tokens each
//! epoch while the price is at or above a floor).

use super::{draw, draw_amount, AttrKind, Attribute, Attributes, RoleBehaviour, Spawned};
use crate::distribution::DistSpec;
use crate::error::SimError;
use crate::ledger::Account;
use crate::rng::SimRng;
use crate::world::World;

/// An investor population's attributes.
#[derive(Debug, Clone)]
pub struct Params {
    allocation: Option<DistSpec>,
    cliff_epochs: u32,
    vesting_epochs: u32,
    sell_fraction: Option<DistSpec>,
    min_sell_price: f64,
}

/// Columns of investors, indexed by their row.
#[derive(Debug, Clone, Default)]
pub struct Investors {
    pub agent: Vec<u32>,
    /// Whole allocation, base units.
    pub allocation: Vec<u64>,
    /// Already unlocked, base units.
    pub unlocked: Vec<u64>,
    pub cliff_epochs: Vec<u32>,
    pub vesting_epochs: Vec<u32>,
    /// Fraction of liquid tokens sold per epoch.
    pub sell_fraction: Vec<f64>,
    /// No sale below this price (quote per token).
    pub min_sell_price: Vec<f64>,
}

impl RoleBehaviour for Investors {
    const NAME: &'static str = "investor";
    const ATTRIBUTES: &'static [Attribute] = &[
        Attribute {
            name: "allocation",
            kind: AttrKind::NonNegative,
            doc: "tokens allocated at genesis, locked until they vest",
        },
        Attribute {
            name: "cliff_epochs",
            kind: AttrKind::Whole,
            doc: "epochs before anything vests (default 0)",
        },
        Attribute {
            name: "vesting_epochs",
            kind: AttrKind::Whole,
            doc: "epochs over which the allocation vests linearly (default 0: all at the cliff)",
        },
        Attribute {
            name: "sell_fraction",
            kind: AttrKind::Probability,
            doc: "fraction of liquid tokens sold each epoch (default 0)",
        },
        Attribute {
            name: "min_sell_price",
            kind: AttrKind::Number,
            doc: "no sale below this price, quote per token (default 0)",
        },
    ];
    type Params = Params;

    fn params(attributes: &Attributes) -> Params {
        Params {
            allocation: attributes.dist("allocation"),
            cliff_epochs: attributes.whole("cliff_epochs").unwrap_or(0),
            vesting_epochs: attributes.whole("vesting_epochs").unwrap_or(0),
            sell_fraction: attributes.dist("sell_fraction"),
            min_sell_price: attributes.number("min_sell_price").unwrap_or(0.0),
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.agent.reserve_exact(additional);
        self.allocation.reserve_exact(additional);
        self.unlocked.reserve_exact(additional);
        self.cliff_epochs.reserve_exact(additional);
        self.vesting_epochs.reserve_exact(additional);
        self.sell_fraction.reserve_exact(additional);
        self.min_sell_price.reserve_exact(additional);
    }

    fn spawn(&mut self, agent: u32, params: &Params, rng: &mut SimRng, decimals: u32) -> Spawned {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        let allocation = draw_amount(rng, params.allocation.as_ref(), decimals);
        self.allocation.push(allocation);
        self.unlocked.push(0);
        self.cliff_epochs.push(params.cliff_epochs);
        self.vesting_epochs.push(params.vesting_epochs);
        self.sell_fraction.push(draw(
            rng,
            params.sell_fraction.as_ref(),
            0.0,
            AttrKind::Probability,
        ));
        self.min_sell_price.push(params.min_sell_price);
        Spawned {
            row,
            unvested: allocation,
        }
    }

    fn has_epoch_process(&self, _world: &World) -> bool {
        !self.agent.is_empty()
    }

    /// At each epoch start: what vested moves from unvested to liquid, and
    /// each investor sells its fraction of liquid tokens if the price is at
    /// or above its floor.
    fn on_epoch_start(&mut self, epoch: u32, world: &mut World) -> Result<(), SimError> {
        for row in 0..self.agent.len() {
            let agent = self.agent[row];
            let since = epoch.saturating_sub(world.agents.joined_epoch[agent as usize]);
            let due = self.take_unlock(row as u32, since);
            world
                .ledger
                .transfer(Account::Unvested(agent), Account::Balance(agent), due)?;
            let fraction = self.sell_fraction[row];
            if let Some(market) = &mut world.market {
                if fraction > 0.0 && market.price(&world.ledger) >= self.min_sell_price[row] {
                    let held = world.ledger.get(Account::Balance(agent));
                    let amount = (held as f64 * fraction) as u64;
                    market.sell(
                        &mut world.ledger,
                        &mut world.quote,
                        amount,
                        Account::Balance(agent),
                        crate::quote::QuoteAccount::Agent(agent),
                    )?;
                }
            }
        }
        Ok(())
    }
}

impl Investors {
    /// Vested amount at the start of `epoch` (epochs since the investor
    /// joined): nothing before the cliff, then allocation · min(epoch,
    /// vesting) / vesting; everything at the cliff when vesting is 0.
    pub fn vested(&self, row: u32, epoch: u32) -> u64 {
        let r = row as usize;
        if epoch < self.cliff_epochs[r] {
            return 0;
        }
        let vesting = self.vesting_epochs[r];
        if vesting == 0 || epoch >= vesting {
            return self.allocation[r];
        }
        (u128::from(self.allocation[r]) * u128::from(epoch) / u128::from(vesting)) as u64
    }

    /// Tokens to move from unvested to liquid now; records them as unlocked.
    pub fn take_unlock(&mut self, row: u32, epoch: u32) -> u64 {
        let due = self
            .vested(row, epoch)
            .saturating_sub(self.unlocked[row as usize]);
        self.unlocked[row as usize] += due;
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cliff_then_linear() {
        let mut inv = Investors::default();
        inv.agent.push(0);
        inv.allocation.push(1200);
        inv.unlocked.push(0);
        inv.cliff_epochs.push(3);
        inv.vesting_epochs.push(12);
        inv.sell_fraction.push(0.0);
        inv.min_sell_price.push(0.0);
        assert_eq!(inv.vested(0, 2), 0);
        assert_eq!(inv.vested(0, 3), 300);
        assert_eq!(inv.vested(0, 6), 600);
        assert_eq!(inv.vested(0, 40), 1200);
        assert_eq!(inv.take_unlock(0, 3), 300);
        assert_eq!(inv.take_unlock(0, 4), 100);
    }
}
