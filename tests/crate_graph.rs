//! The crate graph's rules (ARCHITECTURE.md): the engine and the metrics
//! crate pull in no plotting crate, and no library depends on the binary.

use std::process::Command;

fn tree(package: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "-p",
            package,
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_engine_and_the_metrics_crate_pull_in_no_plotting_crate() {
    for package in ["mirage-sim", "mirage-analysis"] {
        let deps = tree(package);
        assert!(
            !deps.contains("plotters"),
            "{package} depends on plotters:\n{deps}"
        );
    }
}

#[test]
fn no_library_depends_on_the_binary_or_the_runner_below_it() {
    for package in [
        "mirage-sim",
        "mirage-analysis",
        "mirage-dashboard",
        "mirage-runner",
    ] {
        let deps = tree(package);
        assert!(
            !deps.lines().any(|l| l.starts_with("mirage v")),
            "{package} depends on the binary"
        );
    }
    for package in ["mirage-sim", "mirage-analysis", "mirage-dashboard"] {
        assert!(
            !tree(package).contains("mirage-runner"),
            "{package} depends on the runner"
        );
    }
}
