#!/bin/bash
# Submit a batch job and wait for it by polling squeue every 0.3 s (sbatch --wait polls
# every 2-8 s). Prints "JOBID STATE EXITCODE" and exits 0 only if the job COMPLETED.
#
#   . "$D/env"; cluster/local/sbatch-wait.sh [--timeout SECONDS] [sbatch args...] SCRIPT [args...]
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"
# shellcheck disable=SC2034  # read by lib.sh
VS_LOG_TAG=sbatch-wait
timeout=600
if [ "${1:-}" = --timeout ]; then timeout=$2; shift 2; fi
[ $# -ge 1 ] || vs_die "usage: sbatch-wait.sh [--timeout S] [sbatch args...] SCRIPT [args...]"
id=$(sbatch --parsable "$@" | cut -d';' -f1) || exit 1
[ -n "$id" ] || vs_die "sbatch printed no job id"
st=$(vs_wait_job "$id" "$timeout") || { echo "$id TIMEOUT"; scancel "$id"; exit 1; }
echo "$id $st"
[ "${st%% *}" = COMPLETED ]
