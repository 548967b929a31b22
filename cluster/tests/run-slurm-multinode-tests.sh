#!/bin/bash
# End-to-end tests of cluster/slurm/sweep.sbatch across two SLURM nodes: a private cluster
# whose nodes are network + UTS namespaces (host names node1, node2) joined by a veth pair,
# brought up by `VS_SLURM_NODES=2 cluster/local/slurm-up.sh` and torn down on every exit path.
#
#   cluster/tests/run-slurm-multinode-tests.sh        (as root; from anywhere)
#
# Environment: VAESWEEP (default .build/release/vaesweep in the repo root), VS_TEST_KEEP=1
# (keep the work directory), VS_SLURM_INSTALL=0 (no apt-get).
#
# Tests:
#   1. `sbatch -N 2 -n 4 sweep.sbatch SPEC` (srun --mpi=pmix) with the MPI byte transfer layers
#      restricted to self,tcp on interface vs0 (OMPI_MCA_btl, OMPI_MCA_btl_tcp_if_include)
#      completes on node[1-2]; the result equals a one-node `mpirun -np 2` run in every
#      dataset but sim_seconds; its `hosts` attribute is "node1,node2"; Open MPI's own log
#      (btl_base_verbose) shows a node2 rank's TCP connection to node1's address.
#      1b (control): the same job with self,vader (shared memory only): Open MPI reports that
#      the ranks on node1 and node2 are "unable to reach each other" — they really sit on
#      different nodes, so the data in 1 went over TCP. In 1 and 2 the file's load_balance
#      (Σ busy / (ranks × wall)) is printed, is >= 0.8, and vaesweep's last progress line states it.
#   2. the same with VAESWEEP_LAUNCHER=mpirun (mpirun starts its daemons through SLURM; ssh is
#      disabled with OMPI_MCA_plm_rsh_agent=false, so any ssh attempt would fail the job).
#      2b: USR1 to the batch shell on node1 (what --signal=B:USR1@T does) drains the ranks on
#      both nodes: exit 3, a part-way partial file; resubmitting resumes and completes it.
#   4. a second two-node harness runs beside the first (its steps run in its own namespaces).
#   3. a node lost mid-run: a two-node sweep (`-N 1-2 -n 4`) runs; as soon as units are
#      journaled every process of node2 (its slurmd, slurmstepd and ranks) is SIGKILLed by
#      PID. The job ends with a failure (NODE_FAIL), node2 goes DOWN, the journal still holds
#      every byte written before the kill, and the same sbatch command again runs on node1
#      alone, resumes ("resuming: K/M", K >= the units journaled before the kill) and equals
#      the uninterrupted result.
#   5. teardown: slurm-down.sh leaves no process in the node namespaces and the host's network
#      interfaces as they were.
# Ends with "N passed, M failed"; exit status 0 only if nothing failed.
set -uo pipefail
T_START=$SECONDS
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER=$(dirname "$HERE")
ROOT=$(dirname "$CLUSTER")
# shellcheck source=SCRIPTDIR/../local/lib.sh
. "$CLUSTER/local/lib.sh"
# shellcheck disable=SC2034  # read by lib.sh
VS_LOG_TAG=multinode-tests
SBATCH_SCRIPT=$CLUSTER/slurm/sweep.sbatch
NTESTS=7

PASSED=0 FAILED=0
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
T0=$SECONDS
setup_fail() { echo "FAIL setup: $1"; FAILED=$NTESTS; summary; exit 1; }

while IFS='=' read -r name _; do
    case $name in SLURM_*|SLURMD_*|OMPI_*|PMIX_*|OPAL_*|PRTE_*) unset "$name" ;; esac
done < <(env)

