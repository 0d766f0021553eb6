#!/usr/bin/env bash
# A Slurm cluster on this one machine for the Slurm backend's tests, started
# without systemd and stopped by pid. Two shapes:
#
#   one node  (default)  slurmd runs on the host itself: the wrapper runs on
#                        the machine that runs spmi (node = `hostname -s`).
#   two nodes (--nodes 2)  slurmd `spmi-n1` and `spmi-n2`, each in its own
#                        PID, UTS and mount namespace (own /proc, own
#                        hostname), so neither the host nor the other node
#                        sees a node's processes. The controller runs on the
#                        host. Everyone talks over loopback only: controller
#                        127.0.0.1, spmi-n1 127.0.0.2, spmi-n2 127.0.0.3, one
#                        port each. The file systems (so $SPMI_PATH, and its
#                        locks: one kernel) are shared, as NFS would be.
#
#   scripts/slurm-cluster.sh start [--nodes 1|2]
#                         install what is missing, write $SLURM_RUN_DIR/slurm.conf,
#                         start the daemons, wait until every node is idle
#                         (exit 1 with the daemons' last log lines if not)
#   scripts/slurm-cluster.sh stop [--nodes 1|2]    cancel leftover jobs, stop the daemons
#   scripts/slurm-cluster.sh status [--nodes 1|2]  exit 0 when the controller answers
#   scripts/slurm-cluster.sh node-kill N   (two nodes) the node dies: SIGKILL
#                         to its namespace's init, so its slurmd, wrappers
#                         and tasks all die at once; returns once they are gone
#   scripts/slurm-cluster.sh node-start N  (two nodes) start node N's slurmd
#                         again, wait until Slurm has it idle
#
# Everything lives in $SLURM_RUN_DIR (default /tmp/spmi-slurm, or
# /tmp/spmi-slurm2 for two nodes): the configuration, the state, the logs,
# and a private munged (its own key and socket, found by clients through
# AuthInfo), so both shapes can run at once and nothing under /etc changes
# (except an /etc/hosts line for this host's name when it does not resolve).
# Clients find the cluster through SLURM_CONF=$SLURM_RUN_DIR/slurm.conf.
# The default partition `debug` lets up to 16 jobs share each core (the
# tests run many small jobs on a 2-core machine); `held` is DOWN, so jobs
# submitted there stay PENDING (reason PartitionDown). With two nodes, `n1`
# and `n2` hold one node each, and spmi-n2 has the lower Weight, so Slurm
# places a job that names no node on spmi-n2 while it is up.
# SLURM_MIN_JOB_AGE sets how long Slurm remembers a finished job (the tests
# use 2 s). A dead node is marked DOWN about 30 s after it died (SlurmdTimeout
# 10 s, then the ping cycle).
# PID 1 on these machines does not reap orphans: slurmd runs under tini
# (`-s` on the host; the init of its namespace on a node), and liveness is
# read from /proc/PID/stat, never `kill -0`.
set -euo pipefail

SCRIPT=$(readlink -f "$0")
CMD="" NODE_ARG="" NODES=""
while (($#)); do
  case $1 in
    --nodes) NODES=${2:-}; shift 2 || shift ;;
    --nodes=*) NODES=${1#--nodes=}; shift ;;
    -*) echo "slurm-cluster: unknown option '$1'" >&2; exit 2 ;;
    *) if [ -z "$CMD" ]; then CMD=$1; else NODE_ARG=$1; fi; shift ;;
  esac
done
# node-kill and node-start only exist on the two-node cluster.
[ -z "$NODES" ] && case $CMD in node-*) NODES=2 ;; esac
case ${NODES:-1} in 1 | 2) ;; *) echo "slurm-cluster: --nodes takes 1 or 2, not '$NODES'" >&2; exit 2 ;; esac
# Without --nodes or SLURM_RUN_DIR, a command other than start acts on the
# cluster SLURM_CONF names, when this script made it.
if [ -z "$NODES" ] && [ -z "${SLURM_RUN_DIR:-}" ] && [ "$CMD" != start ] && [ -n "${SLURM_CONF:-}" ] &&
  [ -f "$(dirname "$SLURM_CONF")/nodes" ]; then
  SLURM_RUN_DIR=$(dirname "$SLURM_CONF")
