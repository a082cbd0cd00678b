#!/usr/bin/env bash
# The PostgreSQL part of the haven demo (scripts/demo.sh runs it; after a build it also runs
# alone). Debian's PostgreSQL on a mirror pair: the shipped postgresql.safe module, its data
# directory replicated synchronously, clients on a virtual IP. The nodes are network namespaces
# built by haven-netns (node1, node2 at 198.51.100.1-2, a client host at 198.51.100.101, nothing
# added to the root namespace); each node's havend also runs in a mount namespace of its own
# where the node's folder is mounted at one shared path, so that both use the same data path as
# two real servers would. It shows the cluster configuration given to the nodes (cluster config,
# a zip, -G), a client committing numbered rows one transaction at a time, node1 killed (kill -9
# of everything in it, its cable pulled) mid-stream, node2 taking over with every acknowledged
# row, node1 back as secondary and a swap. Everything is removed at the end and on Ctrl-C.
# Needs root; without root, namespaces or PostgreSQL it says why and skips, exit code 0.
#   BUILD_DIR (default: build)   where haven was built
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
export PATH="$build/bin:$PATH"
unset HAVEN_ROOT SAFEMODULE HAVEN_PLUGIN_PATH

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
skip() {
  say "The PostgreSQL part of the demo is skipped: $*"
  exit 0
}

for program in haven havend haven-agent haven-netns; do
  if [ ! -x "$build/bin/$program" ]; then
    echo "demo-postgresql: $build/bin/$program is missing: build haven first (./scripts/build.sh)" >&2
    exit 1
  fi
