#!/bin/bash
# End-to-end tests of cluster/slurm/sweep.sbatch on a real, private, single-node SLURM.
#
#   cluster/tests/run-slurm-tests.sh            (as root; from anywhere)
#
# Environment:
#   VAESWEEP         the vaesweep binary (default: .build/release/vaesweep in the repo root)
#   VS_TEST_KEEP=1   keep the work directory (specs, outputs, job logs) after the run
#   VS_SLURM_INSTALL=0  do not apt-get install missing packages
#
# Tests:
#   1. sweep.sbatch on 4 tasks (srun --mpi=pmix) completes; every dataset of the result
#      equals a plain `mpirun -np 2` run of the same spec.
#   2. the job is told to drain part-way (SIGUSR1 to the batch shell, exactly what
#      `#SBATCH --signal=B:USR1@T` does before the walltime): it ends with exit 3, leaves
#      OUTPUT.partial (status has missing points) and OUTPUT.journal; resubmitting the
#      same command resumes and the result equals the uninterrupted run. `vaesweep status`
#      from outside the job sees it running (points done, none failed, some remaining), then
#      drained. (The job is held after 3 work items by the test hook, so the drain always
#      lands part-way, however loaded the machine.)
#   3. a malformed spec submitted through sbatch fails fast (exit 2) with the error in
#      the job's log and no output file.
#   4. the mpirun launcher (VAESWEEP_LAUNCHER=mpirun): SIGTERM to the batch shell drains
#      it too (forwarded as SIGUSR1), and a job chained with --dependency=afternotok
#      finishes the sweep on its own (the first job held as in 2).
#   5. `sweep.sbatch refine RESULTS.h5 …` (vaesweep refine): drained at "walltime" (SIGUSR1 to
#      the batch shell) while round 2 is held by the test hook, it ends with exit 3 and the
#      output holds round 2 pending; resubmitting the same command finishes the refinement, and
#      the result equals an uninterrupted refine outside SLURM; a third submission does nothing.
# Ends with "N passed, M failed"; exit status 0 only if nothing failed.
set -uo pipefail
T_START=$SECONDS
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER=$(dirname "$HERE")
ROOT=$(dirname "$CLUSTER")
# shellcheck source=SCRIPTDIR/../local/lib.sh
. "$CLUSTER/local/lib.sh"
# shellcheck disable=SC2034  # read by lib.sh
VS_LOG_TAG=slurm-tests
SBATCH_SCRIPT=$CLUSTER/slurm/sweep.sbatch

PASSED=0 FAILED=0
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A clean environment: nothing from a surrounding SLURM job or MPI process leaks in.
while IFS='=' read -r name _; do
    case $name in SLURM_*|SLURMD_*|OMPI_*|PMIX_*|OPAL_*|PRTE_*) unset "$name" ;; esac
done < <(env)

# ---- the binary under test ----------------------------------------------------------
VAESWEEP=${VAESWEEP:-.build/release/vaesweep}
case $VAESWEEP in /*) ;; *) VAESWEEP=$ROOT/$VAESWEEP ;; esac
export VAESWEEP
if ! [ -x "$VAESWEEP" ] || ! "$VAESWEEP" run --help >/dev/null 2>&1; then
    echo "FAIL setup: $VAESWEEP is missing or has no working 'run' subcommand (build it, or set VAESWEEP)"
    FAILED=5; summary; exit 1
fi

[ "$(id -u)" = 0 ] || { echo "FAIL setup: must run as root (private slurmd/munged)"; FAILED=5; summary; exit 1; }
[ "${VS_SLURM_INSTALL:-1}" = 0 ] || vs_ensure_packages mpirun h5diff h5dump h5ls

W=$(mktemp -d /tmp/vaesweep-slurm-tests.XXXXXX)
chmod 755 "$W"     # a private munged (user munge) keeps its socket below it
D=
cleanup() {
    [ -n "$D" ] && VS_SLURM_KEEP=${VS_TEST_KEEP:-0} "$CLUSTER/local/slurm-down.sh" "$D" >/dev/null 2>&1
    if [ "${VS_TEST_KEEP:-0}" = 1 ]; then echo "(kept $W)"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$SECONDS
if ! D=$(VS_SLURM_INSTALL=0 "$CLUSTER/local/slurm-up.sh" "$W/slurm"); then
    D=$W/slurm   # slurm-up cleaned up after itself; make sure anyway
    echo "FAIL setup: could not bring up the private SLURM"; FAILED=5; summary; exit 1
fi
# shellcheck disable=SC1091
. "$D/env"
echo "private SLURM up in $((SECONDS - T0))s ($D)"

export OPENBLAS_NUM_THREADS=1

# ---- specs --------------------------------------------------------------------------
# Big enough that a drain signal sent as soon as the first point is journaled lands
# well before the end; small enough that a full run takes a few seconds.
cp "$CLUSTER/specs/slurm-test.toml" "$W/spec.toml" || { echo "FAIL setup: cluster/specs/slurm-test.toml missing"; FAILED=5; summary; exit 1; }
# Malformed: beta is a string.
sed 's/^beta .*/beta   = "lots"/' "$W/spec.toml" >"$W/bad.toml"

