# Bash completion for evtxhunt: its commands, each command's options (read
# from the binary's own --help, so they never drift), the formats an
# -f/--format takes, rule ids after --rule (evtxhunt rules list) and file
# names elsewhere. Installed by the Debian package as
# /usr/share/bash-completion/completions/evtxhunt; from a checkout:
#   source scripts/evtxhunt-completion.bash

_evtxhunt() {
  local bin=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    local commands
    commands=$("$bin" --help 2>/dev/null | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return
  fi
  local command=("${COMP_WORDS[1]}")
  if [[ ${COMP_WORDS[1]} == rules ]]; then
    if ((COMP_CWORD == 2)); then
      mapfile -t COMPREPLY < <(compgen -W "check list show --help" -- "$cur")
      return
    fi
    command=(rules "${COMP_WORDS[2]}")
  fi
  local help
  help=$("$bin" "${command[@]}" --help 2>/dev/null)
  case $prev in
    -f | --format)
      # "output format: jsonl | csv | table (default: ...)", possibly over two lines.
      local formats
      formats=$(printf '%s\n' "$help" | tr '\n' ' ' | grep -oE 'output format: [a-z0-9| ]+' | head -n1 |
        sed -e 's/^output format://' -e 's/|/ /g')
      mapfile -t COMPREPLY < <(compgen -W "$formats" -- "$cur")
      return
      ;;
    --rule)
      local ids
      ids=$("$bin" rules list -q -f jsonl 2>/dev/null | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
      mapfile -t COMPREPLY < <(compgen -W "$ids" -- "$cur")
      return
      ;;
  esac
  if [[ $cur == -* ]]; then
    local options
    options=$(printf '%s\n' "$help" | grep -oE '^  (-[A-Za-z] \[ )?--?[A-Za-z][A-Za-z0-9-]*' |
      grep -oE -- '--?[A-Za-z][A-Za-z0-9-]*' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return
  fi
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -F _evtxhunt evtxhunt
