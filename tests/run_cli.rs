//! End-to-end tests of `mirage run` and `mirage validate`: the baseline at
//! a small size, its output files and columns, conservation checked from the
//! files alone, byte-identical reruns, and the output-directory rules.

mod support;

use std::path::PathBuf;

use support::{mirage, read_csv, run_small, text};

/// Parses an exact decimal amount into base units.
fn units(cell: &str, decimals: usize) -> u128 {
    let (int, frac) = cell.split_once('.').expect("amounts carry decimals");
    assert_eq!(
        frac.len(),
        decimals,
        "exactly {decimals} decimals in {cell}"
    );
    format!("{int}{frac}").parse().expect("digits")
}

fn column<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name}"));
    &row[i]
}

#[test]
fn baseline_writes_complete_consistent_outputs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let out = run_small(&dir, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("final wealth: Gini"), "{stdout}");
    assert!(stdout.contains("events/s"), "{stdout}");

    for f in [
        "epochs.csv",
        "agents.csv",
        "accounts.csv",
        "value.csv",
        "scenario.resolved.toml",
        "manifest.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} written");
    }
    let leftovers: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files left: {leftovers:?}"
    );

    let (eh, epochs) = read_csv(&dir.join("epochs.csv"));
    for c in [
        "epoch",
        "time",
        "price",
        "circulating_supply",
        "minted_total",
        "burned_total",
        "gini_wealth",
        "nakamoto_wealth",
        "gini_rewards",
        "active_agents",
        "gini_wealth_compute_provider",
        "gini_rewards_validator",
        "rewards_data_provider",
        "hhi_wealth_investor",
        "nakamoto_wealth_speculator",
    ] {
        assert!(eh.iter().any(|h| h == c), "epochs.csv has {c}: {eh:?}");
    }
    assert_eq!(epochs.len(), 40);
    let (ah, agents) = read_csv(&dir.join("agents.csv"));
    assert_eq!(
        ah[..13],
        [
            "agent_id",
            "role",
            "population",
            "joined_epoch",
            "left_epoch",
            "balance",
            "stake",
            "unvested",
            "wealth",
            "rewards_total",
            "contribution_total",
            "quote",
            "reputation"
        ]
    );
    let roles: std::collections::BTreeSet<&str> = agents.iter().map(|r| r[1].as_str()).collect();
    for role in [
        "compute_provider",
        "data_provider",
        "validator",
        "speculator",
        "investor",
    ] {
        assert!(roles.contains(role), "{role} present");
    }

    // Conservation from the files alone: Σ agent wealth + Σ system accounts
    // = initial supply + minted − burned.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    // The shipped baseline runs without a health warning; the field is
    // always present.
    assert_eq!(manifest["warnings"], serde_json::json!([]));
    let decimals = manifest["decimals"].as_u64().expect("decimals") as usize;
    let initial = units(
        manifest["initial_supply"].as_str().expect("decimal string"),
        decimals,
    );
    let last = epochs.last().expect("rows");
    let minted = units(column(&eh, last, "minted_total"), decimals);
    let burned = units(column(&eh, last, "burned_total"), decimals);
    let wealth: u128 = agents
        .iter()
        .map(|r| units(column(&ah, r, "wealth"), decimals))
        .sum();
    for r in &agents {
        let parts: u128 = ["balance", "stake", "unvested"]
            .iter()
            .map(|c| units(column(&ah, r, c), decimals))
            .sum();
        assert_eq!(parts, units(column(&ah, r, "wealth"), decimals));
    }
    let (_, accounts) = read_csv(&dir.join("accounts.csv"));
    let names: Vec<&str> = accounts.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names,
        ["treasury", "market_pool", "rewards_pool", "fee_escrow"]
    );
    let system: u128 = accounts.iter().map(|r| units(&r[1], decimals)).sum();
    assert_eq!(wealth + system, initial + minted - burned);
    assert!(minted > 0, "the baseline emits");
}

/// Parses an exact signed decimal into base units.
fn signed_units(cell: &str, decimals: usize) -> i128 {
    match cell.strip_prefix('-') {
        Some(rest) => -(units(rest, decimals) as i128),
        None => units(cell, decimals) as i128,
    }
}

