#!/bin/bash
# Bring up a private single-node SLURM (slurmctld + slurmd, plus munged if none is usable).
#
#   D=$(cluster/local/slurm-up.sh [DIR])   # prints DIR on stdout, progress on stderr
#   . "$D/env"                             # exports SLURM_CONF for sbatch/squeue/srun/scontrol
#   ...
#   cluster/local/slurm-down.sh "$D"       # stops exactly what slurm-up started
#
# Everything lives under DIR (default: a new /tmp/vaesweep-slurm.XXXXXX): the generated
# slurm.conf, state, spool, logs, pid files. Ports are free ones picked at random
# (never SLURM's 6817/6818), the cluster name is unique, so an installed or running SLURM
# (/etc/slurm/slurm.conf) is neither read nor touched. A munged already answering on the
# default socket is reused; otherwise a private munged with its own key and socket under
# DIR is started (and later stopped by PID).
#
# Environment: VS_SLURM_NODES (default 1; see below),
#              VS_SLURM_CPUS (CPUs each node advertises, default 4),
#              VS_SLURM_INSTALL=0 to skip the apt-get install of missing packages.
#
# VS_SLURM_NODES=N (N >= 2): N nodes, each a network + UTS namespace of its own (host names
# node1..nodeN, addresses 10.A.B.1..N on a private /24 that exists only inside these
# namespaces; N = 2: one veth pair, N > 2: a bridge in node1), joined by interface `vs0` on
# every node. slurmctld runs in node1; one slurmd per node (spool, log, pid file and TmpFS
# under DIR/nodes/NODE). The file system is shared (no mount namespace), as a cluster's shared
# file system is. The client commands (sbatch, squeue, srun, ...) reach the controller through
# wrappers in DIR/bin, which `. DIR/env` puts first on PATH: they enter node1's network
# namespace, or run directly when already inside a node (a job calling srun). Nothing is
# created in the host's network namespace; slurm-down.sh ends every process in the node
# namespaces, which removes the namespaces and the interfaces with them.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"
# shellcheck disable=SC2034  # read by lib.sh
VS_LOG_TAG=slurm-up

[ "$(id -u)" = 0 ] || vs_die "needs root (daemons run as root in this private setup)"
NODES=${VS_SLURM_NODES:-1}
[[ $NODES =~ ^[1-9][0-9]?$ ]] && ((NODES <= 16)) || vs_die "VS_SLURM_NODES must be 1..16, not '$NODES'"
if ((NODES > 1)); then
    [ "${VS_SLURM_INSTALL:-1}" = 0 ] || vs_ensure_packages slurmctld ip unshare nsenter
else
    [ "${VS_SLURM_INSTALL:-1}" = 0 ] || vs_ensure_packages slurmctld
fi
if ((NODES > 1)); then
    for cmd in unshare nsenter ip; do command -v $cmd >/dev/null 2>&1 || vs_die "VS_SLURM_NODES=$NODES needs '$cmd' (util-linux, iproute2)"; done
fi

# Never let a surrounding SLURM job/config leak into our daemons or clients.
while IFS='=' read -r name _; do
    case $name in SLURM_*|SLURMD_*) unset "$name" ;; esac
done < <(env)
vs_clean_path

D=${1:-${VS_SLURM_DIR:-}}
if [ -z "$D" ]; then D=$(mktemp -d /tmp/vaesweep-slurm.XXXXXX); else mkdir -p "$D"; fi
D=$(cd "$D" && pwd)
[ -e "$D/started" ] && vs_die "$D already hosts a harness (run slurm-down.sh $D first)"
chmod 755 "$D"                      # the munge user must traverse it for the socket
mkdir -p "$D/state" "$D/spool" "$D/log" "$D/run" "$D/tmp"
: >"$D/started"

# On any failure from here on, undo what was started.
ok=0
trap '[ $ok = 1 ] || { vs_log "start-up failed; cleaning up"; "$HERE/slurm-down.sh" "$D" >&2 || true; }' EXIT

# ---- munge --------------------------------------------------------------------------
AUTHINFO=
if [ -n "${VS_MUNGE_SOCKET:-}" ]; then
    AUTHINFO="AuthInfo=socket=$VS_MUNGE_SOCKET"
    vs_log "using munged at $VS_MUNGE_SOCKET (VS_MUNGE_SOCKET)"
