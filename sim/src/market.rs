//! The constant-product market pool (token vs a stable quote asset). Its
//! token reserve is the ledger's `MarketPool` account, so every swap is a
//! ledger transfer; the quote reserve is kept here and, in step, as the
//! quote ledger's `MarketPool` account (every swap moves quote through
//! `QuoteLedger::transfer`; the engine checks that the two agree at every
//! epoch end). Integer arithmetic only.

use crate::amount::{unit, QUOTE_DECIMALS};
use crate::error::SimError;
use crate::ledger::{Account, Ledger, SystemAccount};
use crate::quote::{QuoteAccount, QuoteLedger};

const POOL: Account = Account::System(SystemAccount::MarketPool);
const QUOTE_POOL: QuoteAccount = QuoteAccount::MarketPool;
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

    /// Tokens that `quote_in` quote units would buy now (no trade).
    pub fn preview_buy(&self, ledger: &Ledger, quote_in: u64) -> u64 {
        let reserve = u128::from(ledger.system(SystemAccount::MarketPool));
        let qin = u128::from(quote_in) * (FEE_SCALE - self.fee_ppm) / FEE_SCALE;
        let denom = u128::from(self.quote_reserve) + qin;
        if denom == 0 || quote_in == 0 {
            return 0;
        }
        u64::try_from(reserve * qin / denom).unwrap_or(u64::MAX)
    }

    /// Quote that selling `tokens_in` would pay now, slippage and fee
    /// included (no trade): the sell formula without its effects.
    pub fn preview_sell(&self, ledger: &Ledger, tokens_in: u64) -> u64 {
        u64::try_from(self.preview_sell_wide(ledger, u128::from(tokens_in))).unwrap_or(u64::MAX)
    }

    /// `preview_sell` for any amount (a stakeholder's whole holdings).
    pub fn preview_sell_wide(&self, ledger: &Ledger, tokens_in: u128) -> u128 {
        if tokens_in == 0 {
            return 0;
        }
        let reserve = u128::from(ledger.system(SystemAccount::MarketPool));
        let tin = tokens_in.saturating_mul(FEE_SCALE - self.fee_ppm) / FEE_SCALE;
        let denom = reserve + tin;
        if denom == 0 {
            return 0;
        }
        // Y · tin / (X + tin) without overflow: Y < 2^64 and tin ≤ denom.
        mul_div(u128::from(self.quote_reserve), tin, denom)
    }

    /// Buys tokens with `quote_in` quote units paid by `payer`; the tokens
    /// go to `to`. Returns the tokens bought (0: nothing moved).
    pub fn buy(
        &mut self,
        ledger: &mut Ledger,
        quotes: &mut QuoteLedger,
        payer: QuoteAccount,
        quote_in: u64,
        to: Account,
    ) -> Result<u64, SimError> {
        let out = self.preview_buy(ledger, quote_in);
        if out == 0 {
            return Ok(0);
        }
        quotes.transfer(payer, QUOTE_POOL, quote_in)?;
        ledger.transfer(POOL, to, out)?;
        self.quote_reserve = self.quote_reserve.saturating_add(quote_in);
        self.volume_quote += u128::from(quote_in);
        Ok(out)
    }

    /// Sells `tokens_in` tokens from `from`; the quote paid out goes to
    /// `payee`. Returns the quote units paid out.
    pub fn sell(
        &mut self,
        ledger: &mut Ledger,
        quotes: &mut QuoteLedger,
        tokens_in: u64,
        from: Account,
        payee: QuoteAccount,
    ) -> Result<u64, SimError> {
        if tokens_in == 0 {
            return Ok(0);
        }
        let out = self.preview_sell(ledger, tokens_in);
        ledger.transfer(from, POOL, tokens_in)?;
        quotes.transfer(QUOTE_POOL, payee, out)?;
        self.quote_reserve = self.quote_reserve.saturating_sub(out);
        self.volume_quote += u128::from(out);
        Ok(out)
    }

    /// Fewest tokens whose sale pays at least `quote` now (None when the
    /// pool's quote reserve is not larger than `quote`):
    /// t' = ⌈q X / (Y − q)⌉ after the fee, t = ⌈t' · 10^6 / (10^6 − φ)⌉.
    pub fn tokens_for_quote(&self, ledger: &Ledger, quote: u64) -> Option<u64> {
        let x = u128::from(ledger.system(SystemAccount::MarketPool));
        let (y, q) = (u128::from(self.quote_reserve), u128::from(quote));
        if q >= y || self.fee_ppm >= FEE_SCALE {
            return None;
        }
        let net = (q * x).div_ceil(y - q);
        let gross = (net * FEE_SCALE).div_ceil(FEE_SCALE - self.fee_ppm);
        u64::try_from(gross).ok()
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

/// ⌊a · b / c⌋ for a < 2^64 and b ≤ c (so the result is below 2^64),
/// exact whenever a · b fits 128 bits (always for single trades); beyond,
/// b and c are scaled down together first (rounding down).
pub(crate) fn mul_div(a: u128, b: u128, c: u128) -> u128 {
    if c == 0 {
        return 0;
    }
    match a.checked_mul(b) {
        Some(p) => p / c,
        None => {
            // b ≤ c: ⌊a b / c⌋ = ⌊a (b / 2^k) / (c / 2^k)⌋ approximately;
            // scale both down until the product fits (rounding down).
            let shift = 128 - (a.leading_zeros() + b.leading_zeros()).min(128);
            let (b, c) = (b >> shift, (c >> shift).max(1));
            a * b / c
        }
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
        let mut quotes = QuoteLedger::default();
        let qa = QuoteAccount::Agent(quotes.open_agent());
        quotes.endow(QUOTE_POOL, 1_000_000).expect("fits");
        quotes.endow(qa, 1_000).expect("fits");
        let mut m = Market::new(1_000_000, 0.0, 0);
        let p0 = m.price(&ledger);
        let got = m
            .buy(&mut ledger, &mut quotes, qa, 1_000, Account::Balance(a))
            .expect("ok");
        assert_eq!(got, 999); // 1e6 * 1000 / 1_001_000, floored
        assert!(m.price(&ledger) > p0);
        let preview = m.preview_sell(&ledger, got);
        let back = m
            .sell(&mut ledger, &mut quotes, got, Account::Balance(a), qa)
            .expect("ok");
        assert_eq!(back, preview);
        assert!(back <= 1_000);
        ledger.check().expect("conserved");
        quotes.check().expect("quote conserved");
        assert_eq!(quotes.balance(QUOTE_POOL), m.quote_reserve());
    }

    #[test]
    fn tokens_for_quote_is_the_least_sale_that_pays() {
        let mut ledger = Ledger::new(10_000_000);
        let treasury = Account::System(SystemAccount::Treasury);
        ledger.transfer(treasury, POOL, 1_000_000).expect("funded");
        let m = Market::new(3_000_000, 0.003, 0);
        for q in [1, 7, 1_000, 123_456, 2_999_999] {
            let t = m.tokens_for_quote(&ledger, q).expect("reserve is larger");
            assert!(m.preview_sell(&ledger, t) >= q, "q = {q}");
            assert!(t == 0 || m.preview_sell(&ledger, t - 1) < q, "q = {q}");
        }
        assert_eq!(m.tokens_for_quote(&ledger, 3_000_000), None);
    }

    #[test]
    fn a_fee_of_one_or_more_never_divides_by_zero() {
        let mut ledger = Ledger::new(2_000_000);
        let a = ledger.open_agent();
        let treasury = Account::System(SystemAccount::Treasury);
        ledger.transfer(treasury, POOL, 1_000_000).expect("funded");
        for fee in [1.0, 2.0, f64::NAN, f64::INFINITY, -1.0] {
            let mut quotes = QuoteLedger::default();
            let qa = QuoteAccount::Agent(quotes.open_agent());
            quotes.endow(QUOTE_POOL, 1_000_000).expect("fits");
            quotes.endow(qa, 1_000).expect("fits");
            let mut m = Market::new(1_000_000, fee, 0);
            assert!(m.quote_for_tokens(&ledger, 10).is_some());
            m.buy(&mut ledger, &mut quotes, qa, 1_000, Account::Balance(a))
                .expect("ok");
            m.sell(&mut ledger, &mut quotes, 0, Account::Balance(a), qa)
                .expect("ok");
        }
    }
}
