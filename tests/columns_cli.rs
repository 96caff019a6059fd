//! The column schema end to end: `mirage columns` prints it, the README's
//! column tables equal it, `mirage validate` summarises the outputs from
//! it, and `[sweep] metrics` chooses runs.csv's metric columns (values equal
//! to the run's epochs.csv final row and fairness.json; unknown names are
//! located errors with the closest names).

mod support;

use std::path::Path;
use std::process::{Command, Output};

use mirage_analysis::schema;
use support::read_csv;

fn mirage_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("mirage runs")
}

fn mirage(args: &[&str]) -> Output {
    mirage_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const REFRESH: &str = "MIRAGE_REFRESH_README";

/// README.md holds, for every table, `mirage columns TABLE --format
/// markdown` between `<!-- columns:TABLE -->` and `<!-- /columns -->`.
/// With MIRAGE_REFRESH_README=1 the test rewrites those sections.
#[test]
fn readme_column_tables_equal_the_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let mut readme = std::fs::read_to_string(&path).expect("README.md");
    let refresh = std::env::var_os(REFRESH).is_some();
    let mut stale = Vec::new();
    for table in schema::TABLES {
        let open = format!("<!-- columns:{} -->", table.name);
        let want = schema::readme_section(table);
        let Some(start) = readme.find(&open) else {
            stale.push(format!("{} (no `{open}` marker)", table.name));
            continue;
        };
        let Some(len) = readme[start..].find("<!-- /columns -->") else {
            stale.push(format!("{} (no closing marker)", table.name));
            continue;
        };
        let end = start + len + "<!-- /columns -->\n".len();
        let end = end.min(readme.len());
        if readme[start..end] != want {
            stale.push(table.name.to_string());
            if refresh {
                readme.replace_range(start..end, &want);
            }
        }
    }
    if refresh && !stale.is_empty() {
        std::fs::write(&path, &readme).expect("rewrite README.md");
        return;
    }
    assert!(
        stale.is_empty(),
        "README.md's column tables differ from the schema (mirage_analysis::schema) for: {}.\n\
         Refresh them with `{REFRESH}=1 cargo test --test columns_cli readme`, or paste the output of \
         `mirage columns --format markdown` over each section between its markers.",
        stale.join(", ")
    );
}