#[test]
fn value_csv_and_the_supply_breakdown_balance_from_the_files_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let out = run_small(&dir, &["--no-dashboard"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("early investors/team: net gain") && stdout.contains("of all gains"),
        "{stdout}"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert!(manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .any(|f| f == "value.csv"));
    let d = manifest["decimals"].as_u64().expect("decimals") as usize;
    let q = 6;
    let initial = units(manifest["initial_supply"].as_str().expect("supply"), d);
    let (eh, epochs) = read_csv(&dir.join("epochs.csv"));
    for row in &epochs {
        let held: u128 = [
            "supply_liquid",
            "supply_staked",
            "supply_unvested",
            "supply_treasury",
            "supply_market_pool",
            "supply_rewards_pool",
            "supply_fee_escrow",
            "burned_total",
        ]
        .iter()
        .map(|c| units(column(&eh, row, c), d))
        .sum();
        assert_eq!(held, initial + units(column(&eh, row, "minted_total"), d));
        assert!(!column(&eh, row, "value_investor").is_empty());
    }
    let last = epochs.last().expect("rows");
    let minted = units(column(&eh, last, "minted_total"), d);

    let (vh, rows) = read_csv(&dir.join("value.csv"));
    let cell = |row: &[String], c: &str| column(&vh, row, c).to_string();
    let economy: u128 = rows
        .iter()
        .filter(|r| !cell(r, "tokens_end").is_empty())
        .map(|r| units(&cell(r, "tokens_end"), d))
        .sum();
    assert_eq!(economy, initial + minted, "tokens_end incl. burned");
    let (mut inflow, mut outflow) = (0u128, 0u128);
    for r in &rows {
        let get = |c: &str| {
            let v = cell(r, c);
            (!v.is_empty()).then(|| units(&v, q))
        };
        inflow += get("quote_in").unwrap_or(0);
        outflow += get("quote_out").unwrap_or(0);
        if let (Some(g), Some(e), Some(i), Some(o)) = (
            get("quote_genesis"),
            get("quote_end"),
            get("quote_in"),
            get("quote_out"),
        ) {
            assert_eq!(e + o, g + i, "{}", r[0]);
        }
    }
    assert_eq!(inflow, outflow);

    // Each role row is the sum of its agents' columns.
    let (ah, agents) = read_csv(&dir.join("agents.csv"));
    for r in rows.iter().filter(|r| agents.iter().any(|a| a[1] == r[0])) {
        let mine: Vec<&Vec<String>> = agents.iter().filter(|a| a[1] == r[0]).collect();
        let sum = |c: &str, dec: usize| -> u128 {
            mine.iter().map(|a| units(column(&ah, a, c), dec)).sum()
        };
        assert_eq!(
            units(&cell(r, "tokens_genesis"), d),
            sum("genesis_tokens", d)
        );
        assert_eq!(units(&cell(r, "tokens_end"), d), sum("wealth", d));
        assert_eq!(units(&cell(r, "quote_genesis"), q), sum("genesis_quote", q));
        assert_eq!(units(&cell(r, "quote_end"), q), sum("quote", q));
        assert_eq!(units(&cell(r, "quote_in"), q), sum("quote_in", q));
        assert_eq!(units(&cell(r, "quote_out"), q), sum("quote_out", q));
        assert_eq!(
            units(&cell(r, "value_genesis_quote"), q),
            sum("value_genesis_quote", q)
        );
        // Rounding: the role's tokens are valued once, its agents' one by
        // one (each floor loses less than a base unit).
        let gain = signed_units(&cell(r, "net_gain_quote"), q);
        let agents_gain: i128 = mine
            .iter()
            .map(|a| signed_units(column(&ah, a, "net_gain_quote"), q))
            .sum();
        assert!(
            (gain - agents_gain).abs() <= mine.len() as i128,
            "{}: {gain} vs {agents_gain}",
            r[0]
        );
    }
    let fairness: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("fairness.json")).expect("fairness"),
    )
    .expect("json");
    for path in [
        "/who_benefits/investor/share_of_positive_gains",
        "/who_benefits/treasury/share_of_end_tokens",
        "/who_benefits_by_population/gpu_farms/share_of_costs",
        "/who_benefits/investor/wealth_share",
    ] {
        assert!(
            fairness.pointer(path).is_some_and(|v| v.is_number()),
            "{path}"
        );
    }
}

