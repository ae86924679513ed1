#!/usr/bin/env bash
# README's first command: installs what building and running need (not the
# tests'), builds the evtxhunt binary alone, and runs the main job on
# samples/: the DCOM lateral movement hunt over the triage collection (with
# its HTML report in build/report-samples.html), then the forensic timeline
# around its finding (the host's events from 30 s before the first evidence to
# 30 s after the last), as a table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --target evtxhunt
echo "== evtxhunt scan samples/triage"
build/src/evtxhunt scan --format table --report build/report-samples.html samples/triage
echo "the HTML report of this scan: $(pwd)/build/report-samples.html (open it in a browser)"
echo
echo "== evtxhunt timeline --context 30s samples/triage"
build/src/evtxhunt timeline --format table --context 30s samples/triage
