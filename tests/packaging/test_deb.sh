#!/usr/bin/env bash
# The Debian packages on a fresh Debian 12: builds haven_*.deb and haven-dev_*.deb
# (scripts/build-deb.sh), debootstraps bookworm into a temporary folder, installs haven there
# with apt (its dependencies resolved from Debian's archive) and checks what a new node gets:
# the programs, the plugins they load, the group haven, a unit that systemd-analyze verifies
# and that is neither enabled nor started, man pages, bash completion, a shipped module
# installed and checked, a havend that serves its socket; then that the SDK package builds the
# example plugin, which the installed haven loads; last that a purge leaves no unit, no group
# haven and none of haven's configuration or state.
#
# Slow (downloads a Debian root, about 100 MB, and builds a release): runs only with
# HAVEN_TEST_DEB=1, as root; otherwise exits 77, which CTest reports as skipped.
#   HAVEN_SOURCE_DIR   the source tree (default: two folders up from this script)
#   HAVEN_DEB_DIR      test these .deb files instead of building them
#   HAVEN_DEB_MIRROR   the Debian mirror (default: http://deb.debian.org/debian)
#   HAVEN_DEB_BASE     copy this debootstrapped bookworm root instead of making one (to iterate
#                      on this test; it must not have haven installed)
set -euo pipefail

if [ "${HAVEN_TEST_DEB:-}" != 1 ]; then
  echo "SKIPPED: set HAVEN_TEST_DEB=1 to build the packages and install them on a debootstrapped Debian 12"
  exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: needs root (debootstrap, chroot)"
  exit 77
fi

src="${HAVEN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
mirror="${HAVEN_DEB_MIRROR:-http://deb.debian.org/debian}"
started=$SECONDS
work="$(mktemp -d /var/tmp/haven-deb-test.XXXXXX)"
root="$work/root"
havend_pid=""

cleanup() {
  if [ -n "$havend_pid" ] && kill -0 "$havend_pid" 2>/dev/null; then
    kill -KILL "$havend_pid" 2>/dev/null || true
  fi
  for mount in "$root/proc" "$root/dev/pts"; do
    if mountpoint -q "$mount" 2>/dev/null; then umount -l "$mount" || true; fi
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo "== $* ($((SECONDS - started)) s)"; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
  local what="$1"
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# ------------------------------------------------------------------ the packages
if [ -n "${HAVEN_DEB_DIR:-}" ]; then
  debs="$(cd "$HAVEN_DEB_DIR" && pwd)"
else
  step "building the packages (scripts/build-deb.sh)"
  OUT_DIR="$work/debs" "$src/scripts/build-deb.sh"
  debs="$work/debs"
fi
haven_deb="$(ls "$debs"/haven_*_"$(dpkg --print-architecture)".deb)"
dev_deb="$(ls "$debs"/haven-dev_*_all.deb)"
version="$(dpkg-deb -f "$haven_deb" Version)"
echo "testing $haven_deb and $dev_deb"

# ------------------------------------------------------------------ a fresh Debian 12
if [ -n "${HAVEN_DEB_BASE:-}" ]; then
  step "copying the Debian 12 root $HAVEN_DEB_BASE"
  cp -a "$HAVEN_DEB_BASE" "$root"
else
  step "debootstrap bookworm (minbase, with systemd for systemd-analyze) from $mirror"
  debootstrap --variant=minbase --include=systemd bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; echo "FAIL: debootstrap bookworm from $mirror"; exit 1; }
fi
mount -t proc proc "$root/proc"
mkdir -p "$root/tmp/debs"
cp "$haven_deb" "$dev_deb" "$root/tmp/debs/"
check "haven is not installed in the fresh root" bash -c "! chroot '$root' dpkg-query -W haven >/dev/null 2>&1"
check "there is no group haven in the fresh root" bash -c "! chroot '$root' getent group haven >/dev/null"

step "apt install ./$(basename "$haven_deb") (dependencies from $mirror)"
in_root apt-get update -qq > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update in the Debian 12 root"; exit 1; }
if in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
     "/tmp/debs/$(basename "$haven_deb")" > "$work/apt.log" 2>&1; then
  pass "apt installs haven $version and the libraries it needs: $(grep -c '^Setting up' "$work/apt.log") packages set up"
else
  cat "$work/apt.log"
  fail "apt install of $(basename "$haven_deb")"
  exit 1
fi

