//! Reliability on valid-looking but bad input (issue 15): every case gives
//! exit code 2 with the file's line and column (or the flag), never a panic
//! and never a new file; outputs stay where they belong.

use std::path::Path;
use std::process::{Command, Output};

const GOOD: &str = r#"name = "t"
epochs = 3
initial_supply = 1000
[market]
token_reserve = 100
quote_reserve = 10
[[population]]
name = "cp"
role = "compute_provider"
count = 2
honesty = 0.9
"#;

/// The names of the entries of `dir` for which `keep` holds.
fn entry_names(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| keep(n))
        .collect()
}

fn mirage(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirage"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs")
}

/// Runs `mirage run` on `text` (with `sets`) in a fresh directory and
/// checks the failure: exit 2, no panic, `says` in stderr, no output.
fn rejected(text: &str, sets: &[&str], says: &str) -> String {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("bad.toml"), text).expect("write");
    let mut args = vec!["run", "bad.toml"];
    for set in sets {
        args.extend(["--set", set]);
    }
    for command in [&args[..], &["validate", "bad.toml"]] {
        let mut command = command.to_vec();
        if command[0] == "validate" {
            for set in sets {
                command.extend(["--set", set]);
            }
        }
        let out = mirage(tmp.path(), &command);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(says), "expected `{says}` in: {stderr}");
    }
    assert!(!tmp.path().join("out").exists(), "no output directory");
    let out = mirage(tmp.path(), &args);
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_swap_fee_of_one_is_rejected_not_a_panic() {
    let stderr = rejected(GOOD, &["market.swap_fee=1"], "swap fee in [0, 1)");
    assert!(stderr.contains("--set market.swap_fee=1"), "{stderr}");
    let text = GOOD.replace("quote_reserve = 10", "quote_reserve = 10\nswap_fee = 1.0");
    let stderr = rejected(&text, &[], "swap fee in [0, 1)");
    assert!(stderr.contains("bad.toml:7:12"), "{stderr}");
}

#[test]
fn the_shipped_sweep_with_a_fee_of_one_is_refused_by_every_command() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("scenarios/sweep-emission.toml");
    let scenario = scenario.to_str().expect("utf-8");
    let tmp = tempfile::tempdir().expect("tempdir");
    for args in [
        &["run", scenario, "--set", "market.swap_fee=1"][..],
        &["validate", scenario, "--set", "market.swap_fee=1"],
        &["sweep", scenario, "--dry-run", "--set", "market.swap_fee=1"],
    ] {
        let out = mirage(tmp.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("swap fee"), "{args:?}: {stderr}");
    }
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn fee_shares_above_one_are_rejected_with_their_location() {
    let text = GOOD.replace(
        "[market]",
        "[fees]\nburn_share = 0.6\ntreasury_share = 0.6\n[market]",
    );
    let stderr = rejected(&text, &[], "add up to 1.2");
    assert!(stderr.contains("bad.toml:6:18"), "{stderr}");
    rejected(
        GOOD,
        &["fees.burn_share=0.7", "fees.treasury_share=0.7"],
        "--set fees.burn_share=0.7",
    );
}

#[test]
fn distributions_that_can_leave_an_attributes_range_are_rejected() {
    for dist in [
        "{ dist = \"normal\", mean = 0.5, sd = 0.1 }",
        "{ dist = \"lognormal\", mu = -2, sigma = 0.5 }",
        "{ dist = \"pareto\", scale = 0.1, shape = 2 }",
        "{ dist = \"uniform\", min = 0.5, max = 1.5 }",
    ] {
        let text = GOOD.replace("honesty = 0.9", &format!("honesty = {dist}"));
        let stderr = rejected(&text, &[], "a probability in [0, 1]");
        assert!(stderr.contains("bad.toml:11:11"), "{stderr}");
    }
    let text = GOOD.replace(
        "honesty = 0.9",
        "honesty = 0.9\ncapacity = { dist = \"normal\", mean = 100, sd = 10 }",
    );
    let stderr = rejected(&text, &[], "values >= 0");
    assert!(stderr.contains("bad.toml:12:12"), "{stderr}");
}

