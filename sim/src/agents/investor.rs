//! Early investors and team: an allocation that vests with a cliff and then
//! linearly, and a selling rule (sell a fraction of liquid tokens each
//! epoch while the price is at or above a floor).

use rand::Rng;

use super::{draw, draw_amount, AttrKind};
use crate::scenario::PopulationSpec;

/// Attributes an investor population may set.
pub const ATTRIBUTES: &[&str] = &[
    "allocation",
    "cliff_epochs",
    "vesting_epochs",
    "sell_fraction",
    "min_sell_price",
];

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

impl Investors {
    /// Adds an investor drawn from `spec`; returns its row and allocation.
    pub fn spawn<R: Rng + ?Sized>(
        &mut self,
        agent: u32,
        spec: &PopulationSpec,
        rng: &mut R,
        decimals: u32,
    ) -> (u32, u64) {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        let allocation = draw_amount(rng, spec.allocation.as_ref(), decimals);
        self.allocation.push(allocation);
        self.unlocked.push(0);
        self.cliff_epochs
            .push(spec.cliff_epochs.as_ref().map_or(0, |c| *c.get_ref()));
        self.vesting_epochs
            .push(spec.vesting_epochs.as_ref().map_or(0, |v| *v.get_ref()));
        self.sell_fraction.push(draw(
            rng,
            spec.sell_fraction.as_ref(),
            0.0,
            AttrKind::Probability,
        ));
        self.min_sell_price
            .push(spec.min_sell_price.as_ref().map_or(0.0, |p| p.get_ref().0));
        (row, allocation)
    }

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
