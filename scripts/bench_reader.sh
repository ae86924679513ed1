#!/usr/bin/env bash
# Reader benchmark: evtxhunt's native EVTX reader against libevtx and python-evtx.
#
# usage: scripts/bench_reader.sh [BUILD_DIR]
#
# In one run:
#  1. builds three EVTX files of real chunks with ../shared/tools/evtx-mosaic.py
#     (a ~200 MB one of every provider, which includes the corpus's damaged
#     chunks; a 30 MB one of Security-Auditing chunks only; a 5 MB one for
#     python-evtx, which is too slow for the big one);
#  2. times, BENCH_RUNS times each (keeping the best, i.e. the fastest, run;
#     the median is printed too), with stdout to /dev/null:
#       evtxhunt dump --format jsonl --threads 1   (200 MB, 30 MB Security, 5 MB)
#       evtxhunt dump --format xml --threads 1     (200 MB, 30 MB Security)
#       bench_libevtx_render, libevtx rendering every record's XML (200 MB, 30 MB)
#       evtxhunt dump --format jsonl                (200 MB, all cores)
#       /usr/bin/python3 /usr/bin/evtx_dump.py      (5 MB)
#     Record counts come from separate, untimed passes (JSON lines, <Event>
#     elements) and from the libevtx driver's own stderr count;
#  3. prints a table (tool, file size, seconds, MB/s, records, records per
#     second per core), the speedup factors native/libevtx (JSON and XML) and
#     native/python-evtx, and the machine.
#
# Exits non-zero if any tool fails.
#
# Environment:
#   EVTXHUNT_BUILD_DIR  build directory (default: build; the argument wins).
#                       evtxhunt and bench_libevtx_render are built there if
#                       missing (configured as Release if not configured yet).
#   BENCH_OUT           scratch directory for the generated files (default: bench-out)
#   BENCH_CORPUS        chunk source for the mosaics (default: ../shared/corpus)
#   BENCH_RUNS          timed runs per tool (default: 3)
#   BENCH_SIZE_MB       size of the big file in MiB (default: 200)
#   BENCH_PY_SIZE_MB    size of the python-evtx file in MiB (default: 5)
#   BENCH_SEC_SIZE_MB   size of the Security-Auditing file in MiB (default: 30)
# Relative paths are taken from the repository root.
# MB/s is 10^6 bytes per second.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

build_dir=${1:-${EVTXHUNT_BUILD_DIR:-build}}
out_dir=${BENCH_OUT:-bench-out}
corpus=${BENCH_CORPUS:-../shared/corpus}
runs=${BENCH_RUNS:-3}
size_mb=${BENCH_SIZE_MB:-200}
py_size_mb=${BENCH_PY_SIZE_MB:-5}
sec_size_mb=${BENCH_SEC_SIZE_MB:-30}
mosaic=../shared/tools/evtx-mosaic.py
py=/usr/bin/python3          # python-evtx is Debian's, installed for /usr/bin/python3
py_dump=/usr/bin/evtx_dump.py

die() { echo "bench_reader: $*" >&2; exit 1; }

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
[[ -f $mosaic ]] || die "missing $mosaic"
[[ -d $corpus ]] || die "missing corpus directory $corpus"
[[ -x $py && -f $py_dump ]] || die "python-evtx missing ($py_dump); run scripts/setup.sh"
"$py" -c 'import Evtx' 2>/dev/null || die "$py cannot import Evtx; run scripts/setup.sh"

# --- binaries ---------------------------------------------------------------
evtxhunt=$build_dir/src/evtxhunt
driver=$build_dir/scripts/bench/bench_libevtx_render
if [[ ! -x $evtxhunt || ! -x $driver ]]; then
  if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    echo "bench_reader: configuring $build_dir (Release)" >&2
    cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  echo "bench_reader: building evtxhunt and bench_libevtx_render in $build_dir" >&2
  cmake --build "$build_dir" -j"$(nproc)" --target evtxhunt bench_libevtx_render >/dev/null
