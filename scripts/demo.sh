#!/usr/bin/env bash
# The haven demo: installs the dependencies, builds haven, then shows on this machine what
# haven does today with two nodes (node1 at 127.0.0.1, node2 at 127.0.0.2, each with its own
# havend and root folder): a module installed from a .safe archive, the first-start rule,
# Lua hooks starting a small web application on the primary, the pair over authenticated
# heartbeats, its data replicated synchronously (FUSE), a failover with the data, the old
# primary brought level, a process the stop hooks forgot fenced off, a swap, state as JSON, every node's state with -H, resources, a
# crashed agent cleaned up while the peer takes over, failover off, the logs, and a light module
# (one node, farm states) whose checker restarts it. Then demo-postgresql.sh: Debian's PostgreSQL
# on a mirror pair of network-namespace hosts, the primary killed -9 while a client commits, no
# acknowledged row lost; and demo-farm.sh: a three-node farm behind one virtual IP. Everything
# lives in temporary folders, removed at the end. Run as root on Debian.
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
  umount -l "$top/node1.data" "$top/node2.data" 2>/dev/null || true   # left only by a crash
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
# Both nodes share this machine, so each node's copy of the replicated folder APP_DATA must be
# a folder of its own: each gets the archive with its own APP_DATA (on real nodes, the same path).
for n in node1 node2; do
  mkdir -p "$top/$n.module"
  (cd "$top/$n.module" && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(".")' \
     "$build/share/haven/modules/generic-mirror.safe")
  sed -i "s|<macro name=\"APP_DATA\" value=\"[^\"]*\"/>|<macro name=\"APP_DATA\" value=\"$top/$n.data\"/>|" \
    "$top/$n.module/conf/userconfig.xml"
  (cd "$top/$n.module" && python3 -c 'import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
for d, _, fs in os.walk("."):
    for f in fs: z.write(os.path.join(d, f))' "$top/generic-mirror.$n.safe")
done
grep -n "APP_DATA\|replicated" "$top/node1.module/conf/userconfig.xml"
on node1 module install -m generic-mirror "$top/generic-mirror.node1.safe"
on node2 module install -m generic-mirror "$top/generic-mirror.node2.safe"
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

say "Replication: the application writes on the primary (node1); node2 has it before the write returns, read-only"
run sh -c "echo 'a note written on node1 at $(date +%T)' > '$top/node1.data/www/note.txt'"
run cat "$top/node2.data/www/note.txt"
run sh -c "echo 'try to write on the secondary' > '$top/node2.data/www/x.txt' || true"
on node1 state -m generic-mirror -v

say "Fencing: a process node1's stop hooks forget holds a file in the replicated folder and appends to it"
( exec 3>>"$top/node1.data/www/forgotten.log"
  while echo "line written at $(date +%T.%N)" >&3; do sleep 0.1; done
  echo "the forgotten writer stops: its write was refused at $(date +%T.%N)" ) >"$top/forgotten.out" 2>&1 &
forgotten=$!
sleep 0.5

say "Failover: node1 stops (stop_prim, poststop); node2 hears it and takes over at once, with the data"
on node1 stop -m generic-mirror
on node2 waitstate ALONE -m generic-mirror --timeout 10
say "Once node1 has left the primary role, the forgotten writer's next write fails (EROFS); node1's log names it"
wait "$forgotten" || true
run cat "$top/forgotten.out"
on node1 log -m generic-mirror | grep -E "processes still use|detached" | tail -2
run sh -c "tail -1 '$top/node1.data/www/forgotten.log'; echo 'node2 has:'; tail -1 '$top/node2.data/www/forgotten.log'"
run curl -s http://127.0.0.1:18080/
run curl -s http://127.0.0.1:18080/note.txt
run sh -c "echo 'written on node2 while node1 was away' >> '$top/node2.data/www/note.txt'"

say "node1 comes back: it rejoins as SECOND, brought level with what node2 wrote; then swap gives it the primary role back"
on node1 start -m generic-mirror
on node2 waitstate PRIM -m generic-mirror --timeout 10
run cat "$top/node1.data/www/note.txt"
on node2 swap -m generic-mirror
on node1 waitstate PRIM -m generic-mirror --timeout 20
sleep 0.5
on node1 state
on node2 state
run curl -s http://127.0.0.1:18080/

say "Are both copies equal? rfsverify hashes both trees; typed on the secondary (node2), it runs on the primary"
on node2 waitstate SECOND -m generic-mirror --timeout 20
on node2 rfsverify -m generic-mirror

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
run curl -s http://127.0.0.1:18080/note.txt
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

say "A light module on node1: one node, the farm's states (STOP, WAIT, UP); its checker restarts it in place"
mkdir -p "$top/solo.module/conf" "$top/solo.module/bin"
cat >"$top/solo.module/conf/userconfig.xml" <<'XML'
<!DOCTYPE safe>
<safe>
  <service mode="light">
    <user/>
    <check><custom ident="app" exec="watch.lua" action="restart"/></check>
    <failover period="100ms" handle_time="200ms"/>
  </service>
</safe>
XML
for hook in start_both stop_both; do
  printf 'haven.printi("%s " .. table.concat({...}, " "))\n' "$hook" >"$top/solo.module/bin/$hook.lua"
done
# The checker says the application is down once (it "crashed"), then up after the restart.
cat >"$top/solo.module/bin/watch.lua" <<'LUA'
local module, resource = ...
local flag = os.getenv("SAFEUSERVAR") .. "/seen"
local seen = io.open(flag, "r")
if seen then seen:close() else assert(io.open(flag, "w")):close() end
haven.exec{ "haven", "set", "-r", resource, "-v", seen and "up" or "down", "-m", module }
while true do haven.sleep(10) end
LUA
(cd "$top/solo.module" && python3 -c 'import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
for d, _, fs in os.walk("."):
    for f in fs: z.write(os.path.join(d, f))' "$top/solo.safe")
on node1 module install -m solo "$top/solo.safe"
on node1 start -m solo
on node1 waitstate UP -m solo --timeout 15
sleep 3
on node1 state -m solo -v
on node1 log -m solo -s 40 | grep -E "start_both|stop_both|c_app|Local state" | tail -8 || true
on node1 stop -m solo

say "Stop both; the daemons stop with the demo"
on node2 stop -m generic-mirror
on node1 stop -m generic-mirror
BUILD_DIR="$build" "$here/scripts/demo-postgresql.sh"   # PostgreSQL on a mirror pair of namespace hosts, kill -9 mid-stream
BUILD_DIR="$build" "$here/scripts/demo-farm.sh"   # a three-node farm on network namespaces (skipped without root)
echo
echo "Demo done. The mirror's failover on a virtual IP between namespace hosts runs in tests/cluster_failover (test_failover_netns)."
