//! `mirage conviction`: the 1Hive contract's own unit tests
//! (`test/conviction-voting.js`, "Pure functions") through the command
//! line, the contract's reverts as errors, and inputs that are not exact in
//! its fixed point.

mod common;

use common::mirage;
use serde_json::Value;

/// The contract test's deployment: a = 0.9, β = 0.2, ρ = 0.002, a 20%
/// minimum stake of a 45,000 supply, 15,000 funds, 45,000 staked in all
/// (raw integers: the test's token has 1 decimal but the contract only
/// sees base units).
const BASE: &[&str] = &[
    "conviction",
    "--decay",
    "0.9",
    "--max-ratio",
    "0.2",
    "--weight",
    "0.002",
    "--funds",
    "15000",
    "--total-staked",
    "45000",
    "--supply",
    "45000",
    "--min-threshold-stake",
    "0.2",
    "--format",
    "json",
];

fn run(extra: &[&str]) -> common::Run {
    let mut args = BASE.to_vec();
    args.extend_from_slice(extra);
    mirage(&args)
}

fn json(extra: &[&str]) -> Value {
    serde_json::from_str(run(extra).ok()).expect("JSON output")
}

fn with(base: &[&'static str], flag: &str, value: &'static str) -> Vec<&'static str> {
    let mut args = base.to_vec();
    let at = args.iter().position(|a| *a == flag).expect("flag in BASE");
    args[at + 1] = value;
    args
}

#[test]
fn contract_unit_tests_alpha_0_9() {
    // calculateConviction(10, 0, 15000) == round(15000(1 − 0.9^10)/(1 − 0.9))
    // = 97698; calculateThreshold(1000) == round(45000·0.002/0.1/(0.2 −
    // 1000/15000)²) = 50625.
    let out = run(&[
        "--staked",
        "15000",
        "--prior",
        "0",
        "--blocks",
        "10",
        "--requested",
        "1000",
    ]);
    // Keys in the documented order, numbers as exact decimal strings.
    let compact: String = out.ok().chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(
        compact,
        r#"{"conviction":"97698","threshold":"50625","executable":true}"#
    );
    let y = 15_000.0 * (1.0 - 0.9f64.powi(10)) / (1.0 - 0.9);
    assert_eq!(y.round(), 97_698.0);
    let th = 45_000.0 * 0.002 / 0.1 / (0.2f64 - 1_000.0 / 15_000.0).powi(2);
    assert_eq!(th.round(), 50_625.0);
}

#[test]
fn contract_unit_tests_half_life_three_days() {
    // a = 0.9999599: calculateConviction(17280, 0, 15000) ==
    // round(15000(1 − a^17280)/(1 − a)).
    let args = with(BASE, "--decay", "0.9999599");
    let mut args = args;
    args.extend_from_slice(&[
        "--staked",
        "15000",
        "--prior",
        "0",
        "--blocks",
        "17280",
        "--requested",
        "1",
    ]);
    let out: Value = serde_json::from_str(mirage(&args).ok()).expect("json");
    let a = 0.9999599f64;
    let y = (15_000.0 * (1.0 - a.powi(17_280)) / (1.0 - a)).round();
    assert_eq!(out["conviction"], format!("{y}"));
}

#[test]
fn executable_only_when_conviction_exceeds_the_threshold() {
    // One block from 0: conviction 15,000 < 50,625.
    let out = json(&[
        "--staked",
        "15000",
        "--prior",
        "0",
        "--blocks",
        "1",
        "--requested",
        "1000",
    ]);
    assert_eq!(out["conviction"], "15000");
    assert_eq!(out["executable"], false);
    // Zero blocks keep the prior conviction; equal to the threshold is not
    // enough (strictly greater).
    let out = json(&[
        "--staked",
        "1",
        "--prior",
        "50625",
        "--blocks",
        "0",
        "--requested",
        "1000",
    ]);
    assert_eq!(out["conviction"], "50625");
    assert_eq!(out["executable"], false);
    // A request of 0 still prints calculateThreshold(0), with a note.
    let r = run(&[
        "--staked",
        "15000",
        "--prior",
        "0",
        "--blocks",
        "10",
        "--requested",
        "0",
    ]);
    let out: Value = serde_json::from_str(r.ok()).expect("json");
    // 45000·0.002/0.1/0.2² = 22,500.
    assert_eq!(out["threshold"], "22500");
    assert!(r.stderr.contains("signaling"), "{}", r.stderr);
    // Without --supply and --min-threshold-stake there is no floor: S is
    // the 10,000 staked.
    let args = [
        "conviction",
        "--decay",
        "0.9",
        "--max-ratio",
        "0.2",
        "--weight",
        "0.002",
        "--funds",
        "15000",
        "--total-staked",
        "10000",
        "--staked",
        "0",
        "--prior",
        "0",
        "--blocks",
        "0",
        "--requested",
        "0",
        "--format",
        "table",
    ];
    let table = mirage(&args);
    // 10000·0.002/0.1/0.04 = 5,000.
    assert!(table.ok().contains("threshold   5000"), "{}", table.stdout);
}

