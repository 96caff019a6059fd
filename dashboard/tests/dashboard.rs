//! The dashboard on synthetic run and sweep directories: every chart the
//! issue asks for is there, axes are found whatever the layout, large sweeps
//! stay small and fast, and bad input is an error naming the file.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use mirage_dashboard::{build, write_dashboard, write_dashboard_with, Kind, Options};

/// A small run: two rewarded roles and investors, 20 epochs, 40 agents.
fn write_run(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let roles = ["compute_provider", "validator", "investor"];
    let mut e = String::from("epoch,time,price,circulating_supply,minted_total,burned_total,treasury,gini_wealth,nakamoto_wealth,gini_rewards,active_agents,tasks_arrived,tasks_completed,tasks_dropped,cheats_caught,fees_quote,emission,rewards_paid");
    for r in roles {
        for c in [
            "active",
            "gini_wealth",
            "nakamoto_wealth",
            "hhi_wealth",
            "gini_rewards",
            "rewards",
        ] {
            write!(e, ",{c}_{r}").expect("fmt");
        }
    }
    e.push('\n');
    for k in 0..20u32 {
        let f = f64::from(k);
        write!(
            e,
            "{k},{},{},{}.000000,{}.000000,0.000000,1000.000000,{},{},{},40,100,90,0,1,10.000000,100.000000,100.000000",
            (k + 1) * 1440,
            0.1 + 0.01 * f,
            1000 + k * 10,
            (k + 1) * 100,
            0.5 + 0.01 * f,
            3 + k / 5,
            0.3 + 0.005 * f
        )
        .expect("fmt");
        let cum = f64::from(k + 1) * 50.0;
        write!(e, ",20,0.4,5,0.07,0.35,{cum:.6}").expect("fmt");
        write!(e, ",10,0.3,3,0.12,0.25,{cum:.6}").expect("fmt");
        // Investors: no rewards, empty rewards Gini.
        e.push_str(",10,0.2,4,0.11,,0.000000\n");
    }
    std::fs::write(dir.join("epochs.csv"), e).expect("write");
    let mut a = String::from("agent_id,role,population,joined_epoch,left_epoch,balance,stake,unvested,wealth,rewards_total,contribution_total,quote\n");
    for i in 0..40u32 {
        let role = roles[(i % 4).min(2) as usize];
        let (rewards, contrib) = if role == "investor" {
            (0, 0)
        } else {
            (10 * (i + 1), i + 1)
        };
        let left = if i == 3 { "12" } else { "" };
        writeln!(
            a,
            "{i},{role},p,0,{left},{w}.5,0.000000,0.000000,{w}.500000,{rewards}.000000,{contrib},0.000000",
            w = 100 + i * i
        )
        .expect("fmt");
    }
    std::fs::write(dir.join("agents.csv"), a).expect("write");
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"scenario": "tiny", "seed": 7, "decimals": 6, "mirage_version": "0.1.0"}"#,
    )
    .expect("write");
    std::fs::write(
        dir.join("scenario.resolved.toml"),
        "name = \"tiny\"\ndescription = \"A tiny test economy\"\n[market]\ntoken_reserve = 1000\nquote_reserve = 100\n",
    )
    .expect("write");
}

/// A sweep: the cartesian product of `axes`, `reps` replications each,
/// metrics `gini_rewards` (depending on the axes), `gini_wealth`, `price`.
fn write_sweep(dir: &Path, axes: &[(&str, Vec<String>)], reps: usize, json: Option<&str>) -> usize {
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
                .map(|(k, &i)| 0.05 * (k + 1) as f64 * i as f64)
                .sum();
            let noise = ((run * 7919) % 101) as f64 / 2000.0;
            writeln!(
                s,
                ",0.8,{},{:.6},0.05,0.1,{}",
                10 + run % 7,
                0.2 + base + noise,
                4000 + run % 100
            )
            .expect("fmt");
            run += 1;
        }
    }
    std::fs::write(dir.join("runs.csv"), s).expect("write");
    if let Some(j) = json {
        std::fs::write(dir.join("sweep.json"), j).expect("write");
    }
    run
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn scheme_sweep(dir: &Path) {
    write_sweep(
        dir,
        &[
            (
                "reward.compute.scheme",
                strings(&["proportional", "stake", "quadratic"]),
            ),
            (
                "emission.per_epoch",
                strings(&["50000", "100000", "200000"]),
            ),
        ],
        4,
        Some(
            r#"{"version": "0.1.0", "axes": [{"path": "reward.compute.scheme", "values": ["proportional", "stake", "quadratic"]}, {"path": "emission.per_epoch", "values": [50000, 100000, 200000]}], "done": []}"#,
        ),
    );
}

