#!/usr/bin/env bash
# Fingerprints every output evtxhunt writes for samples/ and the shared corpus:
# one "sha256  name" line per output (stdout and stderr of each command) on
# stdout. Run it before and after a change that must not change any output
# (a refactoring) and diff the two listings:
#   scripts/snapshot_outputs.sh build/src/evtxhunt > before.txt
#   ... change, rebuild ...
#   scripts/snapshot_outputs.sh build/src/evtxhunt > after.txt && diff before.txt after.txt
# Every command runs with -q where it has it, so no timing reaches the output.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/src/evtxhunt}
corpus=${EVTXHUNT_CORPUS:-../shared/corpus}
sigma=${EVTXHUNT_SIGMA:-../shared/sigma/rules/windows}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME ARGS...: the command's stdout, stderr and exit code, fingerprinted
# (without rules check's "Sigma patterns:" line, which says how long it took).
run() {
  local name=$1
  shift
  "$bin" "$@" >"$work/raw" 2>"$work/err"
  local rc=$?
  grep -v '^Sigma patterns: ' "$work/raw" >"$work/out"
  printf '%s  %s.stdout\n' "$(sha256sum <"$work/out" | cut -d' ' -f1)" "$name"
  printf '%s  %s.stderr\n' "$(sha256sum <"$work/err" | cut -d' ' -f1)" "$name"
  printf 'exit %d  %s\n' "$rc" "$name"
}

for set in triage scenario; do
  for f in jsonl csv timesketch table; do
    run "samples-$set-scan-$f" scan -q -t 2 -f "$f" "samples/$set"
    run "samples-$set-timeline-$f" timeline -q -t 2 -f "$f" "samples/$set"
  done
  run "samples-$set-timeline-context" timeline -q -t 2 -f jsonl --context 30s "samples/$set"
  run "samples-$set-inventory" inventory -q -t 2 -f jsonl "samples/$set"
  run "samples-$set-normalize" normalize -q -t 2 -f jsonl "samples/$set"
done
run "samples-triage-dump-jsonl" dump -t 2 -f jsonl samples/triage
run "samples-triage-dump-xml" dump -t 2 -f xml samples/triage

# Every command's help, the top-level help and the version; the commands and
# formats the loops above leave out; and command-line mistakes.
run "help" --help
run "version" --version
for c in scan timeline inventory search pivot logons metrics query rules dump normalize convert merge; do
  run "help-$c" "$c" --help
done
for f in jsonl csv timesketch ecs table; do
  run "samples-triage-search-$f" search -q -t 2 -f "$f" -k mmc.exe samples/triage
done
run "samples-triage-scan-ecs" scan -q -t 2 -f ecs samples/triage
run "samples-triage-timeline-ecs" timeline -q -t 2 -f ecs samples/triage
run "samples-triage-scan-single-line" scan -q -t 2 -f csv --single-line samples/triage
for c in pivot logons metrics inventory; do
  for f in jsonl csv table; do
    run "samples-triage-$c-$f" "$c" -q -t 2 -f "$f" samples/triage
  done
done
run "samples-triage-normalize-csv" normalize -q -t 2 -f csv samples/triage
run "rules-list" rules list
run "rules-check-sigma" rules check "$sigma"
for q in ../shared/kql/falconfriday/*.kql; do
  run "kql/$(basename "$q")" query -q -t 2 --format jsonl -f "$q" samples/triage
done
run "samples-triage-report" scan -q -t 2 -f jsonl --report "$work/report.html" samples/triage
printf '%s  samples-triage-report.html\n' "$(sha256sum <"$work/report.html" | cut -d' ' -f1)"
run "samples-triage-shard" scan -q -t 2 -f shard -o "$work/a.shard" samples/triage
run "samples-triage-merge" merge -q -f jsonl "$work/a.shard"
run "bad-format" scan -f nope samples/triage
run "bad-option" scan --nope samples/triage
run "bad-command" nope
run "missing-input" scan -q samples/nothing-here
run "bad-rule" scan -q --rule no-such-rule samples/triage

# The corpus: each file dumped alone (both formats, both readers), then the
# whole corpus through every command.
while IFS= read -r -d '' file; do
  rel=${file#"$corpus"/}
  run "corpus/$rel-dump-jsonl" dump -t 2 -f jsonl "$file"
  run "corpus/$rel-dump-xml" dump -t 2 -f xml "$file"
  run "corpus/$rel-dump-libevtx" dump -r libevtx -f jsonl "$file"
done < <(find "$corpus" -name '*.evtx' -type f -print0 | sort -z)
run "corpus-scan" scan -q -t 2 -f jsonl "$corpus"
run "corpus-scan-sigma" scan -q -t 2 -f jsonl --rules "$sigma" "$corpus"
run "corpus-timeline" timeline -q -t 2 -f jsonl "$corpus"
run "corpus-timeline-csv" timeline -q -t 2 -f csv --rules "$sigma" "$corpus"
run "corpus-inventory" inventory -q -t 2 -f jsonl "$corpus"
run "corpus-normalize" normalize -q -t 2 -f jsonl "$corpus"
run "corpus-normalize-csv" normalize -q -t 2 -f csv "$corpus"