const FLOW: &[&str] = &["--staked", "15000", "--prior", "0", "--blocks", "10"];

fn reverts(args: &[&str], needles: &[&str]) {
    let r = mirage(args);
    assert_eq!(r.code, Some(2), "{} {}", r.stdout, r.stderr);
    r.fails_with(needles);
}

#[test]
fn reverts_exit_non_zero_with_the_reason() {
    let mut base = BASE.to_vec();
    base.extend_from_slice(FLOW);
    // β·funds = 3,000: requesting 3,000 (or more) reverts, 2,999 does not.
    let mut at = base.clone();
    at.extend_from_slice(&["--requested", "3000"]);
    reverts(&at, &["reverts", "CV_AMOUNT_OVER_MAX_RATIO", "max ratio"]);
    let mut below = base.clone();
    below.extend_from_slice(&["--requested", "2999"]);
    mirage(&below).ok();
    // Zero funds.
    let mut empty = with(&base, "--funds", "0");
    empty.extend_from_slice(&["--requested", "0"]);
    reverts(&empty, &["reverts", "funds are zero"]);
    // Decay 1 and above.
    for decay in ["1", "1.5"] {
        let mut d = with(&base, "--decay", decay);
        d.extend_from_slice(&["--requested", "1000"]);
        reverts(&d, &["reverts", "_pow", "decay", "≥ 1"]);
    }
    // Overflow: the stake times D exceeds 2^256 − 1.
    let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    let mut huge = with(&base, "--staked", max);
    huge.extend_from_slice(&["--requested", "1000"]);
    reverts(&huge, &["reverts", "overflow", "_oldAmount.mul(D)"]);
    // Overflow in the threshold: funds times β.
    let mut rich = with(&base, "--funds", max);
    rich.extend_from_slice(&["--requested", "1"]);
    reverts(&rich, &["reverts", "overflow", "maxRatio.mul(funds)"]);
}

#[test]
fn inputs_must_be_exact_in_the_contracts_fixed_point() {
    let mut base = BASE.to_vec();
    base.extend_from_slice(FLOW);
    base.extend_from_slice(&["--requested", "1000"]);
    for (flag, value) in [
        ("--decay", "0.12345678"),
        ("--max-ratio", "0.20000001"),
        ("--weight", "0.00200001"),
        ("--min-threshold-stake", "0.2000000000000000001"),
    ] {
        let r = mirage(&with(&base, flag, value));
        assert_eq!(r.code, Some(2));
        r.fails_with(&[flag, "decimal places"]);
    }
    // Trailing zeros are exact.
    mirage(&with(&base, "--decay", "0.90000000")).ok();
    for (flag, value) in [
        ("--staked", "1.5"),
        ("--staked", "-1"),
        ("--funds", "1e6"),
        (
            "--total-staked",
            "115792089237316195423570985008687907853269984665640564039457584007913129639936",
        ),
        ("--blocks", "18446744073709551616"),
        ("--decay", "abc"),
    ] {
        let r = mirage(&with(&base, flag, value));
        assert_eq!(r.code, Some(2), "{flag} {value}");
        r.fails_with(&[flag]);
    }
    // --supply and --min-threshold-stake go together.
    let r = mirage(&[
        "conviction",
        "--decay",
        "0.9",
        "--max-ratio",
        "0.2",
        "--weight",
        "0.002",
        "--funds",
        "15000",
        "--total-staked",
        "45000",
        "--supply",
        "45000",
        "--staked",
        "1",
        "--prior",
        "0",
        "--blocks",
        "1",
        "--requested",
        "1",
    ]);
    r.fails_with(&["--min-threshold-stake"]);
}
