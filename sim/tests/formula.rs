//! The `formula` scheme against the rest of the engine: `weight = "work"`
//! pays exactly what `proportional` pays on random pools; the integer /
//! fixed-point rule, all-zero and invalid weights; stake in tokens; the
//! loader's messages for bad expressions (file line and column inside the
//! expression, or the `--set` flag); and whole runs with expressions that
//! read reputation and usage.

use mirage_sim::record::Collect;
use mirage_sim::reward::proportional::Proportional;
use mirage_sim::reward::{PoolKind, PoolSnapshot, RewardScheme, SchemeBuild, SchemeRegistry};
use mirage_sim::rng::{stream, Stream};
use mirage_sim::scenario::{Override, ScenarioError};
use mirage_sim::{parse_scenario, Simulation};
use proptest::prelude::*;

/// One compute pool's per-member values, with empty role tables
/// (neither `formula` nor `proportional` reads them).
type Pool = PoolSnapshot;

fn pool_of(work: Vec<u64>) -> Pool {
    let members = (0..work.len() as u32).map(|i| 10 + 3 * i).collect();
    PoolSnapshot::new(members, work, 0)
}

/// What `scheme` pays the pool from `budget` at epoch 4.
fn pay(pool: &Pool, scheme: &mut dyn RewardScheme, budget: u64) -> Result<Vec<u64>, String> {
    let mut rng = stream(7, Stream::Rewards);
    let mut out = vec![0; pool.members.len()];
    scheme.distribute(
        &pool.context(PoolKind::Compute, 4),
        budget,
        &mut rng,
        &mut out,
    )?;
    Ok(out)
}

/// `formula` with `weight = expression`, built from the registry as the
/// engine builds it.
fn formula(expression: &str, decimals: u32) -> Box<dyn RewardScheme> {
    let table = toml::Value::Table(toml::toml! { weight = expression });
    SchemeRegistry::builtin()
        .get("formula")
        .expect("formula is built in")
        .build(
            Some(&table),
            &SchemeBuild {
                pool: PoolKind::Compute,
                shares: &[(PoolKind::Compute, 1.0)],
                population_names: &[],
                decimals,
            },
        )
        .expect("builds")
}

proptest! {
    #[test]
    fn weight_work_pays_exactly_what_proportional_pays(
        work in proptest::collection::vec(
            prop_oneof![Just(0u64), 0u64..10, 0u64..1_000_000, 0u64..(1u64 << 52)], 0..60),
        budget in prop_oneof![Just(0u64), 0u64..1_000, 0u64..u64::MAX / 2],
    ) {
        let pool = pool_of(work);
        let want = pay(&pool, &mut Proportional, budget).expect("proportional pays");
        for expression in ["work", "2 * work", "work * (3 - 2)", "if(work > 0, work, 0)"] {
            let got = pay(&pool, formula(expression, 0).as_mut(), budget).expect("formula pays");
            prop_assert_eq!(&got, &want, "{}", expression);
        }
    }

    #[test]
    fn real_weights_never_overpay(
        work in proptest::collection::vec(0u64..1_000_000, 1..60),
        budget in 0u64..u64::MAX / 2,
    ) {
        let pool = pool_of(work);
        let got = pay(&pool, formula("sqrt(work) + work / 3", 0).as_mut(), budget).expect("pays");
        let paid: u64 = got.iter().sum();
        prop_assert!(paid <= budget);
        if pool.work.iter().any(|&w| w > 0) {
            prop_assert!(budget - paid < pool.work.len() as u64);
        }
    }
}

#[test]
fn real_weights_split_in_proportion() {
    let pool = pool_of(vec![1, 4, 9, 0]);
    let got = pay(&pool, formula("sqrt(work)", 0).as_mut(), 6_000_000).expect("pays");
    assert_eq!(got, vec![1_000_000, 2_000_000, 3_000_000, 0]);
}

#[test]
fn all_zero_weights_pay_nothing() {
    let pool = pool_of(vec![5, 0, 7]);
    for expression in ["0", "work * 0", "if(work > 100, work, 0)", "failures"] {
        let got = pay(&pool, formula(expression, 0).as_mut(), 1_000).expect("pays");
        assert_eq!(got, vec![0, 0, 0], "{expression}");
    }
    let empty = pool_of(Vec::new());
    assert_eq!(pay(&empty, formula("work", 0).as_mut(), 1_000), Ok(vec![]));
}

#[test]
fn a_negative_or_non_finite_weight_names_the_agent_epoch_and_pool() {
    let pool = pool_of(vec![3, 0, 2]);
    for (expression, shown) in [
        ("work - 1", "-1"),
        ("1 / work", "inf"),
        ("ln(work)", "-inf"),
        ("sqrt(work - 1)", "NaN"),
    ] {
        let err = pay(&pool, formula(expression, 0).as_mut(), 1_000).expect_err(expression);
        assert!(
            err.contains(&format!(
                "is {shown} for agent 13 in epoch 4 of the compute pool"
            )),
            "{expression}: {err}"
        );
    }
}

#[test]
fn stake_is_read_in_tokens_and_epoch_as_the_epoch() {
    let mut pool = pool_of(vec![1, 1, 1]);
    pool.stake = vec![3_000_000, 4_000_000, 5_000_000];
    let got = pay(&pool, formula("stake == 4", 6).as_mut(), 900).expect("pays");
    assert_eq!(got, vec![0, 900, 0]);
    let got = pay(&pool, formula("stake", 6).as_mut(), 1_200).expect("pays");
    assert_eq!(got, vec![300, 400, 500]);
    let got = pay(&pool, formula("if(epoch == 4, work, 0)", 6).as_mut(), 900).expect("pays");
    assert_eq!(got, vec![300, 300, 300]);
}

