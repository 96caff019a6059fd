//! `mirage fund`: the known answers of `/work/shared/guide/references.md`
//! through the command line, the shipped Gitcoin round
//! (`data/real/gitcoin-tegr3/`) under every mechanism, and bad input.

mod common;

use common::{mirage, num, parse, real, write};

const SEVEN_DONORS: &str = "donor,project,amount\n\
    a1,A,1\na2,A,1\na3,A,1\na4,A,1\nb1,B,4\nc1,C,9\nc2,C,1\n";

fn matches(stdout: &str) -> Vec<(String, f64, f64)> {
    let (header, rows) = parse(stdout);
    assert_eq!(header, ["project", "donations", "match"]);
    rows.iter()
        .map(|r| (r[0].clone(), num(&r[1]), num(&r[2])))
        .collect()
}

#[test]
fn standard_known_answer() {
    // references.md: A 12, B 0, C 6; pool 9 with a 50% cap → 4.5, 0, 4.5.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = write(dir.path(), "donations.csv", SEVEN_DONORS);
    assert_eq!(
        mirage(&["fund", &d]).ok(),
        "project,donations,match\nA,4,12\nB,4,0\nC,10,6\n"
    );
    assert_eq!(
        mirage(&["fund", &d, "--pool", "9", "--cap", "0.5"]).ok(),
        "project,donations,match\nA,4,4.5\nB,4,0\nC,10,4.5\n"
    );
}

#[test]
fn repeated_donations_are_summed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = write(
        dir.path(),
        "donations.csv",
        "donor,project,amount\na1,A,0.5\na2,A,1\na1,A,0.5\nb1,B,4\n",
    );
    // A: two donors with totals 1 and 1 → (1 + 1)² − 2 = 2.
    assert_eq!(
        mirage(&["fund", &d]).ok(),
        "project,donations,match\nA,2,2\nB,4,0\n"
    );
}

#[test]
fn pairwise_known_answer() {
    // references.md: pairwise M = 25 → A ≈ 5.769231, C ≈ 2.678571.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = write(dir.path(), "donations.csv", SEVEN_DONORS);
    let rows = matches(mirage(&["fund", &d, "--mechanism", "pairwise", "--m", "25"]).ok());
    assert_eq!(rows[0].0, "A");
    assert!((rows[0].2 - 5.769231).abs() < 5e-7, "{rows:?}");
    assert_eq!(rows[1].2, 0.0);
    assert!((rows[2].2 - 2.678571).abs() < 5e-7, "{rows:?}");
}

#[test]
fn cluster_known_answer() {
    // references.md: four wallets × 1 to one project; one cluster → 0,
    // each its own cluster → 12.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = write(
        dir.path(),
        "donations.csv",
        "donor,project,amount\nw1,P,1\nw2,P,1\nw3,P,1\nw4,P,1\n",
    );
    let one = write(
        dir.path(),
        "one.csv",
        "donor,cluster\nw1,g\nw2,g\nw3,g\nw4,g\n",
    );
    let own = write(
        dir.path(),
        "own.csv",
        "donor,cluster,weight\nw1,g1,1\nw2,g2,1\nw3,g3,2\nw4,g4,0.5\n",
    );
    for mech in ["cluster", "cocm"] {
        assert_eq!(
            mirage(&["fund", &d, "--mechanism", mech, "--clusters", &one]).ok(),
            "project,donations,match\nP,4,0\n"
        );
        let rows = matches(mirage(&["fund", &d, "--mechanism", mech, "--clusters", &own]).ok());
        assert!((rows[0].2 - 12.0).abs() < 1e-12, "{mech}: {rows:?}");
    }
}

#[test]
fn cocm_hand_derived_case() {
    // The case derived in tests/funding.rs (`cocm_hand_derived`): harsh → 9.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = write(
        dir.path(),
        "donations.csv",
        "donor,project,amount\nd0,X,4\nd1,X,9\nd2,X,16\n",
    );
    let c = write(
        dir.path(),
        "clusters.csv",
        "donor,cluster\nd0,g0\nd1,g1\nd2,g0\nd2,g1\n",
    );
    let rows = matches(mirage(&["fund", &d, "--mechanism", "cocm", "--clusters", &c]).ok());
    assert!((rows[0].2 - 9.0).abs() < 1e-12, "{rows:?}");
    let rows = matches(
        mirage(&[
            "fund",
            &d,
            "--mechanism",
            "cocm",
            "--clusters",
            &c,
            "--harsh",
            "false",
        ])
        .ok(),
    );
    assert!(
        (rows[0].2 - 2.0 * 52.25f64.sqrt()).abs() < 1e-12,
        "{rows:?}"
    );
}

#[test]
fn numeric_project_ids_sort_numerically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = write(
        dir.path(),
        "donations.csv",
        "donor,project,amount\na,10,1\nb,9,1\nc,100,1\n",
    );
    let rows = matches(mirage(&["fund", &d]).ok());
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids, ["9", "10", "100"]);
}