fn titles(dir: &Path, options: &Options) -> Vec<String> {
    let (_, page) = build(dir, options).expect("builds");
    page.charts().map(|c| c.title.clone()).collect()
}

fn err(dir: &Path, options: &Options) -> String {
    format!("{:#}", build(dir, options).expect_err("fails"))
}

#[test]
fn a_run_dashboard_has_every_chart_and_card() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("run");
    write_run(&dir);
    let out = dir.join("dashboard.html");
    write_dashboard(&dir, &out).expect("writes");
    let html = std::fs::read_to_string(&out).expect("read");
    for t in [
        "Gini of wealth over time",
        "Gini of rewards over time",
        "Nakamoto coefficient of wealth over time",
        "HHI of wealth over time, per role",
        "Lorenz curves of final wealth",
        "Lorenz curves of cumulative rewards",
        "Share of each epoch&#39;s rewards by role",
        "Rewards vs work: compute providers",
        "Rewards vs work: validators",
        "Token price",
        "Circulating supply",
        "Active agents",
    ] {
        assert!(html.contains(&format!("<title>{t}</title>")), "chart {t}");
    }
    for card in [
        "Wealth Gini, end",
        "Wealth Nakamoto, end",
        "Rewards Gini, end",
        "Rewards Nakamoto",
        "Misallocation",
        "Token price",
        "Investors / team: wealth",
    ] {
        assert!(html.contains(card), "card {card}");
    }
    // No investor rewards: a rewards-vs-work chart only for rewarded roles.
    assert!(!html.contains("Rewards vs work: investors"));
    // Genesis price 100/1000 = 0.1, final 0.29: +190%.
    assert!(html.contains("+190.0%"), "price change");
    assert!(html.contains("A tiny test economy"));
    // Self-contained: nothing fetched.
    for bad in ["<link", " src=", "@import", "url(", "https://"] {
        assert!(!html.contains(bad), "external resource {bad}");
    }
    assert_eq!(
        html.matches("<figure class=\"chart").count(),
        html.matches("<svg").count()
    );
    assert!(html.contains("id=\"render-check\""));
}

#[test]
fn a_run_dashboard_takes_fairness_figures_from_fairness_json_when_present() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("run");
    write_run(&dir);
    let page = |dir: &Path| {
        let (_, p) = build(dir, &Options::default()).expect("builds");
        mirage_dashboard::render(&p)
    };
    let computed = page(&dir);
    std::fs::write(
        dir.join("fairness.json"),
        r#"{"rewards_vs_contribution": {"all": {"spearman": 0.9, "misallocation": 0.123},
            "by_role": {"validator": {"spearman": 1.0, "misallocation": 0.5}}},
           "who_benefits": {"investor": {"agents": 10, "reward_share": 0.01, "wealth_share": 0.77, "contribution_share": 0.0}}}"#,
    )
    .expect("write");
    let reported = page(&dir);
    assert!(reported.contains(">12.3%<") && !computed.contains(">12.3%<"));
    assert!(reported.contains(">77.0%<"));
    assert!(reported.contains("Misallocation within the role: 50.0%"));
    // A report without these fields (another version) falls back.
    std::fs::write(dir.join("fairness.json"), "{}").expect("write");
    assert!(page(&dir).contains(">Misallocation<"));
    std::fs::write(dir.join("fairness.json"), "{\"wealth\": ").expect("write");
    let e = format!(
        "{:#}",
        build(&dir, &Options::default()).expect_err("malformed")
    );
    assert!(e.contains("fairness.json is not valid JSON"), "{e}");
}

#[test]
fn a_run_dashboard_is_deterministic_and_written_atomically() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("run");
    write_run(&dir);
    let (a, b) = (tmp.path().join("a.html"), tmp.path().join("b.html"));
    write_dashboard(&dir, &a).expect("a");
    write_dashboard(&dir, &b).expect("b");
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    let leftovers = std::fs::read_dir(tmp.path())
        .expect("ls")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().starts_with('.'))
        })
        .count();
    assert_eq!(leftovers, 0);
    let e = format!(
        "{:#}",
        write_dashboard(&dir, &tmp.path().join("no/such/dir/d.html")).expect_err("no dir")
    );
    assert!(e.contains("no/such/dir"), "{e}");
}