VAESWEEP=${VAESWEEP:-.build/release/vaesweep}
case $VAESWEEP in /*) ;; *) VAESWEEP=$ROOT/$VAESWEEP ;; esac
export VAESWEEP
{ [ -x "$VAESWEEP" ] && "$VAESWEEP" run --help >/dev/null 2>&1; } \
    || setup_fail "$VAESWEEP is missing or has no working 'run' subcommand (build it, or set VAESWEEP)"
[ "$(id -u)" = 0 ] || setup_fail "must run as root (network namespaces, private slurmd/munged)"
[ "${VS_SLURM_INSTALL:-1}" = 0 ] || vs_ensure_packages mpirun h5diff h5dump h5ls
for cmd in unshare nsenter ip python3; do command -v $cmd >/dev/null 2>&1 || setup_fail "'$cmd' not found"; done

W=$(mktemp -d /tmp/vaesweep-multinode-tests.XXXXXX)
chmod 755 "$W"
D=
HOST_LINKS=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
cleanup() {
    [ -n "$D" ] && VS_SLURM_KEEP=${VS_TEST_KEEP:-0} "$CLUSTER/local/slurm-down.sh" "$D" >/dev/null 2>&1
    if [ "${VS_TEST_KEEP:-0}" = 1 ]; then echo "(kept $W)"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$SECONDS
if ! D=$(VS_SLURM_NODES=2 VS_SLURM_INSTALL=0 "$CLUSTER/local/slurm-up.sh" "$W/slurm"); then
    D=$W/slurm
    setup_fail "could not bring up the private two-node SLURM (network namespaces: see the slurm-up error above)"
fi
# shellcheck disable=SC1091
. "$D/env"
# The namespaces of the nodes, from the harness's own record.
NODE1_NS=$(awk '$1 == "holder:node1" {print $3}' "$D/started")
NODE2_NS=$(awk '$1 == "holder:node2" {print $3}' "$D/started")
NODE2_HOLDER=$(awk '$1 == "holder:node2" {print $2}' "$D/started")
NODE1_ADDR=$(vs_in_node "$(awk '$1 == "holder:node1" {print $2}' "$D/started")" "$NODE1_NS" ip -4 -o addr show vs0 | awk '{print $4}' | cut -d/ -f1)
NODE2_ADDR=$(vs_in_node "$NODE2_HOLDER" "$NODE2_NS" ip -4 -o addr show vs0 | awk '{print $4}' | cut -d/ -f1)
{ [ -n "$NODE1_NS" ] && [ -n "$NODE2_NS" ] && [ -n "$NODE1_ADDR" ] && [ -n "$NODE2_ADDR" ]; } \
    || setup_fail "harness record incomplete ($(tr '\n' ';' <"$D/started"))"
echo "private two-node SLURM up in $((SECONDS - T0))s ($D; node1 $NODE1_ADDR, node2 $NODE2_ADDR)"

export OPENBLAS_NUM_THREADS=1

# ---- spec: the same small sweep as run-slurm-tests.sh (a few seconds on 2 cores) ------------
cp "$CLUSTER/specs/slurm-test.toml" "$W/spec.toml" || setup_fail "cluster/specs/slurm-test.toml missing"

# ---- helpers (the shared ones are in lib.sh) -------------------------------------------------
# Root attribute $2 of file $1 (a string), e.g. hosts.
h5_attr() { python3 -c 'import h5py,sys; v=h5py.File(sys.argv[1],"r").attrs[sys.argv[2]]; print(v.decode() if isinstance(v,bytes) else v)' "$1" "$2" 2>/dev/null; }
# Number of points recorded in a journal (layout: "VAESWEEP-JOURNAL 3" (or 2), two
# length-prefixed texts (settings, canonical spec), then records magic|kind|n|values|checksum,
# each point its coordinates and payload: 3 + 14 values for theory (kinds 1 and 4), 5 + 17 for
# simulation (kinds 0 and 3), kind 2 a clock record (one value, no point); see
# Sources/Study/Sweep/Journal.swift). Fails loudly on another layout rather than guessing.
journal_units() {
    python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
l1 = b.index(b"\n"); assert b[:l1] in (b"VAESWEEP-JOURNAL 3", b"VAESWEEP-JOURNAL 2"), "unknown journal header %r" % b[:l1]
pos = l1 + 1
for _ in range(2):
    nl = b.index(b"\n", pos); pos = nl + 1 + int(b[pos:nl]) + 1
points = 0
while pos + 24 <= len(b):
    magic, kind, n = struct.unpack_from("<QqQ", b, pos)
    if magic != 0x44524F4345524A56 or pos + 32 + 8 * n > len(b): break
    assert kind in (0, 1, 2, 3, 4), "unknown record kind %d" % kind
    if kind != 2: points += n // (17 if kind in (1, 4) else 22)
    pos += 32 + 8 * n
print(points)
PY
}
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
# vaesweep's own resume line "resuming: K/M points ..." (not the batch script's "resuming the
# interrupted sweep"): prints K, fails if the line is missing.
resumed_units() { joblog "$1" "$2" | sed -nE 's/^(\[vaesweep\] )?resuming: ([0-9]+)\/([0-9]+) points.*/\2/p' | head -1 | grep .; }

