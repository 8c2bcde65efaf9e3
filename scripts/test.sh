#!/usr/bin/env bash
# Every test: set up and build, then unit tests (gtest via ctest), lit tests
# (diagnostics, CLI, golden IR, examples, bad input), the libFuzzer target for
# a short run, and the suite again under AddressSanitizer + UBSan.
#
#   MLPC_QUICK=1 bash scripts/test.sh   # skip the fuzzer and sanitizer builds
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages and the test tools first. The interop tests' environments
# (mostly downloads) are then made while mlpc compiles: TensorFlow Transform
# (test/interop/tft), TFX (test/lit/tfx), Apache Beam (test/lit/dataflow).
MLPC_NO_BUILD=1 bash scripts/setup.sh
venv_log=$(mktemp)
(bash scripts/setup-venv.sh tft && bash scripts/setup-venv.sh tfx &&
  bash scripts/setup-venv.sh beam) >"$venv_log" 2>&1 &
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

echo "==> unit tests"
ctest --test-dir build --output-on-failure -j2

echo "==> lit tests"
lit -sv test/lit --param mlpc_build=build

if [[ -z "${MLPC_QUICK:-}" ]]; then
  echo "==> fuzzing parse + check (libFuzzer, clang)"
  bash scripts/fuzz.sh 60
  echo "==> the suite under AddressSanitizer + UndefinedBehaviorSanitizer"
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j2
  ASAN_OPTIONS=detect_leaks=1 lit -sv test/lit --param mlpc_build=build-asan
fi
echo "==> all tests passed"
