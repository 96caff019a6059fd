//! Writing outputs safely: every file is written under a temporary name in
//! its directory and renamed into place when complete, so an interrupted
//! command never leaves a truncated file behind (`AtomicFile`,
//! `write_atomic`, `write_json_atomic`, `prepare_dir`). Also the CSV
//! writers of a run's outputs (`epochs.csv`, `agents.csv`, `accounts.csv`).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mirage_sim::amount::{format_amount, write_amount, QUOTE_DECIMALS};
use mirage_sim::ledger::{Account, SystemAccount};
use mirage_sim::record::EpochRecord;
use mirage_sim::Simulation;

/// A file being written under a temporary name next to its final path.
#[derive(Debug)]
pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(target: &Path) -> Result<Self> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let temp = target.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let file =
            File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        Ok(Self {
            temp,
            target: target.to_path_buf(),
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        // Only `commit`, which consumes the file, empties the slot.
        self.writer
            .as_mut()
            .expect("an AtomicFile has its writer until committed")
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        if let Some(mut w) = self.writer.take() {
            w.flush()
                .with_context(|| format!("cannot write {}", self.temp.display()))?;
            w.get_ref()
                .sync_all()
                .with_context(|| format!("cannot sync {}", self.temp.display()))?;
        }
        fs::rename(&self.temp, &self.target).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.temp.display(),
                self.target.display()
            )
        })
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed: remove the partial file.
        if self.writer.is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Writes a whole file atomically.
pub fn write_atomic(target: &Path, content: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(target)?;
    file.writer()
        .write_all(content)
        .with_context(|| format!("cannot write {}", target.display()))?;
    file.commit()
}

/// Writes `value` as pretty JSON with a final newline, atomically.
pub fn write_json_atomic<T: serde::Serialize + ?Sized>(target: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    write_atomic(target, text.as_bytes())
}

/// Creates `dir` if needed and refuses a non-empty one unless `force`.
pub fn prepare_dir(dir: &Path, force: bool) -> Result<()> {
    if dir.exists() {
        let non_empty = fs::read_dir(dir)
            .with_context(|| format!("cannot read output directory {}", dir.display()))?
            .next()
            .is_some();
        if non_empty && !force {
            anyhow::bail!(
                "output directory {} is not empty; pass --force to overwrite its files, or --out another directory",
                dir.display()
            );
        }
    }
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))
}

fn opt_f64(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| x.to_string())
}

fn opt_usize(v: Option<usize>) -> String {
    v.map_or_else(String::new, |x| x.to_string())
}

/// Streams `epochs.csv` rows.
#[derive(Debug)]
pub struct EpochsCsv<W: Write> {
    out: csv::Writer<W>,
    decimals: u32,
    row: Vec<String>,
    header_written: bool,
    error: Option<csv::Error>,
}

impl<W: Write> EpochsCsv<W> {
    pub fn new(out: W, decimals: u32) -> Self {
        Self {
            out: csv::Writer::from_writer(out),
            decimals,
            row: Vec::new(),
            header_written: false,
            error: None,
        }
    }

