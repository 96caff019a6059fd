//! Empirical distributions through the runner's loader: the population's
//! genesis values are the data file's (in order, cycling; bootstrap draws
//! only the file's values, the same per seed), exact truncation and
//! `scale`, relative and absolute paths, the recorded sha256, and errors
//! that name the scenario's place and the data file's line.

use std::path::Path;

use mirage_runner::load_scenario;
use mirage_sim::scenario::{parse_scenario, DataFiles, NoFiles};
use mirage_sim::Simulation;

const DATA: &str = "holder,balance,share\na,10.5,0.5\nb,2.25,0.25\nc,0.1234567,1\n";

fn scenario(balance: &str, count: u32) -> String {
    format!(
        "name = \"e\"\nepochs = 1\ninitial_supply = 1000\n\n[[population]]\nname = \"h\"\nrole = \"holder\"\ncount = {count}\nbalance = {balance}\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn genesis_balances(path: &Path, seed: Option<u64>) -> Vec<u64> {
    let loaded = load_scenario(path, seed, &[]).expect("loads");
    let sim = Simulation::new(&loaded.scenario, loaded.scenario.seed).expect("genesis");
    sim.ledger().balances().to_vec()
}

#[test]
fn in_order_reproduces_the_file_and_cycles() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "d.csv", DATA);
    let path = write(
        dir.path(),
        "s.toml",
        &scenario(
            "{ dist = \"empirical\", file = \"d.csv\", column = \"balance\", sample = \"in_order\" }",
            7,
        ),
    );
    // Six decimals: 0.1234567 is truncated toward zero to 0.123456.
    assert_eq!(
        genesis_balances(&path, None),
        vec![10_500_000, 2_250_000, 123_456, 10_500_000, 2_250_000, 123_456, 10_500_000]
    );
}

#[test]
fn scale_multiplies_exactly() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "d.csv", DATA);
    let path = write(
        dir.path(),
        "s.toml",
        &scenario(
            "{ dist = \"empirical\", file = \"d.csv\", column = \"balance\", sample = \"in_order\", scale = 0.1 }",
            3,
        ),
    );
    assert_eq!(
        genesis_balances(&path, None),
        vec![1_050_000, 225_000, 12_345]
    );
}

#[test]
fn bootstrap_draws_only_the_files_values_and_is_deterministic() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "d.csv", DATA);
    let path = write(
        dir.path(),
        "s.toml",
        &scenario(
            "{ dist = \"empirical\", file = \"d.csv\", column = \"balance\" }",
            200,
        ),
    );
    let a = genesis_balances(&path, Some(3));
    assert_eq!(a.len(), 200);
    assert!(a
        .iter()
        .all(|b| [10_500_000, 2_250_000, 123_456].contains(b)));
    for value in [10_500_000, 2_250_000, 123_456] {
        assert!(a.contains(&value), "bootstrap reaches every value");
    }
    assert_eq!(a, genesis_balances(&path, Some(3)), "same seed, same draws");
    assert_ne!(
        a,
        genesis_balances(&path, Some(4)),
        "another seed, other draws"
    );
}

#[test]
fn role_attributes_read_empirical_values_too() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "d.csv", DATA);
    let text = "name = \"e\"\nepochs = 1\ninitial_supply = 1000\n\n[[population]]\nname = \"v\"\nrole = \"validator\"\ncount = 2\naccuracy = { dist = \"empirical\", file = \"d.csv\", column = \"share\" }\n";
    let path = write(dir.path(), "s.toml", text);
    let loaded = load_scenario(&path, None, &[]).expect("loads");
    assert!(Simulation::new(&loaded.scenario, 1).is_ok());
    // A probability attribute refuses values above 1 (the balance column).
    let bad = text.replace("\"share\"", "\"balance\"");
    let path = write(dir.path(), "bad.toml", &bad);
    let err = format!("{:#}", load_scenario(&path, None, &[]).unwrap_err());
    assert!(err.contains("bad.toml:9:"), "{err}");
    assert!(err.contains("`accuracy` must be a probability"), "{err}");
}

#[test]
fn absolute_paths_and_the_recorded_hash() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = write(dir.path(), "d.csv", DATA);
    let other = tempfile::tempdir().expect("tmp");
    let balance = format!(
        "{{ dist = \"empirical\", file = \"{}\", column = \"balance\", sample = \"in_order\" }}",
        data.display()
    );
    let path = write(other.path(), "s.toml", &scenario(&balance, 3));
    let loaded = load_scenario(&path, None, &[]).expect("loads");
    let canonical = std::fs::canonicalize(&data).expect("canonical");
    assert!(
        loaded
            .resolved
            .contains(&format!("file = \"{}\"", canonical.display())),
        "{}",
        loaded.resolved
    );
    assert!(
        loaded.resolved.contains("sha256 = \""),
        "{}",
        loaded.resolved
    );
    // The resolved scenario loads from another directory, identically.
    let resolved = write(other.path(), "resolved.toml", &loaded.resolved);
    assert_eq!(
        genesis_balances(&resolved, None),
        vec![10_500_000, 2_250_000, 123_456]
    );
    // A changed file is refused.
    std::fs::write(&data, DATA.replace("10.5", "11.5")).expect("rewrite");
    let err = format!("{:#}", load_scenario(&resolved, None, &[]).unwrap_err());
    assert!(
        err.contains("has changed since the scenario recorded it"),
        "{err}"
    );
    assert!(err.contains("resolved.toml:"), "{err}");
}

#[test]
fn errors_name_the_scenario_place_and_the_data_line() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "d.csv", "holder,balance\na,1\nb,-2\n");
    write(dir.path(), "x.csv", "holder,balance\na,1\nb,lots\n");
    let cases = [
        ("missing.csv", "balance", "cannot read the data file"),
        (
            "d.csv",
            "amount",
            ":1: no column `amount` (its columns: `holder`, `balance`)",
        ),
        ("d.csv", "balance", "d.csv:3: `-2` is not a value >= 0"),
        ("x.csv", "balance", "x.csv:3: `lots` is not a value >= 0"),
    ];
    for (file, column, expected) in cases {
        let balance =
            format!("{{ dist = \"empirical\", file = \"{file}\", column = \"{column}\" }}");
        let path = write(dir.path(), "s.toml", &scenario(&balance, 2));
        let err = format!("{:#}", load_scenario(&path, None, &[]).unwrap_err());
        assert!(
            err.contains("s.toml:9:11: population `h`, `balance`:"),
            "{err}"
        );
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn text_alone_cannot_resolve_a_data_file() {
    let text = scenario(
        "{ dist = \"empirical\", file = \"d.csv\", column = \"balance\" }",
        2,
    );
    let err = parse_scenario(&text, "t.toml", &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("t.toml:9:11: population `h`, `balance`:"),
        "{err}"
    );
    assert!(err.contains("parsed from text alone"), "{err}");
    let _: &dyn DataFiles = &NoFiles;
}