#[test]
fn columns_epochs_lists_the_schema() {
    let out = mirage(&["columns", "epochs"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("epochs.csv (one row per epoch):\n"),
        "{stdout}"
    );
    for c in schema::epochs::TABLE.columns() {
        assert!(
            stdout.contains(&format!("  {} ", c.name)),
            "{} in:\n{stdout}",
            c.name
        );
    }
    assert!(stdout.contains("for each role present in the scenario, in role order:"));
    assert!(stdout.contains("gini_wealth_{role}"));
    assert!(!stdout.contains("agents.csv"), "one table only");

    let md = mirage(&["columns", "agents", "--markdown"]);
    assert!(md.status.success(), "{}", text(&md.stderr));
    assert_eq!(
        text(&md.stdout),
        schema::readme_section(&schema::agents::TABLE)
    );

    let json = mirage(&["columns", "accounts", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["table"], "accounts");
    assert_eq!(v["parts"][0]["columns"][1]["name"], "balance");

    let all = text(&mirage(&["columns"]).stdout);
    for t in schema::TABLES {
        assert!(all.contains(&format!("{} (", t.file)), "{}", t.name);
    }
    assert!(
        all.contains("rewards.all.top_10pct_share"),
        "fairness paths listed"
    );

    let bad = mirage(&["columns", "epoch"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = text(&bad.stderr);
    assert!(err.contains("no output table is named `epoch`"), "{err}");
    assert!(
        err.contains("epochs, agents, accounts, value, proposals, runs, points"),
        "{err}"
    );
}

#[test]
fn validate_summarises_the_outputs_from_the_schema() {
    let out = mirage(&["validate", "scenarios/baseline.toml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let fixed = schema::epochs::COLUMNS.len();
    let per = schema::epochs::ROLE_COLUMNS.len();
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("epochs.csv"))
        .unwrap_or_else(|| panic!("epochs.csv line in:\n{stdout}"));
    assert!(
        line.contains(&format!("{fixed} fixed + {per} per role × ")),
        "{line}"
    );
    let roles: usize = line
        .split(" per role × ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("role count");
    assert!(
        line.contains(&format!("{} columns", fixed + per * roles)),
        "{line}"
    );
    assert!(stdout.contains(&format!(
        "agents.csv    {} columns",
        schema::agents::COLUMNS.len()
    )));
}

const TINY: &str = r#"name = "tiny"
seed = 3
epochs = 6
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
tasks_per_epoch = 40
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
count = 6
capacity = { dist = "uniform", min = 5, max = 20 }
cost_per_task = 0.05
stake = { dist = "pareto", scale = 100, shape = 1.5 }

[[population]]
name = "val"
role = "validator"
count = 3
stake = { dist = "pareto", scale = 1000, shape = 1.2 }
"#;

fn num(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("{cell:?} is a number"))
}

#[test]
fn sweep_metrics_choose_the_columns_and_equal_the_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let metrics = [
        "gini_wealth",
        "rewards.all.top_10pct_share",
        "wealth.by_role.validator.gini",
        "gini_wealth_validator",
        "wealth.all.sum",
        "value_validator",
        "supply_treasury",
        "who_benefits.validator.share_of_end_tokens",
        "who_benefits.treasury.share_of_end_tokens",
        "who_benefits_by_population.cp.net_gain_quote",
    ];
    let list: Vec<String> = metrics.iter().map(|m| format!("\"{m}\"")).collect();
    let scenario = format!(
        "{TINY}\n[sweep]\nreplications = 2\nmetrics = [{}]\n[sweep.axes]\n\"emission.per_epoch\" = [500, 2000]\n",
        list.join(", ")
    );
    std::fs::write(dir.join("tiny.toml"), scenario).expect("write");
    let out = mirage_in(dir, &["sweep", "tiny.toml", "--out", "sw"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let (header, rows) = read_csv(&dir.join("sw/runs.csv"));
    let mut want = vec![
        "run_id",
        "point_id",
        "replication",
        "seed",
        "emission.per_epoch",
    ];
    want.extend(metrics);
    want.push("warnings");
    assert_eq!(header, want);
    assert_eq!(rows.len(), 4);
    // The tiny scenario is healthy: every run's warnings cell is empty.
    let warnings_at = header.len() - 1;
    assert!(rows.iter().all(|r| r[warnings_at].is_empty()), "{rows:?}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sw/sweep.json")).expect("json"))
            .expect("json");
    assert_eq!(manifest["runs_columns"], serde_json::json!(want));
    assert_eq!(manifest["metrics"], serde_json::json!(metrics));
    let (points, _) = read_csv(&dir.join("sw/points.csv"));
    // Both headers are the schema's tables with these axes and metrics.
    let values = |p: &str| -> Vec<String> {
        match p {
            "axis" => vec!["emission.per_epoch".to_string()],
            "metric" => metrics.iter().map(|m| m.to_string()).collect(),
            _ => Vec::new(),
        }
    };
    assert_eq!(header, schema::runs::TABLE.header(&values));
    assert_eq!(points, schema::points::TABLE.header(&values));
    assert_eq!(points[2], "gini_wealth_mean");
    assert_eq!(points[5], "rewards.all.top_10pct_share_mean");

    // Run 3 (point 1, replication 1) by hand and compare.
    let row = &rows[3];
    let run = mirage_in(
        dir,
        &[
            "run",
            "tiny.toml",
            "--out",
            "one",
            "--no-dashboard",
            "--seed",
            &row[3],
            "--set",
            &format!("emission.per_epoch={}", row[4]),
        ],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let (eh, erows) = read_csv(&dir.join("one/epochs.csv"));
    let last = erows.last().expect("an epoch");
    let epoch = |name: &str| last[eh.iter().position(|h| h == name).expect(name)].clone();
    assert_eq!(
        row[5],
        epoch("gini_wealth"),
        "the cell as epochs.csv writes it"
    );
    assert_eq!(row[8], epoch("gini_wealth_validator"));
    let fairness: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("one/fairness.json")).expect("f"))
            .expect("json");
    let f = |ptr: &str| fairness.pointer(ptr).and_then(|v| v.as_f64()).expect(ptr);
    assert_eq!(num(&row[6]), f("/rewards/all/top_10pct_share"));
    assert_eq!(num(&row[7]), f("/wealth/by_role/validator/gini"));
    assert_eq!(num(&row[9]), f("/wealth/all/sum"));
    // The value figures: epochs.csv columns and fairness.json paths alike.
    assert_eq!(row[10], epoch("value_validator"));
    assert!(
        !row[10].is_empty(),
        "a market prices the validators' holdings"
    );
    assert_eq!(row[11], epoch("supply_treasury"));
    assert_eq!(
        num(&row[12]),
        f("/who_benefits/validator/share_of_end_tokens")
    );
    assert_eq!(
        num(&row[13]),
        f("/who_benefits/treasury/share_of_end_tokens")
    );
    assert_eq!(
        num(&row[14]),
        f("/who_benefits_by_population/cp/net_gain_quote")
    );
}

#[test]
fn an_unknown_metric_is_located_with_the_closest_names() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let scenario = format!(
        "{TINY}\n[sweep]\nmetrics = [\"gini_wealth\", \"rewards.all.top10_share\"]\n[sweep.axes]\n\"emission.per_epoch\" = [500, 2000]\n"
    );
    std::fs::write(dir.join("tiny.toml"), &scenario).expect("write");
    let out = mirage_in(dir, &["sweep", "tiny.toml", "--out", "sw"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    let line = scenario
        .lines()
        .position(|l| l.starts_with("metrics = "))
        .expect("line")
        + 1;
    let column = "metrics = [\"gini_wealth\", ".len() + 1;
    assert!(
        err.contains(&format!(
            "tiny.toml:{line}:{column}: [sweep] metrics: `rewards.all.top10_share`"
        )),
        "{err}"
    );
    assert!(
        err.contains("closest: `rewards.all.top_10pct_share`"),
        "{err}"
    );
    assert!(!dir.join("sw").exists(), "nothing created");

    // A sweep file reports it in its own file; a bad type is refused too.
    std::fs::write(
        dir.join("s.toml"),
        "scenario = \"tiny.toml\"\n[sweep]\nmetrics = [\"pricee\"]\n[sweep.axes]\n\"emission.per_epoch\" = [1]\n",
    )
    .expect("write");
    let err = text(&mirage_in(dir, &["sweep", "s.toml", "--out", "sw"]).stderr);
    assert!(
        err.contains("s.toml:3:12: [sweep] metrics: `pricee`"),
        "{err}"
    );
    assert!(err.contains("closest: `price`"), "{err}");
    let err = text(
        &mirage_in(
            dir,
            &[
                "sweep",
                "tiny.toml",
                "--out",
                "sw",
                "--set",
                "sweep.metrics=5",
            ],
        )
        .stderr,
    );
    assert!(err.contains("metrics must be a list of names"), "{err}");
}
