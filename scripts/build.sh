#!/usr/bin/env bash
# Configures and builds evtxhunt: the release build in build/ that the demo,
# the benchmarks and README's commands use (-O2 with line tables: -g1, not
# -g, costs a third less compile time and keeps perf's file:line).
#
#   scripts/build.sh [--target TARGET] [CMAKE_ARGS...]
#
# --target builds one target (scripts/demo.sh: evtxhunt alone); otherwise
# every target (the tests too when GoogleTest is installed). Extra arguments
# go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
target=()
if [ "${1:-}" = "--target" ]; then
  [ $# -ge 2 ] || { echo "usage: scripts/build.sh [--target TARGET] [CMAKE_ARGS...]" >&2; exit 2; }
  target=(--target "$2")
  shift 2
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "$@" >/dev/null
cmake --build build -j"$(nproc)" "${target[@]}"
