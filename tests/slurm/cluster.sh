# shellcheck shell=bash
# A throwaway single-node Slurm cluster on this machine, for tests: sourced by
# run_slurm_test.sh. It installs Debian's slurm-wlm and munge if missing,
# writes every configuration, key, socket, state and log file into one
# temporary directory, starts munged, slurmctld and slurmd as child processes
# and stops them again by process id (cluster_stop, run from an EXIT trap).
# Nothing under /etc is changed and no system service is touched: munged
# listens on a private socket, the daemons on free loopback ports.
#
# Needs root. Every wait is bounded.

# Set by cluster_start; read by cluster_stop and the test.
CLUSTER_DIR=""
CLUSTER_PIDS=()   # munged, slurmctld, slurmd, in start order
CLUSTER_NODE=""

log() { echo "slurm-test: $*"; }

# Prints why, shows the daemons' logs, and exits non-zero (the EXIT trap
# stops the cluster).
die() {
    echo "slurm-test: FAIL: $*" >&2
    cluster_show_logs >&2
    exit 1
}

cluster_show_logs() {
    [ -n "$CLUSTER_DIR" ] && [ -d "$CLUSTER_DIR/log" ] || return 0
    local f
    for f in "$CLUSTER_DIR"/log/*; do
        [ -s "$f" ] || continue
        echo "---- last lines of $f"
        tail -n 25 "$f"
    done
}

# wait_for DESCRIPTION SECONDS COMMAND...: runs COMMAND every second until it
# succeeds; fails the test after SECONDS, or at once if a daemon died.
wait_for() {
    local what=$1 limit=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        cluster_check_alive
        if ((SECONDS >= deadline)); then
            die "timed out after ${limit}s waiting for $what"
        fi
        sleep 1
    done
}

cluster_check_alive() {
    local pid
    for pid in "${CLUSTER_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || die "daemon with pid $pid ($(cluster_pid_name "$pid")) exited"
    done
}

cluster_pid_name() {
    case $1 in
    "${CLUSTER_PIDS[0]:-x}") echo munged ;;
    "${CLUSTER_PIDS[1]:-x}") echo slurmctld ;;
    "${CLUSTER_PIDS[2]:-x}") echo slurmd ;;
    *) echo unknown ;;
    esac
}

cluster_install() {
    local missing=() cmd
    for cmd in munged munge unmunge slurmctld slurmd sbatch squeue scontrol scancel sinfo setpriv ss; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
    done
    if ((${#missing[@]} == 0)); then
        log "slurm-wlm and munge already installed ($(slurmd -V))"
        return 0
    fi
    log "installing slurm-wlm, munge and iproute2 (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq ||
        die "apt-get update failed: cannot install slurm-wlm and munge"
    timeout 600 apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=120 slurm-wlm munge iproute2 util-linux >/dev/null ||
        die "apt-get install slurm-wlm munge iproute2 util-linux failed"
    for cmd in "${missing[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after installing slurm-wlm and munge"
    done
}

# A TCP port on 127.0.0.1 that nothing listens on (by `ss`), from a range
# away from Slurm's defaults so that a system cluster is never disturbed.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 20000))
        if ! ss -Htln "sport = :$port" | grep -q .; then
            echo "$port"
            return 0
        fi
    done
    die "found no free TCP port"
}

cluster_munge_ok() {
    munge -n -S "$CLUSTER_DIR/munge/socket" | unmunge -S "$CLUSTER_DIR/munge/socket"
}

cluster_node_idle() {
    local state
    state=$(sinfo -h -n "$CLUSTER_NODE" -o %t)
    [ "$state" = idle ]
}

# cluster_start CPUS: a fresh cluster whose one node (this host) has CPUS
# CPUs. Exports SLURM_CONF so that sbatch, squeue and friends talk to it.
cluster_start() {
    local cpus=${1:-2}
    [ "$(id -u)" = 0 ] || die "must run as root: it installs packages and starts munged, slurmctld and slurmd"
    cluster_install
    id munge >/dev/null 2>&1 || die "user munge does not exist (the munge package creates it)"

    CLUSTER_DIR=$(mktemp -d /tmp/mirage-slurm.XXXXXX)
    chmod 0755 "$CLUSTER_DIR"
    mkdir -p "$CLUSTER_DIR"/{log,state,spool,jobs}
    log "cluster directory $CLUSTER_DIR"

    # munged: private key, socket, pid, seed and log, all owned by munge.
    # The socket's directory must be searchable by all; the key's private.
    local m=$CLUSTER_DIR/munge
    mkdir -m 0755 "$m"
    mkdir -m 0700 "$m/private"
    dd if=/dev/urandom of="$m/private/munge.key" bs=1024 count=1 status=none
    chmod 0400 "$m/private/munge.key"
    touch "$CLUSTER_DIR/log/munged.log"
    chown -R munge:munge "$m" "$CLUSTER_DIR/log/munged.log"
    setpriv --reuid=munge --regid=munge --init-groups -- \
        munged --foreground --socket="$m/socket" --key-file="$m/private/munge.key" \
        --pid-file="$m/private/munged.pid" --seed-file="$m/private/seed" \
        --log-file="$CLUSTER_DIR/log/munged.log" \
        >"$CLUSTER_DIR/log/munged.out" 2>&1 &
    CLUSTER_PIDS+=("$!")
    wait_for "munged to answer on $m/socket" 30 cluster_munge_ok
    log "munged up (pid ${CLUSTER_PIDS[0]})"

    CLUSTER_NODE=$(hostname -s)
    local ctld_port slurmd_port
    ctld_port=$(free_port)
    slurmd_port=$(free_port)
    while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done

    export SLURM_CONF=$CLUSTER_DIR/slurm.conf
    cat >"$SLURM_CONF" <<EOF
# Written by tests/slurm/cluster.sh: a one-node test cluster.
ClusterName=miragetest
SlurmctldHost=$CLUSTER_NODE(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$m/socket
StateSaveLocation=$CLUSTER_DIR/state
SlurmdSpoolDir=$CLUSTER_DIR/spool
SlurmctldPidFile=$CLUSTER_DIR/slurmctld.pid
SlurmdPidFile=$CLUSTER_DIR/slurmd.pid
SlurmctldLogFile=$CLUSTER_DIR/log/slurmctld.log
SlurmdLogFile=$CLUSTER_DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$CLUSTER_DIR/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=5,bf_interval=5
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=3600
InactiveLimit=0
KillWait=5
SlurmdParameters=config_overrides
NodeName=$CLUSTER_NODE NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$CLUSTER_NODE Default=YES MaxTime=INFINITE State=UP
EOF
    : >"$CLUSTER_DIR/plugstack.conf"

    slurmctld -D -i -f "$SLURM_CONF" >"$CLUSTER_DIR/log/slurmctld.out" 2>&1 &
    CLUSTER_PIDS+=("$!")
    wait_for "slurmctld to answer on port $ctld_port" 60 scontrol ping
    log "slurmctld up (pid ${CLUSTER_PIDS[1]}, port $ctld_port)"

    slurmd -D -N "$CLUSTER_NODE" -f "$SLURM_CONF" >"$CLUSTER_DIR/log/slurmd.out" 2>&1 &
    CLUSTER_PIDS+=("$!")
    wait_for "node $CLUSTER_NODE to be idle" 60 cluster_node_idle
    log "slurmd up (pid ${CLUSTER_PIDS[2]}, port $slurmd_port); node $CLUSTER_NODE idle with $cpus CPUs"
}

# The states of a job's elements (every task of an array), one per line.
job_states() {
    scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
}

job_finished() {
    local states
    states=$(job_states "$1")
    [ -n "$states" ] || return 1
    ! grep -qvE '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$' <<<"$states"
}

# wait_job JOBID SECONDS: until every element of the job has ended.
wait_job() {
    wait_for "job $1 to finish" "$2" job_finished "$1"
}

# job_reason JOBID: the scheduler's reason for a pending job.
job_reason() {
    scontrol -o show job "$1" 2>/dev/null | grep -o 'Reason=[^ ]*' | head -n 1 | cut -d= -f2
}

# Cancels the cluster's jobs, then stops slurmd, slurmctld and munged by
# process id (TERM, then KILL after a bounded wait). Safe to call twice.
cluster_stop() {
    ((${#CLUSTER_PIDS[@]})) || return 0
    local pid i
    if [ -n "${SLURM_CONF:-}" ] && kill -0 "${CLUSTER_PIDS[1]:-0}" 2>/dev/null; then
        local jobs
        jobs=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u || true)
        if [ -n "$jobs" ]; then
            # shellcheck disable=SC2086
            timeout 10 scancel $jobs 2>/dev/null || true
            local deadline=$((SECONDS + 20))
            while ((SECONDS < deadline)) && [ -n "$(timeout 5 squeue -h 2>/dev/null)" ]; do sleep 1; done
        fi
    fi
    for ((i = ${#CLUSTER_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${CLUSTER_PIDS[i]}
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + 15))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            log "pid $pid ($(cluster_pid_name "$pid")) ignored TERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
        log "stopped $(cluster_pid_name "$pid") (pid $pid)"
    done
    CLUSTER_PIDS=()
}
