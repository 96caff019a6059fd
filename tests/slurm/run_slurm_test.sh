#!/usr/bin/env bash
# End-to-end test of `mirage sweep --emit-slurm` on a real one-node Slurm
# cluster started here (see cluster.sh):
#  1. smoke test of the cluster: a job array and a job that depends on it;
#  2. a small sweep goes through Slurm exactly as the printed instructions
#     say: the job array, then the merge (--dependency=afterok). Shard 1 was
#     started beforehand and stopped (its task must resume it), and task 2
#     fails on its first attempt, so the merge must never start; task 2 is
#     then re-submitted alone with the printed recovery commands, and the
#     merged runs.csv and points.csv must equal those of the same sweep run
#     locally.
#
# Run as root: `bash tests/slurm/run_slurm_test.sh`. Uses $MIRAGE_BIN if
# set, else builds the release binary. Fails, saying why, if the cluster
# cannot start; never skips. Stops every daemon it started, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
# The sweep: the shipped small network, 6 points × 6 replications = 36
# short runs, 12 per array task (a sweep file, written below).
BASE_SCENARIO=$ROOT/scenarios/sweep-emission.toml
SWEEP_ARGS=(--set epochs=60)

# shellcheck source=tests/slurm/cluster.sh
source tests/slurm/cluster.sh

passed=0
on_exit() {
    local rc=$?
    set +e
    cluster_stop
    if ((rc == 0)); then
        [ -n "$CLUSTER_DIR" ] && rm -rf "$CLUSTER_DIR"
        log "PASS in $((SECONDS - started))s"
        echo "slurm: $passed passed, 0 failed"
    else
        log "FAIL (exit $rc) after $((SECONDS - started))s; files kept in ${CLUSTER_DIR:-<none>}"
        echo "slurm: $passed passed, 1 failed"
    fi
    exit "$rc"
}
started=$SECONDS
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [ -n "${MIRAGE_BIN:-}" ]; then
    mirage=$(realpath "$MIRAGE_BIN")
else
    log "building the release binary"
    timeout 1200 cargo build --release --quiet --bin mirage || die "cargo build --release failed"
    mirage=$(realpath "${CARGO_TARGET_DIR:-target}/release/mirage")
fi
[ -x "$mirage" ] || die "no mirage executable at $mirage"
log "mirage: $mirage ($((SECONDS - started))s since start)"

cluster_start 2

# 1. The cluster itself: a three-task array sees its task ids, and a job
# that depends on it (afterok) runs after it.
log "smoke test: sbatch --array=0-2, then a dependent job"
smoke=$CLUSTER_DIR/jobs/smoke
mkdir -p "$smoke"
cat >"$smoke/array.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=smoke
#SBATCH --output=$smoke/array-%A_%a.out
echo "\$SLURM_ARRAY_TASK_ID \$SLURM_ARRAY_TASK_COUNT" >"$smoke/task-\$SLURM_ARRAY_TASK_ID"
EOF
array=$(sbatch --parsable "--array=0-2" "$smoke/array.sbatch") || die "sbatch of the smoke array failed"
after=$(sbatch --parsable --dependency="afterok:$array" --output="$smoke/after-%j.out" \
    --wrap "cat $smoke/task-* >$smoke/after") || die "sbatch of the dependent job failed"
wait_job "$after" 60
for k in 0 1 2; do
    [ "$(cat "$smoke/task-$k" 2>/dev/null)" = "$k 3" ] ||
        die "array task $k did not see SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_COUNT=3"
done
[ "$(job_states "$after")" = COMPLETED ] || die "dependent job ended $(job_states "$after")"
[ "$(wc -l <"$smoke/after")" = 3 ] || die "dependent job ran before the array ended"
log "smoke test passed ($((SECONDS - started))s since start)"
passed=$((passed + 1))

# 2. The sweep through Slurm.
work=$CLUSTER_DIR/jobs/sweep
mkdir -p "$work"
cd "$work"
SCENARIO=$work/study.toml
cat >"$SCENARIO" <<EOF
scenario = "$BASE_SCENARIO"
[sweep]
design = "grid"
replications = 6
[sweep.axes]
"emission.per_epoch" = [5_000, 20_000, 80_000]
"demand.tasks_per_epoch" = [1_000, 2_000]
EOF
log "the sweep locally, for reference"
timeout 300 "$mirage" sweep "$SCENARIO" "${SWEEP_ARGS[@]}" --jobs 2 --quiet --out "$work/local" ||
    die "the local sweep failed"

