//! End-to-end tests of `mirage sweep` and `mirage merge` on a tiny
//! scenario: files and columns, byte-identical results whatever the number
//! of threads, interruption (a run limit, a kill, a row cut short) and
//! resume, shards merged back, and bad input refused before anything runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A tiny economy with a Latin-hypercube sweep of 4 samples × 2 schemes =
/// 8 points × 3 replications = 24 runs.
const TINY: &str = r#"name = "tiny"
seed = 3
epochs = 8
ticks_per_epoch = 24
initial_supply = 1_000_000

[emission]
schedule = "constant"
per_epoch = 1000

[fees]
task_fee = 0.2

[market]
token_reserve = 100_000
quote_reserve = 10_000

[demand]
tasks_per_epoch = 60
service_ticks = 3

[reward.compute]
share = 0.8
scheme = "proportional"
[reward.validation]
share = 0.2
scheme = "stake"

[[population]]
name = "cp"
role = "compute_provider"
count = 8
capacity = { dist = "uniform", min = 5, max = 20 }
cost_per_task = 0.05
honesty = 0.95
stake = { dist = "pareto", scale = 100, shape = 1.5 }

[[population]]
name = "val"
role = "validator"
count = 3
stake = { dist = "pareto", scale = 1000, shape = 1.2 }
accuracy = 0.9

[sweep]
design = "latin"
samples = 4
replications = 3

[sweep.axes]
"emission.per_epoch" = { min = 100, max = 10000, log = true }
"reward.compute.scheme" = ["proportional", "stake"]
"population.cp.count" = { min = 2, max = 12, integer = true }
"#;

const METRICS: [&str; 8] = [
    "gini_wealth",
    "nakamoto_wealth",
    "gini_rewards",
    "nakamoto_rewards",
    "misallocation",
    "price",
    "active_agents",
    "circulating_supply",
];

struct Env {
    tmp: tempfile::TempDir,
    scenario: PathBuf,
}

impl Env {
    fn new(text: &str) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let scenario = tmp.path().join("tiny.toml");
        std::fs::write(&scenario, text).expect("write scenario");
        Self { tmp, scenario }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mirage"));
        c.args(args)
            .current_dir(self.tmp.path())
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX");
        c
    }

    fn mirage(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("mirage runs")
    }

    /// `mirage sweep tiny.toml --out <out> <extra>`, which must succeed.
    fn sweep(&self, out: &str, extra: &[&str]) -> Output {
        let mut args = vec!["sweep", "tiny.toml", "--out", out];
        args.extend_from_slice(extra);
        let o = self.mirage(&args);
        assert!(o.status.success(), "sweep {extra:?}: {}", text(&o.stderr));
        o
    }

    /// `mirage sweep tiny.toml ...`, which must fail before creating `out`.
    fn refused(&self, args: &[&str]) -> String {
        let mut all = vec!["sweep", "tiny.toml", "--out", "refused"];
        all.extend_from_slice(args);
        let o = self.mirage(&all);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?} fails: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!self.path("refused").exists(), "{args:?}: nothing created");
        err
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("sweep.json"))).expect("sweep.json is JSON")
}

/// The two result files that must match byte for byte.
fn results(dir: &Path) -> (String, String) {
    (read(&dir.join("runs.csv")), read(&dir.join("points.csv")))
}

