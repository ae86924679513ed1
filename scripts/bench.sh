#!/usr/bin/env bash
# The benchmark: evtxhunt against libevtx (and python-evtx) on the same files,
# in one run; README's performance tables come from it.
#
# usage: scripts/bench.sh [BUILD_DIR]
#
#  1. the reader comparison of scripts/bench_reader.sh (200 MB mosaic of the
#     corpus's real chunks: dump 1 thread / all cores vs libevtx XML; 5 MB vs
#     python-evtx);
#  2. encoded bytes per event in the event store (bench_event_sizes) for the
#     corpus and a generated host;
#  3. on each input below, in one run: evtxhunt dump and scan with 1 thread
#     and all cores, and libevtx rendering every record's XML; wall seconds,
#     MB/s, records/s, peak RSS (GNU time), findings; for generated corpora
#     the recall of the injected DCOM chains against ground_truth.jsonl (and
#     findings that are not injected chains):
#       mosaic-200.evtx      the 200 MB mosaic of all providers (from step 1)
#       sysmon-1000.evtx     1000 MiB of the corpus's Sysmon chunks
#       gen-250, gen-1000, gen-4000   generated corpora (bench_gen_corpus):
#                            10, 25 and 100 hosts, 2 chains per host
#       folder-3000          3000 distinct files of 17 real chunks each (3.3 GB)
#     and scan with every Sigma rule of ../shared/sigma plus the project's
#     rules (all cores; pattern cache cold, then warm), whose findings are
#     counted, and rules check compiling those patterns as at install; search with ten
#     keywords (--any), whose events found are counted; metrics and logons,
#     whose rows are counted; the seed's KQL hunt as published (query -f),
#     whose rows are counted; a KQL hunt reading SecurityEvent and every
#     command line unfiltered (its distinct keys counted).
#
# Environment:
#   EVTXHUNT_BUILD_DIR  build directory (default: build; the argument wins)
#   BENCH_OUT           scratch directory (default: bench-out)
#   BENCH_SIZES         generated sizes in MiB (default: "250 1000 4000")
#   BENCH_FOLDER_FILES  files in the folder input (default: 3000; 0 skips it)
#   BENCH_LIBEVTX       0 skips libevtx on the step-3 inputs (it runs at ~13 MB/s)
#   BENCH_SKIP_READER   1 skips step 1 (reuses bench-out/mosaic-200.evtx if present)
#   BENCH_SIGMA         Sigma rule folder for the Sigma scan (default ../shared/sigma; "" skips it)
#   BENCH_INPUTS        the step-3 inputs to run (default: all of them)
# MB/s is 10^6 bytes per second; sizes of inputs are their bytes on disk.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
build_dir=${1:-${EVTXHUNT_BUILD_DIR:-build}}
out_dir=${BENCH_OUT:-bench-out}
sizes=${BENCH_SIZES:-"250 1000 4000"}
folder_files=${BENCH_FOLDER_FILES:-3000}
with_libevtx=${BENCH_LIBEVTX:-1}
corpus=../shared/corpus
sigma_rules=${BENCH_SIGMA-../shared/sigma}
mosaic=../shared/tools/evtx-mosaic.py
die() { echo "bench: $*" >&2; exit 1; }

[[ -x /usr/bin/time ]] || die "GNU time missing (/usr/bin/time); run scripts/setup.sh"
mkdir -p "$out_dir"

# --- 1. reader --------------------------------------------------------------
if [[ ${BENCH_SKIP_READER:-0} != 1 ]]; then
  BENCH_OUT=$out_dir bash scripts/bench_reader.sh "$build_dir" | tee "$out_dir/reader.txt"
fi
evtxhunt=$build_dir/src/evtxhunt
driver=$build_dir/scripts/bench/bench_libevtx_render
gen=$build_dir/scripts/bench/bench_gen_corpus
sizes_tool=$build_dir/scripts/bench/bench_event_sizes
cmake --build "$build_dir" -j"$(nproc)" --target evtxhunt bench_libevtx_render bench_gen_corpus bench_event_sizes >/dev/null
[[ -f $out_dir/mosaic-200.evtx ]] || python3 "$mosaic" "$out_dir/mosaic-200.evtx" 200 "$corpus" >&2

