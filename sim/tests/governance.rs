//! Governance properties: quadratic power never exceeds token power for a
//! voter with at least one token; splitting tokens across Sybil identities
//! raises quadratic power and never token power; delegation conserves total
//! power; a proposal executes only after its timelock and only if it
//! passed; the ledger's conservation check holds with grants; bad
//! `[governance]` input is an error at a line and column.

use mirage_analysis::decimal::Decimal;
use mirage_analysis::votes::{weight, weight_scale, Method};
use mirage_sim::governance::delegation::owner_quadratic_power;
use mirage_sim::governance::Kind;
use mirage_sim::record::Collect;
use mirage_sim::{parse_scenario, Simulation};
use proptest::prelude::*;

const DECIMALS: u32 = 6;

fn scenario(extra: &str) -> String {
    format!(
        r#"
name = "g"
epochs = 30
ticks_per_epoch = 48
initial_supply = 1_000_000

[market]
token_reserve = 100_000
quote_reserve = 100_000

[[population]]
name = "team"
role = "investor"
count = 3
balance = 50_000
sell_fraction = 0

[[population]]
name = "holders"
role = "holder"
count = 200
balance = {{ dist = "pareto", scale = 100, shape = 1.3 }}
operators = 50

[governance]
proposals_per_epoch = 2
apathy = 10
{extra}

[[governance.kind]]
kind = "grant"
amount = 10_000
to = "proposer"

[[governance.kind]]
kind = "burn_share"
change = 0.1
"#
    )
}

fn run(text: &str) -> Simulation {
    let loaded = parse_scenario(text, "g.toml", &[]).expect("scenario parses");
    let mut sim = Simulation::new(&loaded.scenario, 3).expect("genesis");
    let mut records = Collect::default();
    sim.run(&mut records)
        .expect("the run succeeds (ledger checked every epoch)");
    sim
}

fn tokens(base: u64) -> Decimal {
    Decimal {
        mantissa: u128::from(base),
        scale: DECIMALS,
    }
}

proptest! {
    #[test]
    fn quadratic_never_exceeds_token_power(base in 1_000_000u64..u64::MAX / 4) {
        let q = weight(Method::Quadratic, tokens(base), DECIMALS);
        let t = weight(Method::Token, tokens(base), DECIMALS);
        // Compare at one scale.
        let qs = weight_scale(Method::Quadratic, DECIMALS);
        let t_at = t * num_bigint::BigUint::from(10u32).pow(qs - DECIMALS);
        prop_assert!(q <= t_at);
    }

    #[test]
    fn sybil_split_raises_quadratic_never_token(total in 1_000_000u64..1_000_000_000_000_000, k in 2usize..20) {
        let each = total / k as u64;
        let mut parts = vec![each; k];
        parts[0] += total - each * k as u64;
        prop_assert_eq!(parts.iter().sum::<u64>(), total);
        // Token power of the owner: the same whatever the split.
        prop_assert_eq!(parts.iter().map(|&p| u128::from(p)).sum::<u128>(), u128::from(total));
        prop_assert!(owner_quadratic_power(&parts) > owner_quadratic_power(&[total]));
    }
}

#[test]
fn delegation_conserves_power_and_reports_shares() {
    let text = scenario(
        "[governance.delegation]\nshare = 0.5\nwho = \"smallest\"\nto = \"largest\"\ncandidates = 3\n",
    );
    let loaded = parse_scenario(&text, "g.toml", &[]).expect("parses");
    let mut sim = Simulation::new(&loaded.scenario, 3).expect("genesis");
    let mut records = Collect::default();
    sim.run(&mut records).expect("runs");
    for r in &records.0 {
        let share = r
            .delegated_share
            .expect("governance records delegated_share");
        assert!(share > 0.0 && share < 1.0, "{share}");
        assert!(r.voting_power_gini.is_some());
    }
    let ledger = sim.ledger();
    let agents = sim.agents();
    let g = sim.governance().expect("governance");
    let mut book = mirage_sim::governance::PowerBook::default();
    let d = g.config.delegation;
    let mut rng = mirage_sim::rng::stream(1, mirage_sim::rng::Stream::Governance);
    book.compute(
        g.config.power,
        d.as_ref(),
        ledger,
        agents,
        &|_| 0.5,
        &mut rng,
    );
    let base: u128 = book.base.iter().map(|&b| u128::from(b)).sum();
    assert_eq!(book.total(), base);
    assert!(book.delegated > 0);
}

