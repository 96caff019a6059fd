//! `mirage votes`: hand-computed tallies through the command line (token,
//! quadratic, one-holder, quorum, decisive voters), the shipped Compound
//! Governor Bravo export (`data/real/compound-governance/`) with one
//! proposal recomputed independently here, and bad input.

mod common;

use common::{mirage, parse, real, write};
use serde_json::Value;

/// Proposal 1 passes 9 + 4 + 0 for vs 3 against, abstain 25; proposal 2
/// fails 5 for vs 4 + 3 + 2 against; proposal 10 has no `for` power.
const SMALL: &str = "proposal,voter,choice,voting_power\n\
    1,a,for,9\n1,b,for,4\n1,c,for,0\n1,d,against,3\n1,e,abstain,25\n\
    2,a,for,5\n2,b,against,4\n2,c,against,3\n2,d,against,2\n\
    10,a,against,7\n10,b,for,0\n";

fn json(run: &common::Run) -> Value {
    serde_json::from_str(run.ok()).expect("JSON output")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn small(extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "votes.csv", SMALL);
    let mut args = vec!["votes", path.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    json(&mirage(&args))
}

#[test]
fn token_tally_by_hand() {
    let out = small(&["--supply", "100"]);
    let p = &out["proposals"];
    assert_eq!(p.as_array().expect("array").len(), 3);
    // Ordered numerically: 1, 2, 10.
    assert_eq!(
        [&p[0]["proposal"], &p[1]["proposal"], &p[2]["proposal"]],
        ["1", "2", "10"]
    );
    let one = &p[0];
    assert_eq!(one["voters"], 5);
    assert_eq!(
        [
            &one["power_for"],
            &one["power_against"],
            &one["power_abstain"],
            &one["power_cast"]
        ],
        ["13", "3", "25", "41"]
    );
    assert!(close(f(&one["for_share"]), 13.0 / 41.0));
    assert!(close(f(&one["turnout"]), 0.41));
    assert_eq!(one["passed"], true);
    // Sorted 0,3,4,9,25: Σ i·x = 6+12+36+125 = 179; G = (358 − 6·41)/(5·41).
    assert!(close(f(&one["gini"]), 112.0 / 205.0));
    // 25 > 20.5.
    assert_eq!(one["nakamoto"], 1);
    assert!(close(f(&one["top10_share"]), 1.0));
    // Remove 9 → 4 > 3; remove 4 → 0 ≤ 3: two voters.
    assert_eq!(one["decisive_voters"], 2);
    // Proposal 2 fails (5 ≤ 9): remove 4 → 5 < 5? no; remove 3 → 2 < 5.
    assert_eq!(p[1]["passed"], false);
    assert_eq!(p[1]["decisive_voters"], 2);
    // Proposal 10: nothing for, unflippable; nakamoto 1 (7 > 3.5).
    assert_eq!(p[2]["passed"], false);
    assert_eq!(p[2]["decisive_voters"], Value::Null);
    assert_eq!(p[2]["nakamoto"], 1);

    let s = &out["summary"];
    assert_eq!(s["proposals"], 3);
    assert_eq!(s["ballots"], 11);
    assert_eq!(s["voters"], 5);
    assert_eq!(s["passed"], 1);
    assert_eq!(s["unflippable"], 1);
    // Turnouts 0.41, 0.14, 0.07.
    assert!(close(f(&s["median_turnout"]), 0.14));
    assert_eq!(s["median_decisive_voters"], 2.0);
}

#[test]
fn quorum_counts_in_decisive_voters() {
    // Quorum 10: proposal 1 (13 for) passes; removing 9 leaves 4 < 10.
    let out = small(&["--quorum", "10"]);
    let one = &out["proposals"][0];
    assert_eq!(one["passed"], true);
    assert_eq!(one["decisive_voters"], 1);
    // Quorum 14: 13 < 14 fails and nothing can flip it.
    let out = small(&["--quorum", "14"]);
    let one = &out["proposals"][0];
    assert_eq!(one["passed"], false);
    assert_eq!(one["decisive_voters"], Value::Null);
    // Quorum 13 exactly: passes (for ≥ quorum).
    assert_eq!(small(&["--quorum", "13"])["proposals"][0]["passed"], true);
}

#[test]
fn quadratic_and_one_holder_by_hand() {
    let q = small(&["--method", "quadratic", "--supply", "100"]);
    let one = &q["proposals"][0];
    // √: for 3 + 2 + 0 = 5, against √3, abstain 5.
    assert_eq!(one["power_for"], "5");
    assert_eq!(one["power_against"], "1.732050807568877293527446341505");
    assert_eq!(one["power_cast"], "11.732050807568877293527446341505");
    assert_eq!(one["passed"], true);
    // Turnout stays in tokens.
    assert!(close(f(&one["turnout"]), 0.41));
    // Remove 3 → 2 > √3; remove 2 → 0: two voters.
    assert_eq!(one["decisive_voters"], 2);
    // Proposal 2: √5 ≈ 2.236 vs 2 + 1.732 + 1.414 = 5.146: remove 2 →
    // 3.146 ≥ 2.236; remove √3 → 1.414 < 2.236: two voters.
    assert_eq!(q["proposals"][1]["decisive_voters"], 2);
    assert_eq!(q["summary"]["method"], "quadratic");

    let h = small(&["--method", "one_holder"]);
    let one = &h["proposals"][0];
    // Ballots with power > 0 weigh 1: for 2 (c has 0), against 1, abstain 1.
    assert_eq!(
        [
            &one["power_for"],
            &one["power_against"],
            &one["power_abstain"],
            &one["power_cast"]
        ],
        ["2", "1", "1", "4"]
    );
    assert_eq!(one["voters"], 5);
    assert_eq!(one["passed"], true);
    // Weights 0,1,1,1,1: G = (2·14 − 6·4)/(5·4) = 0.2.
    assert!(close(f(&one["gini"]), 0.2));
    // 1 + 1 + 1 = 3 > 2.
    assert_eq!(one["nakamoto"], 3);
    // Remove one for voter: 1 ≤ 1.
    assert_eq!(one["decisive_voters"], 1);
    // Proposal 2: 1 vs 3: remove two against → 1 < 1? no; three → 0 < 1.
    assert_eq!(h["proposals"][1]["decisive_voters"], 3);
}

#[test]
fn csv_and_table_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "votes.csv", SMALL);
    let run = mirage(&["votes", &path, "--format", "csv"]);
    let (header, rows) = parse(run.ok());
    assert_eq!(
        header,
        [
            "proposal",
            "voters",
            "power_for",
            "power_against",
            "power_abstain",
            "power_cast",
            "for_share",
            "turnout",
            "passed",
            "gini",
            "nakamoto",
            "top10_share",
            "decisive_voters"
        ]
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][..6], ["1", "5", "13", "3", "25", "41"]);
    // No --supply: turnout empty; proposal 10 unflippable: empty.
    assert_eq!(rows[0][7], "");
    assert_eq!(rows[0][8], "true");
    assert_eq!(rows[2][12], "");
    let table = mirage(&["votes", &path, "--format", "table"]);
    assert!(table.ok().contains("decisive_voters"));
    assert!(table.ok().contains("median_decisive_voters"));
}

