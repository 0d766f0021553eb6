#!/usr/bin/env bash
# Issue 5's write-path target: a task writing 1 GB of lines through the
# wrapper (with the default rotation: 10 MiB files, keep 5) takes at most
# 1.25x the time of writing the same bytes straight to a file. Prints both
# times and the ratio; also the ratio with timestamps on (lines are then
# copied through the wrapper, not spliced).
#
#   bench/log_throughput.sh [build-dir] [bytes]
set -euo pipefail
build=${1:-build}
bytes=${2:-1073741824}
spmi="$build/spmi"
root=$(mktemp -d /tmp/spmi-bench-logs.XXXXXX)
export SPMI_PATH="$root/state"
# The tasks' cgroups and list's CPU samples stay this run's own (removed at the end).
export SPMI_CGROUP_PARENT=spmi-bench-$$ XDG_RUNTIME_DIR="$root/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
drop_cgroups() { find /sys/fs/cgroup -maxdepth 6 -depth -type d -path "*/$SPMI_CGROUP_PARENT*" -exec rmdir {} + 2>/dev/null || true; }
trap '"$spmi" kill ".*" >/dev/null 2>&1 || true; drop_cgroups; rm -rf "$root"' EXIT
line="a line of output as a busy task might write it, 64 bytes long..."
writer="yes '$line' | head -c $bytes"
now() { date +%s.%N; }

t0=$(now)
sh -c "$writer" > "$root/direct.log"
t1=$(now)
direct=$(echo "$t1 - $t0" | bc)
rm -f "$root/direct.log"

run_task() {  # id extra-logs-lines -> seconds
  local id=$1
  shift
  {
    printf '[task]\nid = "%s"\n[task.wrapper]\ncommand = "%s"\n[task.logs]\n' "$id" "$writer"
    printf '%s\n' "$@"
  } > "$root/$id.toml"
  "$spmi" load "$root/$id.toml" >/dev/null
  local a b
  a=$(now)
  "$spmi" start "$id" >/dev/null
  "$spmi" wait "$id" --for exited --timeout 0 >/dev/null
  b=$(now)
  echo "$b - $a" | bc
}
through=$(run_task plain "keep = 5")
stamped=$(run_task stamped "keep = 5" "timestamps = true")
printf 'bytes: %d\nstraight to a file: %.2fs\nthrough the wrapper: %.2fs (ratio %.2f)\nwith timestamps: %.2fs (ratio %.2f)\n' \
  "$bytes" "$direct" "$through" "$(echo "$through / $direct" | bc -l)" "$stamped" "$(echo "$stamped / $direct" | bc -l)"
