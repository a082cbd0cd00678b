#!/usr/bin/env bash
# The farm part of the haven demo (scripts/demo.sh runs it last; after a build it also runs
# alone). A farm module runs one web server on three nodes behind ONE virtual IP held by every
# node; nftables on each node keeps only its share of the clients (256 buckets by source
# address). A farm needs real interfaces (the VIP on every node, ARP), so the nodes are network
# namespaces built by haven-netns (docs/testing-cluster.md): node1..node3 at 198.51.100.1-3, a
# client host at 198.51.100.101-.112, nothing added to the root namespace. It shows the load
# shared, each client staying on its node, a node killed (its clients served by the two others)
# and the node back (the clients spread over three again). Everything (namespaces, processes,
# temporary folders) is removed at the end and on Ctrl-C. Needs root; without root or network
# namespaces it says why and skips, exit code 0.
#   BUILD_DIR (default: build)   where haven was built
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
export PATH="$build/bin:$PATH"
unset HAVEN_ROOT SAFEMODULE HAVEN_PLUGIN_PATH

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
skip() {
  say "The farm part of the demo is skipped: $*"
  exit 0
}

for program in haven havend haven-agent haven-netns; do
  if [ ! -x "$build/bin/$program" ]; then
    echo "demo-farm: $build/bin/$program is missing: build haven first (./scripts/build.sh, or BUILD_DIR=<your build folder>)" >&2
    exit 1
  fi
done
[ "$(id -u)" -eq 0 ] || skip "it needs root (network namespaces, addresses, nftables); run it as root"
for tool in ip nft curl python3 unshare; do
  command -v "$tool" >/dev/null || skip "'$tool' is not installed (scripts/install-deps.sh installs it)"
done
unshare --net true 2>/dev/null || skip "this machine refuses to create network namespaces (unshare --net failed)"
unshare --net nft add table inet haven_probe 2>/dev/null ||
  skip "nftables does not work in a network namespace here (nft add table failed)"

cluster="hfarm-$$"                      # haven-netns cluster name: [a-z0-9-], up to 16
module=webfarm
vip=198.51.100.50                       # lan1's first spare address (docs/testing-cluster.md)
nodes=(node1 node2 node3)
clients=()
for i in $(seq 101 112); do clients+=("198.51.100.$i"); done   # client1's own address, then 11 more
top="$(mktemp -d /tmp/haven-farm.XXXXXX)"
declare -A havend_pid=()
cluster_up=no

# The script's own output, kept for the clean-up: a signal can come while a function's output
# goes to a file, and the trap would write there.
exec 3>&1 4>&2
cleanup() {
  # shellcheck disable=SC2320  # the status the script exits with: the trap's first word
  local rc=$?
  trap - EXIT INT TERM HUP
  set +e
  exec 1>&3 2>&4
  say "Farm clean-up: the node daemons stop, the namespaces of cluster $cluster and the folder $top go"
  for n in "${!havend_pid[@]}"; do kill "${havend_pid[$n]}" 2>/dev/null; done   # havend stops its modules
  for _ in $(seq 50); do
    alive=no
    for n in "${!havend_pid[@]}"; do kill -0 "${havend_pid[$n]}" 2>/dev/null && alive=yes; done
    [ "$alive" = no ] && break
    sleep 0.1
  done
  # Removes whatever still runs inside (SIGKILL), the VIPs and nftables tables with the namespaces.
  if [ "$cluster_up" = yes ] && ! haven-netns down --name "$cluster"; then
    echo "demo-farm: the namespaces of $cluster were not all removed: run 'haven-netns down --name $cluster'" >&2
  fi
  rm -rf "$top"
  echo "farm clean-up done"
  return "$rc"
}
interrupted() {
  local sig=$1
  exec 1>&3 2>&4
  echo
  echo "demo-farm: interrupted ($sig), cleaning up"
  cleanup
  trap - "$sig"
  kill -s "$sig" $$
}
trap cleanup EXIT
trap 'interrupted INT' INT
trap 'interrupted TERM' TERM
trap 'interrupted HUP' HUP

