#!/usr/bin/env bash
# Helpers shared by the SLURM test scripts (sourced; needs $W, $SBATCH_SCRIPT, $T0, PASSED/FAILED).

# Datasets whose values legitimately differ between runs (wall-clock time per point).
NONDETERMINISTIC=${VS_NONDETERMINISTIC:-sim_seconds round_core_seconds round_wall_seconds round_load_balance}

# Test bookkeeping: PASS/FAIL lines with the seconds since $T0, and the closing count.
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s (%ds)\n' "$1" $((SECONDS - T0)); }

fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s (%ds): %s\n' "$1" $((SECONDS - T0)) "$2"; }

summary() { echo "$PASSED passed, $FAILED failed"; }

# Root datasets of an HDF5 file, one per line.
h5_datasets() { h5ls "$1" 2>/dev/null | awk '$2 == "Dataset" { print $1 }' | sort; }

# Every root dataset of $1 has the same values as in $2: the data variables (theory_*,
# sim_*, status) and the coordinates. Attributes are provenance (hosts, times, ranks,
# dimension-scale back references) and are not compared. Prints the first difference.
h5_same_data() {
    local a=$1 b=$2 n names_a names_b
    names_a=$(h5_datasets "$a"); names_b=$(h5_datasets "$b")
    [ -n "$names_a" ] || { echo "no datasets in $a"; return 1; }
    [ "$names_a" = "$names_b" ] || { echo "dataset names differ: [${names_a//$'\n'/ }] vs [${names_b//$'\n'/ }]"; return 1; }
    grep -qx status <<<"$names_a" || { echo "no 'status' dataset in $a"; return 1; }
    grep -q '^sim_' <<<"$names_a" || { echo "no sim_* dataset in $a"; return 1; }
    for n in $names_a; do
        [[ " $NONDETERMINISTIC " == *" $n "* ]] && continue
        h5diff -q --exclude-attribute "/$n" "$a" "$b" "/$n" "/$n" >/dev/null 2>&1 || {
            echo "dataset /$n differs: $(h5diff -n 3 --exclude-attribute "/$n" "$a" "$b" "/$n" "/$n" 2>&1 | head -6 | tr '\n' ' ')"
            return 1
        }
    done
}

# Values of dataset $2 in file $1, one per line.
h5_values() {
    local tmp; tmp=$(mktemp "$W/values.XXXXXX")
    h5dump -y -w 0 -d "/$2" -o "$tmp" "$1" >/dev/null 2>&1 || { rm -f "$tmp"; return 1; }
    tr -s ', ' '\n' <"$tmp" | grep -v '^$'; rm -f "$tmp"
}

# Submit sweep.sbatch from directory $1 with extra sbatch options, then the spec.
# Usage: submit DIR [sbatch options...] -- SPEC [vaesweep options...]   → prints job id
submit() {
    local dir=$1; shift
    local -a opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    (cd "$dir" && sbatch --parsable "${opts[@]}" "$SBATCH_SCRIPT" "$@") | cut -d';' -f1
}

joblog() { cat "$1/vaesweep-$2.log" 2>/dev/null; }

show_log() { echo "---- job $2 log ----"; joblog "$1" "$2" | tail -n 25; echo "----"; }

# Wait until `vaesweep status` of output $1 reports at least one finished point (the journal
# holds a first record), at most $2 seconds, while job $3 is queued. Needs $VAESWEEP.
wait_points() {
    local out=$1 deadline=$((SECONDS + $2)) id=$3 js
    while :; do
        js=$("$VAESWEEP" status "$out" --json 2>/dev/null) && ! grep -q '"points_done": 0,' <<<"$js" && return 0
        ((SECONDS >= deadline)) && return 1
        [ -z "$(squeue -h -j "$id" -o %T 2>/dev/null)" ] && return 1
        sleep 0.2
    done
}
