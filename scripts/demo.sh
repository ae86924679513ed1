#!/usr/bin/env bash
# README's first command: installs the dependencies, builds, and runs the main
# job on samples/ (for now: dumps the target host's Sysmon log as JSON lines).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
log=$(find samples/triage -name 'Microsoft-Windows-Sysmon%4Operational.evtx' | sort | head -n 1)
build/src/evtxhunt dump --format jsonl "$log"
