#!/usr/bin/env bash
# The whole test suite: installs what is missing, then
#   1. builds the Release configuration with -Wall -Wextra -Werror (failing
#      on glibc's static-linking warnings) and runs every test (ctest),
#      including the package's (cpack -G DEB, installed into a scratch root),
#   2. builds again with AddressSanitizer + UndefinedBehaviorSanitizer in a
#      second build directory and runs every test there,
#   3. configures as a packager on a machine without Catch2 (tests off) and
#      installs the build into a scratch prefix,
#   4. builds the libFuzzer targets (fuzz/, clang) and runs each for 20 s on
#      its corpus (scripts/fuzz.sh; any finding fails the run),
#   5. builds the Sphinx docs with warnings as errors,
#   6. runs the side-by-side benchmark in quick mode (bench/compare.sh).
# The slurm backend's tests run against a single-node Slurm cluster and a
# two-node one (each node in its own namespaces) that this script starts
# first (scripts/slurm-cluster.sh; each with its own configuration, munged
# and run directory) and stops at the end. If one cannot start, the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export JOBS=${JOBS:-2}

echo "== Slurm clusters for the slurm tests: one node, and two nodes in their own namespaces"
export SLURM_RUN_DIR=${SLURM_RUN_DIR:-/tmp/spmi-slurm}
export SLURM_CONF=$SLURM_RUN_DIR/slurm.conf
SLURM2_RUN_DIR=${SLURM2_RUN_DIR:-/tmp/spmi-slurm2}
export SPMI_TEST_SLURM2_CONF=$SLURM2_RUN_DIR/slurm.conf
trap 'SLURM_RUN_DIR=$SLURM2_RUN_DIR scripts/slurm-cluster.sh stop; scripts/slurm-cluster.sh stop' EXIT
SLURM_MIN_JOB_AGE=2 scripts/slurm-cluster.sh start
# MinJobAge stays 300 s here: the node-death test reads the failed job's state.
SLURM_RUN_DIR=$SLURM2_RUN_DIR scripts/slurm-cluster.sh start --nodes 2

echo "== build (Release, the configuration packagers build, with the tests; warnings as errors)"
scripts/build.sh build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON -DSPMI_WERROR=ON 2>&1 | tee /tmp/spmi-build.log
# A static binary that calls dlopen or NSS depends on the exact glibc it was
# linked with; the linker says so, and the wrappers must never need it.
if grep -q "statically linked applications requires at runtime" /tmp/spmi-build.log; then
  echo "test: a static wrapper needs glibc's shared libraries at run time (see /tmp/spmi-build.log)" >&2
  exit 1
fi
echo "== tests"
(cd build && ctest -j "$JOBS" --output-on-failure --timeout 300)

echo "== build (ASan + UBSan)"
scripts/build.sh build-asan -DSPMI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=ON -DSPMI_WERROR=ON
echo "== tests under ASan + UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j "$JOBS" --output-on-failure --timeout 300)

echo "== configure as a packager on a machine without Catch2 (tests off), and cmake --install"
# CMAKE_DISABLE_FIND_PACKAGE_Catch2 makes find_package(Catch2) fail as if
# it were not installed (CMake warns that it was never used: the proof).
cmake -S . -B build-packager -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON >/dev/null
prefix=$(mktemp -d /tmp/spmi-prefix.XXXXXX)
cmake --install build --prefix "$prefix" >/dev/null
"$prefix/bin/spmi" --version
[ -x "$prefix/libexec/spmi/spmi-wrapper" ] && [ -f "$prefix/share/man/man1/spmi.1.gz" ] &&
  [ -f "$prefix/share/bash-completion/completions/spmi" ]
rm -rf "$prefix"

echo "== fuzzing, 20 s per target"
scripts/fuzz.sh 20

echo "== docs (sphinx-build -W)"
sphinx-build -W -q -b html docs/sphinx build/docs-html
echo "== benchmark, quick mode (proves bench/compare.sh still runs; asserts nothing about speed)"
bench/compare.sh --quick
echo "== all green"
