#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and documenting
# spmi needs. Idempotent: installs only what is missing, and runs
# `apt-get update` only when something is. Needs root (or sudo).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git       # toolchain
  libtomlplusplus-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libpcre2-dev libboost-dev libboost-filesystem-dev
  catch2                                      # tests (Catch2 v2)
  clang libclang-rt-14-dev                    # the libFuzzer targets (fuzz/, scripts/fuzz.sh)
  util-linux                                  # prlimit, mount (bounded-input and full-disk tests)
  zlib1g-dev gzip                             # reading (spmi logs) and writing gzipped rotated logs
  python3-sphinx                              # docs (sphinx-build -W)
  screen tmux                                 # the screen and tmux backends (and their tests)
  slurm-client                                # the slurm backend (sbatch, scontrol, scancel, srun)
  munge slurmctld slurmd tini                 # the single-node cluster of the slurm tests (scripts/slurm-cluster.sh)
  tzdata                                      # IANA time zones for cron schedules (and the DST tests)
  python3                                     # test listeners (python3 -m http.server)
  procps                                      # ps, for people poking at tasks
)

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
