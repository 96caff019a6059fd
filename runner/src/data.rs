//! The data files of empirical distributions (`{ dist = "empirical", file,
//! column }`): [`CsvFiles`] implements the engine's `DataFiles` by reading
//! a CSV file (with a header row) relative to the scenario's directory,
//! hashing it (sha256), refusing it when the scenario records another
//! hash, and streaming the column's cells into the engine's exact
//! `EmpiricalBuilder`. Columns are cached, so the overrides and the points
//! of a sweep read each file once.
//!
//! Limits, so memory stays bounded: a file of at most [`MAX_FILE_BYTES`]
//! bytes, a column of at most `mirage_sim::scenario::empirical::MAX_VALUES`
//! values.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mirage_sim::scenario::{DataFiles, DataRequest, EmpiricalBuilder, EmpiricalData};
use sha2::{Digest, Sha256};

/// The largest data file read (2 GiB).
pub const MAX_FILE_BYTES: u64 = 2 << 30;

type Key = (PathBuf, String, u64, u32);

/// Reads data files relative to `base` (the scenario file's directory).
#[derive(Debug)]
pub struct CsvFiles {
    base: PathBuf,
    cache: Mutex<HashMap<Key, Arc<EmpiricalData>>>,
}

impl CsvFiles {
    /// Data files relative to the directory of the scenario file `scenario`.
    pub fn beside(scenario: &Path) -> Self {
        let dir = scenario.parent().unwrap_or(Path::new(""));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let base = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        Self {
            base,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn path_of(&self, file: &str) -> PathBuf {
        let path = Path::new(file);
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.base.join(path)
        };
        // Canonical where possible, so the resolved scenario names the file
        // plainly; a missing file keeps its joined name for the message.
        std::fs::canonicalize(&joined).unwrap_or(joined)
    }
}

impl DataFiles for CsvFiles {
    fn column(&self, request: &DataRequest<'_>) -> Result<Arc<EmpiricalData>, String> {
        let path = self.path_of(request.file);
        let key = (
            path.clone(),
            request.column.to_string(),
            request.scale.to_bits(),
            request.decimals,
        );
        let cached = self.cache.lock().ok().and_then(|c| c.get(&key).cloned());
        let data = match cached {
            Some(data) => data,
            None => {
                let data = Arc::new(read_column(&path, request)?);
                if let Ok(mut cache) = self.cache.lock() {
                    cache.insert(key, Arc::clone(&data));
                }
                data
            }
        };
        if let Some(expected) = request.sha256 {
            if !expected.eq_ignore_ascii_case(&data.sha256) {
                return Err(format!(
                    "the data file {} has changed since the scenario recorded it: its sha256 is \
                     {}, the scenario records {expected} (restore the file, or remove `sha256` \
                     to accept the new contents)",
                    path.display(),
                    data.sha256
                ));
            }
        }
        Ok(data)
    }
}

fn sha256_of(path: &Path) -> Result<String, String> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read the data file {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| format!("cannot read the data file {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn read_column(path: &Path, request: &DataRequest<'_>) -> Result<EmpiricalData, String> {
    let shown = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the data file {shown}: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "the data file {shown} has {size} bytes, more than the {MAX_FILE_BYTES} an empirical \
             distribution reads"
        ));
    }
    let sha256 = sha256_of(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("cannot read the data file {shown}: {e}"))?;
    let headers = reader
        .byte_headers()
        .map_err(|e| format!("{shown}:1: cannot read the header row: {e}"))?
        .clone();
    let Some(index) = headers.iter().position(|h| {
        // A spreadsheet's byte-order mark is not part of the first name.
        let h = h.strip_prefix(b"\xef\xbb\xbf").unwrap_or(h);
        h.trim_ascii() == request.column.as_bytes()
    }) else {
        let names: Vec<String> = headers
            .iter()
            .map(|h| format!("`{}`", String::from_utf8_lossy(h).trim()))
            .collect();
        return Err(format!(
            "{shown}:1: no column `{}` (its columns: {})",
            request.column,
            names.join(", ")
        ));
    };
    let mut builder = EmpiricalBuilder::new(&shown, request.scale, request.decimals)?;
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line() + 1;
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| format!("{shown}:{line}: {e}"))?;
        if !more {
            break;
        }
        let line = record.position().map_or(line, |p| p.line());
        let cell = record.get(index).ok_or_else(|| {
            format!(
                "{shown}:{line}: the row has {} cells, no `{}`",
                record.len(),
                request.column
            )
        })?;
        builder.push(line, cell)?;
    }
    builder.finish(&path.display().to_string(), &sha256)
}
