#!/bin/bash
# The MPICH family next to Open MPI: build the two products these tests need against MPICH (into
# .build-mpich, beside the Open MPI build in .build), run the MPI self-test under MPICH's own
# launcher, and check that one small sweep gives the same results under both families.
#
#   cluster/tests/run-mpich-tests.sh          (from anywhere; `make test` runs it)
#
# Environment:
#   CONFIG           build configuration (default release)
#   VS_TEST_KEEP=1   keep the work directory (spec, outputs, logs)
#
# Tests:
#   1. the MPICH build links libmpich and not Open MPI's libmpi (and the Open MPI build the reverse)
#   2. mpi-selftest under `mpiexec.mpich -n 3`: broadcast, gatherv with unequal counts,
#      send/receive/probe, launch detection (PMI_RANK) against MPI's rank, every rank "ok"
#   3. mpi-selftest --throw under MPICH: ranks that throw still finalise MPI
#   4. the same self-test under Open MPI's `mpirun.openmpi -np 3`
#   5. one small sweep (2 α × 2 β × 1 λ, N = [40], 2 seeds, gd) under `mpiexec.mpich -n 3` and
#      under `mpirun.openmpi -np 3`: both succeed, and every data variable except sim_seconds is
#      bitwise equal (python3 + h5py); each file records its own MPI library
# Debian's `mpirun`/`mpiexec` alternatives point to one family, so both launchers are named
# explicitly. Ends with "N passed, M failed"; exit status 0 only if nothing failed.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$(dirname "$HERE")")
CONFIG=${CONFIG:-release}
SWIFT=${SWIFT:-swift}
OMPI_BIN=$ROOT/.build/$CONFIG
MPICH_BIN=$ROOT/.build-mpich/$CONFIG
MPIEXEC_MPICH=/usr/bin/mpiexec.mpich
MPIRUN_OPENMPI=/usr/bin/mpirun.openmpi

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
summary() { echo "$PASSED passed, $FAILED failed"; }

# A clean environment: nothing from a surrounding SLURM job or MPI process leaks in.
while IFS='=' read -r name _; do
    case $name in SLURM_*|OMPI_*|PMIX_*|OPAL_*|PRTE_*|PMI_*|HYDRA_*|MPIR_*|MPICH_*) unset "$name" ;; esac
done < <(env)
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none

for x in "$MPIEXEC_MPICH" "$MPIRUN_OPENMPI"; do
    [ -x "$x" ] || { echo "FAIL setup: $x missing (make deps installs mpich and openmpi-bin)"; FAILED=5; summary; exit 1; }
done

# ---- builds: only the two products these tests run, per family -------------------------
build() {  # build FAMILY SCRATCH: vaesweep and mpi-selftest
    local t0=$SECONDS
    for product in vaesweep mpi-selftest; do
        if ! (cd "$ROOT" && VAESWEEP_MPI=$1 $SWIFT build -c "$CONFIG" --scratch-path "$2" --product $product) \
            >"$W/build-$1.log" 2>&1; then
            echo "FAIL setup: $1 build of $product failed (log below)"; tail -30 "$W/build-$1.log"
            FAILED=5; summary; exit 1
        fi
    done
    echo "build $1 (vaesweep, mpi-selftest): $((SECONDS - t0)) s"
}
W=$(mktemp -d /tmp/vaesweep-mpich-tests.XXXXXX)
trap '[ "${VS_TEST_KEEP:-0}" = 1 ] && echo "kept $W" || rm -rf "$W"' EXIT
build mpich "$ROOT/.build-mpich"
build openmpi "$ROOT/.build"

# ---- 1. each build links its own family only --------------------------------------------
links() { ldd "$1" | awk '{print $1}' | grep -E '^libmpi(ch)?\.so' | sort | tr '\n' ' '; }
l_mpich=$(links "$MPICH_BIN/vaesweep") l_ompi=$(links "$OMPI_BIN/vaesweep")
if [ "$l_mpich" = "libmpich.so.12 " ] && [ "$l_ompi" = "libmpi.so.40 " ]; then pass "link: MPICH build -> $l_mpich, Open MPI build -> $l_ompi"
else fail "link" "MPICH build links '$l_mpich', Open MPI build links '$l_ompi'"; fi

