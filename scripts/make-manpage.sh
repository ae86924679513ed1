#!/usr/bin/env bash
# Writes evtxhunt's man page (roff, gzip-compressed) from the --help texts of
# a built binary, so that the page says what the binary says: evtxhunt
# --help, then each command's --help (the rules command's three too).
#
#   scripts/make-manpage.sh EVTXHUNT_BINARY OUT.1.gz
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/make-manpage.sh EVTXHUNT_BINARY OUT.1.gz" >&2; exit 2; }
bin=$1
out=$2

# Help text as roff: backslashes written \e, a line opening with . or ' kept
# as text (\&), inside no-fill blocks.
text() {
  echo ".nf"
  sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
  echo ".fi"
}

page() {
  local version
  version=$("$bin" --version | awk '{print $2}')
  echo ".TH EVTXHUNT 1 \"\" \"evtxhunt $version\" \"User Commands\""
  echo ".SH NAME"
  echo "evtxhunt \\- forensic analyzer for Windows event logs (EVTX): Sigma and KQL hunts, timelines"
  echo ".SH SYNOPSIS"
  echo ".B evtxhunt"
  echo "\\fICOMMAND\\fR [\\fIOPTIONS\\fR] \\fIPATH\\fR..."
  echo ".SH DESCRIPTION"
  "$bin" --help | text
  local commands
  commands=$("$bin" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
  [ -n "$commands" ] || { echo "make-manpage: no command listed by $bin --help" >&2; exit 1; }
  for c in $commands; do
    echo ".SH \"evtxhunt $c\""
    "$bin" "$c" --help 2>&1 | text
    if [ "$c" = rules ]; then
      for s in check list show; do
        echo ".SS \"evtxhunt rules $s\""
        "$bin" rules "$s" --help 2>&1 | text
      done
    fi
  done
  echo ".SH FILES"
  echo ".TP"
  echo ".I /usr/share/evtxhunt/rules"
  echo "the project's rules (DCOM lateral movement, FalconForce's KQL hunt, tuning), run by default"
  echo ".TP"
  echo ".I /usr/share/evtxhunt/sigma"
  echo "SigmaHQ's Windows rules, run by default when no \\-\\-rules is given (\$XDG_DATA_HOME/evtxhunt/sigma first: scripts/update-sigma.sh)"
  echo ".TP"
  echo ".I ~/.cache/evtxhunt"
  echo "compiled Sigma patterns and parsed rule files kept between runs (\$EVTXHUNT_CACHE; off disables it)"
  echo ".SH SEE ALSO"
  echo "/usr/share/doc/evtxhunt/README.md"
}

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
page | gzip -n -9 >"$tmp"
mv "$tmp" "$out"
trap - EXIT
