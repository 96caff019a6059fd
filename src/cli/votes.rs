//! `mirage votes`: per-proposal tallies of a real vote export
//! (`mirage_analysis::votes`) under token, quadratic or one-holder weights,
//! printed as a table, JSON or CSV. This file only reads files, checks
//! arguments and prints; the definitions live in the analysis crate.
//!
//! Input: `VOTES.csv` with columns `proposal,voter,choice,voting_power`
//! (any order, extra columns ignored; `choice` is `for`, `against` or
//! `abstain`; power an exact non-negative decimal or integer; one ballot
//! per voter and proposal). Optionally `--proposals FILE` with
//! `proposal,quorum[,status]`: each proposal's own quorum (in the votes
//! file's units) and status, as in `data/real/compound-governance/`.
//!
//! Output: one row per proposal, ordered by id (numerically if every id is
//! a number, else lexicographically), with the columns of
//! [`mirage_analysis::votes::COLUMNS`]; JSON adds a `summary`. Every error
//! names `FILE:LINE:COLUMN`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use mirage_analysis::votes::{
    tally, Ballot, Choice, Method, Options, ProposalInput, Report, Tally, COLUMNS,
};
use mirage_analysis::{parse_decimal, Decimal};

use super::fund::table::{all_numeric, compare_ids};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    /// Weight = voting power (one token, one vote).
    Token,
    /// Weight = √voting power.
    Quadratic,
    /// Weight = 1 per ballot with power > 0 (one holder, one vote).
    #[value(name = "one_holder", alias = "one-holder")]
    OneHolder,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Token => Method::Token,
            MethodArg::Quadratic => Method::Quadratic,
            MethodArg::OneHolder => Method::OneHolder,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Votes CSV with columns proposal,voter,choice,voting_power.
    #[arg(value_name = "VOTES.csv")]
    pub votes: PathBuf,
    /// How voting power becomes weight.
    #[arg(long, value_enum, default_value_t = MethodArg::Token)]
    pub method: MethodArg,
    /// Total supply in the file's units: adds turnout = tokens cast / S
    /// (COMP: 10000000000000000000000000 base units = 10 M COMP).
    #[arg(long, value_name = "S")]
    pub supply: Option<String>,
    /// Quorum: a proposal passes only if its `for` tokens are ≥ Q, in the
    /// file's units whatever the method (Governor Bravo's quorumVotes:
    /// 400000000000000000000000 COMP base units).
    #[arg(long, value_name = "Q", conflicts_with = "proposals")]
    pub quorum: Option<String>,
    /// Proposals CSV with columns proposal,quorum and optional status: each
    /// proposal's quorum (file units) and status.
    #[arg(long, value_name = "FILE")]
    pub proposals: Option<PathBuf>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

pub fn execute(args: &Args) -> anyhow::Result<ExitCode> {
    let method = Method::from(args.method);
    let supply = args
        .supply
        .as_deref()
        .map(|s| flag_decimal("--supply", s))
        .transpose()?;
    if supply.is_some_and(|s| s.mantissa == 0) {
        bail!("--supply: expected a supply > 0");
    }
    let quorum = args
        .quorum
        .as_deref()
        .map(|s| flag_decimal("--quorum", s))
        .transpose()?;
    let mut inputs = read_votes(&args.votes)?;
    if let Some(path) = &args.proposals {
        apply_proposals(path, &args.votes, &mut inputs)?;
    }
    let ids = all_numeric(inputs.iter().map(|p| p.0.id.as_str()));
    inputs.sort_by(|a, b| compare_ids(&a.0.id, &b.0.id, ids));
    let inputs: Vec<ProposalInput> = inputs.into_iter().map(|(p, _)| p).collect();
    let report = tally(
        &inputs,
        &Options {
            method,
            supply,
            quorum,
        },
    );

    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report).context("writing JSON")?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(COLUMNS)?;
            for t in &report.proposals {
                w.write_record(t.cells())?;
            }
            w.flush()?;
        }
        Format::Table => out.write_all(render(&report).as_bytes())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn flag_decimal(flag: &str, text: &str) -> anyhow::Result<Decimal> {
    parse_decimal(text.as_bytes()).map_err(|e| anyhow!("{flag} {text}: {e}"))
}

/// The position of one cell, for error messages `FILE:LINE:COLUMN: …`.
struct Cell<'a> {
    path: &'a str,
    line: u64,
    index: usize,
    name: &'a str,
    text: &'a str,
}

