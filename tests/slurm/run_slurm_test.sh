#!/usr/bin/env bash
# End-to-end test of sweeps on Slurm, on a real one-node cluster started
# here (see cluster.sh): a job array and a dependent job go through the
# cluster first; then ... (the mirage part follows).
#
# Run as root: `bash tests/slurm/run_slurm_test.sh`. Fails, saying why, if
# the cluster cannot start; never skips. Stops every daemon it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

# shellcheck source=tests/slurm/cluster.sh
source tests/slurm/cluster.sh

on_exit() {
    local rc=$?
    set +e
    cluster_stop
    if ((rc == 0)); then
        [ -n "$CLUSTER_DIR" ] && rm -rf "$CLUSTER_DIR"
        log "PASS"
    else
        log "FAIL (exit $rc); files kept in ${CLUSTER_DIR:-<none>}"
    fi
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

started=$SECONDS
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
