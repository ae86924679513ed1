#!/usr/bin/env bash
# Builds evtxhunt and runs its tests (README's test command; .ci/run calls it):
#   1. release build in build/, every test suite with ctest;
#   2. sanitizer build (AddressSanitizer + UndefinedBehaviorSanitizer) in
#      build-asan/, the reader, value, robustness, normalization, rule,
#      scenario and Sigma suites.
# A build failure stops at once; failing tests of step 1 do not skip step 2.
# Exits non-zero if anything failed. About 4 minutes on 2 cores from a clean
# clone (most of it compiling).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
start=$SECONDS
failed=()
step() { printf '\n== %s (%d s)\n' "$1" $((SECONDS - start)); }

step "release build (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

step "all tests (release)"
ctest --test-dir build --output-on-failure --no-tests=error -j"$jobs" || failed+=("release tests")

step "sanitizer build (build-asan/)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVTXHUNT_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs" --target evtxhunt test_reader_corpus test_values test_robustness test_normalize test_rule_language test_dcom_scenarios test_dcom_variants \
  test_sigma_rules test_sigma_regression

step "reader, value, robustness, normalization, rule, scenario and Sigma tests (sanitizers)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir build-asan --output-on-failure --no-tests=error -j"$jobs" -L 'test_reader_corpus|test_values|test_robustness|test_normalize|test_rule_language|test_dcom_scenarios|test_dcom_variants|test_sigma_rules|test_sigma_regression' ||
  failed+=("sanitizer tests")

if [ ${#failed[@]} -gt 0 ]; then
  step "FAILED: ${failed[*]}"
  exit 1
fi
step "all tests passed"
