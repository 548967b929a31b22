# shellcheck shell=bash
# Shared helpers for the local single-node SLURM harness (sourced, not executed).

vs_log() { printf '[%s %(%T)T] %s\n' "${VS_LOG_TAG:-slurm-local}" -1 "$*" >&2; }
vs_die() { vs_log "error: $*"; exit 1; }

# Install what the harness needs, only when it is missing (fresh CI machines).
# apt-get update runs at most once per call.
vs_ensure_packages() {
    local -a pkgs=()
    command -v slurmctld >/dev/null 2>&1 || pkgs+=(slurmctld)
    command -v slurmd    >/dev/null 2>&1 || pkgs+=(slurmd)
    command -v sbatch    >/dev/null 2>&1 || pkgs+=(slurm-client)
    # slurm-wlm is the meta package the brief names; pull it whenever any part is missing.
    ((${#pkgs[@]})) && pkgs=(slurm-wlm)
    command -v munged    >/dev/null 2>&1 || pkgs+=(munge)
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 && continue
        case $cmd in
            mpirun)        pkgs+=(openmpi-bin) ;;
            ip)            pkgs+=(iproute2) ;;
            unshare|nsenter) pkgs+=(util-linux) ;;
            h5diff|h5dump|h5ls) pkgs+=(hdf5-tools) ;;
            slurmctld|slurmd|sbatch|srun|squeue|munged) ;;   # covered above
            *)             vs_die "don't know which package provides '$cmd'" ;;
        esac
    done
    ((${#pkgs[@]})) || return 0
    mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
    [ "$(id -u)" = 0 ] || vs_die "missing packages (${pkgs[*]}) and not root: install them first"
    vs_log "installing: ${pkgs[*]}"
    apt-get update -qq || vs_die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null \
        || vs_die "apt-get install ${pkgs[*]} failed"
}

# True if something listens on 127.0.0.1:PORT (no ss/netstat needed).
vs_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Print a free TCP port at or above $1 (skipping those in $2.. too).
vs_free_port() {
    local p=$1; shift
    local taken=" $* "
    while ((p < 65000)); do
        if [[ $taken != *" $p "* ]] && ! vs_port_busy "$p"; then echo "$p"; return 0; fi
        p=$((p + 1))
    done
    return 1
}

# True while PID is alive (and not a zombie).
vs_alive() {
    local pid=$1 st
    kill -0 "$pid" 2>/dev/null || return 1
    st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$st" != Z ]
}

# Wait until PID exits, at most $2 seconds (default 10). Returns 1 on timeout.
vs_wait_pid() {
    local pid=$1 deadline=$((SECONDS + ${2:-10}))
    while vs_alive "$pid"; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
    return 0
}

# PIDs of all descendants of PID (from /proc, no procps needed).
vs_descendants() {
    local -A kids=()
    local f st pid ppid
    for f in /proc/[0-9]*/stat; do
        { read -r st <"$f"; } 2>/dev/null || continue
        pid=${st%% *}; st=${st##*) }; ppid=$(cut -d' ' -f2 <<<"$st")
        kids[$ppid]+=" $pid"
    done
    local -a todo=("$1"); local p
    while ((${#todo[@]})); do
        p=${todo[0]}; todo=("${todo[@]:1}")
        for c in ${kids[$p]:-}; do echo "$c"; todo+=("$c"); done
    done
}

# Read a PID file, print the PID if that process is alive.
vs_pid_from() { local f=$1 pid; [ -s "$f" ] || return 1; read -r pid <"$f"; vs_alive "$pid" && echo "$pid"; }

# Poll squeue every 0.3 s until job ID has left the queue (or $2 seconds pass).
# Then print its final "STATE EXITCODE" from scontrol (kept MinJobAge seconds).
vs_wait_job() {
    local id=$1 deadline=$((SECONDS + ${2:-120})) out
    while :; do
        out=$(squeue -h -j "$id" -o %T 2>/dev/null)
        [ -z "$out" ] && break
        if ((SECONDS >= deadline)); then vs_log "job $id still $out after ${2:-120}s"; return 1; fi
        sleep 0.3
    done
    vs_job_final "$id"
}

vs_job_final() {
    local info state code
    info=$(scontrol show job "$1" 2>/dev/null) || { echo "UNKNOWN ?"; return 0; }
    state=$(grep -o 'JobState=[A-Z_]*' <<<"$info" | head -1 | cut -d= -f2)
    code=$(grep -o ' ExitCode=[0-9:]*' <<<"$info" | head -1 | cut -d= -f2)
    echo "${state:-UNKNOWN} ${code:-?}"
}

# Poll until job ID is RUNNING (or has ended). Prints the state.
vs_wait_running() {
    local id=$1 deadline=$((SECONDS + ${2:-60})) st
    while :; do
        st=$(squeue -h -j "$id" -o %T 2>/dev/null)
        case $st in RUNNING|"") echo "${st:-ENDED}"; return 0 ;; esac
        ((SECONDS >= deadline)) && { echo "$st"; return 1; }
        sleep 0.3
    done
}

# ---- network namespaces (multi-node harness) -----------------------------------------
# "net:[INODE]" of PID's network namespace (empty if PID is gone).
vs_netns_of() { readlink "/proc/$1/ns/net" 2>/dev/null; }

# PIDs of every process in network namespace NS ("net:[INODE]"). Refuses our own namespace
# (the host's), so a bug can never turn this into "every process on the machine".
vs_pids_in_netns() {
    local ns=$1 f p
    [[ $ns == net:\[*\] ]] || return 1
    [ "$ns" != "$(vs_netns_of $$)" ] || { vs_log "refusing to list the processes of our own network namespace"; return 1; }
    for f in /proc/[0-9]*/ns/net; do
        [ "$(readlink "$f" 2>/dev/null)" = "$ns" ] || continue
        p=${f#/proc/}; echo "${p%%/*}"
    done
}

# Run a command in the network and UTS namespaces held by PID, after checking that PID
# still holds network namespace NS (guards against a recycled PID).
vs_in_node() {
    local pid=$1 ns=$2; shift 2
    [ -n "$ns" ] && [ "$(vs_netns_of "$pid")" = "$ns" ] || { vs_log "node namespace $ns (pid $pid) is gone"; return 1; }
    nsenter --net="/proc/$pid/ns/net" --uts="/proc/$pid/ns/uts" -- "$@"
}

# Path of the real command NAME on PATH, skipping the client wrappers a multi-node harness
# puts in DIR/bin (another harness's env may be sourced in the calling shell).
vs_real_cmd() {
    local dir
    local IFS=:
    for dir in $PATH; do
        [ -n "$dir" ] && [ -x "$dir/$1" ] && [ -f "$dir/$1" ] || continue
        grep -q "^# Generated by cluster/local/slurm-up.sh" "$dir/$1" 2>/dev/null && continue
        echo "$dir/$1"; return 0
    done
    return 1
}

# Drop from PATH the client-wrapper directories of any multi-node harness (a sourced
# DIR/env), so that this script's sbatch/squeue/... reach the cluster it means.
vs_clean_path() {
    local dir out=
    local IFS=:
    for dir in $PATH; do
        grep -q "^# Generated by cluster/local/slurm-up.sh" "$dir/sbatch" 2>/dev/null && continue
        out=${out:+$out:}$dir
    done
    PATH=$out
    export PATH
}
