//! Slurm job scripts for a sweep (`mirage sweep --emit-slurm`): the text of
//! `sweep.sbatch`, a job array whose task K runs shard K of N, of
//! `merge.sbatch`, which merges the N shards, and of the instructions that
//! submit both and recover from a failed task. Pure: it builds strings from
//! paths and options and touches no file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// File name of the job-array script, written into the sweep's output directory.
pub const SWEEP_SCRIPT: &str = "sweep.sbatch";
/// File name of the merge job script, beside [`SWEEP_SCRIPT`].
pub const MERGE_SCRIPT: &str = "merge.sbatch";
/// Directory under the output directory for the jobs' stdout and stderr.
pub const LOG_DIR: &str = "slurm-logs";
/// Directory under the output directory for the merged sweep.
pub const MERGED_DIR: &str = "merged";
/// The file that every started shard directory holds: an array task that
/// finds it continues its shard with `--resume`.
const SHARD_MARKER: &str = super::manifest::MANIFEST;

/// What the user chose on the command line for the Slurm jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmOptions {
    /// Tasks in the job array = shards of the sweep.
    pub array_size: u64,
    /// `--partition` of both jobs (the cluster's default if `None`).
    pub partition: Option<String>,
    /// `--time` limit of each job (the partition's default if `None`).
    pub time: Option<String>,
    /// `--cpus-per-task` of an array task; the task runs this many
    /// simulations at once.
    pub cpus_per_task: u32,
}

/// Everything the scripts name. Paths must be absolute: the jobs run on
/// other nodes, in another directory, over the shared file system.
#[derive(Debug, Clone)]
pub struct SlurmSweep {
    /// The `mirage` executable that the jobs call.
    pub mirage: PathBuf,
    /// The scenario (or sweep) file.
    pub scenario: PathBuf,
    /// The sweep's output directory: shards go into its `shard-K-of-N`
    /// subdirectories, the merged sweep into `merged/`.
    pub out: PathBuf,
    /// Directory the jobs run in (where relative paths inside the scenario
    /// resolve as they did when the scripts were written).
    pub workdir: PathBuf,
    /// The sweep's name, for the job names.
    pub name: String,
    /// Arguments of `mirage sweep` given to every task as they are
    /// (`--set`, `--seed`, ...), after the scenario.
    pub sweep_args: Vec<String>,
    /// Arguments given to `mirage merge` as they are (`--no-dashboard`).
    pub merge_args: Vec<String>,
    pub options: SlurmOptions,
}

/// The two job scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scripts {
    pub sweep: String,
    pub merge: String,
}

/// Digits of K in the name of shard K of N's directory, `shard-K-of-N`
/// ([`Shard::dir_name`](super::shard::Shard::dir_name)): the scripts build
/// the same names with `printf` and brace expansion.
fn shard_width(count: u64) -> usize {
    count.saturating_sub(1).to_string().len()
}

/// Checks the options and paths and writes both scripts.
pub fn scripts(job: &SlurmSweep) -> Result<Scripts, String> {
    check(job)?;
    Ok(Scripts {
        sweep: sweep_script(job),
        merge: merge_script(job),
    })
}

