//! End-to-end tests of `mirage sweep --emit-slurm` without a cluster: the
//! scripts it writes (valid bash, absolute paths, N shards), what it prints,
//! and the options it refuses. `tests/slurm/run_slurm_test.sh` runs the
//! scripts on a real Slurm cluster.

use std::path::Path;
use std::process::{Command, Output};

/// The shipped small-network scenario, swept over 3 × 2 points here.
const SCENARIO: &str = "scenarios/sweep-emission.toml";

fn mirage(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("mirage runs")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// Writes a sweep file of 6 points × 3 replications into `dir`.
fn sweep_file(dir: &Path) -> String {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCENARIO);
    let path = dir.join("study.toml");
    let text = format!(
        "scenario = {:?}\n[sweep]\ndesign = \"grid\"\nreplications = 3\n[sweep.axes]\n\
         \"emission.per_epoch\" = [5_000, 20_000, 80_000]\n\
         \"demand.tasks_per_epoch\" = [1_000, 2_000]\n",
        scenario.display().to_string()
    );
    std::fs::write(&path, text).expect("sweep file written");
    path.display().to_string()
}

#[test]
fn emit_slurm_writes_both_scripts_and_prints_how_to_submit() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let sc = sweep_file(tmp.path());
    let out = mirage(
        tmp.path(),
        &[
            "sweep",
            &sc,
            "--set",
            "sweep.replications=2",
            "--emit-slurm",
            "--array-size",
            "4",
            "--partition",
            "long",
            "--time",
            "1:00:00",
            "--cpus-per-task",
            "8",
            "--out",
            "results",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let dir = tmp
        .path()
        .canonicalize()
        .expect("canonical")
        .join("results");
    let sweep = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("sweep.sbatch");
    let merge = std::fs::read_to_string(dir.join("merge.sbatch")).expect("merge.sbatch");
    assert!(dir.join("slurm-logs").is_dir(), "log directory created");
    assert!(stdout.contains("12 runs (6 points × 2 replications) in a job array of 4 tasks"));
    assert!(stdout.contains(&format!(
        "    jobid=$(sbatch --parsable {})",
        dir.join("sweep.sbatch").display()
    )));
    assert!(stdout.contains(&format!(
        "    sbatch --dependency=afterok:$jobid {}",
        dir.join("merge.sbatch").display()
    )));
    assert!(stdout.contains("--array=K"), "{stdout}");

    let exe = Path::new(env!("CARGO_BIN_EXE_mirage"))
        .canonicalize()
        .expect("canonical");
    for want in [
        "#SBATCH --array=0-3\n".to_string(),
        "#SBATCH --cpus-per-task=8\n".into(),
        "#SBATCH --partition=long\n".into(),
        "#SBATCH --time=1:00:00\n".into(),
        format!("cd {}\n", tmp.path().canonicalize().expect("canonical").display()),
        format!(
            "exec {} sweep {} --set sweep.replications=2 --yes --no-dashboard --shards 4 --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\" --out {} $resume\n",
            exe.display(),
            Path::new(&sc).canonicalize().expect("canonical").display(),
            dir.display()
        ),
    ] {
        assert!(sweep.contains(&want), "missing {want:?} in\n{sweep}");
    }
    assert!(
        merge.contains(&format!(
            // The merge job draws the sweep's dashboard.
            "exec {} merge {}/shard-{{0..3}}-of-4 --out {}/merged --force\n",
            exe.display(),
            dir.display(),
            dir.display()
        )),
        "{merge}"
    );
    for script in ["sweep.sbatch", "merge.sbatch"] {
        let check = Command::new("bash")
            .arg("-n")
            .arg(dir.join(script))
            .output()
            .expect("bash runs");
        assert!(check.status.success(), "{script}: {}", text(&check.stderr));
    }
}

#[test]
fn the_array_task_runs_its_shard_and_resumes_it() {
    // The sweep script outside Slurm, with the variables Slurm sets: task 1
    // runs shard 1 of 2; run again, it resumes (and so does nothing).
    let tmp = tempfile::tempdir().expect("temp dir");
    let sc = sweep_file(tmp.path());
    let args = [
        "sweep",
        &sc,
        "--set",
        "sweep.replications=1",
        "--set",
        "epochs=5",
        "--emit-slurm",
        "--array-size",
        "2",
        "--out",
        "o",
    ];
    let out = mirage(tmp.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for attempt in ["", " (resuming it)"] {
        let run = Command::new("bash")
            .arg(tmp.path().join("o/sweep.sbatch"))
            .env("SLURM_ARRAY_TASK_ID", "1")
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .expect("bash runs");
        assert!(run.status.success(), "{}", text(&run.stderr));
        let stdout = text(&run.stdout);
        assert!(
            stdout.contains(&format!("array task 1: shard-1-of-2{attempt}\n")),
            "{stdout}"
        );
        let runs = std::fs::read_to_string(tmp.path().join("o/shard-1-of-2/runs.csv"))
            .expect("the shard's runs.csv");
        assert_eq!(
            runs.lines().count(),
            1 + 3,
            "header and runs 1, 3, 5:\n{runs}"
        );
    }
    assert!(
        !tmp.path().join("o/shard-1-of-2/dashboard.html").exists(),
        "a shard draws no dashboard"
    );
}

#[test]
fn emit_slurm_refuses_bad_options() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let files = tempfile::tempdir().expect("temp dir");
    let sc = sweep_file(files.path());
    let cases: &[(&[&str], &str)] = &[
        (&["--emit-slurm", "--array-size", "19"], "only 18 runs"),
        (&["--emit-slurm", "--array-size", "0"], "--array-size"),
        (&["--emit-slurm", "--time", "2 days"], "--time"),
        (&["--emit-slurm", "--partition", "a b"], "--partition"),
        (&["--emit-slurm", "--out", "my results"], "white space"),
        (&["--emit-slurm", "--resume"], "cannot be used with"),
        (&["--emit-slurm", "--shard", "0/2"], "cannot be used with"),
        (&["--array-size", "3"], "--emit-slurm"),
        (
            &["--emit-slurm", "--array-size", "2", "--limit", "5"],
            "--yes",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["sweep", sc.as_str()];
        args.extend_from_slice(extra);
        let out = mirage(tmp.path(), &args);
        assert!(!out.status.success(), "{extra:?} accepted");
        let err = text(&out.stderr);
        assert!(err.contains(want), "{extra:?}: {err}");
    }
    assert!(
        std::fs::read_dir(tmp.path())
            .expect("readable")
            .next()
            .is_none(),
        "a refused --emit-slurm writes nothing"
    );
}