elif munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    vs_log "reusing the running munged on the default socket"
else
    M=$D/munge
    runuser -u munge -- test -x "$D" \
        || vs_die "user munge cannot reach $D (make its parent directories world-searchable)"
    mkdir -p "$M"; chown munge:munge "$M"; chmod 755 "$M"
    runuser -u munge -- mungekey --create --keyfile="$M/munge.key" >/dev/null
    runuser -u munge -- /usr/sbin/munged --socket="$M/munge.socket" --key-file="$M/munge.key" \
        --pid-file="$M/munged.pid" --log-file="$M/munged.log" --seed-file="$M/munged.seed" \
        </dev/null >/dev/null 2>&1 || vs_die "munged failed to start: $(tail -n 3 "$M/munged.log" 2>/dev/null)"
    pid=$(vs_pid_from "$M/munged.pid") || vs_die "munged did not write its pid file"
    echo "munged $pid" >>"$D/started"
    munge -n -S "$M/munge.socket" | unmunge -S "$M/munge.socket" >/dev/null \
        || vs_die "private munged does not answer"
    AUTHINFO="AuthInfo=socket=$M/munge.socket"
    vs_log "started private munged (pid $pid, socket $M/munge.socket)"
fi

# ---- several nodes: network namespaces ---------------------------------------------
if ((NODES > 1)); then
    CPUS=${VS_SLURM_CPUS:-4}
    # A private /24 (10.A.B.0/24). It exists only inside the node namespaces made here, which
    # have no other interface and no route off the subnet, so two harnesses may even pick
    # the same one; nothing is ever sent to any address outside the namespaces.
    NET=10.$((100 + RANDOM % 100)).$((1 + RANDOM % 250))
    HOST_NETNS=$(vs_netns_of $$)
    declare -a HPID=() HNS=()
    for i in $(seq 1 "$NODES"); do
        n=node$i
        mkdir -p "$D/nodes/$n/spool" "$D/nodes/$n/tmp"
        # The holder: a sleep in new network + UTS namespaces; its host name and loopback
        # are set inside before it execs, so nothing outside is ever touched.
        unshare --net --uts -- /bin/sh -c "hostname $n && ip link set lo up && exec sleep infinity" \
            </dev/null >/dev/null 2>"$D/log/unshare-$n.log" &
        pid=$!
        ns=
        for _ in $(seq 50); do
            ns=$(vs_netns_of "$pid") || ns=
            [ -n "$ns" ] && [ "$ns" != "$HOST_NETNS" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && break
            ns=; vs_alive "$pid" || break; sleep 0.1
        done
        [ -n "$ns" ] || vs_die "could not create the network + UTS namespaces of $n: 'unshare --net --uts' said: $(tr '\n' ' ' <"$D/log/unshare-$n.log") (needs root with CAP_SYS_ADMIN; a container may forbid it)"
        echo "holder:$n $pid $ns" >>"$D/started"
        [ "$(vs_in_node "$pid" "$ns" hostname)" = "$n" ] || vs_die "$n: host name not set in its UTS namespace"
        HPID[i]=$pid HNS[i]=$ns
    done
    # Links: interface vs0 on every node.
    if ((NODES == 2)); then
        vs_in_node "${HPID[1]}" "${HNS[1]}" ip link add vs0 type veth peer name vs0 netns "${HPID[2]}" \
            || vs_die "cannot create the veth pair between node1 and node2"
    else
        vs_in_node "${HPID[1]}" "${HNS[1]}" ip link add vs0 type bridge || vs_die "cannot create bridge vs0 in node1"
        vs_in_node "${HPID[1]}" "${HNS[1]}" ip link set vs0 up
        for i in $(seq 2 "$NODES"); do
            vs_in_node "${HPID[1]}" "${HNS[1]}" ip link add "vsp$i" type veth peer name vs0 netns "${HPID[i]}" \
                || vs_die "cannot create the veth pair node1-node$i"
            vs_in_node "${HPID[1]}" "${HNS[1]}" ip link set "vsp$i" master vs0 up
        done
    fi
    for i in $(seq 1 "$NODES"); do
        vs_in_node "${HPID[i]}" "${HNS[i]}" ip addr add "$NET.$i/24" dev vs0 || vs_die "node$i: cannot set $NET.$i"
        vs_in_node "${HPID[i]}" "${HNS[i]}" ip link set vs0 up || vs_die "node$i: cannot bring vs0 up"
    done
    # node2 must reach node1 over the link before the daemons start (no ping needed: a
    # TCP connect to a closed port is refused, i.e. answered, only if the link works).
    for _ in $(seq 50); do
        vs_in_node "${HPID[2]}" "${HNS[2]}" timeout 1 bash -c "exec 3<>/dev/tcp/$NET.1/9" 2>&1 | grep -q refused && break
        sleep 0.1
    done

    # Client wrappers: run the real command inside node1's network namespace (where
    # slurmctld listens), or directly when already inside one of the nodes.
    mkdir -p "$D/bin"
    for cmd in sbatch srun salloc squeue scancel scontrol sinfo sacct sstat sattach sbcast sprio sshare sdiag strigger; do
        real=$(vs_real_cmd "$cmd") || continue
        cat >"$D/bin/$cmd" <<WRAP
#!/bin/bash
# Generated by cluster/local/slurm-up.sh: $cmd for the private $NODES-node SLURM in $D.
me=\$(readlink /proc/\$\$/ns/net)
case " ${HNS[*]} " in *" \$me "*) exec $real "\$@" ;; esac
[ "\$(readlink /proc/${HPID[1]}/ns/net 2>/dev/null)" = "${HNS[1]}" ] \\
    || { echo "$cmd: the private SLURM in $D is not running" >&2; exit 1; }
