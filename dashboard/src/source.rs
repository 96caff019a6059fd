//! Reading the files a dashboard is drawn from, row by row, with errors that
//! name the file, the line and the column: a missing file, an empty one, a
//! truncated row or a cell that is not a number never yields a blank page.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// A CSV file being read one row at a time.
#[derive(Debug)]
pub struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<File>,
    header: Vec<String>,
    record: csv::StringRecord,
    line: u64,
    rows: usize,
}

impl CsvFile {
    /// Opens `path` and reads its header; fails on a missing or empty file.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.is_file() {
            bail!("{} is missing", path.display());
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let header: Vec<String> = reader
            .headers()
            .with_context(|| format!("{}: cannot read the header row", path.display()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if header.iter().all(String::is_empty) {
            bail!("{} is empty (no header row)", path.display());
        }
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            header,
            record: csv::StringRecord::new(),
            line: 1,
            rows: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Index of a column, if present.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Index of a column the dashboard cannot do without.
    pub fn require(&self, name: &str) -> Result<usize> {
        self.col(name).with_context(|| {
            format!(
                "{}: no column `{name}` (is this a file written by mirage?)",
                self.path.display()
            )
        })
    }

    /// Advances to the next row; `false` at the end of the file. A row with
    /// another number of fields than the header (a truncated file) is an
    /// error naming the line.
    pub fn next_row(&mut self) -> Result<bool> {
        let more = self.reader.read_record(&mut self.record).map_err(|e| {
            anyhow::anyhow!(
                "{} is malformed or truncated: {}",
                self.path.display(),
                describe_csv_error(&e)
            )
        })?;
        if more {
            self.rows += 1;
            self.line = self
                .record
                .position()
                .map_or(self.line + 1, csv::Position::line);
        }
        Ok(more)
    }

    /// Fails when the file had a header but no data rows.
    pub fn require_rows(&self) -> Result<()> {
        if self.rows == 0 {
            bail!("{} has a header but no data rows", self.path.display());
        }
        Ok(())
    }

    /// The text of a cell of the current row.
    pub fn cell(&self, col: usize) -> &str {
        self.record.get(col).map_or("", str::trim)
    }

    fn bad_cell(&self, col: usize, what: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "{} line {}, column `{}`: `{}` is not {what}",
            self.path.display(),
            self.line,
            self.header.get(col).map_or("?", String::as_str),
            self.cell(col)
        )
    }

    /// A number, or `None` for an empty cell.
    pub fn num(&self, col: usize) -> Result<Option<f64>> {
        let cell = self.cell(col);
        if cell.is_empty() {
            return Ok(None);
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.bad_cell(col, "a number")),
        }
    }

    /// A number that must be present.
    pub fn num_req(&self, col: usize) -> Result<f64> {
        self.num(col)?.ok_or_else(|| self.bad_cell(col, "a number"))
    }

    /// An exact non-negative decimal amount in base units of `decimals`.
    pub fn units(&self, col: usize, decimals: u32) -> Result<u64> {
        parse_units(self.cell(col), decimals)
            .ok_or_else(|| self.bad_cell(col, "a non-negative amount"))
    }
}

fn describe_csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {} has {len} fields where the header has {expected_len}",
            pos.as_ref().map_or(0, csv::Position::line)
        ),
        _ => e.to_string(),
    }
}

/// Parses `123.456` into base units of `decimals` decimals exactly; `None`
/// for anything else (signs, exponents, more decimals than the token has,
/// overflow).
pub fn parse_units(cell: &str, decimals: u32) -> Option<u64> {
    let (int, frac) = cell.split_once('.').unwrap_or((cell, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d = usize::try_from(decimals).ok()?;
    if frac.len() > d {
        return None;
    }
    let mut units: u64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        units = units.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    for _ in frac.len()..d {
        units = units.checked_mul(10)?;
    }
    Some(units)
}

/// Reads a JSON file if it exists; a malformed one is an error naming it.
pub fn read_json(path: &Path) -> Result<Option<serde_json::Value>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON (truncated?)", path.display()))?;
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(parse_units("12.5", 6), Some(12_500_000));
        assert_eq!(parse_units("0.000001", 6), Some(1));
        assert_eq!(parse_units("7", 6), Some(7_000_000));
        assert_eq!(parse_units("1.0000001", 6), None);
        assert_eq!(parse_units("-1", 6), None);
        assert_eq!(parse_units("", 6), None);
        assert_eq!(parse_units(".", 6), None);
        assert_eq!(parse_units("99999999999999999999", 6), None);
    }

    #[test]
    fn truncated_rows_and_bad_cells_name_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("t.csv");
        std::fs::write(&p, "a,b\n1,2\n3").expect("write");
        let mut f = CsvFile::open(&p).expect("opens");
        assert!(f.next_row().expect("row"));
        let err = f.next_row().expect_err("truncated").to_string();
        assert!(err.contains("t.csv") && err.contains("line 3"), "{err}");

        std::fs::write(&p, "a,b\n1,x\n").expect("write");
        let mut f = CsvFile::open(&p).expect("opens");
        assert!(f.next_row().expect("row"));
        let err = f.num(1).expect_err("not a number").to_string();
        assert!(err.contains("line 2") && err.contains("`b`"), "{err}");

        std::fs::write(&p, "").expect("write");
        let err = CsvFile::open(&p).expect_err("empty").to_string();
        assert!(err.contains("empty"), "{err}");
        let err = CsvFile::open(&dir.path().join("none.csv"))
            .expect_err("missing")
            .to_string();
        assert!(err.contains("none.csv is missing"), "{err}");
    }
}
