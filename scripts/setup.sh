#!/usr/bin/env bash
# Installs evtxhunt's dependencies from Debian packages. Idempotent: packages
# already present are not fetched again.
#
#   scripts/setup.sh          what building and running evtxhunt need
#   scripts/setup.sh --test   also what only the tests, fuzzing, browser
#                             checks, benchmarks, packaging and the Dask
#                             driver need (scripts/test.sh and .ci/run)
#   scripts/setup.sh --list [--test]
#                             print those packages, one per line; install nothing
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libevtx-dev libbfio-dev          # dump --reader libevtx (libevtx.h includes libbfio headers)
  libpugixml-dev libboost-program-options-dev libtbb-dev libyaml-cpp-dev
  libxxhash-dev                    # content hashes of events (duplicate records)
  libdeflate-dev                   # CRC-32 of EVTX headers and chunks (PCLMUL: 2.4x zlib's)
  libre2-dev                       # regular expressions in linear time
  libhyperscan-dev                 # every Sigma pattern of a field in one scan
  nlohmann-json3-dev               # JSON of KQL values; parsing in tests and tools
  tzdata                           # --timezone: the tz database of named zones
)
test_packages=(
  libevtx-utils python3-evtx python3-libevtx   # peers for benchmarks and tests
  time                             # GNU time: peak RSS in scripts/bench.sh
  python3-distributed              # scripts/evtxhunt-dask: batch scans on a Dask cluster
  googletest libgtest-dev
  clang libclang-rt-14-dev         # libFuzzer harnesses (scripts/fuzz.sh)
  clang-format-14                  # the format check of scripts/test.sh (.clang-format)
  chromium                         # opens the HTML report in tests (headless)
  dpkg-dev fakeroot                # the Debian package and its install test (cpack, dpkg-shlibdeps)
)

list=0
if [ "${1:-}" = "--list" ]; then
  list=1
  shift
fi
case "${1:-}" in
  "") ;;
  --test) packages+=("${test_packages[@]}") ;;
  *) echo "usage: scripts/setup.sh [--list] [--test]" >&2; exit 2 ;;
esac
if [ $list -eq 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: all ${#packages[@]} packages present"