#[test]
fn sweep_writes_runs_points_timings_and_manifest() {
    let env = Env::new(TINY);
    let o = env.sweep("one", &["--jobs", "1"]);
    assert!(
        text(&o.stdout).contains("24 of 24 runs done"),
        "{}",
        text(&o.stdout)
    );
    let dir = env.path("one");

    let (header, runs) = rows(&dir.join("runs.csv"));
    let mut expected = vec![
        "run_id",
        "point_id",
        "replication",
        "seed",
        "emission.per_epoch",
        "population.cp.count",
        "reward.compute.scheme",
    ];
    expected.extend(METRICS);
    expected.push("warnings");
    assert_eq!(header, expected);
    assert_eq!(runs.len(), 24);
    for (i, row) in runs.iter().enumerate() {
        let i = i as u64;
        assert_eq!(row[0], i.to_string(), "sorted by run id");
        assert_eq!(row[1], (i / 3).to_string());
        assert_eq!(row[2], (i % 3).to_string());
        // Common random numbers: replication r has seed 3 + r at every point.
        assert_eq!(row[3], (3 + i % 3).to_string());
        let emission: f64 = row[4].parse().expect("emission is a number");
        assert!((100.0..=10_000.0).contains(&emission), "{emission}");
        let count: u32 = row[5].parse().expect("count is an integer");
        assert!((2..=12).contains(&count));
        assert!(row[6] == "proportional" || row[6] == "stake");
        for cell in &row[7..row.len() - 1] {
            assert!(!cell.is_empty(), "every metric has a value: {row:?}");
        }
    }
    // The scheme varies slowest (lists outer), samples inside.
    assert_eq!(runs[0][6], "proportional");
    assert_eq!(runs[12][6], "stake");
    assert_eq!(runs[0][4], runs[12][4], "the same samples for each scheme");

    let (pheader, points) = rows(&dir.join("points.csv"));
    assert_eq!(
        &pheader[..4],
        [
            "point_id",
            "emission.per_epoch",
            "population.cp.count",
            "reward.compute.scheme"
        ]
    );
    assert_eq!(pheader.len(), 4 + 3 * METRICS.len());
    assert_eq!(
        pheader[4..7],
        [
            "gini_wealth_mean",
            "gini_wealth_ci_low",
            "gini_wealth_ci_high"
        ]
    );
    assert_eq!(points.len(), 8);
    for (p, row) in points.iter().enumerate() {
        assert_eq!(row[0], p.to_string());
        assert_eq!(row[1..4], runs[p * 3][4..7], "axis values of the point");
        let values: Vec<f64> = (0..3)
            .map(|r| runs[p * 3 + r][7].parse().expect("gini"))
            .collect();
        let mean: f64 = row[4].parse().expect("mean");
        assert!((mean - values.iter().sum::<f64>() / 3.0).abs() < 1e-12);
        let (lo, hi): (f64, f64) = (row[5].parse().expect("lo"), row[6].parse().expect("hi"));
        assert!(lo <= mean && mean <= hi, "{lo} {mean} {hi}");
    }

    let (theader, timings) = rows(&dir.join("timings.csv"));
    assert_eq!(theader, ["run_id", "wall_seconds", "events"]);
    assert_eq!(timings.len(), 24);
    assert!(
        text(&o.stdout).contains("health warnings: 0 of 24 runs had any"),
        "{}",
        text(&o.stdout)
    );

    let m = manifest(&dir);
    assert_eq!(m["runs"], 24);
    assert_eq!(m["points"], 8);
    assert_eq!(m["replications"], 3);
    assert_eq!(m["complete"], true);
    assert_eq!(m["runs_done"], 24);
    assert_eq!(m["done"], serde_json::json!([[0, 23]]));
    assert_eq!(m["shard"], serde_json::Value::Null);
    assert_eq!(m["sweep"]["design"], "latin");
    assert_eq!(m["scenario_sha256"].as_str().map(str::len), Some(64));
    let resolved = read(&dir.join("scenario.resolved.toml"));
    assert!(!resolved.contains("[sweep"), "runs see no [sweep] table");
    assert!(!dir.join("runs.journal.csv").exists(), "journal removed");
}

