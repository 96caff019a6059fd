//! Golden outputs: frozen copies of the scenario files shipped before the
//! open-engine refactor (issue 10) must keep giving the same epochs.csv,
//! agents.csv and accounts.csv. Every column those files had keeps exactly
//! its values and the row count stays; later issues may add columns.
//!
//! The expected values are kept as one SHA-256 digest per column
//! (`tests/golden/digests.tsv`: scenario, file, column, rows, digest of the
//! column's cells joined by newlines), written once by running this test
//! with `MIRAGE_GOLDEN_BLESS=1` on the code of commit 8ace5cd. Never bless
//! again to make a change pass: a changed digest is a changed number.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use support::{mirage, text};

const FILES: [&str; 3] = ["epochs.csv", "agents.csv", "accounts.csv"];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// (scenario, file, column) → (rows, digest).
type Digests = BTreeMap<(String, String, String), (usize, String)>;

fn column_digests(scenario: &str, file: &str, path: &Path, into: &mut Digests) {
    let mut reader = csv::Reader::from_path(path).expect("output csv opens");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let mut hashers: Vec<Sha256> = header.iter().map(|_| Sha256::new()).collect();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("row parses");
        for (h, cell) in hashers.iter_mut().zip(record.iter()) {
            h.update(cell.as_bytes());
            h.update(b"\n");
        }
        rows += 1;
    }
    for (name, h) in header.into_iter().zip(hashers) {
        let digest = h.finalize().iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        into.insert(
            (scenario.to_string(), file.to_string(), name),
            (rows, digest),
        );
    }
}

fn read_expected() -> Digests {
    let text = std::fs::read_to_string(golden_dir().join("digests.tsv")).expect("digests.tsv");
    let mut out = Digests::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "bad digests.tsv line: {line}");
        out.insert(
            (f[0].into(), f[1].into(), f[2].into()),
            (f[3].parse().expect("rows"), f[4].into()),
        );
    }
    out
}

#[test]
fn frozen_scenarios_reproduce_their_outputs_column_for_column() {
    let scenarios_dir = golden_dir().join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&scenarios_dir)
        .expect("golden scenarios")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 9, "the frozen scenario files are present");
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut actual = Digests::new();
    for name in &names {
        let scenario = name.trim_end_matches(".toml");
        let out = tmp.path().join(scenario);
        let path = scenarios_dir.join(name);
        let result = mirage(&[
            "run",
            path.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--no-dashboard",
        ]);
        assert!(
            result.status.success(),
            "{name} runs: {}",
            text(&result.stderr)
        );
        for file in FILES {
            column_digests(scenario, file, &out.join(file), &mut actual);
        }
    }
    if std::env::var_os("MIRAGE_GOLDEN_BLESS").is_some() {
        let mut s = String::from("# scenario\tfile\tcolumn\trows\tsha256 of the column's cells\n");
        for ((scenario, file, column), (rows, digest)) in &actual {
            writeln!(s, "{scenario}\t{file}\t{column}\t{rows}\t{digest}").expect("fmt");
        }
        std::fs::write(golden_dir().join("digests.tsv"), s).expect("write digests");
        return;
    }
    let expected = read_expected();
    let mut problems = Vec::new();
    for (key, (rows, digest)) in &expected {
        match actual.get(key) {
            None => problems.push(format!("{}/{}: column `{}` is gone", key.0, key.1, key.2)),
            Some((r, _)) if r != rows => {
                problems.push(format!("{}/{}: {r} rows, expected {rows}", key.0, key.1))
            }
            Some((_, d)) if d != digest => problems.push(format!(
                "{}/{}: column `{}` changed its values",
                key.0, key.1, key.2
            )),
            Some(_) => {}
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "golden outputs differ:\n{}",
        problems.join("\n")
    );
}