# ---- helpers (the shared ones are in lib.sh) ---------------------------------------
# Did job $2 (dir $1) really resume? vaesweep itself logs "resuming: K/M points already done
# (...)" after reading the journal; K must be at least 1 (work was journaled before the
# drain). Not the batch script's own "found PATH.journal: resuming the interrupted sweep",
# printed before vaesweep even starts: a vaesweep that ignored --resume, or read nothing
# from the journal ("resuming: 0/M"), and recomputed everything would still end with the
# right result, and a grep for 'resuming' alone would not notice.
resumed_from_journal() {
    local k
    k=$(joblog "$1" "$2" | sed -nE 's/^(\[vaesweep\] )?resuming: ([0-9]+)\/[0-9]+ points.*/\2/p' | head -1)
    [ -n "$k" ] || { echo "no 'resuming: K/M' line from vaesweep"; return 1; }
    ((k >= 1)) || { echo "vaesweep resumed with $k points from the journal"; return 1; }
    echo "$k"
}

# ---- reference: plain mpirun outside SLURM --------------------------------------------
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
REF_SECS=$((SECONDS - T0))
echo "reference: mpirun -np 2 run of the spec took ${REF_SECS}s"

# ---- reference refine: a small exact-law study refined by plain mpirun ------------------
T0=$SECONDS
mkdir -p "$W/rref"
printf '%s\n' '[grid]' 'alpha = [0.5, 1.5, 3.0]' 'beta = [0.5, 1.5, 3.0]' 'lambda = [0.01, 1.0]' \
    'N = [250, 500, 1000]' 'seeds = 5' '[simulation]' 'solver = "exact"' 'data = "bidiagonal"' >"$W/rref/small.toml"
REFINE_OPTS=(--budget 0.01 --rounds 3 --target-se 0.05 --max-n 64000 --max-replicates 40)
rref_ok=1
if ! (cd "$W/rref" && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none \
        && "$VAESWEEP" run small.toml --output small.h5 --quiet \
        && mpirun -np 2 --oversubscribe "$VAESWEEP" refine small.h5 "${REFINE_OPTS[@]}" --quiet) >"$W/rref/log" 2>&1 \
    || ! [ -f "$W/rref/small.refined.h5" ]; then
    rref_ok=0
    echo "reference refine failed:"; tail -n 20 "$W/rref/log"
fi
echo "reference: study + mpirun -np 2 refine took $((SECONDS - T0))s"

# ---- 1. a complete sweep in one allocation --------------------------------------------
test1() {
    local name="1 sweep.sbatch (srun --mpi=pmix, 4 tasks) completes and equals mpirun" dir=$W/t1 id st diff
    T0=$SECONDS
    ((ref_ok)) || { fail "$name" "no reference result"; return; }
    mkdir -p "$dir"; cp "$W/spec.toml" "$dir/"
    id=$(submit "$dir" -n 4 -- spec.toml) || { fail "$name" "sbatch failed"; return; }
    st=$(vs_wait_job "$id" 90) || { fail "$name" "job $id did not finish: $st"; show_log "$dir" "$id"; return; }
    [ "$st" = "COMPLETED 0:0" ] || { fail "$name" "job $id ended $st"; show_log "$dir" "$id"; return; }
    [ -f "$dir/results.h5" ] || { fail "$name" "no results.h5"; show_log "$dir" "$id"; return; }
    for f in results.h5.tmp results.h5.partial results.h5.journal; do
        [ -e "$dir/$f" ] && { fail "$name" "leftover $f after a complete run"; return; }
    done
    diff=$(h5_same_data "$dir/results.h5" "$REF") || { fail "$name" "$diff"; return; }
    joblog "$dir" "$id" | grep -q 'sweep complete' || { fail "$name" "log lacks the completion line"; show_log "$dir" "$id"; return; }
    pass "$name"
}