    pub fn header(record: &EpochRecord) -> Vec<String> {
        let mut h: Vec<String> = [
            "epoch",
            "time",
            "price",
            "circulating_supply",
            "minted_total",
            "burned_total",
            "treasury",
            "gini_wealth",
            "nakamoto_wealth",
            "gini_rewards",
            "active_agents",
            "tasks_arrived",
            "tasks_completed",
            "tasks_dropped",
            "cheats_caught",
            "fees_quote",
            "emission",
            "rewards_paid",
            "task_fee",
            "utilisation",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for r in &record.roles {
            let role = r.role.as_str();
            for col in [
                "active",
                "gini_wealth",
                "nakamoto_wealth",
                "hhi_wealth",
                "gini_rewards",
                "rewards",
            ] {
                h.push(format!("{col}_{role}"));
            }
        }
        h
    }

    pub fn write(&mut self, rec: &EpochRecord) {
        if self.error.is_some() {
            return;
        }
        if !self.header_written {
            self.header_written = true;
            if let Err(e) = self.out.write_record(Self::header(rec)) {
                self.error = Some(e);
                return;
            }
        }
        let d = self.decimals;
        let amount = |x: u128| format_amount(x, d);
        self.row.clear();
        self.row.extend([
            rec.epoch.to_string(),
            rec.time.to_string(),
            rec.price.to_string(),
            amount(rec.circulating_supply),
            amount(rec.minted_total),
            amount(rec.burned_total),
            amount(rec.treasury),
            opt_f64(rec.gini_wealth),
            opt_usize(rec.nakamoto_wealth),
            opt_f64(rec.gini_rewards),
            rec.active_agents.to_string(),
            rec.tasks_arrived.to_string(),
            rec.tasks_completed.to_string(),
            rec.tasks_dropped.to_string(),
            rec.cheats_caught.to_string(),
            format_amount(rec.fees_quote, QUOTE_DECIMALS),
            amount(rec.emission),
            amount(rec.rewards_paid),
            format_amount(u128::from(rec.task_fee), QUOTE_DECIMALS),
            rec.utilisation.to_string(),
        ]);
        for r in &rec.roles {
            self.row.extend([
                r.active.to_string(),
                opt_f64(r.gini_wealth),
                opt_usize(r.nakamoto_wealth),
                opt_f64(r.hhi_wealth),
                opt_f64(r.gini_rewards),
                amount(r.rewards_total),
            ]);
        }
        if let Err(e) = self.out.write_record(&self.row) {
            self.error = Some(e);
        }
    }

    /// Flushes and reports the first write error, if any.
    pub fn finish(mut self) -> Result<W> {
        if let Some(e) = self.error.take() {
            return Err(e.into());
        }
        self.out.flush()?;
        self.out
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}", e.error()))
    }
}

/// Writes `agents.csv`: one row per agent that ever existed.
pub fn write_agents_csv<W: Write>(out: W, sim: &Simulation) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "agent_id",
        "role",
        "population",
        "joined_epoch",
        "left_epoch",
        "balance",
        "stake",
        "unvested",
        "wealth",
        "rewards_total",
        "contribution_total",
        "quote",
        "reputation",
    ])?;
    let agents = sim.agents();
    let ledger = sim.ledger();
    let d = sim.decimals();
    let names = sim.population_names();
    let mut cell = String::new();
    let mut amount = |x: u64| {
        cell.clear();
        write_amount(&mut cell, u128::from(x), d);
        cell.clone()
    };
    for a in 0..agents.len() {
        let id = a as u32;
        let left = agents.left_epoch[a];
        w.write_record([
            id.to_string(),
            agents.role[a].as_str().to_string(),
            names[usize::from(agents.population[a])].clone(),
            agents.joined_epoch[a].to_string(),
            if left == mirage_sim::agents::ACTIVE {
                String::new()
            } else {
                left.to_string()
            },
            amount(ledger.get(Account::Balance(id))),
            amount(ledger.get(Account::Stake(id))),
            amount(ledger.get(Account::Unvested(id))),
            amount(ledger.wealth(id)),
            amount(agents.rewards_total[a]),
            agents.contribution_total[a].to_string(),
            format_amount(u128::from(agents.quote[a]), QUOTE_DECIMALS),
            sim.reputation(id)
                .map_or_else(String::new, |r| r.to_string()),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `accounts.csv`: the system accounts at the end of the run.
pub fn write_accounts_csv<W: Write>(out: W, sim: &Simulation) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["account", "balance"])?;
    for account in SystemAccount::ALL {
        w.write_record([
            account.as_str().to_string(),
            format_amount(u128::from(sim.ledger().system(account)), sim.decimals()),
        ])?;
    }
    w.flush()?;
    Ok(())
}
