#!/usr/bin/env bash
# The haven demo: installs the dependencies, builds haven, then shows on this machine what
# haven does today with two nodes (node1 at 127.0.0.1, node2 at 127.0.0.2, each with its own
# havend and root folder): a module installed from a .safe archive, the first-start rule,
# Lua hooks starting a small web application on the primary, the pair over authenticated
# heartbeats, a failover, a swap, state as JSON, every node's state with -H, resources, a
# crashed agent cleaned up while the peer takes over, failover off, the logs. Everything lives in temporary
# folders, removed at the end. Run as root on Debian.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"

"$here/scripts/build.sh"

export PATH="$build/bin:$PATH"
unset HAVEN_ROOT
top="$(mktemp -d /tmp/haven-demo.XXXXXX)"
n1="$top/node1" n2="$top/node2"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done   # havend stops its modules
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$top"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[36m$ %s\033[0m\n' "$*"; "$@"; }
on() { local node=$1; shift; printf '\033[36m[%s]$ haven %s\033[0m\n' "$node" "$*"; haven --root "$top/$node" "$@"; }

say "Two nodes on this machine: cluster.xml, and one cluster key shared by both"
mkdir -p "$n1/etc" "$n2/etc"
cat >"$n1/etc/cluster.xml" <<'XML'
<cluster>
  <lans>
    <lan name="default">
      <node name="node1" addr="127.0.0.1"/>
      <node name="node2" addr="127.0.0.2"/>
    </lan>
  </lans>
</cluster>
XML
cp "$n1/etc/cluster.xml" "$n2/etc/cluster.xml"
cat "$n1/etc/cluster.xml"
on node1 cluster genkey
cp -p "$n1/etc/cluster.key" "$n2/etc/cluster.key"
on node2 cluster confinfo

say "Start the node daemons"
for n in node1 node2; do
  havend --root "$top/$n" --node "$n" >"$top/$n.havend.out" 2>&1 &
  pids+=($!)
done
for n in node1 node2; do
  for _ in $(seq 100); do [ -S "$top/$n/run/havend.sock" ] && break; sleep 0.1; done
done

say "Plugins found by this install"
run haven --root "$n1" plugins list

say "Install the generic-mirror module from its .safe archive on both nodes"
on node1 module install "$build/share/haven/modules/generic-mirror.safe"
on node2 module install "$build/share/haven/modules/generic-mirror.safe"
on node1 module listid

say "First start: no node is known to hold good data yet, so the module waits"
on node1 start -m generic-mirror

say "The administrator declares node1's data good: prim runs prestart, start_prim (Lua)"
on node1 prim -m generic-mirror
run curl -s http://127.0.0.1:18080/

say "node2 joins: it becomes SECOND, node1 becomes PRIM (heartbeats every 200 ms)"
on node2 start -m generic-mirror
sleep 1
on node1 state -v
on node2 state --json

say "Failover: node1 stops (stop_prim, poststop); node2 hears it and takes over at once"
on node1 stop -m generic-mirror
on node2 waitstate ALONE -m generic-mirror --timeout 10
run curl -s http://127.0.0.1:18080/

say "node1 comes back: it rejoins as SECOND; then swap gives it the primary role back"
on node1 start -m generic-mirror
on node2 waitstate PRIM -m generic-mirror --timeout 10
on node2 swap -m generic-mirror
on node1 waitstate PRIM -m generic-mirror --timeout 20
sleep 0.5
on node1 state
on node2 state
run curl -s http://127.0.0.1:18080/

say "Every node's state from one place: -H runs the command through each node's havend (signed with the cluster key)"
on node1 -H "*" state

say "Resources: the peer heard on each lan, this node's data up to date, the failover setting"
on node1 get -m generic-mirror

say "Crash: kill -9 the primary's agent. node1's havend runs the forced stop hooks (the web server stops there),"
say "node2 misses the heartbeats and takes over within the timeout (2 s)"
agent_pid=$(haven --root "$n1" --json state -m generic-mirror | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')
run kill -9 "$agent_pid"
on node2 waitstate ALONE -m generic-mirror --timeout 15
run curl -s http://127.0.0.1:18080/
on node1 state -v
on node1 start -m generic-mirror
on node2 waitstate PRIM -m generic-mirror --timeout 15

say "Checkers: kill the web server on the primary (node2); tcp.web goes down, rule t_web restarts it there"
run kill "$(cat "$n2/lib/var/modules/generic-mirror/app.pid")"
sleep 4
on node2 waitstate PRIM -m generic-mirror --timeout 15
run curl -s http://127.0.0.1:18080/
on node2 log -m generic-mirror -s 200 | grep -E "tcp.web|t_web" | tail -4 || true
on node2 errd list -m generic-mirror

say "Failover rules: a script says the application on node2 is sick; rule app_sick (wait) holds node2, node1 takes over"
on node2 set -r custom.app -v down -m generic-mirror
on node1 waitstate ALONE -m generic-mirror --timeout 15
on node2 waitstate WAIT -m generic-mirror --timeout 15
on node2 state -v
say "The script says it is well again: node2 is released and rejoins as SECOND"
on node2 set -r custom.app -v up -m generic-mirror
on node2 waitstate SECOND -m generic-mirror --timeout 15
on node1 waitstate PRIM -m generic-mirror --timeout 15

say "failover off: node1 (primary) stops, node2 waits instead of taking over; prim promotes it"
on node2 failover off -m generic-mirror
on node1 stop -m generic-mirror
on node2 waitstate WAIT -m generic-mirror --timeout 10
on node2 state -v
on node2 prim -m generic-mirror
on node1 start -m generic-mirror
on node1 waitstate SECOND -m generic-mirror --timeout 15

say "What node2's module log says (what the administrator reads)"
on node2 log -m generic-mirror -s 25

say "Stop both; the daemons stop with the demo"
on node2 stop -m generic-mirror
on node1 stop -m generic-mirror
echo
echo "Demo done. Next in the demo: replicated directories and the virtual IP on network namespaces (issues 4 and 5)."
