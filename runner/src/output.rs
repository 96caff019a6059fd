//! Writing outputs safely: every file is written under a temporary name in
//! its directory and renamed into place when complete, so an interrupted
//! command never leaves a truncated file behind (`AtomicFile`,
//! `write_atomic`, `write_json_atomic`). Also the CSV
//! writers of a run's outputs (`epochs.csv`, `agents.csv`, `accounts.csv`,
//! `value.csv`),
//! whose headers come from `mirage_analysis::schema`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mirage_analysis::schema::{accounts, agents, epochs, value, Column};
use mirage_sim::amount::{format_amount, write_amount, QUOTE_DECIMALS};
use mirage_sim::ledger::{Account, SystemAccount};
use mirage_sim::record::{EpochRecord, RoleEpoch};
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

/// Appends `x` as `Display` writes it (`to_string`'s text).
fn put(out: &mut String, x: impl std::fmt::Display) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = write!(out, "{x}");
}

/// Appends `v`, nothing when it is `None`.
fn opt_f64(out: &mut String, v: Option<f64>) {
    if let Some(x) = v {
        put(out, x);
    }
}

/// Appends `v`, nothing when it is `None`.
fn opt_usize(out: &mut String, v: Option<usize>) {
    if let Some(x) = v {
        put(out, x);
    }
}

/// A cell of `epochs.csv` from the record and the token's decimals,
/// appended to the buffer (rows are written without a String per cell).
pub type EpochCell = fn(&EpochRecord, u32, &mut String);
/// A cell of a per-role column family of `epochs.csv`.
pub type RoleCell = fn(&RoleEpoch, u32, &mut String);

