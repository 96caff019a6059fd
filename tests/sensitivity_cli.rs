//! End-to-end tests of the sensitivity designs (`design = "morris"` and
//! `"sobol"` in `[sweep]`) and of `mirage sensitivity` on the shipped
//! baseline shrunk to run in a moment: the designs' documented layouts in
//! runs.csv, sensitivity.csv's rows, a sharded sweep merged giving the same
//! file as the unsharded one, the tornado charts in the dashboard, and the
//! errors (another design, a multi-value list axis, an integer range off
//! the Morris grid, missing runs); integer axes and a pool share whose
//! siblings are rescaled in a Sobol' sweep.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::text;

/// Shrinks the baseline (10 short epochs, a few dozen agents).
const SMALL: &[&str] = &[
    "--set",
    "epochs=10",
    "--set",
    "population.gpu_farms.count=10",
    "--set",
    "population.home_gpus.count=20",
    "--set",
    "population.data_providers.count=20",
    "--set",
    "population.validators.count=5",
    "--set",
    "population.retail_traders.count=20",
    "--set",
    "population.trend_followers.count=10",
    "--set",
    "population.team_and_investors.count=4",
    "--set",
    "demand.tasks_per_epoch=200",
];

const EMISSION: (f64, f64) = (20_000.0, 200_000.0);
const FEE: (f64, f64) = (0.05, 0.5);

struct Env {
    tmp: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// A sweep file `name` over the baseline with this `[sweep]` body.
    fn sweep_file(&self, name: &str, sweep: &str) {
        let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let body = format!(
            "scenario = {:?}\n\n[sweep]\n{sweep}",
            baseline.display().to_string()
        );
        std::fs::write(self.path(name), body).expect("write sweep file");
    }

    fn mirage(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mirage"))
            .args(args)
            .current_dir(self.tmp.path())
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .output()
            .expect("mirage runs")
    }

    fn ok(&self, args: &[&str]) -> Output {
        let o = self.mirage(args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        o
    }

    /// `mirage sweep FILE --out OUT -q EXTRA... SMALL...`, which must succeed.
    fn sweep(&self, file: &str, out: &str, extra: &[&str]) {
        let mut args = vec!["sweep", file, "--out", out, "-q", "--no-dashboard"];
        args.extend_from_slice(extra);
        args.extend_from_slice(SMALL);
        self.ok(&args);
    }

    /// A command that must fail with exit code 2 and no panic.
    fn fails(&self, args: &[&str]) -> String {
        let o = self.mirage(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?} fails: {err}");
        assert!(!err.contains("panicked"), "{err}");
        err
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

const MORRIS: &str = "design = \"morris\"\ntrajectories = 3\nlevels = 4\nseed = 5\n\
    [sweep.axes]\n\"emission.per_epoch\" = { min = 20000, max = 200000 }\n\
    \"fees.task_fee\" = { min = 0.05, max = 0.5 }\n\
    \"reward.compute.scheme\" = [\"stake\"]\n";

const SOBOL: &str = "design = \"sobol\"\nsamples = 4\nreplications = 2\nseed = 9\n\
    [sweep.axes]\n\"emission.per_epoch\" = { min = 20000, max = 200000, log = true }\n\
    \"fees.task_fee\" = { min = 0.05, max = 0.5 }\n";

#[test]
fn morris_trajectories_move_one_axis_by_delta_and_are_analysed() {
    let env = Env::new();
    env.sweep_file("morris.toml", MORRIS);
    let dry = env.ok(&["sweep", "morris.toml", "--dry-run"]);
    assert!(
        text(&dry.stdout).contains("9 points × 1 replications = 9 runs"),
        "{}",
        text(&dry.stdout)
    );
    env.sweep("morris.toml", "m", &[]);
    let dir = env.path("m");
    let (header, runs) = rows(&dir.join("runs.csv"));
    // r·(D + 1) = 3 · 3 runs; D = 2 (the one-value list axis is a constant).
    assert_eq!(runs.len(), 9);
    let col = |name: &str| header.iter().position(|c| c == name).expect(name);
    let (e, f, s) = (
        col("emission.per_epoch"),
        col("fees.task_fee"),
        col("reward.compute.scheme"),
    );
    // Δ = p / (2(p − 1)) = 4/6 of each range.
    let delta = 4.0 / 6.0;
    for t in 0..3 {
        let mut moved = Vec::new();
        for step in 0..2 {
            let (a, b) = (&runs[t * 3 + step], &runs[t * 3 + step + 1]);
            assert_eq!(a[0], (t * 3 + step).to_string(), "consecutive run ids");
            let de: f64 = b[e].parse::<f64>().expect("num") - a[e].parse::<f64>().expect("num");
            let df: f64 = b[f].parse::<f64>().expect("num") - a[f].parse::<f64>().expect("num");
            let step_e = delta * (EMISSION.1 - EMISSION.0);
            let step_f = delta * (FEE.1 - FEE.0);
            let (on_e, on_f) = (
                (de.abs() - step_e).abs() < 1e-6 * step_e,
                (df.abs() - step_f).abs() < 1e-9,
            );
            assert!(
                (on_e && df == 0.0) || (on_f && de == 0.0),
                "trajectory {t} step {step}: exactly one axis moves by Δ ({de}, {df})"
            );
            moved.push(if on_e { e } else { f });
            assert_eq!(a[s], "stake");
        }
        moved.sort_unstable();
        assert_eq!(moved, [e.min(f), e.max(f)], "each axis moves once");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("sweep.json"))).expect("json");
    assert_eq!(manifest["sensitivity"]["method"], "morris");
    assert_eq!(manifest["sensitivity"]["trajectories"], 3);
    assert_eq!(manifest["sensitivity"]["levels"], 4);
    assert_eq!(manifest["format"], 1);

    let o = env.ok(&["sensitivity", "m"]);
    let out = text(&o.stdout);
    assert!(out.contains("mu_star"), "{out}");
    let (header, sens) = rows(&dir.join("sensitivity.csv"));
    assert_eq!(
        header,
        ["metric", "axis", "index", "value", "ci_low", "ci_high"]
    );
    let gini: Vec<&Vec<String>> = sens.iter().filter(|r| r[0] == "gini_wealth").collect();
    let kinds: Vec<(&str, &str)> = gini
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("emission.per_epoch", "mu_star"),
            ("emission.per_epoch", "mu"),
            ("emission.per_epoch", "sigma"),
            ("fees.task_fee", "mu_star"),
            ("fees.task_fee", "mu"),
            ("fees.task_fee", "sigma"),
        ]
    );
    for r in &gini {
        let v: f64 = r[3].parse().expect("value");
        assert!(v.is_finite());
        if r[2] == "mu_star" {
            assert!(v >= 0.0);
            assert!(!r[4].is_empty() && !r[5].is_empty(), "μ* has an interval");
        } else {
            assert!(r[4].is_empty() && r[5].is_empty(), "μ, σ have none");
        }
    }
    // --metric picks; the dashboard then has its tornado.
    env.ok(&["sensitivity", "m", "--metric", "price", "-q"]);
    let (_, picked) = rows(&dir.join("sensitivity.csv"));
    assert!(picked.iter().all(|r| r[0] == "price") && !picked.is_empty());
    env.ok(&["dashboard", "m"]);
    assert!(read(&dir.join("dashboard.html")).contains("Which parameter matters"));
}