# ---- reference: plain mpirun on one node (the host), outside SLURM ---------------------------
T0=$SECONDS
mkdir -p "$W/ref"
REF=$W/ref/results.h5
ref_ok=1
if ! (cd "$W/ref" && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        OMPI_MCA_btl_vader_single_copy_mechanism=none \
        mpirun -np 2 --oversubscribe "$VAESWEEP" run "$W/spec.toml" --quiet) >"$W/ref/log" 2>&1 \
    || ! [ -f "$REF" ]; then
    ref_ok=0
    echo "reference mpirun run failed:"; tail -n 20 "$W/ref/log"
fi
echo "reference: one-node mpirun -np 2 run of the spec took $((SECONDS - T0))s"

# Environment for the two-node jobs: MPI traffic only over TCP on the harness link.
TCP_ENV=(OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=vs0 OMPI_MCA_btl_base_verbose=30)

# Common checks of a completed two-node sweep in $1 (job $2). Prints the first problem.
check_two_node_result() {
    local dir=$1 id=$2 st hosts diff
    st=$(vs_wait_job "$id" 120) || { echo "job $id did not finish: $st"; return 1; }
    [ "$st" = "COMPLETED 0:0" ] || { echo "job $id ended $st"; return 1; }
    [ "$(job_field "$id" NodeList)" = "node[1-2]" ] || { echo "job $id ran on '$(job_field "$id" NodeList)', not node[1-2]"; return 1; }
    [ -f "$dir/results.h5" ] || { echo "no results.h5"; return 1; }
    for f in results.h5.tmp results.h5.partial results.h5.journal; do
        [ -e "$dir/$f" ] && { echo "leftover $f after a complete run"; return 1; }
    done
    diff=$(h5_same_data "$dir/results.h5" "$REF") || { echo "$diff"; return 1; }
    hosts=$(h5_attr "$dir/results.h5" hosts) || { echo "no 'hosts' attribute"; return 1; }
    [ "$hosts" = "node1,node2" ] || { echo "hosts attribute is '$hosts', want 'node1,node2'"; return 1; }
    # Open MPI's TCP layer (btl_base_verbose) logs each connection it opens: a rank on node2
    # must have connected to node1's address (rank 0, which collects the results, is there).
    joblog "$dir" "$id" | grep -Eq "^\[node2:[0-9]+\] btl:tcp: connect\(\) to ${NODE1_ADDR//./\\.}:[0-9]+ completed" \
        || { echo "no 'btl:tcp: connect() to $NODE1_ADDR' by a node2 process in Open MPI's log"; return 1; }
}

