#!/usr/bin/env bash
# Every test: set up and build, then unit tests (gtest via ctest), lit tests
# (diagnostics, CLI, golden IR, examples, bad input), the libFuzzer target for
# a short run, and the suite again under AddressSanitizer + UBSan.
#
#   MLPC_QUICK=1 bash scripts/test.sh   # skip the fuzzer and sanitizer builds
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase's heading says how long the suite has run, for finding slow phases.
phase() { echo "==> $1 (at $((SECONDS / 60)) min $((SECONDS % 60)) s)"; }
# One step at a time runs in the background, its output kept in a file:
# start_background CMD...; ...; finish_background WHAT shows the output, and
# stops the suite ("error: could not WHAT") if the step failed.
start_background() {
  bg_log=$(mktemp)
  "$@" >"$bg_log" 2>&1 &
  bg_pid=$!
  trap 'kill "$bg_pid" 2>/dev/null || true; rm -f "$bg_log"' EXIT
}
finish_background() {
  if ! wait "$bg_pid"; then
    cat "$bg_log" >&2
    echo "error: could not $1 (above)" >&2
    exit 1
  fi
  trap - EXIT
  cat "$bg_log"
  rm -f "$bg_log"
}
# Debian packages and the test tools first. The interop tests' environments
# (mostly downloads) are then made while mlpc compiles: TFX with TensorFlow
# and TensorFlow Transform (test/lit/tfx, test/interop/tft and tfrecord), and
# Apache Beam (test/lit/dataflow).
MLPC_NO_BUILD=1 bash scripts/setup.sh
start_background bash -c "bash scripts/setup-venv.sh tfx && bash scripts/setup-venv.sh beam"
bash scripts/setup.sh
finish_background "create the interop tests' environments"
export PATH="$PWD/.venv/bin:$PATH"

phase "unit tests"
ctest --test-dir build --output-on-failure -j2

phase "lit tests"
lit -sv --time-tests test/lit --param mlpc_build=build

if [[ -z "${MLPC_QUICK:-}" ]]; then
  # The fuzzer runs for a fixed time on one core: the sanitized build uses
  # the other meanwhile, and the fuzzer's output is shown when both are done.
  phase "fuzzing parse + check (libFuzzer, clang) and the sanitized build, side by side"
  start_background bash scripts/fuzz.sh 60
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  finish_background "fuzz without a finding (the fuzzer's report and findings folder are above)"
  phase "unit tests (sanitized: AddressSanitizer + UndefinedBehaviorSanitizer)"
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j2
  phase "lit tests (sanitized)"
  ASAN_OPTIONS=detect_leaks=1 lit -sv test/lit --param mlpc_build=build-asan
fi
phase "all tests passed"
