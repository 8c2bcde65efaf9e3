#!/usr/bin/env bash
# Every test: set up and build, then unit tests (gtest via ctest), lit tests
# (diagnostics, CLI, golden IR, examples, bad input), the libFuzzer target for
# a short run, and the suite again under AddressSanitizer + UBSan.
#
#   MLPC_QUICK=1 bash scripts/test.sh   # skip the fuzzer and sanitizer builds
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-venv.sh tft # TensorFlow Transform, for the TFT interop test
bash scripts/setup-venv.sh tfx # TFX, for the TFX backend tests in test/lit/tfx
bash scripts/setup-venv.sh beam # Apache Beam, for the Dataflow backend tests in test/lit/dataflow
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