# The run's load balance (Σ busy / (ranks × wall), root attribute load_balance) of the complete
# sweep in $1 (job $2): printed with vaesweep's last progress line, which must state it too; at
# least 0.8 (the four ranks compute all the time but for the last items' tail).
check_load_balance() {
    local dir=$1 id=$2 lb last
    lb=$(h5_attr "$dir/results.h5" load_balance) || { echo "no 'load_balance' attribute"; return 1; }
    last=$(joblog "$dir" "$id" | grep -E '^(\[vaesweep\] )?items [0-9]+/[0-9]+, points' | tail -n 1)
    echo "     load_balance = $lb (busy_seconds = $(h5_attr "$dir/results.h5" busy_seconds | tr -s ' \n' ' '))" >&2
    echo "     last progress line: ${last:-none}" >&2
    [[ $last == *"load balance "* ]] || { echo "the last progress line does not state the load balance: '$last'"; return 1; }
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.8 else 1)' "$lb" \
        || { echo "load_balance $lb < 0.8"; return 1; }
}

# ---- 1. srun --mpi=pmix across two nodes, TCP ------------------------------------------------
test1() {
    local name="1 sbatch -N 2 -n 4 (srun --mpi=pmix, btl self,tcp on vs0) completes on node1+node2 and equals one-node mpirun" dir=$W/t1 id err
    T0=$SECONDS
    ((ref_ok)) || { fail "$name" "no reference result"; return; }
    mkdir -p "$dir"; cp "$W/spec.toml" "$dir/"
    id=$(export "${TCP_ENV[@]}"; submit "$dir" -N 2 -n 4 -- spec.toml) \
        || { fail "$name" "sbatch failed"; return; }
    err=$(check_two_node_result "$dir" "$id") || { fail "$name" "$err"; show_log "$dir" "$id"; return; }
    err=$(check_load_balance "$dir" "$id") || { fail "$name" "$err"; show_log "$dir" "$id"; return; }
    pass "$name"
}

# Control: shared memory only. Open MPI must find no path between ranks on different nodes.
# (It prints "unable to reach each other ... Your MPI job is now going to abort", but under
# srun the remaining ranks keep waiting, so the job is cancelled here once the message is in.)
test1b() {
    local name="1b control: the same job with btl self,vader (no TCP) finds no path from node2 to node1" dir=$W/t1b id log
    T0=$SECONDS
    mkdir -p "$dir"; cp "$W/spec.toml" "$dir/"
    id=$(export OMPI_MCA_btl=self,vader; submit "$dir" -N 2 -n 4 -- spec.toml) || { fail "$name" "sbatch failed"; return; }
    for _ in $(seq 200); do
        joblog "$dir" "$id" | grep -q "unable to reach each other" && break
        [ -z "$(squeue -h -j "$id" -o %T 2>/dev/null)" ] && break
        sleep 0.3
    done
    sleep 1
    log=$(joblog "$dir" "$id")
    scancel "$id" 2>/dev/null; vs_wait_job "$id" 60 >/dev/null
    grep -q "unable to reach each other" <<<"$log" || { fail "$name" "no 'unable to reach each other' from Open MPI"; show_log "$dir" "$id"; return; }
    grep -Eq "is on host: node2" <<<"$log" && grep -Eq "is on host: node1" <<<"$log" \
        || { fail "$name" "Open MPI's message does not name node1 and node2"; show_log "$dir" "$id"; return; }
    [ -e "$dir/results.h5" ] && { fail "$name" "results.h5 written"; return; }
    pass "$name"
}

# ---- 2. mpirun inside the two-node allocation ------------------------------------------------
test2() {
    local name="2 VAESWEEP_LAUNCHER=mpirun across node1+node2 (daemons via SLURM, ssh disabled) equals one-node mpirun" dir=$W/t2 id err
    T0=$SECONDS
    ((ref_ok)) || { fail "$name" "no reference result"; return; }
    mkdir -p "$dir"; cp "$W/spec.toml" "$dir/"
    id=$(export "${TCP_ENV[@]}" OMPI_MCA_plm_rsh_agent=false VAESWEEP_LAUNCHER=mpirun; submit "$dir" -N 2 -n 4 -- spec.toml) \
        || { fail "$name" "sbatch failed"; return; }
    err=$(check_two_node_result "$dir" "$id") || { fail "$name" "$err"; show_log "$dir" "$id"; return; }
    err=$(check_load_balance "$dir" "$id") || { fail "$name" "$err"; show_log "$dir" "$id"; return; }
    pass "$name"
}