#[test]
fn a_market_reserve_above_the_supply_is_rejected_with_its_location() {
    let text = GOOD.replace("token_reserve = 100", "token_reserve = 5000");
    let stderr = rejected(&text, &[], "exceeds initial_supply");
    assert!(stderr.contains("bad.toml:5:17"), "{stderr}");
}

#[test]
fn allocations_above_the_supply_name_the_population() {
    let text = GOOD.replace("honesty = 0.9", "honesty = 0.9\nstake = 800");
    let stderr = rejected(&text, &[], "exceed initial_supply");
    assert!(stderr.contains("bad.toml:7:1"), "{stderr}");
    assert!(stderr.contains("`cp`"), "{stderr}");
}

#[test]
fn a_set_value_with_a_newline_is_rejected_unless_it_is_one_toml_value() {
    rejected(GOOD, &["epochs=5\nseed = 9"], "contains a newline");
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("good.toml"), GOOD).expect("write");
    let out = mirage(
        tmp.path(),
        &[
            "validate",
            "good.toml",
            "--set",
            "description=\"\"\"one\ntwo\"\"\"",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn more_populations_than_a_16_bit_index_are_refused() {
    let mut text = String::from("name = \"t\"\nepochs = 1\ninitial_supply = 1000\n");
    for _ in 0..=u16::MAX as usize {
        text.push_str("[[population]]\nrole = \"holder\"\ncount = 1\n");
    }
    rejected(&text, &[], "at most 65535");
}

#[test]
fn error_snippets_of_huge_lines_are_clipped() {
    let text = format!("name = \"{}\" = 1\n", "x".repeat(1_000_000));
    let stderr = rejected(&text, &[], "bad.toml:1:");
    assert!(stderr.len() < 2_000, "{} bytes", stderr.len());
}

#[test]
fn the_default_output_directory_stays_inside_out() {
    for name in ["../../escaped", "/tmp/absolute", "..", "a/b"] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let work = tmp.path().join("a/b/c");
        std::fs::create_dir_all(&work).expect("mkdir");
        let text = GOOD.replace("name = \"t\"", &format!("name = {name:?}"));
        std::fs::write(work.join("s.toml"), text).expect("write");
        let out = mirage(&work, &["run", "s.toml", "--quiet", "--no-dashboard"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let entries: Vec<_> = std::fs::read_dir(work.join("out"))
            .expect("out/ exists")
            .map(|e| e.expect("entry").path())
            .collect();
        assert_eq!(entries.len(), 1, "{name}: {entries:?}");
        assert!(entries[0].join("epochs.csv").is_file(), "{name}");
        assert!(!tmp.path().join("escaped").exists(), "{name}");
        assert!(!tmp.path().join("a/escaped").exists(), "{name}");
    }
}

#[test]
fn jobs_above_the_cores_are_reduced_with_a_note() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("scenarios/sweep-emission.toml");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = mirage(
        tmp.path(),
        &[
            "sweep",
            scenario.to_str().expect("utf-8"),
            "--jobs",
            "100000",
            "--limit",
            "1",
            "--quiet",
            "--no-dashboard",
            "--yes",
            "--out",
            "s",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("reduced to"), "{stderr}");
}

/// Runs `scenario` (a path relative to `dir`) into `out` with `sets`.
fn run_into(dir: &Path, scenario: &str, out: &str, sets: &[&str]) {
    let mut args = vec![
        "run",
        scenario,
        "--out",
        out,
        "--quiet",
        "--no-dashboard",
        "--force",
    ];
    for set in sets {
        args.extend(["--set", set]);
    }
    let run = mirage(dir, &args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{scenario}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// The CSV and fairness outputs of two run directories are byte-identical.
fn same_outputs(a: &Path, b: &Path, what: &str) {
    let mut compared = 0;
    for entry in std::fs::read_dir(a).expect("run dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        let ext = path.extension().and_then(|e| e.to_str());
        if matches!(ext, Some("csv")) || name == "fairness.json" {
            let left = std::fs::read(&path).expect("read");
            let right = std::fs::read(b.join(&name)).expect("read the other run");
            assert!(left == right, "{what}: {name:?} differs");
            compared += 1;
        }
    }
    assert!(compared >= 3, "{what}: {compared} files compared");
}

/// `compare-schemes.toml` with `edit` applied, and the edit applies.
fn compare_schemes_with(edit: (&str, &str)) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("scenarios/compare-schemes.toml")).expect("read");
    let edited = text.replacen(edit.0, edit.1, 1);
    assert_ne!(edited, text, "the edit applies");
    edited
}

const DOTTED: (&str, &str) = (
    "[reward.compute.reputation]\nmodel = \"beta\"\nlambda = 0.95\ngamma = 2.0\nprior = 0.5\non_slash = \"reset\"\n",
    "reputation.model = \"beta\"\nreputation.lambda = 0.95\nreputation.gamma = 2.0\nreputation.prior = 0.5\nreputation.on_slash = \"reset\"\n",
);
const LONE_SUB_TABLE: (&str, &str) = (
    "[reward.data.quadratic]\nmechanism = \"standard\"\nm = 1.0                    # pairwise bound, tokens\ndonors = 150\npicks = 3\ndonation = 10\n",
    "",
);
const EMPTY_SCHEME_TABLE: (&str, &str) = (
    "[reward.data.quadratic]\nmechanism = \"standard\"\nm = 1.0                    # pairwise bound, tokens\ndonors = 150\npicks = 3\ndonation = 10\n",
    "[reward.data.quadratic]\n",
);

#[test]
fn dotted_keys_and_implicit_tables_mean_what_toml_says() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let short = ["epochs=4"];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let original =
        std::fs::read_to_string(root.join("scenarios/compare-schemes.toml")).expect("read");
    for (name, text) in [
        ("dotted", compare_schemes_with(DOTTED)),
        ("explicit", original),
    ] {
        std::fs::write(tmp.path().join(format!("{name}.toml")), text).expect("write");
        run_into(tmp.path(), &format!("{name}.toml"), name, &short);
    }
    same_outputs(
        &tmp.path().join("dotted"),
        &tmp.path().join("explicit"),
        "dotted keys",
    );
    for (name, edit) in [("lone", LONE_SUB_TABLE), ("empty", EMPTY_SCHEME_TABLE)] {
        std::fs::write(
            tmp.path().join(format!("{name}.toml")),
            compare_schemes_with(edit),
        )
        .expect("write");
        run_into(tmp.path(), &format!("{name}.toml"), name, &short);
    }
    same_outputs(
        &tmp.path().join("lone"),
        &tmp.path().join("empty"),
        "an implicit scheme table",
    );
}

#[test]
fn running_the_resolved_scenario_reproduces_the_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut scenarios = Vec::new();
    for dir in ["scenarios", "scenarios/schemes", "scenarios/calibration"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("scenarios") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) == Some("toml") {
                // Data files of empirical distributions are named relative
                // to the scenario: keep them found from the copy.
                let text = std::fs::read_to_string(&path).expect("read");
                let data = format!("file = \"{}/data/", root.display());
                scenarios.push(text.replace("file = \"../data/", &data));
            }
        }
    }
    scenarios.sort();
    assert!(
        scenarios.len() >= 8,
        "{} shipped scenarios",
        scenarios.len()
    );
    for edit in [DOTTED, LONE_SUB_TABLE, EMPTY_SCHEME_TABLE] {
        scenarios.push(compare_schemes_with(edit));
    }
    for (i, text) in scenarios.iter().enumerate() {
        let file = format!("s{i}.toml");
        std::fs::write(tmp.path().join(&file), text).expect("write");
        let first = format!("first{i}");
        run_into(tmp.path(), &file, &first, &["epochs=3"]);
        let resolved = format!("{first}/scenario.resolved.toml");
        let again = format!("again{i}");
        run_into(tmp.path(), &resolved, &again, &[]);
        same_outputs(
            &tmp.path().join(&first),
            &tmp.path().join(&again),
            &format!("scenario {i}"),
        );
    }
}

