//! `mirage metrics` end to end: known answers, the real CRV holder
//! snapshot, weights, groups, `--against`, `--lorenz`, output formats and
//! every kind of bad input (clear message, non-zero exit, no panic).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const KEYS: [&str; 19] = [
    "n",
    "sum",
    "mean",
    "gini",
    "theil_t",
    "theil_l",
    "atkinson_0_5",
    "atkinson_1",
    "atkinson_2",
    "hhi",
    "hhi_normalized",
    "nakamoto_33",
    "nakamoto_50",
    "top_1pct_share",
    "top_10pct_share",
    "bottom_40pct_share",
    "palma",
    "entropy",
    "jain",
];

fn mirage(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .output()
        .expect("the mirage binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    out
}

/// Runs `mirage metrics FILE ARGS…`, expecting success and JSON on stdout.
fn metrics(file: &Path, args: &[&str]) -> (Value, String) {
    let file = file.to_str().expect("utf-8 path");
    let mut all = vec!["metrics", file];
    all.extend_from_slice(args);
    let out = mirage(&all);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "mirage {all:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = serde_json::from_str(&stdout).expect("stdout is JSON");
    (json, stdout)
}

/// Runs `mirage metrics …` expecting failure; returns stderr.
fn metrics_error(args: &[&str]) -> String {
    let mut all = vec!["metrics"];
    all.extend_from_slice(args);
    let out = mirage(&all);
    assert!(!out.status.success(), "mirage {all:?} should have failed");
    assert!(out.stdout.is_empty(), "no output on failure");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().expect("a scratch directory"),
        }
    }

    fn csv(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write scratch CSV");
        path
    }
}

fn column(header: &str, values: &[&str]) -> String {
    let mut s = format!("{header}\n");
    for v in values {
        s.push_str(v);
        s.push('\n');
    }
    s
}