fi
[[ -x $evtxhunt ]] || die "no evtxhunt binary at $evtxhunt"
[[ -x $driver ]] || die "no bench_libevtx_render binary at $driver"
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
sanitize=$(sed -n 's/^EVTXHUNT_SANITIZE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
case ${build_type:-unknown} in
  Release|RelWithDebInfo) ;;
  *) echo "bench_reader: warning: $build_dir is a '${build_type:-unknown}' build; timings are not representative" >&2 ;;
esac
[[ ${sanitize:-OFF} == OFF ]] || echo "bench_reader: warning: $build_dir is a sanitizer build" >&2

# --- input files ------------------------------------------------------------
mkdir -p "$out_dir"
big=$out_dir/mosaic-${size_mb}.evtx
small=$out_dir/mosaic-${py_size_mb}.evtx
security=$out_dir/security-${sec_size_mb}.evtx
log=$out_dir/bench-stderr.log     # stderr of the last run of each tool
: >"$log"
"$py" "$mosaic" "$big" "$size_mb" "$corpus" >&2 || die "evtx-mosaic.py failed ($big)"
"$py" "$mosaic" "$small" "$py_size_mb" "$corpus" >&2 || die "evtx-mosaic.py failed ($small)"
"$py" "$mosaic" "$security" "$sec_size_mb" --only-provider Microsoft-Windows-Security-Auditing "$corpus" >&2 ||
  die "evtx-mosaic.py failed ($security)"

# --- timing -----------------------------------------------------------------
now() { date +%s.%N; }

# time_runs NAME CMD...: runs CMD $runs times, stdout to /dev/null, stderr to
# $out_dir/NAME.err; sets best_s and median_s. Fails the script if CMD fails.
time_runs() {
  local name=$1; shift
  local err=$out_dir/$name.err times=() t0 t1 i
  for ((i = 1; i <= runs; i++)); do
    t0=$(now)
    if ! "$@" >/dev/null 2>"$err"; then
      echo "bench_reader: FAILED ($name): $*" >&2
      tail -n 5 "$err" >&2
      exit 1
    fi
    t1=$(now)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    echo "bench_reader: $name run $i/$runs: ${times[-1]} s" >&2
  done
  { echo "== $name: $*"; tail -n 3 "$err"; } >>"$log"
  best_s=$(printf '%s\n' "${times[@]}" | sort -g | head -n 1)
  median_s=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
}

# count_lines CMD...: untimed pass; number of lines CMD writes on stdout.
count_lines() {
  local n
  n=$("$@" 2>/dev/null | wc -l) || die "FAILED (record count): $*"
  echo "$n"
}

rows=()
add_row() { # tool file best median records threads
  local bytes
  bytes=$(stat -c %s "$2")
  rows+=("$(awk -v tool="$1" -v f="$(basename "$2")" -v bytes="$bytes" -v best="$3" -v med="$4" -v rec="$5" -v t="$6" \
    'BEGIN { printf "%-44s %-18s %8.1f %9.3f %9.3f %9.2f %9d %13.0f", tool, f, bytes / 1e6, best, med, bytes / 1e6 / best, rec, rec / best / t }')")
}

# native FORMAT THREADS FILE NAME: times evtxhunt dump; sets n_s (best) and n_n (records).
native() {
  local args=(dump --format "$1" "$3")
  [[ $2 == all ]] || args+=(--threads "$2")
  time_runs "$4" "$evtxhunt" "${args[@]}"
  n_s=$best_s
  if [[ $1 == jsonl ]]; then
    n_n=$(count_lines "$evtxhunt" "${args[@]}")
  else
    n_n=$("$evtxhunt" "${args[@]}" 2>/dev/null | grep -c '^<Event[ >]') || die "FAILED (record count): ${args[*]}"
  fi
  local t=$2 label="evtxhunt dump --format $1 --threads $2"
  [[ $t == all ]] && t=$(nproc) label="evtxhunt dump --format $1 ($(nproc) threads)"
  add_row "$label" "$3" "$best_s" "$median_s" "$n_n" "$t"
}