impl<'a> Cell<'a> {
    fn error(&self, problem: &str) -> anyhow::Error {
        let mut text = self.text.to_string();
        if text.chars().count() > 40 {
            text = text.chars().take(40).chain("…".chars()).collect();
        }
        anyhow!(
            "{}:{}:{}: column \"{}\": {problem}: \"{text}\"",
            self.path,
            self.line,
            self.index + 1,
            self.name
        )
    }

    fn non_empty(&self) -> anyhow::Result<&'a str> {
        if self.text.is_empty() {
            Err(self.error("missing value"))
        } else {
            Ok(self.text)
        }
    }

    fn decimal(&self) -> anyhow::Result<Decimal> {
        parse_decimal(self.text.as_bytes()).map_err(|e| self.error(&e.to_string()))
    }
}

/// A headed CSV being read: column positions by (case-insensitive) name.
struct Table {
    shown: String,
    reader: csv::Reader<File>,
    headers: Vec<String>,
}

impl Table {
    fn open(path: &Path, expected: &str) -> anyhow::Result<Table> {
        let shown = path.display().to_string();
        let (reader, headers) =
            super::csv_input::open_headed(path, &format!("`{expected}` and data rows"))?;
        Ok(Table {
            shown,
            reader,
            headers,
        })
    }

    fn find(&self, name: &str, required: bool) -> anyhow::Result<Option<usize>> {
        let mut hits = self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case(name));
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Ok(Some(i)),
            (Some(_), Some((j, _))) => bail!(
                "{}:1:{}: the header names column \"{name}\" more than once",
                self.shown,
                j + 1
            ),
            (None, _) if required => bail!(
                "{}:1: missing column \"{name}\" (the header has: {})",
                self.shown,
                self.headers.join(",")
            ),
            (None, _) => Ok(None),
        }
    }

    /// Calls `row(line, record)` for each non-blank data row; errors if
    /// there is none.
    fn rows(
        &mut self,
        mut row: impl FnMut(u64, &csv::StringRecord) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut record = csv::StringRecord::new();
        let mut rows = 0u64;
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let next = record.position().map_or(2, |p| p.line() + 1);
                    return Err(super::csv_input::malformed(&self.shown, &e, next));
                }
            }
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            rows += 1;
            let line = record.position().map_or(rows + 1, csv::Position::line);
            row(line, &record)?;
        }
        if rows == 0 {
            bail!("{}: no data rows after the header", self.shown);
        }
        Ok(())
    }

    fn cell<'a>(&'a self, line: u64, record: &'a csv::StringRecord, index: usize) -> Cell<'a> {
        Cell {
            path: &self.shown,
            line,
            index,
            name: self.headers.get(index).map_or("", String::as_str),
            text: record.get(index).unwrap_or_default().trim(),
        }
    }
}

/// Each proposal's ballots, with the line of its first ballot.
fn read_votes(path: &Path) -> anyhow::Result<Vec<(ProposalInput, u64)>> {
    let mut table = Table::open(path, "proposal,voter,choice,voting_power")?;
    let mut cols = [0usize; 4];
    for (slot, name) in cols
        .iter_mut()
        .zip(["proposal", "voter", "choice", "voting_power"])
    {
        *slot = table.find(name, true)?.unwrap_or_default();
    }
    let [c_proposal, c_voter, c_choice, c_power] = cols;
    let mut proposals: Vec<(ProposalInput, u64)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut seen: HashMap<(usize, String), u64> = HashMap::new();
    let mut rows = Vec::new();
    table.rows(|line, record| {
        rows.push((line, record.clone()));
        Ok(())
    })?;
    for (line, record) in &rows {
        let line = *line;
        let id = table.cell(line, record, c_proposal).non_empty()?;
        let voter_cell = table.cell(line, record, c_voter);
        let voter = voter_cell.non_empty()?;
        let choice_cell = table.cell(line, record, c_choice);
        let choice = Choice::parse(choice_cell.non_empty()?).ok_or_else(|| {
            choice_cell.error("unknown choice (expected for, against or abstain)")
        })?;
        let power = table.cell(line, record, c_power).decimal()?;
        let k = *index.entry(id.to_string()).or_insert_with(|| {
            proposals.push((
                ProposalInput {
                    id: id.to_string(),
                    ballots: Vec::new(),
                    quorum: None,
                    status: None,
                },
                line,
            ));
            proposals.len() - 1
        });
        if let Some(first) = seen.insert((k, voter.to_string()), line) {
            return Err(voter_cell.error(&format!(
                "this voter already voted on proposal `{id}` (line {first})"
            )));
        }
        proposals[k].0.ballots.push(Ballot {
            voter: voter.to_string(),
            choice,
            power,
        });
    }
    Ok(proposals)
}