#[test]
fn sobol_layout_sharded_and_merged_matches_unsharded() {
    let env = Env::new();
    env.sweep_file("sobol.toml", SOBOL);
    env.sweep("sobol.toml", "whole", &[]);
    let whole = env.path("whole");
    let (header, runs) = rows(&whole.join("runs.csv"));
    // N·(2D + 2) = 4 · 6 points × 2 replications.
    assert_eq!(runs.len(), 48);
    let e = header
        .iter()
        .position(|c| c == "emission.per_epoch")
        .expect("axis");
    let f = e + 1;
    for row in runs.chunks(12) {
        // Base row j: A, AB_1, AB_2, BA_1, BA_2, B (each twice).
        let p = |k: usize| (&row[2 * k][e], &row[2 * k][f]);
        let (a, ab1, ab2, ba1, ba2, b) = (p(0), p(1), p(2), p(3), p(4), p(5));
        assert_eq!((ab1.0, ab1.1), (b.0, a.1), "AB_1: A with axis 1 from B");
        assert_eq!((ab2.0, ab2.1), (a.0, b.1), "AB_2: A with axis 2 from B");
        assert_eq!((ba1.0, ba1.1), (a.0, b.1), "BA_1: B with axis 1 from A");
        assert_eq!((ba2.0, ba2.1), (b.0, a.1), "BA_2: B with axis 2 from A");
        assert_eq!(row[0][e], row[1][e], "replications share the point");
    }
    env.ok(&["sensitivity", "whole", "-q"]);
    let (_, sens) = rows(&whole.join("sensitivity.csv"));
    let gini: Vec<(&str, &str)> = sens
        .iter()
        .filter(|r| r[0] == "gini_wealth")
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        gini,
        [
            ("emission.per_epoch", "S1"),
            ("emission.per_epoch", "ST"),
            ("fees.task_fee", "S1"),
            ("fees.task_fee", "ST"),
            ("emission.per_epoch*fees.task_fee", "S2"),
        ]
    );
    assert!(sens.iter().all(|r| !r[4].is_empty() && !r[5].is_empty()));

    for k in ["0/2", "1/2"] {
        env.sweep("sobol.toml", "sharded", &["--shard", k]);
    }
    let err = env.fails(&["sensitivity", "sharded/shard-0-of-2"]);
    assert!(err.contains("24 of its 48 runs are missing"), "{err}");
    assert!(err.contains("mirage merge"), "{err}");
    env.ok(&[
        "merge",
        "sharded",
        "--out",
        "merged",
        "-q",
        "--no-dashboard",
    ]);
    env.ok(&["sensitivity", "merged", "-q"]);
    assert_eq!(
        read(&whole.join("sensitivity.csv")),
        read(&env.path("merged").join("sensitivity.csv")),
        "merged shards give the same indices"
    );
}