# libevtx FILE NAME: libevtx renders every record's XML; sets l_s, l_n, l_total, l_failed.
libevtx() {
  time_runs "$2" "$driver" "$1"
  l_s=$best_s
  read -r l_total l_n l_failed < <(
    awk '/: records [0-9]+ read [0-9]+ failed [0-9]+$/ { print $(NF - 4), $(NF - 2), $NF }' "$out_dir/$2.err") || true
  [[ -n ${l_n:-} ]] || die "no record count from bench_libevtx_render"
  add_row "libevtx XML (bench_libevtx_render)" "$1" "$best_s" "$median_s" "$l_n" 1
}

# 200 MB of every provider
native jsonl 1 "$big" native-t1
native1_s=$n_s native1_n=$n_n
native xml 1 "$big" native-xml-t1
nativexml_s=$n_s
libevtx "$big" libevtx
libevtx_s=$l_s libevtx_n=$l_n libevtx_total=$l_total libevtx_failed=$l_failed
native jsonl all "$big" native-all
nativeall_s=$n_s nativeall_n=$n_n

# 30 MB of Security-Auditing chunks
native jsonl 1 "$security" native-sec-t1
sec_s=$n_s sec_n=$n_n
native xml 1 "$security" native-sec-xml-t1
secxml_s=$n_s
libevtx "$security" libevtx-sec
seclib_s=$l_s

# 5 MB: python-evtx, and native on the same file
time_runs python-evtx "$py" "$py_dump" "$small"
python_s=$best_s python_med=$median_s
python_n=$("$py" "$py_dump" "$small" 2>/dev/null | grep -c '^<Event ') || die "FAILED (record count): $py $py_dump $small"
add_row "python-evtx (evtx_dump.py)" "$small" "$python_s" "$python_med" "$python_n" 1
native jsonl 1 "$small" native-t1-small
nativesmall_s=$n_s

# --- report -----------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

echo
echo "evtxhunt reader benchmark  ($(date -u +%Y-%m-%dT%H:%M:%SZ), commit $commit, $build_dir: ${build_type:-unknown})"
echo "machine: $(nproc) cores (nproc), CPU: ${cpu:-unknown}"
echo "seconds: best and median of $runs runs, wall clock, stdout to /dev/null; MB = 10^6 bytes; MB/s from the best run"
echo
printf '%-44s %-18s %8s %9s %9s %9s %9s %13s\n' tool file MB best_s median_s MB/s records records/s/core
printf '%s\n' "${rows[@]}"
echo
echo "speedup native JSON (1 thread) / libevtx ($size_mb MiB file): $(ratio "$libevtx_s" "$native1_s")   (goal: >= 30x)"
echo "speedup native XML (1 thread) / libevtx  ($size_mb MiB file): $(ratio "$libevtx_s" "$nativexml_s")"
echo "speedup native JSON (1 thread) / libevtx ($sec_size_mb MiB Security file): $(ratio "$seclib_s" "$sec_s")   (goal: >= 35x)"
echo "speedup native XML (1 thread) / libevtx  ($sec_size_mb MiB Security file): $(ratio "$seclib_s" "$secxml_s")"
echo "speedup native (all cores) / libevtx     ($size_mb MiB file): $(ratio "$libevtx_s" "$nativeall_s")"
echo "speedup native (1 thread) / python-evtx  ($py_size_mb MiB file): $(ratio "$python_s" "$nativesmall_s")"
echo "parallel scaling, all cores / 1 thread:  $(ratio "$native1_s" "$nativeall_s")"
echo "records on the $size_mb MiB file: native $native1_n, libevtx $libevtx_n of $libevtx_total ($libevtx_failed failed); on the Security file: native $sec_n"
if ((native1_n < libevtx_n)); then
  echo "bench_reader: native reader returned fewer records than libevtx" >&2
  exit 1
fi
if ((nativeall_n != native1_n)); then
  echo "bench_reader: record count differs between --threads 1 and all cores" >&2
  exit 1
fi