exec nsenter --net=/proc/${HPID[1]}/ns/net -- $real "\$@"
WRAP
        chmod 755 "$D/bin/$cmd"
    done

    base=$((20000 + RANDOM % 20000))
    CTLD_PORT=$base SLURMD_PORT=$((base + 1))     # inside private namespaces: always free
    FIRST_JOB=$((100000 + RANDOM * 30 + RANDOM % 30))
    : >"$D/plugstack.conf"
    {
        cat <<CONF
# Generated by cluster/local/slurm-up.sh — private $NODES-node test cluster (network namespaces).
ClusterName=vs$(basename "$D" | tr -dc '[:alnum:]' | tr '[:upper:]' '[:lower:]' | tail -c 12)
SlurmctldHost=node1($NET.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
$AUTHINFO
StateSaveLocation=$D/state
# Per node (%n = node name): the nodes share this file system, as a cluster shares its
# home/project file system, but each slurmd has its own spool, log and pid file, and its
# own TmpFS (the PMIx client directories spmix_appdir_UID_JOB.STEP would collide otherwise).
SlurmdSpoolDir=$D/nodes/%n/spool
SlurmdPidFile=$D/nodes/%n/slurmd.pid
SlurmdLogFile=$D/nodes/%n/slurmd.log
TmpFS=$D/nodes/%n/tmp
FirstJobId=$FIRST_JOB
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$D/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
MailProg=/bin/true
JobRequeue=0
MinJobAge=600
ReturnToService=2
InactiveLimit=0
# A lost node is declared DOWN after SlurmdTimeout seconds without an answer, and its jobs
# end (NODE_FAIL); processes of the job elsewhere get SIGTERM, then SIGKILL KillWait seconds
# later. Production clusters use minutes; short here so the node-loss test is quick.
SlurmdTimeout=${VS_SLURM_SLURMD_TIMEOUT:-6}
KillWait=${VS_SLURM_KILLWAIT:-5}
SlurmdParameters=config_overrides
CONF
        for i in $(seq 1 "$NODES"); do
            echo "NodeName=node$i NodeAddr=$NET.$i NodeHostname=node$i CPUs=$CPUS State=UNKNOWN"
        done
        echo "PartitionName=local Nodes=node[1-$NODES] Default=YES MaxTime=INFINITE State=UP"
    } >"$D/slurm.conf"
    cat >"$D/env" <<ENV
# source me: points the SLURM client commands at the private $NODES-node cluster in $D
export SLURM_CONF=$D/slurm.conf
case ":\$PATH:" in *":$D/bin:"*) ;; *) export PATH=$D/bin:\$PATH ;; esac
ENV
    export SLURM_CONF=$D/slurm.conf PATH=$D/bin:$PATH

    vs_in_node "${HPID[1]}" "${HNS[1]}" slurmctld -f "$SLURM_CONF" </dev/null >/dev/null 2>&1 \
        || vs_die "slurmctld failed: $(tail -n 3 "$D/log/slurmctld.log" 2>/dev/null)"
    pid=
    for _ in $(seq 50); do pid=$(vs_pid_from "$D/run/slurmctld.pid") && break; sleep 0.1; done
    [ -n "$pid" ] || vs_die "slurmctld did not start: $(tail -n 3 "$D/log/slurmctld.log" 2>/dev/null)"
    echo "slurmctld $pid" >>"$D/started"
    for i in $(seq 1 "$NODES"); do
        n=node$i pid=
        vs_in_node "${HPID[i]}" "${HNS[i]}" slurmd -f "$SLURM_CONF" -N "$n" </dev/null >/dev/null 2>&1 \
            || vs_die "slurmd $n failed: $(tail -n 3 "$D/nodes/$n/slurmd.log" 2>/dev/null)"
        for _ in $(seq 50); do pid=$(vs_pid_from "$D/nodes/$n/slurmd.pid") && break; sleep 0.1; done
        [ -n "$pid" ] || vs_die "slurmd $n did not start: $(tail -n 3 "$D/nodes/$n/slurmd.log" 2>/dev/null)"
        [ "$(vs_netns_of "$pid")" = "${HNS[i]}" ] || vs_die "slurmd $n (pid $pid) is not in the namespace of $n"
        echo "slurmd:$n $pid" >>"$D/started"
    done
    states=
    for _ in $(seq 150); do
        states=$(sinfo -h -N -o '%N %t' 2>/dev/null | sort -u | tr '\n' ' ') || states=
        [ "$(grep -o ' idle' <<<" $states" | wc -l)" = "$NODES" ] && break
        sleep 0.2
    done
    [ "$(grep -o ' idle' <<<" $states" | wc -l)" = "$NODES" ] \
        || vs_die "nodes not idle (${states:-no answer}): $(tail -n 2 "$D/log/slurmctld.log" 2>/dev/null)"
    vs_log "SLURM up in $D: $NODES nodes on $NET.0/24 (interface vs0), slurmctld on node1 $NET.1:$CTLD_PORT, $CPUS CPUs per node"
    ok=1
    echo "$D"
    exit 0
