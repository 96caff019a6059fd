//! The shipped off-chain compute scenarios end to end (issue 13): the
//! verification sweep's points show what each regime lets through and
//! costs, and its dashboard has the "cost of honesty" section; the
//! Akash-like run writes the work-concentration columns and fairness.json
//! `decentralization` / `verification`.

mod support;

use support::{mirage, read_csv, text};

#[test]
fn the_verification_sweep_shows_the_cost_of_honesty() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("sweep");
    let d = dir.to_str().expect("utf-8");
    let out = mirage(&[
        "sweep",
        "scenarios/compute/verification.toml",
        "--out",
        d,
        "--set",
        "epochs=10",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (header, rows) = read_csv(&dir.join("points.csv"));
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let (regime, cheaters) = (col("verification.regime"), col("population.cheaters.count"));
    let wrong = col("verification.wrong_accepted_share_mean");
    let cost = col("verification.cost_share_of_fees_mean");
    let (ids, ops) = (
        col("decentralization.nakamoto_work_identity_mean"),
        col("decentralization.nakamoto_work_operator_mean"),
    );
    let at = |r: &str, c: &str, k: usize| -> f64 {
        let row = rows
            .iter()
            .find(|row| row[regime] == r && row[cheaters] == c)
            .unwrap_or_else(|| panic!("point {r} × {c}"));
        row[k].parse().expect("number")
    };
    for c in ["1", "15", "40"] {
        assert_eq!(at("zk", c, wrong), 0.0);
        assert_eq!(at("optimistic", c, wrong), 0.0);
        assert!(at("zk", c, cost) > at("redundant", c, cost));
        assert_eq!(at("none", c, cost), 0.0);
    }
    // 40 colluding identities of one operator beat the majority vote, and
    // half the work is done by fewer operators than identities.
    assert!(at("redundant", "40", wrong) > 0.0);
    assert!(at("none", "40", wrong) > at("sampled", "40", wrong));
    assert!(at("none", "40", ops) < at("none", "40", ids));

    let out = mirage(&["dashboard", d]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(dir.join("dashboard.html")).expect("read");
    for needle in [
        "Cost of honesty",
        "Wrong results accepted vs verification cost",
        "Effective decentralization: identities vs operators",
        // The sweep chose its metrics: the first one is the page's metric.
        "Mean verification: wrong accepted share by",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
}

#[test]
fn the_akash_like_run_reports_work_by_identity_operator_and_cloud() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("run");
    let d = dir.to_str().expect("utf-8");
    let out = mirage(&[
        "run",
        "scenarios/compute/akash-like.toml",
        "--out",
        d,
        "--set",
        "epochs=5",
        "--no-dashboard",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (header, rows) = read_csv(&dir.join("epochs.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let last = rows.last().expect("rows");
    let n = |name: &str| -> f64 { last[col(name)].parse().expect(name) };
    assert!(n("nakamoto_work_operator") < n("nakamoto_work_identity"));
    assert!(n("nakamoto_work_hosting") <= n("nakamoto_work_operator"));
    assert!(n("hhi_work_operator") > 0.0 && n("hhi_work_operator") <= 1.0);
    let fairness: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("fairness.json")).expect("fairness.json"),
    )
    .expect("json");
    let dec = &fairness["decentralization"];
    assert!(dec["operators"].as_u64() < dec["identities"].as_u64());
    assert_eq!(fairness["verification"]["regime"], "sampled");
}
