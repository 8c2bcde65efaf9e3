// z-score fit + apply throughput (bytes of input per second) next to a
// plain memory copy of the same bytes in the same run: 4 float columns x 8M
// rows (256 MB).
//   mlpc-ops-bench --benchmark_filter=Transform
// BM_TransformZScoreFitApply   the std.transform op: fit, then a new table
//                              (its allocation and first touch included)
// BM_TransformZScoreFitApplyInPlace  the op on a table it takes over
//                              (std::move): scaled in its own buffers
// BM_TransformZScoreLoops      the same loops into a reused output buffer,
//                              the like-for-like figure next to the memcpy
// BM_TransformZScoreFitOnly    the moments pass alone (reads only)
// BM_TransformZScoreGpuKernels the moments and map kernels on resident data
// BM_TransformZScoreGpuEndToEnd the op with useGpu: upload, kernels, download
//                              into a new table
// BM_TransformZScoreGpuEndToEndInPlace  the same on a table it takes over
// BM_TransformDeviceCopyGpu    a device-to-device cudaMemcpy of the same
//                              bytes, the GPU's reference
// The GPU ones report peak_GBs (the card's) and memory_passes (times the
// input crosses the memory bus: read and write of a copy are 2), so
// scripts/gpu-check.sh can give both input and traffic bandwidth.
// The GPU ones skip with the reason when there is no usable device.
#include "runtime/ops/gpu/Device.h"
#include "runtime/ops/gpu/TransformKernels.h"
#include "runtime/ops/transform/Scaling.h"
#include "runtime/ops/transform/Transform.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace mlpc::ops;
namespace tf = mlpc::ops::transform;

constexpr size_t kZScoreRows = size_t{8} << 20;
const std::vector<std::string> kNames = {"a", "b", "c", "d"};

const Table &numericTable() {
  static const Table t = [] {
    Table table;
    table.rows = kZScoreRows;
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal(0.0, 1.0);
    double mean = 40;
    for (const std::string &name : kNames) {
      Column c(name, DType::Float64);
      c.floats.resize(kZScoreRows);
      for (double &v : c.floats)
        v = mean + 5 * normal(rng);
      mean *= 3;
      table.columns.push_back(std::move(c));
    }
    return table;
  }();
  return t;
}

int64_t tableBytes() { return static_cast<int64_t>(kZScoreRows * kNames.size() * sizeof(double)); }

std::vector<tf::NumericColumn> numericColumns(const Table &t) {
  std::vector<tf::NumericColumn> cols;
  for (const std::string &name : kNames)
    cols.push_back(tf::numericColumn(t.at(name), "z_score"));
  return cols;
}

void BM_TransformMemcpy(benchmark::State &state) {
  const Table &t = numericTable();
  std::vector<std::vector<double>> out(kNames.size(), std::vector<double>(kZScoreRows));
  for (auto _ : state) {
    for (size_t c = 0; c < kNames.size(); ++c)
      std::memcpy(out[c].data(), t.columns[c].floats.data(), kZScoreRows * sizeof(double));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * tableBytes());
}

void BM_TransformZScoreFitApply(benchmark::State &state) {
  const Table &t = numericTable();
  for (auto _ : state) {
    Table out = tf::scaleToZScore(t, kNames);
    benchmark::DoNotOptimize(out.columns[0].floats.data());
  }
  state.SetBytesProcessed(state.iterations() * tableBytes());
}

// The op on a table it may reuse (std::move): the copy it consumes is made
// outside the timing. On the GPU the result is downloaded into the table's
// own buffers (no fresh host memory).
void zScoreInPlace(benchmark::State &state, const ExecOptions &exec) {
  const Table &t = numericTable();
  for (auto _ : state) {
    state.PauseTiming();
    Table copy = t;
    state.ResumeTiming();
    Table out = tf::scaleToZScore(std::move(copy), kNames, exec);
    benchmark::DoNotOptimize(out.columns[0].floats.data());
    state.PauseTiming();
    out = Table(); // freeing is not the op's cost either
    state.ResumeTiming();
  }
  state.SetBytesProcessed(state.iterations() * tableBytes());
}

void BM_TransformZScoreFitApplyInPlace(benchmark::State &state) {
  zScoreInPlace(state, ExecOptions{});
}

