//! Helpers shared by the end-to-end tests: running the binary on a small
//! baseline, and writing synthetic sweep directories (in the format
//! `mirage sweep` writes: runs.csv, sweep.json).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

pub fn mirage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("mirage runs")
}

/// A CSV file's header and rows, as strings.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv opens");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

pub fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// The baseline shrunk to run in a moment in debug builds.
pub const SMALL: &[&str] = &[
    "--set",
    "epochs=40",
    "--set",
    "population.gpu_farms.count=10",
    "--set",
    "population.home_gpus.count=60",
    "--set",
    "population.data_providers.count=80",
    "--set",
    "population.validators.count=12",
    "--set",
    "population.retail_traders.count=100",
    "--set",
    "population.trend_followers.count=40",
    "--set",
    "population.team_and_investors.count=8",
    "--set",
    "population.team_and_investors.cliff_epochs=10",
    "--set",
    "demand.tasks_per_epoch=900",
];

/// Runs the small baseline into `dir`.
pub fn run_small(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "scenarios/baseline.toml",
        "--out",
        dir.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(SMALL);
    args.extend_from_slice(extra);
    mirage(&args)
}

/// Writes a sweep over the cartesian product of `axes` with `reps`
/// replications; returns the number of runs.
pub fn write_sweep(dir: &Path, axes: &[(&str, Vec<String>)], reps: usize) -> usize {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut s = String::from("run_id,point_id,replication,seed");
    for (name, _) in axes {
        write!(s, ",{name}").expect("fmt");
    }
    s.push_str(",gini_wealth,nakamoto_wealth,gini_rewards,misallocation,price,active_agents\n");
    let points: usize = axes.iter().map(|a| a.1.len()).product();
    let mut run = 0usize;
    for p in 0..points {
        let mut rest = p;
        let mut at = Vec::new();
        for (_, values) in axes {
            at.push(rest % values.len());
            rest /= values.len();
        }
        for r in 0..reps {
            write!(s, "r{run},p{p},{r},{}", 1000 + run).expect("fmt");
            for ((_, values), &i) in axes.iter().zip(&at) {
                write!(s, ",{}", values[i]).expect("fmt");
            }
            let base: f64 = at
                .iter()
                .enumerate()
                .map(|(k, &i)| 0.04 * (k + 1) as f64 * i as f64)
                .sum();
            let noise = ((run * 7919) % 101) as f64 / 1500.0;
            writeln!(
                s,
                ",{:.6},{},{:.6},{:.6},{:.6},{}",
                0.7 + noise,
                10 + run % 7,
                0.2 + base + noise,
                0.02 + noise / 3.0,
                0.05 + base / 10.0,
                4000 + run % 100
            )
            .expect("fmt");
            run += 1;
        }
    }
    std::fs::write(dir.join("runs.csv"), s).expect("write");
    let names: Vec<String> = axes
        .iter()
        .map(|a| format!("{{\"path\": \"{}\"}}", a.0))
        .collect();
    std::fs::write(
        dir.join("sweep.json"),
        format!(
            "{{\"version\": \"0.1.0\", \"axes\": [{}]}}",
            names.join(", ")
        ),
    )
    .expect("write");
    run
}

pub fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A sweep of three reward schemes, four emissions and two join rates.
pub fn scheme_sweep(dir: &Path) -> usize {
    write_sweep(
        dir,
        &[
            (
                "reward.compute.scheme",
                strings(&["proportional", "stake", "quadratic", "yuma"]),
            ),
            (
                "emission.per_epoch",
                strings(&["50000", "100000", "200000", "400000"]),
            ),
            ("churn.join_rate", strings(&["0.01", "0.02"])),
        ],
        5,
    )
}

/// 10,000 runs: 100 × 100 points, one replication each.
pub fn grid_sweep(dir: &Path) -> usize {
    let a: Vec<String> = (1..=100).map(|i| (i * 1000).to_string()).collect();
    let b: Vec<String> = (0..100)
        .map(|i| format!("{:.2}", f64::from(i) / 100.0))
        .collect();
    write_sweep(dir, &[("emission.per_epoch", a), ("fees.burn_share", b)], 1)
}
