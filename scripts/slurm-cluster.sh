#!/usr/bin/env bash
# A single-node Slurm cluster for the Slurm backend's tests:
# munged, slurmctld and slurmd started without systemd, stopped by pid.
#
#   scripts/slurm-cluster.sh start    install what is missing, write
#                                     $SLURM_RUN_DIR/slurm.conf, start the daemons,
#                                     wait until the node is idle (exit 1 with
#                                     the daemons' last log lines if it is not)
#   scripts/slurm-cluster.sh stop     cancel leftover jobs, stop the daemons
#   scripts/slurm-cluster.sh status   exit 0 when the controller answers
#
# State and logs go to $SLURM_RUN_DIR (default /tmp/spmi-slurm). Needs root.
# The default partition `debug` lets up to 16 jobs share each core (the
# tests run many small jobs on a 2-core machine); `held` is DOWN, so jobs
# submitted there stay PENDING (reason PartitionDown). SLURM_MIN_JOB_AGE sets
# how long Slurm remembers a finished job (the tests use 2 s).
# PID 1 on these machines does not reap orphans: slurmd runs under `tini -s`
# (a subreaper) and liveness is read from /proc/PID/stat, never `kill -0`.
set -euo pipefail
RUN=${SLURM_RUN_DIR:-/tmp/spmi-slurm}
# A private configuration, never /etc/slurm: daemons and clients find it
# through SLURM_CONF (scripts/test.sh exports the same path for the tests).
export SLURM_CONF=$RUN/slurm.conf
WAIT_S=${WAIT_S:-30}
NODE=$(hostname -s)

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

start() {
  export DEBIAN_FRONTEND=noninteractive
  local need=() p
  for p in munge slurmctld slurmd slurm-client tini; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  if ((${#need[@]})); then
    echo "== installing ${need[*]}"
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
      { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
  fi
  getent hosts "$NODE" >/dev/null || echo "127.0.0.1 $NODE" >>/etc/hosts
  if [ -f "$RUN/slurmctld.pid" ] && alive "$(cat "$RUN/slurmctld.pid")"; then
    echo "slurm already running (run dir $RUN)"
    return 0
  fi
  rm -rf "$RUN"
  mkdir -p "$RUN/state" "$RUN/spool"
  : >"$SLURM_CONF"  # slurmd -C below wants a configuration file to exist
  # Node hardware from slurmd -C; RealMemory at 90 % so the node never drains
  # for "Low RealMemory" and --mem requests up to it are accepted.
  local cpus sock cores threads mem
  read -r cpus sock cores threads mem < <(slurmd -C | head -1 | tr ' ' '\n' | awk -F= '
    /^CPUs=/{c=$2}/^SocketsPerBoard=/{s=$2}/^CoresPerSocket=/{k=$2}/^ThreadsPerCore=/{t=$2}
    /^RealMemory=/{m=int($2*0.9)}END{print c,s,k,t,m}')
  cat >"$SLURM_CONF" <<CONF
ClusterName=spmi-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
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
KillWait=5
MinJobAge=${SLURM_MIN_JOB_AGE:-300}
InactiveLimit=0
MailProg=/bin/true
StateSaveLocation=$RUN/state
SlurmdSpoolDir=$RUN/spool
SlurmctldPidFile=$RUN/slurmctld.daemon.pid
SlurmdPidFile=$RUN/slurmd.daemon.pid
SlurmctldLogFile=$RUN/slurmctld.log
SlurmdLogFile=$RUN/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus SocketsPerBoard=$sock CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:16
PartitionName=held Nodes=ALL Default=NO MaxTime=INFINITE State=DOWN
CONF
  install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0755 /run/munge
  [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  setsid setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
    </dev/null >"$RUN/munged.out" 2>&1 &
  echo $! >"$RUN/munged.pid"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || { echo "munged failed:"; cat "$RUN/munged.out"; exit 1; } >&2
  setsid tini -s -- slurmctld -D -i </dev/null >"$RUN/slurmctld.out" 2>&1 &
  echo $! >"$RUN/slurmctld.pid"
  for _ in $(seq 50); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.1; done
  setsid tini -s -- slurmd -D -N "$NODE" </dev/null >"$RUN/slurmd.out" 2>&1 &
  echo $! >"$RUN/slurmd.pid"
  local state= i
  for ((i = 0; i < WAIT_S * 5; i++)); do
    state=$(sinfo -h -n "$NODE" -p debug -o %T 2>/dev/null || true)
    case $state in
      idle) break ;;
      down* | drain* | fail*) scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 0.2
  done
  if [ "$state" != idle ]; then
    echo "slurm: node $NODE not idle after ${WAIT_S}s (state '$state')" >&2
    tail -5 "$RUN/slurmctld.log" "$RUN/slurmd.log" >&2 || true
    exit 1
  fi
  echo "slurm up: node $NODE idle (run dir $RUN)"
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
  local d f pid k
  for d in slurmd slurmctld munged; do
    f="$RUN/$d.pid"
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if [ "$d" = slurmd ]; then  # tini's child first, then slurmstepds tini adopted
      for k in $(ps -o pid= --ppid "$pid" 2>/dev/null); do stop_pid "$k"; done
      for k in $(ps -o pid= --ppid "$pid" 2>/dev/null); do stop_pid "$k"; done
    fi
    stop_pid "$pid"
    rm -f "$f"
  done
  rm -f "$RUN"/*.daemon.pid
  echo "slurm stopped"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) scontrol ping 2>/dev/null | grep -q UP ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