#[test]
fn same_seed_gives_byte_identical_outputs_and_resolved_scenario_reproduces() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    assert!(run_small(&a, &["--seed", "9"]).status.success());
    assert!(run_small(&b, &["--seed", "9"]).status.success());
    // Rerun from the resolved scenario alone.
    let resolved = a.join("scenario.resolved.toml");
    let out = mirage(&[
        "run",
        resolved.to_str().expect("utf-8"),
        "--out",
        c.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in [
        "epochs.csv",
        "agents.csv",
        "accounts.csv",
        "value.csv",
        "scenario.resolved.toml",
    ] {
        let x = std::fs::read(a.join(f)).expect("a");
        assert_eq!(
            x,
            std::fs::read(b.join(f)).expect("b"),
            "{f} identical across runs"
        );
        assert_eq!(
            x,
            std::fs::read(c.join(f)).expect("c"),
            "{f} reproduced from resolved"
        );
    }
    let d = tmp.path().join("d");
    assert!(run_small(&d, &["--seed", "10"]).status.success());
    assert_ne!(
        std::fs::read(a.join("epochs.csv")).expect("a"),
        std::fs::read(d.join("epochs.csv")).expect("d"),
        "another seed gives another run"
    );
}

#[test]
fn refuses_a_non_empty_directory_unless_forced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("keep.txt"), "mine").expect("write");
    let out = run_small(&dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not empty"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("epochs.csv").exists());
    let out = run_small(&dir, &["--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.join("epochs.csv").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).expect("kept"),
        "mine"
    );
}

#[test]
fn boltzmann_calibration_settles_near_mesa() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("bz");
    let out = mirage(&[
        "run",
        "scenarios/calibration/boltzmann.toml",
        "--out",
        dir.to_str().expect("utf-8"),
        "--set",
        "epochs=300",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (h, rows) = read_csv(&dir.join("epochs.csv"));
    // Mesa's Boltzmann wealth model with 10,000 agents settles near Gini
    // 0.63 (references.md, "Random-exchange economies"). Average the last
    // 100 steps to smooth the noise.
    let tail: Vec<f64> = rows[200..]
        .iter()
        .map(|r| column(&h, r, "gini_wealth").parse::<f64>().expect("gini"))
        .collect();
    let mean = tail.iter().sum::<f64>() / tail.len() as f64;
    assert!((0.61..0.65).contains(&mean), "mean Gini {mean}");
    // Every agent started with 1 token: the supply never changes.
    assert!(rows
        .iter()
        .all(|r| column(&h, r, "circulating_supply") == "10000"));
}

#[test]
fn validate_prints_a_summary() {
    let out = mirage(&["validate", "scenarios/baseline.toml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for needle in [
        "is valid",
        "gpu_farms",
        "compute_provider",
        "reward pool compute",
        "market:",
    ] {
        assert!(s.contains(needle), "{needle} in {s}");
    }
}

#[test]
fn warnings_reach_the_manifest_and_the_summary() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let scenario = tmp.path().join("whale.toml");
    std::fs::write(
        &scenario,
        "name = \"whale\"\nepochs = 5\nticks_per_epoch = 100\ninitial_supply = 1_000_000\n\
         [market]\ntoken_reserve = 1_000\nquote_reserve = 100\n\
         [[population]]\nrole = \"speculator\"\ncount = 1\nstrategy = \"whale\"\n\
         capital = 100_000_000\ntrade_fraction = 0.5\ntrades_per_epoch = 10\n",
    )
    .expect("written");
    let dir = tmp.path().join("out");
    let out = mirage(&[
        "run",
        scenario.to_str().expect("utf-8"),
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("warning: market_reserve_low"), "{stdout}");
    assert!(
        stdout.contains("who benefits: no early investors"),
        "{stdout}"
    );
    // The dashboard's health banner lists them.
    let page = std::fs::read_to_string(dir.join("dashboard.html")).expect("dashboard");
    assert!(page.contains("Health: warnings"), "banner");
    assert!(page.contains("market_reserve_low (epoch"), "listed");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    let kinds: Vec<&str> = manifest["warnings"]
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|w| w["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"market_reserve_low"), "{kinds:?}");
    assert!(kinds.contains(&"price_out_of_range"), "{kinds:?}");
}
