#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and the CUDA toolkit: builds the standard
# library's ops with their CUDA kernels (only runtime/ops, so the compiler's
# own dependencies are not needed), runs the GPU-versus-CPU tests, then the
# GPU benchmarks, and reports achieved bandwidth against the card's peak
# (kernel-only and end to end with transfers, apart). A few minutes.
#
#   bash scripts/gpu-check.sh [OUTDIR]      # results also written to OUTDIR
#
# Needs: cmake, g++, nvcc (PATH or /usr/local/cuda), protobuf (libprotobuf-dev,
# protobuf-compiler), zlib, GoogleTest, Google Benchmark, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu-check}
mkdir -p "$out"
build=build-gpu
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt" || true
echo "==> building runtime/ops with CUDA ($build/)"
cmake -S . -B "$build" -DMLPC_OPS_ONLY=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target mlpc-ops-transform-tests mlpc-ops-model-tests mlpc-ops-bench
grep -q "MLPC_HAVE_CUDA=1" "$build/runtime/ops/gpu/CMakeFiles/mlpc_ops_gpu.dir/flags.make" ||
  { echo "error: nvcc was not found; the kernels were not built" >&2; exit 1; }

echo "==> GPU tests (each compares the GPU path with the CPU path)"
status=0
for t in transform/mlpc-ops-transform-tests model/mlpc-ops-model-tests; do
  "$build/runtime/ops/$t" --gtest_filter='Gpu.*' --gtest_output="xml:$out/$(basename "$t").xml" ||
    status=1
done

echo "==> benchmarks (256 MB inputs; memcpy in the same run for reference)"
"$build/bench/ops/mlpc-ops-bench" \
  --benchmark_filter='TransformMemcpy|TransformZScoreGpu|TransformZScoreFitApplyInPlace|Model.*Gpu|Model.*Cpu' \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/bench.json" --benchmark_out_format=json | tee "$out/bench.txt"

python3 - "$out/bench.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
for b in runs:
    if b.get("aggregate_name") != "median" or "Gpu" not in b["name"] or "bytes_per_second" not in b:
        continue
    gbs, peak = b["bytes_per_second"] / 1e9, b.get("peak_GBs", 0)
    share = f"{100 * gbs / peak:.0f}% of peak {peak:.0f} GB/s" if peak else "peak unknown"
    print(f"{b['run_name']:45s} {gbs:8.1f} GB/s  {share}")
PY
exit $status