# Drain job $2 (submitted in dir $1) part-way with signal $3 (default USR1) sent to its
# batch shell only. Prints an error and returns 1 unless the job ended as drained (exit 3).
drain_partway() {
    local dir=$1 id=$2 sig=${3:-USR1} st
    st=$(vs_wait_running "$id" 30) || { echo "job $id not running: $st"; return 1; }
    # As soon as some work is journaled, ask for the drain (the batch shell forwards it).
    wait_points "$dir/results.h5" 60 "$id" || { echo "no journal record appeared while job $id ran"; return 1; }
    scancel --batch --signal="$sig" "$id" 2>&1 || { echo "scancel --signal=$sig failed"; return 1; }
    st=$(vs_wait_job "$id" 90) || { echo "job $id did not end after the drain signal: $st"; return 1; }
    case $st in
        "FAILED 3:0") ;;
        "COMPLETED 0:0") echo "job $id completed before the drain took effect (spec too small for this machine?)"; return 1 ;;
        *) echo "job $id ended $st (want FAILED 3:0)"; return 1 ;;
    esac
    joblog "$dir" "$id" | grep -q "received SIG$sig" || { echo "batch shell did not log the forwarded SIG$sig"; return 1; }
}

# ---- 2. walltime drain + resubmission ---------------------------------------------------
test2() {
    local name="2 drained part-way (USR1 to batch shell) leaves a partial; resubmitting completes it" dir=$W/t2 id st err n0 n1
    T0=$SECONDS
    ((ref_ok)) || { fail "$name" "no reference result"; return; }
    mkdir -p "$dir"; cp "$W/spec.toml" "$dir/"
    id=$(VAESWEEP_TEST_HOOKS=hold-after=3 submit "$dir" -n 2 -- spec.toml) || { fail "$name" "sbatch failed"; return; }
    st=$(vs_wait_running "$id" 30) || { fail "$name" "job $id not running: $st"; return; }
    wait_points "$dir/results.h5" 60 "$id" || { fail "$name" "no journal record appeared"; show_log "$dir" "$id"; return; }
    # status from outside the job, while it runs: read-only, lock untouched
    local js; js=$("$VAESWEEP" status "$dir/results.h5" --json) || { fail "$name" "status failed while the job ran"; return; }
    grep -q '"state": "running"' <<<"$js" && grep -q '"points_failed": 0' <<<"$js" \
        && ! grep -q '"points_done": 0,' <<<"$js" && ! grep -q '"points_remaining": 0,' <<<"$js" \
        || { fail "$name" "status during the job: $js"; return; }
    joblog "$dir" "$id" | grep -q "status $dir/results.h5" || { fail "$name" "the job log does not print the status command"; show_log "$dir" "$id"; return; }
    err=$(drain_partway "$dir" "$id") || { fail "$name" "$err"; show_log "$dir" "$id"; return; }
    js=$("$VAESWEEP" status "$dir/results.h5" --json) || { fail "$name" "status failed after the drain"; return; }
    grep -q '"state": "drained"' <<<"$js" || { fail "$name" "status after the drain: $js"; return; }
    [ -f "$dir/results.h5.partial" ] || { fail "$name" "no results.h5.partial after the drain"; show_log "$dir" "$id"; return; }
    [ -f "$dir/results.h5.journal" ] || { fail "$name" "no results.h5.journal after the drain"; return; }
    [ -e "$dir/results.h5" ] && { fail "$name" "results.h5 exists after a drained run"; return; }
    n0=$(h5_values "$dir/results.h5.partial" status | awk '$1 + 0 == 0' | wc -l)
    n1=$(h5_values "$dir/results.h5.partial" status | awk '$1 + 0 != 0' | wc -l)
    ((n0 > 0 && n1 > 0)) || { fail "$name" "partial file is not part-way (status: $n1 non-zero, $n0 zero)"; return; }
    echo "     partial after drain: $n1 points done, $n0 missing"
    # Resubmit exactly the same command.
    id=$(submit "$dir" -n 2 -- spec.toml) || { fail "$name" "second sbatch failed"; return; }
    st=$(vs_wait_job "$id" 90) || { fail "$name" "resubmitted job $id did not finish: $st"; return; }
    [ "$st" = "COMPLETED 0:0" ] || { fail "$name" "resubmitted job $id ended $st"; show_log "$dir" "$id"; return; }
    err=$(resumed_from_journal "$dir" "$id") || { fail "$name" "resubmitted job did not resume: $err"; show_log "$dir" "$id"; return; }
    echo "     resubmitted job resumed with $err points from the journal"
    [ -f "$dir/results.h5" ] || { fail "$name" "no results.h5 after resuming"; return; }
    for f in results.h5.partial results.h5.journal results.h5.tmp; do
        [ -e "$dir/$f" ] && { fail "$name" "leftover $f after the resumed run"; return; }
    done
    err=$(h5_same_data "$dir/results.h5" "$REF") || { fail "$name" "resumed result differs: $err"; return; }
    # A third submission of a finished sweep does nothing.
    id=$(submit "$dir" -n 2 -- spec.toml) || { fail "$name" "third sbatch failed"; return; }
    st=$(vs_wait_job "$id" 60)
    if ! [ "$st" = "COMPLETED 0:0" ] || ! joblog "$dir" "$id" | grep -q 'nothing to do'; then
        fail "$name" "resubmitting a finished sweep: $st"; show_log "$dir" "$id"; return
    fi
    pass "$name"
}

