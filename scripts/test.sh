#!/usr/bin/env bash
# Sets up everything and runs every test: installs the dependencies, builds, replays the
# fuzz corpora (clang + libFuzzer, a few seconds), then runs CTest (unit, plugin loading,
# integration). Run as root on Debian. Extra arguments go to the main ctest run.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"

"$here/scripts/build.sh"
"$here/scripts/fuzz.sh" --regression
cd "$build"
ctest --output-on-failure -j2 "$@"
