//! Speculators: agents with quote capital that trade the token against the
//! market pool at random times, following one of three rules (random,
//! momentum, buy-and-hold whale).

use rand::Rng;

use super::{draw, AttrKind};
use crate::scenario::{PopulationSpec, Strategy};

/// Attributes a speculator population may set.
pub const ATTRIBUTES: &[&str] = &["capital", "strategy", "trade_fraction", "trades_per_epoch"];

/// What a speculator does on one trading opportunity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trade {
    /// Spend this fraction of the quote held on tokens.
    Buy(f64),
    /// Sell this fraction of the tokens held.
    Sell(f64),
    Hold,
}

/// Columns of speculators, indexed by their row.
#[derive(Debug, Clone, Default)]
pub struct Speculators {
    pub agent: Vec<u32>,
    pub strategy: Vec<Strategy>,
    /// Fraction of holdings moved per trade.
    pub trade_fraction: Vec<f64>,
    /// Mean trades per epoch.
    pub trades_per_epoch: Vec<f64>,
}

impl Speculators {
    /// Adds a speculator drawn from `spec`; returns its row.
    pub fn spawn<R: Rng + ?Sized>(
        &mut self,
        agent: u32,
        spec: &PopulationSpec,
        rng: &mut R,
    ) -> u32 {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        self.strategy.push(
            spec.strategy
                .as_ref()
                .map_or(Strategy::Random, |s| *s.get_ref()),
        );
        self.trade_fraction.push(draw(
            rng,
            spec.trade_fraction.as_ref(),
            0.1,
            AttrKind::Probability,
        ));
        self.trades_per_epoch.push(draw(
            rng,
            spec.trades_per_epoch.as_ref(),
            1.0,
            AttrKind::NonNegative,
        ));
        row
    }

    /// The trade of `row` given the price now and at the last epoch end.
    #[inline]
    pub fn decide<R: Rng + ?Sized>(
        &self,
        row: u32,
        price_now: f64,
        price_before: f64,
        rng: &mut R,
    ) -> Trade {
        let r = row as usize;
        let f = self.trade_fraction[r];
        match self.strategy[r] {
            Strategy::Random => {
                if rng.random::<bool>() {
                    Trade::Buy(f)
                } else {
                    Trade::Sell(f)
                }
            }
            Strategy::Momentum => {
                if price_now > price_before {
                    Trade::Buy(f)
                } else if price_now < price_before {
                    Trade::Sell(f)
                } else {
                    Trade::Hold
                }
            }
            Strategy::Whale => Trade::Buy(f),
        }
    }
}

/// Carries out `trade` for `agent` against the market.
pub fn execute_trade(
    market: &mut crate::market::Market,
    ledger: &mut crate::ledger::Ledger,
    agents: &mut super::Agents,
    agent: u32,
    trade: Trade,
) -> Result<(), crate::ledger::LedgerError> {
    use crate::ledger::Account;
    let a = agent as usize;
    match trade {
        Trade::Buy(fraction) => {
            let spend = (agents.quote[a] as f64 * fraction) as u64;
            if spend > 0 && market.buy(ledger, spend, Account::Balance(agent))? > 0 {
                agents.quote[a] -= spend;
            }
        }
        Trade::Sell(fraction) => {
            let amount = (ledger.get(Account::Balance(agent)) as f64 * fraction) as u64;
            agents.quote[a] += market.sell(ledger, amount, Account::Balance(agent))?;
        }
        Trade::Hold => {}
    }
    Ok(())
}
