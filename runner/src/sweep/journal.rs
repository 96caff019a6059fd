//! Journals and sorted outputs. A journal is a CSV file (header line, then
//! one row per finished run, in completion order) appended and flushed as
//! each run finishes, so a kill loses only the runs in flight; a row cut
//! short by a kill has no line end and is dropped on resume. Its rows start
//! with the run id. [`RowIndex`] remembers where each run's row is (16 bytes
//! per run, never the rows themselves), and [`write_sorted`] copies the rows
//! in run-id order into the final file, written under a temporary name and
//! renamed into place, so memory stays bounded however large the sweep.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::output::AtomicFile;

/// An open journal, appended to by one writer.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    out: BufWriter<File>,
}

impl Journal {
    /// Opens `path` for appending: creates it with `header` if missing or
    /// empty, otherwise checks its header and cuts off a last row without
    /// a line end (a row being written when the sweep was killed).
    pub fn open(path: &Path, header: &[u8]) -> Result<Self> {
        let valid_end = if path.exists() {
            scan(path, header, |_, _, _| Ok(()))?
        } else {
            0
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        file.set_len(valid_end)
            .with_context(|| format!("cannot truncate {}", path.display()))?;
        let mut journal = Self {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 14, file),
        };
        if valid_end == 0 {
            journal.append(header)?;
        }
        Ok(journal)
    }

    /// Appends one encoded row (with its line end) and flushes it to the
    /// operating system.
    pub fn append(&mut self, line: &[u8]) -> Result<()> {
        self.out
            .write_all(line)
            .and_then(|()| self.out.flush())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Flushes and asks the OS to put the journal on disk.
    pub fn sync(&mut self) -> Result<()> {
        self.out
            .flush()
            .and_then(|()| self.out.get_ref().sync_data())
            .with_context(|| format!("cannot sync {}", self.path.display()))
    }
}

/// The number of fields of one CSV line (with its line end), or `None`
/// when it is not one well-formed CSV record (a quote left open, a quote
/// inside an unquoted field, bytes that are not UTF-8).
fn fields(line: &[u8]) -> Option<usize> {
    std::str::from_utf8(line).ok()?;
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut count = 1;
    let mut quoted = false;
    let mut field_start = true;
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if quoted {
            if b == b'"' {
                if line.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                    if !matches!(line.get(i + 1), None | Some(b',')) {
                        return None;
                    }
                }
            }
        } else if b == b',' {
            count += 1;
            field_start = true;
            i += 1;
            continue;
        } else if b == b'"' {
            if !field_start {
                return None;
            }
            quoted = true;
        }
        field_start = false;
        i += 1;
    }
    (!quoted).then_some(count)
}

/// Reads a journal (or a final file of the same format): checks that its
/// first line is `header` and that every row is a CSV record of as many
/// fields, starting with a run id, and calls `row(run_id, offset, len)`
/// for each complete row. A damaged row is an error naming the file and
/// line. Returns the byte offset after the last complete line. A file
/// without even a complete header line counts as empty (0).
pub fn scan(
    path: &Path,
    header: &[u8],
    mut row: impl FnMut(u64, u64, u32) -> Result<()>,
) -> Result<u64> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::with_capacity(512);
    let mut offset = 0u64;
    let mut number = 0u64;
    let expected = fields(header).unwrap_or(0);
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 || line.last() != Some(&b'\n') {
            // End of file, or a last line cut short.
            return Ok(offset);
        }
        number += 1;
        if number == 1 {
            if line != header {
                bail!(
                    "{}: its columns are not this sweep's\n  found:    {}\n  expected: {}",
                    path.display(),
                    String::from_utf8_lossy(&line).trim_end(),
                    String::from_utf8_lossy(header).trim_end()
                );
            }
        } else {
            let id = line
                .iter()
                .position(|&b| b == b',')
                .and_then(|comma| std::str::from_utf8(&line[..comma]).ok())
                .and_then(|s| s.parse::<u64>().ok());
            let shown = || clip(&String::from_utf8_lossy(&line));
            let Some(id) = id else {
                bail!(
                    "{}:{number}: damaged row, not a row of this sweep (no run id): {}",
                    path.display(),
                    shown()
                );
            };
            match fields(&line) {
                Some(n) if n == expected => {}
                Some(n) => bail!(
                    "{}:{number}: damaged row of run {id}: {n} fields where the header has {expected}: {}",
                    path.display(),
                    shown()
                ),
                None => bail!(
                    "{}:{number}: damaged row of run {id}: not a well-formed CSV record: {}",
                    path.display(),
                    shown()
                ),
            }
            let len = u32::try_from(n).with_context(|| {
                format!(
                    "{}:{number}: a row of {n} bytes is too long",
                    path.display()
                )
            })?;
            row(id, offset, len).map_err(|e| anyhow!("{}:{number}: {e:#}", path.display()))?;
        }
        offset += n as u64;
    }
}

/// A row for a message: without its line end, at most 120 characters.
fn clip(line: &str) -> String {
    let line = line.trim_end();
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_string(),
    }
}

/// Where a run's row is: which source file, at which offset, how long.
#[derive(Debug, Clone, Copy, Default)]
struct Loc {
    offset: u64,
    /// 0: no row.
    len: u32,
    source: u32,
}

