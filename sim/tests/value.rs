//! Value accounting, the closed economy's options and health warnings:
//! the per-stakeholder rows, each provider sell policy, price-sensitive
//! demand with a fee cap (a dynamic fee settles instead of diverging),
//! each warning triggered by a small scenario, and the loader's new
//! checks.

use mirage_sim::health;
use mirage_sim::record::EpochRecord;
use mirage_sim::scenario::TreasuryControl;
use mirage_sim::{parse_scenario, Simulation};

mod support;

/// Runs `text` with seed 1.
fn run(text: &str) -> (Simulation, Vec<EpochRecord>) {
    support::run(text, 1)
}

const ECONOMY: &str = r#"
name = "v"
epochs = 20
ticks_per_epoch = 100
initial_supply = 10_000_000
[emission]
schedule = "constant"
per_epoch = 1000
[fees]
task_fee = 0.1
[market]
token_reserve = 1_000_000
quote_reserve = 100_000
[demand]
tasks_per_epoch = 50
[churn]
exit_after_epochs = 0
[reward.compute]
share = 1
scheme = "proportional"
[[population]]
role = "speculator"
count = 3
capital = 1000
balance = 10
trade_fraction = 0.2
trades_per_epoch = 2
[[population]]
role = "compute_provider"
count = 5
capacity = 100
cost_per_task = 0.05
stake = 100
"#;

fn with_policy(policy: &str) -> String {
    format!("{ECONOMY}{policy}\n")
}

#[test]
fn value_rows_cover_every_stakeholder_and_balance() {
    let (sim, records) = run(&with_policy("entry_price = 0.01"));
    let rows = sim.value_rows();
    let names: Vec<&str> = rows.iter().map(|r| r.stakeholder.as_str()).collect();
    assert_eq!(
        names,
        [
            "compute_provider",
            "speculator",
            "treasury",
            "market_pool",
            "rewards_pool",
            "fee_escrow",
            "burned",
            "task_buyers",
            "outside"
        ]
    );
    let last = records.last().expect("records");
    let tokens: u128 = rows.iter().filter_map(|r| r.tokens_end).sum();
    assert_eq!(tokens, sim.ledger().initial_supply() + last.minted_total);
    let qin: u128 = rows.iter().filter_map(|r| r.quote_in).sum();
    let qout: u128 = rows.iter().filter_map(|r| r.quote_out).sum();
    assert_eq!(qin, qout);
    // Users paid fees; providers' costs went outside (legacy: sold to cover).
    let buyers = rows
        .iter()
        .find(|r| r.stakeholder == "task_buyers")
        .expect("row");
    assert!(buyers.quote_out.expect("flows") > 0);
    assert_eq!(buyers.value_end_quote, None);
    let gains: f64 = rows.iter().filter_map(|r| r.share_of_positive_gains).sum();
    assert!((gains - 1.0).abs() < 1e-9, "{gains}");
    let providers = &rows[0];
    assert_eq!(providers.share_of_costs, Some(1.0));
    assert_eq!(providers.share_of_rewards, Some(1.0));
    // Seed-round entry price 0.01 vs a genesis price of 0.1: 500 tokens of
    // stake entered at 5 quote.
    assert_eq!(providers.tokens_genesis, Some(500_000_000));
    assert_eq!(providers.value_genesis_quote, Some(5_000_000));
    let liquidation = providers.liquidation_value_quote.expect("sellable");
    assert!(liquidation <= providers.value_end_quote.expect("value"));
    // Per agent: net gain = end − genesis − unpaid.
    for a in 0..sim.agents().len() as u32 {
        let v = sim.agent_value(a);
        assert_eq!(
            v.net_gain_quote,
            v.value_end_quote as i128
                - v.value_genesis_quote as i128
                - v.unpaid_costs_quote as i128
        );
    }
    assert_eq!(sim.treasury_controlled_by(), TreasuryControl::Community);
}

#[test]
fn hold_sells_nothing_and_accrues_unpaid_costs() {
    let (sim, records) = run(&with_policy("sell_policy = \"hold\""));
    assert!(records.iter().all(|r| r.provider_sales_quote == 0));
    assert!(records.iter().all(|r| r.costs_paid_quote == 0));
    let providers: Vec<u32> = (0..sim.agents().len() as u32)
        .filter(|&a| sim.agents().role[a as usize].pays_costs())
        .collect();
    let unpaid: u128 = providers
        .iter()
        .map(|&a| sim.agent_value(a).unpaid_costs_quote)
        .sum();
    let completed: u64 = records.iter().map(|r| r.tasks_completed).sum();
    assert_eq!(unpaid, u128::from(completed) * 50_000);
    assert_eq!(records.last().expect("records").unpaid_costs_quote, unpaid);
}

