#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan into
# build-fuzz/ and runs each one for a bounded time on its seed corpus:
#   fuzz/corpus/<target>/      inputs that once broke spmi, and small samples
#   descriptors/, docs/sphinx/examples/, ../shared/reference/spmi-examples/
#                              (descriptor targets, by extension)
# New inputs libFuzzer finds go to a scratch corpus, never into the
# repository. A crash, a leak, a timeout (10 s per input) or more than 1 GiB
# of memory fails the run, leaving the input in build-fuzz/artifacts/:
# add it to fuzz/corpus/<target>/ with the fix, and a unit test.
#
#   scripts/fuzz.sh                 20 s per target (CI)
#   scripts/fuzz.sh 600             10 minutes per target
#   scripts/fuzz.sh 600 cron units  only those targets
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(descriptor_toml descriptor_yaml descriptor_json descriptor_procfile kv_state cron units env_file)

echo "== building the fuzz targets (clang, ASan, UBSan) into build-fuzz"
cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build-fuzz -j "${JOBS:-2}" > build-fuzz/build.log 2>&1 || { tail -40 build-fuzz/build.log >&2; exit 1; }
mkdir -p build-fuzz/artifacts

for t in "${targets[@]}"; do
  seeds=$(mktemp -d) found=$(mktemp -d)
  cp fuzz/corpus/"$t"/* "$seeds"/ 2>/dev/null || true
  case $t in
    descriptor_*)
      ext=${t#descriptor_}
      for d in descriptors docs/sphinx/examples ../shared/reference/spmi-examples; do
        [ -d "$d" ] || continue
        find "$d" -name "*.$ext" -exec cp {} "$seeds"/ \;
        [ "$ext" = yaml ] && find "$d" -name "*.yml" -exec cp {} "$seeds"/ \;
      done
      ;;
  esac
  echo "== fuzz_$t: ${secs}s, $(ls "$seeds" | wc -l) seed(s)"
  # -max_len: descriptors are small; the limits for big ones are unit-tested.
  status=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    build-fuzz/fuzz_"$t" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -max_len=65536 \
    -artifact_prefix=build-fuzz/artifacts/"$t"- -print_final_stats=1 "$found" "$seeds" \
    > build-fuzz/fuzz_"$t".log 2>&1 || status=$?
  rm -rf "$seeds" "$found"
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done)" build-fuzz/fuzz_"$t".log || true
  if [ "$status" -ne 0 ]; then
    tail -40 build-fuzz/fuzz_"$t".log >&2
    echo "fuzz_$t failed (exit $status); the input is in build-fuzz/artifacts/, the log in build-fuzz/fuzz_$t.log" >&2
    exit 1
  fi
done
echo "== fuzzing: ${#targets[@]} target(s), no finding"