/// A run met a second time: its id and the sources of both rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duplicate {
    pub first: u32,
    pub again: u32,
    pub id: u64,
}

/// The location of each run's row among a few source files.
#[derive(Debug)]
pub struct RowIndex {
    locs: Vec<Loc>,
    found: u64,
}

/// What adding a row to the index found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New,
    /// The run already had a row, in source `first` (it is kept; the new
    /// one is ignored).
    Duplicate {
        first: u32,
    },
}

impl RowIndex {
    /// An index of run ids 0..total.
    pub fn new(total: u64) -> Result<Self> {
        let n = usize::try_from(total).context("too many runs to index")?;
        Ok(Self {
            locs: vec![Loc::default(); n],
            found: 0,
        })
    }

    pub fn add(&mut self, id: u64, source: u32, offset: u64, len: u32) -> Result<Added> {
        let total = self.locs.len();
        let Some(loc) = usize::try_from(id).ok().and_then(|i| self.locs.get_mut(i)) else {
            bail!("run id {id} is outside this sweep's runs 0..{total}");
        };
        if loc.len != 0 {
            return Ok(Added::Duplicate { first: loc.source });
        }
        *loc = Loc {
            offset,
            len,
            source,
        };
        self.found += 1;
        Ok(Added::New)
    }

    pub fn contains(&self, id: u64) -> bool {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.locs.get(i))
            .is_some_and(|l| l.len != 0)
    }

    /// Number of runs with a row.
    pub fn found(&self) -> u64 {
        self.found
    }

    /// Indexes every row of `path` as `source`; returns the duplicates met,
    /// each with the source of its first row.
    pub fn scan_file(&mut self, path: &Path, header: &[u8], source: u32) -> Result<Vec<Duplicate>> {
        let mut duplicates = Vec::new();
        scan(path, header, |id, offset, len| {
            if let Added::Duplicate { first } = self.add(id, source, offset, len)? {
                duplicates.push(Duplicate {
                    id,
                    first,
                    again: source,
                });
            }
            Ok(())
        })?;
        Ok(duplicates)
    }
}

/// Writes `header` and the rows of `ids`, in that order, from the indexed
/// `sources` into `target` (temporary file, then rename). Runs without a
/// row are skipped when `skip_missing`, an error otherwise.
pub fn write_sorted(
    target: &Path,
    header: &[u8],
    sources: &[PathBuf],
    index: &RowIndex,
    ids: impl Iterator<Item = u64>,
    skip_missing: bool,
) -> Result<()> {
    let mut files = sources
        .iter()
        .map(|p| File::open(p).with_context(|| format!("cannot open {}", p.display())))
        .collect::<Result<Vec<_>>>()?;
    let mut out = AtomicFile::create(target)?;
    let write_err = || format!("cannot write {}", target.display());
    out.writer().write_all(header).with_context(write_err)?;
    let mut buf = Vec::with_capacity(512);
    for id in ids {
        let loc = usize::try_from(id)
            .ok()
            .and_then(|i| index.locs.get(i))
            .copied()
            .unwrap_or_default();
        if loc.len == 0 {
            if skip_missing {
                continue;
            }
            bail!("run {id} has no row: cannot write {}", target.display());
        }
        let source = loc.source as usize;
        let (Some(file), Some(path)) = (files.get_mut(source), sources.get(source)) else {
            bail!("internal error: run {id} indexed in an unknown file");
        };
        buf.resize(loc.len as usize, 0);
        file.seek(SeekFrom::Start(loc.offset))
            .and_then(|_| file.read_exact(&mut buf))
            .with_context(|| format!("cannot read run {id}'s row in {}", path.display()))?;
        out.writer().write_all(&buf).with_context(write_err)?;
    }
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_cut_short_is_dropped_and_rows_sort() -> Result<()> {
        let tmp = tempfile::tempdir()?;
        let path = tmp.path().join("j.csv");
        let header = b"run_id,x\n";
        {
            let mut j = Journal::open(&path, header)?;
            j.append(b"2,c\n")?;
            j.append(b"0,a\n")?;
        }
        // A kill in the middle of a row.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)?
            .write_all(b"1,b")?;
        {
            let mut j = Journal::open(&path, header)?;
            j.append(b"1,b\n")?;
        }
        assert_eq!(std::fs::read_to_string(&path)?, "run_id,x\n2,c\n0,a\n1,b\n");
        let mut index = RowIndex::new(4)?;
        assert!(index.scan_file(&path, header, 0)?.is_empty());
        assert_eq!(index.found(), 3);
        let out = tmp.path().join("sorted.csv");
        write_sorted(
            &out,
            header,
            std::slice::from_ref(&path),
            &index,
            0..4,
            true,
        )?;
        assert_eq!(std::fs::read_to_string(&out)?, "run_id,x\n0,a\n1,b\n2,c\n");
        assert!(write_sorted(
            &out,
            header,
            std::slice::from_ref(&path),
            &index,
            0..4,
            false
        )
        .is_err());
        assert!(
            Journal::open(&path, b"run_id,y\n").is_err(),
            "other columns"
        );
        Ok(())
    }
}
