#!/usr/bin/env bash
# Measures idle wrappers' private memory (Private_Clean + Private_Dirty from
# /proc/PID/smaps_rollup): the default wrapper (spmi-wrapper) and the
# watchdog (spmi-watchdog, restart on-failure), each for 1 wrapper alone and
# as the average over N running at once (text pages are then shared), plus a
# watchdog with a TCP health check every second, measured between checks.
#
#   bench/wrapper_memory.sh [build-dir] [N]
# Budgets (issues 2 and 4): default <= 200 kB, watchdog <= 300 kB alone.
# Prints one line per case; exits non-zero if a task does not start.
set -euo pipefail
build=${1:-build}
n=${2:-20}
spmi="$build/spmi"
root=$(mktemp -d /tmp/spmi-bench-mem.XXXXXX)
export SPMI_PATH="$root/state"
# The tasks' cgroups and list's CPU samples stay this run's own (removed at the end).
export SPMI_CGROUP_PARENT=spmi-bench-$$ XDG_RUNTIME_DIR="$root/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
drop_cgroups() { find /sys/fs/cgroup -maxdepth 6 -depth -type d -path "*/$SPMI_CGROUP_PARENT*" -exec rmdir {} + 2>/dev/null || true; }
trap '"$spmi" kill ".*" >/dev/null 2>&1 || true; drop_cgroups; rm -rf "$root"' EXIT
sync  # freshly written binaries have dirty page-cache pages; count them as clean, as installed ones are
write_tasks() {  # prefix wrapper-lines...
  local prefix=$1
  shift
  for i in $(seq 1 "$n"); do
    {
      printf '[task]\nid = "%s%d"\n[task.backend]\ntype = "native"\n[task.wrapper]\ncommand = ["sleep", "600"]\n' \
        "$prefix" "$i"
      printf '%s\n' "$@"
    } > "$root/$prefix$i.toml"
  done
}
private_kb() {  # pid -> Private_Clean + Private_Dirty in kB
  awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$1/smaps_rollup"
}
wrapper_pid() { sed -n 's/^wrapper_pid=//p' "$SPMI_PATH/$1/state"; }
measure() {  # prefix label
  local prefix=$1 label=$2
  "$spmi" start "${prefix}1" >/dev/null
  sleep 0.5
  echo "$label, 1 alone: private $(private_kb "$(wrapper_pid "${prefix}1")") kB"
  "$spmi" start "${prefix}.*" >/dev/null 2>&1 || true
  sleep 0.5
  local total=0
  for i in $(seq 1 "$n"); do total=$((total + $(private_kb "$(wrapper_pid "$prefix$i")"))); done
  echo "$label, $n at once: average private $((total / n)) kB per wrapper"
  "$spmi" kill "${prefix}.*" >/dev/null
}
write_tasks m
write_tasks w 'type = "watchdog"' 'restart = "on-failure"'
"$spmi" load "$root"/*.toml >/dev/null
measure m "default wrapper"
measure w "watchdog"
# A watchdog with a health check: a listener to check, one check a second.
python3 -c 'import socket,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(64); print(s.getsockname()[1], flush=True); time.sleep(3600)' \
  > "$root/port" &
listener=$!
trap 'kill $listener 2>/dev/null; "$spmi" kill ".*" >/dev/null 2>&1 || true; drop_cgroups; rm -rf "$root"' EXIT
for _ in $(seq 50); do [ -s "$root/port" ] && break; sleep 0.1; done
cat > "$root/h.toml" <<EOT
[task]
id = "h1"
[task.wrapper]
type = "watchdog"
command = ["sleep", "600"]
[task.wrapper.health]
type = "tcp"
port = $(cat "$root/port")
interval = "1s"
EOT
"$spmi" load "$root/h.toml" >/dev/null
"$spmi" start h1 >/dev/null
sleep 3.5
echo "watchdog with a tcp health check every 1s, alone: private $(private_kb "$(wrapper_pid h1)") kB"