# --- 2. bytes per event -----------------------------------------------------
inputs=(mosaic-200.evtx sysmon-1000.evtx)
[[ -f $out_dir/sysmon-1000.evtx ]] ||
  python3 "$mosaic" "$out_dir/sysmon-1000.evtx" 1000 --only-provider Microsoft-Windows-Sysmon "$corpus" >&2
for mb in $sizes; do
  hosts=$((mb >= 4000 ? 100 : mb >= 1000 ? 25 : 10))
  d=$out_dir/gen-$mb
  if [[ ! -f $d/ground_truth.jsonl ]]; then
    t0=$(date +%s.%N)
    "$gen" "$d" --hosts "$hosts" --size-mb "$mb" --chains $((hosts * 2)) --seed 1
    echo "bench: generated $d in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2
  fi
  inputs+=("gen-$mb")
done
if ((folder_files > 0)); then
  d=$out_dir/folder-$folder_files
  if [[ ! -f $d/.complete ]]; then
    rm -rf "$d"
    # Distinct files of real chunks: file i holds 17 full chunks of the
    # corpus's pool starting at chunk i * 7 (wrapping): no two files are alike.
    python3 - "$mosaic" "$corpus" "$d" "$folder_files" <<'EOF'
import importlib.util, os, struct, sys, zlib
spec = importlib.util.spec_from_file_location("mosaic", sys.argv[1]); m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
corpus, out, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
pool = [c for f in sorted(m.files_in([corpus])) for c in m.chunks_of(f, 61440)]
os.makedirs(out, exist_ok=True)
per_file = 17
for i in range(n):
    header = bytearray(4096)
    header[0:8] = b"ElfFile\x00"
    # first chunk, last chunk, next record id, header size, minor, major, header block size, chunks
    struct.pack_into("<QQQIHHHH", header, 8, 0, per_file - 1, 1, 128, 2, 3, 4096, per_file)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    with open(os.path.join(out, "f%04d.evtx" % i), "wb") as f:
        f.write(header)
        for k in range(per_file):
            f.write(pool[(i * 7 + k) % len(pool)])
EOF
    touch "$d/.complete"
  fi
  inputs+=("folder-$folder_files")
