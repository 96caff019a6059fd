#!/usr/bin/env bash
# Runs benches/sweeps/lhs-baseline-1k.toml (SAMPLES runs, default 10,000) on
# JOBS threads (default 2) under MODEL (the event model, default per_task) with the release binary and prints runs/s, the
# per-run overhead outside the simulations ((wall x jobs - sum of the runs'
# own wall seconds from timings.csv) / runs) and the sweep's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/../.."
MIRAGE=${MIRAGE:-target/release/mirage}
SAMPLES=${SAMPLES:-10000}
JOBS=${JOBS:-2}
# MODEL=batched runs the sweep under demand.event_model = "batched".
MODEL=${MODEL:-per_task}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The baseline scaled by 1/4 as benches/scale.rs scales it (every
# population's count and max_count, the demand, the supply, the market;
# the emission is an axis of the sweep file, scaled there), with the
# three Pareto stake shapes set to 2.0 (see the sweep file).
sets=(
  population.gpu_farms.count=15 population.gpu_farms.max_count=37
  population.home_gpus.count=150 population.home_gpus.max_count=375
  population.data_providers.count=300 population.data_providers.max_count=625
  population.validators.count=20 population.validators.max_count=37
  population.retail_traders.count=375 population.trend_followers.count=150
  population.whales.count=1 population.team_and_investors.count=10
  demand.tasks_per_epoch=2000 initial_supply=250000000
  market.token_reserve=5000000 market.quote_reserve=500000
  population.gpu_farms.stake.shape=2.0 population.home_gpus.stake.shape=2.0
  population.validators.stake.shape=2.0 "sweep.samples=$SAMPLES"
  "demand.event_model=$MODEL"
)
args=()
for s in "${sets[@]}"; do args+=(--set "$s"); done
start=$(date +%s.%N)
status=0
/usr/bin/time -f "%M" -o "$out/rss" "$MIRAGE" sweep benches/sweeps/lhs-baseline-1k.toml \
  --out "$out/sweep" --quiet --yes --jobs "$JOBS" "${args[@]}" || status=$?
end=$(date +%s.%N)
if [ "$status" -ne 0 ]; then
  # A run that stops (e.g. a runaway draw) stops the sweep: say how far it got.
  python3 -c "print(f'the sweep stopped after {$end - $start:.1f} s; runs done:', sum(1 for _ in open('$out/sweep/runs.journal.csv')) - 1)"
  exit "$status"
fi
python3 - "$out/sweep/timings.csv" "$start" "$end" "$JOBS" "$(cat "$out/rss")" <<'PY'
import csv, sys
path, start, end, jobs, rss_kb = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = list(csv.DictReader(open(path)))
wall = end - start
inside = sum(float(r["wall_seconds"]) for r in rows)
events = sum(int(r["events"]) for r in rows)
n = len(rows)
print(f"{n} runs in {wall:.1f} s on {jobs} threads: {n / wall:.2f} runs/s")
print(f"mean run {inside / n * 1e3:.1f} ms, {events / inside / 1e6:.1f} M events/s per thread")
print(f"overhead outside the simulations: {(wall * jobs - inside) / n * 1e3:.2f} ms per run")
print(f"peak RSS {rss_kb / 1024:.1f} MiB")
PY