# run: show and run a command here; inside: show and run one inside a host; on: haven on a node.
run() { printf '\033[36m$ %s\033[0m\n' "$*"; "$@"; }
inside() { local host=$1; shift; printf '\033[36m[%s]$ %s\033[0m\n' "$host" "$*"; haven-netns exec "$cluster" "$host" -- "$@"; }
on() { local node=$1; shift; printf '\033[36m[%s]$ haven %s\033[0m\n' "$node" "$*"; haven-netns exec "$cluster" "$node" -- haven --root "$top/$node" "$@"; }
quiet_haven() { local node=$1; shift; haven-netns exec "$cluster" "$node" -- haven --root "$top/$node" "$@"; }

netns_of() {
  haven-netns list --name "$cluster" --json | python3 -c '
import json, sys
for c in json.load(sys.stdin)["clusters"]:
    for h in c["layout"]["hosts"]:
        if h["name"] == sys.argv[1]: print(h["netns"])' "$1"
}

start_havend() {
  local node=$1
  haven-netns exec "$cluster" "$node" -- havend --root "$top/$node" --node "$node" >>"$top/$node.havend.out" 2>&1 3>&- 4>&- &
  havend_pid[$node]=$!
  disown "$!"   # its kill -9 below is the demo's, not news for bash to report
}

# Waits (bounded) until the node's havend answers.
wait_havend() {
  local node=$1
  for _ in $(seq 150); do
    quiet_haven "$node" state >/dev/null 2>&1 && return 0
    kill -0 "${havend_pid[$node]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "demo-farm: havend of $node does not answer; its output ($top/$node.havend.out):" >&2
  tail -20 "$top/$node.havend.out" >&2
  return 1
}

# The buckets of the module's first group that a node serves (0 when none, or not answering).
owned() {
  quiet_haven "$1" --json state -m "$module" 2>/dev/null | python3 -c '
import json, sys
try:
    load = json.load(sys.stdin)[0].get("load") or [{}]
    print(load[0].get("owned", 0))
except Exception:
    print(0)' || true
}

# Waits (bounded, polling) until the nodes named serve all 256 buckets between them, each a share.
wait_deal() {
  local want=("$@") total shares
  for _ in $(seq 60); do
    total=0 shares=""
    for n in "${want[@]}"; do
      o=$(owned "$n")
      [ "$o" -gt 0 ] || { total=-1; break; }
      total=$((total + o)) shares="$shares $n:$o"
    done
    if [ "$total" -eq 256 ]; then
      echo "the 256 buckets are dealt:$shares"
      return 0
    fi
    sleep 0.3
  done
  echo "demo-farm: the load was not dealt over ${want[*]} within 18 s; node logs under $top" >&2
  for n in "${want[@]}"; do quiet_haven "$n" log -m "$module" -s 15 >&2 || true; done
  return 1
}

# One request from each client address to the VIP, twice over: prints "address first second",
# the node that served each (or "-" when none answered within 2 s).
fetch_from_clients() {
  # shellcheck disable=SC2016  # the script is for the client host's sh
  haven-netns exec "$cluster" client1 -- sh -c '
    vip=$1; shift
    for src in "$@"; do
      line=$src
      for try in 1 2; do
        page=$(curl -s --max-time 2 --interface "$src" "http://$vip/" || true)
        case $page in "served by "*) line="$line ${page#served by }" ;; *) line="$line -" ;; esac
      done
      echo "$line"
    done' sh "$vip" "${clients[@]}"
}

declare -A first_seen=()
# Fetches from every client and prints the table; $1: the nodes that should serve now.
# The answers of the first round are remembered, and later tables show them beside ($2: the
# heading of that column; $3 = same: each client must be back on that node).
client_table() {
  local expected=" $1 " label=${2:-} same=${3:-} bad=0
  printf '\033[36m[client1]$ for each of the %d client addresses, twice: curl --interface <address> http://%s/\033[0m\n' \
    "${#clients[@]}" "$vip"
  fetch_from_clients >"$top/answers"
  if [ -n "$label" ]; then printf '  %-16s %-10s %-10s %-10s\n' client "$label" "now" "again"
  else printf '  %-16s %-10s %-10s\n' client "served by" "again"; fi
  declare -A count=()
  while read -r src a b; do
    if [ -n "$label" ]; then printf '  %-16s %-10s %-10s %-10s' "$src" "${first_seen[$src]:-?}" "$a" "$b"
    else printf '  %-16s %-10s %-10s' "$src" "$a" "$b"; first_seen[$src]=$a; fi
    if [ "$a" = - ] || [ "$a" != "$b" ] || [[ "$expected" != *" $a "* ]] ||
       { [ "$same" = same ] && [ "$a" != "${first_seen[$src]:-}" ]; }; then
      printf '  <- unexpected'
      bad=1
    fi
    echo
    count[$a]=$(( ${count[$a]:-0} + 1 ))
  done <"$top/answers"
  printf '  clients per node:'
  for n in $(printf '%s\n' "${!count[@]}" | sort); do printf ' %s %s' "$n" "${count[$n]}"; done
  echo
  if [ "$bad" -ne 0 ]; then
    echo "demo-farm: some client was not served twice by the same one of: $1${same:+ (the node it had at first)}" >&2
    return 1
  fi
}