#[test]
fn wrong_design_list_axes_and_missing_runs_are_errors() {
    let env = Env::new();
    env.sweep_file(
        "grid.toml",
        "[sweep.axes]\n\"fees.task_fee\" = [0.1, 0.2]\n",
    );
    env.sweep("grid.toml", "grid", &[]);
    let err = env.fails(&["sensitivity", "grid"]);
    assert!(err.contains("design = \"grid\""), "{err}");
    assert!(err.contains("morris"), "{err}");

    env.sweep_file(
        "list.toml",
        &MORRIS.replace("[\"stake\"]", "[\"stake\", \"proportional\"]"),
    );
    let err = env.fails(&["sweep", "list.toml", "--dry-run"]);
    assert!(err.contains("lists 2 values"), "{err}");
    env.sweep_file(
        "int.toml",
        &MORRIS.replace(
            "max = 0.5 }",
            "max = 0.5 }\n\"epochs\" = { min = 5, max = 10, integer = true }",
        ),
    );
    let err = env.fails(&["sweep", "int.toml", "--dry-run"]);
    assert!(
        err.contains("levels − 1 must divide max − min (5)"),
        "{err}"
    );
    env.sweep_file("nosamples.toml", &SOBOL.replace("samples = 4\n", ""));
    let err = env.fails(&["sweep", "nosamples.toml", "--dry-run"]);
    assert!(err.contains("needs samples"), "{err}");

    // A sweep stopped early.
    env.sweep_file("morris.toml", MORRIS);
    env.sweep("morris.toml", "part", &["--max-runs", "4"]);
    let err = env.fails(&["sensitivity", "part"]);
    assert!(err.contains("5 of its 9 runs are missing"), "{err}");
    assert!(err.contains("--resume"), "{err}");
    let err = env.fails(&["sensitivity", "nowhere"]);
    assert!(err.contains("sweep.json"), "{err}");
}

#[test]
fn an_integer_axis_and_a_rescaled_share_sweep_and_are_analysed() {
    let env = Env::new();
    let axes = "\n\"population.team_and_investors.cliff_epochs\" = { min = 0, max = 9, integer = true }\n\
                \"reward.validation.share\" = { min = 0.1, max = 0.4, others = \"proportional\" }\n";
    let sweep = SOBOL.replace("replications = 2\n", "") + axes;
    // Without `others`, a share alone breaks the shares' sum.
    env.sweep_file(
        "unscaled.toml",
        &sweep.replace(", others = \"proportional\"", ""),
    );
    let mut args = vec!["sweep", "unscaled.toml", "--dry-run"];
    args.extend_from_slice(SMALL);
    let err = env.fails(&args);
    assert!(err.contains("must add up to 1"), "{err}");

    env.sweep_file("mixed.toml", &sweep);
    env.sweep("mixed.toml", "mixed", &[]);
    let (header, runs) = rows(&env.path("mixed/runs.csv"));
    assert_eq!(runs.len(), 4 * (2 * 4 + 2), "N (2D + 2) with D = 4");
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (cliff, share) = (
        col("population.team_and_investors.cliff_epochs"),
        col("reward.validation.share"),
    );
    let mut cliffs = std::collections::BTreeSet::new();
    for row in &runs {
        let c: i64 = row[cliff].parse().expect("a whole number of epochs");
        assert!((0..=9).contains(&c), "{c}");
        cliffs.insert(c);
        let s: f64 = row[share].parse().expect("a share");
        assert!((0.1..=0.4).contains(&s), "{s}");
    }
    assert!(cliffs.len() >= 4, "cliffs drawn: {cliffs:?}");
    env.ok(&["sensitivity", "mixed"]);
    let csv = read(&env.path("mixed/sensitivity.csv"));
    for axis in [
        "population.team_and_investors.cliff_epochs",
        "reward.validation.share",
    ] {
        assert!(csv.contains(&format!(",{axis},ST,")), "{axis} in {csv}");
    }
}