/// A whale speculator that drains the market at one point of the sweep and
/// barely moves a deep one at the other.
const WHALE: &str = "name = \"whale\"\nseed = 1\nepochs = 5\nticks_per_epoch = 100\ninitial_supply = 1_000_000\n\
     [market]\ntoken_reserve = 1_000\nquote_reserve = 100\n\
     [[population]]\nrole = \"speculator\"\ncount = 1\nstrategy = \"whale\"\n\
     capital = 100_000_000\ntrade_fraction = 0.5\ntrades_per_epoch = 10\n\
     [sweep]\nreplications = 2\n[sweep.axes]\n\"market.quote_reserve\" = [100, 1_000_000_000_000]\n";

#[test]
fn runs_csv_lists_each_runs_warnings_and_the_summary_counts_them() {
    let env = Env::new(WHALE);
    let o = env.sweep("w", &["--jobs", "1"]);
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("health warnings: 2 of 4 runs had any"),
        "{stdout}"
    );
    let (header, runs) = rows(&env.path("w").join("runs.csv"));
    assert_eq!(header.last().map(String::as_str), Some("warnings"));
    let at = header.len() - 1;
    for row in &runs[..2] {
        let kinds: Vec<&str> = row[at].split(';').collect();
        assert!(kinds.contains(&"market_reserve_low"), "{row:?}");
        assert!(kinds.contains(&"price_out_of_range"), "{row:?}");
    }
    for row in &runs[2..] {
        assert_eq!(row[at], "", "the deep market stays healthy: {row:?}");
    }
    // The sweep's dashboard counts them too.
    let page = read(&env.path("w").join("dashboard.html"));
    assert!(
        page.contains("Health warnings") && page.contains("2 of 4"),
        "card"
    );
    // points.csv averages the metrics only.
    let (pheader, _) = rows(&env.path("w").join("points.csv"));
    assert_eq!(pheader.len(), 2 + 3 * (at - 5));
    assert!(!pheader.iter().any(|h| h.starts_with("warnings")));
}