say "Farm: three node hosts and a client host, each a network namespace (haven-netns), one bridge between them"
run haven-netns up --name "$cluster" --nodes 3 --clients 1
cluster_up=yes
# More source addresses on the client host, to play 12 clients.
for src in "${clients[@]:1}"; do haven-netns exec "$cluster" client1 -- ip addr add "$src/25" dev eth0; done
inside client1 ip -br -4 addr show eth0

say "cluster.xml lists the three nodes; one cluster key shared; a havend in each node's namespace, its own --root"
for n in "${nodes[@]}"; do mkdir -p "$top/$n/etc"; done
cat >"$top/node1/etc/cluster.xml" <<'XML'
<cluster>
  <lans>
    <lan name="default">
      <node name="node1" addr="198.51.100.1"/>
      <node name="node2" addr="198.51.100.2"/>
      <node name="node3" addr="198.51.100.3"/>
    </lan>
  </lans>
</cluster>
XML
cat "$top/node1/etc/cluster.xml"
for n in node2 node3; do cp "$top/node1/etc/cluster.xml" "$top/$n/etc/cluster.xml"; done
for n in "${nodes[@]}"; do start_havend "$n"; done
for n in "${nodes[@]}"; do wait_havend "$n"; done
on node1 cluster genkey
for n in node2 node3; do cp -p "$top/node1/etc/cluster.key" "$top/$n/etc/cluster.key"; done

say "A farm module: the same web server on every node, one virtual IP ($vip) on all, clients dealt by source address"
mkdir -p "$top/$module/conf" "$top/$module/bin"
cat >"$top/$module/conf/userconfig.xml" <<XML
<!DOCTYPE safe>
<safe>
  <service mode="farm" maxloop="10" loop_interval="24h">
    <farm pulse="100ms" mlost_count="10" slost_count="5"><lan name="default"/></farm>
    <vip>
      <interface_list>
        <interface check="on">
          <virtual_interface type="vmac_invisible">
            <virtual_addr addr="$vip" where="alias"/>
          </virtual_interface>
        </interface>
      </interface_list>
      <loadbalancing_list>
        <group name="FarmProto">
          <cluster><host name="node1" power="1"/><host name="node2" power="1"/><host name="node3" power="1"/></cluster>
          <rule port="80" proto="tcp" filter="on_addr"/>
        </group>
      </loadbalancing_list>
    </vip>
    <user nicestoptimeout="5s" forcestoptimeout="5s"/>
  </service>
</safe>
XML
# start_both: a page naming the node, served by python3 on port 80 (every address: it starts
# before the VIP is set); returns once it answers. stop_both stops it.
cat >"$top/$module/bin/start_both.lua" <<'LUA'
local var = haven.env.SAFEUSERVAR
local www = var .. "/www"
haven.exec{ "mkdir", "-p", www }
local page = assert(io.open(www .. "/index.html", "w"))
page:write("served by " .. (haven.env.HAVEN_NODE or "?") .. "\n")
page:close()
local r = haven.exec{ "/bin/sh", "-c",
  ('/usr/bin/python3 -m http.server --bind 0.0.0.0 --directory "%s" 80 >"%s/http.log" 2>&1 & echo $! >"%s/http.pid"')
    :format(www, var, var), timeout = 10 }
if r.code ~= 0 then haven.printe("start_both: the web server did not start"); os.exit(1) end
if not haven.wait_tcp("127.0.0.1", 80, 15) then
  haven.printe("start_both: nothing answers on port 80 after 15 s; see " .. var .. "/http.log"); os.exit(1)
