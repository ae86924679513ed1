#!/usr/bin/env bash
# Builds the Debian package and checks it as an installed tool: a release
# build in build-package/ (SigmaHQ's Windows rules vendored from
# $EVTXHUNT_SIGMAHQ, default ../shared/sigma, with their licence), cpack -G
# DEB, then dpkg --root installs it into an empty root, the installed binary
# scans samples/triage with its installed rules and must find the DCOM
# lateral movement (rule dcom-mmc20-application on WS01.corp.local), the man
# page and completion must be in place, and dpkg -r must leave nothing of
# it behind. scripts/test.sh runs it; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
sigmahq=${EVTXHUNT_SIGMAHQ:-../shared/sigma}
fail() { echo "package-test: $*" >&2; exit 1; }
with_sigma=()
if [ -d "$sigmahq/rules/windows" ]; then
  with_sigma=(-DEVTXHUNT_SIGMAHQ="$(realpath "$sigmahq")")
else
  echo "package-test: no SigmaHQ checkout at $sigmahq (EVTXHUNT_SIGMAHQ): the package is made without its rules" >&2
fi

# The release build's flags (scripts/build.sh), in the package's own folder.
bash scripts/build.sh --dir build-package --target evtxhunt --target evtxhunt_manpage -DEVTXHUNT_TESTS=OFF \
  -DEVTXHUNT_SIGMAHQ= "${with_sigma[@]}"
rm -f build-package/evtxhunt_*.deb
(cd build-package && cpack -G DEB >/dev/null 2>&1) || fail "cpack failed (build-package/_CPack_Packages)"
version=$(build-package/src/evtxhunt --version | awk '{print $2}')
deb=build-package/evtxhunt_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libhyperscan5 libre2 libyaml-cpp libtbb libboost-program-options libevtx; do
  [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done

root=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$root" "$work"' EXIT
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log"
touch "$root/var/lib/dpkg/status"
# The root is empty: its libraries are this machine's (--force-depends).
dpkg_root=(dpkg --root="$root" --force-depends --force-not-root --force-bad-path --force-script-chrootless)
"${dpkg_root[@]}" -i "$deb" >"$work/dpkg.log" 2>&1 || fail "dpkg -i failed: $(cat "$work/dpkg.log")"
installed=(usr/bin/evtxhunt usr/share/man/man1/evtxhunt.1.gz usr/share/bash-completion/completions/evtxhunt
  usr/share/doc/evtxhunt/README.md usr/share/doc/evtxhunt/copyright usr/share/evtxhunt/rules/ff-t1021.003-dcom.yml)
[ ${#with_sigma[@]} -eq 0 ] || installed+=(usr/share/evtxhunt/sigma/LICENSE usr/share/evtxhunt/sigma/SIGMAHQ_VERSION)
for f in "${installed[@]}"; do
  [ -e "$root/$f" ] || fail "not installed: /$f"
done
unreadable=$(find "$root/usr" ! -perm -o=r -o -type d ! -perm -o=x)
[ -z "$unreadable" ] || fail "not readable by every user: $unreadable"
zcat "$root/usr/share/man/man1/evtxhunt.1.gz" >"$work/evtxhunt.1"
grep -q '^\.SH "evtxhunt scan"' "$work/evtxhunt.1" || fail "the man page has no scan section"

# The installed binary, its rules found beside it (no checkout, no user rules).
env -i PATH=/usr/bin:/bin HOME="$work" "$root/usr/bin/evtxhunt" scan -f jsonl -o "$work/findings.jsonl" samples/triage \
  2>"$work/err" || fail "scan failed: $(cat "$work/err")"
if [ ${#with_sigma[@]} -gt 0 ]; then
  grep -q "SigmaHQ rules from $root/usr/share/evtxhunt/sigma" "$work/err" || fail "SigmaHQ's rules not run: $(cat "$work/err")"
fi
grep -q '^{"rule_id":"dcom-mmc20-application",.*"DeviceName":"WS01.corp.local"' "$work/findings.jsonl" ||
  fail "no DCOM finding on WS01.corp.local"

"${dpkg_root[@]}" -r evtxhunt >"$work/dpkg.log" 2>&1 || fail "dpkg -r failed: $(cat "$work/dpkg.log")"
left=$(find "$root" -mindepth 1 -not -path "$root/var" -not -path "$root/var/lib" -not -path "$root/var/log" \
  -not -path "$root/var/log/*" -not -path "$root/var/lib/dpkg" -not -path "$root/var/lib/dpkg/*")
[ -z "$left" ] || fail "dpkg -r left: $left"
echo "package-test: $deb ($(du -h "$deb" | cut -f1)) installs, finds the DCOM movement on samples/, removes cleanly"
