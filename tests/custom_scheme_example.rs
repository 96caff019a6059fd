//! `examples/custom_scheme.rs` runs as a user would run it: its code is
//! compiled into this test (so the test needs no second cargo invocation)
//! and called on a small baseline; square-root stake weighting must pay
//! validators more equally than `stake`, and each call writes its series
//! into a fresh directory.

#[allow(dead_code)]
#[path = "../examples/custom_scheme.rs"]
mod example;

mod support;

#[test]
fn sqrt_stake_pays_validators_more_equally_than_stake() {
    let small: Vec<&str> = support::SMALL
        .iter()
        .copied()
        .filter(|a| *a != "--set")
        .collect();
    let first = example::compare(&small).expect("the example runs");
    assert_eq!(first.stake.len(), 40);
    assert_eq!(first.sqrt_stake.len(), 40);
    let (stake, sqrt) = (
        first.stake.last().expect("epochs"),
        first.sqrt_stake.last().expect("epochs"),
    );
    assert!(
        sqrt.gini_rewards < stake.gini_rewards,
        "sqrt {sqrt:?} vs stake {stake:?}"
    );
    assert!(
        sqrt.nakamoto_wealth >= stake.nakamoto_wealth,
        "{sqrt:?} vs {stake:?}"
    );
    let csv = std::fs::read_to_string(&first.csv).expect("the series were written");
    assert_eq!(csv.lines().count(), 41, "{csv}");
    assert!(csv.starts_with("epoch,gini_wealth_stake,"), "{csv}");
    let report = example::report(&first);
    assert!(report.contains("Nakamoto coefficient"), "{report}");
    assert!(
        report.contains(&first.csv.display().to_string()),
        "{report}"
    );
    // A second run writes elsewhere, leaving the first untouched.
    let second = example::compare(&small).expect("runs again");
    assert_ne!(first.csv, second.csv);
    assert_eq!(
        std::fs::read_to_string(&second.csv).expect("written"),
        csv,
        "same seed, same series"
    );
    for c in [&first, &second] {
        if let Some(dir) = c.csv.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