/// The fixed columns of `epochs.csv` and how each cell is written: the
/// header and the rows both come from this one list.
pub const EPOCH_COLUMNS: &[(&Column, EpochCell)] = &[
    (&epochs::EPOCH, |r, _, o| put(o, r.epoch)),
    (&epochs::TIME, |r, _, o| put(o, r.time)),
    (&epochs::PRICE, |r, _, o| put(o, r.price)),
    (&epochs::CIRCULATING_SUPPLY, |r, d, o| {
        write_amount(o, r.circulating_supply, d)
    }),
    (&epochs::MINTED_TOTAL, |r, d, o| {
        write_amount(o, r.minted_total, d)
    }),
    (&epochs::BURNED_TOTAL, |r, d, o| {
        write_amount(o, r.burned_total, d)
    }),
    (&epochs::TREASURY, |r, d, o| write_amount(o, r.treasury, d)),
    (&epochs::GINI_WEALTH, |r, _, o| opt_f64(o, r.gini_wealth)),
    (&epochs::NAKAMOTO_WEALTH, |r, _, o| {
        opt_usize(o, r.nakamoto_wealth)
    }),
    (&epochs::GINI_REWARDS, |r, _, o| opt_f64(o, r.gini_rewards)),
    (&epochs::ACTIVE_AGENTS, |r, _, o| put(o, r.active_agents)),
    (&epochs::TASKS_ARRIVED, |r, _, o| put(o, r.tasks_arrived)),
    (&epochs::TASKS_COMPLETED, |r, _, o| {
        put(o, r.tasks_completed)
    }),
    (&epochs::TASKS_DROPPED, |r, _, o| put(o, r.tasks_dropped)),
    (&epochs::CHEATS_CAUGHT, |r, _, o| put(o, r.cheats_caught)),
    (&epochs::FEES_QUOTE, |r, _, o| {
        write_amount(o, r.fees_quote, QUOTE_DECIMALS)
    }),
    (&epochs::EMISSION, |r, d, o| write_amount(o, r.emission, d)),
    (&epochs::REWARDS_PAID, |r, d, o| {
        write_amount(o, r.rewards_paid, d)
    }),
    (&epochs::TASK_FEE, |r, _, o| {
        write_amount(o, u128::from(r.task_fee), QUOTE_DECIMALS)
    }),
    (&epochs::UTILISATION, |r, _, o| put(o, r.utilisation)),
    (&epochs::TASKS_PRICED_OUT, |r, _, o| {
        put(o, r.tasks_priced_out)
    }),
    (&epochs::MARKET_QUOTE_RESERVE, |r, _, o| {
        priced_quote(o, r, r.market_quote_reserve)
    }),
    (&epochs::COSTS_PAID_QUOTE, |r, _, o| {
        priced_quote(o, r, r.costs_paid_quote)
    }),
    (&epochs::PROVIDER_SALES_QUOTE, |r, _, o| {
        priced_quote(o, r, r.provider_sales_quote)
    }),
    (&epochs::UNPAID_COSTS_QUOTE, |r, _, o| {
        priced_quote(o, r, r.unpaid_costs_quote)
    }),
    (&epochs::SUPPLY_LIQUID, |r, d, o| {
        write_amount(o, r.supply.liquid, d)
    }),
    (&epochs::SUPPLY_STAKED, |r, d, o| {
        write_amount(o, r.supply.staked, d)
    }),
    (&epochs::SUPPLY_UNVESTED, |r, d, o| {
        write_amount(o, r.supply.unvested, d)
    }),
    (&epochs::SUPPLY_TREASURY, |r, d, o| {
        write_amount(o, r.supply.treasury, d)
    }),
    (&epochs::SUPPLY_MARKET_POOL, |r, d, o| {
        write_amount(o, r.supply.market_pool, d)
    }),
    (&epochs::SUPPLY_REWARDS_POOL, |r, d, o| {
        write_amount(o, r.supply.rewards_pool, d)
    }),
    (&epochs::SUPPLY_FEE_ESCROW, |r, d, o| {
        write_amount(o, r.supply.fee_escrow, d)
    }),
    (&epochs::WRONG_ACCEPTED, |r, _, o| put(o, r.wrong_accepted)),
    (&epochs::VERIFICATION_COST_QUOTE, |r, _, o| {
        write_amount(o, r.verification_cost_quote, QUOTE_DECIMALS)
    }),
    (&epochs::MEAN_LATENCY_TICKS, |r, _, o| {
        opt_f64(o, r.mean_latency_ticks)
    }),
    (&epochs::CHALLENGES, |r, _, o| put(o, r.challenges)),
    (&epochs::FRAUDS_CAUGHT, |r, _, o| put(o, r.frauds_caught)),
    (&epochs::NAKAMOTO_WORK_IDENTITY, |r, _, o| {
        opt_usize(o, r.nakamoto_work_identity)
    }),
    (&epochs::NAKAMOTO_WORK_OPERATOR, |r, _, o| {
        opt_usize(o, r.nakamoto_work_operator)
    }),
    (&epochs::NAKAMOTO_WORK_HOSTING, |r, _, o| {
        opt_usize(o, r.nakamoto_work_hosting)
    }),
    (&epochs::HHI_WORK_OPERATOR, |r, _, o| {
        opt_f64(o, r.hhi_work_operator)
    }),
];

/// A quote amount, empty without a market.
fn priced_quote(out: &mut String, r: &EpochRecord, x: u128) {
    if r.priced {
        write_amount(out, x, QUOTE_DECIMALS);
    }
}

/// The per-role columns of `epochs.csv`, repeated for each role present.
pub const ROLE_COLUMNS: &[(&Column, RoleCell)] = &[
    (&epochs::ACTIVE_ROLE, |r, _, o| put(o, r.active)),
    (&epochs::GINI_WEALTH_ROLE, |r, _, o| {
        opt_f64(o, r.gini_wealth)
    }),
    (&epochs::NAKAMOTO_WEALTH_ROLE, |r, _, o| {
        opt_usize(o, r.nakamoto_wealth)
    }),
    (&epochs::HHI_WEALTH_ROLE, |r, _, o| opt_f64(o, r.hhi_wealth)),
    (&epochs::GINI_REWARDS_ROLE, |r, _, o| {
        opt_f64(o, r.gini_rewards)
    }),
    (&epochs::REWARDS_ROLE, |r, d, o| {
        write_amount(o, r.rewards_total, d)
    }),
    (&epochs::WEALTH_ROLE, |r, d, o| {
        write_amount(o, r.wealth_total, d)
    }),
    (&epochs::VALUE_ROLE, |r, _, o| {
        if let Some(v) = r.value_quote {
            write_amount(o, v, QUOTE_DECIMALS);
        }
    }),
];