/// One Compound proposal's figures, recomputed from the raw file with
/// integer arithmetic (independently of the crate).
struct Hand {
    voters: usize,
    f: u128,
    a: u128,
    ab: u128,
    nakamoto: usize,
    top10: u128,
    gini: f64,
    decisive: Option<usize>,
}

fn by_hand(rows: &[(String, u128)], quorum: u128) -> Hand {
    let sum = |c: &str| -> u128 { rows.iter().filter(|r| r.0 == c).map(|r| r.1).sum() };
    let (f, a, ab) = (sum("for"), sum("against"), sum("abstain"));
    let cast = f + a + ab;
    let mut all: Vec<u128> = rows.iter().map(|r| r.1).collect();
    all.sort_unstable_by(|x, y| y.cmp(x));
    let mut top = 0;
    let nakamoto = all
        .iter()
        .position(|&x| {
            top += x;
            2 * top > cast
        })
        .expect("defined")
        + 1;
    let top10 = all.iter().take(10).sum();
    let n = all.len() as f64;
    let asc: Vec<f64> = all.iter().rev().map(|&x| x as f64).collect();
    let total: f64 = asc.iter().sum();
    let ranked: f64 = asc
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 + 1.0) * x)
        .sum();
    let gini = (2.0 * ranked - (n + 1.0) * total) / (n * total);
    let passes = |f: u128, a: u128| f > a && f >= quorum;
    let side = |c: &str| {
        let mut v: Vec<u128> = rows.iter().filter(|r| r.0 == c).map(|r| r.1).collect();
        v.sort_unstable_by(|x, y| y.cmp(x));
        v
    };
    let decisive = if passes(f, a) {
        let mut rest = f;
        side("for").iter().position(|&x| {
            rest -= x;
            !passes(rest, a)
        })
    } else if f == 0 || f < quorum {
        None
    } else {
        let mut rest = a;
        side("against").iter().position(|&x| {
            rest -= x;
            passes(f, rest)
        })
    };
    Hand {
        voters: rows.len(),
        f,
        a,
        ab,
        nakamoto,
        top10,
        gini,
        decisive: decisive.map(|k| k + 1),
    }
}