#[test]
fn results_are_byte_identical_for_one_and_two_threads() {
    let env = Env::new(TINY);
    env.sweep("j1", &["--jobs", "1"]);
    env.sweep("j2", &["--jobs", "2"]);
    assert_eq!(results(&env.path("j1")), results(&env.path("j2")));
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_files() {
    let env = Env::new(TINY);
    env.sweep("whole", &["--jobs", "2"]);

    let o = env.sweep("cut", &["--jobs", "2", "--max-runs", "5"]);
    assert!(text(&o.stdout).contains("--resume"), "{}", text(&o.stdout));
    let dir = env.path("cut");
    assert!(!dir.join("runs.csv").exists(), "no final file yet");
    let m = manifest(&dir);
    assert_eq!(
        (m["runs_done"].as_u64(), m["complete"].as_bool()),
        (Some(5), Some(false))
    );
    // A kill in the middle of writing a row leaves it without a line end.
    let journal = dir.join("runs.journal.csv");
    let mut text_so_far = read(&journal);
    assert_eq!(text_so_far.lines().count(), 6);
    text_so_far.push_str("23,7,2,5,0.1");
    std::fs::write(&journal, text_so_far).expect("write");

    // Starting again without --resume is refused.
    let o = env.mirage(&["sweep", "tiny.toml", "--out", "cut"]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("--resume"), "{}", text(&o.stderr));

    env.sweep("cut", &["--jobs", "1", "--resume", "--max-runs", "7"]);
    assert_eq!(manifest(&dir)["runs_done"], 12);
    env.sweep("cut", &["--jobs", "2", "--resume"]);
    assert_eq!(results(&dir), results(&env.path("whole")));
    assert!(!journal.exists());
    // Resuming a finished sweep changes nothing.
    env.sweep("cut", &["--resume"]);
    assert_eq!(results(&dir), results(&env.path("whole")));
}

#[test]
fn a_killed_sweep_resumes_to_the_same_files() {
    let env = Env::new(TINY);
    // Longer runs (about 0.1 s each in a debug build), one at a time, so
    // that the kill lands part-way.
    let slow = ["--set", "epochs=3000", "--quiet"];
    env.sweep("whole", &[&slow[..], &["--jobs", "2"]].concat());

    let mut args = vec!["sweep", "tiny.toml", "--out", "killed", "--jobs", "1"];
    args.extend_from_slice(&slow);
    let mut child = env
        .command(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let journal = env.path("killed").join("runs.journal.csv");
    let started = Instant::now();
    loop {
        let lines = std::fs::read_to_string(&journal).map_or(0, |t| t.lines().count());
        if lines >= 4 || started.elapsed() > Duration::from_secs(120) {
            break;
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    let m = manifest(&env.path("killed"));
    assert_eq!(m["complete"], false, "killed before the end");

    env.sweep(
        "killed",
        &[&slow[..], &["--resume", "--jobs", "2"]].concat(),
    );
    assert_eq!(results(&env.path("killed")), results(&env.path("whole")));
}

#[test]
fn shards_merge_into_the_unsharded_sweep() {
    let env = Env::new(TINY);
    env.sweep("whole", &[]);
    for k in 0..3 {
        env.sweep("split", &["--shard", &format!("{k}/3"), "--jobs", "1"]);
    }
    let shard1 = env.path("split/shard-1-of-3");
    let (_, rows1) = rows(&shard1.join("runs.csv"));
    assert_eq!(rows1.len(), 8);
    assert!(rows1
        .iter()
        .all(|r| r[0].parse::<u64>().expect("id") % 3 == 1));
    assert!(
        !shard1.join("points.csv").exists(),
        "a shard has no points.csv"
    );
    let m = manifest(&shard1);
    assert_eq!(m["shard"], serde_json::json!({"index": 1, "count": 3}));
    assert_eq!(m["runs_in_shard"], 8);
    assert_eq!(m["done"], serde_json::json!([[1, 22]]));

    // Merge the shard directories by name, or their parent.
    let o = env.mirage(&[
        "merge",
        "split/shard-0-of-3",
        "split/shard-1-of-3",
        "split/shard-2-of-3",
        "--out",
        "merged",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(results(&env.path("merged")), results(&env.path("whole")));
    let o = env.mirage(&["merge", "split", "--out", "merged2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(results(&env.path("merged2")), results(&env.path("whole")));
    let m = manifest(&env.path("merged2"));
    assert_eq!(
        (m["complete"].as_bool(), m["runs_done"].as_u64()),
        (Some(true), Some(24))
    );

    // A missing shard is named, with its run ids.
    let o = env.mirage(&[
        "merge",
        "split/shard-0-of-3",
        "split/shard-2-of-3",
        "--out",
        "bad",
    ]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("8 of the sweep's 24 runs are missing"),
        "{err}"
    );
    assert!(err.contains("shard(s) 1/3"), "{err}");
    assert!(err.contains("1, 4, 7"), "{err}");
    // The same shard twice.
    let o = env.mirage(&["merge", "split", "split/shard-0-of-3", "--out", "bad"]);
    assert!(
        text(&o.stderr).contains("more than one input"),
        "{}",
        text(&o.stderr)
    );
    // Another sweep.
    env.sweep("other", &["--set", "epochs=9", "--shard", "1/3"]);
    let o = env.mirage(&[
        "merge",
        "split/shard-0-of-3",
        "other/shard-1-of-3",
        "split/shard-2-of-3",
        "--out",
        "bad",
    ]);
    assert!(
        text(&o.stderr).contains("not shards of the same sweep"),
        "{}",
        text(&o.stderr)
    );
    assert!(!env.path("bad").exists());
}

#[test]
fn the_shard_index_comes_from_the_job_array() {
    let env = Env::new(TINY);
    env.sweep("explicit", &["--shard", "2/3"]);
    for var in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        let out = format!("array-{var}");
        let o = env
            .command(&["sweep", "tiny.toml", "--out", &out, "--shards", "3"])
            .env(var, "2")
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(
            read(&env.path(&out).join("shard-2-of-3/runs.csv")),
            read(&env.path("explicit/shard-2-of-3/runs.csv"))
        );
    }
    let err = env.refused(&["--shards", "3"]);
    assert!(err.contains("SLURM_ARRAY_TASK_ID"), "{err}");
    let err = env.refused(&["--shard", "3/3"]);
    assert!(err.contains("not below"), "{err}");
}

#[test]
fn keep_series_keeps_each_runs_epochs() {
    let env = Env::new(TINY);
    env.sweep("plain", &[]);
    env.sweep("series", &["--keep-series", "--jobs", "2"]);
    assert_eq!(results(&env.path("series")), results(&env.path("plain")));
    for id in 0..24 {
        let epochs = env.path(&format!("series/runs/{id}/epochs.csv"));
        let (header, rows) = rows(&epochs);
        assert_eq!(header[0], "epoch");
        assert_eq!(rows.len(), 8, "one row per epoch");
    }
    // The kept series give the dashboard a fan chart; without them, none.
    let page = read(&env.path("series/dashboard.html"));
    // The default: the heatmap's metric, gini_rewards, an epochs.csv column.
    assert!(
        page.contains("over time across replications</title>"),
        "fan chart"
    );
    assert!(page.contains("The median of `gini_rewards`"), "its column");
    assert!(
        page.contains("all runs of the sweep"),
        "8 points: one fan of all runs"
    );
    assert!(!read(&env.path("plain/dashboard.html")).contains("over time across replications"));
    let o = env.mirage(&[
        "dashboard",
        "series",
        "--series",
        "price",
        "--out",
        "p.html",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(read(&env.path("p.html")).contains("The median of `price`"));
    let o = env.mirage(&["dashboard", "series", "--series", "nope", "--out", "n.html"]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("no column `nope`"),
        "{}",
        text(&o.stderr)
    );
    let o = env.mirage(&["dashboard", "plain", "--series", "price", "--out", "n.html"]);
    assert!(
        text(&o.stderr).contains("--keep-series"),
        "{}",
        text(&o.stderr)
    );
    // Resuming must keep the same choice.
    let o = env.mirage(&["sweep", "tiny.toml", "--out", "series", "--resume"]);
    assert!(
        text(&o.stderr).contains("--keep-series"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn one_replication_leaves_the_intervals_empty() {
    let env = Env::new(TINY);
    env.sweep("single", &["--set", "sweep.replications=1"]);
    let (_, points) = rows(&env.path("single/points.csv"));
    assert_eq!(points.len(), 8);
    for row in &points {
        assert!(!row[4].is_empty(), "a mean");
        assert!(
            row[5].is_empty() && row[6].is_empty(),
            "no interval: {row:?}"
        );
    }
}

#[test]
fn dry_run_prints_the_size_and_first_points() {
    let env = Env::new(TINY);
    let o = env.mirage(&["sweep", "tiny.toml", "--dry-run"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("8 points × 3 replications = 24 runs"), "{out}");
    assert!(out.contains("point 0: emission.per_epoch="), "{out}");
    assert!(out.contains("reward.compute.scheme=proportional"), "{out}");
    assert!(out.contains("every point's scenario is valid"), "{out}");
    assert!(!env.path("out").exists(), "a dry run writes nothing");

    // Fields that must change together may, as with `mirage run`.
    let o = env.mirage(&[
        "sweep",
        "tiny.toml",
        "--dry-run",
        "--set",
        "reward.compute.share=0.7",
        "--set",
        "reward.validation.share=0.3",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let o = env.mirage(&["sweep", "tiny.toml", "--dry-run", "--shard", "1/5"]);
    assert!(
        text(&o.stdout).contains("shard 1/5: 5 of these runs"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_sweep_file_names_its_scenario() {
    let env = Env::new(TINY);
    std::fs::write(
        env.path("grid.toml"),
        "scenario = \"tiny.toml\"\n[sweep]\nreplications = 2\n[sweep.axes]\n\"fees.task_fee\" = [0.1, 0.3]\n\"reward.validation.scheme\" = [\"stake\", \"proportional\"]\n",
    )
    .expect("write");
    let o = env.mirage(&["sweep", "grid.toml", "--dry-run"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("grid design, 4 points × 2 replications = 8 runs"),
        "{}",
        text(&o.stdout)
    );
    let o = env.mirage(&["sweep", "grid.toml", "--out", "g"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (header, runs) = rows(&env.path("g/runs.csv"));
    assert_eq!(header[4..6], ["fees.task_fee", "reward.validation.scheme"]);
    assert_eq!(runs[0][4..6], ["0.1", "stake"], "list order kept");
    assert_eq!(runs[2][4..6], ["0.1", "proportional"]);
}

#[test]
fn the_shipped_example_sweep_is_valid() {
    let o = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(["sweep", "scenarios/sweep-emission.toml", "--dry-run"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("= 18 runs"), "{}", text(&o.stdout));
}

#[test]
fn bad_sweeps_are_refused_before_anything_runs() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "unknown path",
            "\"emission.rate\" = [1, 2]",
            &["axis `emission.rate`", "unknown field `rate`"],
        ),
        (
            "wrong type",
            "\"reward.compute.scheme\" = [\"proportional\", 3]",
            &["axis `reward.compute.scheme`", "value 3"],
        ),
        (
            "unknown scheme",
            "\"reward.compute.scheme\" = [\"lottery\"]",
            &["axis `reward.compute.scheme`", "\"lottery\""],
        ),
        (
            "empty axis",
            "\"reward.compute.scheme\" = []",
            &["axis `reward.compute.scheme` is empty"],
        ),
        (
            "float range on an integer field",
            "\"population.cp.count\" = { min = 2, max = 12 }",
            &["axis `population.cp.count`", "integer = true"],
        ),
        (
            "no such population",
            "\"population.gpus.count\" = [1]",
            &["axis `population.gpus.count`", "no entry named `gpus`"],
        ),
        ("seed axis", "seed = [1, 2]", &["`seed` cannot be an axis"]),
    ];
    for (what, axis, says) in cases {
        let text = TINY.replace(
            "\"reward.compute.scheme\" = [\"proportional\", \"stake\"]\n\"population.cp.count\" = { min = 2, max = 12, integer = true }",
            axis,
        );
        assert_ne!(text, TINY);
        let env = Env::new(&text);
        let err = env.refused(&[]);
        for s in *says {
            assert!(err.contains(s), "{what}: `{s}` in {err}");
        }
    }
    // A point that is invalid only in combination is named with its values.
    // (each value alone fits 64-bit base units, the largest supply with the
    // most decimals does not).
    let env = Env::new(&TINY.replace(
        "\"population.cp.count\" = { min = 2, max = 12, integer = true }",
        "\"initial_supply\" = [1_000_000, 1_000_000_000_000]\ndecimals = [6, 7]",
    ));
    let err = env.refused(&[]);
    assert!(err.contains("decimals=7"), "{err}");
    assert!(err.contains("initial_supply=1000000000000"), "{err}");
    assert!(err.contains("too large"), "{err}");

    let env = Env::new(TINY);
    let err = env.refused(&["--limit", "20"]);
    assert!(err.contains("24 runs") && err.contains("--yes"), "{err}");
    env.sweep("yes", &["--limit", "20", "--yes", "--max-runs", "1"]);
    let err = env.refused(&["--jobs", "0"]);
    assert!(err.contains("--jobs"), "{err}");
    let err = env.refused(&["--resume"]);
    assert!(err.contains("no sweep.json"), "{err}");

    let env = Env::new(&TINY[..TINY.find("[sweep]").expect("sweep")]);
    let err = env.refused(&[]);
    assert!(err.contains("no [sweep] table"), "{err}");
}

#[test]
fn resuming_a_changed_sweep_is_refused() {
    let env = Env::new(TINY);
    env.sweep("s", &["--max-runs", "2"]);
    for (change, says) in [
        (["--set", "epochs=9"], "the scenario changed"),
        (["--seed", "4"], "the scenario changed"),
        (
            ["--set", "sweep.replications=2"],
            "[sweep] definition changed",
        ),
    ] {
        let o = env.mirage(
            &[
                &["sweep", "tiny.toml", "--out", "s", "--resume"][..],
                &change[..],
            ]
            .concat(),
        );
        assert!(!o.status.success(), "{change:?}");
        let err = text(&o.stderr);
        assert!(err.contains(says), "{change:?}: {err}");
    }
    std::fs::write(&env.scenario, TINY.replace("epochs = 8", "epochs = 7")).expect("write");
    let o = env.mirage(&["sweep", "tiny.toml", "--out", "s", "--resume"]);
    assert!(
        text(&o.stderr).contains("the scenario changed"),
        "{}",
        text(&o.stderr)
    );
    // Back to the original: the sweep resumes and completes.
    std::fs::write(&env.scenario, TINY).expect("write");
    env.sweep("s", &["--resume"]);
    assert!(env.path("s/points.csv").exists());
}

#[test]
fn force_starts_a_sweep_over() {
    let env = Env::new(TINY);
    env.sweep("whole", &["--set", "sweep.replications=2"]);
    env.sweep("f", &["--max-runs", "3"]);
    env.sweep("f", &["--force", "--set", "sweep.replications=2"]);
    assert_eq!(results(&env.path("f")), results(&env.path("whole")));
    assert_eq!(manifest(&env.path("f"))["runs"], 16);
    // A directory that is not a sweep's is not touched.
    std::fs::create_dir(env.path("notes")).expect("mkdir");
    std::fs::write(env.path("notes/todo.txt"), "keep").expect("write");
    let o = env.mirage(&["sweep", "tiny.toml", "--out", "notes"]);
    assert!(text(&o.stderr).contains("not empty"), "{}", text(&o.stderr));
    assert_eq!(read(&env.path("notes/todo.txt")), "keep");
}

#[test]
fn a_sweep_run_is_reproduced_by_mirage_run() {
    let env = Env::new(TINY);
    env.sweep("s", &[]);
    let (header, runs) = rows(&env.path("s/runs.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let run = &runs[10];
    let mut args = vec![
        "run",
        "tiny.toml",
        "--out",
        "single",
        "--no-dashboard",
        "--quiet",
    ];
    let sets: Vec<String> = [
        "emission.per_epoch",
        "population.cp.count",
        "reward.compute.scheme",
    ]
    .iter()
    .map(|axis| format!("{axis}={}", run[col(axis)]))
    .collect();
    for s in &sets {
        args.extend(["--set", s]);
    }
    args.extend(["--seed", &run[col("seed")]]);
    let o = env.mirage(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let (eh, epochs) = rows(&env.path("single/epochs.csv"));
    let last = epochs.last().expect("epochs");
    for metric in [
        "gini_wealth",
        "nakamoto_wealth",
        "gini_rewards",
        "price",
        "active_agents",
    ] {
        let i = eh.iter().position(|h| h == metric).expect(metric);
        assert_eq!(last[i], run[col(metric)], "{metric}");
    }
    let fairness: serde_json::Value =
        serde_json::from_str(&read(&env.path("single/fairness.json"))).expect("json");
    let mis = fairness["rewards_vs_contribution"]["all"]["misallocation"]
        .as_f64()
        .expect("misallocation");
    let ours: f64 = run[col("misallocation")].parse().expect("number");
    assert_eq!(mis, ours);
    let nakamoto = fairness["rewards"]["all"]["nakamoto_50"]
        .as_u64()
        .expect("nakamoto");
    assert_eq!(run[col("nakamoto_rewards")], nakamoto.to_string());
}
