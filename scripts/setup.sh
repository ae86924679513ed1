#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of evtxhunt from Debian
# packages. Idempotent: packages already present are not fetched again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libevtx-dev libbfio-dev          # second reader (libevtx.h includes libbfio headers)
  libevtx-utils python3-evtx python3-libevtx   # peers for benchmarks and tests
  time                             # GNU time: peak RSS in scripts/bench.sh
  libpugixml-dev libboost-program-options-dev libtbb-dev libyaml-cpp-dev
  libxxhash-dev                    # content hashes of events (duplicate records)
  libdeflate-dev                   # CRC-32 of EVTX headers and chunks (PCLMUL: 2.4x zlib's)
  libre2-dev                       # regular expressions in linear time
  libhyperscan-dev                 # every Sigma pattern of a field in one scan
  nlohmann-json3-dev               # JSON parsing in tests and tools
  python3-distributed              # scripts/evtxhunt-dask: batch scans on a Dask cluster
  googletest libgtest-dev
  clang libclang-rt-14-dev         # libFuzzer harnesses (scripts/fuzz.sh)
  clang-format-14                  # the format check of scripts/test.sh (.clang-format)
  chromium                         # opens the HTML report in tests (headless)
  tzdata                           # --timezone: the tz database of named zones
)

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