#[test]
fn cover_costs_pays_every_cost_and_sell_rewards_sells_its_fraction() {
    let (sim, records) = run(&with_policy("sell_policy = \"cover_costs\""));
    let completed: u64 = records.iter().map(|r| r.tasks_completed).sum();
    let paid: u128 = records.iter().map(|r| r.costs_paid_quote).sum();
    assert_eq!(paid, u128::from(completed) * 50_000);
    assert_eq!(records.last().expect("records").unpaid_costs_quote, 0);
    let outside = sim
        .quote()
        .figures(mirage_sim::quote::QuoteAccount::Outside);
    assert_eq!(outside.inflow, paid);

    let (_, sold) = run(&with_policy(
        "sell_policy = \"sell_rewards\"\nreward_sell_fraction = 0.5",
    ));
    let proceeds: u128 = sold.iter().map(|r| r.provider_sales_quote).sum();
    // Half of ~1000 tokens an epoch at about 0.1: ~50 quote an epoch.
    assert!(
        proceeds > 20 * 30_000_000 && proceeds < 20 * 60_000_000,
        "{proceeds}"
    );
    assert_eq!(sold.last().expect("records").unpaid_costs_quote, 0);
}

#[test]
fn explicit_policies_count_money_received_for_churn() {
    // Under hold, a provider with costs receives nothing and leaves.
    let text = with_policy("sell_policy = \"hold\"")
        .replace("exit_after_epochs = 0", "exit_after_epochs = 2");
    let (sim, records) = run(&text);
    assert!(
        records.last().expect("records").roles[0].active == 0,
        "every provider left"
    );
    assert!(sim.warnings().iter().any(|w| w.kind == health::EXTINCT));
    // Without a sell policy the rewards' spot value covers the costs: all stay.
    let (_, legacy) = run(&ECONOMY.replace("exit_after_epochs = 0", "exit_after_epochs = 2"));
    assert_eq!(legacy.last().expect("records").roles[0].active, 5);
}

const CONGESTED: &str = r#"
name = "fee"
epochs = 60
ticks_per_epoch = 100
initial_supply = 100_000_000
[fees]
task_fee = 1
policy = "dynamic"
[market]
token_reserve = 50_000_000
quote_reserve = 50_000_000
[demand]
tasks_per_epoch = 100
[churn]
exit_after_epochs = 0
[[population]]
role = "compute_provider"
count = 1
capacity = 10
"#;

#[test]
fn a_dynamic_fee_diverges_without_willingness_and_settles_with_it() {
    let (sim, open) = run(CONGESTED);
    let fee = |r: &EpochRecord| r.task_fee as f64 / 1e6;
    assert!(fee(open.last().expect("records")) > 100.0);
    assert!(sim.warnings().iter().any(|w| w.kind == health::FEE_RISING));

    let priced = CONGESTED.replace(
        "[demand]\n",
        "[demand]\nwillingness_to_pay = { dist = \"uniform\", min = 0, max = 2 }\n",
    );
    let (sim, settled) = run(&priced);
    let tail: Vec<f64> = settled[40..].iter().map(fee).collect();
    let (lo, hi) = tail
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &f| (lo.min(f), hi.max(f)));
    assert!(hi < 2.5 && lo > 1.0, "fee settles near 1.9: {tail:?}");
    assert!(settled.iter().any(|r| r.tasks_priced_out > 0));
    assert!(!sim.warnings().iter().any(|w| w.kind == health::FEE_RISING));

    // A cap holds the fee and is reported.
    let capped = CONGESTED.replace("policy = \"dynamic\"", "policy = \"dynamic\"\nmax_fee = 5");
    let (sim, records) = run(&capped);
    assert_eq!(records.last().expect("records").task_fee, 5_000_000);
    let w = sim.warnings().iter().find(|w| w.kind == health::FEE_AT_CAP);
    assert!(w.is_some(), "{:?}", sim.warnings());
}