# ---- 3. malformed spec fails fast ---------------------------------------------------------
test3() {
    local name="3 malformed spec fails fast with the error in the job log" dir=$W/t3 id st t
    T0=$SECONDS
    mkdir -p "$dir"; cp "$W/bad.toml" "$dir/"
    t=$SECONDS
    id=$(submit "$dir" -n 2 -- bad.toml) || { fail "$name" "sbatch failed"; return; }
    st=$(vs_wait_job "$id" 30) || { fail "$name" "job $id still running after 30s: $st"; return; }
    [ "$st" = "FAILED 2:0" ] || { fail "$name" "job $id ended $st (want FAILED 2:0)"; show_log "$dir" "$id"; return; }
    ((SECONDS - t <= 15)) || { fail "$name" "took $((SECONDS - t))s"; return; }
    joblog "$dir" "$id" | grep -q '^vaesweep: error: .*beta' \
        || { fail "$name" "no 'vaesweep: error: ... beta ...' line in the job log"; show_log "$dir" "$id"; return; }
    if compgen -G "$dir/results.h5*" >/dev/null; then fail "$name" "output created: $(ls "$dir")"; return; fi
    pass "$name"
}

# ---- 4. mpirun variant + afternotok chain ---------------------------------------------------
test4() {
    local name="4 mpirun launcher drains on SIGTERM to the batch shell; an afternotok chain finishes the sweep" dir=$W/t4 id id2 st err
    T0=$SECONDS
    ((ref_ok)) || { fail "$name" "no reference result"; return; }
    mkdir -p "$dir"; cp "$W/spec.toml" "$dir/"
    id=$(VAESWEEP_TEST_HOOKS=hold-after=3 VAESWEEP_LAUNCHER=mpirun submit "$dir" -n 2 -- spec.toml) || { fail "$name" "sbatch failed"; return; }
    id2=$(VAESWEEP_LAUNCHER=mpirun submit "$dir" -n 2 --dependency=afternotok:"$id" -- spec.toml) \
        || { fail "$name" "chained sbatch failed"; return; }
    # SIGTERM this time: the script must turn it into SIGUSR1 (mpirun would kill on TERM).
    err=$(drain_partway "$dir" "$id" TERM) || { fail "$name" "$err"; show_log "$dir" "$id"; return; }
    st=$(vs_wait_job "$id2" 90) || { fail "$name" "chained job $id2 did not finish: $st"; return; }
    [ "$st" = "COMPLETED 0:0" ] || { fail "$name" "chained job $id2 ended $st"; show_log "$dir" "$id2"; return; }
    err=$(resumed_from_journal "$dir" "$id2") || { fail "$name" "chained job did not resume: $err"; show_log "$dir" "$id2"; return; }
    for f in results.h5.partial results.h5.journal; do
        [ -e "$dir/$f" ] && { fail "$name" "leftover $f"; return; }
    done
    err=$(h5_same_data "$dir/results.h5" "$REF") || { fail "$name" "chained result differs: $err"; return; }
    pass "$name"
}

