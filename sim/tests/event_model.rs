//! The batched event model (`demand.event_model = "batched"`, docs/model.md
//! "Event model") draws the same processes as `per_task` with fewer
//! events. Checked here: its task arrivals are a Poisson process of the
//! configured rate (mean and variance of the per-epoch counts, below and
//! above one arrival per tick); over many seeds its completions, drops at
//! departures, data submissions and their acceptance have the means
//! `per_task` gives; it needs fewer events; and a scenario that does not
//! set the key runs exactly as one that sets `per_task`.

use mirage_sim::record::EpochRecord;
use mirage_sim::scenario::Role;
use mirage_sim::Simulation;

mod support;

/// Mean and sample variance.
fn moments(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

fn arrivals_scenario(tasks_per_epoch: u32, model: &str) -> String {
    format!(
        "name = \"arrivals\"\nepochs = 300\nticks_per_epoch = 100\ninitial_supply = 1000\n\
         [demand]\ntasks_per_epoch = {tasks_per_epoch}\nservice_ticks = 5\nevent_model = \"{model}\"\n\
         [validation]\nsample_rate = 0\n[churn]\nexit_after_epochs = 0\n\
         [[population]]\nrole = \"compute_provider\"\ncount = 2\ncapacity = 1000000\n"
    )
}

/// A Poisson process of rate λ per epoch has per-epoch counts of mean and
/// variance λ; the batched draw (1 + Poisson(λ · rest of the tick) per
/// event) must keep both, whether ticks hold less or more than one
/// arrival on average.
#[test]
fn batched_arrivals_are_a_poisson_process_of_the_rate() {
    for lambda in [40_u32, 1_500] {
        let (_, records) = support::run(&arrivals_scenario(lambda, "batched"), 11);
        let counts: Vec<f64> = records.iter().map(|r| r.tasks_arrived as f64).collect();
        let (mean, var) = moments(&counts);
        let l = f64::from(lambda);
        let n = counts.len() as f64;
        // Standard errors of the mean and of the sample variance of n
        // Poisson(λ) counts: √(λ/n) and √((2λ² + λ)/n); 4 of them.
        let mean_tolerance = 4.0 * (l / n).sqrt();
        let var_tolerance = 4.0 * ((2.0 * l * l + l) / n).sqrt();
        assert!(
            (mean - l).abs() < mean_tolerance,
            "λ = {l}: mean {mean} (±{mean_tolerance})"
        );
        assert!(
            (var - l).abs() < var_tolerance,
            "λ = {l}: variance {var} (±{var_tolerance})"
        );
        // Every arrival was served (capacity is ample) and nothing dropped.
        let arrived: u64 = records.iter().map(|r| r.tasks_arrived).sum();
        let dropped: u64 = records.iter().map(|r| r.tasks_dropped).sum();
        assert_eq!(dropped, 0);
        assert!(arrived > 0);
    }
}

/// Compute providers whose service often outlasts the epoch, and data
/// providers, all paying costs far above their rewards, so that they all
/// leave after their first epoch at random ticks of the second (exits
/// need a market): completions after a provider's leave are dropped and
/// its submissions stop.
fn churn_scenario(model: &str) -> String {
    format!(
        "name = \"churn\"\nepochs = 3\nticks_per_epoch = 100\ninitial_supply = 1000\n\
         [demand]\ntasks_per_epoch = 400\nservice_ticks = 40\nevent_model = \"{model}\"\n\
         [validation]\nsample_rate = 0.3\ndelay_ticks = 5\n\
         [churn]\nexit_after_epochs = 1\n\
         [[population]]\nrole = \"compute_provider\"\ncount = 20\ncapacity = 30\n\
         cost_per_task = 1\nhonesty = 0.8\n\
         [[population]]\nrole = \"validator\"\ncount = 3\nstake = 10\n\
         [[population]]\nrole = \"data_provider\"\ncount = 50\nsubmission_rate = 6\n\
         quality = 0.7\ncost_per_submission = 1\n\
         [market]\ntoken_reserve = 100\nquote_reserve = 10\n"
    )
}

/// Figures of one churn run: per epoch, tasks completed, dropped and
/// cheats caught; then data providers' accepted datasets over the run.
fn churn_figures(sim: &Simulation, records: &[EpochRecord]) -> Vec<f64> {
    let mut figures = Vec::new();
    for r in records {
        figures.push(r.tasks_completed as f64);
        figures.push(r.tasks_dropped as f64);
        figures.push(r.cheats_caught as f64);
    }
    let agents = sim.agents();
    let accepted: u64 = (0..agents.role.len())
        .filter(|&a| agents.role[a] == Role::DataProvider)
        .map(|a| agents.contribution_total[a])
        .sum();
    figures.push(accepted as f64);
    figures
}

#[test]
fn batched_model_keeps_the_per_task_means() {
    const SEEDS: u64 = 60;
    let mut by_model = Vec::new();
    for model in ["per_task", "batched"] {
        let text = churn_scenario(model);
        let runs: Vec<Vec<f64>> = (0..SEEDS)
            .map(|seed| {
                let (sim, records) = support::run(&text, seed);
                churn_figures(&sim, &records)
            })
            .collect();
        by_model.push(runs);
    }
    let names = [
        "completed",
        "dropped",
        "cheats caught",
        "completed",
        "dropped",
        "cheats caught",
        "completed",
        "dropped",
        "cheats caught",
        "data accepted",
    ];
    let mut dropped_in_epoch_1 = 0.0;
    for (i, name) in names.iter().enumerate() {
        let column = |m: usize| -> Vec<f64> { by_model[m].iter().map(|f| f[i]).collect() };
        let (a, va) = moments(&column(0));
        let (b, vb) = moments(&column(1));
        let se = ((va + vb) / SEEDS as f64).sqrt();
        assert!(
            (a - b).abs() <= 4.0 * se + 1e-9,
            "{name} (figure {i}): per_task {a}, batched {b}, ±{se}"
        );
        if i == 4 {
            dropped_in_epoch_1 = b;
        }
    }
    // The case exercises drops at departures (every provider leaves
    // during epoch 1, with tasks in flight).
    assert!(dropped_in_epoch_1 > 10.0, "{dropped_in_epoch_1}");
}

#[test]
fn batched_model_needs_fewer_events() {
    let (per_task, _) = support::run(&arrivals_scenario(1_500, "per_task"), 3);
    let (batched, _) = support::run(&arrivals_scenario(1_500, "batched"), 3);
    // Per task: an arrival and a completion each; batched: at most one
    // arrival event per tick, completions inline (except at epoch ends).
    assert!(
        batched.events() * 10 < per_task.events(),
        "{} against {}",
        batched.events(),
        per_task.events()
    );
}

/// Without the key the run is `per_task`'s, record for record.
#[test]
fn the_default_is_per_task() {
    let text = churn_scenario("per_task");
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("event_model"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(text, without);
    let (a, ra) = support::run(&text, 9);
    let (b, rb) = support::run(&without, 9);
    assert_eq!(a.events(), b.events());
    assert_eq!(format!("{ra:?}"), format!("{rb:?}"));
}
