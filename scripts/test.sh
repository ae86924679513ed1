#!/usr/bin/env bash
# Builds evtxhunt and runs its tests (README's test command; .ci/run calls it):
#   0. every C++ file checked against .clang-format (clang-format 14);
#   1. sanitizer build (AddressSanitizer + UndefinedBehaviorSanitizer, -O1
#      (a third less compile time than -O2 under the sanitizers; the test
#      suites' own code -Og, tests/CMakeLists.txt) with line tables (-g1:
#      reports keep file:line; full -g took 200 s more on 2 cores), warnings
#      as errors) in build-asan/: every target;
#   2. every test suite with ctest under the sanitizers (the tests that run
#      the evtxhunt binary run this build's);
#   3. scripts/package-test.sh: the Debian package built (a release build in
#      build-package/), installed into an empty root, run on samples/, removed;
#   4. scripts/fuzz.sh: each libFuzzer harness for FUZZ_SECONDS (default 15)
#      with clang in build-fuzz/.
# A build failure stops at once; failing tests do not skip the fuzzing. Exits
# non-zero if anything failed. About 20 minutes on 2 cores from a clean clone
# (most of it compiling). `scripts/build.sh` makes the release build/ the demo
# and benchmarks use.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test  # what only the tests, fuzzing and browser checks need

jobs=$(nproc)
start=$SECONDS
failed=()
step() { printf '\n== %s (%d s)\n' "$1" $((SECONDS - start)); }

step "format (.clang-format)"
git ls-files '*.cpp' '*.h' '*.c' | xargs clang-format-14 --dry-run --Werror || failed+=("format")

step "sanitizer build (build-asan/), warnings as errors"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DEVTXHUNT_SANITIZE=ON -DEVTXHUNT_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"

step "all tests (AddressSanitizer + UBSan)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir build-asan --output-on-failure --no-tests=error -j"$jobs" || failed+=("tests")

step "Debian package: built, installed into an empty root, run, removed (scripts/package-test.sh)"
bash scripts/package-test.sh || failed+=("package")

step "fuzzing (scripts/fuzz.sh)"
FUZZ_SECONDS="${FUZZ_SECONDS:-15}" bash scripts/fuzz.sh || failed+=("fuzzing")

if [ ${#failed[@]} -gt 0 ]; then
  step "FAILED: ${failed[*]}"
  exit 1
fi
step "all tests passed"
