//! End-to-end tests of the `formula` scheme through the binary: `weight =
//! "work"` on the compute pool reproduces `proportional`'s run byte for
//! byte; a negative weight fails the run (exit code 2, the agent, epoch and
//! pool named, no output directory left); a bad expression is reported at
//! file:line:column inside the expression, or at the `--set` flag, with
//! the column in the expression; `mirage schemes` documents it.

mod support;

use std::path::Path;

use support::{mirage, run_small, text};

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn weight_work_reproduces_proportional_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let proportional = tmp.path().join("proportional");
    let formula = tmp.path().join("formula");
    let out = run_small(
        &proportional,
        &[
            "--quiet",
            "--no-dashboard",
            "--set",
            "reward.compute.scheme=proportional",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run_small(
        &formula,
        &[
            "--quiet",
            "--no-dashboard",
            "--set",
            "reward.compute.scheme=formula",
            "--set",
            "reward.compute.formula.weight=work",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in ["agents.csv", "epochs.csv", "accounts.csv"] {
        let (a, b) = (read(&proportional, file), read(&formula, file));
        assert!(a.len() > 100, "{file} has rows");
        assert!(a == b, "{file} differs between proportional and formula");
    }
    // Something was paid, so the comparison says something.
    let epochs = String::from_utf8(read(&formula, "epochs.csv")).expect("utf-8");
    assert!(epochs.lines().count() > 10, "{epochs}");
}

#[test]
fn a_negative_weight_fails_the_run_and_leaves_no_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("run");
    let out = run_small(
        &dir,
        &[
            "--quiet",
            "--set",
            "reward.compute.scheme=formula",
            "--set",
            "reward.compute.formula.weight=work - 5",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let epoch: u32 = stderr
        .split("reward scheme `formula` failed in epoch ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the epoch is named: {stderr}"));
    assert!(stderr.contains("weight = \"work - 5\" is -"), "{stderr}");
    assert!(stderr.contains(" for agent "), "{stderr}");
    assert!(
        stderr.contains(&format!("in epoch {epoch} of the compute pool")),
        "{stderr}"
    );
    assert!(!dir.exists(), "a failed run leaves no directory");
}

#[test]
fn a_bad_expression_in_a_file_points_into_the_expression() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("bad.toml");
    let baseline = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
    )
    .expect("baseline");
    let bad = baseline.replace(
        "[reward.data]\n",
        "[reward.data]\nscheme = \"formula\"\nformula = { weight = \"work * (1 +\" }\n",
    );
    let bad = bad.replacen(
        "scheme = \"proportional\"    # pay per accepted dataset\n",
        "",
        1,
    );
    std::fs::write(&path, &bad).expect("write");
    let line = bad
        .lines()
        .position(|l| l.starts_with("formula = {"))
        .expect("the line")
        + 1;
    let out = mirage(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    // `formula = { weight = "` is 22 characters; the error is at the end
    // of the expression, column 12 of it.
    let column = 22 + 12;
    assert!(
        stderr.contains(&format!(
            "bad.toml:{line}:{column}: [reward.data.formula]: "
        )),
        "{stderr}"
    );
    assert!(stderr.contains("column 12 of the expression"), "{stderr}");
    assert!(stderr.contains("syntax error"), "{stderr}");
    assert!(
        stderr.contains(&format!("| {}^", " ".repeat(column - 1))),
        "{stderr}"
    );
}

#[test]
fn a_bad_expression_from_set_names_the_flag_and_lists_the_names() {
    let out = mirage(&[
        "validate",
        "scenarios/baseline.toml",
        "--set",
        "reward.validation.scheme=formula",
        "--set",
        "reward.validation.formula.weight=sqrt(stak)",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--set reward.validation.scheme=formula --set reward.validation.formula.weight=sqrt(stak): "),
        "{stderr}"
    );
    assert!(stderr.contains("column 6 of the expression"), "{stderr}");
    assert!(stderr.contains("unknown name `stak`"), "{stderr}");
    assert!(
        stderr.contains("names: work, failures, stake, reputation, usage, epoch; functions: sqrt, ln, exp, min, max, abs, if"),
        "{stderr}"
    );
}

#[test]
fn schemes_documents_formula() {
    let out = mirage(&["schemes", "formula"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("formula: "), "{stdout}");
    assert!(
        stdout.contains("[reward.compute], [reward.data], [reward.validation]"),
        "{stdout}"
    );
    assert!(stdout.contains("weight = \"work\""), "{stdout}");
}
