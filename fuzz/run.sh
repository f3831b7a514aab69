#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# SECONDS (default 60) from the seed corpus in fuzz/corpus/. Prints how many
# inputs each ran; exits non-zero on any crash, leak or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/install-deps.sh
command -v clang++ >/dev/null || { apt-get install -y -qq clang libclang-rt-14-dev >/dev/null; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DOTA_FUZZ=ON -DOTA_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_topic fuzz_report fuzz_admin >/dev/null
for target in topic report admin; do
  work=$(mktemp -d)
  cp fuzz/corpus/$target/* "$work/"
  log=build-fuzz/fuzz_$target.log
  seeds_log=build-fuzz/fuzz_${target}_seeds.log
  # UBSan keeps going after a report (so that one known report can be suppressed):
  # any report left in the log fails the run as a crash would.
  export UBSAN_OPTIONS="suppressions=$PWD/fuzz/ubsan.supp:print_stacktrace=1"
  # The seeds once each, whole: some (100,000 levels, 100,000 members) are far
  # longer than -max_len, which would cut them short below.
  if ! build-fuzz/fuzz/fuzz_$target fuzz/corpus/$target/* >"$seeds_log" 2>&1 || grep -q "runtime error" "$seeds_log"; then
    grep -m 5 -A 20 "runtime error" "$seeds_log" || tail -n 40 "$seeds_log"
    echo "fuzz_$target: FAILED on a seed (log: $seeds_log)"
    exit 1
  fi
  if ! build-fuzz/fuzz/fuzz_$target -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$work" \
      >"$log" 2>&1 || grep -q "runtime error" "$log"; then
    grep -m 5 -A 20 "runtime error" "$log" || tail -n 40 "$log"
    echo "fuzz_$target: FAILED (log: $log)"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  echo "fuzz_$target: $runs inputs in ${seconds}s, no crash, leak or sanitizer report"
  rm -rf "$work"
done
