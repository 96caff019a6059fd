//! Reward schemes under random populations: every scheme pays at most its
//! budget and, when some member is eligible, all of it but an integer
//! remainder smaller than the number of members (which the engine leaves in
//! the rewards pool); whole runs under every scheme, allocation policy and
//! fee policy conserve tokens and leave exactly the unpaid remainder in the
//! rewards pool; and schemes rank the same population as they should.

use mirage_sim::agents::data_provider::Submitter;
use mirage_sim::ledger::{Account, SystemAccount};
use mirage_sim::record::Collect;
use mirage_sim::reward::{PoolKind, PoolSnapshot, RewardScheme, SchemeBuild, SchemeRegistry};
use mirage_sim::rng::{stream, Stream};
use mirage_sim::scenario::{PoolConfig, Role};
use mirage_sim::{parse_scenario, Simulation};
use proptest::prelude::*;

/// A hand-built population of one pool, with validators to assess it.
type World = PoolSnapshot;

#[derive(Debug, Clone)]
struct Member {
    work: u64,
    failures: u64,
    stake: u64,
    quality: f64,
    reputation: f64,
    usage: u64,
}

fn member() -> impl Strategy<Value = Member> {
    (
        prop_oneof![Just(0u64), 0u64..5, 0u64..1_000_000],
        0u64..10,
        prop_oneof![Just(0u64), 0u64..1_000_000_000_000],
        0.0f64..=1.0,
        0.0f64..=1.0,
        prop_oneof![Just(0u64), 0u64..100],
    )
        .prop_map(
            |(work, failures, stake, quality, reputation, usage)| Member {
                work,
                failures,
                stake,
                quality,
                reputation,
                usage,
            },
        )
}

fn world(pool: PoolKind, members: &[Member], validators: &[(u64, f64)]) -> World {
    let mut w = World::new(Vec::new(), Vec::new(), u64::MAX / 4);
    let treasury = Account::System(SystemAccount::Treasury);
    for m in members {
        let id = w.ledger.open_agent();
        let (role, row) = match pool {
            PoolKind::Data => {
                w.data.agent.push(id);
                w.data.submitter.push(Submitter {
                    quality: m.quality,
                    submission_rate: 1.0,
                    cost_per_submission: 0,
                });
                w.data.usage_epoch.push(m.usage);
                (Role::DataProvider, w.data.agent.len() - 1)
            }
            _ => {
                let row = w.compute.push(id, 10, 0, m.quality, 0.0);
                (Role::ComputeProvider, row as usize)
            }
        };
        w.agents.push(role, 0, row as u32, 0);
        w.ledger
            .transfer(treasury, Account::Stake(id), m.stake)
            .expect("funded");
        w.members.push(id);
        w.work.push(m.work);
        w.failures.push(m.failures);
        w.stake.push(m.stake);
        w.reputation.push(m.reputation);
        w.usage
            .push(if pool == PoolKind::Data { m.usage } else { 0 });
    }
    for &(stake, accuracy) in validators {
        let id = w.ledger.open_agent();
        w.validators.agent.push(id);
        w.validators.accuracy.push(accuracy);
        w.agents
            .push(Role::Validator, 1, (w.validators.agent.len() - 1) as u32, 0);
        w.ledger
            .transfer(treasury, Account::Stake(id), stake)
            .expect("funded");
    }
    w
}

/// Builds the scheme a pool's configuration names, from the registry.
fn build_scheme(pool: PoolKind, config: &PoolConfig, names: &[String]) -> Box<dyn RewardScheme> {
    let registry = SchemeRegistry::builtin();
    let factory = registry
        .get(config.scheme_name())
        .expect("a built-in scheme");
    factory
        .build(
            config.params_of(config.scheme_name()),
            &SchemeBuild {
                pool,
                shares: &[(pool, config.share.0)],
                population_names: names,
                decimals: 0,
            },
        )
        .expect("builds")
}