/// Sets each proposal's quorum and status from a proposals table.
fn apply_proposals(
    path: &Path,
    votes: &Path,
    inputs: &mut [(ProposalInput, u64)],
) -> anyhow::Result<()> {
    let mut table = Table::open(path, "proposal,quorum,status")?;
    let c_id = table.find("proposal", true)?.unwrap_or_default();
    let c_quorum = table.find("quorum", true)?.unwrap_or_default();
    let c_status = table.find("status", false)?;
    let mut rows = Vec::new();
    table.rows(|line, record| {
        rows.push((line, record.clone()));
        Ok(())
    })?;
    let mut listed: HashMap<String, (Decimal, Option<String>, u64)> = HashMap::new();
    for (line, record) in &rows {
        let line = *line;
        let id_cell = table.cell(line, record, c_id);
        let id = id_cell.non_empty()?;
        let quorum_cell = table.cell(line, record, c_quorum);
        quorum_cell.non_empty()?;
        let quorum = quorum_cell.decimal()?;
        let status = c_status
            .map(|c| table.cell(line, record, c).text.to_string())
            .filter(|s| !s.is_empty());
        if let Some((_, _, first)) = listed.get(id) {
            return Err(id_cell.error(&format!("proposal listed twice (line {first})")));
        }
        listed.insert(id.to_string(), (quorum, status, line));
    }
    for (p, first_line) in inputs.iter_mut() {
        let Some((quorum, status, _)) = listed.remove(&p.id) else {
            bail!(
                "{}:{first_line}: proposal `{}` has no row in {}",
                votes.display(),
                p.id,
                path.display()
            );
        };
        p.quorum = Some(quorum);
        p.status = status;
    }
    if !listed.is_empty() {
        eprintln!(
            "note: {} proposal(s) of {} have no ballots in {} and are not tallied",
            listed.len(),
            path.display(),
            votes.display()
        );
    }
    Ok(())
}

/// A power for the table: at most 6 decimals, `…` when digits were cut.
fn short(power: &str) -> String {
    match power.split_once('.') {
        Some((int, frac)) if frac.len() > 6 => format!("{int}.{}…", &frac[..6]),
        _ => power.to_string(),
    }
}

fn render(report: &Report) -> String {
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"));
    let cnt = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |x| x.to_string());
    let row = |t: &Tally| -> Vec<String> {
        vec![
            t.proposal.clone(),
            t.voters.to_string(),
            short(&t.power_for.to_string()),
            short(&t.power_against.to_string()),
            short(&t.power_abstain.to_string()),
            short(&t.power_cast.to_string()),
            opt(t.for_share),
            opt(t.turnout),
            t.passed.to_string(),
            opt(t.gini),
            cnt(t.nakamoto),
            opt(t.top10_share),
            cnt(t.decisive_voters),
        ]
    };
    let mut rows: Vec<Vec<String>> = vec![COLUMNS.iter().map(|c| (*c).to_string()).collect()];
    rows.extend(report.proposals.iter().map(row));
    let widths: Vec<usize> = (0..COLUMNS.len())
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (s, &w))| {
                if i == 0 {
                    format!("{s:<w$}")
                } else {
                    format!("{s:>w$}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out.push('\n');
    let s = &report.summary;
    let lines: Vec<(&str, String)> = vec![
        ("method", s.method.to_string()),
        ("proposals", s.proposals.to_string()),
        ("ballots", s.ballots.to_string()),
        ("voters", s.voters.to_string()),
        ("passed", s.passed.to_string()),
        ("mean_for_share", opt(s.mean_for_share)),
        ("mean_turnout", opt(s.mean_turnout)),
        ("median_turnout", opt(s.median_turnout)),
        ("mean_gini", opt(s.mean_gini)),
        ("mean_top10_share", opt(s.mean_top10_share)),
        (
            "median_nakamoto",
            s.median_nakamoto
                .map_or_else(|| "-".into(), |x| x.to_string()),
        ),
        ("nakamoto_at_most_3_share", opt(s.nakamoto_at_most_3_share)),
        (
            "median_decisive_voters",
            s.median_decisive_voters
                .map_or_else(|| "-".into(), |x| x.to_string()),
        ),
        ("unflippable", s.unflippable.to_string()),
    ];
    let mut lines = lines;
    if let Some(n) = s.executed_not_passed {
        lines.push(("executed_not_passed", n.to_string()));
    }
    let w = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in lines {
        out.push_str(&format!("{k:<w$}  {v}\n"));
    }
    out.push_str("(powers cut to 6 decimals; --format json or csv prints every digit)\n");
    out
}