done
[ -f "$build/share/haven/modules/postgresql.safe" ] || { echo "demo-postgresql: postgresql.safe is not built" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "it needs root (network and mount namespaces, FUSE); run it as root"
for tool in ip psql python3 unshare; do
  command -v "$tool" >/dev/null || skip "'$tool' is not installed (scripts/install-deps.sh installs it)"
done
pg_version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
[ -n "$pg_version" ] && [ -x "/usr/lib/postgresql/$pg_version/bin/initdb" ] || skip "Debian's postgresql is not installed"
id postgres >/dev/null 2>&1 || skip "there is no postgres user (Debian's postgresql creates it)"
[ -e /dev/fuse ] || skip "there is no /dev/fuse"
unshare --net true 2>/dev/null || skip "this machine refuses to create network namespaces"

cluster="hpg-$$"
module=postgresql
vip=198.51.100.50
top="$(mktemp -d /tmp/haven-pg.XXXXXX)"
chmod 755 "$top"   # postgres walks through it to its data
shared="$top/db"   # empty here; node N's $top/nodeN.db is mounted there in node N's mount namespace
declare -A havend_pid=()
cluster_up=no
writer=""

exec 3>&1 4>&2
cleanup() {
  # shellcheck disable=SC2320
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  exec 1>&3 2>&4
  say "PostgreSQL clean-up: the node daemons stop (and PostgreSQL with them), the namespaces of $cluster and $top go"
  [ -n "$writer" ] && kill "$writer" 2>/dev/null
  for n in "${!havend_pid[@]}"; do kill "${havend_pid[$n]}" 2>/dev/null; done   # havend stops its modules
  for _ in $(seq 150); do
    alive=no
    for n in "${!havend_pid[@]}"; do kill -0 "${havend_pid[$n]}" 2>/dev/null && alive=yes; done
    [ "$alive" = no ] && break
    sleep 0.1
  done
  if [ "$cluster_up" = yes ] && ! haven-netns down --name "$cluster"; then
    echo "demo-postgresql: the namespaces of $cluster were not all removed: run 'haven-netns down --name $cluster'" >&2
  fi
  rm -rf "$top"
  echo "PostgreSQL clean-up done"
  return "$rc"
}
interrupted() {
  local sig=$1
  exec 1>&3 2>&4
  echo
  echo "demo-postgresql: interrupted ($sig), cleaning up"
  cleanup
  trap - "$sig"
  kill -s "$sig" $$
}
trap cleanup EXIT
trap 'interrupted INT' INT
trap 'interrupted TERM' TERM
trap 'interrupted HUP' HUP

run() { printf '\033[36m$ %s\033[0m\n' "$*"; "$@"; }
on() { local node=$1; shift; printf '\033[36m[%s]$ haven %s\033[0m\n' "$node" "$*"; haven-netns exec "$cluster" "$node" -- haven --root "$top/$node" "$@"; }
quiet_haven() { local node=$1; shift; haven-netns exec "$cluster" "$node" -- haven --root "$top/$node" "$@"; }
# One SQL statement from the client host through the virtual IP.
sql() { haven-netns exec "$cluster" client1 -- psql -X -q -t -A -h "$vip" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$1"; }
client_sql() { printf '\033[36m[client1]$ psql -h %s -c "%s"\033[0m\n' "$vip" "$1"; sql "$1"; }

start_havend() {
  local node=$1
  # A mount namespace of its own, where the node's folder is the shared path: the agent, its
  # replication mount and PostgreSQL see it there; it goes with the node's processes.
  haven-netns exec "$cluster" "$node" -- unshare -m --propagation private /bin/sh -c \
    'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$top/$node.db" "$shared" \
    havend --root "$top/$node" --node "$node" >>"$top/$node.havend.out" 2>&1 3>&- 4>&- &
  havend_pid[$node]=$!
  disown "$!"
}

wait_havend() {
  local node=$1
  for _ in $(seq 150); do
    quiet_haven "$node" state >/dev/null 2>&1 && return 0
    kill -0 "${havend_pid[$node]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo-postgresql: havend of $node does not answer; its output ($top/$node.havend.out):" >&2
  tail -20 "$top/$node.havend.out" >&2
  return 1
}

netns_of() {
  haven-netns list --name "$cluster" --json | python3 -c '
import json, sys
for c in json.load(sys.stdin)["clusters"]:
    for h in c["layout"]["hosts"]:
        if h["name"] == sys.argv[1]: print(h["netns"])' "$1"
}

say "PostgreSQL on a mirror pair: two node hosts and a client host, each a network namespace (haven-netns)"
run haven-netns up --name "$cluster" --nodes 2 --clients 1
cluster_up=yes

say "The cluster configuration: node1 checks and installs cluster.xml (a key is made), node2 gets both in one zip"
mkdir -p "$top/node1/etc" "$top/node2/etc" "$shared"
cat >"$top/cluster.xml" <<'XML'
<cluster>
  <lans>
    <lan name="default">
      <node name="node1" addr="198.51.100.1"/>
      <node name="node2" addr="198.51.100.2"/>
    </lan>
  </lans>
</cluster>
XML
on node1 cluster config "$top/cluster.xml" --node node1
run zip -q -j "$top/cluster.zip" "$top/node1/etc/cluster.xml" "$top/node1/etc/cluster.key"
on node2 cluster config "$top/cluster.zip" --node node2

say "The data: node1 holds a new PostgreSQL $pg_version cluster (initdb), node2 an empty folder; both reach it at $shared/data"
install -d -o postgres -g postgres -m 755 "$top/node1.db" "$top/node2.db"
install -d -o postgres -g postgres -m 700 "$top/node2.db/data"
printf '\033[36m$ runuser -u postgres -- initdb -D %s --auth=trust\033[0m\n' "$top/node1.db/data"
runuser -u postgres -- "/usr/lib/postgresql/$pg_version/bin/initdb" -D "$top/node1.db/data" --auth=trust -U postgres \
  -E UTF8 >"$top/initdb.out"
echo "host all all 198.51.100.0/24 trust" >>"$top/node1.db/data/pg_hba.conf"

say "A havend in each node's namespaces; cluster state compares the nodes' configuration and key"
for n in node1 node2; do start_havend "$n"; done
for n in node1 node2; do wait_havend "$n"; done
on node1 cluster state

say "The shipped postgresql.safe: a template whose placeholders config check names; filled in, installed on both nodes"
mkdir -p "$top/module"
(cd "$top/module" && python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(".")' \
   "$build/share/haven/modules/postgresql.safe")
run haven config check "$build/share/haven/modules/postgresql.safe" | grep -E "placeholder|TO_BE_DEFINED" | head -3 || true
sed -i -e "s|\"VIRTUAL_TO_BE_DEFINED\"|\"$vip\"|" -e "s|\"VERSION_TO_BE_DEFINED\"|\"$pg_version\"|" \
  -e "s|\"/DATA_DIR_TO_BE_DEFINED\"|\"$shared/data\"|" \
  -e "s|name=\"PG_SOCKET_DIR\" value=\"[^\"]*\"|name=\"PG_SOCKET_DIR\" value=\"$shared/run\"|" "$top/module/conf/userconfig.xml"
grep -E '<macro' "$top/module/conf/userconfig.xml"
(cd "$top/module" && python3 -c 'import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
for d, _, fs in os.walk("."):
    for f in fs: z.write(os.path.join(d, f))' "$top/postgresql.safe")
for n in node1 node2; do on "$n" module install -m "$module" "$top/postgresql.safe"; done

say "node1's data is the good copy (prim); node2 joins as secondary and receives all of it"
on node1 prim -m "$module"
on node2 start -m "$module"
on node1 waitstate PRIM -m "$module" --timeout 120
on node2 waitstate SECOND -m "$module" --timeout 120
on node1 state -m "$module" -v
client_sql "CREATE TABLE acked (n bigint PRIMARY KEY, at timestamptz DEFAULT now())"
client_sql "SELECT version()"

say "A client commits numbered rows through $vip, one transaction each, and notes each one acknowledged"
: >"$top/acked"
# shellcheck disable=SC2016
haven-netns exec "$cluster" client1 -- sh -c '
  vip=$1 acked=$2 i=1
  while [ "$i" -le 100000 ]; do
    if psql -X -q -h "$vip" -U postgres -d postgres -c "INSERT INTO acked (n) VALUES ($i)" >/dev/null 2>&1 \
         -v ON_ERROR_STOP=1 "connect_timeout=2"; then
      echo "$i" >>"$acked"; i=$((i + 1))
    else
      sleep 0.2   # the database is away (failover): try the same row again
    fi
  done' sh "$vip" "$top/acked" &
writer=$!
sleep 4
echo "acknowledged so far: $(wc -l <"$top/acked") rows"

say "node1 dies mid-stream: kill -9 of everything in it (havend, agent, PostgreSQL) and its cable pulled"
ns1=$(netns_of node1)
mapfile -t pids < <(ip netns pids "$ns1")
run kill -9 "${pids[@]}"
for _ in $(seq 20); do
  mapfile -t pids < <(ip netns pids "$ns1")
  [ "${#pids[@]}" -eq 0 ] && break
  kill -9 "${pids[@]}" 2>/dev/null || true
  sleep 0.05
done
unset 'havend_pid[node1]'
run haven-netns cut --name "$cluster" node1
before=$(wc -l <"$top/acked")
echo "acknowledged when node1 died: $before rows"
on node2 waitstate ALONE -m "$module" --timeout 60
for _ in $(seq 100); do [ "$(wc -l <"$top/acked")" -gt $((before + 20)) ] && break; sleep 0.2; done
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
writer=""
acked=$(wc -l <"$top/acked")
echo "the client went on through the same address: $acked rows acknowledged in all, $((acked - before)) after the failover"

say "Every acknowledged row is on node2"
sql "SELECT n FROM acked ORDER BY n" >"$top/present"
missing=$(sort -n "$top/acked" | comm -23 - <(sort -n "$top/present") | wc -l)
printf '\033[36m[client1]$ psql -h %s -c "SELECT count(*), max(n) FROM acked"\033[0m\n' "$vip"
sql "SELECT count(*) || ' rows, the last ' || max(n) FROM acked"
if [ "$missing" -ne 0 ]; then
  echo "demo-postgresql: $missing acknowledged rows are missing on node2" >&2
  exit 1
fi
echo "acknowledged rows missing: 0"
on node2 state -m "$module" -v

say "node1 comes back (havend restarted, cable plugged): it rejoins as SECOND and is brought level; a swap gives it the primary role"
run haven-netns restore --name "$cluster" node1
start_havend node1
wait_havend node1
on node1 start -m "$module"
on node1 waitstate SECOND -m "$module" --timeout 120
on node2 swap -m "$module"
on node1 waitstate PRIM -m "$module" --timeout 120
on node2 waitstate SECOND -m "$module" --timeout 120
client_sql "SELECT count(*) || ' rows on node1 again' FROM acked"
on node1 state -m "$module"
on node2 state -m "$module"

echo
echo "PostgreSQL demo done."
