#!/usr/bin/env bash
# The side-by-side benchmark (issue 7): spmi against supervisord, runit, s6
# and PM2 on identical sleep tasks, every scenario in one run. Installs the
# peers that are missing (Debian: supervisor, runit, s6, python3-matplotlib,
# musl-tools for a reference program,
# nodejs/npm; npm: pm2 into build/bench/npm, never globally), builds spmi,
# and writes build/bench/results.md, results.json and results.png.
#
#   bench/compare.sh            full run (500 tasks, 1000-task lists, 60 s idle, 1 GiB of logs: ~30 min)
#   bench/compare.sh --quick    tiny counts, to prove it still works (CI runs this; it asserts nothing)
#   bench/compare.sh --only memory --only status    some scenarios
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
need=()
for pkg in supervisor runit s6 python3-matplotlib musl-tools; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing the peers: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's supervisor package may start its own daemon; the benchmark runs
# its own supervisord with a private socket, so nothing is shared with it.
npm_dir=$PWD/build/bench/npm
if [ ! -x "$npm_dir/node_modules/.bin/pm2" ]; then
  echo "== installing pm2 into $npm_dir"
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error pm2@7 >/dev/null
fi
scripts/build.sh build >/dev/null
# A freshly written binary has dirty page-cache pages, which smaps counts as
# the first wrapper's Private_Dirty; an installed one has none.
sync
# Debian's python3 has Debian's matplotlib (a pyenv python3 earlier in PATH would not).
exec /usr/bin/python3 bench/compare.py --spmi "$PWD/build/spmi" --pm2 "$npm_dir/node_modules/.bin/pm2" \
  --out "$PWD/build/bench" "$@"