end
haven.printi("start_both: web server up on port 80")
LUA
cat >"$top/$module/bin/stop_both.lua" <<'LUA'
local first = ...
local pidfile = haven.env.SAFEUSERVAR .. "/http.pid"
local f = io.open(pidfile, "r")
if f then
  local pid = f:read("l")
  f:close()
  haven.exec{ "kill", first == "force" and "-KILL" or "-TERM", pid }
  if first == "force" then os.remove(pidfile) end
end
LUA
sed -n '/<farm/p;/<virtual_interface/,/<\/loadbalancing_list>/p' "$top/$module/conf/userconfig.xml"
(cd "$top/$module" && python3 -c 'import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
for d, _, fs in os.walk("."):
    for f in fs: z.write(os.path.join(d, f))' "$top/$module.safe")
for n in "${nodes[@]}"; do on "$n" module install -m "$module" "$top/$module.safe"; done

say "Start it on the three nodes: each becomes UP with a third of the load (farm membership over UDP, every 100 ms)"
for n in "${nodes[@]}"; do on "$n" start -m "$module" --no-wait; done
for n in "${nodes[@]}"; do on "$n" waitstate UP -m "$module" --timeout 30; done
wait_deal node1 node2 node3
for n in "${nodes[@]}"; do on "$n" state -m "$module" -v; done
say "The virtual IP is on every node; node1's nftables filter keeps its buckets only (set g0_mine)"
for n in "${nodes[@]}"; do inside "$n" ip -br -4 addr show eth0; done
printf '\033[36m[node1]$ nft list table inet haven_%s | head\033[0m\n' "$module"
haven-netns exec "$cluster" node1 -- nft list table inet "haven_$module" >"$top/nft.txt"
head -n 12 "$top/nft.txt" | cut -c1-110
echo "	... ($(wc -l <"$top/nft.txt") lines)"

say "12 clients fetch the virtual IP, each twice: every node serves its share, and a client stays on its node"
client_table "node1 node2 node3"

say "node3 dies: kill -9 of everything running in it (havend, agent, web server), and its cable pulled (a namespace's kernel outlives its processes: uncut, it would still hold the VIP)"
ns3=$(netns_of node3)
mapfile -t pids < <(ip netns pids "$ns3")
run ps -o pid=,comm= -p "$(IFS=,; echo "${pids[*]}")" || true
run kill -9 "${pids[@]}"
for _ in $(seq 20); do   # anything started meanwhile (a hook) goes too; bounded
  mapfile -t pids < <(ip netns pids "$ns3")
  [ "${#pids[@]}" -eq 0 ] && break
  kill -9 "${pids[@]}" 2>/dev/null || true
  sleep 0.05
done
unset 'havend_pid[node3]'
run haven-netns cut --name "$cluster" node3
wait_deal node1 node2
for n in node1 node2; do
  printf '\033[36m[%s]$ haven log -m %s | grep -E "farm (membership|load)" | tail -2\033[0m\n' "$n" "$module"
  quiet_haven "$n" log -m "$module" -s 400 | grep -E "farm (membership|load)" | tail -2
done
for n in node1 node2; do on "$n" state -m "$module"; done

say "The same clients now: all served by node1 and node2 (a node leaving moves mostly its own clients only)"
client_table "node1 node2" "before"

say "node3 comes back: havend restarted (it cleans up after the dead agent: VIP, filter, forced stop hooks), module started"
start_havend node3
wait_havend node3
printf '\033[36m[node3]$ haven log -m %s | grep "crash clean-up"\033[0m\n' "$module"
quiet_haven node3 log -m "$module" -s 400 | grep "crash clean-up" || true
on node3 start -m "$module"
say "Its cable still out, node3 hears nobody and serves the whole load, to nobody; plugged back, the load is dealt over three"
on node3 state -m "$module"
run haven-netns restore --name "$cluster" node3
wait_deal node1 node2 node3
for n in "${nodes[@]}"; do on "$n" state -m "$module"; done
printf '\033[36m[node1]$ haven log -m %s | grep -E "farm (membership|load)" | tail -2\033[0m\n' "$module"
quiet_haven node1 log -m "$module" -s 400 | grep -E "farm (membership|load)" | tail -2

say "The clients spread over the three nodes again, each back on the node it had at first (the deal depends on the members only)"
client_table "node1 node2 node3" "at first" same

echo
echo "Farm demo done."