fn check(job: &SlurmSweep) -> Result<(), String> {
    let o = &job.options;
    if o.array_size == 0 {
        return Err("--array-size must be at least 1".into());
    }
    if o.cpus_per_task == 0 {
        return Err("--cpus-per-task must be at least 1".into());
    }
    if let Some(p) = &o.partition {
        let ok = !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ','));
        if !ok {
            return Err(format!(
                "--partition {p:?}: a partition name (or a comma-separated list) of letters, digits, `_`, `-` and `.`"
            ));
        }
    }
    if let Some(t) = &o.time {
        let ok = t.eq_ignore_ascii_case("unlimited")
            || t.eq_ignore_ascii_case("infinite")
            || (!t.is_empty()
                && t.starts_with(|c: char| c.is_ascii_digit())
                && t.chars()
                    .all(|c| c.is_ascii_digit() || c == ':' || c == '-'));
        if !ok {
            return Err(format!(
                "--time {t:?}: a Slurm time limit such as 30, 4:00:00 or 2-00:00:00 (minutes, hours:minutes:seconds, days-hours:minutes:seconds)"
            ));
        }
    }
    for (what, path) in [
        ("the mirage executable", &job.mirage),
        ("the scenario", &job.scenario),
        ("--out", &job.out),
        ("the working directory", &job.workdir),
    ] {
        if !path.is_absolute() {
            return Err(format!("{what} {} is not an absolute path", path.display()));
        }
        let Some(text) = path.to_str() else {
            return Err(format!(
                "{what} {} is not valid UTF-8: Slurm scripts need printable paths",
                path.display()
            ));
        };
        if text.contains(['\n', '\r', '\0']) {
            return Err(format!("{what} {text:?} contains a line break"));
        }
    }
    // The log path goes into an `#SBATCH --output=` line, which is not a
    // shell line: keep it to characters that need no quoting there.
    let out = directive_path(&job.out)?;
    if out.contains(|c: char| c.is_whitespace() || matches!(c, '%' | '"' | '\'' | '\\')) {
        return Err(format!(
            "--out {out:?}: a Slurm output directory must not contain white space, quotes, backslashes or `%`"
        ));
    }
    Ok(())
}

fn directive_path(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", path.display()))
}

/// `#SBATCH` lines shared by both jobs.
fn common_directives(text: &mut String, o: &SlurmOptions) {
    if let Some(p) = &o.partition {
        let _ = writeln!(text, "#SBATCH --partition={p}");
    }
    if let Some(t) = &o.time {
        let _ = writeln!(text, "#SBATCH --time={t}");
    }
}

fn log_path(job: &SlurmSweep, file: &str) -> String {
    job.out.join(LOG_DIR).join(file).display().to_string()
}

fn sweep_script(job: &SlurmSweep) -> String {
    let o = &job.options;
    let n = o.array_size;
    let width = shard_width(n);
    let out = quote_path(&job.out);
    let mut t = String::new();
    let _ = writeln!(t, "#!/bin/bash");
    let _ = writeln!(
        t,
        "# Sweep `{}` as a Slurm job array: task K runs shard K of {n}.",
        one_line(&job.name)
    );
    let _ = writeln!(t, "# Written by `mirage sweep --emit-slurm`. Submit:");
    let _ = writeln!(t, "#   sbatch {}", quote_path(&job.out.join(SWEEP_SCRIPT)));
    let _ = writeln!(
        t,
        "# A failed task K can be re-submitted alone; it resumes where it stopped:"
    );
    let _ = writeln!(
        t,
        "#   sbatch --array=K {}",
        quote_path(&job.out.join(SWEEP_SCRIPT))
    );
    let _ = writeln!(t, "#SBATCH --job-name={}", job_name(&job.name, "sweep"));
    let _ = writeln!(t, "#SBATCH --array=0-{}", n - 1);
    let _ = writeln!(t, "#SBATCH --ntasks=1");
    let _ = writeln!(t, "#SBATCH --cpus-per-task={}", o.cpus_per_task);
    common_directives(&mut t, o);
    let _ = writeln!(t, "#SBATCH --output={}", log_path(job, "sweep-%A_%a.out"));
    let _ = writeln!(t, "set -euo pipefail");
    let _ = writeln!(t, "cd {}", quote_path(&job.workdir));
    let _ = writeln!(
        t,
        "task=${{SLURM_ARRAY_TASK_ID:?not in a job array: submit this script with sbatch}}"
    );
    let _ = writeln!(t, "printf -v shard 'shard-%0{width}d-of-{n}' \"$task\"");
    let _ = writeln!(
        t,
        "# An earlier attempt of this task started the shard: continue it."
    );
    let _ = writeln!(t, "resume=");
    let _ = writeln!(
        t,
        "if [ -e {out}/\"$shard\"/{SHARD_MARKER} ]; then resume=--resume; fi"
    );
    let _ = writeln!(
        t,
        "echo \"array task $task: $shard${{resume:+ (resuming it)}}\""
    );
    let mut cmd = vec![
        quote_path(&job.mirage),
        "sweep".into(),
        quote_path(&job.scenario),
    ];
    cmd.extend(job.sweep_args.iter().map(|a| quote(a)));
    cmd.extend([
        "--shards".into(),
        n.to_string(),
        "--jobs".into(),
        "\"${SLURM_CPUS_PER_TASK:-1}\"".into(),
        "--out".into(),
        out,
        "$resume".into(),
    ]);
    let _ = writeln!(t, "# shellcheck disable=SC2086");
    let _ = writeln!(t, "exec {}", cmd.join(" "));
    t
}

