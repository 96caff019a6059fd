//! The constant-product market pool (token vs a stable quote asset). Its
//! token reserve is the ledger's `MarketPool` account, so every swap is a
//! ledger transfer; the quote reserve lives here. Integer arithmetic only.

use crate::amount::{unit, QUOTE_DECIMALS};
use crate::ledger::{Account, Ledger, LedgerError, SystemAccount};

const POOL: Account = Account::System(SystemAccount::MarketPool);
const FEE_SCALE: u128 = 1_000_000;

/// x·y = k pool with a swap fee kept in the pool.
#[derive(Debug, Clone)]
pub struct Market {
    quote_reserve: u64,
    /// Fee in millionths.
    fee_ppm: u128,
    token_decimals: u32,
    /// Total quote that entered from outside (buyers) minus what left.
    pub volume_quote: u128,
}

impl Market {
    /// A pool holding `quote_reserve`; `swap_fee` is a fraction below 1
    /// (the loader checks it). Any value is accepted here: the fee is kept
    /// in [0, 1 − 10⁻⁶], so every swap and quote stays defined.
    pub fn new(quote_reserve: u64, swap_fee: f64, token_decimals: u32) -> Self {
        let fee_ppm = if swap_fee.is_finite() {
            (swap_fee.max(0.0) * FEE_SCALE as f64).round() as u128
        } else {
            0
        };
        Self {
            quote_reserve,
            fee_ppm: fee_ppm.min(FEE_SCALE - 1),
            token_decimals,
            volume_quote: 0,
        }
    }

    pub fn quote_reserve(&self) -> u64 {
        self.quote_reserve
    }

    /// Price of one token in quote units (for reporting and valuations).
    pub fn price(&self, ledger: &Ledger) -> f64 {
        let tokens = ledger.system(SystemAccount::MarketPool);
        if tokens == 0 {
            return 0.0;
        }
        (self.quote_reserve as f64 / unit(QUOTE_DECIMALS) as f64)
            / (tokens as f64 / unit(self.token_decimals) as f64)
    }

    /// Value in quote base units of `tokens` base units at the current price.
    pub fn value_in_quote(&self, ledger: &Ledger, tokens: u64) -> u64 {
        let reserve = ledger.system(SystemAccount::MarketPool);
        if reserve == 0 {
            return 0;
        }
        let v = u128::from(tokens) * u128::from(self.quote_reserve) / u128::from(reserve);
        u64::try_from(v).unwrap_or(u64::MAX)
    }

    /// Buys tokens with `quote_in` quote units; the tokens go to `to`.
    /// Returns the tokens bought.
    pub fn buy(
        &mut self,
        ledger: &mut Ledger,
        quote_in: u64,
        to: Account,
    ) -> Result<u64, LedgerError> {
        let reserve = u128::from(ledger.system(SystemAccount::MarketPool));
        let qin = u128::from(quote_in) * (FEE_SCALE - self.fee_ppm) / FEE_SCALE;
        let denom = u128::from(self.quote_reserve) + qin;
        if denom == 0 || quote_in == 0 {
            return Ok(0);
        }
        let out = reserve * qin / denom;
        let out = u64::try_from(out).unwrap_or(u64::MAX);
        if out == 0 {
            return Ok(0);
        }
        ledger.transfer(POOL, to, out)?;
        self.quote_reserve = self.quote_reserve.saturating_add(quote_in);
        self.volume_quote += u128::from(quote_in);
        Ok(out)
    }

    /// Sells `tokens_in` tokens from `from`; returns the quote units paid out.
    pub fn sell(
        &mut self,
        ledger: &mut Ledger,
        tokens_in: u64,
        from: Account,
    ) -> Result<u64, LedgerError> {
        if tokens_in == 0 {
            return Ok(0);
        }
        let reserve = u128::from(ledger.system(SystemAccount::MarketPool));
        let tin = u128::from(tokens_in) * (FEE_SCALE - self.fee_ppm) / FEE_SCALE;
        let denom = reserve + tin;
        if denom == 0 {
            return Ok(0);
        }
        let out = u128::from(self.quote_reserve) * tin / denom;
        let out = u64::try_from(out).unwrap_or(u64::MAX);
        ledger.transfer(from, POOL, tokens_in)?;
        self.quote_reserve = self.quote_reserve.saturating_sub(out);
        self.volume_quote += u128::from(out);
        Ok(out)
    }

    /// Quote units needed to buy `tokens` (rounded up), or `None` when the
    /// pool cannot supply them.
    pub fn quote_for_tokens(&self, ledger: &Ledger, tokens: u64) -> Option<u64> {
        let reserve = u128::from(ledger.system(SystemAccount::MarketPool));
        let tokens = u128::from(tokens);
        if tokens >= reserve {
            return None;
        }
        let net = u128::from(self.quote_reserve) * tokens / (reserve - tokens) + 1;
        let gross = net.checked_mul(FEE_SCALE)? / (FEE_SCALE - self.fee_ppm) + 1;
        u64::try_from(gross).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_move_price_and_conserve_tokens() {
        let mut ledger = Ledger::new(2_000_000);
        let a = ledger.open_agent();
        let treasury = Account::System(SystemAccount::Treasury);
        ledger.transfer(treasury, POOL, 1_000_000).expect("funded");
        let mut m = Market::new(1_000_000, 0.0, 0);
        let p0 = m.price(&ledger);
        let got = m.buy(&mut ledger, 1_000, Account::Balance(a)).expect("ok");
        assert_eq!(got, 999); // 1e6 * 1000 / 1_001_000, floored
        assert!(m.price(&ledger) > p0);
        let back = m.sell(&mut ledger, got, Account::Balance(a)).expect("ok");
        assert!(back <= 1_000);
        ledger.check().expect("conserved");
    }

    #[test]
    fn a_fee_of_one_or_more_never_divides_by_zero() {
        let mut ledger = Ledger::new(2_000_000);
        let a = ledger.open_agent();
        let treasury = Account::System(SystemAccount::Treasury);
        ledger.transfer(treasury, POOL, 1_000_000).expect("funded");
        for fee in [1.0, 2.0, f64::NAN, f64::INFINITY, -1.0] {
            let mut m = Market::new(1_000_000, fee, 0);
            assert!(m.quote_for_tokens(&ledger, 10).is_some());
            m.buy(&mut ledger, 1_000, Account::Balance(a)).expect("ok");
            m.sell(&mut ledger, 0, Account::Balance(a)).expect("ok");
        }
    }
}
