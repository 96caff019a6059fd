//! Bad input: a table of malformed scenarios, each of which must give a
//! clear error naming the file with line and column (or the flag), exit
//! non-zero without a panic, and leave no output directory behind.

use std::process::Command;

const GOOD: &str = r#"name = "t"
epochs = 3
initial_supply = 1000
[market]
token_reserve = 100
quote_reserve = 10
[[population]]
name = "cp"
role = "compute_provider"
count = 2
honesty = 0.9
"#;

struct Case {
    what: &'static str,
    /// (text to replace, replacement) applied to GOOD.
    edit: (&'static str, &'static str),
    /// Expected "file:line:column" suffix and a fragment of the message.
    at: &'static str,
    says: &'static str,
}

const CASES: &[Case] = &[
    Case { what: "syntax error", edit: ("epochs = 3", "epochs = = 3"), at: ":2:10", says: "" },
    Case { what: "unknown key", edit: ("epochs = 3", "epochs = 3\nepochz = 4"), at: ":3:1", says: "unknown field `epochz`" },
    Case { what: "unknown key in a population", edit: ("honesty = 0.9", "honesty = 0.9\ncapacty = 3"), at: ":12:1", says: "unknown field `capacty`" },
    Case { what: "wrong type", edit: ("epochs = 3", "epochs = \"three\""), at: ":2:10", says: "expected" },
    Case { what: "negative count", edit: ("count = 2", "count = -2"), at: ":10:9", says: "-2" },
    Case { what: "probability above one", edit: ("honesty = 0.9", "honesty = 1.5"), at: ":11:11", says: "[0, 1]" },
    Case { what: "share outside [0,1]", edit: ("quote_reserve = 10", "quote_reserve = 10\nswap_fee = -0.1"), at: ":7:12", says: "probability" },
    Case { what: "empty population", edit: ("count = 2", "count = 0"), at: ":7:1", says: "population is empty" },
    Case { what: "no populations", edit: ("[[population]]\nname = \"cp\"\nrole = \"compute_provider\"\ncount = 2\nhonesty = 0.9\n", ""), at: ":1:1", says: "at least one population" },
    Case { what: "zero epochs", edit: ("epochs = 3", "epochs = 0"), at: ":2:10", says: "nonzero" },
    Case { what: "attribute of another role", edit: ("honesty = 0.9", "strategy = \"whale\""), at: ":11:12", says: "does not apply" },
    Case { what: "unknown role", edit: ("role = \"compute_provider\"", "role = \"miner\""), at: ":9:8", says: "unknown variant `miner`" },
    Case { what: "bad distribution", edit: ("honesty = 0.9", "honesty = { dist = \"beta\", alpha = -1, beta = 2 }"), at: ":11:11", says: "invalid distribution" },
    Case { what: "unknown distribution", edit: ("honesty = 0.9", "honesty = { dist = \"zipf\", s = 1 }"), at: ":11:20", says: "unknown variant `zipf`" },
    Case { what: "shares not adding up", edit: ("[[population]]", "[reward.compute]\nshare = 0.5\nscheme = \"stake\"\n[[population]]"), at: ":9:10", says: "add up to 1" },
    Case { what: "operator shares not adding up", edit: ("honesty = 0.9", "operators = [{ name = \"a\", share = 0.5 }, { name = \"b\", share = 0.2 }]"), at: ":11:13", says: "add up to 0.7" },
    Case { what: "zero operators", edit: ("honesty = 0.9", "operators = 0"), at: ":11:13", says: "at least 1 operator" },
    Case { what: "an operator listed twice", edit: ("honesty = 0.9", "operators = [{ name = \"a\", share = 0.5 }, { name = \"a\", share = 0.5 }]"), at: ":11:13", says: "listed twice" },
    Case { what: "bad hosting entry", edit: ("honesty = 0.9", "hosting = [{ name = \"aws\", sharee = 1 }]"), at: ":11:28", says: "unknown field `sharee`" },
    Case { what: "unknown verification regime", edit: ("[[population]]", "[verification]\nregime = \"magic\"\n[[population]]"), at: ":8:10", says: "unknown variant `magic`" },
    Case { what: "too many replicas", edit: ("[[population]]", "[verification]\nreplicas = 12\n[[population]]"), at: ":8:12", says: "between 1 and 9" },
    Case { what: "unknown auction rule", edit: ("[[population]]", "[fees]\npolicy = \"auction\"\nauction = \"dutch\"\n[[population]]"), at: ":9:11", says: "unknown variant `dutch`" },
];

#[test]
fn malformed_scenarios_are_reported_with_line_and_column() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for case in CASES {
        let text = GOOD.replacen(case.edit.0, case.edit.1, 1);
        assert_ne!(text, GOOD, "{}: the edit applies", case.what);
        let path = tmp.path().join("bad.toml");
        std::fs::write(&path, &text).expect("write");
        let out_dir = tmp.path().join("out");
        let out = Command::new(env!("CARGO_BIN_EXE_mirage"))
            .args([
                "run",
                path.to_str().expect("utf-8"),
                "--out",
                out_dir.to_str().expect("utf-8"),
            ])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: exit code; stderr: {stderr}",
            case.what
        );
        assert!(
            !stderr.contains("panicked"),
            "{}: no panic: {stderr}",
            case.what
        );
        let expected = format!("bad.toml{}", case.at);
        assert!(
            stderr.contains(&expected),
            "{}: expected `{expected}` in: {stderr}",
            case.what
        );
        assert!(
            stderr.contains(case.says),
            "{}: expected `{}` in: {stderr}",
            case.what,
            case.says
        );
        assert!(!out_dir.exists(), "{}: no output directory", case.what);
    }
}

#[test]
fn bad_overrides_name_the_flag() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("good.toml");
    std::fs::write(&path, GOOD).expect("write");
    for (set, says) in [
        ("population.nope.count=3", "no entry named `nope`"),
        ("population.7.count=3", "out of range"),
        ("epochs=-1", "expected a nonzero u32"),
        ("epochz=1", "unknown field `epochz`"),
        ("noequals", "dotted.path=value"),
        ("population.0.honesty=2", "[0, 1]"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_mirage"))
            .args(["validate", path.to_str().expect("utf-8"), "--set", set])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {stderr}");
        assert!(
            stderr.contains(&format!("--set {set}")),
            "{set}: names the flag: {stderr}"
        );
        assert!(
            stderr.contains(says),
            "{set}: expected `{says}` in {stderr}"
        );
    }
}

#[test]
fn missing_file_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(["run", "does/not/exist.toml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does/not/exist.toml"));
}
