#!/bin/bash
# Stop a private SLURM started by slurm-up.sh: cancel its jobs, shut down the daemons it
# started (by their PIDs only), stop its private munged if it started one, remove DIR.
# With several nodes (VS_SLURM_NODES > 1) it then ends every process left in the node
# namespaces (job steps, ranks) and the namespace holders, by PID: the namespaces and their
# interfaces disappear with their last process.
#
#   cluster/local/slurm-down.sh DIR        (VS_SLURM_KEEP=1 keeps DIR, e.g. to read logs)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"
# shellcheck disable=SC2034  # read by lib.sh
VS_LOG_TAG=slurm-down

D=${1:-${VS_SLURM_DIR:-}}
[ -n "$D" ] || vs_die "usage: slurm-down.sh DIR"
[ -f "$D/started" ] || { vs_log "nothing started in $D"; exit 0; }
export SLURM_CONF=$D/slurm.conf
vs_clean_path
# Several nodes: the client wrappers reach the controller inside node1's namespace.
[ -d "$D/bin" ] && export PATH=$D/bin:$PATH

declare -A pid=() holder_ns=()
declare -a slurmds=() holders=()
while read -r name p ns; do
    case $name in
        "") ;;
        slurmd:*) slurmds+=("$name $p") ;;
        holder:*) holders+=("$name $p"); holder_ns[$name]=$ns ;;
        *) pid[$name]=$p ;;
    esac
done <"$D/started"
[ -n "${pid[slurmd]:-}" ] && slurmds+=("slurmd ${pid[slurmd]}")

stop_pid() {  # name pid seconds
    local name=$1 p=$2
    vs_alive "$p" || return 0
    if ! vs_wait_pid "$p" "$3"; then
        vs_log "$name (pid $p) still running: SIGTERM"; kill -TERM "$p" 2>/dev/null
        vs_wait_pid "$p" 5 || { vs_log "$name (pid $p): SIGKILL"; kill -KILL "$p" 2>/dev/null; vs_wait_pid "$p" 2; }
    fi
}

if [ -n "${pid[slurmctld]:-}" ] && vs_alive "${pid[slurmctld]}"; then
    jobs=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ')
    if [ -n "${jobs// }" ]; then
        vs_log "cancelling jobs: $jobs"
        # shellcheck disable=SC2086
        scancel $jobs 2>/dev/null
        for _ in $(seq 100); do [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.1; done
    fi
    scontrol shutdown >/dev/null 2>&1
fi
# slurmd first (scontrol shutdown stops it too), then the controller.
for e in "${slurmds[@]}"; do stop_pid ${e% *} ${e#* } 10; done
[ -n "${pid[slurmctld]:-}" ] && stop_pid slurmctld "${pid[slurmctld]}" 10
# Job step daemons left by a killed slurmd (they run from our spool dir).
for c in /proc/[0-9]*/comm; do
    { read -r comm <"$c"; } 2>/dev/null || continue
    [ "$comm" = slurmstepd ] || continue
    p=${c#/proc/}; p=${p%/comm}
    vs_alive "$p" || continue
    if { tr '\0' '\n' <"/proc/$p/environ" | grep -qx "SLURM_CONF=$D/slurm.conf"; } 2>/dev/null; then
        tree=$(vs_descendants "$p" | tr '\n' ' ')
        vs_log "leftover slurmstepd $p (and its job processes: ${tree:-none}): SIGKILL"
        # shellcheck disable=SC2086
        kill -KILL "$p" $tree 2>/dev/null
    fi
done
# The node namespaces: every process still in one (a slurmstepd or rank of a killed node,
# anything a job left behind), then the holder. Only processes whose network namespace is
# the one recorded for that holder are signalled.
for e in "${holders[@]}"; do
    name=${e% *} h=${e#* } ns=${holder_ns[${e% *}]}
    [ -n "$ns" ] || continue
    for round in 1 2 3; do
        mapfile -t left < <(vs_pids_in_netns "$ns")
        ((${#left[@]})) || break
        rest=()
        for p in "${left[@]}"; do [ "$p" = "$h" ] || rest+=("$p"); done
        if ((${#rest[@]})); then
            ((round == 1)) && vs_log "$name: ending leftover processes ${rest[*]}"
            kill -KILL "${rest[@]}" 2>/dev/null
            for p in "${rest[@]}"; do vs_wait_pid "$p" 2; done
        fi
        if [ "$(vs_netns_of "$h")" = "$ns" ]; then kill -KILL "$h" 2>/dev/null; vs_wait_pid "$h" 2; fi
    done
    mapfile -t left < <(vs_pids_in_netns "$ns")
    ((${#left[@]} == 0)) || vs_log "$name: processes still in $ns: ${left[*]}"
done
if [ -n "${pid[munged]:-}" ]; then
    kill -TERM "${pid[munged]}" 2>/dev/null
    stop_pid munged "${pid[munged]}" 5
fi
rm -f "$D/started"
if [ "${VS_SLURM_KEEP:-0}" = 1 ]; then vs_log "stopped; kept $D"; else rm -rf "$D"; vs_log "stopped; removed $D"; fi
