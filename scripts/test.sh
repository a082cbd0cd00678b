#!/usr/bin/env bash
# Sets up everything and runs every test: installs the dependencies, builds, runs CTest
# (unit, plugin loading, integration). Run as root on Debian.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"

"$here/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j2 "$@"