#[test]
fn a_failed_forced_run_leaves_the_previous_output_intact() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("good.toml"), GOOD).expect("write");
    run_into(tmp.path(), "good.toml", "out", &[]);
    std::fs::write(tmp.path().join("out/notes.txt"), "mine").expect("write");
    let before = std::fs::read(tmp.path().join("out/epochs.csv")).expect("read");
    // A run that fails once genesis passed (its directory cannot be
    // made: the parent is a file) writes nothing; one refused changes
    // nothing; a forced run replaces the results whole and keeps the
    // files it does not write.
    std::fs::write(tmp.path().join("file"), "x").expect("write");
    let out = mirage(
        tmp.path(),
        &[
            "run",
            "good.toml",
            "--out",
            "file/run",
            "--quiet",
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = mirage(
        tmp.path(),
        &[
            "run",
            "good.toml",
            "--out",
            "out",
            "--quiet",
            "--set",
            "epochs=4",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "not empty without --force");
    assert_eq!(
        std::fs::read(tmp.path().join("out/epochs.csv")).expect("read"),
        before
    );
    run_into(tmp.path(), "good.toml", "out", &["epochs=4"]);
    assert_ne!(
        std::fs::read(tmp.path().join("out/epochs.csv")).expect("read"),
        before
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("out/notes.txt")).expect("kept"),
        "mine"
    );
    let hidden = entry_names(tmp.path(), |n| n.starts_with('.'));
    assert!(hidden.is_empty(), "no staging left: {hidden:?}");
}

#[test]
fn stale_staging_of_a_killed_run_is_removed_by_the_next_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("good.toml"), GOOD).expect("write");
    // A pid above the kernel's limit (4194304) is never running.
    let stale = tmp.path().join(".out.staging-99999999");
    std::fs::create_dir(&stale).expect("mkdir");
    std::fs::write(stale.join("epochs.csv"), "partial").expect("write");
    run_into(tmp.path(), "good.toml", "out", &[]);
    if Path::new("/proc/self").exists() {
        assert!(!stale.exists(), "stale staging removed");
    }
    assert!(tmp.path().join("out/epochs.csv").is_file());
}