#[test]
fn charts_export_as_standalone_svg_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("sweep");
    scheme_sweep(&dir);
    let svg_dir = tmp.path().join("svg");
    let w = write_dashboard_with(
        &dir,
        &tmp.path().join("d.html"),
        &Options {
            svg_dir: Some(svg_dir.clone()),
            ..Options::default()
        },
    )
    .expect("writes");
    assert_eq!(w.kind, Kind::Sweep);
    assert_eq!(w.svgs.len(), w.charts);
    for p in &w.svgs {
        let text = std::fs::read_to_string(p).expect("svg");
        assert!(
            text.starts_with("<?xml")
                && text.contains("<svg")
                && text.contains("xmlns=\"http://www.w3.org/2000/svg\"")
        );
        assert!(text.contains("<title>"));
    }
    assert!(svg_dir
        .join("01-mean-gini-of-rewards-by-compute-scheme-and-emission-per-epoch.svg")
        .is_file());
}

#[test]
fn a_sweep_dashboard_has_heatmap_lines_schemes_and_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("sweep");
    scheme_sweep(&dir);
    let t = titles(&dir, &Options::default());
    assert_eq!(
        t,
        [
            "Mean Gini of rewards by compute.scheme and emission.per_epoch",
            "Mean Gini of rewards vs compute.scheme",
            "Mean Gini of rewards vs emission.per_epoch",
            "Distribution of Gini of rewards by compute.scheme",
        ]
    );
    let (_, page) = build(&dir, &Options::default()).expect("builds");
    let html = mirage_dashboard::render(&page);
    // The table: 9 points, sorted ascending by the metric.
    assert!(html.contains("All points, sorted by mean Gini of rewards"));
    let means: Vec<f64> = html
        .split("<tr>")
        .skip(2)
        .filter_map(|row| {
            row.split("<td class=\"num\">")
                .nth(2)
                .and_then(|c| c.split('<').next())
                .and_then(|c| c.parse().ok())
        })
        .collect();
    assert_eq!(means.len(), 9, "{means:?}");
    assert!(means.windows(2).all(|w| w[0] <= w[1]), "{means:?}");
    // Lines grouped by scheme have a legend naming each scheme.
    assert!(html.contains("compute.scheme = quadratic"));

    // Swapped axes and another metric.
    let t = titles(
        &dir,
        &Options {
            x: Some("emission.per_epoch".into()),
            y: Some("reward.compute.scheme".into()),
            metric: Some("price".into()),
            ..Options::default()
        },
    );
    assert_eq!(
        t[0],
        "Mean token price by emission.per_epoch and compute.scheme"
    );
}

