//! Errors of building and running a simulation (scenario errors are in
//! `scenario::load`). A run error means a bug or an impossible economy,
//! never bad input that validation could have caught.

use thiserror::Error;

use crate::ledger::LedgerError;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// The scenario's genesis does not fit (e.g. allocations exceed supply).
    #[error("genesis: {0}")]
    Genesis(String),
    /// A ledger operation failed: an engine bug, reported rather than hidden.
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
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
