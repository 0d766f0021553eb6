#!/usr/bin/env bash
# Times spmi's CLI on N native tasks (default 50): `list` (mean of 20 runs),
# `start '.*'` and `stop '.*'` of all of them. Compare with the peers in
# ../shared/reference/performance-anchors.md (SPMI list of 50: ~500 ms).
#   bench/cli_speed.sh [build-dir] [N]
set -euo pipefail
build=${1:-build}
n=${2:-50}
spmi="$PWD/$build/spmi"
root=$(mktemp -d /tmp/spmi-bench-speed.XXXXXX)
export SPMI_PATH="$root/state"
# The tasks' cgroups and list's CPU samples stay this run's own (removed at the end).
export SPMI_CGROUP_PARENT=spmi-bench-$$ XDG_RUNTIME_DIR="$root/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
drop_cgroups() { find /sys/fs/cgroup -maxdepth 6 -depth -type d -path "*/$SPMI_CGROUP_PARENT*" -exec rmdir {} + 2>/dev/null || true; }
trap '"$spmi" kill ".*" >/dev/null 2>&1 || true; drop_cgroups; rm -rf "$root"' EXIT
for i in $(seq 1 "$n"); do
  printf '[task]\nid = "s%d"\n[task.wrapper]\ncommand = ["sleep", "600"]\n' "$i" > "$root/s$i.toml"
done
ms() { echo $(( $(date +%s%N) / 1000000 )); }
"$spmi" load "$root"/s*.toml >/dev/null
t0=$(ms); for _ in $(seq 20); do "$spmi" list >/dev/null; done; t1=$(ms)
echo "list, $n inactive tasks: $(( (t1 - t0) / 20 )) ms"
t0=$(ms); "$spmi" start '.*' >/dev/null; t1=$(ms)
echo "start '.*' of $n tasks: $((t1 - t0)) ms"
t0=$(ms); for _ in $(seq 20); do "$spmi" list >/dev/null; done; t1=$(ms)
echo "list, $n active tasks: $(( (t1 - t0) / 20 )) ms"
t0=$(ms); "$spmi" status s1 >/dev/null; t1=$(ms)
echo "status of one task: $((t1 - t0)) ms"
t0=$(ms); "$spmi" stop '.*' >/dev/null; t1=$(ms)
echo "stop '.*' of $n tasks: $((t1 - t0)) ms"
