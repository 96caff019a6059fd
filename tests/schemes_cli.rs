//! End-to-end tests of the reward schemes: `mirage schemes` lists every
//! scheme from the registry; each shipped scheme scenario, and each variant
//! of `compare-schemes.toml`, runs at a small size; a scheme named for a
//! pool it cannot pay is rejected with file:line:column (or the `--set`).

use std::path::Path;
use std::process::{Command, Output};

fn mirage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("mirage runs")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

const SCHEMES: [&str; 7] = [
    "proportional",
    "stake",
    "reputation",
    "quality",
    "quadratic",
    "yuma",
    "formula",
];

#[test]
fn schemes_lists_every_scheme_with_pools_formula_source_and_defaults() {
    let out = mirage(&["schemes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for name in SCHEMES {
        assert!(
            stdout.contains(&format!("\n{name}: ")),
            "{name} listed:\n{stdout}"
        );
    }
    assert_eq!(stdout.matches("  formula: ").count(), SCHEMES.len());
    assert_eq!(stdout.matches("  source:  ").count(), SCHEMES.len());
    assert!(stdout.contains("lambda = 0.98"), "{stdout}");
    assert!(stdout.contains("[reward.data.quadratic]"), "{stdout}");

    let one = mirage(&["schemes", "quality"]);
    assert!(one.status.success());
    let one = text(&one.stdout);
    assert!(one.starts_with("quality: "), "{one}");
    assert!(one.contains("committee = 7"), "{one}");
    assert!(!one.contains("reputation:"), "{one}");

    let bad = mirage(&["schemes", "nosuch"]);
    assert!(!bad.status.success());
    let err = text(&bad.stderr);
    assert!(err.contains("no scheme is named `nosuch`"), "{err}");
    assert!(err.contains("reputation"), "{err}");
}

/// Every scenario under scenarios/schemes/.
fn scheme_scenarios() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/schemes");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("scenarios/schemes exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            format!(
                "scenarios/schemes/{}",
                p.file_name().expect("name").to_string_lossy()
            )
        })
        .collect();
    files.sort();
    files
}

fn run_small(scenario: &str, dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        scenario,
        "--out",
        dir.to_str().expect("utf-8 path"),
        "--quiet",
        "--set",
        "epochs=8",
    ];
    args.extend_from_slice(extra);
    mirage(&args)
}

#[test]
fn each_shipped_scheme_scenario_runs_at_a_small_size() {
    let files = scheme_scenarios();
    for expected in [
        "reputation.toml",
        "quality.toml",
        "quadratic-sybil.toml",
        "yuma-cartel.toml",
    ] {
        assert!(
            files.iter().any(|f| f.ends_with(expected)),
            "{expected} shipped: {files:?}"
        );
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, file) in files.iter().enumerate() {
        let dir = tmp.path().join(format!("run{i}"));
        let out = run_small(file, &dir, &[]);
        assert!(out.status.success(), "{file}: {}", text(&out.stderr));
        let epochs = std::fs::read_to_string(dir.join("epochs.csv")).expect("epochs.csv");
        assert_eq!(epochs.lines().count(), 9, "{file}: header + 8 epochs");
        let header = epochs.lines().next().expect("header");
        assert!(
            header.contains("task_fee") && header.contains("utilisation"),
            "{header}"
        );
        let validate = mirage(&["validate", file]);
        assert!(
            validate.status.success(),
            "{file}: {}",
            text(&validate.stderr)
        );
    }
}

#[test]
fn compare_schemes_runs_every_compute_scheme_and_ignores_the_sweep_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let scenario = "scenarios/compare-schemes.toml";
    let text_of = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario))
        .expect("compare-schemes.toml");
    assert!(text_of.contains("[sweep.axes]"));
    let mechanisms = ["standard", "pairwise", "cluster", "cocm"];
    for (scheme, mechanism) in ["proportional", "stake", "reputation", "quality"]
        .into_iter()
        .zip(mechanisms)
    {
        for name in [scheme, mechanism] {
            assert!(
                text_of.contains(&format!("\"{name}\"")),
                "{name} in the sweep"
            );
        }
        let dir = tmp.path().join(scheme);
        let set = format!("reward.compute.scheme={scheme}");
        let set_mechanism = format!("reward.data.quadratic.mechanism={mechanism}");
        let out = run_small(scenario, &dir, &["--set", &set, "--set", &set_mechanism]);
        assert!(out.status.success(), "{scheme}: {}", text(&out.stderr));
        let resolved =
            std::fs::read_to_string(dir.join("scenario.resolved.toml")).expect("resolved");
        assert!(
            resolved.contains(&format!("scheme = \"{scheme}\"")),
            "{resolved}"
        );
    }
}

