#!/usr/bin/env bash
# Installs every Debian package that haven's build, tests and demo need.
# Idempotent: packages already present are left alone, and apt is asked only when one is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libboost-filesystem-dev libboost-system-dev
  liblua5.4-dev
  libspdlog-dev libfmt-dev
  catch2 libcli11-dev nlohmann-json3-dev
  libarchive-dev libarchive-tools zip unzip
  libfuse3-dev fuse3
  libssl-dev
  libnftables-dev libmnl-dev
  libxxhash-dev
  freetds-dev  # checker-tds: the SQL Server login check (FreeTDS ct-lib)
  libsystemd-dev  # log lines also go to the journal (core/common/journal_sink.cpp)
  iproute2 procps psmisc util-linux python3 curl rsync
  nftables iputils-ping keepalived
  haproxy  # bench_farm: HAProxy as the director the farm is compared with
  apache2  # the apache_farm module's tests run Debian's apache2 for real
  postgresql libpq-dev  # app-postgresql (libpq) and the PostgreSQL module's tests, pgbench
  mariadb-server libmariadb-dev sysbench  # app-mysql (Connector/C), the MariaDB module's tests, bench/mysql
  firebird3.0-server firebird-dev  # app-firebird (libfbclient), the Firebird module's tests (the plugin runs its own server, never firebird3.0.service)
  clang libclang-rt-14-dev
  clang-tools  # clang-query: the configuration report test (config_report_matches_consumption)
  dpkg-dev help2man debootstrap  # scripts/build-deb.sh (dpkg-shlibdeps, man pages) and tests/packaging (a Debian 12 root)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run this script as root (or with sudo) to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