/// Starts `mirage args` in `dir` with its stderr captured.
#[cfg(unix)]
fn spawn(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_mirage"))
        .current_dir(dir)
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// Sends SIG`signal` to `child`, waits for it to end, checks that it
/// exits with `code` and returns its stderr.
#[cfg(unix)]
fn interrupt(mut child: std::process::Child, signal: &str, code: i32) -> String {
    use std::io::Read;
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut stderr).expect("stderr");
    }
    assert_eq!(status.code(), Some(code), "SIG{signal}: {stderr}");
    stderr
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_file_and_exits_130_or_143() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let long = GOOD
        .replace("epochs = 3", "epochs = 100000")
        .replace("count = 2", "count = 200");
    std::fs::write(tmp.path().join("long.toml"), long).expect("write");
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let child = spawn(
            tmp.path(),
            &["run", "long.toml", "--out", "out", "--no-dashboard"],
        );
        // Wait until the staging directory exists: the run is writing.
        let started = std::time::Instant::now();
        while !std::fs::read_dir(tmp.path()).expect("dir").any(|e| {
            e.expect("entry")
                .file_name()
                .to_string_lossy()
                .contains(".staging-")
        }) {
            assert!(started.elapsed().as_secs() < 60, "the run starts");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        interrupt(child, signal, code);
        let left = entry_names(tmp.path(), |n| n != "long.toml");
        assert!(left.is_empty(), "SIG{signal}: nothing left: {left:?}");
    }
}

