//! CSV input and id ordering shared by the standalone calculators
//! (`mirage fund`, `mirage yuma`): reads a headed CSV by column name and
//! reports every problem as `FILE:LINE: message`; orders ids numerically when
//! all are numeric, else lexicographically.

use std::cmp::Ordering;
use std::fs::File;
use std::path::Path;

use anyhow::{anyhow, Context};

/// One data row of a CSV being read, with the columns asked for.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    path: &'a str,
    line: u64,
    record: &'a csv::StringRecord,
    index: &'a [Option<usize>],
    names: &'a [&'static str],
}

impl Row<'_> {
    /// 1-based line number of the row in its file.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// An error about this row: `FILE:LINE: message`.
    pub(crate) fn error(&self, message: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}:{}: {}", self.path, self.line, message)
    }

    /// The field of column `col` (an index into required ++ optional), or
    /// `None` if the column is optional and absent or the field is empty.
    pub(crate) fn optional(&self, col: usize) -> Option<&str> {
        let k = self.index.get(col).copied().flatten()?;
        self.record.get(k).filter(|s| !s.is_empty())
    }

    /// The non-empty field of column `col`.
    pub(crate) fn text(&self, col: usize) -> anyhow::Result<&str> {
        self.optional(col)
            .ok_or_else(|| self.error(format!("missing value for `{}`", self.name(col))))
    }

    /// The field of column `col` as a finite, non-negative number.
    pub(crate) fn amount(&self, col: usize) -> anyhow::Result<f64> {
        let text = self.text(col)?;
        self.parse_amount(col, text)
    }

    /// Parses `text` (the field of column `col`) as a finite, non-negative
    /// number.
    pub(crate) fn parse_amount(&self, col: usize, text: &str) -> anyhow::Result<f64> {
        let name = self.name(col);
        let value: f64 = text
            .parse()
            .map_err(|_| self.error(format!("{name} `{text}` is not a number")))?;
        if !value.is_finite() {
            return Err(self.error(format!("{name} `{text}` is not a finite number")));
        }
        if value < 0.0 {
            return Err(self.error(format!("{name} {text} is negative")));
        }
        Ok(value)
    }

    fn name(&self, col: usize) -> &'static str {
        self.names.get(col).copied().unwrap_or("?")
    }
}

/// Reads the CSV at `path`, whose header must name every column of
/// `required` (in any order; names are trimmed and compared ignoring ASCII
/// case; extra columns are ignored) and may name those of `optional`, and
/// calls `row` for each data row. Errors on an unreadable or empty file, a
/// missing column, a malformed row or a file without data rows, and passes
/// on the first error `row` returns. Returns the number of data rows.
pub(crate) fn read_rows(
    path: &Path,
    required: &[&'static str],
    optional: &[&'static str],
    mut row: impl FnMut(&Row<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let shown = path.display().to_string();
    let file = File::open(path).with_context(|| format!("{shown}: cannot open"))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(file);
    let headers = reader
        .headers()
        .map_err(|e| crate::cli::csv_input::malformed(&shown, &e, 1))?
        .clone();
    let expected = required.join(",");
    if headers.iter().all(str::is_empty) {
        anyhow::bail!("{shown}:1: empty file; expected a header line `{expected}`");
    }
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let mut index = Vec::with_capacity(required.len() + optional.len());
    for &name in required {
        match find(name) {
            Some(k) => index.push(Some(k)),
            None => anyhow::bail!(
                "{shown}:1: missing column `{name}` (expected `{expected}`, found `{}`)",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        }
    }
    index.extend(optional.iter().map(|name| find(name)));
    let names: Vec<&'static str> = required.iter().chain(optional).copied().collect();

    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let next = record.position().map_or(2, |p| p.line() + 1);
                return Err(crate::cli::csv_input::malformed(&shown, &e, next));
            }
        }
        // Skip blank lines (a record of one empty field).
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map_or(0, csv::Position::line);
        rows += 1;
        row(&Row {
            path: &shown,
            line,
            record: &record,
            index: &index,
            names: &names,
        })?;
    }
    if rows == 0 {
        anyhow::bail!("{shown}:1: no data rows after the header");
    }
    Ok(rows)
}

/// Whether every id is a non-empty run of ASCII digits.
pub(crate) fn all_numeric<'a>(ids: impl IntoIterator<Item = &'a str>) -> bool {
    ids.into_iter()
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The output order of ids: by numeric value if `numeric` (digits only, of
/// any length; equal values such as `7` and `007` then by text), otherwise
/// lexicographic by bytes.
pub(crate) fn compare_ids(a: &str, b: &str, numeric: bool) -> Ordering {
    if numeric {
        let ta = a.trim_start_matches('0');
        let tb = b.trim_start_matches('0');
        ta.len()
            .cmp(&tb.len())
            .then_with(|| ta.cmp(tb))
            .then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

/// Interns string ids to dense indices, remembering the line each was first
/// seen on.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    index: std::collections::HashMap<String, usize>,
    names: Vec<String>,
    first_line: Vec<u64>,
}

impl Ids {
    pub(crate) fn intern(&mut self, id: &str, line: u64) -> usize {
        if let Some(&k) = self.index.get(id) {
            return k;
        }
        let k = self.names.len();
        self.index.insert(id.to_owned(), k);
        self.names.push(id.to_owned());
        self.first_line.push(line);
        k
    }

    pub(crate) fn get(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn name(&self, k: usize) -> &str {
        self.names.get(k).map_or("", String::as_str)
    }

    pub(crate) fn first_line(&self, k: usize) -> u64 {
        self.first_line.get(k).copied().unwrap_or(0)
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Indices ordered by [`compare_ids`], numeric when all ids are.
    pub(crate) fn sorted(&self) -> Vec<usize> {
        let numeric = all_numeric(self.names());
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|&a, &b| compare_ids(&self.names[a], &self.names[b], numeric));
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_sort_by_value_of_any_length() {
        let mut ids = vec!["10", "9", "007", "7", "123456789012345678901234567890"];
        ids.sort_by(|a, b| compare_ids(a, b, true));
        assert_eq!(
            ids,
            vec!["007", "7", "9", "10", "123456789012345678901234567890"]
        );
        assert!(all_numeric(["1", "02"]));
        assert!(!all_numeric(["1", "p2"]));
        assert!(!all_numeric(["1", ""]));
        let mut mixed = vec!["p10", "p9", "10"];
        mixed.sort_by(|a, b| compare_ids(a, b, false));
        assert_eq!(mixed, vec!["10", "p10", "p9"]);
    }
}
