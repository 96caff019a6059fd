//! Errors of building and running a simulation (scenario errors are in
//! `scenario::load`). A run error means a bug or an impossible economy,
//! never bad input that validation could have caught.

use thiserror::Error;

use crate::ledger::LedgerError;
use crate::quote::QuoteError;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// The scenario's genesis does not fit (e.g. allocations exceed supply).
    #[error("genesis: {0}")]
    Genesis(String),
    /// A ledger operation failed: an engine bug, reported rather than hidden.
    #[error("ledger: {0}")]
    Ledger(LedgerError),
    /// A quote movement failed or the quote identities broke (a bug).
    #[error("quote ledger: {0}")]
    Quote(QuoteError),
    /// A value-accounting identity broke at an epoch end (a bug).
    #[error("value accounting broken in epoch {epoch}: {message}")]
    Identity { epoch: u32, message: String },
    /// A reward scheme could not compute its payouts (a bug).
    #[error("reward scheme `{scheme}` failed in epoch {epoch}: {message}")]
    Scheme {
        scheme: &'static str,
        epoch: u32,
        message: String,
    },
    /// A reward scheme paid more than its budget.
    #[error("reward scheme `{scheme}` paid {paid} base units from a budget of {budget} in epoch {epoch}")]
    SchemeOverpaid {
        scheme: &'static str,
        epoch: u32,
        paid: u128,
        budget: u64,
    },
}

// By hand rather than `#[from]`, which would also make the inner error the
// source: a report that prints the chain (anyhow's `{:#}`) then said it
// twice ("quote ledger: quote overflow …: quote overflow …").
impl From<LedgerError> for SimError {
    fn from(e: LedgerError) -> Self {
        Self::Ledger(e)
    }
}

impl From<QuoteError> for SimError {
    fn from(e: QuoteError) -> Self {
        Self::Quote(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quote::QuoteAccount;

    #[test]
    fn a_wrapped_error_is_said_once_in_the_chain() {
        let e = SimError::from(QuoteError::Overflow {
            account: QuoteAccount::Agent(3),
        });
        assert_eq!(
            e.to_string(),
            "quote ledger: quote overflow crediting Agent(3)"
        );
        assert!(std::error::Error::source(&e).is_none());
    }
}
