//! `mirage columns [TABLE]`: the columns of every output table — name,
//! unit, meaning, how computed — printed from the one schema
//! (`mirage_analysis::schema`) that the writers, the dashboard and the
//! README follow. `--format markdown` prints the README's sections, markers
//! included.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use mirage_analysis::schema::{self, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text.
    Table,
    /// The README's Markdown sections, between their markers.
    Markdown,
    /// JSON: one object per table with its parts and columns.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this table: epochs, agents, accounts, runs, points or metrics.
    #[arg(value_name = "TABLE")]
    pub table: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Same as --format markdown.
    #[arg(long, conflicts_with = "format")]
    pub markdown: bool,
}

pub fn execute(args: &Args) -> Result<ExitCode> {
    let tables: Vec<&Table> = match &args.table {
        None => schema::TABLES.iter().collect(),
        Some(name) => match schema::table(name) {
            Some(t) => vec![t],
            None => anyhow::bail!(
                "no output table is named `{name}`; the tables are: {}",
                schema::table_names().join(", ")
            ),
        },
    };
    let format = if args.markdown {
        Format::Markdown
    } else {
        args.format
    };
    let mut out = std::io::stdout().lock();
    match format {
        Format::Table => {
            for (i, t) in tables.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                write!(out, "{}", schema::text(t))?;
                if t.name == schema::metrics::TABLE.name {
                    writeln!(
                        out,
                        "  or any epochs.csv column (its value at the final epoch), or any number of fairness.json by dotted path:"
                    )?;
                    for path in schema::fairness_paths() {
                        writeln!(out, "    {path}")?;
                    }
                }
            }
        }
        Format::Markdown => {
            for (i, t) in tables.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                write!(out, "{}", schema::readme_section(t))?;
            }
        }
        Format::Json => {
            let value: Vec<serde_json::Value> = tables.iter().map(|t| schema::json(t)).collect();
            let value = if args.table.is_some() {
                value.into_iter().next().unwrap_or_default()
            } else {
                serde_json::Value::Array(value)
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