#[test]
fn sweep_axes_are_found_with_or_without_a_manifest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let axes = [
        (
            "reward.data.scheme",
            strings(&["proportional", "quadratic"]),
        ),
        ("fees.burn_share", strings(&["0.1", "0.3", "0.5"])),
        ("churn.join_rate", strings(&["0.01", "0.02"])),
    ];
    // No sweep.json: the columns between `seed` and the first metric.
    let a = tmp.path().join("a");
    write_sweep(&a, &axes, 2, None);
    let t = titles(&a, &Options::default());
    assert_eq!(t.len(), 1 + 3 + 1, "{t:?}");
    assert!(
        t[0].ends_with("by data.scheme and fees.burn_share"),
        "{t:?}"
    );
    // sweep.json listing names as strings, in another order.
    let b = tmp.path().join("b");
    write_sweep(
        &b,
        &axes,
        2,
        Some(r#"{"axes": ["churn.join_rate", "fees.burn_share"]}"#),
    );
    let t = titles(&b, &Options::default());
    assert!(
        t[0].ends_with("by churn.join_rate and fees.burn_share"),
        "{t:?}"
    );
    // A manifest whose axes match no column: back to detection.
    let c = tmp.path().join("c");
    write_sweep(&c, &axes, 2, Some(r#"{"axes": {"nope.x": [1, 2]}}"#));
    assert_eq!(titles(&c, &Options::default()).len(), 5);
}

#[test]
fn a_single_axis_sweep_has_no_heatmap_but_a_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("s");
    write_sweep(
        &dir,
        &[("emission.per_epoch", strings(&["1", "2", "4", "8"]))],
        3,
        None,
    );
    let (_, page) = build(&dir, &Options::default()).expect("builds");
    let t: Vec<String> = page.charts().map(|c| c.title.clone()).collect();
    assert_eq!(t, ["Mean Gini of rewards vs emission.per_epoch"]);
    assert!(mirage_dashboard::render(&page).contains("single axis"));
}

#[test]
fn a_sweep_with_only_points_csv_still_draws() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("p");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut s = String::from("point_id,reward.compute.scheme,emission.per_epoch,gini_rewards_mean,gini_rewards_ci_low,gini_rewards_ci_high,price_mean,price_ci_low,price_ci_high\n");
    for (i, scheme) in ["stake", "yuma"].iter().enumerate() {
        for (j, e) in [10, 20].iter().enumerate() {
            let m = 0.3 + 0.1 * (i + j) as f64;
            writeln!(
                s,
                "p{i}{j},{scheme},{e},{m},{},{},1.0,,",
                m - 0.01,
                m + 0.01
            )
            .expect("fmt");
        }
    }
    std::fs::write(dir.join("points.csv"), s).expect("write");
    let (_, page) = build(&dir, &Options::default()).expect("builds");
    let html = mirage_dashboard::render(&page);
    assert!(html.contains("runs.csv is missing"));
    assert_eq!(page.charts().count(), 4);
    // The table shows the sweep's own interval.
    assert!(
        html.contains("0.2900") && html.contains("0.3100"),
        "reported CI"
    );
}

#[test]
fn ten_thousand_runs_render_fast_and_small_without_an_element_per_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // 1,000 points × 10 replications.
    let dir = tmp.path().join("big");
    let emission: Vec<String> = (1..=25).map(|i| (i * 10_000).to_string()).collect();
    let join: Vec<String> = (1..=10).map(|i| format!("0.{i:02}")).collect();
    let runs = write_sweep(
        &dir,
        &[
            (
                "reward.compute.scheme",
                strings(&["proportional", "stake", "quadratic", "yuma"]),
            ),
            ("emission.per_epoch", emission),
            ("churn.join_rate", join),
        ],
        10,
        None,
    );
    assert_eq!(runs, 10_000);
    let out = dir.join("dashboard.html");
    let started = Instant::now();
    write_dashboard(&dir, &out).expect("writes");
    let seconds = started.elapsed().as_secs_f64();
    let html = std::fs::read_to_string(&out).expect("read");
    eprintln!(
        "10,000 runs (1,000 points): {seconds:.3} s, {} bytes",
        html.len()
    );
    assert!(seconds < 5.0, "{seconds} s");
    assert!(html.len() < 5 * 1024 * 1024, "{} bytes", html.len());
    let elements = html.matches("<rect").count()
        + html.matches("<polyline").count()
        + html.matches("<circle").count()
        + html.matches("<polygon").count();
    assert!(elements < runs / 2, "{elements} shapes for {runs} runs");

    // 10,000 points × 1 replication on a 100 × 100 grid.
    let dir = tmp.path().join("grid");
    let a: Vec<String> = (1..=100).map(|i| (i * 1000).to_string()).collect();
    let b: Vec<String> = (0..100)
        .map(|i| format!("{:.2}", f64::from(i) / 100.0))
        .collect();
    write_sweep(
        &dir,
        &[("emission.per_epoch", a), ("fees.burn_share", b)],
        1,
        None,
    );
    let out = dir.join("dashboard.html");
    let started = Instant::now();
    write_dashboard(&dir, &out).expect("writes");
    let seconds = started.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&out).expect("stat").len();
    eprintln!("10,000 runs (10,000 points): {seconds:.3} s, {bytes} bytes");
    assert!(seconds < 5.0, "{seconds} s");
    assert!(bytes < 5 * 1024 * 1024, "{bytes} bytes");
}

