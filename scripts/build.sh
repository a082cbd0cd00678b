#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds haven with CMake + Ninja.
#   BUILD_DIR (default: build)   where to build
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"

"$here/scripts/install-deps.sh"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHAVEN_WERROR=ON >/dev/null
ninja -C "$build"
