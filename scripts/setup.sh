#!/usr/bin/env bash
# Installs the Debian 12 packages one use of this repository needs, and only
# those. Idempotent: installs only what is missing, and runs `apt-get
# update` only when something is. Needs root (or sudo) only then.
#   scripts/setup.sh build     compile spmi (cmake, g++, the libraries)
#   scripts/setup.sh demo      build + what the example descriptors run
#                              (tmux, python3): scripts/demo.sh
#   scripts/setup.sh package   build + the man pages (Sphinx) and the .deb
#                              tools: `cmake --install`, `cpack -G DEB`
#   scripts/setup.sh test      everything scripts/test.sh needs: Catch2,
#                              clang for the fuzzers, screen, tmux, and the
#                              Slurm daemons and munge of the single-node
#                              test cluster
# Without an argument: test (what CI runs).
set -euo pipefail

build=(
  g++ cmake ninja-build pkg-config git        # toolchain
  libtomlplusplus-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libpcre2-dev libboost-dev libboost-filesystem-dev
  zlib1g-dev                                  # reading and writing gzipped rotated logs
  musl-dev                                    # spmi-idle, the idle wrapper's small core
)
demo=(
  tmux                                        # descriptors/shell.toml runs in a tmux window
  python3                                     # descriptors/site.toml serves HTTP
  tzdata                                      # IANA time zones for cron schedules
  procps                                      # ps, for people poking at tasks
)
package=(
  python3-sphinx                              # the man pages spmi(1), spmi-descriptor(5)
  dpkg-dev                                    # cpack -G DEB (dpkg-shlibdeps computes Depends)
  man-db                                      # man -l, to read the built pages
)
test=(
  catch2                                      # tests (Catch2 v2)
  clang libclang-rt-14-dev                    # the libFuzzer targets (fuzz/, scripts/fuzz.sh)
  util-linux                                  # prlimit, mount (bounded-input and full-disk tests)
  gzip                                        # the tests read rotated logs with zcat
  screen tmux                                 # the screen and tmux backends (and their tests)
  slurm-client                                # the slurm backend (sbatch, squeue, scancel, srun)
  munge slurmctld slurmd tini                 # the Slurm clusters of the slurm tests (scripts/slurm-cluster.sh)
  strace                                      # proof that spmi never reads a remote node's pids here
  systemd                                     # systemd-analyze verify, for the units spmi export writes
  bash-completion zsh fish                    # the completion scripts' tests
  python3-jsonschema python3-yaml             # the descriptor JSON Schema test (tests/schema/)
  "${demo[@]}" "${package[@]}"
)

case "${1:-test}" in
  build) packages=("${build[@]}") ;;
  demo) packages=("${build[@]}" "${demo[@]}") ;;
  package) packages=("${build[@]}" "${package[@]}") ;;
  test) packages=("${build[@]}" "${test[@]}") ;;
  *) echo "usage: scripts/setup.sh [build|demo|package|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
