# bash completion for spmi: subcommands, their options, and the task ids,
# projects and tags of the current $SPMI_PATH (asked of spmi itself through
# `spmi __complete`, so it never falls behind the installed version).
# Installed as share/bash-completion/completions/spmi.

_spmi() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi
  local spmi=${words[0]} cmd="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -*) ;;
      *) cmd=${words[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    case $prev in
      --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    esac
    COMPREPLY=($(compgen -W "$("$spmi" __complete commands 2>/dev/null) --help --version --debug --quiet --color" -- "$cur"))
    return
  fi
  case $prev in
    -p | --project) COMPREPLY=($(compgen -W "$("$spmi" __complete projects 2>/dev/null)" -- "$cur")); return ;;
    --tag) COMPREPLY=($(compgen -W "$("$spmi" __complete tags 2>/dev/null)" -- "$cur")); return ;;
    --for) COMPREPLY=($(compgen -W "running ready healthy exited" -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "text dot json" -- "$cur")); return ;;
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$("$spmi" __complete options "$cmd" 2>/dev/null)" -- "$cur"))
    return
  fi
  case $cmd in
    load | apply | validate)
      if declare -F _filedir >/dev/null; then _filedir; else COMPREPLY=($(compgen -f -- "$cur")); fi ;;
    export) COMPREPLY=($(compgen -W "systemd cron" -- "$cur")) ;;
    help | schema) [[ $cmd == help ]] && COMPREPLY=($(compgen -W "$("$spmi" __complete commands 2>/dev/null)" -- "$cur")) ;;
    run) COMPREPLY=($(compgen -c -- "$cur")) ;;
    *) COMPREPLY=($(compgen -W "$("$spmi" __complete tasks 2>/dev/null)" -- "$cur")) ;;
  esac
}
complete -F _spmi spmi