fn real(json: &Value, key: &str) -> f64 {
    json[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {json}"))
}

fn assert_near(json: &Value, key: &str, expected: f64) {
    let got = real(json, key);
    assert!(
        (got - expected).abs() < 5e-7,
        "{key}: expected {expected}, got {got}"
    );
}

fn keys(json: &Value) -> Vec<String> {
    json.as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn expected_keys(extra: &[&str]) -> Vec<String> {
    sorted(KEYS.iter().chain(extra).map(|k| k.to_string()).collect())
}

#[test]
fn known_answers_one_to_five() {
    // references.md worked numbers and issue 4: [1,2,3,4,5].
    let s = Scratch::new();
    let f = s.csv("v.csv", &column("x", &["1", "2", "3", "4", "5"]));
    let (j, text) = metrics(&f, &["--column", "x"]);
    assert_eq!(sorted(keys(&j)), expected_keys(&[]));
    // Keys are printed in the documented order.
    let positions: Vec<usize> = KEYS
        .iter()
        .map(|k| text.find(&format!("\"{k}\"")).expect("key printed"))
        .collect();
    assert!(positions.windows(2).all(|p| p[0] < p[1]), "{text}");
    assert_eq!(j["n"], 5);
    assert_eq!(j["sum"], 15);
    assert_near(&j, "mean", 3.0);
    assert_near(&j, "gini", 4.0 / 15.0); // 0.266667
    assert_near(&j, "theil_t", 0.119688);
    assert_near(&j, "theil_l", 0.141114);
    assert_near(&j, "hhi", 11.0 / 45.0); // 0.244444
    assert_near(&j, "jain", 9.0 / 11.0); // 0.818182
    assert_near(&j, "atkinson_0_5", 0.063153);
    assert_near(&j, "atkinson_1", 0.131610);
    assert_near(&j, "atkinson_2", 0.270073);
    // The top holder has exactly 1/3, which is not more than 1/3.
    assert_eq!(j["nakamoto_33"], 2);
    assert_eq!(j["nakamoto_50"], 2);
}

#[test]
fn known_answers_small_vectors() {
    // references.md / issue 4 worked numbers.
    let s = Scratch::new();
    let f = s.csv("a.csv", &column("x", &["40", "30", "20", "10"]));
    let (j, _) = metrics(&f, &["--column", "x"]);
    assert_near(&j, "gini", 0.25);
    assert_near(&j, "hhi", 0.30);

    let f = s.csv("b.csv", &column("x", &["5", "5", "5", "5"]));
    let (j, _) = metrics(&f, &["--column", "x"]);
    assert_near(&j, "gini", 0.0);
    assert_eq!(j["nakamoto_50"], 3);

    let ten: Vec<String> = (1..=10).map(|i| i.to_string()).collect();
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    let f = s.csv("c.csv", &column("x", &ten));
    let (j, _) = metrics(&f, &["--column", "x"]);
    assert_near(&j, "gini", 0.30);
    assert_near(&j, "palma", 1.0);

    let f = s.csv("d.csv", &column("x", &["0", "0", "0", "1"]));
    let (j, _) = metrics(&f, &["--column", "x"]);
    assert_near(&j, "gini", 0.75);
    assert_eq!(j["theil_l"], Value::Null);
    assert_eq!(j["atkinson_1"], Value::Null);
    assert_eq!(j["palma"], Value::Null);

    // Float addition gets 2.6 + 2.3 + 0.3 wrong; exact decimals do not.
    let f = s.csv("e.csv", &column("x", &["2.3", "0.3", "2.6"]));
    let (j, text) = metrics(&f, &["--column", "x"]);
    assert_eq!(j["nakamoto_50"], 2);
    assert!(text.contains("\"sum\": 5.2,"), "{text}");
}

#[test]
fn all_zero_column_is_null_except_n_sum_mean() {
    let s = Scratch::new();
    let f = s.csv("z.csv", &column("x", &["0", "0.00", "-0"]));
    let (j, _) = metrics(&f, &["--column", "x", "--lorenz", "4"]);
    assert_eq!(j["n"], 3);
    assert_eq!(j["sum"], 0);
    assert_eq!(j["mean"], 0.0);
    for k in KEYS.iter().skip(3).chain(&["lorenz"]) {
        assert_eq!(j[*k], Value::Null, "{k}");
    }
}

#[test]
fn real_curve_holder_snapshot() {
    // data/real/curve-crv-top1000/holders.csv: header `holder,balance`,
    // 1,000 CRV balances with up to 12 decimals. Expected values were
    // cross-checked with an independent exact-fraction implementation of the
    // issue's definitions.
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/real/curve-crv-top1000/holders.csv");
    let (j, text) = metrics(&file, &["--column", "balance", "--lorenz", "10"]);
    assert_eq!(j["n"], 1000);
    assert!(text.contains("\"sum\": 2152539530.11640377154,"), "{text}");
    assert_near(&j, "gini", 0.907157);
    assert_near(&j, "theil_t", 3.387275);
    assert_near(&j, "hhi", 0.186111);
    assert_eq!(j["nakamoto_33"], 1); // the Voting Escrow alone holds 42%
    assert_eq!(j["nakamoto_50"], 3);
    assert_near(&j, "top_1pct_share", 0.626003);
    assert_near(&j, "top_10pct_share", 0.880575);
    assert_near(&j, "bottom_40pct_share", 0.014231);
    assert_near(&j, "palma", 61.876230);
    let lorenz = j["lorenz"].as_array().expect("lorenz points");
    assert_eq!(lorenz.len(), 11);
    assert_eq!(lorenz[0], serde_json::json!([0.0, 0.0]));
    assert_eq!(lorenz[10], serde_json::json!([1.0, 1.0]));
    let l90 = lorenz[9][1].as_f64().expect("a number");
    assert!((1.0 - l90 - real(&j, "top_10pct_share")).abs() < 1e-12);
}

#[test]
fn quoted_cells_and_thousands_separators() {
    let s = Scratch::new();
    let f = s.csv(
        "q.csv",
        "name,amount\n\"a, inc\",\"1,000\"\nb,\"2,500.5\"\nc, 500 \n",
    );
    let (j, _) = metrics(&f, &["--column", "amount"]);
    assert_eq!(j["n"], 3);
    assert_eq!(j["sum"], 4000.5);
}

#[test]
fn weight_counts_each_value_that_many_times() {
    let s = Scratch::new();
    let grouped = s.csv("w.csv", "x,w\n1,3\n4,1\n10,2\n7,0\n");
    let repeated = s.csv("r.csv", &column("x", &["1", "1", "1", "4", "10", "10"]));
    let (a, _) = metrics(
        &grouped,
        &["--column", "x", "--weight", "w", "--lorenz", "6"],
    );
    let (b, _) = metrics(&repeated, &["--column", "x", "--lorenz", "6"]);
    assert_eq!(a["n"], 6);
    for k in KEYS {
        match (a[k].as_f64(), b[k].as_f64()) {
            (Some(x), Some(y)) => assert!((x - y).abs() < 1e-12, "{k}: {x} vs {y}"),
            _ => assert_eq!(a[k], b[k], "{k}"),
        }
    }
    assert_eq!(a["lorenz"], b["lorenz"]);
}

#[test]
fn against_adds_spearman_and_misallocation() {
    let s = Scratch::new();
    // Rewards (1,2,3,4) against contributions (1,2,4,3): ranks differ in one
    // swap, ρ = 1 − 6·2/(4·15) = 0.8; shares move 0.1 each way → 0.1.
    let f = s.csv("a.csv", "who,reward,work\na,1,1\nb,2,2\nc,3,4\nd,4,3\n");
    let (j, _) = metrics(&f, &["--column", "reward", "--against", "work"]);
    assert_eq!(
        sorted(keys(&j)),
        expected_keys(&["spearman", "misallocation"])
    );
    assert_near(&j, "spearman", 0.8);
    assert_near(&j, "misallocation", 0.1);
    assert_near(&j, "gini", 0.25);

    let f = s.csv("c.csv", "reward,work\n1,5\n2,5\n");
    let (j, _) = metrics(&f, &["--column", "reward", "--against", "work"]);
    assert_eq!(j["spearman"], Value::Null); // constant contributions
    assert_near(&j, "misallocation", 1.0 / 6.0);
}

#[test]
fn group_by_reports_each_group_and_all() {
    let s = Scratch::new();
    let f = s.csv(
        "g.csv",
        "role,balance\nminer,1\nvalidator,40\nminer,2\nvalidator,30\nminer,3\nvalidator,20\nminer,4\nvalidator,10\nminer,5\n",
    );
    let (j, text) = metrics(&f, &["--column", "balance", "--group-by", "role"]);
    assert_eq!(keys(&j), ["all", "miner", "validator"]); // serde_json sorts keys
    assert!(
        text.find("\"miner\"") < text.find("\"validator\"")
            && text.find("\"validator\"") < text.find("\"all\""),
        "groups first, then all: {text}"
    );
    assert_near(&j["miner"], "gini", 4.0 / 15.0);
    assert_eq!(j["miner"]["nakamoto_33"], 2);
    assert_near(&j["validator"], "gini", 0.25);
    assert_near(&j["validator"], "hhi", 0.30);
    assert_eq!(j["all"]["n"], 9);
    assert_eq!(j["all"]["sum"], 115);
    assert_eq!(sorted(keys(&j["all"])), expected_keys(&[]));

    // Groups combine with weights and --against.
    let f = s.csv("h.csv", "g,x,w,y\na,1,2,1\na,2,1,2\nb,5,1,1\nb,5,3,9\n");
    let (j, _) = metrics(
        &f,
        &[
            "--column",
            "x",
            "--weight",
            "w",
            "--against",
            "y",
            "--group-by",
            "g",
        ],
    );
    assert_eq!(j["a"]["n"], 3);
    assert_eq!(j["b"]["spearman"], Value::Null);
    assert_eq!(j["all"]["n"], 7);
    assert_eq!(
        sorted(keys(&j["all"])),
        expected_keys(&["spearman", "misallocation"])
    );
}

#[test]
fn table_format() {
    let s = Scratch::new();
    let f = s.csv("t.csv", "role,x\na,1\nb,3\n");
    let out = mirage(&[
        "metrics",
        f.to_str().expect("utf-8"),
        "--column",
        "x",
        "--format",
        "table",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("gini") && l.contains("0.250000")),
        "{text}"
    );
    let out = mirage(&[
        "metrics",
        f.to_str().expect("utf-8"),
        "--column",
        "x",
        "--group-by",
        "role",
        "--format",
        "table",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let header = text.lines().next().unwrap_or_default();
    assert!(
        header.contains('a') && header.contains('b') && header.contains("all"),
        "{text}"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let s = Scratch::new();
    let good = s.csv("good.csv", "holder,balance,w\na,1,1\nb,2,1\n");
    let good = good.to_str().expect("utf-8");

    let e = metrics_error(&[good, "--column", "balanse"]);
    assert!(
        e.contains("good.csv")
            && e.contains("no column named \"balanse\"")
            && e.contains("holder, balance"),
        "{e}"
    );

    let empty = s.csv("empty.csv", "");
    let e = metrics_error(&[empty.to_str().expect("utf-8"), "--column", "x"]);
    assert!(e.contains("empty.csv") && e.contains("empty file"), "{e}");

    let header_only = s.csv("header.csv", "x,y\n");
    let e = metrics_error(&[header_only.to_str().expect("utf-8"), "--column", "x"]);
    assert!(
        e.contains("header.csv") && e.contains("no data rows"),
        "{e}"
    );

    let text = s.csv("text.csv", "holder,balance\na,1\nb,12abc\n");
    let e = metrics_error(&[text.to_str().expect("utf-8"), "--column", "balance"]);
    assert!(
        e.contains("text.csv:3:")
            && e.contains("column \"balance\"")
            && e.contains("not a number")
            && e.contains("12abc"),
        "{e}"
    );

    let neg = s.csv("neg.csv", "holder,balance\na,1\nb,2\nc,-0.5\n");
    let e = metrics_error(&[neg.to_str().expect("utf-8"), "--column", "balance"]);
    assert!(
        e.contains("neg.csv:4:") && e.contains("negative") && e.contains("balance"),
        "{e}"
    );

    let blank = s.csv("blank.csv", "holder,balance\na,\n");
    let e = metrics_error(&[blank.to_str().expect("utf-8"), "--column", "balance"]);
    assert!(
        e.contains("blank.csv:2:") && e.contains("empty cell"),
        "{e}"
    );

    let frac_weight = s.csv("fw.csv", "x,w\n1,1.5\n");
    let e = metrics_error(&[
        frac_weight.to_str().expect("utf-8"),
        "--column",
        "x",
        "--weight",
        "w",
    ]);
    assert!(
        e.contains("fw.csv:2:") && e.contains("column \"w\"") && e.contains("whole number"),
        "{e}"
    );

    let neg_against = s.csv("na.csv", "x,y\n1,2\n1,-2\n");
    let e = metrics_error(&[
        neg_against.to_str().expect("utf-8"),
        "--column",
        "x",
        "--against",
        "y",
    ]);
    assert!(e.contains("na.csv:3:") && e.contains("column \"y\""), "{e}");

    let ragged = s.csv("ragged.csv", "x,y\n1,2\n3\n");
    let e = metrics_error(&[ragged.to_str().expect("utf-8"), "--column", "x"]);
    assert!(e.contains("ragged.csv") && e.contains("line: 3"), "{e}");

    let reserved = s.csv("all.csv", "g,x\nall,1\n");
    let e = metrics_error(&[
        reserved.to_str().expect("utf-8"),
        "--column",
        "x",
        "--group-by",
        "g",
    ]);
    assert!(e.contains("all.csv:2:") && e.contains("reserved"), "{e}");

    let e = metrics_error(&["/nonexistent/mirage.csv", "--column", "x"]);
    assert!(e.contains("/nonexistent/mirage.csv"), "{e}");

    // Bad flags.
    assert!(metrics_error(&[good]).contains("--column"));
    assert!(metrics_error(&[good, "--column", "balance", "--format", "xml"]).contains("xml"));
    assert!(metrics_error(&[good, "--column", "balance", "--lorenz", "0"]).contains("--lorenz"));
    assert!(metrics_error(&[good, "--column", "balance", "--lorenz=-3"]).contains("--lorenz"));
    assert!(
        metrics_error(&[good, "--column", "balance", "--lorenz", "2000000"]).contains("--lorenz")
    );
    assert!(metrics_error(&[good, "--column", "balance", "--lorenz", "many"]).contains("--lorenz"));
    assert!(metrics_error(&[good, "--column", "balance", "--weight", "nope"]).contains("\"nope\""));
}