const WRONG_POOL: &str = r#"name = "t"
epochs = 2
initial_supply = 1000
[reward.compute]
share = 1.0
scheme = "quadratic"
[[population]]
role = "compute_provider"
count = 2
"#;

/// Runs a scenario (its text, or a shipped file's path) and returns the
/// error it must fail with.
fn rejected(text_or_path: &str, extra: &[&str]) -> String {
    let text_in = if text_or_path.ends_with(".toml") {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(text_or_path))
            .expect("shipped scenario")
    } else {
        text_or_path.to_string()
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("s.toml");
    std::fs::write(&path, &text_in).expect("write");
    let out_dir = tmp.path().join("out");
    let mut args = vec![
        "run",
        path.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let out = mirage(&args);
    assert!(!out.status.success(), "rejected");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !out_dir.exists(),
        "no output directory for a rejected scenario"
    );
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn a_scheme_named_for_the_wrong_pool_is_rejected_with_its_position() {
    let err = rejected(WRONG_POOL, &[]);
    assert!(err.contains("s.toml:6:10:"), "{err}");
    assert!(
        err.contains(
            "scheme `quadratic` cannot pay the compute pool: it applies to [reward.data] only"
        ),
        "{err}"
    );

    let err = rejected(
        "scenarios/schemes/quadratic-sybil.toml",
        &["--set", "reward.data.scheme=yuma"],
    );
    assert!(
        err.contains("--set reward.data.scheme=yuma: scheme `yuma` cannot pay the data pool"),
        "{err}"
    );

    let good = WRONG_POOL.replace("\"quadratic\"", "\"quality\"");
    let err = rejected(&good, &["--set", "reward.compute.scheme=quadratic"]);
    assert!(
        err.contains("--set reward.compute.scheme=quadratic"),
        "{err}"
    );
    assert!(err.contains("cannot pay the compute pool"), "{err}");

    // yuma pays the compute and validation pools together.
    let yuma = WRONG_POOL.replace("\"quadratic\"", "\"yuma\"");
    let err = rejected(&yuma, &[]);
    assert!(err.contains("s.toml:6:10:"), "{err}");
    assert!(err.contains("[reward.validation]"), "{err}");

    // A parameter table of a scheme that cannot pay the pool.
    let table = good.replace(
        "scheme = \"quality\"",
        "scheme = \"quality\"\n[reward.compute.quadratic]\nmechanism = \"cocm\"",
    );
    let err = rejected(&table, &[]);
    assert!(err.contains("s.toml:7:1:"), "{err}");
    assert!(err.contains("[reward.compute.quadratic]"), "{err}");

    // Unknown and out-of-range parameters.
    let typo = good.replace(
        "scheme = \"quality\"",
        "scheme = \"quality\"\n[reward.compute.quality]\ncomittee = 3",
    );
    let err = rejected(&typo, &[]);
    assert!(
        err.contains("s.toml:8:1:") && err.contains("unknown field `comittee`"),
        "{err}"
    );
    let range = good.replace(
        "scheme = \"quality\"",
        "scheme = \"reputation\"\n[reward.compute.reputation]\nlambda = 0",
    );
    let err = rejected(&range, &[]);
    assert!(
        err.contains("s.toml:8:10:") && err.contains("(0, 1]"),
        "{err}"
    );

    // A dynamic fee needs a starting fee.
    let fee = good.replace(
        "[reward.compute]",
        "[fees]\npolicy = \"dynamic\"\n[reward.compute]",
    );
    let err = rejected(&fee, &[]);
    assert!(
        err.contains("s.toml:5:10:") && err.contains("positive task_fee"),
        "{err}"
    );
}