const SCENARIO: &str = "name = \"t\"
epochs = 1
initial_supply = 1

[reward.compute]
share = 1.0
scheme = \"formula\"

[reward.compute.formula]
weight = \"work + 2 * wrk\"

[[population]]
role = \"holder\"
count = 1
";

fn load_error(text: &str, overrides: &[&str]) -> ScenarioError {
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|o| Override::parse(o).expect("an override"))
        .collect();
    parse_scenario(text, "t.toml", &overrides).expect_err("the scenario is rejected")
}

#[test]
fn an_unknown_name_in_a_file_is_reported_at_its_line_and_column() {
    let ScenarioError::At {
        path,
        line,
        column,
        message,
        snippet,
    } = load_error(SCENARIO, &[])
    else {
        panic!("expected a located error");
    };
    assert_eq!((path.as_str(), line, column), ("t.toml", 10, 22));
    assert!(message.contains("column 12 of the expression"), "{message}");
    assert!(message.contains("unknown name `wrk`"), "{message}");
    assert!(
        message.contains("names: work, failures, stake, reputation, usage, epoch"),
        "{message}"
    );
    // The caret is under the `w` of `wrk`.
    assert!(
        snippet.ends_with(&format!("| {}^", " ".repeat(21))),
        "{snippet}"
    );
}

#[test]
fn a_syntax_error_in_a_file_is_reported_inside_the_expression() {
    let text = SCENARIO.replace("work + 2 * wrk", "(work + 2 *");
    let err = load_error(&text, &[]);
    let ScenarioError::At {
        line,
        column,
        message,
        ..
    } = &err
    else {
        panic!("expected a located error: {err}");
    };
    assert_eq!((*line, *column), (10, 22), "{err}");
    assert!(message.contains("column 12 of the expression"), "{message}");
    assert!(message.contains("syntax error"), "{message}");
    assert!(
        err.to_string()
            .starts_with("t.toml:10:22: [reward.compute.formula]: weight = \"(work + 2 *\""),
        "{err}"
    );
    // Single-quoted literals too.
    let text = SCENARIO.replace("\"work + 2 * wrk\"", "'work $ 1'");
    let ScenarioError::At {
        column, message, ..
    } = load_error(&text, &[])
    else {
        panic!("expected a located error");
    };
    assert_eq!(column, 16);
    assert!(message.contains("column 6 of the expression"), "{message}");
}

#[test]
fn errors_from_set_name_the_flag_and_the_column() {
    let text = SCENARIO.replace("\"formula\"", "\"proportional\"").replace(
        "[reward.compute.formula]\nweight = \"work + 2 * wrk\"\n",
        "",
    );
    let err = load_error(
        &text,
        &[
            "reward.compute.scheme=formula",
            "reward.compute.formula.weight=work ^ ^ 2",
        ],
    );
    let ScenarioError::Override {
        assignment,
        message,
    } = &err
    else {
        panic!("expected an override error: {err}");
    };
    assert!(
        assignment.contains("reward.compute.formula.weight=work ^ ^ 2"),
        "{err}"
    );
    assert!(message.contains("column 8 of the expression"), "{err}");
    assert!(err.to_string().starts_with("--set "), "{err}");
    let ok = parse_scenario(
        &text,
        "t.toml",
        &[
            Override::parse("reward.compute.scheme=formula").expect("override"),
            Override::parse("reward.compute.formula.weight=sqrt(stake)").expect("override"),
        ],
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn a_wrong_type_or_key_is_reported_at_its_place() {
    let text = SCENARIO.replace("\"work + 2 * wrk\"", "3");
    let err = load_error(&text, &[]);
    assert!(err.to_string().starts_with("t.toml:10:"), "{err}");
    let text = SCENARIO.replace("weight = \"work + 2 * wrk\"", "wieght = \"work\"");
    let err = load_error(&text, &[]);
    assert!(err.to_string().contains("wieght"), "{err}");
}

const BASE: &str = "name = \"f\"
epochs = 12
ticks_per_epoch = 50
initial_supply = 1000000
seed = 3

[emission]
schedule = \"constant\"
per_epoch = 1000

[reward.compute]
share = 0.5
scheme = \"formula\"

[reward.compute.formula]
weight = \"WEIGHT_C\"

[reward.data]
share = 0.5
scheme = \"formula\"

[reward.data.formula]
weight = \"WEIGHT_D\"

[demand]
tasks_per_epoch = 60

[[population]]
name = \"gpus\"
role = \"compute_provider\"
count = 8
capacity = 10
honesty = 0.8

[[population]]
name = \"data\"
role = \"data_provider\"
count = 6

[[population]]
name = \"validators\"
role = \"validator\"
count = 3
stake = 10
";

fn run(weight_compute: &str, weight_data: &str) -> Simulation {
    let text = BASE
        .replace("WEIGHT_C", weight_compute)
        .replace("WEIGHT_D", weight_data);
    let loaded = parse_scenario(&text, "f.toml", &[]).expect("a valid scenario");
    let mut sim = Simulation::new(&loaded.scenario, 3).expect("genesis");
    sim.run(&mut Collect::default()).expect("the run succeeds");
    sim
}

#[test]
fn whole_runs_read_reputation_and_usage_when_asked() {
    let plain = run("work", "work");
    let rewarded: u64 = plain.agents().rewards_total.iter().sum();
    assert!(rewarded > 0, "the pools paid something");
    let weighted = run("work * reputation ^ 2", "usage * reputation");
    assert_ne!(
        plain.agents().rewards_total,
        weighted.agents().rewards_total,
        "reputation and usage change the split"
    );
    let nobody = run("0", "0");
    assert!(nobody.agents().rewards_total.iter().all(|&r| r == 0));
}