fn pool_config(pool: &str, scheme: &str, params: &str) -> PoolConfig {
    let text = format!(
        "name = \"t\"\nepochs = 1\ninitial_supply = 1\n[reward.{pool}]\nshare = 1.0\nscheme = \"{scheme}\"\n{params}\n[[population]]\nrole = \"holder\"\ncount = 1\n"
    );
    let loaded = parse_scenario(&text, "t.toml", &[]).expect("valid scheme configuration");
    let reward = loaded.scenario.reward.expect("reward table");
    match pool {
        "data" => reward.data,
        _ => reward.compute,
    }
    .expect("the pool")
}

/// (pool, scheme, parameter table) of every single-pool scheme.
const CASES: &[(&str, &str, &str)] = &[
    ("compute", "proportional", ""),
    ("compute", "stake", ""),
    ("data", "proportional", ""),
    ("compute", "reputation", ""),
    (
        "compute",
        "reputation",
        "[reward.compute.reputation]\ngamma = 3.0",
    ),
    ("data", "reputation", ""),
    ("compute", "quality", ""),
    (
        "compute",
        "quality",
        "[reward.compute.quality]\ncommittee = 0\nnoise = 3.0",
    ),
    ("data", "quality", ""),
    ("data", "quadratic", ""),
    (
        "data",
        "quadratic",
        "[reward.data.quadratic]\nmechanism = \"pairwise\"\nm = 2.0",
    ),
    (
        "data",
        "quadratic",
        "[reward.data.quadratic]\nmechanism = \"cluster\"\ncap = 0.3\nclusters = \"projects\"",
    ),
    (
        "data",
        "quadratic",
        "[reward.data.quadratic]\nmechanism = \"cocm\"\nstyle = \"pct_friends\"\nharsh = false",
    ),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn payouts_never_exceed_the_budget_and_leave_less_than_one_unit_per_member(
        case in 0..CASES.len(),
        members in proptest::collection::vec(member(), 0..30),
        validators in proptest::collection::vec((0u64..1_000_000, 0.0f64..=1.0), 0..8),
        budget in prop_oneof![Just(0u64), 0u64..1000, 0u64..u64::MAX / 4],
        seed in any::<u64>(),
    ) {
        let (pool_name, scheme, params) = CASES[case];
        let pool = if pool_name == "data" { PoolKind::Data } else { PoolKind::Compute };
        let config = pool_config(pool_name, scheme, params);
        let mut s = build_scheme(pool, &config, &[]);
        let w = world(pool, &members, &validators);
        let ctx = w.context(pool, 0);
        let mut payouts = vec![0u64; w.members.len()];
        let mut rng = stream(seed, Stream::Rewards);
        s.distribute(&ctx, budget, &mut rng, &mut payouts).expect("the scheme computes its payouts");
        let paid: u128 = payouts.iter().map(|&p| u128::from(p)).sum();
        prop_assert!(paid <= u128::from(budget), "{scheme} paid {paid} of {budget}");
        // Who is eligible: a member with a positive basis (and, where the
        // weight has a factor that can be zero, a positive factor).
        let by_usage = pool == PoolKind::Data && w.usage.iter().any(|&u| u > 0);
        // Quadratic funding pays from floating-point matches (and a cap may
        // leave part of the pool unpaid): only the bound above applies;
        // `quadratic_funding_pays_the_whole_uncapped_pool` checks the rest.
        let eligible = scheme != "quadratic" && members.iter().any(|m| match scheme {
            "stake" => m.stake > 0,
            "reputation" => m.work > 0 && m.reputation > 0.0,
            "quality" => {
                let basis = if by_usage { m.usage } else { m.work };
                // Observations are clamped to [0, 1]; the median is positive
                // when the truth is 1 or nobody assesses.
                basis > 0 && (validators.is_empty() || m.quality >= 1.0)
            }
            _ => m.work > 0,
        });
        if eligible {
            prop_assert!(
                u128::from(budget) - paid < w.members.len() as u128,
                "{scheme}: {paid} of {budget} paid to {} members", w.members.len()
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Yuma pays providers and validators from one joint budget.
    #[test]
    fn yuma_never_exceeds_the_joint_budget(
        members in proptest::collection::vec(member(), 0..20),
        validators in proptest::collection::vec((0u64..1_000_000, 0.0f64..=1.0), 0..8),
        budget in prop_oneof![Just(0u64), 0u64..1000, 0u64..u64::MAX / 4],
        split in 0.0f64..=1.0,
        seed in any::<u64>(),
    ) {
        let names: Vec<String> = Vec::new();
        let params = mirage_sim::reward::yuma_pool::YumaSchemeParams::default();
        let mut s = mirage_sim::reward::yuma_pool::YumaPool::new(&params, split, &names);
        let mut w = world(PoolKind::Compute, &members, &validators);
        // The validators are members of the joint pool too.
        for (row, &agent) in w.validators.agent.clone().iter().enumerate() {
            w.members.push(agent);
            w.work.push(0);
            w.failures.push(0);
            w.stake.push(validators[row].0);
            w.reputation.push(0.5);
            w.usage.push(0);
        }
        let mut rng = stream(seed, Stream::Rewards);
        for _ in 0..3 {
            let ctx = w.context(PoolKind::Compute, 0);
            let mut payouts = vec![0u64; w.members.len()];
            s.distribute(&ctx, budget, &mut rng, &mut payouts).expect("yuma computes its payouts");
            let paid: u128 = payouts.iter().map(|&p| u128::from(p)).sum();
            prop_assert!(paid <= u128::from(budget));
        }
    }
}

/// A small economy with every role under the given compute scheme and
/// policies.
fn economy(
    compute_scheme: &str,
    data_scheme: &str,
    allocation: &str,
    fee_policy: &str,
    epochs: u32,
) -> String {
    let validation_scheme = if compute_scheme == "yuma" {
        "yuma"
    } else {
        "stake"
    };
    format!(
        r#"name = "economy"
epochs = {epochs}
ticks_per_epoch = 20
decimals = 3
initial_supply = 10_000_000
[emission]
schedule = "constant"
per_epoch = 1000
[fees]
task_fee = 0.3
burn_share = 0.2
treasury_share = 0.1
policy = "{fee_policy}"
target_utilisation = 0.4
min_fee = 0.01
[market]
token_reserve = 1_000_000
quote_reserve = 100_000
[demand]
tasks_per_epoch = 150
growth_per_epoch = 0.05
service_ticks = 2
allocation = "{allocation}"
[validation]
sample_rate = 0.5
delay_ticks = 1
[churn]
exit_after_epochs = 2
join_rate = 0.5
[reward.compute]
share = 0.5
scheme = "{compute_scheme}"
[reward.compute.reputation]
on_slash = "cut"
prior = 0.2
[reward.data]
share = 0.3
scheme = "{data_scheme}"
[reward.validation]
share = 0.2
scheme = "{validation_scheme}"
[[population]]
name = "honest"
role = "compute_provider"
count = 6
max_count = 12
capacity = {{ dist = "uniform", min = 0, max = 30 }}
cost_per_task = {{ dist = "uniform", min = 0.01, max = 0.1 }}
honesty = 0.99
stake = {{ dist = "pareto", scale = 10, shape = 1.5 }}
[[population]]
name = "cheaters"
role = "compute_provider"
count = 6
capacity = {{ dist = "uniform", min = 0, max = 30 }}
cost_per_task = 0.01
honesty = 0.6
stake = {{ dist = "pareto", scale = 10, shape = 1.5 }}
[[population]]
name = "data"
role = "data_provider"
count = 8
max_count = 10
quality = {{ dist = "beta", alpha = 2, beta = 2 }}
submission_rate = 3
[[population]]
name = "validators"
role = "validator"
count = 4
stake = {{ dist = "lognormal", mu = 3, sigma = 1 }}
accuracy = 0.9
[[population]]
name = "traders"
role = "speculator"
count = 5
capital = 1000
balance = 50
trades_per_epoch = 2
"#
    )
}

fn run(text: &str, seed: u64) -> (Simulation, Vec<mirage_sim::EpochRecord>) {
    let loaded = parse_scenario(text, "economy.toml", &[]).expect("valid");
    let mut sim = Simulation::new(&loaded.scenario, seed).expect("genesis fits");
    let mut records = Collect::default();
    sim.run(&mut records)
        .expect("the run keeps every invariant");
    (sim, records.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_scheme_and_policy_conserves_and_keeps_the_remainder(
        compute in prop::sample::select(vec!["proportional", "stake", "reputation", "quality", "yuma"]),
        data in prop::sample::select(vec!["proportional", "reputation", "quality", "quadratic"]),
        allocation in prop::sample::select(vec!["random", "cheapest", "reputation_weighted"]),
        fee in prop::sample::select(vec!["fixed", "dynamic"]),
        seed in any::<u32>(),
    ) {
        let text = economy(compute, data, allocation, fee, 12);
        let (sim, records) = run(&text, u64::from(seed));
        sim.ledger().check().expect("conserved");
        let last = records.last().expect("records");
        // The unpaid remainder of the last epoch is still in the rewards pool.
        prop_assert_eq!(
            u128::from(sim.ledger().system(SystemAccount::RewardsPool)),
            last.reward_budget - last.rewards_paid
        );
        for r in &records {
            prop_assert!(r.rewards_paid <= r.reward_budget);
            prop_assert!((0.0..=1.0).contains(&r.utilisation));
        }
        for a in 0..sim.agents().len() as u32 {
            if let Some(rep) = sim.reputation(a) {
                prop_assert!((0.0..=1.0).contains(&rep), "reputation {rep}");
            }
        }
        let (_, again) = run(&text, u64::from(seed));
        prop_assert_eq!(records, again);
    }
}

/// Mean total reward per agent of each compute population.
fn mean_rewards(sim: &Simulation, population: &str) -> f64 {
    let names = sim.population_names();
    let agents = sim.agents();
    let picked: Vec<u64> = (0..agents.len())
        .filter(|&a| names[usize::from(agents.population[a])] == population)
        .map(|a| agents.rewards_total[a])
        .collect();
    picked.iter().map(|&r| r as f64).sum::<f64>() / picked.len().max(1) as f64
}

#[test]
fn reputation_and_quality_pay_honest_providers_more_than_proportional_does() {
    let ratio = |scheme: &str| {
        let (sim, _) = run(&economy(scheme, "proportional", "random", "fixed", 25), 3);
        mean_rewards(&sim, "honest") / mean_rewards(&sim, "cheaters").max(1.0)
    };
    let proportional = ratio("proportional");
    let reputation = ratio("reputation");
    let quality = ratio("quality");
    assert!(
        reputation > 1.5 * proportional,
        "honest/cheater reward ratio: reputation {reputation}, proportional {proportional}"
    );
    assert!(
        quality > proportional,
        "honest/cheater reward ratio: quality {quality}, proportional {proportional}"
    );
}

#[test]
fn reputation_weighted_allocation_starves_cheaters_of_tasks() {
    let work = |allocation: &str| {
        let (sim, _) = run(
            &economy("proportional", "proportional", allocation, "fixed", 25),
            4,
        );
        let agents = sim.agents();
        let names = sim.population_names();
        let share = |pop: &str| {
            (0..agents.len())
                .filter(|&a| names[usize::from(agents.population[a])] == pop)
                .map(|a| agents.contribution_total[a] as f64)
                .sum::<f64>()
        };
        share("cheaters") / (share("honest") + share("cheaters")).max(1.0)
    };
    let random = work("random");
    let weighted = work("reputation_weighted");
    assert!(
        weighted < random,
        "cheaters' share of work: weighted {weighted}, random {random}"
    );
}

/// Share of a pool's total rewards that went to one population, in a run
/// of a shipped scenario at a small size.
fn population_share(scenario: &str, overrides: &[&str], population: &str, role: Role) -> f64 {
    let path = format!(
        "{}/../scenarios/schemes/{scenario}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("shipped scenario");
    let mut all = vec!["epochs=20".to_string()];
    all.extend(overrides.iter().map(|o| o.to_string()));
    let overrides: Vec<mirage_sim::Override> = all
        .iter()
        .map(|o| mirage_sim::Override::parse(o).expect("override"))
        .collect();
    let loaded = parse_scenario(&text, &path, &overrides).expect("valid");
    let mut sim = Simulation::new(&loaded.scenario, loaded.scenario.seed).expect("genesis");
    sim.run(&mut Collect::default()).expect("runs");
    let names = sim.population_names();
    let agents = sim.agents();
    let (mut mine, mut all_role) = (0u128, 0u128);
    for a in 0..agents.len() {
        if agents.role[a] != role {
            continue;
        }
        all_role += u128::from(agents.rewards_total[a]);
        if names[usize::from(agents.population[a])] == population {
            mine += u128::from(agents.rewards_total[a]);
        }
    }
    mine as f64 / all_role.max(1) as f64
}

#[test]
fn a_yuma_cartel_with_a_stake_majority_raises_its_providers_share() {
    let majority = "population.cartel_validators.stake=400000";
    let with = population_share(
        "yuma-cartel.toml",
        &[majority],
        "cartel_gpus",
        Role::ComputeProvider,
    );
    let without = population_share(
        "yuma-cartel.toml",
        &[majority, "reward.compute.yuma.cartel.boost=1"],
        "cartel_gpus",
        Role::ComputeProvider,
    );
    assert!(
        with > 2.0 * without,
        "cartel providers' share: {with} with the cartel, {without} without"
    );
    // A minority cartel is clipped to consensus: its validators earn less
    // than they would by weighting honestly.
    let minority = population_share(
        "yuma-cartel.toml",
        &[],
        "cartel_validators",
        Role::Validator,
    );
    let honest = population_share(
        "yuma-cartel.toml",
        &["reward.compute.yuma.cartel.boost=1"],
        "cartel_validators",
        Role::Validator,
    );
    assert!(
        minority < honest,
        "cartel validators' share: {minority} colluding, {honest} honest"
    );
}

#[test]
fn detected_sybils_gain_less_under_cluster_aware_mechanisms() {
    let share = |mechanism: &str| {
        let set = format!("reward.data.quadratic.mechanism={mechanism}");
        population_share(
            "quadratic-sybil.toml",
            &[&set],
            "attacker",
            Role::DataProvider,
        )
    };
    let standard = share("standard");
    let cluster = share("cluster");
    let cocm = share("cocm");
    assert!(
        standard > 0.3,
        "the attack works under standard QF: {standard}"
    );
    assert!(
        cluster < standard / 2.0,
        "cluster {cluster} vs standard {standard}"
    );
    assert!(cocm < standard / 2.0, "cocm {cocm} vs standard {standard}");
}

#[test]
fn quadratic_funding_pays_the_whole_uncapped_pool() {
    let members: Vec<Member> = (0..12)
        .map(|i| Member {
            work: 1 + i,
            failures: 0,
            stake: 0,
            quality: 0.5 + 0.04 * i as f64,
            reputation: 0.5,
            usage: 0,
        })
        .collect();
    let w = world(PoolKind::Data, &members, &[]);
    for mechanism in ["standard", "pairwise", "cluster", "cocm"] {
        let params = format!("[reward.data.quadratic]\nmechanism = \"{mechanism}\"");
        let config = pool_config("data", "quadratic", &params);
        let mut s = build_scheme(PoolKind::Data, &config, &[]);
        let ctx = w.context(PoolKind::Data, 0);
        let budget = 1_000_000_000u64;
        let mut payouts = vec![0u64; w.members.len()];
        let mut rng = stream(9, Stream::Rewards);
        s.distribute(&ctx, budget, &mut rng, &mut payouts)
            .expect("computes");
        let paid: u64 = payouts.iter().sum();
        assert!(paid <= budget, "{mechanism}: {paid}");
        assert!(
            budget - paid <= w.members.len() as u64,
            "{mechanism}: paid {paid} of {budget}"
        );
        assert!(
            payouts.iter().filter(|&&p| p > 0).count() > 6,
            "{mechanism}: {payouts:?}"
        );
    }
}
