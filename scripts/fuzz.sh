#!/usr/bin/env bash
# Fuzzes what evtxhunt parses: builds the libFuzzer harnesses of scripts/fuzz/
# with clang, ASan and UBSan in build-fuzz/, and runs each for FUZZ_SECONDS
# (default 15) from seeds taken from ../shared/corpus (chunk images), the XML
# scenarios and samples, the rule files, shards of samples/ (batch scans), and
# edits of a valid compiled-pattern cache file (the harness makes it).
# Any crash, sanitizer report, timeout or memory blow-up fails the run; the
# input that caused it is kept in build-fuzz/findings/<harness>/ (make it a
# regression test). Prints the executions per harness.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-15}
jobs=$(nproc)
out=build-fuzz
harnesses=(fuzz_chunk fuzz_event_xml fuzz_rule_expression fuzz_rule_file fuzz_shard fuzz_hs_cache fuzz_user_files fuzz_kql)

CC=clang CXX=clang++ cmake -S . -B "$out" -DEVTXHUNT_FUZZ=ON -DEVTXHUNT_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" -j"$jobs" --target "${harnesses[@]}" >/dev/null

# Seeds (rebuilt each run; small: the fuzzer mutates from there).
seeds=$out/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{fuzz_chunk,fuzz_event_xml,fuzz_rule_expression,fuzz_rule_file,fuzz_shard,fuzz_hs_cache,fuzz_user_files,fuzz_kql}
python3 - "$seeds/fuzz_chunk" ../shared/corpus <<'PY'
import os, sys
out, corpus = sys.argv[1], sys.argv[2]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs if f.endswith(".evtx"))
n = 0
for path in files[::6]:  # a spread of the corpus, damaged files included
    with open(path, "rb") as f:
        f.seek(4096)
        chunk = f.read(65536)
    if len(chunk) >= 512:
        with open(os.path.join(out, "%03d" % n), "wb") as g:
            g.write(chunk)
        n += 1
PY
i=0
for f in $(find tests/scenarios samples/scenario -name '*.xml' -size -64k); do cp "$f" "$seeds/fuzz_event_xml/$i.xml"; i=$((i + 1)); done
cp rules/*.yml rules/*.kql "$seeds/fuzz_rule_file/"
if [[ -d ../shared/sigma/rules ]]; then
  mapfile -t sigma < <(find ../shared/sigma/rules -name '*.yml' | sort)
  for f in "${sigma[@]:0:40}"; do cp "$f" "$seeds/fuzz_rule_file/"; done
fi
# User files: the shipped tuning file, a placeholder file, a search, a zone (first byte: which).
{ printf '\000'; cat rules/tuning/noisy.yml; } >"$seeds/fuzz_user_files/tuning"
printf '\001known_cdcs: [dc01.corp.local, 10.0.0.5]\n' >"$seeds/fuzz_user_files/placeholders"
printf '\002k:mimikatz\nr:lsass\\.(dmp|exe)\nF:Ip Address=23.94.*\nF:Image~(?i)cmd\n' >"$seeds/fuzz_user_files/search"
printf '\003Europe/Berlin' >"$seeds/fuzz_user_files/zone"
# Inputs that once failed (tests/data/fuzz/HARNESS/, also replayed by ctest).
for h in "${harnesses[@]}"; do
  [[ -d tests/data/fuzz/$h ]] && cp tests/data/fuzz/"$h"/* "$seeds/$h/"
done
# The FalconFriday hunts as published.
[[ -d ../shared/kql/falconfriday ]] && cp ../shared/kql/falconfriday/*.kql "$seeds/fuzz_kql/"
# Queries over the harness's table T, whose where clauses are pushed down.
printf "T | where ProcessId > 101 and DeviceName == 'ws1' | join (T | where ProcessCommandLine has 'whoami') on DeviceName" \
  >"$seeds/fuzz_kql/pushdown-join"
printf "let x = 2; T | where ProcessId between (100 .. 102) or DeviceName startswith 'dc' | summarize count() by DeviceName" \
  >"$seeds/fuzz_kql/pushdown-summarize"
printf "T | where ProcessId > 100 | project-rename Cmd = ProcessCommandLine | summarize make_list(Cmd), arg_max(Timestamp, *) by DeviceName" \
  >"$seeds/fuzz_kql/streamed-summarize"
# Each where clause's first lines (seeds need not be complete: the fuzzer mutates them).
awk '/^ *where:/ { sub(/^ *where: */, ""); n++; print > ("'"$seeds"'/fuzz_rule_expression/" n) }' rules/*.yml

# Shards of samples/ (one per host) from an evtxhunt already built (test.sh
# builds build-asan/ first); without one the fuzzer starts from the signature.
seed_bin=""
for b in "${EVTXHUNT_SEED_BINARY:-}" build-asan/src/evtxhunt build/src/evtxhunt; do
  [[ -n $b && -x $b ]] && { seed_bin=$b; break; }
done
printf 'evtxhunt shard\n\001' >"$seeds/fuzz_shard/signature"
if [[ -n $seed_bin ]]; then
  for host in DC01.corp.local WS01.corp.local WS02.corp.local; do
    "$seed_bin" scan -q -f shard --shard-host "$host" -o "$seeds/fuzz_shard/$host" samples || true
  done
fi

status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$out/corpus/$h" "$out/findings/$h"
  log=$out/$h.log
  if "$out/scripts/fuzz/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$out/findings/$h/" "$out/corpus/$h" "$seeds/$h" >"$log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$log" | awk '{ print $2 }')
    echo "fuzz: $h: ${runs:-?} executions in ${secs} s, nothing found"
  else
    echo "fuzz: $h: FAILED (see $log; inputs in $out/findings/$h/)"
    grep -m5 -E 'ERROR|SUMMARY|Test unit written' "$log" || true
    status=1
  fi
done
exit $status
