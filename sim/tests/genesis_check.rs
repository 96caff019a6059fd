//! The loader checks that genesis allocations fit the supply without
//! building a simulation (it replays the genesis draws): it must refuse
//! exactly the scenarios `Simulation::new` refuses, with the engine's own
//! message, located at the population whose funding fails.

use mirage_sim::{parse_scenario, Scenario, Simulation};
use proptest::prelude::*;

fn scenario(
    supply: u32,
    reserve: u32,
    holders: u32,
    validators: u32,
    investors: u32,
    seed: u64,
) -> String {
    format!(
        r#"name = "g"
epochs = 2
decimals = 2
seed = {seed}
initial_supply = {supply}
[market]
token_reserve = {reserve}
quote_reserve = 10
[[population]]
name = "h"
role = "holder"
count = {holders}
balance = {{ dist = "uniform", min = 0, max = 20 }}
[[population]]
name = "v"
role = "validator"
count = {validators}
max_count = 1
stake = {{ dist = "lognormal", mu = 2, sigma = 1 }}
balance = 1.5
[[population]]
name = "inv"
role = "investor"
count = {investors}
max_count = 1
allocation = {{ dist = "pareto", scale = 5, shape = 1.5 }}
"#
    )
}

/// The line of the `[[population]]` header of population `name` in `text`.
fn header_line(text: &str, name: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == format!("name = \"{name}\""))
        .expect("the population is in the text");
    at // the header is the line before `name`, counted from 1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, rng_seed: proptest::test_runner::RngSeed::Fixed(10), ..ProptestConfig::default() })]

    #[test]
    fn the_loader_refuses_exactly_the_genesis_the_engine_cannot_fund(
        supply in 1u32..1500,
        reserve in 0u32..200,
        holders in 1u32..40,
        validators in 0u32..8,
        investors in 0u32..8,
        seed in 0u64..1000,
    ) {
        prop_assume!(reserve <= supply);
        let text = scenario(supply, reserve, holders, validators, investors, seed);
        let raw: Scenario = toml::from_str(&text).expect("the scenario deserialises");
        let engine = Simulation::new(&raw, raw.seed);
        let loaded = parse_scenario(&text, "g.toml", &[]);
        match (engine, loaded) {
            (Ok(_), Ok(_)) => {}
            (Err(e), Err(l)) => {
                let expected = e.to_string();
                let expected = expected.trim_start_matches("genesis: ");
                let shown = l.to_string();
                prop_assert!(shown.contains(expected), "engine: {expected}\nloader: {shown}");
                let name = ["h", "v", "inv"]
                    .into_iter()
                    .find(|n| expected.contains(&format!("population `{n}`")))
                    .expect("the message names a population");
                let at = format!("g.toml:{}:1", header_line(&text, name));
                prop_assert!(shown.contains(&at), "{at} in {shown}");
            }
            (e, l) => prop_assert!(false, "engine {:?} but loader {:?}", e.err(), l.err()),
        }
    }
}
