//! `mirage metrics`: concentration and fairness metrics of one column of any
//! CSV file with a header row (optionally weighted, paired with a
//! contribution column, or grouped). Owns argument handling, streaming the
//! file into a `mirage_analysis::Dataset`, error messages that name the file,
//! line and column, and JSON / table output. The metrics themselves live in
//! `mirage-analysis`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use mirage_analysis::dataset::{DatasetOptions, Part, RowInput};
use mirage_analysis::lorenz::MAX_LORENZ_POINTS;
use mirage_analysis::{parse_decimal, table, Dataset};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV file with a header row (a holder export, a run's `agents.csv`, ...).
    pub file: PathBuf,
    /// The column to analyse (holdings, rewards).
    #[arg(long, value_name = "COL")]
    pub column: String,
    /// A column of whole-number frequency weights: each value counts that many times.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// A contribution column: adds `spearman` and `misallocation` of COLUMN against it.
    #[arg(long, value_name = "COL")]
    pub against: Option<String>,
    /// Also report each group of rows sharing a value of this column.
    #[arg(long = "group-by", value_name = "COL")]
    pub group_by: Option<String>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Add the Lorenz curve at N + 1 evenly spaced points.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_LORENZ_POINTS)))]
    pub lorenz: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Table,
}

pub fn execute(args: &Args) -> anyhow::Result<ExitCode> {
    let dataset = read(args)?;
    let analysis = dataset.analyze();
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &analysis).context("writing JSON")?;
            writeln!(out)?;
        }
        Format::Table => out.write_all(table::render(&analysis.columns()).as_bytes())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Column positions of the requested names.
#[derive(Debug)]
struct Columns {
    value: usize,
    weight: Option<usize>,
    against: Option<usize>,
    group: Option<usize>,
}

fn read(args: &Args) -> anyhow::Result<Dataset> {
    let path = &args.file;
    let shown = path.display();
    let (mut reader, headers) = super::csv_input::open_headed(path, "naming the columns")?;
    let find = |name: &str| find_column(path, &headers, name);
    let cols = Columns {
        value: find(&args.column)?,
        weight: args.weight.as_deref().map(find).transpose()?,
        against: args.against.as_deref().map(find).transpose()?,
        group: args.group_by.as_deref().map(find).transpose()?,
    };
    let mut dataset = Dataset::new(DatasetOptions {
        weighted: cols.weight.is_some(),
        against: cols.against.is_some(),
        grouped: cols.group.is_some(),
        lorenz_segments: args.lorenz,
    });

    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            super::csv_input::malformed(
                &shown.to_string(),
                &e,
                record.position().map_or(2, |p| p.line() + 1),
            )
        })?;
        if !more {
            break;
        }
        rows += 1;
        let line = record.position().map_or(rows + 1, csv::Position::line);
        let at = |index: usize| Cell {
            path,
            line,
            column: headers.get(index).map_or("", String::as_str),
            text: record.get(index).unwrap_or_default(),
        };
        let value = at(cols.value).decimal()?;
        let weight = match cols.weight {
            Some(i) => Some(at(i).weight()?),
            None => None,
        };
        let against = match cols.against {
            Some(i) => Some(at(i).decimal()?),
            None => None,
        };
        let group_text = cols.group.map(|i| String::from_utf8_lossy(at(i).text));
        let row = RowInput {
            value,
            weight,
            against,
            group: group_text.as_deref(),
        };
        if let Err(err) = dataset.push(row) {
            let index = match err.part() {
                Part::Value => Some(cols.value),
                Part::Weight => cols.weight,
                Part::Against => cols.against,
                Part::Group => cols.group,
            };
            let cell = at(index.unwrap_or(cols.value));
            bail!("{}", cell.describe(&err.to_string()));
        }
    }
    if rows == 0 {
        bail!("{shown}:2: no data rows after the header");
    }
    Ok(dataset)
}

fn find_column(path: &Path, headers: &[String], name: &str) -> anyhow::Result<usize> {
    let mut hits = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| *h == name.trim());
    match (hits.next(), hits.next()) {
        (Some((i, _)), None) => Ok(i),
        (Some(_), Some(_)) => bail!(
            "{}:1: the header names column \"{name}\" more than once",
            path.display()
        ),
        (None, _) => bail!(
            "{}:1: no column named \"{name}\" (the header has: {})",
            path.display(),
            headers.join(", ")
        ),
    }
}

/// One cell, for parsing with an error message that locates it.
struct Cell<'a> {
    path: &'a Path,
    line: u64,
    column: &'a str,
    text: &'a [u8],
}

impl Cell<'_> {
    fn describe(&self, problem: &str) -> String {
        let mut text = String::from_utf8_lossy(self.text).into_owned();
        if text.chars().count() > 40 {
            text = text.chars().take(40).chain("…".chars()).collect();
        }
        format!(
            "{}:{}: column \"{}\": {problem}: \"{text}\"",
            self.path.display(),
            self.line,
            self.column
        )
    }

    fn decimal(&self) -> anyhow::Result<mirage_analysis::Decimal> {
        parse_decimal(self.text).map_err(|e| anyhow::anyhow!(self.describe(&e.to_string())))
    }

    fn weight(&self) -> anyhow::Result<u64> {
        let d = self.decimal()?;
        d.to_u64_exact().ok_or_else(|| {
            anyhow::anyhow!(self.describe("a weight must be a whole number below 2^64"))
        })
    }
}