fn merge_script(job: &SlurmSweep) -> String {
    let o = &job.options;
    let n = o.array_size;
    let width = shard_width(n);
    let merged = job.out.join(MERGED_DIR);
    let mut t = String::new();
    let _ = writeln!(t, "#!/bin/bash");
    let _ = writeln!(
        t,
        "# Merges the {n} shards of sweep `{}` into {}.",
        one_line(&job.name),
        merged.display()
    );
    let _ = writeln!(
        t,
        "# Written by `mirage sweep --emit-slurm`. Submit after the job array JOBID:"
    );
    let _ = writeln!(
        t,
        "#   sbatch --dependency=afterok:JOBID {}",
        quote_path(&job.out.join(MERGE_SCRIPT))
    );
    let _ = writeln!(t, "#SBATCH --job-name={}", job_name(&job.name, "merge"));
    let _ = writeln!(t, "#SBATCH --ntasks=1");
    let _ = writeln!(t, "#SBATCH --cpus-per-task=1");
    common_directives(&mut t, o);
    let _ = writeln!(t, "#SBATCH --output={}", log_path(job, "merge-%j.out"));
    let _ = writeln!(t, "set -euo pipefail");
    let _ = writeln!(t, "cd {}", quote_path(&job.workdir));
    let shards = format!(
        "{}/shard-{{{:0width$}..{}}}-of-{n}",
        quote_path(&job.out),
        0,
        n - 1
    );
    let mut cmd = vec![
        quote_path(&job.mirage),
        "merge".into(),
        shards,
        "--out".into(),
        quote_path(&merged),
        "--force".into(),
    ];
    cmd.extend(job.merge_args.iter().map(|a| quote(a)));
    let _ = writeln!(t, "exec {}", cmd.join(" "));
    t
}

/// What to run to submit both jobs, and what to do if a task fails.
pub fn instructions(job: &SlurmSweep) -> String {
    let sweep = quote_path(&job.out.join(SWEEP_SCRIPT));
    let merge = quote_path(&job.out.join(MERGE_SCRIPT));
    let n = job.options.array_size;
    let mut t = String::new();
    let _ = writeln!(t, "Submit the job array and the merge that waits for it:");
    let _ = writeln!(t, "    jobid=$(sbatch --parsable {sweep})");
    let _ = writeln!(t, "    sbatch --dependency=afterok:$jobid {merge}");
    let _ = writeln!(
        t,
        "Results: {}/runs.csv once the merge job has run; job logs in {}/.",
        job.out.join(MERGED_DIR).display(),
        job.out.join(LOG_DIR).display()
    );
    let _ = writeln!(
        t,
        "If task K (0..{}) fails, the merge never starts (squeue shows it pending with reason DependencyNeverSatisfied).",
        n - 1
    );
    let _ = writeln!(
        t,
        "Fix the cause, cancel that merge job, re-submit task K alone (it resumes where it stopped) and then the merge:"
    );
    let _ = writeln!(t, "    scancel MERGE_JOBID");
    let _ = writeln!(t, "    jobid=$(sbatch --parsable --array=K {sweep})");
    let _ = writeln!(t, "    sbatch --dependency=afterok:$jobid {merge}");
    t
}

