#!/usr/bin/env bash
# Installs missing packages and builds the release tree in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" 2>&1 | grep -E "warning|error|Error" || true
test -x build/bin/sa && test -x build/bin/sa-capture && test -x build/bin/sa-aggregator \
  && test -x build/bin/sa-trainer && test -x build/bin/sa-gen
