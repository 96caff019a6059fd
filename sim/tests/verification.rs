//! Verification regimes against their closed forms, over ~20,000 tasks
//! each (issue 13, item 6): with provider honesty h, sample rate s and
//! validator accuracy a, the share of results accepted although wrong is
//! 1 − h under `none` and (1 − h)(1 − s·a) under `sampled`; `redundant`
//! with k = 3 independent cheaters accepts no wrong result, while three
//! identities of one cheating operator pass a wrong answer whenever two
//! or more are wrong, 3(1 − h)²h + (1 − h)³; `zk` accepts none and costs
//! exactly N · (proof_cost + overhead · cost) + operators · prover cost
//! per epoch. The verifier's dilemma: as the bounty falls toward 0 the
//! challengers check less and more wrong results pass, monotonically.
//! Every run also passes the engine's token and quote identities at each
//! epoch end (a break fails `run`).

use mirage_sim::quote::QuoteAccount;
use mirage_sim::record::{Collect, EpochRecord};
use mirage_sim::{parse_scenario, Simulation};

mod support;

/// Runs `text` with seed 3.
fn run(text: &str) -> (Simulation, Vec<EpochRecord>) {
    support::run(text, 3)
}

const BASE: &str = r#"
name = "verification"
epochs = 40
ticks_per_epoch = 100
initial_supply = 10_000_000
[emission]
schedule = "constant"
per_epoch = 1000
[fees]
task_fee = 0.01
[market]
token_reserve = 1_000_000
quote_reserve = 100_000
[demand]
tasks_per_epoch = 500
service_ticks = 5
[churn]
exit_after_epochs = 0
[reward.compute]
share = 1
scheme = "proportional"
"#;

fn providers(count: u32, honesty: f64, extra: &str) -> String {
    format!(
        "[[population]]\nrole = \"compute_provider\"\ncount = {count}\ncapacity = 2000\n\
         cost_per_task = 0.001\nstake = 1000\nhonesty = {honesty}\n{extra}\n"
    )
}

/// (wrong accepted, tasks completed) over the run.
fn wrong_share(records: &[EpochRecord]) -> (u64, u64, f64) {
    let wrong: u64 = records.iter().map(|r| r.wrong_accepted).sum();
    let done: u64 = records.iter().map(|r| r.tasks_completed).sum();
    (wrong, done, wrong as f64 / done as f64)
}

/// |observed − expected| within 4 binomial standard errors.
fn near(observed: f64, expected: f64, n: u64) {
    let se = (expected * (1.0 - expected) / n as f64).sqrt().max(1e-9);
    assert!(
        (observed - expected).abs() < 4.0 * se,
        "observed {observed}, expected {expected} ± {}",
        4.0 * se
    );
}

#[test]
fn none_accepts_a_share_one_minus_honesty() {
    let text = format!(
        "{BASE}[verification]\nregime = \"none\"\n{}",
        providers(20, 0.7, "")
    );
    let (_, records) = run(&text);
    let (_, n, share) = wrong_share(&records);
    assert!(n > 15_000, "{n} tasks");
    near(share, 0.3, n);
    assert!(records.iter().all(|r| r.verification_cost_quote == 0));
    assert!(records.iter().all(|r| r.mean_latency_ticks == Some(0.0)));
}

#[test]
fn sampled_accepts_one_minus_h_times_one_minus_s_a() {
    let (s, a, h) = (0.4, 0.75, 0.7);
    let validators =
        format!("[[population]]\nrole = \"validator\"\ncount = 3\nstake = 100\naccuracy = {a}\n");
    // The section absent and `regime = "sampled"` are the same run.
    for section in ["", "[verification]\nregime = \"sampled\"\n"] {
        let text = format!(
            "{BASE}[validation]\nsample_rate = {s}\nslash_fraction = 0\n{section}{}{validators}",
            providers(20, h, "")
        );
        let (_, records) = run(&text);
        let (_, n, share) = wrong_share(&records);
        near(share, (1.0 - h) * (1.0 - s * a), n);
        let caught: u64 = records.iter().map(|r| r.frauds_caught).sum();
        let cheats: u64 = records.iter().map(|r| r.cheats_caught).sum();
        assert_eq!(caught, cheats);
        near(caught as f64 / n as f64, (1.0 - h) * s * a, n);
    }
}