# ---- 2-4. the self-test -------------------------------------------------------------------
selftest() {  # selftest NAME EXPECTED_LINES LAUNCHER...
    local name=$1 expected=$2; shift 2
    local out rc
    out=$(timeout 120 "$@" 2>"$W/$name.err"); rc=$?
    got=$(echo "$out" | sort | tr '\n' '|')
    if [ "$got" = "$expected" ]; then pass "$name"
    else fail "$name" "exit $rc, stdout '$got', stderr: $(head -c 600 "$W/$name.err")"; fi
}
selftest "mpi-selftest under mpiexec.mpich -n 3" "rank 0/3 ok|rank 1/3 ok|rank 2/3 ok|" \
    "$MPIEXEC_MPICH" -n 3 "$MPICH_BIN/mpi-selftest"
selftest "mpi-selftest --throw under mpiexec.mpich -n 2 (finalised on throw)" \
    "rank 0/2 threw; MPI finalised: true|rank 1/2 threw; MPI finalised: true|" \
    "$MPIEXEC_MPICH" -n 2 "$MPICH_BIN/mpi-selftest" --throw
selftest "mpi-selftest under mpirun.openmpi -np 3" "rank 0/3 ok|rank 1/3 ok|rank 2/3 ok|" \
    "$MPIRUN_OPENMPI" -np 3 --oversubscribe "$OMPI_BIN/mpi-selftest"

# ---- 5. one small sweep under each family -------------------------------------------------
cat >"$W/spec.toml" <<'TOML'
[model]
rho = 1.0
eta = 1.0
[grid]
alpha = [0.5, 2.0]
beta = [0.5, 2.0]
lambda = [0.01]
N = [40]
seeds = 2
[simulation]
run = true
solver = "gd"
seed = 5
TOML
sweep() {  # sweep NAME OUTPUT LAUNCHER...
    local name=$1 out=$2; shift 2
    local t0=$SECONDS
    if (cd "$W" && timeout 600 "$@" run "$W/spec.toml" --output "$out" >"$W/$name.log" 2>&1); then
        echo "sweep $name: $((SECONDS - t0)) s"; return 0
    fi
    fail "sweep under $name" "$(tail -c 800 "$W/$name.log")"; return 1
}
if sweep mpich "$W/mpich.h5" "$MPIEXEC_MPICH" -n 3 "$MPICH_BIN/vaesweep" &&
   sweep openmpi "$W/openmpi.h5" "$MPIRUN_OPENMPI" -np 3 --oversubscribe --bind-to none "$OMPI_BIN/vaesweep"; then
    if cmp_out=$(python3 - "$W/mpich.h5" "$W/openmpi.h5" 2>&1 <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out
da, db = datasets(a), datasets(b)
problems = []
if sorted(da) != sorted(db): problems.append(f"variables differ: {sorted(set(da) ^ set(db))}")
compared = 0
for name in sorted(set(da) & set(db)):
    if name.split("/")[-1] == "sim_seconds": continue
    x, y = da[name][()], db[name][()]
    if x.dtype != y.dtype or x.shape != y.shape:
        problems.append(f"{name}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}")
    elif x.tobytes() != y.tobytes():
        problems.append(f"{name}: {np.count_nonzero(x.view(np.uint8) != y.view(np.uint8))} bytes differ")
    compared += 1
if "sim_eps_g" not in da or not np.isfinite(da["sim_eps_g"][()]).all():
    problems.append("sim_eps_g missing or not all finite: the sweep did not simulate every point")
def mentions(f, text):
    return any(text in (v.decode() if isinstance(v, bytes) else str(v)) for v in f.attrs.values())
if not mentions(a, "MPICH"): problems.append("the MPICH file records no MPICH library version")
if not mentions(b, "Open MPI"): problems.append("the Open MPI file records no Open MPI library version")
if problems: print("; ".join(problems)); sys.exit(1)
print(f"{compared} variables bitwise equal (sim_seconds excluded)")
PY
    ); then pass "sweep under MPICH equals sweep under Open MPI: $cmp_out"
    else fail "sweep MPICH vs Open MPI" "$cmp_out"; fi
fi

summary
[ "$FAILED" = 0 ]
