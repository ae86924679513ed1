#!/usr/bin/env bash
# Configures and builds evtxhunt: the release build in build/ that the demo,
# the benchmarks and README's commands use (-O2 with line tables: -g1, not
# -g, costs a third less compile time and keeps perf's file:line).
#
#   scripts/build.sh [--dir DIR] [--target TARGET]... [CMAKE_ARGS...]
#
# --dir builds in DIR instead of build/ (scripts/package-test.sh: the
# package's own build); --target builds that target (repeatable;
# scripts/demo.sh: evtxhunt alone), otherwise every target (the tests too
# when GoogleTest is installed). Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: scripts/build.sh [--dir DIR] [--target TARGET]... [CMAKE_ARGS...]" >&2; exit 2; }
dir=build
target=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --target) [ $# -ge 2 ] || usage; target+=(--target "$2"); shift 2 ;;
    *) break ;;
  esac
done
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" "${target[@]}"
