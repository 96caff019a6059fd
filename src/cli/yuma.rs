//! `mirage yuma`: one or more epochs of Bittensor's Yuma consensus
//! (`mirage_sim::reward::yuma`) on a stakes CSV and a weights CSV, printed as
//! CSV. This file only reads files, checks arguments and prints.
//!
//! Input: `STAKES.csv` with `validator,stake` (raw stakes, one row per
//! validator) and `WEIGHTS.csv` with `validator,provider,weight` (raw; each
//! validator's row is normalised inside; a validator's weight on its own id
//! is ignored, as the chain masks the diagonal; each pair at most once;
//! every validator must be in the stakes file).
//!
//! Output: `id,kind,consensus,incentive,dividend`. `kind` is `provider`
//! (every id in the weights file's provider column; consensus and incentive
//! filled) or `validator` (every id in the stakes file; dividend filled); an
//! id that is both gets two rows. Rows are ordered by kind (`provider` first)
//! then by id: numerically if every id is a number, else lexicographically.
//! Incentive sums to 1 over providers and dividend to 1 over validators
//! (unless nothing reaches consensus, when both are 0: a warning is printed).
//! With `--epochs N` the same input is run N times from empty bonds and the
//! last epoch is printed (with constant input the bonds are already at their
//! fixed point after the first epoch).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use mirage_sim::reward::yuma::{
    epoch_into, WeightEntry, Weights, YumaInput, YumaOutput, YumaParams, YumaState,
};

use super::fund::table::{all_numeric, compare_ids, read_rows, Ids};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Stakes CSV with columns validator,stake.
    #[arg(long, value_name = "STAKES.csv")]
    pub stakes: PathBuf,
    /// Weights CSV with columns validator,provider,weight.
    #[arg(long, value_name = "WEIGHTS.csv")]
    pub weights: PathBuf,
    /// Consensus majority κ in (0, 1].
    #[arg(long, value_name = "K", default_value_t = 0.5)]
    pub kappa: f64,
    /// Weight α in (0, 1] of the new epoch's bonds in the bonds EMA.
    #[arg(long = "bond-alpha", value_name = "A", default_value_t = 0.1)]
    pub bond_alpha: f64,
    /// Bonds penalty β in [0, 1]: bonds use W + β(W̄ − W) (1 = clipped
    /// weights, the chain's default).
    #[arg(long = "bonds-penalty", value_name = "B", default_value_t = 1.0)]
    pub bonds_penalty: f64,
    /// Number of epochs to run from empty bonds (the last is printed).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub epochs: u32,
}

pub fn execute(args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.epochs >= 1,
        "--epochs {}: expected at least 1",
        args.epochs
    );
    let params = YumaParams {
        kappa: args.kappa,
        bond_alpha: args.bond_alpha,
        bonds_penalty: args.bonds_penalty,
    };
    anyhow::ensure!(
        args.kappa > 0.0 && args.kappa <= 1.0,
        "--kappa {}: expected a number in (0, 1]",
        args.kappa
    );
    anyhow::ensure!(
        args.bond_alpha > 0.0 && args.bond_alpha <= 1.0,
        "--bond-alpha {}: expected a number in (0, 1]",
        args.bond_alpha
    );
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.bonds_penalty),
        "--bonds-penalty {}: expected a number in [0, 1]",
        args.bonds_penalty
    );

    let (validators, stakes) = read_stakes(&args.stakes)?;
    let (providers, weights) = read_weights(&args.weights, &args.stakes, &validators)?;

    let input = YumaInput {
        stakes: &stakes,
        weights: &weights,
        params,
    };
    let mut state = YumaState::default();
    let mut out = YumaOutput::default();
    for _ in 0..args.epochs {
        epoch_into(&mut state, &input, &mut out)?;
    }
    if out.incentive.iter().all(|&x| x == 0.0) {
        eprintln!("warning: no provider reached consensus; incentive and dividends are all zero");
    }

    let numeric = all_numeric(validators.names().chain(providers.names()));
    let sorted = |ids: &Ids| {
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by(|&a, &b| compare_ids(ids.name(a), ids.name(b), numeric));
        order
    };
    let stdout = std::io::stdout();
    let mut w = csv::Writer::from_writer(stdout.lock());
    w.write_record(["id", "kind", "consensus", "incentive", "dividend"])?;
    for j in sorted(&providers) {
        w.write_record([
            providers.name(j),
            "provider",
            &out.consensus[j].to_string(),
            &out.incentive[j].to_string(),
            "",
        ])?;
    }
    for i in sorted(&validators) {
        w.write_record([
            validators.name(i),
            "validator",
            "",
            "",
            &out.dividends[i].to_string(),
        ])?;
    }
    w.flush()?;
    drop(w);
    std::io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

fn read_stakes(path: &std::path::Path) -> anyhow::Result<(Ids, Vec<f64>)> {
    let mut ids = Ids::default();
    let mut stakes = Vec::new();
    read_rows(path, &["validator", "stake"], &[], |row| {
        let id = row.text(0)?;
        let stake = row.amount(1)?;
        if let Some(k) = ids.get(id) {
            return Err(row.error(format!(
                "validator `{id}` already has a stake (line {})",
                ids.first_line(k)
            )));
        }
        ids.intern(id, row.line());
        stakes.push(stake);
        Ok(())
    })?;
    let total: f64 = stakes.iter().sum();
    anyhow::ensure!(
        total > 0.0 && total.is_finite(),
        "{}:2: the total stake of its rows is {total}; expected a positive finite total",
        path.display()
    );
    Ok((ids, stakes))
}

fn read_weights(
    path: &std::path::Path,
    stakes_path: &std::path::Path,
    validators: &Ids,
) -> anyhow::Result<(Ids, Weights)> {
    let mut providers = Ids::default();
    let mut entries = Vec::new();
    let mut lines = Vec::new();
    read_rows(path, &["validator", "provider", "weight"], &[], |row| {
        let v = row.text(0)?;
        let p = row.text(1)?;
        let weight = row.amount(2)?;
        let Some(validator) = validators.get(v) else {
            return Err(row.error(format!(
                "validator `{v}` has no stake in {}",
                stakes_path.display()
            )));
        };
        let provider = providers.intern(p, row.line());
        entries.push(WeightEntry {
            validator,
            provider,
            weight,
        });
        lines.push(row.line());
        Ok(())
    })?;
    let shown = path.display();
    let mut weights =
        Weights::new(validators.len(), providers.len(), &entries).map_err(|e| match e {
            mirage_sim::reward::yuma::YumaError::DuplicateWeight {
                index,
                first,
                validator,
                provider,
            } => anyhow::anyhow!(
                "{shown}:{}: validator `{}` already set a weight on provider `{}` (line {})",
                lines.get(index).copied().unwrap_or(0),
                validators.name(validator),
                providers.name(provider),
                lines.get(first).copied().unwrap_or(0)
            ),
            other => anyhow::Error::new(other).context(format!("{shown}")),
        })?;
    // A validator's weight on its own id is ignored, as on chain.
    let self_provider: Vec<Option<usize>> = (0..validators.len())
        .map(|i| providers.get(validators.name(i)))
        .collect();
    weights.mask_self(&self_provider);
    Ok((providers, weights))
}
