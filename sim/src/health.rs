//! Health warnings: conditions detected at epoch ends that make a run's
//! numbers suspect or its economy degenerate (a drained market reserve, a
//! runaway price or fee, a reward pool nobody can claim, an extinct
//! population). Each kind is reported once per run, at its first epoch;
//! warnings never stop the run.

/// One warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: &'static str,
    pub epoch: u32,
    pub message: String,
}

/// Warning kinds, with their thresholds.
pub const RESERVE_LOW: &str = "market_reserve_low";
pub const PRICE_RANGE: &str = "price_out_of_range";
pub const FEE_AT_CAP: &str = "fee_at_cap";
pub const FEE_RISING: &str = "fee_rising";
pub const POOL_UNCLAIMED: &str = "reward_pool_unclaimed";
pub const EXTINCT: &str = "population_extinct";
/// A reserve below 1/100 of its genesis size.
pub const RESERVE_DIVISOR: u128 = 100;
/// A price more than 100× above or below genesis.
pub const PRICE_FACTOR: f64 = 100.0;
/// Epochs of consecutive fee rises.
pub const FEE_RISING_EPOCHS: u32 = 30;
/// Epochs in a row of a pool without an eligible member.
pub const POOL_EMPTY_EPOCHS: u32 = 10;

/// What the monitor reads at one epoch end.
#[derive(Debug, Clone, Copy)]
pub struct EpochHealth<'a> {
    pub epoch: u32,
    /// Market (token, quote) reserves now, if there is a market.
    pub reserves: Option<(u64, u64)>,
    pub price: f64,
    /// Dynamic fee: (fee for the next epoch, its cap), else None.
    pub dynamic_fee: Option<(u64, u64)>,
    /// Per reward pool: its name and whether it had no eligible member.
    pub pools_empty: &'a [(&'static str, bool)],
    /// Per population: its name and active agents.
    pub populations: &'a [(&'a str, u32)],
}

/// The run's warnings and the state their rules need.
#[derive(Debug, Clone, Default)]
pub struct Health {
    warnings: Vec<Warning>,
    genesis_reserves: Option<(u64, u64)>,
    genesis_price: f64,
    last_fee: Option<u64>,
    fee_rises: u32,
    pool_empty: Vec<u32>,
}

impl Health {
    pub fn new(genesis_reserves: Option<(u64, u64)>, genesis_price: f64) -> Self {
        Self {
            genesis_reserves,
            genesis_price,
            ..Self::default()
        }
    }

    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    fn warn(&mut self, kind: &'static str, epoch: u32, message: impl FnOnce() -> String) {
        if !self.warnings.iter().any(|w| w.kind == kind) {
            self.warnings.push(Warning {
                kind,
                epoch,
                message: message(),
            });
        }
    }

    /// Applies every rule to one epoch end.
    pub fn observe(&mut self, h: &EpochHealth<'_>) {
        let e = h.epoch;
        if let (Some((x, y)), Some((x0, y0))) = (h.reserves, self.genesis_reserves) {
            for (name, now, start) in [("token", x, x0), ("quote", y, y0)] {
                if u128::from(now) * RESERVE_DIVISOR < u128::from(start) {
                    self.warn(RESERVE_LOW, e, || {
                        format!(
                            "the market's {name} reserve is {now} base units, below 1% of its \
                             genesis {start}"
                        )
                    });
                }
            }
        }
        let p0 = self.genesis_price;
        if h.reserves.is_some() && p0 > 0.0 {
            let p = h.price;
            if p > p0 * PRICE_FACTOR || p < p0 / PRICE_FACTOR {
                self.warn(PRICE_RANGE, e, || {
                    format!("the price is {p:.6}, more than 100x away from its genesis {p0:.6}")
                });
            }
        }
        if let Some((fee, cap)) = h.dynamic_fee {
            if fee >= cap {
                self.warn(FEE_AT_CAP, e, || {
                    format!("the dynamic fee reached its cap of {cap} quote base units")
                });
            }
            match self.last_fee {
                Some(last) if fee > last => self.fee_rises += 1,
                _ => self.fee_rises = 0,
            }
            self.last_fee = Some(fee);
            if self.fee_rises >= FEE_RISING_EPOCHS {
                self.warn(FEE_RISING, e, || {
                    format!(
                        "the dynamic fee rose {FEE_RISING_EPOCHS} epochs in a row (now {fee} \
                         quote base units): demand exceeds capacity at any fee"
                    )
                });
            }
        }
        self.pool_empty.resize(h.pools_empty.len(), 0);
        for (i, &(name, empty)) in h.pools_empty.iter().enumerate() {
            self.pool_empty[i] = if empty { self.pool_empty[i] + 1 } else { 0 };
            if self.pool_empty[i] >= POOL_EMPTY_EPOCHS {
                self.warn(POOL_UNCLAIMED, e, || {
                    format!(
                        "the {name} reward pool had no eligible member for \
                         {POOL_EMPTY_EPOCHS} epochs in a row"
                    )
                });
            }
        }
        if let Some((name, _)) = h.populations.iter().find(|(_, active)| *active == 0) {
            self.warn(EXTINCT, e, || {
                format!("population `{name}` has no active agent left")
            });
        }
    }
}