log "mirage sweep --emit-slurm --array-size 3"
timeout 60 "$mirage" sweep "$SCENARIO" "${SWEEP_ARGS[@]}" --emit-slurm --array-size 3 \
    --cpus-per-task 1 --time 10 --out out >emit.txt || die "--emit-slurm failed: $(cat emit.txt)"
cat emit.txt
out=$work/out
for f in sweep.sbatch merge.sbatch; do
    [ -s "$out/$f" ] || die "--emit-slurm wrote no $f into $out"
done

# The printed commands: two to submit, three to recover a failed task.
mapfile -t submit < <(sed -n '/^Submit/,/^Results/p' emit.txt | grep '^    ' | sed 's/^    //')
mapfile -t recover < <(sed -n '/^Fix the cause/,$p' emit.txt | grep '^    ' | sed 's/^    //')
((${#submit[@]} == 2)) || die "expected two submit commands in the printed instructions"
((${#recover[@]} == 3)) || die "expected three recovery commands in the printed instructions"

# Shard 1 was started and stopped after 2 of its 12 runs (its task resumes
# it); task 2 cannot create its shard directory, so it fails.
timeout 120 "$mirage" sweep "$SCENARIO" "${SWEEP_ARGS[@]}" --shard 1/3 --max-runs 2 --quiet \
    --out "$out" || die "could not start shard 1 locally"
echo "in the way" >"$out/shard-2-of-3"

# Runs a printed command; prints the job id that sbatch printed.
submitted() {
    local output
    output=$(eval "$1") || die "printed command failed: $1"
    [[ $output =~ ([0-9]+) ]] || die "no job id in the output of: $1"
    echo "${BASH_REMATCH[1]}"
}

log "submitting: ${submit[0]}; ${submit[1]}"
jobid=""
eval "${submit[0]}" || die "printed command failed: ${submit[0]}"
[[ $jobid =~ ^[0-9]+$ ]] || die "no job id from: ${submit[0]}"
merge=$(submitted "${submit[1]}")
wait_job "$jobid" 300
states=$(job_states "$jobid" | sort | uniq -c | tr -s ' \n' ' ')
log "job array $jobid ended: $states"
if [ "$(job_states "$jobid" | grep -c COMPLETED)" != 2 ] || [ "$(job_states "$jobid" | grep -c FAILED)" != 1 ]; then
    die "expected tasks 0 and 1 to complete and task 2 to fail, got: $states"
fi
grep -q "shard-1-of-3 (resuming it)" "$out/slurm-logs/sweep-${jobid}_1.out" ||
    die "task 1 did not resume its started shard: $(cat "$out/slurm-logs/sweep-${jobid}_1.out")"
merge_held() { [ "$(job_reason "$merge")" = DependencyNeverSatisfied ]; }
wait_for "merge job $merge to be held for ever (DependencyNeverSatisfied)" 30 merge_held
[ "$(job_states "$merge")" = PENDING ] || die "merge job $merge is $(job_states "$merge"), not pending"
[ ! -e "$out/merged" ] || die "the merge ran although task 2 failed"
log "merge job $merge is held: DependencyNeverSatisfied"

log "recovering task 2 with the printed commands"
rm "$out/shard-2-of-3"
scancel_cmd=${recover[0]//MERGE_JOBID/$merge}
resubmit=${recover[1]//--array=K/--array=2}
eval "$scancel_cmd" || die "printed command failed: $scancel_cmd"
jobid=""
eval "$resubmit" || die "printed command failed: $resubmit"
[[ $jobid =~ ^[0-9]+$ ]] || die "no job id from: $resubmit"
merge=$(submitted "${recover[2]}")
wait_job "$merge" 300
[ "$(job_states "$jobid")" = COMPLETED ] || die "re-submitted task 2 (job $jobid) ended $(job_states "$jobid")"
[ "$(job_states "$merge")" = COMPLETED ] ||
    die "merge job $merge ended $(job_states "$merge"): $(cat "$out"/slurm-logs/merge-"$merge".out 2>/dev/null)"

for f in runs.csv points.csv; do
    cmp "$work/local/$f" "$out/merged/$f" ||
        die "$f merged through Slurm differs from the local sweep's: $(diff "$work/local/$f" "$out/merged/$f" | head -n 5)"
done
[ -s "$out/merged/dashboard.html" ] || die "the merge job drew no dashboard.html"
log "merged runs.csv ($(($(wc -l <"$out/merged/runs.csv") - 1)) runs) and points.csv equal the local sweep's ($((SECONDS - started))s since start)"
passed=$((passed + 1))
