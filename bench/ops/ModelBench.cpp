// Training and inference throughput of std.train's models (rows per second,
// reported as items/s) on synthetic data: 1M rows x 8 float features, 3
// classes. A training iteration is one call with 5 epochs (items: rows x 5;
// the call also builds the input matrix and computes the final loss), an
// inference iteration one predict() over every row. GPU variants report an
// error without a device.
//   mlpc-ops-bench --benchmark_filter=Model
#include "runtime/ops/gpu/Device.h"
#include "runtime/ops/model/Predict.h"
#include "runtime/ops/model/Train.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>

namespace {

using namespace mlpc::ops;
using namespace mlpc::ops::model;

constexpr size_t kTrainRows = 1000000;
constexpr int kFeatures = 8;
constexpr int kEpochs = 5;

// Three Gaussian blobs; built once and shared by every benchmark.
const Table &data() {
  static const Table table = [] {
    Table t;
    t.rows = kTrainRows;
    std::mt19937_64 rng(1);
    auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
    Column y("y", DType::Int64);
    y.ints.resize(kTrainRows);
    for (size_t r = 0; r < kTrainRows; ++r)
      y.ints[r] = static_cast<int64_t>(rng() % 3);
    for (int f = 0; f < kFeatures; ++f) {
      Column c("f" + std::to_string(f), DType::Float64);
      c.floats.resize(kTrainRows);
      for (size_t r = 0; r < kTrainRows; ++r)
        c.floats[r] = (y.ints[r] == f % 3 ? 1.0 : 0.0) + (unit() - 0.5) * 2.0;
      t.columns.push_back(std::move(c));
    }
    t.columns.push_back(std::move(y));
    return t;
  }();
  return table;
}

TrainSpec spec(bool mlp) {
  TrainSpec s;
  s.label = "y";
  for (int f = 0; f < kFeatures; ++f)
    s.features.push_back("f" + std::to_string(f));
  s.epochs = kEpochs;
  s.batchSize = 32;
  if (mlp) {
    s.hidden = {16};
    s.optimizer = "adam";
    s.learningRate = 0.01;
  }
  return s;
}

bool needGpu(benchmark::State &state, bool gpu) {
  std::string why;
  if (gpu && !gpu::available(&why)) {
    state.SkipWithError(("no GPU: " + why).c_str());
    return false;
  }
  return true;
}

void train(benchmark::State &state, bool mlp, bool gpu) {
  if (!needGpu(state, gpu))
    return;
  const Table &t = data();
  ExecOptions exec;
  exec.useGpu = gpu;
  TrainSpec s = spec(mlp);
  for (auto _ : state) {
    pb::Model m = mlp ? trainMlp(t, s, exec) : trainLogisticRegression(t, s, exec);
    benchmark::DoNotOptimize(m.training().final_loss());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * t.rows * kEpochs));
}

void infer(benchmark::State &state, bool mlp, bool gpu) {
  if (!needGpu(state, gpu))
    return;
  const Table &t = data();
  TrainSpec s = spec(mlp);
  s.epochs = 1;
  pb::Model m = mlp ? trainMlp(t, s, ExecOptions{}) : trainLogisticRegression(t, s, ExecOptions{});
  ExecOptions exec;
  exec.useGpu = gpu;
  for (auto _ : state) {
    Table out = predict(t, m, exec);
    benchmark::DoNotOptimize(out.rows);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * t.rows));
}

void BM_ModelTrainLogisticCpu(benchmark::State &s) { train(s, false, false); }
void BM_ModelTrainMlpCpu(benchmark::State &s) { train(s, true, false); }
void BM_ModelPredictLogisticCpu(benchmark::State &s) { infer(s, false, false); }
void BM_ModelPredictMlpCpu(benchmark::State &s) { infer(s, true, false); }
void BM_ModelTrainLogisticGpu(benchmark::State &s) { train(s, false, true); }
void BM_ModelTrainMlpGpu(benchmark::State &s) { train(s, true, true); }
void BM_ModelPredictLogisticGpu(benchmark::State &s) { infer(s, false, true); }
void BM_ModelPredictMlpGpu(benchmark::State &s) { infer(s, true, true); }

} // namespace

BENCHMARK(BM_ModelTrainLogisticCpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ModelTrainMlpCpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ModelPredictLogisticCpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ModelPredictMlpCpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ModelTrainLogisticGpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ModelTrainMlpGpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ModelPredictLogisticGpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ModelPredictMlpGpu)->Unit(benchmark::kMillisecond)->UseRealTime();
