#!/usr/bin/env bash
# Installs SigmaHQ's Windows rules from a SigmaHQ checkout where evtxhunt
# loads them when no --rules is given (see README, "Rules by default"):
#
#   scripts/update-sigma.sh SIGMAHQ_CHECKOUT [DEST]
#
# DEST defaults to $EVTXHUNT_SIGMA, else $XDG_DATA_HOME/evtxhunt/sigma
# (~/.local/share/evtxhunt/sigma). Copied as published (each file with its
# author and licence): rules/windows, rules-threat-hunting/windows, the rules
# of rules-emerging-threats whose log source is Windows, and the checkout's
# licence files (SigmaHQ's rules are under the Detection Rule License). The
# commit is recorded in DEST/SIGMAHQ_VERSION (git's, or --commit ID for a
# checkout without .git). The new set replaces the old one whole: a copy that
# fails leaves the old set in place. Then its patterns are compiled into the
# cache (evtxhunt rules check), so the first scan does not compile them.
set -euo pipefail

usage() { echo "usage: scripts/update-sigma.sh [--commit ID] SIGMAHQ_CHECKOUT [DEST]" >&2; exit 2; }

commit=""
if [ "${1:-}" = "--commit" ]; then
  [ $# -ge 2 ] || usage
  commit=$2
  shift 2
fi
[ $# -ge 1 ] && [ $# -le 2 ] || usage
src=$1
if [ $# -eq 2 ]; then
  dest=$2
elif [ -n "${EVTXHUNT_SIGMA:-}" ]; then
  dest=$EVTXHUNT_SIGMA
else
  dest="${XDG_DATA_HOME:-$HOME/.local/share}/evtxhunt/sigma"
fi

if [ ! -d "$src/rules/windows" ]; then
  echo "update-sigma: $src is not a SigmaHQ checkout (no rules/windows folder)" >&2
  exit 3
fi
if [ -z "$commit" ]; then
  commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || true)
  if [ -z "$commit" ]; then
    commit=unknown
    echo "update-sigma: $src is not a git checkout: its commit is recorded as unknown (give it with --commit ID)" >&2
  fi
fi

mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$(dirname "$dest")/.sigma.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"  # mktemp's 0700 would keep the rules from other users (an install in /usr/share)

# rules/windows and rules-threat-hunting/windows whole, as published.
for folder in rules/windows rules-threat-hunting/windows; do
  if [ -d "$src/$folder" ]; then
    mkdir -p "$tmp/$folder"
    cp -R "$src/$folder/." "$tmp/$folder/"
  fi
done
# rules-emerging-threats: only rules for Windows logs (others would be
# counted "not applicable" on every run).
if [ -d "$src/rules-emerging-threats" ]; then
  (cd "$src" && find rules-emerging-threats -type f \( -name '*.yml' -o -name '*.yaml' \) -print0 |
    xargs -0 -r grep -lZ -E '^[[:space:]]+product:[[:space:]]*windows[[:space:]]*$' |
    xargs -0 -r cp --parents -t "$tmp")
fi
for licence in "$src"/LICENSE*; do
  [ -f "$licence" ] && cp "$licence" "$tmp/"
done
rules=$(find "$tmp" -type f \( -name '*.yml' -o -name '*.yaml' \) | wc -l)
if [ "$rules" -eq 0 ]; then
  echo "update-sigma: no rule file under $src/rules/windows" >&2
  exit 3
fi
{
  echo "commit $commit"
  echo "from $(cd "$src" && pwd)"
  echo "copied $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "rules $rules"
} >"$tmp/SIGMAHQ_VERSION"

# Swap whole: the old set stays until the new one is complete.
if [ -e "$dest" ]; then
  mv "$dest" "$tmp.old"
fi
mv "$tmp" "$dest"
trap - EXIT
rm -rf "$tmp.old"
echo "update-sigma: $rules rule files of SigmaHQ commit ${commit:0:12} in $dest"
# Compile the new set's patterns now, into the cache every later run reads
# (evtxhunt rules check): the first scan is then as fast as the next ones.
# The binary: $EVTXHUNT, else evtxhunt on PATH, else this checkout's build.
bin=${EVTXHUNT:-}
if [ -z "$bin" ]; then
  if command -v evtxhunt >/dev/null 2>&1; then
    bin=evtxhunt
  elif [ -x "$(dirname "$0")/../build/src/evtxhunt" ]; then
    bin="$(dirname "$0")/../build/src/evtxhunt"
  fi
fi
if [ -n "$bin" ]; then
  note=$(EVTXHUNT_SIGMA="$dest" "$bin" rules check 2>/dev/null | grep '^Sigma patterns:' || true)
  echo "update-sigma: ${note:-the patterns were not compiled ($bin rules check failed)}"
else
  echo "update-sigma: no evtxhunt binary found (set EVTXHUNT): the first scan compiles the patterns"
fi
