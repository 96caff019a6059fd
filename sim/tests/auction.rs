//! Reverse task auctions (`[fees] policy = "auction"`, issue 13 item 2):
//! the lowest bid cost × (1 + markup) wins; a first-price winner is paid
//! its own bid, a second-price (Vickrey) winner the second-lowest bid, and
//! a lone bidder its own bid. Checked exactly on the quote the buyers paid
//! and the winner received.

use mirage_sim::quote::QuoteAccount;
use mirage_sim::record::EpochRecord;
use mirage_sim::Simulation;

mod support;

/// Runs `text` with seed 5.
fn run(text: &str) -> (Simulation, Vec<EpochRecord>) {
    support::run(text, 5)
}

fn scenario(rule: &str, costs: &[f64]) -> String {
    let mut s = format!(
        "name = \"auction\"\nepochs = 10\nticks_per_epoch = 100\ninitial_supply = 1000\n\
         [fees]\npolicy = \"auction\"\nauction = \"{rule}\"\n[demand]\ntasks_per_epoch = 20\n\
         [churn]\nexit_after_epochs = 0\n"
    );
    for c in costs {
        s.push_str(&format!(
            "[[population]]\nrole = \"compute_provider\"\ncount = 1\ncapacity = 1000\n\
             cost_per_task = {c}\nmarkup = 0.1\n"
        ));
    }
    s
}

/// (tasks sold, quote paid by buyers, quote received by agent 0).
fn paid(text: &str) -> (u64, u128, u128) {
    let (sim, records) = run(text);
    let tasks: u64 = records
        .iter()
        .map(|r| r.tasks_arrived - r.tasks_dropped - r.tasks_priced_out)
        .sum();
    let fees: u128 = records.iter().map(|r| r.fees_quote).sum();
    assert_eq!(sim.quote().figures(QuoteAccount::TaskBuyers).outflow, fees);
    let winner = sim.quote().figures(QuoteAccount::Agent(0)).inflow;
    (tasks, fees, winner)
}

#[test]
fn first_price_pays_the_lowest_bid_to_its_bidder() {
    let (tasks, fees, winner) = paid(&scenario("first_price", &[1.0, 2.0, 3.0]));
    assert!(tasks > 100);
    // Bid 1 × 1.1 = 1.1 quote = 1,100,000 base units, every task.
    assert_eq!(fees % 1_100_000, 0);
    assert_eq!(winner, fees);
}

#[test]
fn second_price_pays_the_second_lowest_bid() {
    let (tasks, fees, winner) = paid(&scenario("second_price", &[1.0, 2.0, 3.0]));
    assert!(tasks > 100);
    // The cheapest provider wins every task and is paid 2 × 1.1 = 2.2.
    assert_eq!(fees % 2_200_000, 0);
    assert_eq!(winner, fees);
    let (sim, records) = run(&scenario("second_price", &[1.0, 2.0, 3.0]));
    assert!(records
        .iter()
        .all(|r| r.task_fee == 2_200_000 || r.tasks_arrived == 0));
    assert_eq!(
        sim.agents().contribution_total[1],
        0,
        "the second bidder never wins"
    );
}

#[test]
fn a_lone_second_price_bidder_is_paid_its_own_bid() {
    let (tasks, fees, winner) = paid(&scenario("second_price", &[1.0]));
    assert!(tasks > 100);
    assert_eq!(fees % 1_100_000, 0);
    assert_eq!(fees / 1_100_000, u128::from(tasks));
    assert_eq!(winner, fees);
}
