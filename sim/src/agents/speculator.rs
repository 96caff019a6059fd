//! Speculators: agents with quote capital that trade the token against the
//! market pool at random times, following one of three rules (random,
//! momentum, buy-and-hold whale).

use rand::Rng;

use serde::{Deserialize, Serialize};

use super::{draw, AttrKind, Attribute, Attributes, Role, RoleBehaviour, Spawned};
use crate::distribution::DistSpec;
use crate::error::SimError;
use crate::rng::SimRng;
use crate::world::{exp_delay, World};

/// The role's event kinds.
pub const TRADE: u8 = 0;

/// Speculators' trading rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Buy or sell at random.
    Random,
    /// Buy after the price rose over the last epoch, sell after it fell.
    Momentum,
    /// Buy in, never sell.
    Whale,
}

/// A speculator population's attributes.
#[derive(Debug, Clone)]
pub struct Params {
    strategy: Strategy,
    trade_fraction: Option<DistSpec>,
    trades_per_epoch: Option<DistSpec>,
}

/// What a speculator does on one trading opportunity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trade {
    /// Spend this fraction of the quote held on tokens.
    Buy(f64),
    /// Sell this fraction of the tokens held.
    Sell(f64),
    Hold,
}

/// What a trade reads of its speculator: one 24-byte row, so that a
/// trade by a random speculator loads one cache line, not one for each
/// attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trader {
    /// Fraction of holdings moved per trade.
    pub trade_fraction: f64,
    /// Mean trades per epoch.
    pub trades_per_epoch: f64,
    pub strategy: Strategy,
}

/// Speculators, indexed by their row: the agent id, and the trading
/// attributes as one row each.
#[derive(Debug, Clone, Default)]
pub struct Speculators {
    pub agent: Vec<u32>,
    pub trader: Vec<Trader>,
}

impl RoleBehaviour for Speculators {
    const NAME: &'static str = "speculator";
    const ATTRIBUTES: &'static [Attribute] = &[
        Attribute {
            name: "capital",
            kind: AttrKind::NonNegative,
            doc: "quote units held at genesis",
        },
        Attribute {
            name: "strategy",
            kind: AttrKind::Choice(&["random", "momentum", "whale"]),
            doc: "trading rule (default random)",
        },
        Attribute {
            name: "trade_fraction",
            kind: AttrKind::Probability,
            doc: "fraction of holdings moved per trade (default 0.1)",
        },
        Attribute {
            name: "trades_per_epoch",
            kind: AttrKind::Rate,
            doc: "mean trades per epoch (default 1)",
        },
    ];
    type Params = Params;

    fn params(attributes: &Attributes) -> Params {
        let strategy = match attributes.word("strategy") {
            Some("momentum") => Strategy::Momentum,
            Some("whale") => Strategy::Whale,
            _ => Strategy::Random,
        };
        Params {
            strategy,
            trade_fraction: attributes.dist("trade_fraction"),
            trades_per_epoch: attributes.dist("trades_per_epoch"),
        }
    }

    fn reserve(&mut self, additional: usize) {
        self.agent.reserve_exact(additional);
        self.trader.reserve_exact(additional);
    }

    fn spawn(&mut self, agent: u32, params: &Params, rng: &mut SimRng, _decimals: u32) -> Spawned {
        let row = self.agent.len() as u32;
        self.agent.push(agent);
        // Drawn in this order: the fraction, then the rate.
        let trade_fraction = draw(
            rng,
            params.trade_fraction.as_ref(),
            0.1,
            AttrKind::Probability,
        );
        let trades_per_epoch = draw(rng, params.trades_per_epoch.as_ref(), 1.0, AttrKind::Rate);
        self.trader.push(Trader {
            trade_fraction,
            trades_per_epoch,
            strategy: params.strategy,
        });
        Spawned { row, unvested: 0 }
    }

    /// Trades are a Poisson process per speculator.
    fn start_processes(&self, agent: u32, row: u32, rng: &mut SimRng, world: &mut World) {
        let rate = self.trader[row as usize].trades_per_epoch;
        if let Some(delay) = exp_delay(rng, rate, world.rules.ticks_per_epoch) {
            let now = world.queue.now();
            world.schedule_role_event(now, delay, Role::Speculator, TRADE, agent, row);
        }
    }

    /// One trade against the market by the speculator's rule; the next is
    /// scheduled.
    fn on_event(
        &mut self,
        _kind: u8,
        agent: u32,
        row: u32,
        tick: u64,
        world: &mut World,
    ) -> Result<(), SimError> {
        let trader = self.trader[row as usize];
        if let Some(market) = &mut world.market {
            let price_now = market.price(&world.ledger);
            let trade = trader.decide(price_now, world.price_at_epoch_start, &mut world.rng);
            execute_trade(market, &mut world.ledger, &mut world.quote, agent, trade)?;
        }
        let rate = trader.trades_per_epoch;
        if let Some(delay) = world.poisson_delay(rate) {
            world.schedule_role_event(tick, delay, Role::Speculator, TRADE, agent, row);
        }
        Ok(())
    }
}

impl Trader {
    /// This speculator's trade given the price now and at the last epoch
    /// end.
    #[inline]
    pub fn decide<R: Rng + ?Sized>(&self, price_now: f64, price_before: f64, rng: &mut R) -> Trade {
        let f = self.trade_fraction;
        match self.strategy {
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
    quotes: &mut crate::quote::QuoteLedger,
    agent: u32,
    trade: Trade,
) -> Result<(), SimError> {
    use crate::ledger::Account;
    use crate::quote::QuoteAccount;
    let me = QuoteAccount::Agent(agent);
    match trade {
        Trade::Buy(fraction) => {
            let spend = (quotes.balance(me) as f64 * fraction) as u64;
            if spend > 0 {
                market.buy(ledger, quotes, me, spend, Account::Balance(agent))?;
            }
        }
        Trade::Sell(fraction) => {
            let amount = (ledger.get(Account::Balance(agent)) as f64 * fraction) as u64;
            market.sell(ledger, quotes, amount, Account::Balance(agent), me)?;
        }
        Trade::Hold => {}
    }
    Ok(())
}