/// The shipped Gitcoin round (TEGR3: 1,672 donations, 530 donors, 20
/// projects): every mechanism pays exactly the pool, rows are sorted, the
/// donations column matches the file, and a cap holds.
#[test]
fn real_gitcoin_round_invariants() {
    let donations = real("gitcoin-tegr3/donations.csv");
    let clusters = real("gitcoin-tegr3/clusters.csv");
    let text = std::fs::read_to_string(&donations).expect("read donations");
    let file_total: f64 = text
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').next())
        .map(num)
        .sum();
    let runs: Vec<Vec<&str>> = vec![
        vec!["--mechanism", "standard"],
        vec!["--mechanism", "pairwise"],
        vec!["--mechanism", "cluster"],
        vec!["--mechanism", "cluster", "--clusters", &clusters],
        vec!["--mechanism", "cocm"],
        vec!["--mechanism", "cocm", "--clusters", &clusters],
        vec![
            "--mechanism",
            "cocm",
            "--style",
            "pct_friends",
            "--harsh",
            "false",
        ],
        vec!["--mechanism", "standard", "--cap", "0.1"],
        vec!["--mechanism", "cocm", "--cap", "0.1"],
    ];
    for extra in runs {
        let mut args = vec!["fund", donations.as_str(), "--pool", "100000"];
        args.extend(extra.iter().copied());
        let rows = matches(mirage(&args).ok());
        assert_eq!(rows.len(), 20, "{extra:?}");
        let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "{extra:?}: unsorted {ids:?}"
        );
        let paid: f64 = rows.iter().map(|r| r.2).sum();
        assert!((paid - 100_000.0).abs() < 1e-6, "{extra:?}: paid {paid}");
        assert!(rows.iter().all(|r| r.2 >= 0.0));
        let given: f64 = rows.iter().map(|r| r.1).sum();
        assert!(
            (given - file_total).abs() < 1e-6 * file_total,
            "{given} vs {file_total}"
        );
        if extra.contains(&"--cap") {
            assert!(
                rows.iter().all(|r| r.2 <= 10_000.0 + 1e-6),
                "{extra:?}: {rows:?}"
            );
        }
    }
}

#[test]
fn bad_input_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            "missing.csv",
            "donor,project,amt\na,A,1\n",
            vec![":1:", "missing column `amount`"],
        ),
        (
            "negative.csv",
            "donor,project,amount\na,A,1\nb,A,-2\n",
            vec![":3:", "negative"],
        ),
        (
            "text.csv",
            "donor,project,amount\na,A,lots\n",
            vec![":2:", "`lots` is not a number"],
        ),
        (
            "nan.csv",
            "donor,project,amount\na,A,NaN\n",
            vec![":2:", "not a finite number"],
        ),
        ("empty.csv", "", vec![":1:", "empty file"]),
        (
            "header.csv",
            "donor,project,amount\n",
            vec![":1:", "no data rows"],
        ),
        (
            "short.csv",
            "donor,project,amount\na,A\n",
            vec![":2:", "missing value for `amount`"],
        ),
        (
            "blankid.csv",
            "donor,project,amount\n,A,1\n",
            vec![":2:", "missing value for `donor`"],
        ),
    ];
    for (name, contents, needles) in cases {
        let path = write(dir.path(), name, contents);
        let mut all = needles.clone();
        all.push(name);
        mirage(&["fund", &path]).fails_with(&all);
    }
    mirage(&["fund", &dir.path().join("absent.csv").to_string_lossy()]).fails_with(&["absent.csv"]);
}

#[test]
fn bad_clusters_and_flags_fail_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = write(dir.path(), "donations.csv", SEVEN_DONORS);
    let partial = write(dir.path(), "partial.csv", "donor,cluster\na1,g\na2,g\n");
    mirage(&["fund", &d, "--mechanism", "cluster", "--clusters", &partial]).fails_with(&[
        "partial.csv",
        "donor `a3`",
        "donations.csv:4",
    ]);
    let weights = write(dir.path(), "weights.csv", "donor,cluster,weight\na1,g,x\n");
    mirage(&["fund", &d, "--mechanism", "cocm", "--clusters", &weights])
        .fails_with(&["weights.csv:2:", "weight `x`"]);
    let zero = write(
        dir.path(),
        "zero.csv",
        "donor,cluster,weight\na1,g,1\na2,g,1\na3,g,1\na4,g,0\nb1,g,1\nc1,g,1\nc2,g,1\n",
    );
    mirage(&["fund", &d, "--mechanism", "cocm", "--clusters", &zero]).fails_with(&[
        "zero.csv",
        "donor `a4`",
        "zero membership",
    ]);

    mirage(&["fund", &d, "--mechanism", "quadratic"]).fails_with(&["quadratic"]);
    mirage(&["fund", &d, "--mechanism", "cocm", "--harsh", "maybe"]).fails_with(&["maybe"]);
    mirage(&["fund", &d, "--mechanism", "cocm", "--style", "nope"]).fails_with(&["nope"]);
    mirage(&["fund", &d, "--pool", "10", "--cap", "1.5"]).fails_with(&["--cap"]);
    mirage(&["fund", &d, "--pool", "10", "--cap", "0"]).fails_with(&["--cap"]);
    mirage(&["fund", &d, "--cap", "0.5"]).fails_with(&["--pool"]);
    mirage(&["fund", &d, "--pool", "inf"]).fails_with(&["--pool"]);
    mirage(&["fund", &d, "--mechanism", "pairwise", "--m", "0"]).fails_with(&["--m"]);
    mirage(&["fund", &d, "--pool", "ten"]).fails_with(&["ten"]);
}