# ---- 2b. the drain signal reaches the ranks on both nodes --------------------------------------
# `scancel --batch --signal=USR1` is what `#SBATCH --signal=B:USR1@T` does before the walltime:
# only the batch shell on node1 gets it; it forwards it to srun, which signals every task on
# every node. The sweep must stop part-way with exit 3 and a partial file, and resume.
test2b() {
    local name="2b drain across nodes: USR1 to the batch shell on node1 stops the ranks on node1 and node2 (exit 3, partial); resubmitting completes it"
    local dir=$W/t2b id st t_sig n0 n1 k
    T0=$SECONDS
    ((ref_ok)) || { fail "$name" "no reference result"; return; }
    mkdir -p "$dir"; cp "$W/spec.toml" "$dir/"
    # held after 3 work items (test hook): the drain always lands part-way, however loaded the machine
    id=$(export "${TCP_ENV[@]}" VAESWEEP_TEST_HOOKS=hold-after=3; submit "$dir" -N 2 -n 4 -- spec.toml) || { fail "$name" "sbatch failed"; return; }
    st=$(vs_wait_running "$id" 30) || { fail "$name" "job $id not running: $st"; return; }
    wait_points "$dir/results.h5" 60 "$id" || { fail "$name" "no journal record appeared while job $id ran"; show_log "$dir" "$id"; return; }
    scancel --batch --signal=USR1 "$id" || { fail "$name" "scancel --signal=USR1 failed"; return; }
    t_sig=$SECONDS
    st=$(vs_wait_job "$id" 90) || { fail "$name" "job $id did not end after the drain signal"; return; }
    [ "$st" = "FAILED 3:0" ] || { fail "$name" "job $id ended $st (want FAILED 3:0)"; show_log "$dir" "$id"; return; }
    [ -f "$dir/results.h5.partial" ] || { fail "$name" "no results.h5.partial"; show_log "$dir" "$id"; return; }
    n0=$(h5_values "$dir/results.h5.partial" status | awk '$1 + 0 == 0' | wc -l)
    n1=$(h5_values "$dir/results.h5.partial" status | awk '$1 + 0 != 0' | wc -l)
    ((n0 > 0 && n1 > 0)) || { fail "$name" "partial file is not part-way (status: $n1 done, $n0 missing)"; return; }
    echo "     drained $((SECONDS - t_sig))s after the signal: $n1 points done, $n0 missing"
    id=$(export "${TCP_ENV[@]}"; submit "$dir" -N 2 -n 4 -- spec.toml) || { fail "$name" "second sbatch failed"; return; }
    err=$(check_two_node_result "$dir" "$id") || { fail "$name" "resumed run: $err"; show_log "$dir" "$id"; return; }
    k=$(resumed_units "$dir" "$id") || { fail "$name" "no 'resuming: K/M' line from vaesweep"; show_log "$dir" "$id"; return; }
    ((k >= 1)) || { fail "$name" "resumed with $k points"; return; }
    pass "$name"
}

