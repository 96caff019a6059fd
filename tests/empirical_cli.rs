//! `mirage run` with empirical distributions: the shipped
//! `scenarios/crv-holders.toml` gives its holders the CRV file's balances
//! in order; its resolved scenario reruns identically from another working
//! directory and refuses a changed data file; errors name the scenario's
//! place and the data file's line; a sweep reads the file too.

mod support;

use std::path::Path;
use std::process::Command;

use support::{mirage, text};

fn run_in(cwd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("mirage runs")
}

#[test]
fn crv_holders_take_the_files_balances_in_order() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("crv");
    let args = [
        "run",
        "scenarios/crv-holders.toml",
        "--out",
        out.to_str().expect("utf-8"),
        "--no-dashboard",
        "--set",
        "epochs=1",
    ];
    let result = mirage(&args);
    assert!(result.status.success(), "{}", text(&result.stderr));
    // Each holder's balance is the file's balance / 1000, truncated to 6
    // decimals (exchange moves at most a few tokens in one epoch).
    let data = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/real/curve-crv-top1000/holders.csv"),
    )
    .expect("data");
    let first: Vec<&str> = data.lines().nth(1).expect("row").split(',').collect();
    assert_eq!(first[1], "905329514.74142194");
    let agents = std::fs::read_to_string(out.join("agents.csv")).expect("agents.csv");
    let holders = agents.lines().filter(|l| l.contains(",holder,")).count();
    assert_eq!(holders, 1000);
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).expect("resolved");
    assert!(resolved.contains("sha256 = \""), "{resolved}");
    assert!(
        resolved.contains("curve-crv-top1000/holders.csv"),
        "{resolved}"
    );
}

#[test]
fn resolved_scenario_reruns_from_elsewhere_and_refuses_a_changed_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("d.csv");
    std::fs::write(&data, "who,amount\na,10.5\nb,2.25\nc,0.1234567\n").expect("data");
    let scenario = tmp.path().join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"e\"\nepochs = 3\ninitial_supply = 100\n\n[exchange]\namount = 1\n\n[[population]]\nname = \"h\"\nrole = \"holder\"\ncount = 5\nbalance = { dist = \"empirical\", file = \"d.csv\", column = \"amount\" }\n",
    )
    .expect("scenario");
    let first = tmp.path().join("first");
    let result = mirage(&[
        "run",
        scenario.to_str().expect("utf-8"),
        "--out",
        first.to_str().expect("utf-8"),
        "--no-dashboard",
    ]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    // From another working directory, by the resolved scenario alone.
    let elsewhere = tempfile::tempdir().expect("tmp");
    let resolved = first.join("scenario.resolved.toml");
    let result = run_in(
        elsewhere.path(),
        &[
            "run",
            resolved.to_str().expect("utf-8"),
            "--out",
            "again",
            "--no-dashboard",
        ],
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    for file in ["agents.csv", "epochs.csv", "accounts.csv"] {
        let a = std::fs::read(first.join(file)).expect("first");
        let b = std::fs::read(elsewhere.path().join("again").join(file)).expect("again");
        assert_eq!(a, b, "{file} is identical");
    }
    // A changed data file is refused by the resolved scenario.
    std::fs::write(&data, "who,amount\na,10.5\nb,2.25\nc,9\n").expect("data");
    let result = run_in(
        elsewhere.path(),
        &["run", resolved.to_str().expect("utf-8"), "--out", "third"],
    );
    assert!(!result.status.success());
    let err = text(&result.stderr);
    assert!(
        err.contains("has changed since the scenario recorded it"),
        "{err}"
    );
    assert!(err.contains("scenario.resolved.toml:"), "{err}");
}

#[test]
fn errors_name_the_scenario_and_the_data_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("d.csv"), "who,amount\na,1\nb,1.5.2\n").expect("data");
    let scenario = tmp.path().join("s.toml");
    let write = |file: &str, column: &str| {
        std::fs::write(
            &scenario,
            format!("name = \"e\"\nepochs = 1\ninitial_supply = 100\n\n[[population]]\nname = \"h\"\nrole = \"holder\"\ncount = 2\nbalance = {{ dist = \"empirical\", file = \"{file}\", column = \"{column}\" }}\n"),
        )
        .expect("scenario");
    };
    for (file, column, expected) in [
        ("nope.csv", "amount", "cannot read the data file"),
        (
            "d.csv",
            "balance",
            "no column `balance` (its columns: `who`, `amount`)",
        ),
        ("d.csv", "amount", "d.csv:3: `1.5.2` is not a value >= 0"),
    ] {
        write(file, column);
        let result = mirage(&["validate", scenario.to_str().expect("utf-8")]);
        assert!(!result.status.success());
        let err = text(&result.stderr);
        assert!(
            err.contains("s.toml:9:11: population `h`, `balance`"),
            "{err}"
        );
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn a_sweep_reads_the_data_file_at_every_point() {
    let tmp = tempfile::tempdir().expect("tmp");
    let sweep = tmp.path().join("sweep.toml");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/crv-holders.toml");
    std::fs::write(
        &sweep,
        format!(
            "scenario = \"{}\"\n\n[sweep]\nreplications = 1\n\n[sweep.axes]\n\"population.crv_holders.balance.scale\" = [0.001, 0.0005]\n",
            scenario.display()
        ),
    )
    .expect("sweep");
    let result = mirage(&[
        "sweep",
        sweep.to_str().expect("utf-8"),
        "--dry-run",
        "--set",
        "epochs=2",
    ]);
    assert!(
        result.status.success(),
        "{}{}",
        text(&result.stdout),
        text(&result.stderr)
    );
}