/// The columns written after the role columns when the scenario has
/// `[governance]` (`schema::epochs::GOVERNANCE_COLUMNS`).
pub const GOVERNANCE_COLUMNS: &[(&Column, EpochCell)] = &[
    (&epochs::VOTING_POWER_GINI, |r, _, o| {
        opt_f64(o, r.voting_power_gini)
    }),
    (&epochs::VOTING_POWER_NAKAMOTO, |r, _, o| {
        opt_usize(o, r.voting_power_nakamoto)
    }),
    (&epochs::DELEGATED_SHARE, |r, _, o| {
        opt_f64(o, r.delegated_share)
    }),
];

/// The `epochs.csv` cell `name` of `rec`, as the file writes it: a fixed
/// column, a per-role one (empty when the role is absent) or a governance
/// one (empty without `[governance]`). `None` when `name` is no column of
/// `epochs.csv`.
pub fn epoch_cell(name: &str, rec: &EpochRecord, decimals: u32) -> Option<String> {
    let mut text = String::new();
    if let Some((_, cell)) = EPOCH_COLUMNS.iter().find(|(c, _)| c.name == name) {
        cell(rec, decimals, &mut text);
        return Some(text);
    }
    if let Some((_, cell)) = GOVERNANCE_COLUMNS.iter().find(|(c, _)| c.name == name) {
        if rec.governed {
            cell(rec, decimals, &mut text);
        }
        return Some(text);
    }
    let (column, role) = epochs::TABLE.find(name)?;
    let role = role?;
    let (_, cell) = ROLE_COLUMNS.iter().find(|(c, _)| c.name == column.name)?;
    if let Some(r) = rec.roles.iter().find(|r| r.role.as_str() == role) {
        cell(r, decimals, &mut text);
    }
    Some(text)
}

/// Streams `epochs.csv` rows.
#[derive(Debug)]
pub struct EpochsCsv<W: Write> {
    out: csv::Writer<W>,
    decimals: u32,
    /// The buffer each cell is formatted into.
    cell: String,
    header_written: bool,
    error: Option<csv::Error>,
}

impl<W: Write> EpochsCsv<W> {
    pub fn new(out: W, decimals: u32) -> Self {
        Self {
            out: csv::Writer::from_writer(out),
            decimals,
            cell: String::new(),
            header_written: false,
            error: None,
        }
    }