#[test]
fn redundant_majority_stops_independent_cheaters_not_one_operators_sybils() {
    let h: f64 = 0.6;
    let independent = format!(
        "{BASE}[verification]\nregime = \"redundant\"\nreplicas = 3\n{}",
        providers(30, h, "")
    );
    let (_, records) = run(&independent);
    let (wrong, n, _) = wrong_share(&records);
    assert!(n > 15_000, "{n} tasks");
    assert_eq!(wrong, 0, "independent wrong answers never agree");
    assert!(records.iter().map(|r| r.frauds_caught).sum::<u64>() > 0);
    // The extra two replicas' compute is the verification cost: 2 × 0.001
    // quote per completed task, plus the extra replicas of the tasks still
    // in flight at the end (a few service times' worth).
    let cost: u128 = records.iter().map(|r| r.verification_cost_quote).sum();
    let floor = 2 * 1000 * u128::from(n);
    assert!(
        cost >= floor && cost <= floor + 2 * 1000 * 200,
        "{cost} vs {floor}"
    );

    // Every allocation policy and the auction give each task k distinct
    // providers (the cheapest ones are not drawn twice).
    for (from, to) in [
        ("[demand]\n", "[demand]\nallocation = \"cheapest\"\n"),
        (
            "[fees]\ntask_fee = 0.01\n",
            "[fees]\npolicy = \"auction\"\n",
        ),
    ] {
        let (_, records) = run(&independent.replace(from, to));
        let (wrong, n, _) = wrong_share(&records);
        assert_eq!(wrong, 0, "{to}");
        let cost: u128 = records.iter().map(|r| r.verification_cost_quote).sum();
        assert!(
            cost >= 2 * 1000 * u128::from(n),
            "{to}: {cost} for {n} tasks"
        );
    }

    let colluding = format!(
        "{BASE}[verification]\nregime = \"redundant\"\nreplicas = 3\n{}",
        providers(3, h, "operators = 1")
    );
    let (_, records) = run(&colluding);
    let (wrong, n, share) = wrong_share(&records);
    assert!(
        wrong > 0,
        "one operator's identities agree on its wrong answer"
    );
    let q = 1.0 - h;
    near(share, 3.0 * q * q * h + q * q * q, n);
}

#[test]
fn zk_accepts_no_wrong_result_and_costs_exactly_its_formula() {
    let (proof_cost, overhead, prover) = (10_000u128, 1000u128, 5_000_000u128);
    for payer in ["provider", "buyer"] {
        let text = format!(
            "{BASE}[verification]\nregime = \"zk\"\npayer = \"{payer}\"\nproof_cost = 0.01\n\
             proof_overhead = 1000\nproof_ticks = 7\nprover_cost_per_epoch = 5\n{}",
            providers(10, 0.5, "operators = 2")
        );
        let (sim, records) = run(&text);
        let (wrong, n, _) = wrong_share(&records);
        assert!(n > 15_000, "{n} tasks");
        assert_eq!(wrong, 0);
        for r in &records {
            // Every result carries a proof; both operators prove each epoch.
            let want = u128::from(r.tasks_completed) * (proof_cost + overhead * 1000) + 2 * prover;
            assert_eq!(r.verification_cost_quote, want, "epoch {}", r.epoch);
            assert_eq!(r.mean_latency_ticks, Some(7.0));
        }
        let caught: u64 = records.iter().map(|r| r.frauds_caught).sum();
        near(caught as f64 / n as f64, 0.5, n);
        // A buyer's premium: task buyers pay the fees' quote and the
        // proofs (not the provers' fixed cost).
        let buyers = sim.quote().figures(QuoteAccount::TaskBuyers);
        let fees: u128 = records.iter().map(|r| r.fees_quote).sum();
        let proofs = u128::from(n) * (proof_cost + overhead * 1000);
        let expected = if payer == "buyer" {
            fees + proofs
        } else {
            fees
        };
        assert_eq!(buyers.outflow, expected, "{payer}");
    }
}

/// An optimistic run with three challengers: (challenges, wrong share).
fn optimistic(bounty_share: f64, forced: &str) -> (u64, f64, u64) {
    let challengers = "[[population]]\nrole = \"challenger\"\ncount = 3\ncheck_cost = 4\n\
                       prior_fraud = 0.2\nprior_weight = 100\n";
    let text = format!(
        "{BASE}[validation]\nslash_fraction = 0.1\n[verification]\nregime = \"optimistic\"\n\
         challenge_window_ticks = 20\nbounty_share = {bounty_share}\n{forced}{}{challengers}",
        providers(20, 0.8, "")
    );
    let (_, records) = run(&text);
    let challenges = records.iter().map(|r| r.challenges).sum();
    let caught = records.iter().map(|r| r.frauds_caught).sum();
    let (_, _, share) = wrong_share(&records);
    (challenges, share, caught)
}