# ---- 3. a node lost mid-run ------------------------------------------------------------------
test3() {
    local name="3 node2 killed mid-run: job fails, journal keeps its units, the same command resumes on node1 and equals the uninterrupted run"
    local dir=$W/t3 id id2 st units0 k pids=() comms t_kill
    T0=$SECONDS
    ((ref_ok)) || { fail "$name" "no reference result"; return; }
    mkdir -p "$dir"; cp "$W/spec.toml" "$dir/"
    # One command for both submissions: 4 ranks on as many nodes as are up (SLURM takes the
    # most nodes of the range it can get at once): node1+node2 first, node1 alone after.
    local -a cmd=(-N 1-2 -n 4 -- spec.toml)
    # held after 3 work items (test hook): the node dies while the sweep is unfinished, whatever the load
    id=$(export "${TCP_ENV[@]}" VAESWEEP_TEST_HOOKS=hold-after=3; submit "$dir" "${cmd[@]}") \
        || { fail "$name" "sbatch failed"; return; }
    st=$(vs_wait_running "$id" 30) || { fail "$name" "job $id not running: $st"; return; }
    [ "$(job_field "$id" NodeList)" = "node[1-2]" ] || { fail "$name" "job $id got '$(job_field "$id" NodeList)', not node[1-2]"; return; }
    [ "$(job_field "$id" BatchHost)" = node1 ] || { fail "$name" "batch host is $(job_field "$id" BatchHost), want node1"; return; }
    wait_points "$dir/results.h5" 60 "$id" || { fail "$name" "no journal record appeared while job $id ran"; show_log "$dir" "$id"; return; }
    # Ranks must be running on node2 too before it is killed.
    for _ in $(seq 50); do
        mapfile -t pids < <(vs_pids_in_netns "$NODE2_NS" | grep -vx "$NODE2_HOLDER")
        comms=$(for p in "${pids[@]}"; do cat "/proc/$p/comm" 2>/dev/null; done | sort | uniq -c | tr -s ' \n' ' ')
        [[ $comms == *vaesweep* ]] && break
        sleep 0.1
    done
    [[ $comms == *vaesweep* ]] || { fail "$name" "no vaesweep rank on node2 (node2 runs: $comms)"; return; }
    cp "$dir/results.h5.journal" "$dir/journal.before"
    kill -KILL "${pids[@]}" 2>/dev/null
    t_kill=$SECONDS
    echo "     killed node2: ${#pids[@]} processes ($comms), $(journal_units "$dir/journal.before") points journaled"
    st=$(vs_wait_job "$id" 90) || { fail "$name" "job $id still running 90 s after node2 died: $st"; show_log "$dir" "$id"; return; }
    case $st in
        COMPLETED*) fail "$name" "job $id ended $st although node2 died"; show_log "$dir" "$id"; return ;;
    esac
    echo "     job $id ended $st $((SECONDS - t_kill))s after the kill"
    # SLURM declares node2 DOWN (SlurmdTimeout); resubmit only then, as a user would.
    for _ in $(seq 100); do [[ $(sinfo -h -n node2 -o %t) == down* ]] && break; sleep 0.3; done
    [[ $(sinfo -h -n node2 -o %t) == down* ]] || { fail "$name" "node2 is '$(sinfo -h -n node2 -o %t)', not down"; return; }
    [ -f "$dir/results.h5.journal" ] || { fail "$name" "journal gone after the node failure"; show_log "$dir" "$id"; return; }
    cmp -s -n "$(stat -c %s "$dir/journal.before")" "$dir/journal.before" "$dir/results.h5.journal" \
        || { fail "$name" "journal lost or changed records written before the kill"; return; }
    units0=$(journal_units "$dir/journal.before") || { fail "$name" "cannot read the journal"; return; }
    ((units0 >= 1)) || { fail "$name" "no unit journaled before the kill"; return; }
    [ -e "$dir/results.h5" ] && { fail "$name" "results.h5 exists after the failed run"; return; }
    echo "     after the failure: journal $(stat -c %s "$dir/results.h5.journal") bytes, partial file: $([ -e "$dir/results.h5.partial" ] && echo yes || echo no)"
    # The same command again.
    id2=$(export "${TCP_ENV[@]}"; submit "$dir" "${cmd[@]}") \
        || { fail "$name" "second sbatch failed"; return; }
    st=$(vs_wait_job "$id2" 120) || { fail "$name" "resubmitted job $id2 did not finish: $st"; show_log "$dir" "$id2"; return; }
    [ "$st" = "COMPLETED 0:0" ] || { fail "$name" "resubmitted job $id2 ended $st"; show_log "$dir" "$id2"; return; }
    [ "$(job_field "$id2" NodeList)" = node1 ] || { fail "$name" "resubmitted job ran on '$(job_field "$id2" NodeList)', want node1"; return; }
    k=$(resumed_units "$dir" "$id2") || { fail "$name" "no 'resuming: K/M' line from vaesweep"; show_log "$dir" "$id2"; return; }
    ((k >= units0)) || { fail "$name" "resumed with $k points, but $units0 were journaled before the kill"; return; }
    echo "     resubmitted job $id2 on node1: resuming: $k points ($units0 journaled before the kill)"
    for f in results.h5.partial results.h5.journal results.h5.tmp; do
        [ -e "$dir/$f" ] && { fail "$name" "leftover $f after the resumed run"; return; }
    done
    err=$(h5_same_data "$dir/results.h5" "$REF") || { fail "$name" "resumed result differs: $err"; return; }
    pass "$name"
}

