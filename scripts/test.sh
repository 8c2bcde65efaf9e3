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
# Debian packages and the test tools first. The interop tests' environments
# (mostly downloads) are then made while mlpc compiles: TFX with TensorFlow
# and TensorFlow Transform (test/lit/tfx, test/interop/tft and tfrecord), and
# Apache Beam (test/lit/dataflow).
MLPC_NO_BUILD=1 bash scripts/setup.sh
venv_log=$(mktemp)
(bash scripts/setup-venv.sh tfx && bash scripts/setup-venv.sh beam) >"$venv_log" 2>&1 &
venvs=$!
trap 'kill "$venvs" 2>/dev/null || true' EXIT
bash scripts/setup.sh
if ! wait "$venvs"; then
  cat "$venv_log" >&2
  echo "error: could not create the interop tests' environments (above)" >&2
  exit 1
fi
trap - EXIT
cat "$venv_log"
export PATH="$PWD/.venv/bin:$PATH"

phase "unit tests"
ctest --test-dir build --output-on-failure -j2

phase "lit tests"
lit -sv --time-tests test/lit --param mlpc_build=build

if [[ -z "${MLPC_QUICK:-}" ]]; then
  # The fuzzer runs for a fixed time on one core: the sanitized build uses
  # the other meanwhile, and the fuzzer's output is shown when both are done.
  phase "fuzzing parse + check (libFuzzer, clang) and the sanitized build, side by side"
  fuzz_log=$(mktemp)
  bash scripts/fuzz.sh 60 >"$fuzz_log" 2>&1 &
  fuzz=$!
  trap 'kill "$fuzz" 2>/dev/null || true' EXIT
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  if ! wait "$fuzz"; then
    cat "$fuzz_log"
    echo "error: fuzzing failed or found a problem (above)" >&2
    exit 1
  fi
  trap - EXIT
  cat "$fuzz_log"
  phase "unit tests (sanitized: AddressSanitizer + UndefinedBehaviorSanitizer)"
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j2
  phase "lit tests (sanitized)"
  ASAN_OPTIONS=detect_leaks=1 lit -sv test/lit --param mlpc_build=build-asan
fi
phase "all tests passed"
