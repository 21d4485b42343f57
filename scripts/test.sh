#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds three trees and runs
# ctest in each, then prints one combined "N passed, M failed" line.
#   build/       release: unit + integration tests (real daemons, tshark)
#   build-asan/  unit tests (the store's included) under -fsanitize=address,undefined
#   build-fuzz/  libFuzzer targets (clang), bounded runs over seeded corpora
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh || exit 1
./scripts/build.sh || { echo "build failed"; exit 1; }

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSA_SANITIZE=ON -DSA_WITH_DAEMONS=OFF -DSA_WITH_STORE=ON \
  >/dev/null &&
  cmake --build build-asan -j"$(nproc)" >/dev/null || { echo "ASan build failed"; exit 1; }
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSA_WITH_FUZZ=ON \
  -DSA_WITH_DAEMONS=OFF >/dev/null &&
  cmake --build build-fuzz -j"$(nproc)" >/dev/null || { echo "fuzz build failed"; exit 1; }

passed=0 failed=0 skipped=0 status=0
run_ctest() { # dir, extra args...
  local dir=$1; shift
  echo "=== ctest in $dir"
  local log
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line total fails skips
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1)
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  fails=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
  # ctest counts a skipped test (exit 77: a tool or privilege missing) as passed.
  skips=$(grep -cE '^[[:space:]]+[0-9]+ - .*\(Skipped\)' "$log" || true)
  if [ -z "$line" ]; then total=0; fails=1; skips=0; fi
  passed=$((passed + total - fails - skips))
  failed=$((failed + fails))
  skipped=$((skipped + skips))
  [ "$rc" -eq 0 ] || status=1
  rm -f "$log"
}
run_ctest build
run_ctest build-asan -L fast
run_ctest build-fuzz -L fuzz
echo
echo "total: $passed passed, $failed failed, $skipped skipped"
exit $status
