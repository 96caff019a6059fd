//! `mirage fit` end to end: the real CRV holder snapshot (numbers checked
//! against scipy), the TOML lines it prints being accepted by the scenario
//! loader, `--dist`, `--xmin`, and bad input (exit 2, located message, no
//! panic).

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use support::{mirage, text};

const CRV: &str = "data/real/curve-crv-top1000/holders.csv";

fn json(args: &[&str]) -> Value {
    let mut all = vec!["fit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = mirage(&all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn fit_of<'a>(v: &'a Value, dist: &str) -> &'a Value {
    v["fits"]
        .as_array()
        .expect("fits")
        .iter()
        .find(|f| f["dist"] == dist)
        .unwrap_or_else(|| panic!("no {dist} fit in {v}"))
}

fn close(got: &Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
    assert!(
        ((got - want) / want).abs() < 1e-7,
        "{what}: {got}, expected {want}"
    );
}

/// Expected values from scipy 1.x on the same file (x = the `balance`
/// column as floats): `stats.lognorm.fit(x, floc=0)`, `stats.gamma.fit(x,
/// floc=0)`, `stats.weibull_min.fit(x, floc=0)`, rate = 1/mean, Pareto
/// shape = n / Σ ln(x / min x); KS = `stats.kstest(x, dist.cdf).statistic`,
/// AIC = 2k − 2 Σ `dist.logpdf(x)`.
#[test]
fn crv_holders_match_scipy() {
    let v = json(&[CRV, "--column", "balance"]);
    assert_eq!(v["n"], 1000);
    assert_eq!(v["fits"].as_array().expect("fits").len(), 5);
    assert_eq!(v["best"], "pareto");
    let ks: Vec<f64> = v["fits"]
        .as_array()
        .expect("fits")
        .iter()
        .map(|f| f["ks"].as_f64().expect("ks"))
        .collect();
    assert!(ks.windows(2).all(|w| w[0] <= w[1]), "ranked by KS: {ks:?}");

    let ln = fit_of(&v, "lognormal");
    close(&ln["params"]["mu"], 12.376853405638187, "lognormal mu");
    close(
        &ln["params"]["sigma"],
        1.4530448602278627,
        "lognormal sigma",
    );
    close(&ln["ks"], 0.15318761374314088, "lognormal ks");
    close(&ln["aic"], 28342.906394329817, "lognormal aic");

    let pa = fit_of(&v, "pareto");
    close(&pa["params"]["scale"], 51971.50555334257, "pareto scale");
    close(&pa["params"]["shape"], 0.6585868906964024, "pareto shape");
    close(&pa["ks"], 0.03351767861973892, "pareto ks");
    close(&pa["aic"], 27593.02443935936, "pareto aic");
    assert_eq!(pa["n_tail"], 1000);

    let ga = fit_of(&v, "gamma");
    close(&ga["params"]["shape"], 0.31087298470828595, "gamma shape");
    close(&ga["params"]["scale"], 6924176.869650746, "gamma scale");
    close(&ga["ks"], 0.28145940610792397, "gamma ks");
    close(&ga["aic"], 29593.868906197873, "gamma aic");
    assert_eq!(ga["toml"], Value::Null);

    let we = fit_of(&v, "weibull");
    close(&we["params"]["shape"], 0.5159404380118018, "weibull shape");
    close(&we["params"]["scale"], 530468.8904592479, "weibull scale");
    close(&we["ks"], 0.2603862402303314, "weibull ks");
    close(&we["aic"], 28911.55125754686, "weibull aic");

    let ex = fit_of(&v, "exponential");
    close(
        &ex["params"]["rate"],
        1.0 / 2152539.5301164035,
        "exponential rate",
    );
    close(&ex["ks"], 0.5674820898226229, "exponential ks");
    close(&ex["aic"], 31166.31775972338, "exponential aic");
}

#[test]
fn printed_lines_are_accepted_by_the_scenario_loader() {
    let v = json(&[CRV, "--column", "balance"]);
    let mut lines = Vec::new();
    for f in v["fits"].as_array().expect("fits") {
        match f["dist"].as_str().expect("dist") {
            "lognormal" | "pareto" => lines.push(f["toml"].as_str().expect("toml").to_string()),
            _ => assert_eq!(f["toml"], Value::Null, "{f}"),
        }
    }
    assert_eq!(lines.len(), 2);
    // The loader's own deserializer (with its parameter checks).
    for line in &lines {
        let parsed: BTreeMap<String, mirage_sim::scenario::DistSpec> =
            toml::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(parsed.contains_key("balance"), "{line}");
    }
    // And a whole scenario through `mirage validate`: the baseline with the
    // retail traders' balances replaced by the lognormal fit (fewer traders,
    // so that the fitted balances fit in the supply).
    let lognormal = lines
        .iter()
        .find(|l| l.contains("lognormal"))
        .expect("lognormal line");
    let baseline = std::fs::read_to_string("scenarios/baseline.toml").expect("baseline");
    let old = r#"balance = { dist = "lognormal", mu = 9.0, sigma = 1.5 }"#;
    assert!(
        baseline.contains(old),
        "the baseline changed: update this test"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, line: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, baseline.replacen(old, line, 1)).expect("write");
        path
    };
    let good = write("fitted.toml", lognormal);
    let set = "population.retail_traders.count=100";
    let out = mirage(&["validate", good.to_str().expect("utf-8"), "--set", set]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The check can fail: a line the schema lacks is rejected.
    let bad = write(
        "gamma.toml",
        r#"balance = { dist = "gamma", shape = 0.3, scale = 7e6 }"#,
    );
    let out = mirage(&["validate", bad.to_str().expect("utf-8"), "--set", set]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown variant `gamma`"));
}

#[test]
fn table_output_names_the_fits_and_the_line_to_paste() {
    let out = mirage(&["fit", CRV, "--column", "balance", "--format", "table"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("1000 values"), "{s}");
    assert!(
        s.contains(r#"balance = { dist = "pareto", scale = 51971.5, shape = 0.658587 }"#),
        "{s}"
    );
    assert!(
        s.contains(r#"balance = { dist = "lognormal", mu = 12.3769, sigma = 1.45304 }"#),
        "{s}"
    );
    assert!(
        s.contains("# gamma: the scenario schema has no \"gamma\" distribution yet"),
        "{s}"
    );
    let first = s
        .lines()
        .find(|l| l.starts_with("1 "))
        .expect("a ranked row");
    assert!(first.contains("pareto"), "{s}");
}

#[test]
fn one_distribution_and_a_fixed_or_automatic_xmin() {
    let v = json(&[CRV, "--column", "balance", "--dist", "weibull"]);
    assert_eq!(v["fits"].as_array().expect("fits").len(), 1);
    assert_eq!(v["best"], "weibull");

    let balances: Vec<f64> = std::fs::read_to_string(CRV)
        .expect("csv")
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().expect("cell").parse().expect("number"))
        .collect();
    let above = balances.iter().filter(|&&x| x >= 1e6).count();
    let v = json(&[
        CRV, "--column", "balance", "--dist", "pareto", "--xmin", "1e6",
    ]);
    let pa = fit_of(&v, "pareto");
    assert_eq!(pa["n_tail"], above);
    assert_eq!(pa["params"]["scale"], 1e6);
    let tail_ln: f64 = balances
        .iter()
        .filter(|&&x| x >= 1e6)
        .map(|x| (x / 1e6).ln())
        .sum();
    close(
        &pa["params"]["shape"],
        above as f64 / tail_ln,
        "shape above 1e6",
    );

    let v = json(&[
        CRV, "--column", "balance", "--dist", "pareto", "--xmin", "auto",
    ]);
    let pa = fit_of(&v, "pareto");
    // The top-1000 snapshot is already a tail: the KS-minimising threshold
    // (checked with a scipy scan over every distinct value) is its minimum.
    close(&pa["params"]["scale"], 51971.50555334257, "auto xmin");
    close(&pa["ks"], 0.03351767861973892, "auto ks");
}

fn write_csv(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write");
    path.to_str().expect("utf-8").to_string()
}

fn fails(args: &[&str], needles: &[&str]) {
    let out = mirage(args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "{args:?}: expected {needle:?} in {err}"
        );
    }
}

#[test]
fn bad_input_is_a_located_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let zero = write_csv(d, "zero.csv", "holder,balance\na,5\nb,0\nc,7\n");
    fails(
        &["fit", &zero, "--column", "balance"],
        &[&format!("{zero}:3:"), "\"balance\"", "not positive"],
    );
    let negative = write_csv(d, "neg.csv", "holder,balance\na,5\nb,7\nc,-2\n");
    fails(
        &["fit", &negative, "--column", "balance"],
        &[&format!("{negative}:4:"), "negative"],
    );
    let blank = write_csv(d, "blank.csv", "holder,balance\na,5\nb,\n");
    fails(
        &["fit", &blank, "--column", "balance"],
        &[&format!("{blank}:3:"), "empty cell"],
    );
    let words = write_csv(d, "words.csv", "holder,balance\na,lots\n");
    fails(
        &["fit", &words, "--column", "balance"],
        &[&format!("{words}:2:"), "not a number"],
    );
    let empty = write_csv(d, "empty.csv", "holder,balance\n");
    fails(
        &["fit", &empty, "--column", "balance"],
        &["no data rows", "\"balance\""],
    );
    fails(
        &["fit", CRV, "--column", "stake"],
        &["no column named \"stake\"", "holder, balance"],
    );
    fails(
        &["fit", "no/such.csv", "--column", "balance"],
        &["cannot open"],
    );
    let equal = write_csv(d, "equal.csv", "x\n3\n3\n3\n");
    fails(
        &["fit", &equal, "--column", "x", "--dist", "gamma"],
        &["gamma", "equal"],
    );
    fails(
        &["fit", CRV, "--column", "balance", "--xmin=0"],
        &["--xmin"],
    );
    fails(
        &[
            "fit",
            CRV,
            "--column",
            "balance",
            "--dist",
            "lognormal",
            "--xmin",
            "10",
        ],
        &["--xmin", "pareto"],
    );
    fails(
        &[
            "fit", CRV, "--column", "balance", "--dist", "pareto", "--xmin", "1e12",
        ],
        &["pareto", "xmin"],
    );
}