#[test]
fn metrics_into_a_closed_pipe_is_success() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut csv = String::from("balance\n");
    for i in 0..100_000 {
        csv.push_str(&format!("{i}\n"));
    }
    std::fs::write(tmp.path().join("x.csv"), csv).expect("write");
    for format in ["json", "table"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mirage"))
            .current_dir(tmp.path())
            .args([
                "metrics", "x.csv", "--column", "balance", "--format", format, "--lorenz", "1000",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // The reader goes away before anything is written, as `head` does.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}

#[test]
fn a_second_sweep_on_the_same_directory_is_refused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("scenarios/sweep-emission.toml");
    let scenario = scenario.to_str().expect("utf-8");
    let tmp = tempfile::tempdir().expect("tempdir");
    let args = [
        "sweep",
        scenario,
        "--out",
        "s",
        "--quiet",
        "--no-dashboard",
        "--yes",
        "--jobs",
        "1",
        "--set",
        "epochs=100000",
    ];
    let mut first = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .current_dir(tmp.path())
        .args(args)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    while !tmp.path().join("s").exists() {
        assert!(started.elapsed().as_secs() < 60, "the first sweep starts");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut resume = args.to_vec();
    resume.push("--resume");
    let second = mirage(tmp.path(), &resume);
    let _ = first.kill();
    let _ = first.wait();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("another mirage process"), "{stderr}");
}

/// Epoch-level events are queued a few epochs ahead, not all at genesis:
/// `--set epochs=100000000` holds the queue memory of `epochs=1000`.
#[test]
fn queue_memory_after_genesis_is_independent_of_epochs() {
    let text = include_str!("../scenarios/sweep-emission.toml");
    let bytes = |epochs: u32| {
        let set = mirage_sim::Override::parse(&format!("epochs={epochs}")).unwrap();
        let loaded = mirage_sim::parse_scenario(text, "s.toml", &[set]).unwrap();
        let sim = mirage_sim::Simulation::new(&loaded.scenario, 1).unwrap();
        sim.queue_memory_bytes()
    };
    let small = bytes(1_000);
    assert_eq!(bytes(100_000_000), small);
    assert!(small < 1 << 22, "{small} bytes");
}

/// A sweep of 6 points × 2 replications = 12 short runs.
const SWEEP: &str = r#"name = "s"
epochs = 4
ticks_per_epoch = 24
initial_supply = 1000000
[market]
token_reserve = 100000
quote_reserve = 10000
[emission]
schedule = "constant"
per_epoch = 1000
[demand]
tasks_per_epoch = 20
[[population]]
name = "cp"
role = "compute_provider"
count = 4
honesty = 0.9
[sweep]
replications = 2
[sweep.axes]
"emission.per_epoch" = [100, 200, 300]
"population.cp.count" = [2, 5]
"#;

/// A directory with `s.toml` (the sweep above).
fn sweep_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("s.toml"), SWEEP).expect("write");
    tmp
}

fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = mirage(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn failed(dir: &Path, args: &[&str]) -> String {
    let out = mirage(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Every entry of `dir` (recursively), with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            let name = p.strip_prefix(dir).expect("inside").display().to_string();
            if p.is_dir() {
                out.push((name, Vec::new()));
                stack.push(p);
            } else {
                out.push((name, std::fs::read(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}

/// Two complete shards of the sweep under `split/`.
fn two_shards(dir: &Path) {
    for k in ["0/2", "1/2"] {
        ok(
            dir,
            &[
                "sweep",
                "s.toml",
                "--out",
                "split",
                "--shard",
                k,
                "-q",
                "--no-dashboard",
            ],
        );
    }
}

#[test]
fn a_merge_with_a_damaged_row_names_the_file_and_line_and_writes_nothing() {
    let tmp = sweep_dir();
    two_shards(tmp.path());
    let runs = tmp.path().join("split/shard-1-of-2/runs.csv");
    let text = std::fs::read_to_string(&runs).expect("runs.csv");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Line 3: a row cut in the middle and joined to the next one, as a
    // damaged disk or a bad copy leaves it.
    let cut = lines[2].len() / 2;
    lines[2].truncate(cut);
    std::fs::write(&runs, lines.join("\n") + "\n").expect("write");
    let stderr = failed(
        tmp.path(),
        &["merge", "split", "--out", "merged", "--no-dashboard"],
    );
    assert!(
        stderr.contains("shard-1-of-2/runs.csv:3: damaged row"),
        "{stderr}"
    );
    assert!(!tmp.path().join("merged").exists(), "nothing written");
    let left = entry_names(tmp.path(), |n| n.starts_with('.'));
    assert!(left.is_empty(), "no staging left: {left:?}");
}

#[test]
fn a_merge_lists_every_duplicated_run_with_the_inputs_holding_it() {
    let tmp = sweep_dir();
    two_shards(tmp.path());
    let stderr = failed(
        tmp.path(),
        &[
            "merge",
            "split",
            "split/shard-1-of-2",
            "--out",
            "merged",
            "--no-dashboard",
        ],
    );
    // Shard 1 of 2 holds the odd run ids: listed one by one, not as a range.
    assert!(
        stderr.contains("6 run(s) appear in more than one input"),
        "{stderr}"
    );
    assert!(
        stderr.contains("run ids 1, 3, 5, 7, 9, 11 are in both"),
        "{stderr}"
    );
    assert!(stderr.contains("shard-1-of-2/runs.csv"), "{stderr}");
    assert!(!tmp.path().join("merged").exists());
}

#[test]
fn a_failed_forced_merge_leaves_the_previous_output_intact() {
    let tmp = sweep_dir();
    two_shards(tmp.path());
    ok(
        tmp.path(),
        &["merge", "split", "--out", "merged", "--no-dashboard", "-q"],
    );
    let before = tree(&tmp.path().join("merged"));
    // Shard 1 is lost: a forced merge of shard 0 alone must fail and keep
    // the merged output as it was.
    let stderr = failed(
        tmp.path(),
        &[
            "merge",
            "split/shard-0-of-2",
            "--out",
            "merged",
            "--force",
            "--no-dashboard",
        ],
    );
    assert!(stderr.contains("missing"), "{stderr}");
    assert_eq!(tree(&tmp.path().join("merged")), before);
    // A forced merge that succeeds replaces the sweep files and leaves no
    // file of the previous output that contradicts it.
    std::fs::write(tmp.path().join("merged/runs.journal.csv"), "stale").expect("write");
    ok(
        tmp.path(),
        &[
            "merge",
            "split",
            "--out",
            "merged",
            "--force",
            "--no-dashboard",
            "-q",
        ],
    );
    assert_eq!(tree(&tmp.path().join("merged")), before);
}

#[test]
fn a_damaged_journal_row_is_refused_never_copied_into_runs_csv() {
    let tmp = sweep_dir();
    let args = ["sweep", "s.toml", "--out", "sw", "-q", "--no-dashboard"];
    let mut first = args.to_vec();
    first.extend(["--max-runs", "5"]);
    ok(tmp.path(), &first);
    let journal = tmp.path().join("sw/runs.journal.csv");
    let mut text = std::fs::read_to_string(&journal).expect("journal");
    text.push_str("5,not,enough\n");
    std::fs::write(&journal, text).expect("write");
    let mut resume = args.to_vec();
    resume.push("--resume");
    let stderr = failed(tmp.path(), &resume);
    assert!(
        stderr.contains("sw/runs.journal.csv:7: damaged row of run 5: 3 fields"),
        "{stderr}"
    );
    assert!(!tmp.path().join("sw/runs.csv").exists());
}

#[test]
fn a_restarted_sweep_without_resume_counts_the_runs_its_journal_holds() {
    let tmp = sweep_dir();
    let args = ["sweep", "s.toml", "--out", "sw", "-q", "--no-dashboard"];
    let mut first = args.to_vec();
    first.extend(["--max-runs", "7"]);
    ok(tmp.path(), &first);
    // The manifest is rewritten every few seconds: a kill leaves it behind
    // the journal. Make it say 0, as a kill right after the start does.
    let manifest = tmp.path().join("sw/sweep.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).expect("read")).expect("json");
    m["runs_done"] = 0.into();
    std::fs::write(&manifest, m.to_string()).expect("write");
    let stderr = failed(tmp.path(), &args);
    assert!(stderr.contains("(7 of 12 runs done)"), "{stderr}");
    assert!(stderr.contains("pass --resume to continue it"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn an_interrupted_sweep_says_how_many_runs_are_done_and_exits_130_or_143() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let tmp = sweep_dir();
        let args = [
            "sweep",
            "s.toml",
            "--out",
            "sw",
            "-q",
            "--no-dashboard",
            "--jobs",
            "1",
            "--set",
            "epochs=3000",
        ];
        let mut child = spawn(tmp.path(), &args);
        let journal = tmp.path().join("sw/runs.journal.csv");
        let started = std::time::Instant::now();
        while std::fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 2 {
            assert!(started.elapsed().as_secs() < 120, "a run finishes");
            assert!(child.try_wait().expect("wait").is_none(), "the sweep runs");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let stderr = interrupt(child, signal, code);
        let done = std::fs::read_to_string(&journal)
            .expect("journal kept")
            .lines()
            .count()
            - 1;
        assert!(
            stderr.contains(&format!(
                "the sweep was interrupted: {done} of 12 runs are done"
            )),
            "SIG{signal}: {stderr}"
        );
        assert!(stderr.contains("--resume"), "{stderr}");
        assert!(!tmp.path().join("sw/runs.csv").exists());
        let mut resume = args.to_vec();
        resume.push("--resume");
        ok(tmp.path(), &resume);
        assert!(tmp.path().join("sw/runs.csv").is_file());
        let hidden = entry_names(&tmp.path().join("sw"), |n| n.starts_with('.'));
        assert!(hidden.is_empty(), "{hidden:?}");
    }
}

#[test]
fn a_run_whose_memory_estimate_exceeds_the_limit_is_refused_before_genesis() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("big.toml"), GOOD).expect("write");
    // 2 agents fit in 64 MiB; 10⁶ do not (512 bytes each + 32 MiB).
    ok(tmp.path(), &["validate", "big.toml", "--max-memory", "64M"]);
    ok(
        tmp.path(),
        &["run", "big.toml", "--max-memory", "64M", "--out", "small"],
    );
    for command in ["run", "validate"] {
        let stderr = failed(
            tmp.path(),
            &[
                command,
                "big.toml",
                "--max-memory",
                "64M",
                "--set",
                "population.cp.count=1000000",
            ],
        );
        assert!(
            stderr.contains("--set population.cp.count=1000000: this run needs an estimated"),
            "{stderr}"
        );
        assert!(
            stderr.contains("population `cp`: 1000000 agents"),
            "{stderr}"
        );
        assert!(stderr.contains("--max-memory 64M"), "{stderr}");
        assert!(
            stderr.contains("shrink `count` of population `cp`"),
            "{stderr}"
        );
    }
    assert!(!tmp.path().join("big").exists());
    // In the file: located at the population's count.
    std::fs::write(
        tmp.path().join("big.toml"),
        GOOD.replace("count = 2", "count = 1000000"),
    )
    .expect("write");
    let stderr = failed(tmp.path(), &["run", "big.toml", "--max-memory", "64M"]);
    assert!(stderr.contains("big.toml:10:9: this run needs"), "{stderr}");
    let stderr = failed(
        tmp.path(),
        &["run", "big.toml", "--max-memory", "64 apples"],
    );
    assert!(
        stderr.contains("--max-memory 64 apples: expected a size"),
        "{stderr}"
    );
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn event_rates_above_their_bound_are_rejected_with_their_location() {
    let speculators = "[[population]]\nname = \"spec\"\nrole = \"speculator\"\ncount = 1\n";
    let text = format!("{GOOD}{speculators}trades_per_epoch = 1e308\n");
    let stderr = rejected(&text, &[], "bad.toml:16:20");
    assert!(
        stderr.contains("rate of events per epoch, at most 16 per tick"),
        "{stderr}"
    );
    let text = format!(
        "{GOOD}{speculators}trades_per_epoch = {{ dist = \"lognormal\", mu = 700, sigma = 1 }}\n"
    );
    let stderr = rejected(&text, &[], "bad.toml:16:20");
    assert!(stderr.contains("mean is"), "{stderr}");
    rejected(
        GOOD,
        &["population.cp.cost_per_task=1e300"],
        "cost in quote per event",
    );
    rejected(GOOD, &["demand.tasks_per_epoch=1e308"], "at most 1e9");
}

/// A rate at its bound ends: the agent's events are many, but the clock
/// moves on (a rate of 1e308 used to give zero-tick delays for ever), and
/// so does an unbounded distribution's rare draw above the bound.
#[test]
fn the_largest_accepted_rates_still_end() {
    for rate in ["1600", "{ dist = \"lognormal\", mu = 2.8, sigma = 3 }"] {
        let text = format!(
            "{GOOD}[[population]]\nname = \"spec\"\nrole = \"speculator\"\ncount = 20\ntrades_per_epoch = {rate}\n"
        )
        .replace("epochs = 3", "epochs = 1\nticks_per_epoch = 100");
        let loaded = mirage_sim::parse_scenario(&text, "max.toml", &[]).expect("accepted");
        let mut sim = mirage_sim::Simulation::new(&loaded.scenario, 1).expect("genesis");
        let mut sink = |_: &mirage_sim::EpochRecord| {};
        sim.run(&mut sink).expect("runs");
        if rate == "1600" {
            assert!(sim.events() > 100_000, "{rate}: {} events", sim.events());
        }
    }
}

#[test]
fn a_huge_quadratic_round_is_refused_by_the_memory_estimate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("scenarios/schemes/quadratic-sybil.toml");
    let scenario = scenario.to_str().expect("utf-8");
    let tmp = tempfile::tempdir().expect("tempdir");
    ok(tmp.path(), &["validate", scenario, "--max-memory", "1G"]);
    let stderr = failed(
        tmp.path(),
        &[
            "validate",
            scenario,
            "--max-memory",
            "1G",
            "--set",
            "reward.data.quadratic.donors=4000000000",
        ],
    );
    assert!(
        stderr.contains("scheme `quadratic` of the data pool"),
        "{stderr}"
    );
    assert!(stderr.contains("shrink the parameters"), "{stderr}");
    let stderr = failed(
        tmp.path(),
        &[
            "validate",
            scenario,
            "--set",
            "reward.data.quadratic.collusion.amount=1e308",
        ],
    );
    assert!(stderr.contains("at most 1e12"), "{stderr}");
    // A collusion ring of n members makes n·(n − 1) contributions a round:
    // 200,000 ring members (4·10¹⁰ pairs) need far more than 64 GiB.
    let stderr = failed(
        tmp.path(),
        &[
            "validate",
            scenario,
            "--max-memory",
            "64G",
            "--set",
            "population.ring.count=200000",
        ],
    );
    assert!(
        stderr.contains("scheme `quadratic` of the data pool"),
        "{stderr}"
    );
}

#[test]
fn emission_that_would_overflow_the_ledger_is_rejected_with_its_location() {
    let text = format!("{GOOD}[emission]\nschedule = \"constant\"\nper_epoch = 1e308\n");
    let stderr = rejected(&text, &[], "bad.toml:14:13");
    assert!(
        stderr.contains("emission.per_epoch is too large"),
        "{stderr}"
    );
}

#[test]
fn a_sweep_whose_concurrent_runs_exceed_the_memory_limit_is_refused() {
    let tmp = sweep_dir();
    // Point population.cp.count = 100000 needs about 81 MiB a run.
    let big = SWEEP.replace("[2, 5]", "[2, 100000]");
    std::fs::write(tmp.path().join("s.toml"), big).expect("write");
    let args = |memory: &'static str, jobs: &'static str| {
        [
            "sweep",
            "s.toml",
            "--out",
            "sw",
            "-q",
            "--no-dashboard",
            "--max-memory",
            memory,
            "--jobs",
            jobs,
        ]
    };
    // (--jobs is reduced to the cores: two runs at once need two.)
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        let stderr = failed(tmp.path(), &args("100M", "2"));
        assert!(stderr.contains("2 run(s) at once need"), "{stderr}");
        assert!(stderr.contains("lower --jobs to 1"), "{stderr}");
        assert!(stderr.contains("population.cp.count=100000"), "{stderr}");
        assert!(!tmp.path().join("sw").exists(), "nothing written");
    }
    let alone = args("50M", "1");
    let stderr = failed(tmp.path(), &alone);
    assert!(stderr.contains("one run alone does not fit"), "{stderr}");
}
