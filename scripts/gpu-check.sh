#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: runs the standard library's GPU-versus-CPU
# tests (a missing GPU fails them here, it does not skip them), the GPU
# benchmarks, reporting achieved bandwidth against the card's peak
# (kernel-only and end to end with transfers, apart), and examples/penguin.mlp
# with its training task on the GPU. A few minutes.
#
#   bash scripts/gpu-check.sh [OUTDIR]                  # builds runtime/ops here
#   bash scripts/gpu-check.sh --prebuilt DIR [OUTDIR]   # runs what
#                                # scripts/gpu-bundle.sh DIR built elsewhere
#
# Building here needs cmake, g++, nvcc (PATH or /usr/local/cuda), protobuf
# (libprotobuf-dev, protobuf-compiler), zlib, GoogleTest, Google Benchmark;
# the penguin run needs the prebuilt mlpc. The report needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
prebuilt=
if [[ ${1:-} == --prebuilt ]]; then
  prebuilt=$(realpath "${2:?--prebuilt needs a folder made by scripts/gpu-bundle.sh}")
  shift 2
fi
out=$(realpath -m "${1:-gpu-check}")
mkdir -p "$out"

if [[ -n $prebuilt ]]; then
  bin=$prebuilt/bin
  export LD_LIBRARY_PATH=$prebuilt/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  transform_tests=$bin/mlpc-ops-transform-tests model_tests=$bin/mlpc-ops-model-tests
  bench=$bin/mlpc-ops-bench mlpc=$bin/mlpc
else
  build=build-gpu
  echo "==> building runtime/ops with CUDA ($build/)"
  cmake -S . -B "$build" -DMLPC_OPS_ONLY=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j"$(nproc)" --target mlpc-ops-transform-tests mlpc-ops-model-tests mlpc-ops-bench
  grep -q "MLPC_HAVE_CUDA=1" "$build/runtime/ops/gpu/CMakeFiles/mlpc_ops_gpu.dir/flags.make" ||
    { echo "error: nvcc was not found; the kernels were not built" >&2; exit 1; }
  transform_tests=$build/runtime/ops/transform/mlpc-ops-transform-tests
  model_tests=$build/runtime/ops/model/mlpc-ops-model-tests
  bench=$build/bench/ops/mlpc-ops-bench mlpc=
fi

# mlpc loads cuBLAS by its soname when a GPU task first needs it; a machine
# whose cuBLAS sits in a Python package or an unlisted CUDA folder gets it
# added to the search path.
if ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.13'; then
  cublas=$(find /usr/local/cuda* /opt /usr/lib /usr/local/lib -name 'libcublas.so.13' 2>/dev/null |
           head -n1 || true)
  [[ -n $cublas ]] && export LD_LIBRARY_PATH=$(dirname "$cublas")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  echo "cuBLAS: ${cublas:-not found}"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.memory --format=csv |
  tee "$out/gpu.txt" || true

echo "==> GPU tests (each compares the GPU path with the CPU path)"
export MLPC_REQUIRE_GPU=1
status=0
for t in "$transform_tests" "$model_tests"; do
  "$t" --gtest_filter='Gpu.*' --gtest_output="xml:$out/$(basename "$t").xml" || status=1
done

if [[ -n $mlpc ]]; then
  echo "==> examples/penguin.mlp with its training task on the GPU"
  runs=$(mktemp -d)
  trap 'rm -rf "$runs"' EXIT
  sed 's/resources { cpu: "2", memory: "2Gi" }/resources { cpu: "2", memory: "2Gi", accelerator_count: 1 }/' \
    examples/penguin.mlp >"$runs/penguin_gpu.mlp"
  grep -q accelerator_count "$runs/penguin_gpu.mlp" ||
    { echo "error: examples/penguin.mlp no longer has the line this check edits" >&2; exit 1; }
  if (set -o pipefail; "$mlpc" run --root="$runs" --param=export_dir="$runs/model" \
        "$runs/penguin_gpu.mlp" 2>&1 | tee "$out/penguin.txt"); then
    tee -a "$out/penguin.txt" <"$(ls -d "$runs"/runs/*/tasks/fitted)/log.txt"
    grep -q '^device: GPU' "$out/penguin.txt" ||
      { echo "error: the training task did not run on the GPU" >&2; status=1; }
  else
    status=1
  fi
fi

echo "==> benchmarks (256 MB inputs; memcpy in the same run for reference)"
"$bench" \
  --benchmark_filter='TransformMemcpy|TransformZScoreGpu|TransformDeviceCopyGpu|TransformZScoreFitApply|Model.*Gpu|Model.*Cpu' \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/bench.json" --benchmark_out_format=json | tee "$out/bench.txt"

# Input bandwidth is the table's bytes per second; traffic counts every time
# the data crosses the memory bus (memory_passes), the figure comparable with
# the card's peak.
python3 - "$out/bench.json" <<'PY' | tee "$out/bandwidth.txt"
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
for b in runs:
    if b.get("aggregate_name") != "median" or "Gpu" not in b["name"] or "bytes_per_second" not in b:
        continue
    gbs, peak = b["bytes_per_second"] / 1e9, b.get("peak_GBs", 0)
    line = f"{b['run_name']:45s} input {gbs:8.1f} GB/s"
    passes = b.get("memory_passes", 0)
    if passes and peak:
        traffic = gbs * passes
        line += f"  traffic {traffic:8.1f} GB/s = {100 * traffic / peak:.0f}% of peak {peak:.0f} GB/s"
    print(line)
PY
exit $status
