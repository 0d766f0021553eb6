#!/usr/bin/env bash
# The fast inner loop: builds spmi and runs the unit tests (ctest label
# `unit`: pure logic and files in scratch directories; no root, no Slurm, no
# screen or tmux). About a minute from a warm build directory.
#   scripts/check.sh [build-dir]
# The whole suite (end-to-end tests too, root, a Slurm cluster, the ASan
# build, fuzzing, docs) is scripts/test.sh, which CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
scripts/build.sh "$dir" -DBUILD_TESTING=ON -DSPMI_WERROR=ON
cd "$dir"
ctest -L unit -j "${JOBS:-2}" --output-on-failure