void BM_TransformZScoreLoops(benchmark::State &state) {
  const std::vector<tf::NumericColumn> cols = numericColumns(numericTable());
  std::vector<std::vector<double>> out(cols.size(), std::vector<double>(kZScoreRows));
  for (auto _ : state) {
    for (size_t c = 0; c < cols.size(); ++c) {
      tf::Moments m = tf::columnMomentsCpu(cols[c].values, cols[c].valid, cols[c].rows);
      tf::mapColumnCpu(cols[c], tf::zScoreMap(m.mean, std::sqrt(m.variance)), out[c].data());
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * tableBytes());
}

void BM_TransformZScoreFitOnly(benchmark::State &state) {
  const std::vector<tf::NumericColumn> cols = numericColumns(numericTable());
  for (auto _ : state)
    for (const tf::NumericColumn &c : cols)
      benchmark::DoNotOptimize(tf::columnMomentsCpu(c.values, c.valid, c.rows));
  state.SetBytesProcessed(state.iterations() * tableBytes());
}

bool skipWithoutGpu(benchmark::State &state) {
  std::string why;
  if (gpu::available(&why))
    return false;
  state.SkipWithError(("no GPU: " + why).c_str());
  return true;
}

void BM_TransformZScoreGpuKernels(benchmark::State &state) {
  if (skipWithoutGpu(state))
    return;
#if MLPC_HAVE_CUDA
  const std::vector<tf::NumericColumn> cols = numericColumns(numericTable());
  std::vector<const double *> values;
  std::vector<const uint8_t *> valid;
  std::vector<double> shifts;
  for (const tf::NumericColumn &c : cols) {
    values.push_back(c.values);
    valid.push_back(c.valid);
    shifts.push_back(tf::momentsShift(c.values, c.valid, c.rows));
  }
  gpu::DeviceColumns device(values, valid, kZScoreRows, 0);
  for (auto _ : state) {
    device.resetKernelSeconds();
    std::vector<gpu::ShiftedMoments> sums = device.moments(shifts);
    std::vector<gpu::ColumnMap> maps;
    for (size_t c = 0; c < cols.size(); ++c) {
      bool recentre = false;
      tf::Moments m = tf::finishMoments(sums[c], shifts[c], recentre);
      maps.push_back(tf::zScoreMap(m.mean, std::sqrt(m.variance)));
    }
    device.map(maps); // in place: the next round scales scaled data, same work
    state.SetIterationTime(device.kernelSeconds());
  }
  state.SetBytesProcessed(state.iterations() * tableBytes());
  state.counters["peak_GBs"] = gpu::peakBandwidthGBs();
  state.counters["memory_passes"] = 3; // moments read; map reads and writes
#endif
}

void BM_TransformZScoreGpuEndToEndInPlace(benchmark::State &state) {
  if (skipWithoutGpu(state))
    return;
  ExecOptions exec;
  exec.useGpu = true;
  zScoreInPlace(state, exec);
}

void BM_TransformDeviceCopyGpu(benchmark::State &state) {
  if (skipWithoutGpu(state))
    return;
  for (auto _ : state)
    state.SetIterationTime(gpu::timeDeviceCopy(static_cast<size_t>(tableBytes())));
  state.SetBytesProcessed(state.iterations() * tableBytes());
  state.counters["peak_GBs"] = gpu::peakBandwidthGBs();
  state.counters["memory_passes"] = 2;
}

void BM_TransformZScoreGpuEndToEnd(benchmark::State &state) {
  if (skipWithoutGpu(state))
    return;
  const Table &t = numericTable();
  ExecOptions exec;
  exec.useGpu = true;
  for (auto _ : state) {
    Table out = tf::scaleToZScore(t, kNames, exec);
    benchmark::DoNotOptimize(out.columns[0].floats.data());
  }
  state.SetBytesProcessed(state.iterations() * tableBytes());
}

} // namespace

BENCHMARK(BM_TransformMemcpy)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformZScoreFitApply)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformZScoreFitApplyInPlace)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformZScoreLoops)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformZScoreFitOnly)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformZScoreGpuKernels)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_TransformZScoreGpuEndToEnd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformZScoreGpuEndToEndInPlace)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformDeviceCopyGpu)->Unit(benchmark::kMillisecond)->UseManualTime();