#[test]
fn missing_and_malformed_input_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = Options::default();

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    assert!(
        err(&empty, &o).contains("holds no mirage outputs"),
        "{}",
        err(&empty, &o)
    );
    assert!(err(&tmp.path().join("nowhere"), &o).contains("is not a directory"));

    let run = tmp.path().join("run");
    write_run(&run);
    let epochs = std::fs::read_to_string(run.join("epochs.csv")).expect("read");
    // Truncated mid-row.
    std::fs::write(run.join("epochs.csv"), &epochs[..epochs.len() - 30]).expect("write");
    let e = err(&run, &o);
    assert!(e.contains("epochs.csv") && e.contains("truncated"), "{e}");
    // Header only.
    let header = epochs.lines().next().expect("header");
    std::fs::write(run.join("epochs.csv"), format!("{header}\n")).expect("write");
    let e = err(&run, &o);
    assert!(
        e.contains("epochs.csv has a header but no data rows"),
        "{e}"
    );
    // Empty file.
    std::fs::write(run.join("epochs.csv"), "").expect("write");
    assert!(err(&run, &o).contains("epochs.csv is empty"));
    // A cell that is not a number.
    std::fs::write(
        run.join("epochs.csv"),
        epochs.replacen(",0.1,", ",zero point one,", 1),
    )
    .expect("write");
    let e = err(&run, &o);
    assert!(e.contains("epochs.csv line 2, column `price`"), "{e}");
    std::fs::write(run.join("epochs.csv"), &epochs).expect("write");
    // agents.csv missing, then with a negative amount.
    let agents = std::fs::read_to_string(run.join("agents.csv")).expect("read");
    std::fs::remove_file(run.join("agents.csv")).expect("rm");
    assert!(err(&run, &o).contains("agents.csv is missing"));
    std::fs::write(
        run.join("agents.csv"),
        agents.replacen(",100.500000,", ",-100.500000,", 1),
    )
    .expect("write");
    let e = err(&run, &o);
    assert!(e.contains("agents.csv line 2, column `wealth`"), "{e}");
    // A column it needs.
    std::fs::write(
        run.join("agents.csv"),
        agents.replace("contribution_total", "work"),
    )
    .expect("write");
    assert!(err(&run, &o).contains("agents.csv: no column `contribution_total`"));
    std::fs::write(run.join("agents.csv"), &agents).expect("write");
    std::fs::write(run.join("manifest.json"), "{\"scenario\": ").expect("write");
    assert!(err(&run, &o).contains("manifest.json is not valid JSON"));
    std::fs::remove_file(run.join("manifest.json")).expect("rm");
    assert!(build(&run, &o).is_ok(), "the manifest is optional");
    let e = err(
        &run,
        &Options {
            metric: Some("price".into()),
            ..Options::default()
        },
    );
    assert!(e.contains("apply to sweep directories"), "{e}");

    let sweep = tmp.path().join("sweep");
    scheme_sweep(&sweep);
    let runs = std::fs::read_to_string(sweep.join("runs.csv")).expect("read");
    std::fs::write(sweep.join("runs.csv"), &runs[..runs.len() - 12]).expect("write");
    let e = err(&sweep, &o);
    assert!(e.contains("runs.csv") && e.contains("truncated"), "{e}");
    std::fs::write(sweep.join("runs.csv"), &runs).expect("write");
    let e = err(
        &sweep,
        &Options {
            metric: Some("nope".into()),
            ..Options::default()
        },
    );
    assert!(
        e.contains("--metric nope") && e.contains("gini_rewards"),
        "{e}"
    );
    let e = err(
        &sweep,
        &Options {
            x: Some("nope".into()),
            ..Options::default()
        },
    );
    assert!(
        e.contains("--x nope") && e.contains("reward.compute.scheme"),
        "{e}"
    );
    let e = err(
        &sweep,
        &Options {
            x: Some("emission.per_epoch".into()),
            y: Some("emission.per_epoch".into()),
            ..Options::default()
        },
    );
    assert!(e.contains("same axis"), "{e}");
    std::fs::write(
        sweep.join("runs.csv"),
        "run_id,point_id,replication,seed,gini_rewards\nr0,p0,0,1,0.5\n",
    )
    .expect("write");
    std::fs::remove_file(sweep.join("sweep.json")).expect("rm");
    let e = err(&sweep, &o);
    assert!(e.contains("runs.csv: no axis columns"), "{e}");
    std::fs::remove_file(sweep.join("runs.csv")).expect("rm");
    std::fs::write(sweep.join("sweep.json"), "{\"axes\": []}").expect("write");
    let e = err(&sweep, &o);
    assert!(e.contains("needs runs.csv or points.csv"), "{e}");
}