const SUPPLY: &str = "10000000000000000000000000";
const QUORUM: u128 = 400_000_000_000_000_000_000_000;

#[test]
fn compound_governance() {
    let votes = real("compound-governance/votes.csv");
    let proposals = real("compound-governance/proposals.csv");
    let run = mirage(&[
        "votes",
        &votes,
        "--supply",
        SUPPLY,
        "--proposals",
        &proposals,
        "--format",
        "json",
    ]);
    let out = json(&run);
    // proposals.csv lists 98 proposals; 8 have no ballots.
    assert!(run.stderr.contains("8 proposal(s)"), "{}", run.stderr);
    let s = &out["summary"];
    // data/real/README.md: 7,733 ballots by 2,710 addresses on 90 proposals.
    assert_eq!(s["proposals"], 90);
    assert_eq!(s["ballots"], 7733);
    assert_eq!(s["voters"], 2710);
    // Every executed proposal passes the Bravo rule with its quorum.
    assert_eq!(s["executed_not_passed"], 0);
    // Median turnout ≈ 7.3% of the 10 M COMP supply.
    let median = f(&s["median_turnout"]);
    assert!((0.072..0.074).contains(&median), "{median}");
    // Messias et al.: proposals pass with ~89% in favour on average.
    let mean_for = f(&s["mean_for_share"]);
    assert!((0.85..0.93).contains(&mean_for), "{mean_for}");

    // Proposal 64, recomputed from the raw rows.
    let text = std::fs::read_to_string(&votes).expect("read votes");
    let rows: Vec<(String, u128)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0] == "64").then(|| (c[2].to_string(), c[3].parse().expect("integer power")))
        })
        .collect();
    let hand = by_hand(&rows, QUORUM);
    let p = out["proposals"]
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["proposal"] == "64")
        .expect("proposal 64");
    assert_eq!(p["voters"], hand.voters);
    assert_eq!(p["power_for"], hand.f.to_string());
    assert_eq!(p["power_against"], hand.a.to_string());
    assert_eq!(p["power_abstain"], hand.ab.to_string());
    let cast = hand.f + hand.a + hand.ab;
    assert_eq!(p["power_cast"], cast.to_string());
    assert!(close(f(&p["for_share"]), hand.f as f64 / cast as f64));
    assert!(close(f(&p["turnout"]), cast as f64 / 1e25));
    assert_eq!(p["passed"], hand.f > hand.a && hand.f >= QUORUM);
    assert!((f(&p["gini"]) - hand.gini).abs() < 1e-9);
    assert_eq!(p["nakamoto"], hand.nakamoto);
    assert!(close(f(&p["top10_share"]), hand.top10 as f64 / cast as f64));
    match hand.decisive {
        Some(k) => assert_eq!(p["decisive_voters"], k),
        None => assert_eq!(p["decisive_voters"], Value::Null),
    }
    assert_eq!(p["status"], "executed");
}