#[test]
fn proposals_execute_only_after_the_timelock_and_only_if_passed() {
    let sim = run(&scenario(""));
    let g = sim.governance().expect("governance");
    assert!(g.records.len() > 10);
    let mut executed = 0;
    for r in &g.records {
        match r.executed_epoch {
            Some(e) => {
                executed += 1;
                assert!(r.outcome.as_ref().is_some_and(|o| o.passed));
                // 3-day vote + 2-day timelock.
                assert!(e >= r.epoch_created + 5, "{} -> {e}", r.epoch_created);
            }
            None => {
                assert!(!r.outcome.as_ref().is_some_and(|o| o.passed) || r.epoch_created + 6 >= 30)
            }
        }
        if r.kind == Kind::Grant && r.executed_epoch.is_some() {
            assert!(r.granted_by_role.iter().sum::<u128>() > 0);
        }
    }
    assert!(executed > 0);
    // Grants moved tokens, and the ledger's check passed at every epoch end.
    sim.ledger().check().expect("conservation");
}

#[test]
fn every_method_runs() {
    for method in ["token", "quadratic", "one_holder", "conviction"] {
        let sim = run(&scenario(&format!("method = \"{method}\"")));
        assert!(!sim.governance().expect("governance").records.is_empty());
    }
}

#[test]
fn without_governance_no_draw_changes() {
    // The same economy with and without a governance section that never
    // proposes: identical records except the governance columns.
    let with = scenario("").replace("proposals_per_epoch = 2", "proposals_per_epoch = 0");
    let without = with.split("[governance]").next().expect("text").to_string();
    let records = |text: &str| {
        let loaded = parse_scenario(text, "g.toml", &[]).expect("parses");
        let mut sim = Simulation::new(&loaded.scenario, 3).expect("genesis");
        let mut c = Collect::default();
        sim.run(&mut c).expect("runs");
        c.0
    };
    let a = records(&with);
    let b = records(&without);
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        let mut x = x.clone();
        x.voting_power_gini = None;
        x.voting_power_nakamoto = None;
        x.delegated_share = None;
        assert!(x.governed && !y.governed);
        x.governed = false;
        assert_eq!(&x, y);
        assert!(y.voting_power_gini.is_none());
    }
}

#[test]
fn bad_governance_input_is_located() {
    let text = scenario("voting_period = 0.5\ntimelock = 0.2");
    let err = parse_scenario(&text, "g.toml", &[]).expect_err("too short");
    let msg = err.to_string();
    assert!(
        msg.contains("g.toml:") && msg.contains("at least one epoch"),
        "{msg}"
    );
    let text = scenario("").replace("to = \"proposer\"", "to = \"nobody\"");
    let msg = parse_scenario(&text, "g.toml", &[])
        .expect_err("unknown")
        .to_string();
    assert!(msg.contains("nobody"), "{msg}");
    let text = scenario("method = \"plutocracy\"");
    let msg = parse_scenario(&text, "g.toml", &[])
        .expect_err("unknown")
        .to_string();
    assert!(
        msg.contains("plutocracy") || msg.contains("unknown variant"),
        "{msg}"
    );
}

/// Ballots cast on every closed proposal.
fn ballots(sim: &Simulation) -> u64 {
    let g = sim.governance().expect("governance");
    g.records
        .iter()
        .filter_map(|r| r.outcome.as_ref())
        .map(|o| o.tally.voters)
        .sum()
}