#[test]
fn a_drained_reserve_and_a_runaway_price_are_reported() {
    let text = r#"
name = "whale"
epochs = 10
ticks_per_epoch = 100
initial_supply = 1_000_000
[market]
token_reserve = 1_000
quote_reserve = 100
[[population]]
role = "speculator"
count = 1
strategy = "whale"
capital = 100_000_000
trade_fraction = 0.5
trades_per_epoch = 10
"#;
    let (sim, _) = run(text);
    let kinds: Vec<&str> = sim.warnings().iter().map(|w| w.kind).collect();
    assert!(kinds.contains(&health::RESERVE_LOW), "{kinds:?}");
    assert!(kinds.contains(&health::PRICE_RANGE), "{kinds:?}");
    // Each kind once.
    let mut unique = kinds.clone();
    unique.dedup();
    assert_eq!(unique.len(), kinds.len());
}

#[test]
fn a_pool_nobody_can_claim_is_reported() {
    let text = ECONOMY.replace(
        "[reward.compute]\nshare = 1\n",
        "[reward.validation]\nshare = 0.5\nscheme = \"stake\"\n[reward.compute]\nshare = 0.5\n",
    );
    let (sim, _) = run(&text);
    let w = sim
        .warnings()
        .iter()
        .find(|w| w.kind == health::POOL_UNCLAIMED)
        .expect("reported");
    assert_eq!(w.epoch, 9);
}

#[test]
fn the_baseline_runs_without_a_warning() {
    let text = include_str!("../../scenarios/baseline.toml");
    let loaded = parse_scenario(text, "baseline.toml", &[]).expect("ships valid");
    let mut sim = Simulation::new(&loaded.scenario, loaded.scenario.seed).expect("genesis");
    sim.run(&mut mirage_sim::record::Discard).expect("runs");
    assert!(sim.warnings().is_empty(), "{:?}", sim.warnings());
}

#[test]
fn the_loader_checks_the_new_keys_with_their_positions() {
    let zero = ECONOMY.replace("quote_reserve = 100_000", "quote_reserve = 0");
    let err = parse_scenario(&zero, "t.toml", &[])
        .expect_err("zero reserve")
        .to_string();
    assert!(
        err.contains("market.quote_reserve must be positive"),
        "{err}"
    );
    assert!(err.contains("t.toml:"), "located: {err}");
    let bad = ECONOMY.replace("strategy", "sell_policy = \"hold\"\nstrategy");
    let bad = bad.replace("capital = 1000", "capital = 1000\nsell_policy = \"hold\"");
    let err = parse_scenario(&bad, "t.toml", &[])
        .expect_err("not a provider")
        .to_string();
    assert!(err.contains("sell_policy"), "{err}");
    let missing = with_policy("sell_policy = \"sell_rewards\"");
    let err = parse_scenario(&missing, "t.toml", &[])
        .expect_err("fraction")
        .to_string();
    assert!(err.contains("reward_sell_fraction"), "{err}");
    let legacy = with_policy("sell_policy = \"legacy\"");
    assert!(parse_scenario(&legacy, "t.toml", &[]).is_err());
    let team = ECONOMY.replace("[churn]", "[treasury]\ncontrolled_by = \"team\"\n[churn]");
    let loaded = parse_scenario(&team, "t.toml", &[]).expect("valid");
    let sim = Simulation::new(&loaded.scenario, 1).expect("genesis");
    assert_eq!(sim.treasury_controlled_by(), TreasuryControl::Team);
}

#[test]
fn the_supply_breakdown_adds_up_and_role_values_are_marked_to_market() {
    let (sim, records) = run(&with_policy(""));
    let initial = sim.ledger().initial_supply();
    for r in &records {
        assert!(r.priced);
        assert_eq!(
            r.supply.total() + r.burned_total,
            initial + r.minted_total,
            "epoch {}",
            r.epoch
        );
        for role in &r.roles {
            assert!(role.value_quote.is_some());
        }
    }
    let last = records.last().expect("records");
    let rows = sim.value_rows();
    for role in &last.roles {
        let row = rows
            .iter()
            .find(|x| x.stakeholder == role.role.as_str())
            .expect("role row");
        assert_eq!(row.tokens_end, Some(role.wealth_total));
        assert_eq!(row.value_end_quote, role.value_quote);
    }
    // Without a market there are no prices.
    let text = "name = \"t\"\nepochs = 3\ninitial_supply = 100\n\n[[population]]\nname = \"h\"\nrole = \"holder\"\ncount = 2\nbalance = 1\n";
    let (sim, records) = run(text);
    for r in &records {
        assert!(!r.priced);
        assert_eq!(
            r.supply.total() + r.burned_total,
            sim.ledger().initial_supply() + r.minted_total
        );
        assert!(r.roles.iter().all(|x| x.value_quote.is_none()));
    }
}
