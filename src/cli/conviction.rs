//! `mirage conviction`: a calculator for 1Hive's conviction voting
//! (`mirage_analysis::conviction`, which mirrors `ConvictionVoting.sol`):
//! the conviction of a stake after some blocks, the threshold of a request,
//! and whether the conviction exceeds it. This file only parses the flags
//! into the contract's integers, prints, and turns a revert into an error.
//!
//! Settings are decimal fractions exact at 7 places (the contract stores
//! them ×D, D = 10^7); `--min-threshold-stake` is exact at 18 places
//! (×10^18, `ONE_HUNDRED_PERCENT`); amounts are integers in base units up
//! to 2^256 − 1; `--blocks` is the contract's `uint64 _timePassed`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use mirage_analysis::conviction::{
    evaluate, format_fixed, parse_fixed, parse_uint, Pool, Revert, Settings, D, D_DECIMALS,
    PERCENT_DECIMALS, U256,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Decay a per block, a fraction in [0, 1) exact at 7 decimals (0.9).
    #[arg(long, value_name = "A")]
    pub decay: String,
    /// Max ratio β: the largest share of the funds one proposal may
    /// request, exact at 7 decimals (0.2).
    #[arg(long = "max-ratio", value_name = "B")]
    pub max_ratio: String,
    /// Weight ρ of the threshold, exact at 7 decimals (0.002).
    #[arg(long, value_name = "R")]
    pub weight: String,
    /// Tokens staked on the proposal during the blocks (base units).
    #[arg(long, value_name = "X")]
    pub staked: String,
    /// Conviction at the start of the blocks (the contract's convictionLast).
    #[arg(long, value_name = "Y")]
    pub prior: String,
    /// Blocks elapsed (uint64).
    #[arg(long, value_name = "T")]
    pub blocks: String,
    /// Amount requested (base units of the request token).
    #[arg(long, value_name = "r")]
    pub requested: String,
    /// Funds available (the funds manager's balance of the request token).
    #[arg(long, value_name = "F")]
    pub funds: String,
    /// Tokens staked on all proposals (the contract's totalStaked).
    #[arg(long = "total-staked", value_name = "S")]
    pub total_staked: String,
    /// Total supply of the stake token (base units), for the minimum stake.
    #[arg(long, value_name = "N", requires = "min_threshold_stake")]
    pub supply: Option<String>,
    /// Minimum total stake as a fraction of the supply (0.2 = 20%), exact
    /// at 18 decimals: the contract's minThresholdStakePercentage.
    #[arg(long = "min-threshold-stake", value_name = "P", requires = "supply")]
    pub min_threshold_stake: Option<String>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

fn fixed(flag: &str, text: &str, decimals: u32) -> anyhow::Result<U256> {
    parse_fixed(text, decimals).map_err(|e| anyhow!("{flag} {text}: {e}"))
}

fn uint(flag: &str, text: &str) -> anyhow::Result<U256> {
    parse_uint(text).map_err(|e| anyhow!("{flag} {text}: {e}"))
}

pub fn execute(args: &Args) -> anyhow::Result<ExitCode> {
    let settings = Settings {
        decay: fixed("--decay", &args.decay, D_DECIMALS)?,
        max_ratio: fixed("--max-ratio", &args.max_ratio, D_DECIMALS)?,
        weight: fixed("--weight", &args.weight, D_DECIMALS)?,
        min_threshold_stake_percentage: match &args.min_threshold_stake {
            Some(p) => fixed("--min-threshold-stake", p, PERCENT_DECIMALS)?,
            None => U256::zero(),
        },
    };
    let pool = Pool {
        funds: uint("--funds", &args.funds)?,
        total_staked: uint("--total-staked", &args.total_staked)?,
        supply: match &args.supply {
            Some(n) => uint("--supply", n)?,
            None => U256::zero(),
        },
    };
    let staked = uint("--staked", &args.staked)?;
    let prior = uint("--prior", &args.prior)?;
    let blocks = uint("--blocks", &args.blocks)?;
    let blocks = u64::try_from(blocks).map_err(|_| {
        anyhow!(
            "--blocks {}: calculateConviction takes a uint64 `_timePassed`; \
             expected at most {}",
            args.blocks,
            u64::MAX
        )
    })?;
    let requested = uint("--requested", &args.requested)?;

    let outcome = evaluate(&settings, &pool, staked, prior, blocks, requested)
        .map_err(|r| anyhow!("the contract reverts: {r}{}", why(&r, &settings, &pool)))?;
    if requested.is_zero() {
        eprintln!(
            "note: a request of 0 is a signaling proposal: executeProposal refuses it \
             (CV_CANNOT_EXECUTE_ZERO_VALUE_PROPOSAL); `executable` only compares the \
             conviction with calculateThreshold(0)"
        );
    }

    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let json = Json {
                conviction: outcome.conviction.to_string(),
                threshold: outcome.threshold.to_string(),
                executable: outcome.executable,
            };
            serde_json::to_writer_pretty(&mut out, &json).context("writing JSON")?;
            writeln!(out)?;
        }
        Format::Table => {
            writeln!(out, "conviction  {}", outcome.conviction)?;
            writeln!(out, "threshold   {}", outcome.threshold)?;
            writeln!(out, "executable  {}", outcome.executable)?;
            writeln!(
                out,
                "(decay {} = {}/D, max ratio {} = {}/D, weight {} = {}/D, D = {D})",
                format_fixed(settings.decay, D_DECIMALS),
                settings.decay,
                format_fixed(settings.max_ratio, D_DECIMALS),
                settings.max_ratio,
                format_fixed(settings.weight, D_DECIMALS),
                settings.weight,
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON output, keys in this order.
#[derive(Debug, serde::Serialize)]
struct Json {
    conviction: String,
    threshold: String,
    executable: bool,
}

/// A plain-words reason for the common reverts.
fn why(revert: &Revert, settings: &Settings, pool: &Pool) -> String {
    let d = U256::from(D);
    let decay_too_big = settings.decay >= d;
    match revert {
        Revert::Require {
            reason: "CV_AMOUNT_OVER_MAX_RATIO",
            ..
        } => {
            if pool.funds.is_zero() {
                " (the funds are zero: nothing can be requested)".to_string()
            } else {
                format!(
                    " (the request must be below max ratio × funds = {} × {})",
                    format_fixed(settings.max_ratio, D_DECIMALS),
                    pool.funds
                )
            }
        }
        _ if decay_too_big => format!(
            " (decay {} ≥ 1: conviction would never settle; the contract needs decay < 1)",
            format_fixed(settings.decay, D_DECIMALS)
        ),
        Revert::Overflow { .. } => {
            " (an intermediate product exceeds 2^256 − 1: the inputs are too large)".to_string()
        }
        _ => String::new(),
    }
}