/// A Slurm job name: `mirage-<name>-<what>`, the name kept to characters
/// that need no quoting.
fn job_name(name: &str, what: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if clean.is_empty() {
        format!("mirage-{what}")
    } else {
        format!("mirage-{clean}-{what}")
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

fn quote_path(path: &Path) -> String {
    quote(&path.display().to_string())
}

/// Quotes a word for a POSIX shell: as is when it only has characters the
/// shell never interprets, else in single quotes.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | '.' | '/' | ',' | ':' | '=' | '+' | '@')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> SlurmSweep {
        SlurmSweep {
            mirage: "/opt/mirage/bin/mirage".into(),
            scenario: "/home/ana/study/emission.toml".into(),
            out: "/scratch/ana/emission".into(),
            workdir: "/home/ana/study".into(),
            name: "emission".into(),
            sweep_args: vec!["--set".into(), "sweep.replications=4".into()],
            merge_args: Vec::new(),
            options: SlurmOptions {
                array_size: 3,
                partition: None,
                time: None,
                cpus_per_task: 2,
            },
        }
    }

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn sweep_script_runs_shard_k_of_n_resuming_a_started_shard() {
        let s = scripts(&job()).expect("valid").sweep;
        let l = lines(&s);
        assert_eq!(l[0], "#!/bin/bash");
        for want in [
            "#SBATCH --job-name=mirage-emission-sweep",
            "#SBATCH --array=0-2",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --output=/scratch/ana/emission/slurm-logs/sweep-%A_%a.out",
            "set -euo pipefail",
            "cd /home/ana/study",
            "printf -v shard 'shard-%01d-of-3' \"$task\"",
            "if [ -e /scratch/ana/emission/\"$shard\"/sweep.json ]; then resume=--resume; fi",
            "echo \"array task $task: $shard${resume:+ (resuming it)}\"",
            "exec /opt/mirage/bin/mirage sweep /home/ana/study/emission.toml --set sweep.replications=4 \
             --shards 3 --jobs \"${SLURM_CPUS_PER_TASK:-1}\" --out /scratch/ana/emission $resume",
        ] {
            assert!(l.contains(&want), "missing line {want:?} in\n{s}");
        }
        assert!(!s.contains("--partition"), "{s}");
        assert!(!s.contains("--time"), "{s}");
        // Every directive comes before the first command, or sbatch ignores it.
        let first_command = l
            .iter()
            .position(|x| !x.starts_with('#'))
            .expect("has commands");
        assert!(l[first_command..].iter().all(|x| !x.starts_with("#SBATCH")));
    }

    #[test]
    fn merge_script_lists_every_shard() {
        let s = scripts(&job()).expect("valid").merge;
        let l = lines(&s);
        for want in [
            "#SBATCH --job-name=mirage-emission-merge",
            "#SBATCH --cpus-per-task=1",
            "#SBATCH --output=/scratch/ana/emission/slurm-logs/merge-%j.out",
            "exec /opt/mirage/bin/mirage merge /scratch/ana/emission/shard-{0..2}-of-3 \
             --out /scratch/ana/emission/merged --force",
        ] {
            assert!(l.contains(&want), "missing line {want:?} in\n{s}");
        }
        assert!(!s.contains("--array"), "{s}");
        let mut j = job();
        j.merge_args = vec!["--no-dashboard".into()];
        let s = scripts(&j).expect("valid").merge;
        assert!(
            s.ends_with(" --out /scratch/ana/emission/merged --force --no-dashboard\n"),
            "{s}"
        );
    }

    #[test]
    fn shard_names_are_zero_padded_in_both_scripts() {
        let mut j = job();
        j.options.array_size = 120;
        let s = scripts(&j).expect("valid");
        assert!(s.sweep.contains("#SBATCH --array=0-119\n"));
        assert!(s.sweep.contains("'shard-%03d-of-120'"));
        assert!(s.merge.contains("/shard-{000..119}-of-120 "));
        j.options.array_size = 1;
        let s = scripts(&j).expect("valid");
        assert!(s.sweep.contains("#SBATCH --array=0-0\n"));
        assert!(s.merge.contains("/shard-{0..0}-of-1 "));
    }

    #[test]
    fn scripts_name_shards_as_the_sweep_does() {
        use super::super::shard::Shard;
        for (k, n) in [
            (0, 1),
            (2, 3),
            (9, 10),
            (10, 11),
            (7, 120),
            (999, 1000),
            (0, 1001),
        ] {
            let width = shard_width(n);
            let printf = format!("shard-{k:0width$}-of-{n}");
            let shard = Shard::new(k, n).expect("valid");
            assert_eq!(printf, shard.dir_name(), "shard {k}/{n}");
        }
    }

    #[test]
    fn partition_and_time_go_to_both_jobs() {
        let mut j = job();
        j.options.partition = Some("compute,long".into());
        j.options.time = Some("2-00:00:00".into());
        let s = scripts(&j).expect("valid");
        for text in [&s.sweep, &s.merge] {
            assert!(
                text.contains("#SBATCH --partition=compute,long\n"),
                "{text}"
            );
            assert!(text.contains("#SBATCH --time=2-00:00:00\n"), "{text}");
        }
    }

    #[test]
    fn odd_paths_and_arguments_are_quoted() {
        let mut j = job();
        j.mirage = "/opt/my tools/mirage".into();
        j.scenario = "/home/ana/it's here.toml".into();
        j.workdir = "/home/ana/my study".into();
        j.sweep_args = vec!["--set".into(), "name=a b$(x)".into()];
        let s = scripts(&j).expect("valid");
        assert!(s.sweep.contains("cd '/home/ana/my study'\n"));
        assert!(s.sweep.contains(
            "exec '/opt/my tools/mirage' sweep '/home/ana/it'\\''s here.toml' --set 'name=a b$(x)' "
        ));
        assert!(s.merge.contains("exec '/opt/my tools/mirage' merge "));
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a=b"), "a=b");
    }

    #[test]
    fn bad_options_and_paths_are_refused() {
        type Change = Box<dyn Fn(&mut SlurmSweep)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|j| j.options.array_size = 0), "--array-size"),
            (Box::new(|j| j.options.cpus_per_task = 0), "--cpus-per-task"),
            (
                Box::new(|j| j.options.partition = Some("a\n#SBATCH --x".into())),
                "--partition",
            ),
            (
                Box::new(|j| j.options.partition = Some(String::new())),
                "--partition",
            ),
            (
                Box::new(|j| j.options.time = Some("2 days".into())),
                "--time",
            ),
            (Box::new(|j| j.options.time = Some(":30".into())), "--time"),
            (Box::new(|j| j.out = "relative/out".into()), "absolute"),
            (Box::new(|j| j.mirage = "mirage".into()), "absolute"),
            (
                Box::new(|j| j.out = "/scratch/my out".into()),
                "white space",
            ),
            (Box::new(|j| j.out = "/scratch/100%".into()), "`%`"),
            (Box::new(|j| j.scenario = "/a\nb.toml".into()), "line break"),
        ];
        for (change, want) in cases {
            let mut j = job();
            change(&mut j);
            let err = scripts(&j).expect_err("refused");
            assert!(err.contains(want), "{err:?} should mention {want}");
        }
        for ok in ["30", "4:00:00", "2-00:00:00", "UNLIMITED", "infinite"] {
            let mut j = job();
            j.options.time = Some(ok.into());
            assert!(scripts(&j).is_ok(), "--time {ok}");
        }
    }

    #[test]
    fn instructions_submit_both_and_say_how_to_recover() {
        let text = instructions(&job());
        let l = lines(&text);
        for want in [
            "    jobid=$(sbatch --parsable /scratch/ana/emission/sweep.sbatch)",
            "    sbatch --dependency=afterok:$jobid /scratch/ana/emission/merge.sbatch",
            "    scancel MERGE_JOBID",
            "    jobid=$(sbatch --parsable --array=K /scratch/ana/emission/sweep.sbatch)",
        ] {
            assert!(l.contains(&want), "missing line {want:?} in\n{text}");
        }
        assert!(text.contains("/scratch/ana/emission/merged/runs.csv"));
        assert!(text.contains("DependencyNeverSatisfied"));
    }

    #[test]
    fn job_names_need_no_quoting() {
        assert_eq!(job_name("my sweep", "merge"), "mirage-my_sweep-merge");
        assert_eq!(job_name("", "sweep"), "mirage-sweep");
    }
}
