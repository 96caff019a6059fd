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
    }
}

/// Compute providers whose service often outlasts the epoch, and data
/// providers, all paying costs far above their rewards, so that they all
/// leave after their first epoch at random ticks of the second (exits
/// need a market): completions after a provider's leave are dropped and
/// its submissions stop.
fn churn_scenario(model: &str) -> String {
    churn_scenario_with(model, 100, 40, "")
}

/// The churn case with `ticks` per epoch, a mean service of `service`
/// ticks and `extra` appended (e.g. a `[verification]` table).
fn churn_scenario_with(model: &str, ticks: u32, service: u32, extra: &str) -> String {
    format!(
        "name = \"churn\"\nepochs = 3\nticks_per_epoch = {ticks}\ninitial_supply = 1000\n\
         [demand]\ntasks_per_epoch = 400\nservice_ticks = {service}\nevent_model = \"{model}\"\n\
         [validation]\nsample_rate = 0.3\ndelay_ticks = 5\n\
         [churn]\nexit_after_epochs = 1\n\
         [[population]]\nrole = \"compute_provider\"\ncount = 20\ncapacity = 30\n\
         cost_per_task = 1\nhonesty = 0.8\n\
         [[population]]\nrole = \"validator\"\ncount = 3\nstake = 10\n\
         [[population]]\nrole = \"data_provider\"\ncount = 50\nsubmission_rate = 6\n\
         quality = 0.7\ncost_per_submission = 1\n\
         [market]\ntoken_reserve = 100\nquote_reserve = 10\n{extra}"
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

/// Over `seeds` seeds each, every figure of `churn_figures` has the same
/// mean under both models (within 4 standard errors); returns the batched
/// means.
fn assert_same_means(case: &str, text: impl Fn(&str) -> String, seeds: u64) -> Vec<f64> {
    let mut by_model = Vec::new();
    for model in ["per_task", "batched"] {
        let text = text(model);
        let runs: Vec<Vec<f64>> = (0..seeds)
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
    let mut batched = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let column = |m: usize| -> Vec<f64> { by_model[m].iter().map(|f| f[i]).collect() };
        let (a, va) = moments(&column(0));
        let (b, vb) = moments(&column(1));
        let se = ((va + vb) / seeds as f64).sqrt();
        assert!(
            (a - b).abs() <= 4.0 * se + 1e-9,
            "{case}: {name} (figure {i}, epoch {}): per_task {a}, batched {b}, ±{se}",
            i / 3
        );
        batched.push(b);
    }
    batched
}

#[test]
fn batched_model_keeps_the_per_task_means() {
    let means = assert_same_means("100 ticks", churn_scenario, 60);
    // The case exercises drops at departures (every provider leaves
    // during epoch 1, with tasks in flight).
    assert!(means[4] > 10.0, "{}", means[4]);
}

/// Two ticks an epoch: most of a tick's tasks must come after the leaves
/// queued for that tick, as under `per_task`.
#[test]
fn batched_model_keeps_the_order_of_a_tick() {
    let means = assert_same_means("2 ticks", |m| churn_scenario_with(m, 2, 1, ""), 100);
    assert!(means[4] > 10.0, "{}", means[4]);
}

/// Redundant execution allocates each task's replicas with it.
#[test]
fn batched_model_keeps_redundant_replicas() {
    let redundant = "[verification]\nregime = \"redundant\"\nreplicas = 3\n";
    assert_same_means(
        "redundant",
        |m| churn_scenario_with(m, 2, 1, redundant),
        100,
    );
}

/// At a high submission rate per tick the per-event process's whole-tick
/// gaps raise its mean above the rate; the batched draw has that mean.
#[test]
fn batched_submissions_have_the_per_event_mean() {
    let text = |model: &str| {
        format!(
            "name = \"data\"\nepochs = 20\nticks_per_epoch = 10\ninitial_supply = 1000\n\
             [demand]\nevent_model = \"{model}\"\n[churn]\nexit_after_epochs = 0\n\
             [[population]]\nrole = \"data_provider\"\ncount = 20\nsubmission_rate = 40\n\
             quality = 0.5\n"
        )
    };
    let accepted = |model: &str, seed: u64| -> f64 {
        let (sim, _) = support::run(&text(model), seed);
        let agents = sim.agents();
        (0..agents.role.len())
            .map(|a| agents.contribution_total[a] as f64)
            .sum()
    };
    let per_task: Vec<f64> = (0..20).map(|s| accepted("per_task", s)).collect();
    let batched: Vec<f64> = (0..20).map(|s| accepted("batched", s)).collect();
    let ((a, va), (b, vb)) = (moments(&per_task), moments(&batched));
    let se = ((va + vb) / 20.0).sqrt();
    assert!(
        (a - b).abs() <= 4.0 * se,
        "per_task {a}, batched {b}, ±{se}"
    );
    // 4 a tick, well above the rate's own mean (20 × 20 × 40 / 2 = 8,000).
    assert!(a > 8_500.0, "{a}");
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

/// A file without the key runs the default model, `per_task`, record for
/// record (the golden test and the shipped scenarios' outputs pin what
/// `per_task` itself does).
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

proptest::proptest! {
    /// `allocate_random_batch` makes exactly the draws of one
    /// `allocate_random` per task: the same rows, the same drops, the same
    /// capacity taken and the generator left in the same state, with rows
    /// of no capacity, departed rows and rows filling up on the way.
    #[test]
    fn batch_allocation_is_the_one_by_one_allocation(
        capacities in proptest::collection::vec(0u32..6, 1..40),
        gone in proptest::collection::vec(proptest::bool::weighted(0.2), 40),
        tasks in 0u64..200,
        seed in 0u64..1_000,
    ) {
        use mirage_sim::agents::ComputeProviders;
        use rand::{RngCore, SeedableRng};
        let mut one = ComputeProviders::default();
        for (i, &capacity) in capacities.iter().enumerate() {
            one.push(i as u32, capacity, 0, 1.0, 0.0);
            if gone[i] {
                one.on_leave(i as u32);
            }
        }
        let mut batch = one.clone();
        let mut rng_one = mirage_sim::rng::SimRng::seed_from_u64(seed);
        let mut rng_batch = rng_one.clone();
        let mut rows_one = Vec::new();
        let mut dropped_one = 0;
        for _ in 0..tasks {
            match one.allocate_random(&mut rng_one) {
                Some(row) => rows_one.push(row),
                None => dropped_one += 1,
            }
        }
        let mut rows_batch = Vec::new();
        let dropped_batch = batch.allocate_random_batch(tasks, &mut rng_batch, &mut rows_batch);
        proptest::prop_assert_eq!(&rows_one, &rows_batch);
        proptest::prop_assert_eq!(dropped_one, dropped_batch);
        for row in 0..capacities.len() {
            proptest::prop_assert_eq!(one.used(row), batch.used(row));
        }
        proptest::prop_assert_eq!(rng_one.next_u64(), rng_batch.next_u64());
    }
}