fi
if [ "${NODES:-1}" = 2 ]; then RUN=${SLURM_RUN_DIR:-/tmp/spmi-slurm2}; else RUN=${SLURM_RUN_DIR:-/tmp/spmi-slurm}; fi
# stop, status and node-*: the shape the cluster was started with.
[ "$CMD" != start ] && [ -f "$RUN/nodes" ] && NODES=$(cat "$RUN/nodes")
NODES=${NODES:-1}
# A private configuration, never /etc/slurm: daemons and clients find it
# through SLURM_CONF (scripts/test.sh exports the same path for the tests).
export SLURM_CONF=$RUN/slurm.conf
WAIT_S=${WAIT_S:-30}
HOST=$(hostname -s)
MUNGE_SOCKET=$RUN/munge/munge.socket

# The two-node shape: name, address, slurmd port, weight.
TWO_NODES=("spmi-n1 127.0.0.2 6918 2" "spmi-n2 127.0.0.3 6919 1")

alive() {  # running and not a zombie
  local s
  s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

stop_pid() {  # TERM, up to 10 s, then KILL
  local pid=$1
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

node_names() {
  if [ "$NODES" = 2 ]; then
    local n
    for n in "${TWO_NODES[@]}"; do echo "${n%% *}"; done
  else
    echo "$HOST"
  fi
}

node_field() {  # node_field NAME INDEX (0 name, 1 address, 2 port, 3 weight)
  local n f
  for n in "${TWO_NODES[@]}"; do
    read -r -a f <<<"$n"
    [ "${f[0]}" = "$1" ] && { echo "${f[$2]}"; return 0; }
  done
  echo "slurm-cluster: no node '$1' (the nodes are: $(node_names | tr '\n' ' '))" >&2
  exit 2
}

install_missing() {
  export DEBIAN_FRONTEND=noninteractive
  local need=() p
  for p in munge slurmctld slurmd slurm-client tini util-linux; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  if ((${#need[@]})); then
    echo "== installing ${need[*]}"
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
      { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
  fi
}

write_conf() {
  # Node hardware from slurmd -C. RealMemory: 90 % on one node, 45 % on each
  # of two (they share the machine), so a node never drains for "Low
  # RealMemory" and --mem requests up to it are accepted.
  local share=90 ctld_port=6817 slurmd_port=6818
  [ "$NODES" = 2 ] && share=45 ctld_port=6917 slurmd_port=6918
  local cpus sock cores threads mem
  read -r cpus sock cores threads mem < <(slurmd -C | head -1 | tr ' ' '\n' | awk -F= -v share="$share" '
    /^CPUs=/{c=$2}/^SocketsPerBoard=/{s=$2}/^CoresPerSocket=/{k=$2}/^ThreadsPerCore=/{t=$2}
    /^RealMemory=/{m=int($2*share/100)}END{print c,s,k,t,m}')
  local hw="CPUs=$cpus SocketsPerBoard=$sock CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem"
  cat >"$SLURM_CONF" <<CONF
ClusterName=spmi-test$NODES
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$RUN/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
SlurmdTimeout=${SLURMD_TIMEOUT:-10}
KillWait=5
MinJobAge=${SLURM_MIN_JOB_AGE:-300}
InactiveLimit=0
MailProg=/bin/true
StateSaveLocation=$RUN/state
SlurmdSpoolDir=$RUN/spool-%n
SlurmctldPidFile=$RUN/slurmctld.daemon.pid
SlurmdPidFile=$RUN/slurmd-%n.daemon.pid
SlurmctldLogFile=$RUN/slurmctld.log
SlurmdLogFile=$RUN/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
CONF
  if [ "$NODES" = 2 ]; then
    local n f
    for n in "${TWO_NODES[@]}"; do
      read -r -a f <<<"$n"
      echo "NodeName=${f[0]} NodeHostname=${f[0]} NodeAddr=${f[1]} Port=${f[2]} Weight=${f[3]} $hw State=UNKNOWN"
    done >>"$SLURM_CONF"
    cat >>"$SLURM_CONF" <<CONF
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:16
PartitionName=n1 Nodes=spmi-n1 Default=NO MaxTime=INFINITE State=UP OverSubscribe=FORCE:16
PartitionName=n2 Nodes=spmi-n2 Default=NO MaxTime=INFINITE State=UP OverSubscribe=FORCE:16
PartitionName=held Nodes=ALL Default=NO MaxTime=INFINITE State=DOWN
CONF
  else
    cat >>"$SLURM_CONF" <<CONF
NodeName=$HOST NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:16
PartitionName=held Nodes=ALL Default=NO MaxTime=INFINITE State=DOWN
CONF
  fi
}

start_munged() {
  # Its own key and socket under $RUN: no other cluster's munged is touched.
  # The socket's directory must be open to every user; the key's, to munge alone.
  local own=$RUN/munge-private
  install -d -o munge -g munge -m 0755 "$RUN/munge"
  install -d -o munge -g munge -m 0700 "$own"
  dd if=/dev/urandom of="$own/munge.key" bs=1024 count=1 status=none
  chown munge:munge "$own/munge.key"
  chmod 0400 "$own/munge.key"
  setsid setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F --socket="$MUNGE_SOCKET" \
    --key-file="$own/munge.key" --pid-file="$own/munged.daemon.pid" \
    --seed-file="$own/munged.seed" --log-file="$own/munged.log" \
    </dev/null >"$RUN/munged.out" 2>&1 &
  echo $! >"$RUN/munged.pid"
  for _ in $(seq 50); do munge -S "$MUNGE_SOCKET" -n 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1 && break; sleep 0.1; done
  munge -S "$MUNGE_SOCKET" -n | unmunge -S "$MUNGE_SOCKET" >/dev/null || { echo "munged failed:"; cat "$RUN/munged.out"; exit 1; } >&2
}

# Starts node $1's slurmd: on the host (one node), or as the init's child in
# a fresh PID + UTS + mount namespace whose hostname is the node's name.
start_slurmd() {
  local name=$1
  if [ "$NODES" = 2 ]; then
    # unshare forks the namespace's init (tini, which reaps every orphan in
    # it); the init is unshare's only child. --kill-child: the node dies
    # with unshare too.
    # shellcheck disable=SC2016  # $1 is the inner shell's
    setsid unshare --pid --fork --kill-child --mount-proc --uts --mount --propagation private \
      sh -c 'hostname "$1" && exec tini -- slurmd -D -N "$1"' node "$name" \
      </dev/null >"$RUN/slurmd-$name.out" 2>&1 &
    echo $! >"$RUN/node-$name.pid"
  else
    setsid tini -s -- slurmd -D -N "$name" </dev/null >"$RUN/slurmd-$name.out" 2>&1 &
    echo $! >"$RUN/node-$name.pid"
  fi
}

# Waits until Slurm has every node in "$@" idle (a down node that registered
# again is resumed); exit 1 with the logs if one is not within WAIT_S.
wait_idle() {
  local name state i
  for name in "$@"; do
    state=
    for ((i = 0; i < WAIT_S * 5; i++)); do
      state=$(sinfo -h -n "$name" -p debug -o %T 2>/dev/null | head -1 || true)
      case $state in
        idle) break ;;
        down* | drain* | fail*) scontrol update NodeName="$name" State=RESUME 2>/dev/null || true ;;
      esac
      sleep 0.2
    done
    if [ "$state" != idle ]; then
      echo "slurm: node $name not idle after ${WAIT_S}s (state '$state')" >&2
      tail -n 5 "$RUN/slurmctld.log" "$RUN/slurmd-$name.log" "$RUN/slurmd-$name.out" >&2 || true
      exit 1
    fi
  done
}

start() {
  install_missing
  getent hosts "$HOST" >/dev/null || echo "127.0.0.1 $HOST" >>/etc/hosts
  if [ -f "$RUN/slurmctld.pid" ] && alive "$(cat "$RUN/slurmctld.pid")"; then
    echo "slurm already running (run dir $RUN)"
    return 0
  fi
  rm -rf "$RUN"
  mkdir -p "$RUN/state"
  echo "$NODES" >"$RUN/nodes"
  : >"$SLURM_CONF"  # slurmd -C below wants a configuration file to exist
  write_conf
  start_munged
  setsid tini -s -- slurmctld -D -i </dev/null >"$RUN/slurmctld.out" 2>&1 &
  echo $! >"$RUN/slurmctld.pid"
  for _ in $(seq 50); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  local name
  for name in $(node_names); do start_slurmd "$name"; done
  # shellcheck disable=SC2046
  wait_idle $(node_names)
  echo "slurm up: $(node_names | tr '\n' ' ')idle (run dir $RUN, SLURM_CONF=$SLURM_CONF)"
}

# The host pid of node $1's namespace init (unshare's child), or nothing.
node_init() {
  local pidfile=$RUN/node-$1.pid
  [ -f "$pidfile" ] || return 0
  ps -o pid= --ppid "$(cat "$pidfile")" 2>/dev/null | head -1 | tr -d ' '
}

node_kill() {
  [ "$NODES" = 2 ] || { echo "slurm-cluster: node-kill needs the two-node cluster (start --nodes 2)" >&2; exit 2; }
  local name=$1 init ns
  node_field "$name" 0 >/dev/null
  init=$(node_init "$name")
  [ -n "$init" ] || { echo "slurm-cluster: node $name is not running" >&2; exit 1; }
  ns=$(readlink "/proc/$init/ns/pid")  # pid:[INODE]
  ns=${ns#pid:\[}
  ns=${ns%\]}
  # The init's death makes the kernel SIGKILL every process in the namespace.
  kill -KILL "$init"
  # Until none of them runs (zombies aside): one ps per look, not a
  # readlink per process, so that the node dies at once even on a machine
  # running thousands of processes (tests check what happens before Slurm
  # notices, about 30 s later).
  for _ in $(seq 100); do
    ps -e -o pidns=,stat= | awk -v ns="$ns" '$1 == ns && $2 !~ /^[ZX]/ { found = 1 } END { exit !found }' || break
    sleep 0.1
  done
  stop_pid "$(cat "$RUN/node-$name.pid")"
  rm -f "$RUN/node-$name.pid"
  echo "node $name killed"
}

node_start() {
  [ "$NODES" = 2 ] || { echo "slurm-cluster: node-start needs the two-node cluster (start --nodes 2)" >&2; exit 2; }
  local name=$1
  node_field "$name" 0 >/dev/null
  if [ -n "$(node_init "$name")" ]; then
    echo "node $name already running"
  else
    start_slurmd "$name"
  fi
  wait_idle "$name"
  echo "node $name idle"
}

stop() {
  if [ -f "$RUN/slurmctld.pid" ] && alive "$(cat "$RUN/slurmctld.pid")"; then
    local ids
    ids=$(squeue -h -o %i 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086
      scancel $ids 2>/dev/null || true
      for _ in $(seq 50); do [ -z "$(squeue -h -t R,CG -o %i 2>/dev/null)" ] && break; sleep 0.2; done
    fi
  fi
  local f pid k
  for f in "$RUN"/node-*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if [ "$NODES" = 2 ]; then
      # The namespace's init: its death ends everything on the node.
      k=$(ps -o pid= --ppid "$pid" 2>/dev/null | head -1 | tr -d ' ')
      if [ -n "$k" ]; then kill -KILL "$k" 2>/dev/null || true; fi
    else  # tini's child first, then the slurmstepds tini adopted
      for k in $(ps -o pid= --ppid "$pid" 2>/dev/null); do stop_pid "$k"; done
      for k in $(ps -o pid= --ppid "$pid" 2>/dev/null); do stop_pid "$k"; done
    fi
    stop_pid "$pid"
    rm -f "$f"
  done
  for f in slurmctld munged; do
    [ -f "$RUN/$f.pid" ] || continue
    pid=$(cat "$RUN/$f.pid")
    for k in $(ps -o pid= --ppid "$pid" 2>/dev/null); do stop_pid "$k"; done  # tini's child first
    stop_pid "$pid"
    rm -f "$RUN/$f.pid"
  done
  rm -f "$RUN"/*.daemon.pid
  echo "slurm stopped (run dir $RUN)"
}

case $CMD in
  start) start ;;
  stop) stop ;;
  status) scontrol ping 2>/dev/null | grep -q UP ;;
  node-kill) node_kill "${NODE_ARG:?node-kill needs a node name}" ;;
  node-start) node_start "${NODE_ARG:?node-start needs a node name}" ;;
  *) echo "usage: $SCRIPT start|stop|status [--nodes 1|2] | node-kill NODE | node-start NODE" >&2; exit 2 ;;
esac
