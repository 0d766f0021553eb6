#!/usr/bin/env bash
# Measures the idle default wrapper's private memory (Private_Clean +
# Private_Dirty from /proc/PID/smaps_rollup), for 1 wrapper alone and as the
# average over N wrappers running at once (text pages are then shared).
#
#   bench/wrapper_memory.sh [build-dir] [N]
# Prints one line per case; exits non-zero if a task does not start.
set -euo pipefail
build=${1:-build}
n=${2:-20}
spmi="$build/spmi"
root=$(mktemp -d /tmp/spmi-bench-mem.XXXXXX)
export SPMI_PATH="$root/state"
trap '"$spmi" kill ".*" >/dev/null 2>&1 || true; rm -rf "$root"' EXIT
sync  # freshly written binaries have dirty page-cache pages; count them as clean, as installed ones are
for i in $(seq 1 "$n"); do
  cat > "$root/m$i.toml" <<EOT
[task]
id = "m$i"
[task.backend]
type = "native"
[task.wrapper]
command = ["sleep", "600"]
EOT
done
private_kb() {  # pid -> Private_Clean + Private_Dirty in kB
  awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$1/smaps_rollup"
}
wrapper_pid() { sed -n 's/^wrapper_pid=//p' "$SPMI_PATH/$1/state"; }
"$spmi" load "$root"/m*.toml >/dev/null
"$spmi" start m1 >/dev/null
sleep 0.5
one=$(private_kb "$(wrapper_pid m1)")
echo "1 wrapper alone: private ${one} kB"
"$spmi" start 'm.*' >/dev/null 2>&1 || true
sleep 0.5
total=0
for i in $(seq 1 "$n"); do total=$((total + $(private_kb "$(wrapper_pid "m$i")"))); done
echo "$n wrappers at once: average private $((total / n)) kB per wrapper"
