//! Opening a headed CSV input of the calculators (`metrics`, `fit`,
//! `votes`): the reader and the trimmed header names (a UTF-8 byte-order
//! mark removed), with errors naming the file.

use std::fs::File;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

/// Opens `path` and reads its header row; `expected` says what the header
/// should name, for the message about an empty file.
pub fn open_headed(path: &Path, expected: &str) -> Result<(csv::Reader<File>, Vec<String>)> {
    let shown = path.display();
    let file = File::open(path).with_context(|| format!("cannot open {shown}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(1 << 16)
        .from_reader(file);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(&shown.to_string(), &e, 1))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_string()
        })
        .collect();
    if headers.iter().all(String::is_empty) {
        bail!("{shown}:1: empty file (expected a header row {expected})");
    }
    Ok((reader, headers))
}

/// A CSV reading error at its line: the reader's position, else
/// `next_line` (the line after the last record read).
pub fn malformed(path: &str, e: &csv::Error, next_line: u64) -> anyhow::Error {
    let line = e.position().map_or(next_line, csv::Position::line);
    anyhow!("{path}:{line}: malformed CSV: {e}")
}