#[test]
fn the_verifiers_dilemma_checking_falls_and_fraud_passes_as_the_bounty_falls() {
    let sweep = [1.0, 0.6, 0.3, 0.1, 0.0];
    let runs: Vec<(u64, f64, u64)> = sweep.iter().map(|&b| optimistic(b, "")).collect();
    for w in runs.windows(2) {
        assert!(w[1].0 < w[0].0, "challenges fall: {runs:?}");
        assert!(w[1].1 > w[0].1, "wrong accepted rises: {runs:?}");
    }
    let (challenges, share, caught) = runs[runs.len() - 1];
    assert_eq!((challenges, caught), (0, 0), "no bounty, no checking");
    assert!(
        (share - 0.2).abs() < 0.02,
        "everything wrong passes: {share}"
    );
    // Forced errors with a jackpot keep checking paid without a bounty.
    let (challenges, share, _) = optimistic(0.0, "forced_error_rate = 0.05\njackpot = 1000\n");
    assert!(challenges > 0);
    assert!(share < 0.2);
}

/// A random small compute market under a random regime, payer and fee
/// policy, with providers leaving and joining mid-task.
fn random_market(
    regime: &str,
    buyer: bool,
    auction: bool,
    honesty: f64,
    colluders: u32,
    forced: bool,
) -> String {
    let fees = if auction {
        "[fees]\npolicy = \"auction\"\nauction = \"second_price\"\n"
    } else {
        "[fees]\ntask_fee = 0.05\nburn_share = 0.2\n"
    };
    let payer = if buyer { "buyer" } else { "provider" };
    let forced = if forced {
        "forced_error_rate = 0.1\njackpot = 5\n"
    } else {
        ""
    };
    format!(
        "name = \"p\"\nepochs = 6\nticks_per_epoch = 20\ninitial_supply = 1_000_000\n\
         [emission]\nschedule = \"constant\"\nper_epoch = 100\n{fees}\
         [market]\ntoken_reserve = 100_000\nquote_reserve = 10_000\n\
         [demand]\ntasks_per_epoch = 40\nservice_ticks = 4\n\
         [validation]\nslash_to = \"treasury\"\n\
         [verification]\nregime = \"{regime}\"\npayer = \"{payer}\"\nchallenge_window_ticks = 7\n\
         proof_cost = 0.01\nproof_overhead = 10\nproof_ticks = 3\nprover_cost_per_epoch = 0.5\n{forced}\
         [churn]\nexit_after_epochs = 1\njoin_rate = 0.5\n\
         [reward.compute]\nshare = 1\nscheme = \"proportional\"\n\
         [[population]]\nrole = \"compute_provider\"\ncount = 6\nmax_count = 9\ncapacity = 8\n\
         cost_per_task = 0.01\nmarkup = 0.2\nhonesty = {honesty}\nstake = 50\n\
         [[population]]\nrole = \"compute_provider\"\ncount = {colluders}\nmax_count = 6\n\
         capacity = 8\ncost_per_task = 0.02\nhonesty = 0.3\nstake = 50\noperators = 1\n\
         [[population]]\nrole = \"validator\"\ncount = 2\nstake = 10\n\
         [[population]]\nrole = \"challenger\"\ncount = 2\ncheck_cost = 0.001\n"
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]

    /// Every regime keeps the token and quote identities at every epoch
    /// end (the engine fails the run otherwise) with its new flows —
    /// proofs, replicas, checks, buyers' premiums, bounties, jackpots,
    /// auction payments — and is reproducible; no regime accepts more
    /// wrong results than it completes over the run, zk none, and only
    /// optimistic has challenges.
    #[test]
    fn every_regime_conserves_money_and_reproduces(
        regime in proptest::sample::select(vec!["sampled", "none", "optimistic", "redundant", "zk"]),
        buyer in proptest::bool::ANY,
        auction in proptest::bool::ANY,
        honesty in 0.0f64..=1.0,
        colluders in 1u32..4,
        forced in proptest::bool::ANY,
        seed in 0u64..1000,
    ) {
        let text = random_market(regime, buyer, auction, honesty, colluders, forced);
        let loaded = parse_scenario(&text, "p.toml", &[]).unwrap_or_else(|e| panic!("{e}"));
        let go = || {
            let mut sim = Simulation::new(&loaded.scenario, seed).expect("genesis");
            let mut records = Collect::default();
            sim.run(&mut records).expect("identities hold");
            sim.ledger().check().expect("tokens conserved");
            sim.quote().check().expect("quote conserved");
            records.0
        };
        let a = go();
        proptest::prop_assert_eq!(&a, &go());
        let wrong: u64 = a.iter().map(|r| r.wrong_accepted).sum();
        let done: u64 = a.iter().map(|r| r.tasks_completed).sum();
        proptest::prop_assert!(wrong <= done);
        for r in &a {
            if regime == "zk" {
                proptest::prop_assert_eq!(r.wrong_accepted, 0);
            }
            if regime != "optimistic" {
                proptest::prop_assert_eq!(r.challenges, 0);
            }
        }
    }
}