#[test]
fn compound_under_other_methods() {
    let votes = real("compound-governance/votes.csv");
    let token = json(&mirage(&["votes", &votes, "--format", "json"]));
    let quad = json(&mirage(&[
        "votes",
        &votes,
        "--method",
        "quadratic",
        "--format",
        "json",
    ]));
    let holder = json(&mirage(&[
        "votes",
        &votes,
        "--method",
        "one_holder",
        "--format",
        "json",
    ]));
    // Flattening the weights lowers concentration on average.
    let gini = |v: &Value| f(&v["summary"]["mean_gini"]);
    assert!(gini(&quad) < gini(&token));
    assert!(gini(&holder) < gini(&quad));
    // One holder, one vote: power_for counts ballots with power > 0.
    let text = std::fs::read_to_string(&votes).expect("read votes");
    let for_43 = text
        .lines()
        .filter(|l| l.starts_with("43,") && l.contains(",for,") && !l.ends_with(",0"))
        .count();
    let p43 = &holder["proposals"][0];
    assert_eq!(p43["proposal"], "43");
    assert_eq!(p43["power_for"], for_43.to_string());
}

fn fails(contents: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "votes.csv", contents);
    let run = mirage(&["votes", &path, "--format", "json"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    run.fails_with(needles);
}

#[test]
fn bad_input_names_file_line_and_column() {
    let head = "proposal,voter,choice,voting_power\n";
    fails(
        &format!("{head}1,a,for,1\n1,b,yes,2\n"),
        &["votes.csv:3:3:", "choice", "unknown choice", "yes"],
    );
    fails(
        &format!("{head}1,a,for,-5\n"),
        &["votes.csv:2:4:", "voting_power", "negative"],
    );
    fails(
        &format!("{head}1,a,for,12abc\n"),
        &["votes.csv:2:4:", "not a number"],
    );
    fails(&format!("{head}1,a,for,\n"), &["votes.csv:2:4:", "empty"]);
    fails(
        "proposal,voter,choice\n1,a,for\n",
        &["votes.csv:1:", "missing column", "voting_power"],
    );
    fails("", &["votes.csv", "empty file"]);
    fails(head, &["votes.csv", "no data rows"]);
    fails(
        &format!("{head}1,a,for,1\n1,a,against,2\n"),
        &["votes.csv:3:2:", "already voted", "line 2"],
    );
    fails(
        &format!("{head}1,a,for,1,extra\n"),
        &["votes.csv:2", "malformed CSV"],
    );
}

#[test]
fn bad_flags_and_proposals_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let votes = write(dir.path(), "votes.csv", SMALL);
    let run = mirage(&["votes", &votes, "--supply", "0"]);
    run.fails_with(&["--supply"]);
    let run = mirage(&["votes", &votes, "--quorum", "ten"]);
    run.fails_with(&["--quorum ten", "not a number"]);
    let props = write(
        dir.path(),
        "proposals.csv",
        "proposal,quorum,status\n1,10,executed\n2,x,none\n",
    );
    let run = mirage(&["votes", &votes, "--proposals", &props]);
    run.fails_with(&["proposals.csv:3:2:", "quorum"]);
    let props = write(
        dir.path(),
        "proposals.csv",
        "proposal,quorum,status\n1,10,executed\n2,1,none\n",
    );
    let run = mirage(&["votes", &votes, "--proposals", &props]);
    run.fails_with(&["votes.csv:11:", "proposal `10`", "no row"]);
    let props = write(
        dir.path(),
        "proposals.csv",
        "proposal,quorum,status\n1,10,executed\n2,1,none\n10,0,none\n",
    );
    let out = json(&mirage(&[
        "votes",
        &votes,
        "--proposals",
        &props,
        "--format",
        "json",
    ]));
    // Each proposal's own quorum: 1 passes (13 ≥ 10, decisive 1).
    assert_eq!(out["proposals"][0]["decisive_voters"], 1);
    assert_eq!(out["proposals"][0]["status"], "executed");
    assert_eq!(out["summary"]["executed_not_passed"], 0);
    // --quorum and --proposals together are refused by the parser.
    let run = mirage(&["votes", &votes, "--proposals", &props, "--quorum", "1"]);
    run.fails_with(&["cannot be used with"]);
}