#[test]
fn each_ballot_pays_its_gas_as_a_cost() {
    // The team sells 1% of its tokens each epoch, so it holds quote; the
    // holders never hold any. Nobody else bears costs in this economy, so
    // every cost is gas: 0.5 quote = 500,000 base units a ballot.
    let text = scenario("vote_cost = 0.5").replace("sell_fraction = 0", "sell_fraction = 0.01");
    let sim = run(&text);
    let n = ballots(&sim);
    assert!(n > 0);
    let (mut paid, mut unpaid) = (0u128, 0u128);
    for a in 0..sim.agents().len() as u32 {
        let v = sim.agent_value(a);
        paid += v.costs_paid_quote;
        unpaid += v.unpaid_costs_quote;
        let role = sim.agents().role[a as usize];
        if role == mirage_sim::agents::Role::Holder {
            // No quote: every ballot's gas is unpaid, and lowers the net gain.
            assert_eq!(v.costs_paid_quote, 0);
            assert_eq!(
                v.net_gain_quote,
                v.value_end_quote as i128
                    - v.value_genesis_quote as i128
                    - v.unpaid_costs_quote as i128
            );
        }
    }
    assert_eq!(paid + unpaid, u128::from(n) * 500_000);
    assert!(paid > 0, "the team pays its gas from its quote");
    assert!(unpaid > 0, "holders cannot pay theirs");
    // The gas paid went to `outside`, and nowhere else.
    let outside = sim
        .quote()
        .figures(mirage_sim::quote::QuoteAccount::Outside);
    assert_eq!(outside.inflow, paid);
    sim.quote().check().expect("quote conserved");

    // Free voting charges nothing.
    let free = run(&text.replace("vote_cost = 0.5", "vote_cost = 0"));
    assert!(ballots(&free) > 0);
    for a in 0..free.agents().len() as u32 {
        let v = free.agent_value(a);
        assert_eq!((v.costs_paid_quote, v.unpaid_costs_quote), (0, 0));
    }
}

#[test]
fn the_proposer_votes_for_its_own_proposal() {
    // Nobody else turns out: each closed proposal has one ballot, for.
    let sim = run(&scenario("turnout_max = 0\nproposer_votes = true"));
    let g = sim.governance().expect("governance");
    let closed: Vec<_> = g
        .records
        .iter()
        .filter_map(|r| r.outcome.as_ref())
        .collect();
    assert!(closed.len() > 10);
    for o in closed {
        assert_eq!(o.tally.voters, 1);
        assert!(!o.tally.power_for.is_zero() && o.tally.power_against.is_zero());
    }
    // Without the key nobody votes at all.
    let silent = run(&scenario("turnout_max = 0"));
    assert_eq!(ballots(&silent), 0);
}

#[test]
fn vetting_withdraws_proposals_expected_to_lose() {
    // Without the key nothing is withdrawn, and grants are submitted.
    let all = run(&scenario(""));
    let g = all.governance().expect("governance");
    assert_eq!(g.withdrawn, 0);
    assert!(g.records.iter().any(|r| r.kind == Kind::Grant));
    // A grant to the team costs every holder (effect -0.25): with noise 0
    // they all vote against, so its expected support is the team's share
    // of the expected decided votes, below 0.99; a burn_share rise is
    // backed by everyone (no role is rewarded here), support 1.
    let vetted = run(&scenario("vetting = 0.99\nstance_noise = 0"));
    let v = vetted.governance().expect("governance");
    assert!(v.withdrawn > 0, "grants withdrawn");
    assert!(v.records.iter().all(|r| r.kind == Kind::BurnShare));
    assert!(!v.records.is_empty());
}

#[test]
fn a_named_operator_shared_by_two_populations_votes_as_one_owner() {
    // Governance takes its owners from the engine's operator mapping: the
    // same name in two populations is one owner, which decides once per
    // proposal whether all its identities vote.
    let text = scenario("").replace(
        "sell_fraction = 0\n",
        "sell_fraction = 0\noperators = [{ name = \"acme\", share = 1 }]\n",
    );
    let text = text.replace(
        "operators = 50",
        "operators = [{ name = \"acme\", share = 1 }]",
    );
    let sim = run(&text);
    let g = sim.governance().expect("governance");
    let voters: Vec<u64> = g
        .records
        .iter()
        .filter_map(|r| r.outcome.as_ref())
        .map(|o| o.tally.voters)
        .collect();
    assert!(voters.iter().all(|&v| v == 0 || v == 203), "{voters:?}");
    assert!(voters.contains(&203), "the one owner voted at least once");
    // With 50 holder owners and three team identities of their own, turnout
    // is no longer all or nothing.
    let sim = run(&scenario(""));
    let g = sim.governance().expect("governance");
    assert!(g
        .records
        .iter()
        .filter_map(|r| r.outcome.as_ref())
        .any(|o| o.tally.voters != 0 && o.tally.voters != 203));
}