# ---- 5. refine: walltime drain mid-round + resubmission ------------------------------------
test5() {
    local name="5 refine via sweep.sbatch: drained mid-round, resubmitted, equals an uninterrupted refine" dir=$W/t5 id st err deadline
    T0=$SECONDS
    ((rref_ok)) || { fail "$name" "no reference refine"; return; }
    mkdir -p "$dir"; cp "$W/rref/small.h5" "$dir/"
    id=$(VAESWEEP_TEST_HOOKS='hold-after=2;hold-round=2' submit "$dir" -n 2 -- refine small.h5 "${REFINE_OPTS[@]}") \
        || { fail "$name" "sbatch failed"; return; }
    st=$(vs_wait_running "$id" 30) || { fail "$name" "job $id not running: $st"; return; }
    # the observable event: round 2 held by the test hook (round 1 is in the output by then)
    deadline=$((SECONDS + 120))
    until joblog "$dir" "$id" | grep -q 'work held by VAESWEEP_TEST_HOOKS'; do
        ((SECONDS < deadline)) && [ -n "$(squeue -h -j "$id" -o %T 2>/dev/null)" ] \
            || { fail "$name" "round 2 was never held"; show_log "$dir" "$id"; return; }
        sleep 0.2
    done
    scancel --batch --signal=USR1 "$id" || { fail "$name" "scancel failed"; return; }
    st=$(vs_wait_job "$id" 90) || { fail "$name" "job $id did not end after the drain: $st"; return; }
    [ "$st" = "FAILED 3:0" ] || { fail "$name" "drained job ended $st (want FAILED 3:0)"; show_log "$dir" "$id"; return; }
    joblog "$dir" "$id" | grep -q 'refine drained (exit 3)' || { fail "$name" "no drain line in the job log"; show_log "$dir" "$id"; return; }
    [ "$(h5_values "$dir/small.refined.h5" round_complete | tr '\n' ' ')" = "1 1 0 " ] \
        || { fail "$name" "the drained output does not hold round 2 pending: $(h5_values "$dir/small.refined.h5" round_complete | tr '\n' ' ')"; return; }
    id=$(submit "$dir" -n 2 -- refine small.h5 "${REFINE_OPTS[@]}") || { fail "$name" "second sbatch failed"; return; }
    st=$(vs_wait_job "$id" 120) || { fail "$name" "resubmitted job $id did not finish: $st"; return; }
    [ "$st" = "COMPLETED 0:0" ] || { fail "$name" "resubmitted job $id ended $st"; show_log "$dir" "$id"; return; }
    joblog "$dir" "$id" | grep -q 'round 2: resuming its' || { fail "$name" "the resubmitted job did not resume round 2"; show_log "$dir" "$id"; return; }
    err=$(h5_same_data "$dir/small.refined.h5" "$W/rref/small.refined.h5") || { fail "$name" "resumed refine differs: $err"; return; }
    id=$(submit "$dir" -n 2 -- refine small.h5 "${REFINE_OPTS[@]}") || { fail "$name" "third sbatch failed"; return; }
    st=$(vs_wait_job "$id" 60)
    if ! [ "$st" = "COMPLETED 0:0" ] || ! joblog "$dir" "$id" | grep -q 'nothing to do'; then
        fail "$name" "resubmitting a finished refine: $st"; show_log "$dir" "$id"; return
    fi
    pass "$name"
}

test1
test2
test3
test4
test5

# No job may be left behind.
left=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ')
[ -z "${left// }" ] || { T0=$SECONDS; fail "cleanup" "jobs still queued: $left"; }
echo "total $((SECONDS - T_START))s"
summary
((FAILED == 0))