    pub fn header(record: &EpochRecord) -> Vec<String> {
        let mut h: Vec<String> = EPOCH_COLUMNS
            .iter()
            .map(|(c, _)| c.name.to_string())
            .collect();
        for r in &record.roles {
            let role = r.role.as_str();
            h.extend(ROLE_COLUMNS.iter().map(|(c, _)| c.name_for("role", role)));
        }
        if record.governed {
            h.extend(GOVERNANCE_COLUMNS.iter().map(|(c, _)| c.name.to_string()));
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
        if let Err(e) = self.write_row(rec) {
            self.error = Some(e);
        }
    }

    /// One row, each cell formatted into the one reused buffer and written
    /// as a field (no allocation per cell).
    fn write_row(&mut self, rec: &EpochRecord) -> Result<(), csv::Error> {
        let (d, text, out) = (self.decimals, &mut self.cell, &mut self.out);
        for (_, cell) in EPOCH_COLUMNS {
            text.clear();
            cell(rec, d, text);
            out.write_field(text.as_bytes())?;
        }
        for r in &rec.roles {
            for (_, cell) in ROLE_COLUMNS {
                text.clear();
                cell(r, d, text);
                out.write_field(text.as_bytes())?;
            }
        }
        if rec.governed {
            for (_, cell) in GOVERNANCE_COLUMNS {
                text.clear();
                cell(rec, d, text);
                out.write_field(text.as_bytes())?;
            }
        }
        out.write_record(None::<&[u8]>)
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
    w.write_record(agents::COLUMNS.iter().map(|c| c.name))?;
    let agents = sim.agents();
    let ledger = sim.ledger();
    let d = sim.decimals();
    let names = sim.population_names();
    let priced = sim.market().is_some();
    // Each cell is written into one reused buffer, then into the record.
    let mut cell = String::new();
    let mut digits = itoa::Buffer::new();
    for a in 0..agents.len() {
        let id = a as u32;
        let left = agents.left_epoch[a];
        let v = sim.agent_value(id);
        w.write_field(digits.format(id))?;
        w.write_field(agents.role[a].as_str())?;
        w.write_field(&names[usize::from(agents.population[a])])?;
        w.write_field(digits.format(agents.joined_epoch[a]))?;
        if left == mirage_sim::agents::ACTIVE {
            w.write_field("")?;
        } else {
            w.write_field(digits.format(left))?;
        }
        let mut amount = |w: &mut csv::Writer<W>, x: u128, decimals: u32| {
            cell.clear();
            write_amount(&mut cell, x, decimals);
            w.write_field(&cell)
        };
        amount(&mut w, u128::from(ledger.get(Account::Balance(id))), d)?;
        amount(&mut w, u128::from(ledger.get(Account::Stake(id))), d)?;
        amount(&mut w, u128::from(ledger.get(Account::Unvested(id))), d)?;
        amount(&mut w, u128::from(ledger.wealth(id)), d)?;
        amount(&mut w, u128::from(agents.rewards_total[a]), d)?;
        w.write_field(digits.format(agents.contribution_total[a]))?;
        amount(&mut w, u128::from(agents.quote[a]), QUOTE_DECIMALS)?;
        match sim.reputation(id) {
            Some(r) => w.write_field(r.to_string())?,
            None => w.write_field("")?,
        }
        amount(&mut w, u128::from(v.genesis_tokens), d)?;
        amount(&mut w, u128::from(v.genesis_quote), QUOTE_DECIMALS)?;
        amount(&mut w, v.quote_in, QUOTE_DECIMALS)?;
        amount(&mut w, v.quote_out, QUOTE_DECIMALS)?;
        amount(&mut w, v.costs_paid_quote, QUOTE_DECIMALS)?;
        amount(&mut w, v.unpaid_costs_quote, QUOTE_DECIMALS)?;
        if priced {
            amount(&mut w, v.rewards_value_quote, QUOTE_DECIMALS)?;
            amount(&mut w, v.value_genesis_quote, QUOTE_DECIMALS)?;
            amount(&mut w, v.value_end_quote, QUOTE_DECIMALS)?;
            w.write_field(format_signed(v.net_gain_quote, QUOTE_DECIMALS))?;
        } else {
            for _ in 0..4 {
                w.write_field("")?;
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    Ok(())
}

/// An exact signed decimal (`-1.500000`).
pub fn format_signed(x: i128, decimals: u32) -> String {
    let text = format_amount(x.unsigned_abs(), decimals);
    if x < 0 {
        format!("-{text}")
    } else {
        text
    }
}

/// Writes `value.csv`: one row per stakeholder (`Simulation::value_rows`),
/// tokens with the scenario's decimals, quote with `QUOTE_DECIMALS`, an
/// empty cell for a figure that does not apply; without a market the
/// marked-to-market columns are empty.
pub fn write_value_csv<W: Write>(out: W, sim: &Simulation) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(value::COLUMNS.iter().map(|c| c.name))?;
    let d = sim.decimals();
    let priced = sim.market().is_some();
    let tokens = |x: Option<u128>| x.map_or_else(String::new, |v| format_amount(v, d));
    let quote = |x: Option<u128>| x.map_or_else(String::new, |v| format_amount(v, QUOTE_DECIMALS));
    let valued = |x: Option<u128>| if priced { quote(x) } else { String::new() };
    let share = |x: Option<f64>| x.map_or_else(String::new, |v| v.to_string());
    for r in sim.value_rows() {
        w.write_record([
            r.stakeholder.clone(),
            tokens(r.tokens_genesis),
            tokens(r.tokens_end),
            quote(r.quote_genesis),
            quote(r.quote_end),
            quote(r.quote_in),
            quote(r.quote_out),
            valued(r.value_genesis_quote),
            valued(r.value_end_quote),
            valued(r.liquidation_value_quote),
            r.net_gain_quote
                .filter(|_| priced)
                .map_or_else(String::new, |g| format_signed(g, QUOTE_DECIMALS)),
            share(r.share_of_costs),
            share(r.share_of_rewards.filter(|_| priced)),
            share(r.share_of_positive_gains.filter(|_| priced)),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `accounts.csv`: the system accounts at the end of the run.
pub fn write_accounts_csv<W: Write>(out: W, sim: &Simulation) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(accounts::COLUMNS.iter().map(|c| c.name))?;
    for account in SystemAccount::ALL {
        w.write_record([
            account.as_str().to_string(),
            format_amount(u128::from(sim.ledger().system(account)), sim.decimals()),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirage_analysis::schema;
    use mirage_sim::scenario::Role;

    #[test]
    fn epochs_header_is_the_schema() {
        let rec = EpochRecord {
            roles: [Role::ALL[0], Role::ALL[1]]
                .iter()
                .map(|&role| RoleEpoch {
                    role,
                    active: 0,
                    gini_wealth: None,
                    nakamoto_wealth: None,
                    hhi_wealth: None,
                    gini_rewards: None,
                    rewards_total: 0,
                    rewards_epoch: 0,
                    wealth_total: 0,
                    value_quote: None,
                })
                .collect(),
            ..EpochRecord::default()
        };
        let roles: Vec<String> = rec.roles.iter().map(|r| r.role.as_str().into()).collect();
        let want = schema::epochs::TABLE.header(&|p| {
            if p == "role" {
                roles.clone()
            } else {
                Vec::new()
            }
        });
        assert_eq!(EpochsCsv::<Vec<u8>>::header(&rec), want);
        let mut csv = EpochsCsv::new(Vec::new(), 6);
        csv.write(&rec);
        let bytes = csv.finish().expect("written");
        let text = String::from_utf8(bytes).expect("utf-8");
        let mut lines = text.lines();
        assert_eq!(lines.next().map(|l| l.split(',').count()), Some(want.len()));
        assert_eq!(lines.next().map(|l| l.split(',').count()), Some(want.len()));
        let name = format!("gini_wealth_{}", roles[0]);
        assert_eq!(epoch_cell(&name, &rec, 6).as_deref(), Some(""));
        assert_eq!(epoch_cell("price", &rec, 6).as_deref(), Some("0"));
        assert_eq!(epoch_cell("nope", &rec, 6), None);
        assert_eq!(epoch_cell("delegated_share", &rec, 6).as_deref(), Some(""));

        // With [governance], its three columns follow the role columns.
        let governed = EpochRecord {
            governed: true,
            voting_power_gini: Some(0.5),
            voting_power_nakamoto: Some(3),
            delegated_share: Some(0.25),
            ..rec.clone()
        };
        let want = schema::epochs::TABLE.header(&|p| match p {
            "role" => roles.clone(),
            "governance" => vec![String::new()],
            _ => Vec::new(),
        });
        assert_eq!(EpochsCsv::<Vec<u8>>::header(&governed), want);
        let mut csv = EpochsCsv::new(Vec::new(), 6);
        csv.write(&governed);
        let text = String::from_utf8(csv.finish().expect("written")).expect("utf-8");
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.ends_with(",0.5,3,0.25")),
            "{text}"
        );
        assert_eq!(
            epoch_cell("voting_power_nakamoto", &governed, 6).as_deref(),
            Some("3")
        );
    }

    #[test]
    fn agents_and_accounts_headers_are_the_schema() {
        let text = "name = \"t\"\nepochs = 1\ninitial_supply = 100\n\n[[population]]\nname = \"h\"\nrole = \"holder\"\ncount = 2\nbalance = 1\n";
        let loaded = mirage_sim::parse_scenario(text, "t.toml", &[]).expect("scenario");
        let sim = Simulation::new(&loaded.scenario, 1).expect("sim");
        let mut agents_out = Vec::new();
        write_agents_csv(&mut agents_out, &sim).expect("agents");
        let mut accounts_out = Vec::new();
        write_accounts_csv(&mut accounts_out, &sim).expect("accounts");
        let mut value_out = Vec::new();
        write_value_csv(&mut value_out, &sim).expect("value");
        let names: Vec<&str> = schema::value::COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(names, mirage_sim::value::VALUE_COLUMNS);
        for (table, out) in [
            (&schema::value::TABLE, value_out),
            (&schema::agents::TABLE, agents_out),
            (&schema::accounts::TABLE, accounts_out),
        ] {
            let text = String::from_utf8(out).expect("utf-8");
            let header: Vec<&str> = text.lines().next().expect("header").split(',').collect();
            let want: Vec<&str> = table.columns().map(|c| c.name).collect();
            assert_eq!(header, want, "{}", table.file);
        }
    }
}
