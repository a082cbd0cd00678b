#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan, UBSan) in build-fuzz and runs them.
#
#   scripts/fuzz.sh [SECONDS]          every target for SECONDS each (default 60) on its corpus
#   scripts/fuzz.sh --regression       every target over its seed corpus, then a few thousand
#                                      fresh inputs from a fixed seed (seconds each; for CI)
#   scripts/fuzz.sh [SECONDS] TARGET…  only the named targets (fuzz_user_config, …)
#
# Fails (exit 1) when any target crashes; the input is kept in build-fuzz/fuzz/crashes/ and
# the command to replay it is printed. See docs/fuzzing.md.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$here/build-fuzz}"
jobs="${FUZZ_BUILD_JOBS:-2}"

mode=timed
seconds=60
if [ "${1:-}" = "--regression" ]; then
  mode=regression; shift
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds="$1"; shift
fi
wanted=("$@")

if [ "$(id -u)" -eq 0 ]; then
  "$here/scripts/install-deps.sh"
else
  "$here/scripts/install-deps.sh" || echo "fuzz: continuing; install-deps needs root to add packages" >&2
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DHAVEN_FUZZ=ON -DHAVEN_BUILD_TESTS=OFF
fi
ninja -C "$build" -j"$jobs" haven_fuzzers

if [ "$mode" = regression ]; then
  filter=()
  if [ ${#wanted[@]} -gt 0 ]; then
    filter=(-R "^($(IFS='|'; echo "${wanted[*]}"))_regression\$")
  fi
  cd "$build" && exec ctest -L fuzz --output-on-failure "${filter[@]}"
fi

bin="$build/fuzz"
targets=()
if [ ${#wanted[@]} -gt 0 ]; then
  targets=("${wanted[@]}")
else
  for f in "$bin"/fuzz_*; do
    [ -x "$f" ] && [ -f "$f" ] && targets+=("$(basename "$f")")
  done
fi

mkdir -p "$bin/crashes"
failed=()
for t in "${targets[@]}"; do
  seeds="$here/tests/fuzz/corpus/$t"
  work="$bin/corpus/$t"      # what libFuzzer learns goes here, never into the seed corpus
  mkdir -p "$work"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$bin/crashes/$t-")
  [ -f "$bin/$t.dict" ] && args+=(-dict="$bin/$t.dict")
  echo "fuzz: $t for ${seconds}s (seeds: $seeds)"
  if ! "$bin/$t" "${args[@]}" "$work" "$seeds" >"$bin/$t.log" 2>&1; then
    failed+=("$t")
    echo "fuzz: $t CRASHED; log: $bin/$t.log" >&2
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*fuzz property violated|artifact_prefix=)" "$bin/$t.log" >&2 || true
    echo "fuzz: replay with: $bin/$t <the crash file above>" >&2
  else
    grep -E "^(stat::number_of_executed_units|#[0-9]+ *DONE)" "$bin/$t.log" | tail -2 || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a crash"