fi

# ---- slurm.conf ---------------------------------------------------------------------
base=$((20000 + RANDOM % 20000))
CTLD_PORT=$(vs_free_port "$base")
SLURMD_PORT=$(vs_free_port $((CTLD_PORT + 1)) "$CTLD_PORT")
CPUS=${VS_SLURM_CPUS:-4}
FIRST_JOB=$((100000 + RANDOM * 30 + RANDOM % 30))
: >"$D/plugstack.conf"
cat >"$D/slurm.conf" <<CONF
# Generated by cluster/local/slurm-up.sh — private single-node test cluster.
ClusterName=vs$(basename "$D" | tr -dc '[:alnum:]' | tr '[:upper:]' '[:lower:]' | tail -c 12)
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
$AUTHINFO
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
# TmpFS holds the PMIx client directories (spmix_appdir_UID_JOB.STEP): private, so two
# clusters on one host with the same job ids do not share them. Job ids start at a random
# number for the same reason.
TmpFS=$D/tmp
FirstJobId=$FIRST_JOB
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$D/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.txt
MailProg=/bin/true
JobRequeue=0
MinJobAge=600
ReturnToService=2
InactiveLimit=0
KillWait=30
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
cat >"$D/env" <<ENV
# source me: points the SLURM client commands at the private cluster in $D
export SLURM_CONF=$D/slurm.conf
ENV
export SLURM_CONF=$D/slurm.conf

# ---- daemons ------------------------------------------------------------------------
slurmctld -f "$SLURM_CONF" </dev/null >/dev/null 2>&1 || vs_die "slurmctld failed: $(tail -n 3 "$D/log/slurmctld.log" 2>/dev/null)"
for _ in $(seq 50); do pid=$(vs_pid_from "$D/run/slurmctld.pid") && break; sleep 0.1; done
[ -n "${pid:-}" ] || vs_die "slurmctld did not start: $(tail -n 3 "$D/log/slurmctld.log" 2>/dev/null)"
echo "slurmctld $pid" >>"$D/started"
pid=
slurmd -f "$SLURM_CONF" -N localhost </dev/null >/dev/null 2>&1 || vs_die "slurmd failed: $(tail -n 3 "$D/log/slurmd.log" 2>/dev/null)"
for _ in $(seq 50); do pid=$(vs_pid_from "$D/run/slurmd.pid") && break; sleep 0.1; done
[ -n "${pid:-}" ] || vs_die "slurmd did not start: $(tail -n 3 "$D/log/slurmd.log" 2>/dev/null)"
echo "slurmd $pid" >>"$D/started"

state=
for _ in $(seq 150); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1) || state=
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || vs_die "node not idle (state '${state}'): $(tail -n 3 "$D/log/slurmd.log" 2>/dev/null)"
vs_log "SLURM up in $D (slurmctld :$CTLD_PORT, slurmd :$SLURMD_PORT, $CPUS CPUs)"
ok=1
echo "$D"