# ------------------------------------------------------------------ what a new node gets
step "the installed programs"
out="$(in_root haven --version 2>&1 || true)"
check "haven --version says 'haven $version' (got '$out')" test "$out" = "haven $version"
out="$(in_root safekit --version 2>&1 || true)"
check "safekit --version answers as haven (got '$out')" test "$out" = "haven $version"
out="$(in_root haven plugins list 2>&1 || true)"
for plugin in haven.behaviour.mirror haven.behaviour.farm haven.script.lua haven.checker.tcp; do
  check "haven plugins list loads $plugin from /usr/lib/haven/plugins" grep -q "^$plugin " <<<"$out"
done
gid="$(in_root getent group haven | cut -d: -f3 || true)"
check "postinst made the system group haven (gid '$gid' below 1000)" test -n "$gid" -a "${gid:-1000}" -lt 1000

step "the systemd unit"
unit="$root/lib/systemd/system/havend.service"
check "the unit is at /lib/systemd/system/havend.service" test -f "$unit"
for line in ExecStart=/usr/bin/havend After=network-online.target Wants=network-online.target \
            Restart=on-failure KillMode=process WantedBy=multi-user.target; do
  check "the unit says $line" grep -qx "$line" "$unit"
done
# man-db, as on most servers: systemd-analyze verify runs man for the unit's man:havend(8).
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends man-db > "$work/apt-man.log" 2>&1 ||
  { cat "$work/apt-man.log"; fail "apt install man-db"; }
if in_root systemd-analyze verify /lib/systemd/system/havend.service > "$work/verify.log" 2>&1; then
  if grep -i havend "$work/verify.log"; then
    fail "systemd-analyze verify havend.service exits 0 but warns about it (above)"
  else
    pass "systemd-analyze verify havend.service: clean"
  fi
else
  cat "$work/verify.log"
  fail "systemd-analyze verify havend.service"
fi
check "the unit is not enabled by the install" \
  test -z "$(find "$root/etc/systemd/system" -name havend.service 2>/dev/null)"

step "man pages and completion"
for page in man1/haven.1.gz man1/safekit.1.gz man8/havend.8.gz man8/haven-agent.8.gz man8/haven-hook.8.gz; do
  check "man page /usr/share/man/$page" bash -c "zcat '$root/usr/share/man/$page' | grep -q '^\.SH OPTIONS'"
done
complete_words() {  # words...: what bash completion offers for the last word
  # shellcheck disable=SC2016  # expanded by the bash inside the root
  in_root bash -c 'source /usr/share/bash-completion/completions/haven
                   COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _haven; echo "${COMPREPLY[*]}"' _ "$@"
}
out="$(complete_words haven modu)"
check "bash completion: 'haven modu' -> module (got '$out')" test "$out" = module
out="$(complete_words haven module "")"
check "bash completion: 'haven module ' -> its subcommands (got '$out')" grep -qw uninstall <<<"$out"

step "a shipped module, installed and checked"
check "haven module install generic-mirror.safe --root /tmp/node1" \
  in_root haven --root /tmp/node1 module install /usr/share/haven/modules/generic-mirror.safe
if out="$(in_root haven --root /tmp/node1 config check -m generic-mirror 2>&1)"; then
  check "haven config check -m generic-mirror: no error ($(tail -1 <<<"$out"))" grep -q ': 0 errors' <<<"$out"
else
  echo "$out"
  fail "haven config check -m generic-mirror"
fi
out="$(complete_words haven --root /tmp/node1 state -m "")"
check "bash completion: 'haven state -m ' -> the installed module (got '$out')" test "$out" = generic-mirror
check "haven module install farm.safe on the system folders (/var/lib/haven)" \
  in_root haven module install /usr/share/haven/modules/farm.safe
check "haven cluster genkey writes /etc/haven/cluster.key" \
  bash -c "chroot '$root' haven cluster genkey >/dev/null && test -s '$root/etc/haven/cluster.key'"

# havend from the package serves its socket. In a network namespace of its own (unshare: no
# interface but a loopback that is down) so that nothing it binds reaches this machine's network;
# --kill-child: havend dies with unshare if this test is interrupted.
unshare --net --fork --kill-child chroot "$root" /usr/bin/havend --root /tmp/node1 > "$work/havend.out" 2>&1 &
unshare_pid=$!
pid_file="$root/tmp/node1/run/havend.pid"
for _ in $(seq 100); do
  [ -S "$root/tmp/node1/run/havend.sock" ] && [ -s "$pid_file" ] && break
  sleep 0.1
done
havend_pid="$(cat "$pid_file" 2>/dev/null || true)"
if out="$(in_root haven --root /tmp/node1 state 2>&1)"; then
  check "havend serves haven state (generic-mirror STOP)" grep -q "generic-mirror.*STOP" <<<"$out"
