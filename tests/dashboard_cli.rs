//! End-to-end tests of the dashboard from the command line: `mirage run`
//! writes one unless `--no-dashboard`, `mirage dashboard` draws run and
//! sweep directories (and SVG files), and bad input fails with a message
//! naming the file.

mod support;

use support::{mirage, run_small, scheme_sweep, text};

#[test]
fn run_writes_a_dashboard_unless_told_not_to() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let out = run_small(&dir, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = dir.join("dashboard.html");
    assert!(page.is_file());
    assert!(text(&out.stdout).contains(&format!("dashboard: {}", page.display())));
    let html = std::fs::read_to_string(&page).expect("read");
    assert!(html.contains("Mirage run: baseline"));
    assert!(html.matches("<svg").count() >= 12, "charts");

    let quiet = tmp.path().join("quiet");
    let out = run_small(&quiet, &["--no-dashboard"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(quiet.join("epochs.csv").is_file());
    assert!(!quiet.join("dashboard.html").exists());

    // Redrawn later, elsewhere, with the SVG files.
    let other = tmp.path().join("page.html");
    let svg = tmp.path().join("svg");
    let out = mirage(&[
        "dashboard",
        quiet.to_str().expect("utf-8"),
        "--out",
        other.to_str().expect("utf-8"),
        "--svg-dir",
        svg.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("run dashboard"));
    assert!(other.is_file());
    let svgs = std::fs::read_dir(&svg).expect("svg dir").count();
    assert!(svgs >= 12, "{svgs} svg files");
}

/// The text of the card labelled `label`.
fn card(html: &str, label: &str) -> String {
    html.split(&format!(
        "<div class=\"label\">{label}</div><div class=\"value\">"
    ))
    .nth(1)
    .and_then(|s| s.split('<').next())
    .unwrap_or_else(|| panic!("card {label}"))
    .to_string()
}

#[test]
fn without_fairness_json_the_dashboard_computes_the_same_figures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let out = run_small(&dir, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let with = std::fs::read_to_string(dir.join("dashboard.html")).expect("read");
    assert!(with.contains("fairness.json"));
    std::fs::remove_file(dir.join("fairness.json")).expect("rm");
    let out = mirage(&["dashboard", dir.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let without = std::fs::read_to_string(dir.join("dashboard.html")).expect("read");
    for label in [
        "Misallocation",
        "Investors / team: wealth",
        "Rewards Nakamoto",
    ] {
        assert_eq!(card(&with, label), card(&without, label), "{label}");
    }
    // The summary on stdout and the card agree.
    let shown = card(&with, "Misallocation");
    let pct: f64 = shown.trim_end_matches('%').parse().expect("percent");
    let stdout = text(&run_small(&tmp.path().join("again"), &["--no-dashboard"]).stdout);
    let m: f64 = stdout
        .split("misallocation ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("summary misallocation");
    assert!((m * 100.0 - pct).abs() < 0.051, "{m} vs {shown}");
}

#[test]
fn dashboard_draws_a_sweep_with_chosen_axes_and_metric() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("sweep");
    scheme_sweep(&dir);
    let out = mirage(&[
        "dashboard",
        dir.to_str().expect("utf-8"),
        "--x",
        "emission.per_epoch",
        "--y",
        "churn.join_rate",
        "--metric",
        "misallocation",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(dir.join("dashboard.html")).expect("read");
    assert!(html
        .contains("<title>Mean misallocation by emission.per_epoch and churn.join_rate</title>"));
    assert!(html.contains("Distribution of misallocation by compute.scheme"));
}

#[test]
fn bad_input_fails_with_the_file_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let out = mirage(&["dashboard", empty.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("holds no mirage outputs") && err.contains("empty"),
        "{err}"
    );
    assert!(!empty.join("dashboard.html").exists(), "no blank page");

    let dir = tmp.path().join("sweep");
    scheme_sweep(&dir);
    let runs = std::fs::read_to_string(dir.join("runs.csv")).expect("read");
    std::fs::write(dir.join("runs.csv"), &runs[..runs.len() / 2]).expect("truncate");
    let out = mirage(&["dashboard", dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("runs.csv is malformed or truncated"), "{err}");
    assert!(!dir.join("dashboard.html").exists(), "no blank page");
}
