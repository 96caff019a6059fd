//! Sweep speed, measured through the `mirage` binary as a user runs it
//! (process start, validation, journal, final files included):
//!
//! - `sweep/economy/jobs=1|2`: runs per second of a sweep of a
//!   1,000-agent, 365-epoch economy (the baseline scaled down), with one and
//!   two threads. `MIRAGE_BENCH_RUNS` sets the runs per sweep (default 8:
//!   a full 1,000-run sweep takes minutes per sample on 2 cores).
//! - `sweep/overhead`: 1,000 runs of a trivial 1-epoch, 2-agent scenario,
//!   one thread: the time per run is the sweep machinery's overhead.
//!
//! Run: `cargo bench --bench sweep` (Criterion reports runs/s as elem/s).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const TRIVIAL: &str = r#"name = "trivial"
epochs = 1
ticks_per_epoch = 1
decimals = 0
initial_supply = 10
[exchange]
amount = 1
[[population]]
role = "holder"
count = 2
balance = 1
[sweep]
replications = 500
[sweep.axes]
"exchange.amount" = [0, 1]
"#;

/// The baseline at 1,000 agents at genesis (it grows with joins).
const ECONOMY_SETS: [&str; 8] = [
    "population.gpu_farms.count=15",
    "population.home_gpus.count=150",
    "population.data_providers.count=300",
    "population.validators.count=20",
    "population.retail_traders.count=350",
    "population.trend_followers.count=150",
    "population.team_and_investors.count=10",
    "demand.tasks_per_epoch=2000",
];

fn sweep(dir: &Path, file: &str, jobs: usize, sets: &[&str]) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mirage"));
    c.current_dir(dir).args([
        "sweep",
        file,
        "--out",
        "out",
        "--force",
        "--quiet",
        "--yes",
        "--jobs",
        &jobs.to_string(),
    ]);
    for s in sets {
        c.args(["--set", s]);
    }
    let status = c.status().expect("mirage runs");
    assert!(status.success(), "the sweep succeeds");
}

fn benches(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let runs: u64 = std::env::var("MIRAGE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n >= 2 && n % 2 == 0)
        .unwrap_or(8);
    std::fs::write(
        dir.join("economy.toml"),
        format!(
            "scenario = {:?}\n[sweep]\nreplications = {}\n[sweep.axes]\n\"reward.compute.scheme\" = [\"proportional\", \"stake\"]\n",
            baseline.display().to_string(),
            runs / 2
        ),
    )
    .expect("write");
    std::fs::write(dir.join("trivial.toml"), TRIVIAL).expect("write");

    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(runs));
    for jobs in [1, 2] {
        group.bench_function(format!("economy/jobs={jobs}"), |b| {
            b.iter(|| sweep(dir, "economy.toml", jobs, &ECONOMY_SETS));
        });
    }
    group.throughput(Throughput::Elements(1000));
    group.bench_function("overhead", |b| {
        b.iter(|| sweep(dir, "trivial.toml", 1, &[]));
    });
    group.finish();
}

criterion_group!(sweep_benches, benches);
criterion_main!(sweep_benches);