else
  echo "$out"
  cat "$work/havend.out" "$root/tmp/node1/log/havend.log" 2>/dev/null || true
  fail "haven state through the packaged havend"
fi
if [ -n "$havend_pid" ]; then
  kill -TERM "$havend_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$havend_pid" 2>/dev/null || break; sleep 0.1; done
  check "havend exits on SIGTERM and logs it" \
    bash -c "! kill -0 $havend_pid 2>/dev/null && grep -q 'havend stopped' '$root/tmp/node1/log/havend.log'"
else
  fail "havend wrote no pid file at /tmp/node1/run/havend.pid"
fi
wait "$unshare_pid" 2>/dev/null || true
havend_pid=""

# ------------------------------------------------------------------ the SDK package
step "haven-dev: the example plugin built against the package, loaded by the installed haven"
if in_root apt-get install --simulate "/tmp/debs/$(basename "$dev_deb")" > "$work/apt-dev.log" 2>&1; then
  pass "apt resolves haven-dev's dependencies ($(grep -c '^Inst' "$work/apt-dev.log") packages)"
else
  cat "$work/apt-dev.log"
  fail "apt install --simulate haven-dev"
fi
sdk="$work/sdk"
dpkg-deb -x "$dev_deb" "$sdk"
example="$sdk/usr/share/doc/haven-dev/examples/checker-example"
if cmake -S "$example" -B "$work/example-build" -G Ninja -DCMAKE_PREFIX_PATH="$sdk/usr" \
     -DCMAKE_BUILD_TYPE=Release > "$work/example.log" 2>&1 &&
   cmake --build "$work/example-build" >> "$work/example.log" 2>&1; then
  pass "the example checker builds against haven-dev's headers and CMake package (share/cmake/haven-sdk)"
  install -d -m 0755 "$root/usr/local/lib/haven-example"
  install -m 0644 "$(find "$work/example-build" -name '*.so' | head -1)" "$root/usr/local/lib/haven-example/"
  out="$(in_root env HAVEN_PLUGIN_PATH=/usr/local/lib/haven-example haven plugins list 2>&1 || true)"
  check "the installed haven loads the example plugin (example.checker.file)" grep -q "^example.checker.file " <<<"$out"
else
  cat "$work/example.log"
  fail "the example checker against haven-dev"
fi

# ------------------------------------------------------------------ purge
step "enabled by the administrator, installed again, removed, purged"
check "systemctl enable havend (offline, in the root): the administrator's choice, before the purge" \
  bash -c "chroot '$root' systemctl enable havend.service >/dev/null 2>&1 &&
           test -L '$root/etc/systemd/system/multi-user.target.wants/havend.service'"
wants="$root/etc/systemd/system/multi-user.target.wants/havend.service"
if in_root dpkg -i "/tmp/debs/$(basename "$haven_deb")" > "$work/reinstall.log" 2>&1; then
  check "installed again over itself (as an upgrade is), the unit stays enabled" test -L "$wants"
else
  cat "$work/reinstall.log"
  fail "dpkg -i over the installed haven"
fi
if in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y haven > "$work/remove.log" 2>&1; then
  check "apt remove haven removes the unit file" test ! -e "$root/lib/systemd/system/havend.service"
  check "apt remove haven keeps the configuration (/etc/haven/cluster.key) and the group haven" \
    bash -c "test -s '$root/etc/haven/cluster.key' && chroot '$root' getent group haven >/dev/null"
else
  cat "$work/remove.log"
  fail "apt remove haven"
fi
if in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y haven > "$work/purge.log" 2>&1; then
  pass "apt purge haven"
else
  cat "$work/purge.log"
  fail "apt purge haven"
fi
check "haven is no longer known to dpkg" bash -c "! chroot '$root' dpkg-query -W haven >/dev/null 2>&1"
check "no havend unit file is left" test ! -e "$root/lib/systemd/system/havend.service"
left="$(find "$root/etc/systemd" "$root/lib/systemd" "$root/var/lib/systemd" -name 'havend*' 2>/dev/null || true)"
check "no link or state of havend.service is left (found: '${left//$'\n'/ }')" test -z "$left"
check "no group haven is left" bash -c "! chroot '$root' getent group haven >/dev/null"
for dir in /etc/haven /var/lib/haven /var/log/haven /usr/lib/haven /usr/share/haven; do
  check "$dir is gone" test ! -e "$root$dir"
done

echo "test_deb: $failures failure(s) in $((SECONDS - started)) s"
[ "$failures" -eq 0 ]
