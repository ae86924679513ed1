#!/usr/bin/env bash
# README's first command: installs the dependencies, builds, and runs the main
# job on samples/: the DCOM lateral movement hunt over the triage collection.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build/src/evtxhunt scan samples/triage
