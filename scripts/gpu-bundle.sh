#!/usr/bin/env bash
# Builds the GPU check's programs here (a machine with nvcc and the project's
# dependencies, but no GPU) and packs them with the shared libraries a bare
# CUDA machine may lack, so that `scripts/gpu-check.sh --prebuilt DIR` runs
# them there without building:
#
#   bash scripts/gpu-bundle.sh DIR     # DIR/bin: the ops tests, the ops
#                                      # benchmarks and mlpc; DIR/lib: libraries
#
# The programs are stripped copies; the build trees stay as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/gpu-bundle.sh DIR}
ops=build-gpu
command -v nvcc >/dev/null || [[ -x /usr/local/cuda/bin/nvcc ]] ||
  { echo "error: nvcc was not found; the bundle would carry no kernels" >&2; exit 1; }

echo "==> building runtime/ops with CUDA ($ops/) and mlpc (build/)"
cmake -S . -B "$ops" -DMLPC_OPS_ONLY=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build "$ops" -j2 --target mlpc-ops-transform-tests mlpc-ops-model-tests mlpc-ops-bench
grep -q "MLPC_HAVE_CUDA=1" "$ops/runtime/ops/gpu/CMakeFiles/mlpc_ops_gpu.dir/flags.make" ||
  { echo "error: $ops was configured without CUDA" >&2; exit 1; }
cmake --preset default >/dev/null
cmake --build build -j2 --target mlpc

rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/lib"
programs=("$ops/runtime/ops/transform/mlpc-ops-transform-tests"
          "$ops/runtime/ops/model/mlpc-ops-model-tests"
          "$ops/bench/ops/mlpc-ops-bench" build/tools/mlpc)
for p in "${programs[@]}"; do
  strip -o "$dir/bin/$(basename "$p")" "$p"
done
# Every library the programs load except the C and C++ runtimes, which any
# Linux machine with a newer glibc and libstdc++ than Debian 12's provides.
ldd "${programs[@]}" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
  grep -Ev '/(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt)\.so' |
  while read -r lib; do cp -L "$lib" "$dir/lib/"; done
du -sh "$dir"; ls "$dir/bin" "$dir/lib"
