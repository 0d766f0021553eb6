#!/usr/bin/env bash
# The zsh and fish completions (the bash one is tested from the package,
# package_test.sh) complete subcommands, options, task ids, projects and
# tags from the current $SPMI_PATH, asking the spmi being completed.
#   tests/package/completions_test.sh <source dir> <build dir>
set -euo pipefail
src=$1
build=$(cd "$2" && pwd)
scratch=$(mktemp -d /tmp/spmi-completions.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "completions test: $*" >&2; exit 1; }
export SPMI_PATH=$scratch/state PATH=$build:$PATH
cat >"$scratch/p.toml" <<'EOT'
[project]
name = "shop"
defaults = { tags = ["front"] }
[[project.tasks]]
id = "web"
wrapper = { command = "true" }
[[project.tasks]]
id = "worker"
wrapper = { command = "true" }
EOT
spmi load "$scratch/p.toml" >/dev/null

expect() {  # expect <what> <got> <want>
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  echo "ok: $1: $2"
}

# zsh: the completion function with compadd and _files stubbed to print.
zsh_complete() {  # zsh_complete <prefix> <words...>
  local prefix=$1
  shift
  zsh -f -c '
    compadd() { local a; for a in "$@"; do [[ $a == -- ]] || print -r -- "$a"; done; }
    _files() { print -r -- "<files>"; }
    _command_names() { print -r -- "<commands>"; }
    PREFIX=$1; shift; words=("$@"); CURRENT=$#
    source "'"$src"'/completions/_spmi"' zsh "$prefix" "$@" | grep -- "^$prefix" | tr '\n' ' ' | sed 's/ $//'
}
expect "zsh: spmi re" "$(zsh_complete re spmi re)" "reload restart resurrect"
expect "zsh: spmi stop w" "$(zsh_complete w spmi stop w)" "web worker"
expect "zsh: spmi stop -p s" "$(zsh_complete s spmi stop -p s)" "shop"
expect "zsh: spmi list --tag f" "$(zsh_complete f spmi list --tag f)" "front"
expect "zsh: spmi start --no" "$(zsh_complete --no spmi start --no)" "--no-deps"
expect "zsh: spmi load x" "$(zsh_complete '<' spmi load x)" "<files>"

fish_complete() {  # fish_complete <command line>
  fish --no-config -c "source $src/completions/spmi.fish; complete -C '$1'" | cut -f1 | tr '\n' ' ' | sed 's/ $//'
}
expect "fish: spmi re" "$(fish_complete 'spmi re')" "reload restart resurrect"
expect "fish: spmi stop w" "$(fish_complete 'spmi stop w')" "web worker"
expect "fish: spmi stop -p " "$(fish_complete 'spmi stop -p ')" "shop"
expect "fish: spmi list --tag " "$(fish_complete 'spmi list --tag ')" "front"
expect "fish: spmi start --no" "$(fish_complete 'spmi start --no')" "--no-deps"
echo "completions test: ok"