#[test]
fn the_price_axis_is_logarithmic_when_genesis_and_run_prices_differ_tenfold() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("run");
    write_run(&dir);
    // Prices 0.10 to 0.29 over the run: within 10×, a linear axis.
    let price_chart = |dir: &Path| {
        let (_, page) = build(dir, &Options::default()).expect("builds");
        let c = page
            .charts()
            .find(|c| c.title == "Token price")
            .expect("price chart")
            .clone();
        (c.caption, c.svg)
    };
    let (caption, svg) = price_chart(&dir);
    assert!(!caption.contains("logarithmic"), "{caption}");
    assert!(!svg.contains("log scale"));
    // A genesis price of 0.0001 is 1,000× below them: a log axis whose
    // ticks are round powers of ten.
    std::fs::write(
        dir.join("scenario.resolved.toml"),
        "name = \"tiny\"\n[market]\ntoken_reserve = 1000\nquote_reserve = 0.1\n",
    )
    .expect("write");
    let (caption, svg) = price_chart(&dir);
    assert!(caption.contains("logarithmic"), "{caption}");
    assert!(svg.contains("log scale"));
    let ticks: Vec<&str> = svg
        .split("</text>")
        .filter_map(|t| t.rsplit('>').next())
        .map(str::trim)
        .collect();
    for tick in ["1e-4", "0.001", "0.01", "0.1"] {
        assert!(ticks.contains(&tick), "tick {tick} in {ticks:?}");
    }
}

#[test]
fn a_governed_run_has_a_governance_section() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("run");
    write_run(&dir);
    let titles_before = titles(&dir, &Options::default());
    assert!(!titles_before.iter().any(|t| t.contains("proposal")));
    // Add the governance outputs: proposals.csv, the epochs.csv columns and
    // fairness.json's section.
    let epochs = std::fs::read_to_string(dir.join("epochs.csv")).expect("epochs");
    let mut out = String::new();
    for (i, line) in epochs.lines().enumerate() {
        if i == 0 {
            writeln!(
                out,
                "{line},voting_power_gini,voting_power_nakamoto,delegated_share"
            )
        } else {
            writeln!(out, "{line},0.9,{},0.125", 3 + i % 2)
        }
        .expect("fmt");
    }
    std::fs::write(dir.join("epochs.csv"), out).expect("write");
    std::fs::write(
        dir.join("proposals.csv"),
        "proposal,epoch_created,proposer_role,kind,method,power_for,power_against,power_abstain,voters,turnout,passed,executed_epoch,decisive_voters,nakamoto_power,top10_share\n\
         0,1,investor,grant,token,500,100,0,12,0.06,true,4,2,2,0.9\n\
         1,3,investor,fee,token,100,300,0,8,0.04,false,,3,1,1\n\
         2,19,investor,fee,token,,,,,,,,,,\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("fairness.json"),
        r#"{"governance": {"method": "token", "proposals": 3, "closed": 2, "passed": 1, "executed": 1,
            "pass_rate": 0.5, "pass_rate_by_proposer_role": {"investor": 0.5}, "mean_turnout": 0.05,
            "median_decisive_voters": 2, "rubber_stamp_rate": 1.0, "value_moved_to_team_quote": 750,
            "value_moved": {"investor": {"grants_tokens": 5, "grants_quote": 750,
            "reward_change_per_epoch_tokens": 0, "reward_change_per_epoch_quote": 0}}}}"#,
    )
    .expect("write");
    let out = dir.join("dashboard.html");
    write_dashboard(&dir, &out).expect("writes");
    let html = std::fs::read_to_string(&out).expect("read");
    assert!(html.contains("Governance: who decides"));
    for t in [
        "Turnout of each proposal",
        "Decisive voters of each proposal",
        "Concentration of voting power",
        "Nakamoto coefficient of voting power",
        "Value moved by executed proposals",
    ] {
        assert!(html.contains(&format!("<title>{t}</title>")), "chart {t}");
    }
    assert!(html.contains("rubber-stamp rate"));
    assert!(html.contains("100.0%"), "the rubber-stamp rate");
}
