#!/usr/bin/env bash
# Fuzzes the parser and checker with libFuzzer for SECONDS seconds.
#
#   bash scripts/fuzz.sh 60                       # what scripts/test.sh runs
#   bash scripts/fuzz.sh 600 -fork=2 -ignore_crashes=1   # longer; extra flags go to libFuzzer
#
# Configures build-fuzz/ with clang-14 (-DMLPC_FUZZ=ON: the front end built
# with coverage instrumentation, AddressSanitizer and UBSan), builds the
# `mlpc-fuzz` target (test/fuzz/ParseCheckFuzzer.cpp), seeds build-fuzz/corpus
# from examples/**/*.mlp and stdlib/std/*.mlp, and runs the fuzzer. The corpus
# is kept between runs and grows. Findings (crash-*, leak-*, timeout-*, oom-*)
# go to build-fuzz/artifacts/, which is emptied at the start of each run.
# Exits 0 if the run found nothing, 1 if it found something, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
  echo "usage: bash scripts/fuzz.sh SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
seconds=$1
shift

for tool in clang-14 clang++-14; do
  if ! command -v "$tool" >/dev/null; then
    echo "error: $tool not found; fuzzing needs clang-14 and libclang-rt-14-dev" >&2
    echo "help: run scripts/setup.sh as root, or: apt-get install clang-14 libclang-rt-14-dev" >&2
    exit 1
  fi
done

build=build-fuzz
echo "==> configuring $build/ (clang-14, MLPC_FUZZ=ON)"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DMLPC_FUZZ=ON -DMLPC_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=ON >/dev/null
echo "==> building mlpc-fuzz"
cmake --build "$build" --target mlpc-fuzz -j2
fuzzer=$root/$build/test/fuzz/mlpc-fuzz

# Seeds: every example and standard-library module, under names that cannot
# collide (libFuzzer names what it adds by content hash).
corpus=$root/$build/corpus
mkdir -p "$corpus"
while IFS= read -r -d '' f; do
  rel=${f#./}
  cp "$f" "$corpus/seed-${rel//\//_}"
done < <(find ./examples ./stdlib/std -name '*.mlp' -type f -print0)

artifacts=$root/$build/artifacts
rm -rf "$artifacts"
mkdir -p "$artifacts"
# Inputs are checked as `fuzz.mlp` in an empty folder, so relative imports in
# them resolve (and fail) the same way on every run and read nothing here.
work=$root/$build/fuzz-cwd
mkdir -p "$work"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
  export UBSAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

echo "==> fuzzing for ${seconds}s (corpus: $build/corpus, findings: $build/artifacts)"
status=0
(cd "$work" && "$fuzzer" "$corpus" -max_total_time="$seconds" -rss_limit_mb=4096 \
  -max_len=65536 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" \
  </dev/null) || status=$?

shopt -s nullglob
findings=("$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*)
if ((status != 0 || ${#findings[@]})); then
  echo "error: the fuzzer found a problem (exit status $status)" >&2
  for f in "${findings[@]}"; do
    echo "  $f" >&2
    echo "    replay:  $fuzzer $f" >&2
    echo "    mlpc:    build/tools/mlpc check $f" >&2
  done
  exit 1
fi
echo "==> no crashes in ${seconds}s"