# ---- 4. a second harness beside the first -------------------------------------------------------
test4() {
    local name="4 a second two-node harness runs beside the first (own namespaces, own controller)" D2 out1 out2 ns
    T0=$SECONDS
    if ! D2=$(VS_SLURM_NODES=2 VS_SLURM_INSTALL=0 "$CLUSTER/local/slurm-up.sh" "$W/slurm2" 2>"$W/slurm2.log"); then
        fail "$name" "second slurm-up failed: $(tail -n 2 "$W/slurm2.log")"; "$CLUSTER/local/slurm-down.sh" "$W/slurm2" >/dev/null 2>&1; return
    fi
    out2=$(. "$D2/env"; timeout 60 srun -N 2 -n 2 -l bash -c 'echo $(hostname) $(readlink /proc/self/ns/net)' 2>&1 | sort)
    out1=$(timeout 60 srun -N 2 -n 2 -l bash -c 'echo $(hostname) $(readlink /proc/self/ns/net)' 2>&1 | sort)
    ns=$(awk '$1 ~ /^holder:/ {print $3}' "$D2/started" | sort | tr '\n' ' ')
    VS_SLURM_KEEP=0 "$CLUSTER/local/slurm-down.sh" "$D2" >/dev/null 2>&1
    [ "$(awk '{print $2}' <<<"$out2" | tr '\n' ' ')" = "node1 node2 " ] || { fail "$name" "second cluster's srun printed: $out2"; return; }
    [ "$(awk '{print $3}' <<<"$out2" | sort | tr '\n' ' ')" = "$ns" ] || { fail "$name" "second cluster's steps ran outside its namespaces: $out2 (its namespaces: $ns)"; return; }
    [ "$(awk '{print $3}' <<<"$out1" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$NODE1_NS" "$NODE2_NS" | sort | tr '\n' ' ')" ] \
        || { fail "$name" "first cluster's steps: $out1"; return; }
    pass "$name"
}

test1
test1b
test2
test2b
test4     # before 3: node2 must be up
test3

left=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ')
[ -z "${left// }" ] || { T0=$SECONDS; fail "cleanup" "jobs still queued: $left"; }

# ---- 5. teardown removes everything ----------------------------------------------------------
T0=$SECONDS
name="5 slurm-down.sh ends every process in the node namespaces and leaves no interface behind"
VS_SLURM_KEEP=${VS_TEST_KEEP:-0} "$CLUSTER/local/slurm-down.sh" "$D" >"$W/down.log" 2>&1
D=
left1=$(vs_pids_in_netns "$NODE1_NS" | tr '\n' ' ') left2=$(vs_pids_in_netns "$NODE2_NS" | tr '\n' ' ')
links=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
if [ -n "${left1// }${left2// }" ]; then fail "$name" "processes left: node1 [$left1] node2 [$left2]"
elif [ "$links" != "$HOST_LINKS" ]; then fail "$name" "host interfaces changed: [$HOST_LINKS] -> [$links]"
else pass "$name"; fi

echo "total $((SECONDS - T_START))s"
summary
((FAILED == 0))
