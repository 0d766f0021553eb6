#!/usr/bin/env bash
# The main job: installs what is missing, builds spmi, loads the example
# descriptors from descriptors/ into a fresh state directory, starts them and
# shows them running (`spmi list`, then one `spmi status`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo
scripts/build.sh build -DBUILD_TESTING=OFF
spmi=$PWD/build/spmi
export SPMI_PATH=${SPMI_PATH:-$(mktemp -d /tmp/spmi-demo.XXXXXX)/state}
echo
echo "== state directory: $SPMI_PATH"
echo "== spmi load descriptors/*"
"$spmi" load descriptors/*
echo "== spmi start '.*' --wait   (returns once each task is ready)"
"$spmi" start '.*' --wait --timeout 60s
echo "== spmi list"
"$spmi" list
echo "== spmi status clock"
"$spmi" status clock
echo "== spmi status site   (watchdog with an HTTP health check)"
"$spmi" status site -n 2
echo "== spmi graph poller   (a project: descriptors/pipeline.toml)"
"$spmi" graph store poller
echo "== spmi apply descriptors/pipeline.toml --dry-run   (nothing changed since the load)"
"$spmi" apply descriptors/pipeline.toml --dry-run
cat <<EOT

The tasks keep running. Try:
  export SPMI_PATH=$SPMI_PATH
  $spmi connect echo           # type lines, Ctrl-D to detach
  $spmi connect shell          # a shell in a tmux window, Ctrl-b d to detach
  $spmi events heartbeat       # the cron task's fires
  $spmi logs -p pipeline -n 3  # the project's tasks' output
  $spmi wait site --for healthy
  $spmi stop '.*'              # stop them all
  $spmi clean '.*'             # forget them
EOT
