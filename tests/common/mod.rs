//! Helpers shared by the CLI tests: run the `mirage` binary, write scratch
//! input files, parse CSV output.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Exit code, stdout and stderr of one `mirage` run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "mirage failed: {}", self.stderr);
        &self.stdout
    }

    /// Asserts a clean failure (non-zero exit, no panic, nothing on stdout
    /// beyond the header) whose message contains every `needle`.
    pub fn fails_with(&self, needles: &[&str]) {
        assert_ne!(self.code, Some(0), "expected failure, got: {}", self.stdout);
        assert!(self.code.is_some(), "killed by a signal: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr lacks `{needle}`:\n{}",
                self.stderr
            );
        }
    }
}

pub fn mirage(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .output()
        .expect("run mirage");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Writes `contents` to `name` in `dir` and returns the path as a string.
pub fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test input");
    path.to_string_lossy().into_owned()
}

/// A file of the shipped real data.
pub fn real(rel: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "data", "real", rel]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

/// Header and rows of a CSV printed by mirage (no quoting in these tests).
pub fn parse(csv: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = csv.lines();
    let header = lines
        .next()
        .expect("a header line")
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

pub fn num(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("`{cell}` is not a number"))
}
