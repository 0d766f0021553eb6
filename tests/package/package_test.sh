#!/usr/bin/env bash
# The Debian package, end to end: cpack -G DEB from the build directory,
# its control fields, then unpacked into a scratch root (dpkg-deb -x, no
# system file touched) and used from there: `spmi run` finds its wrappers
# in ../libexec/spmi, `spmi list` shows the task, `man -l` renders both
# pages, the bash completion completes, and the exported systemd unit
# passes systemd-analyze verify with the installed man page.
#   tests/package/package_test.sh <build dir>
set -euo pipefail
build=$(cd "$1" && pwd)
scratch=$(mktemp -d /tmp/spmi-package.XXXXXX)
wrapper_pid=""
# The smoke task's cgroup goes under a parent of this run's own, removed at
# the end (the wrapper removes the task's; the parent is left to spmi's user).
export SPMI_CGROUP_PARENT=spmi-test-package-$$
# And list's CPU samples go into the scratch directory, not /tmp/spmi-<uid>.
export XDG_RUNTIME_DIR=$scratch/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
cleanup() {
  if [ -n "$wrapper_pid" ]; then kill -KILL "$wrapper_pid" 2>/dev/null || true; fi
  find /sys/fs/cgroup -maxdepth 6 -depth -type d -path "*/$SPMI_CGROUP_PARENT*" -exec rmdir {} + 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
fail() { echo "package test: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1) || { cat "$scratch/cpack.log"; fail "cpack failed"; }
deb=$(ls "$scratch"/out/spmi_*_*.deb)
info=$(dpkg-deb -f "$deb" Package Depends Suggests Section)
echo "$info"
grep -q '^Depends: .*libc6' <<<"$info" || fail "Depends does not name libc6"
grep -q '^Suggests: screen, tmux, slurm-client$' <<<"$info" || fail "Suggests is not screen, tmux, slurm-client"
# No library the binaries link is left out of Depends (dpkg-shlibdeps ran):
# every shared library spmi needs at run time comes from libc6.
root=$scratch/root
dpkg-deb -x "$deb" "$root"
for f in usr/bin/spmi usr/libexec/spmi/spmi-wrapper usr/libexec/spmi/spmi-idle usr/libexec/spmi/spmi-watchdog usr/libexec/spmi/spmi-probe \
         usr/share/man/man1/spmi.1.gz usr/share/man/man5/spmi-descriptor.5.gz \
         usr/share/bash-completion/completions/spmi usr/share/zsh/vendor-completions/_spmi \
         usr/share/fish/vendor_completions.d/spmi.fish usr/share/spmi/spmi-descriptor.schema.json; do
  [ -e "$root/$f" ] || fail "the package has no /$f"
done
for lib in $(ldd "$root/usr/bin/spmi" | awk '/=>/ {print $1}'); do
  case $lib in libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*) ;; *) fail "spmi needs $lib, which Depends does not cover" ;; esac
done

spmi=$root/usr/bin/spmi
export SPMI_PATH=$scratch/state
"$spmi" --version
"$spmi" run --name smoke -- sleep 300
wrapper_pid=$(sed -n 's/^wrapper_pid=//p' "$SPMI_PATH/smoke/state")
# The packaged wrapper, which hands the idle task to the packaged idle core.
for _ in $(seq 50); do
  [ "$(readlink "/proc/$wrapper_pid/exe")" = "$root/usr/libexec/spmi/spmi-idle" ] && break
  sleep 0.1
done
[ "$(readlink "/proc/$wrapper_pid/exe")" = "$root/usr/libexec/spmi/spmi-idle" ] ||
  fail "the task's wrapper is not the packaged one idling: $(readlink "/proc/$wrapper_pid/exe")"
# It comes back through a descriptor of the packaged wrapper.
find "/proc/$wrapper_pid/fd" -lname "$root/usr/libexec/spmi/spmi-wrapper" | grep -q . ||
  fail "the idle core holds no descriptor of the packaged spmi-wrapper"
"$spmi" list | tee "$scratch/list"
grep -Eq '^smoke +active' "$scratch/list" || fail "spmi list does not show smoke active"
"$spmi" stop smoke
wrapper_pid=""

MANWIDTH=100 man -l -P cat "$root/usr/share/man/man1/spmi.1.gz" >"$scratch/man1" 2>/dev/null
grep -q 'spmi - daemonless process manager' "$scratch/man1" || fail "man -l spmi.1 has no NAME line"
grep -q 'resurrect' "$scratch/man1" || fail "spmi(1) does not document resurrect"
MANWIDTH=100 man -l -P cat "$root/usr/share/man/man5/spmi-descriptor.5.gz" >"$scratch/man5" 2>/dev/null
grep -q 'stop_timeout' "$scratch/man5" || fail "spmi-descriptor(5) does not document stop_timeout"

# bash, as an interactive shell with bash-completion loads the file.
words=$(PATH="$root/usr/bin:$PATH" bash --norc -c '
  source "$1"
  COMP_WORDS=(spmi res); COMP_CWORD=1; _spmi; echo "${COMPREPLY[*]}"
  COMP_WORDS=(spmi start ""); COMP_CWORD=2; _spmi; echo "${COMPREPLY[*]}"' bash \
  "$root/usr/share/bash-completion/completions/spmi")
echo "$words"
[ "$(sed -n 1p <<<"$words")" = "restart resurrect" ] || fail "bash completion of 'spmi res': $(sed -n 1p <<<"$words")"
[ "$(sed -n 2p <<<"$words")" = "smoke" ] || fail "bash completion of task ids: $(sed -n 2p <<<"$words")"

# The unit names man:spmi(1); systemd-analyze checks that the page exists.
mkdir -p "$scratch/xdg" && chmod 700 "$scratch/xdg"
"$spmi" export systemd --user >"$scratch/spmi.service"
XDG_RUNTIME_DIR=$scratch/xdg MANPATH=$root/usr/share/man systemd-analyze --user verify "$scratch/spmi.service" ||
  fail "systemd-analyze verify failed on the exported unit"
echo "package test: ok"
