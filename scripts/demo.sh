#!/usr/bin/env bash
# The haven demo: installs the dependencies, builds haven, then shows on this machine what
# haven does today: a node daemon, a module installed from a .safe archive, the first-start
# rule, Lua hooks starting and stopping a small web application, state as JSON, the logs.
# Everything lives in a temporary root folder, removed at the end. Run as root on Debian.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"

"$here/scripts/build.sh"

export PATH="$build/bin:$PATH"
root="$(mktemp -d /tmp/haven-demo.XXXXXX)"
export HAVEN_ROOT="$root"
havend_pid=""
cleanup() {
  if [ -n "$havend_pid" ]; then
    kill "$havend_pid" 2>/dev/null || true   # havend stops its modules before it exits
    wait "$havend_pid" 2>/dev/null || true
  fi
  rm -rf "$root"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[36m$ %s\033[0m\n' "$*"; "$@"; }

say "Start the node daemon for node1 (its whole world under $root)"
havend --node node1 >"$root/havend.out" 2>&1 &
havend_pid=$!
for _ in $(seq 100); do [ -S "$root/run/havend.sock" ] && break; sleep 0.1; done

say "Plugins found by this install (behaviour, checker, script engine)"
run haven plugins list

say "Install the generic-mirror module from its .safe archive"
run haven module install "$build/share/haven/modules/generic-mirror.safe"
run haven module listid
run haven config check -m generic-mirror

say "First start: no node is known to hold good data yet, so the module waits"
run haven start -m generic-mirror

say "The administrator declares this node's data good: prim runs prestart, start_prim (Lua)"
run haven prim -m generic-mirror
run haven state --json
say "The application answers"
run curl -s http://127.0.0.1:18080/

say "Stop: stop_prim gracefully, then with 'force', then poststop"
run haven stop -m generic-mirror
run haven state -m generic-mirror -l -q || echo "(haven state -lq exit code: $? = STOP)"

say "Start again: this node's data is now known up to date, so it becomes primary at once"
run haven start -m generic-mirror
run haven state -v
run curl -s http://127.0.0.1:18080/

say "The module log (what the administrator reads)"
run haven log -m generic-mirror -s 30

say "Stop the module; the daemon stops with the demo"
run haven stop -m generic-mirror
echo
echo "Demo done. Next in haven: a second node, heartbeats and failover (issue 3)."