fi
wanted='($1 ~ /Sysmon$/ && $2 ~ /^(1|3|5)$/) || ($1 ~ /Auditing$/ && $2 ~ /^(4624|4688|5156)$/)'
{
  echo "bytes per event in the event store (bench_event_sizes):"
  find "$corpus" -name '*.evtx' -print0 | xargs -0 "$sizes_tool" 2>/dev/null |
    awk -F'\t' "NR == 1 || $wanted { print \"  corpus: \" \$0 }"
  "$sizes_tool" "$out_dir"/gen-*/WS1000/C/Windows/System32/winevt/Logs/*.evtx 2>/dev/null |
    awk -F'\t' "$wanted { print \"  generated: \" \$0 }"
} | tee "$out_dir/event-sizes.txt"

# --- 3. pipeline ------------------------------------------------------------
# run NAME OUT CMD...: one timed run (GNU time): sets secs and rss_mib; stdout to OUT.
run() {
  local name=$1 out=$2; shift 2
  if ! /usr/bin/time -f "%e %M" -o "$out_dir/$name.time" "$@" >"$out" 2>"$out_dir/$name.err"; then
    tail -n 5 "$out_dir/$name.err" >&2
    die "FAILED ($name): $*"
  fi
  read -r secs rss_kib <"$out_dir/$name.time"
  rss_mib=$((rss_kib / 1024))
  echo "bench: $name: $secs s, $rss_mib MiB" >&2
}
bytes_of() { du -sbL --exclude=ground_truth.jsonl "$1" | cut -f1; }  # -L: inputs may be links
rows=()
row() { # input tool secs rss records findings recall threads
  rows+=("$(awk -v i="$1" -v t="$2" -v s="$3" -v r="$4" -v n="$5" -v f="$6" -v rc="$7" -v th="$8" -v b="$bytes" \
    'BEGIN { printf "| %s | %s | %.2f | %.0f | %.0f | %.0f | %d | %s | %s |", i, t, s, b / 1e6 / s, n / s, n / s / th, r, f, rc }')")
}
recall() { # findings.jsonl ground_truth.jsonl
  python3 - "$1" "$2" <<'EOF'
import json, sys
found = [json.loads(l) for l in open(sys.argv[1])]
truth = [json.loads(l) for l in open(sys.argv[2])]
fk = {(f["DeviceName"], f["fields"]["rpc.Timestamp"], f["fields"]["dcom.ProcessId"]) for f in found}
tk = {(t["DeviceName"], t["rpc.Timestamp"], t["dcom.ProcessId"]) for t in truth}
print("%d/%d, %d other" % (len(fk & tk), len(tk), len(fk - tk)))
EOF
}
[[ -n ${BENCH_INPUTS:-} ]] && read -ra inputs <<<"$BENCH_INPUTS"
for input in "${inputs[@]}"; do
  path=$out_dir/$input
  bytes=$(bytes_of "$path")
  files=("$path")
  [[ -d $path ]] && mapfile -t files < <(find "$path" -name '*.evtx' | sort)
  records=0
  for t in 1 "$(nproc)"; do
    run "$input-dump-t$t" /dev/null "$evtxhunt" dump --format jsonl --threads "$t" "${files[@]}"
    records=$(sed -n 's/.*dump: [0-9]* files, \([0-9]*\) records.*/\1/p' "$out_dir/$input-dump-t$t.err")
    row "$input" "evtxhunt dump --threads $t" "$secs" "$rss_mib" "$records" "" "" "$t"
    run "$input-scan-t$t" "$out_dir/$input-scan-t$t.out" "$evtxhunt" scan --threads "$t" "$path"
    findings=$(wc -l <"$out_dir/$input-scan-t$t.out")
    rc=""
    [[ -f $path/ground_truth.jsonl ]] && rc=$(recall "$out_dir/$input-scan-t$t.out" "$path/ground_truth.jsonl")
    row "$input" "evtxhunt scan --threads $t" "$secs" "$rss_mib" "$records" "$findings" "$rc" "$t"
  done
  # search: ten keywords (one of them enough) through the multi-pattern engine,
  # beside dump (the goal: within 1.5x of dump --format jsonl, all cores).
  run "$input-search10" "$out_dir/$input-search10.out" "$evtxhunt" search --format jsonl --any \
    -k mimikatz -k sekurlsa -k lsass.exe -k psexesvc -k "-enc " -k vssadmin -k wevtutil -k procdump -k rundll32 \
    -k bitsadmin "$path"
  findings=$(wc -l <"$out_dir/$input-search10.out")
  row "$input" "evtxhunt search, 10 keywords --any (all cores; events found)" "$secs" "$rss_mib" "$records" \
    "$findings" "" "$(nproc)"
  # metrics (counts and integrity checks of every record) and the logon
  # summary, beside dump (the goal for metrics: within 1.5x of dump, all cores).
  run "$input-metrics" "$out_dir/$input-metrics.out" "$evtxhunt" metrics --format jsonl "$path"
  findings=$(wc -l <"$out_dir/$input-metrics.out")
  row "$input" "evtxhunt metrics (all cores; rows written)" "$secs" "$rss_mib" "$records" "$findings" "" "$(nproc)"
  run "$input-logons" "$out_dir/$input-logons.out" "$evtxhunt" logons --format jsonl "$path"
  findings=$(wc -l <"$out_dir/$input-logons.out")
  row "$input" "evtxhunt logons (all cores; rows written)" "$secs" "$rss_mib" "$records" "$findings" "" "$(nproc)"
  # The seed's KQL as FalconForce published it, beside the stage rule's scan
  # above (the goal: within 2x of it, RSS within the memory budget + 64 MiB).
  seed_kql=../shared/kql/falconfriday/T1021-WIN-002.kql
  if [[ -f $seed_kql ]]; then
    run "$input-kql-seed" "$out_dir/$input-kql-seed.out" "$evtxhunt" query --format jsonl -f "$seed_kql" "$path"
    findings=$(wc -l <"$out_dir/$input-kql-seed.out")
    rc=""
    [[ -f $path/ground_truth.jsonl ]] && rc="$(wc -l <"$path/ground_truth.jsonl") chains injected"
    row "$input" "evtxhunt query -f T1021-WIN-002.kql (the seed's KQL; all cores; rows)" "$secs" "$rss_mib" \
      "$records" "$findings" "$rc" "$(nproc)"
  fi
  # A hunt that reads whole tables unfiltered: they pass --memory and are read
  # back from files; the summarize's groups partition to files past it.
  run "$input-kql-unfiltered" "$out_dir/$input-kql-unfiltered.out" "$evtxhunt" query --format jsonl \
    "union (SecurityEvent | summarize n = count() by Key = tostring(EventID)), (DeviceProcessEvents | summarize n = count() by Key = ProcessCommandLine) | summarize sum(n) by Key | count" "$path"
  row "$input" "evtxhunt query: SecurityEvent and every command line, unfiltered (all cores)" "$secs" "$rss_mib" \
    "$records" "$(head -c 100 "$out_dir/$input-kql-unfiltered.out" | tr -dc 0-9)" "" "$(nproc)"
  if [[ -n $sigma_rules ]]; then
    # Cold: the compiled pattern databases are built (empty cache); warm: loaded.
    rm -rf "$out_dir/hs-cache"
    for cache in cold warm; do
      run "$input-sigma-$cache" "$out_dir/$input-sigma-$cache.out" env EVTXHUNT_CACHE="$out_dir/hs-cache" \
        "$evtxhunt" scan --format jsonl --rules "$sigma_rules" --rules rules "$path"
      findings=$(wc -l <"$out_dir/$input-sigma-$cache.out")
      row "$input" "evtxhunt scan, every Sigma rule + ours, $cache cache (all cores)" "$secs" "$rss_mib" "$records" \
        "$findings" "" "$(nproc)"
    done
    # Install: rules check compiles the set's patterns (as update-sigma.sh
    # does), so the first scan after it is not the cold one.
    rm -rf "$out_dir/hs-cache"
    run "$input-sigma-compile" /dev/null env EVTXHUNT_CACHE="$out_dir/hs-cache" \
      "$evtxhunt" rules check "$sigma_rules" rules
    row "$input" "evtxhunt rules check, every Sigma rule + ours: patterns compiled at install" "$secs" "$rss_mib" "" \
      "" "" "$(nproc)"
  fi
  if [[ $with_libevtx != 0 ]]; then
    run "$input-libevtx" /dev/null "$driver" "${files[@]}"
    n=$(awk '/: records [0-9]+ read [0-9]+ failed [0-9]+$/ { s += $(NF - 2) } END { print s + 0 }' "$out_dir/$input-libevtx.err")
    row "$input" "libevtx XML (bench_libevtx_render)" "$secs" "$rss_mib" "$n" "" "" 1
  fi
done

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
{
  echo
  echo "evtxhunt pipeline benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo ?))"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, CPU: ${cpu:-unknown}"
  echo "one run each, wall seconds; MB/s = input bytes / 10^6 / s; records/s counts every record read (per core:"
  echo "divided by the threads used); RSS = peak resident"
  echo
  echo "| input | tool | s | MB/s | records/s | records/s per core | peak RSS MiB | findings | injected chains found |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} | tee "$out_dir/pipeline.txt"
