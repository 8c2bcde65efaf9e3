// CSV throughput (bytes/s) next to a plain memory copy of the same bytes in
// the same run, and the end-to-end read + z-score that bench/pandas_compare.py
// compares with pandas.
//   mlpc-ops-bench --benchmark_filter='Csv|Memcpy'
//   MLPC_BENCH_CSV=file.csv mlpc-ops-bench --benchmark_filter=EndToEnd
// The in-memory CSV: ~100 MB, 4 float columns (6 decimals) and 2 int columns.
#include "runtime/ops/io/Csv.h"
#include "runtime/ops/transform/Transform.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>

namespace {

using namespace mlpc::ops;

constexpr size_t kTargetBytes = 100u << 20;

Schema numericSchema() {
  return Schema{{{"f0", DType::Float64},
                 {"f1", DType::Float64},
                 {"f2", DType::Float64},
                 {"f3", DType::Float64},
                 {"i0", DType::Int64},
                 {"i1", DType::Int64}}};
}

const std::string &numericCsv() {
  static const std::string text = [] {
    std::string s = "f0,f1,f2,f3,i0,i1\n";
    s.reserve(kTargetBytes + 4096);
    std::mt19937_64 rng(42);
    std::normal_distribution<double> normal(0.0, 1.0);
    char line[256];
    while (s.size() < kTargetBytes) {
      int n = std::snprintf(
          line, sizeof line, "%.6f,%.6f,%.6f,%.6f,%lld,%lld\n", 40.0 + 5.0 * normal(rng),
          17.0 + 2.0 * normal(rng), 200.0 + 14.0 * normal(rng), 4200.0 + 800.0 * normal(rng),
          static_cast<long long>(rng() % 1000000), static_cast<long long>(rng() % 3000) - 1500);
      s.append(line, static_cast<size_t>(n));
    }
    return s;
  }();
  return text;
}

// One thread (the goal); the threads parseCsv uses are below.
void BM_CsvParseNumeric(benchmark::State &state) {
  const std::string &text = numericCsv();
  Schema schema = numericSchema();
  for (auto _ : state) {
    Table t = io::parseCsvParallel(text, schema, ',', "bench.csv", 1, 0);
    benchmark::DoNotOptimize(t.columns[0].floats.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_CsvParseNumericAllCores(benchmark::State &state) {
  const std::string &text = numericCsv();
  Schema schema = numericSchema();
  for (auto _ : state) {
    Table t = io::parseCsv(text, schema, ',', "bench.csv");
    benchmark::DoNotOptimize(t.columns[0].floats.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_CsvWriteNumeric(benchmark::State &state) {
  const std::string &text = numericCsv();
  Table t = io::parseCsv(text, numericSchema(), ',', "bench.csv");
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = io::toCsv(t);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

// What reading the bytes once costs: the ceiling for any parser.
void BM_MemcpyCsvBytes(benchmark::State &state) {
  const std::string &text = numericCsv();
  std::string copy(text.size(), '\0');
  for (auto _ : state) {
    std::memcpy(copy.data(), text.data(), text.size());
    benchmark::DoNotOptimize(copy.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

// The floor under reading pandas_compare.py's file: its table holds 720 MB
// (4 float and 1 int column of 8 bytes, 1 string column of 32-byte
// std::strings, 10 million rows), and memory the process has not touched
// before costs a page fault and the kernel's zeroing per 4 KiB page. This
// writes 720 MB of fresh memory once per iteration, 8 bytes at a time.
void BM_WriteFreshMemory720MB(benchmark::State &state) {
  constexpr size_t kDoubles = (720u << 20) / sizeof(double);
  for (auto _ : state) {
    std::unique_ptr<double[]> fresh(new double[kDoubles]); // not value-initialised: untouched
    for (size_t i = 0; i < kDoubles; ++i)
      fresh[i] = static_cast<double>(i);
    benchmark::DoNotOptimize(fresh.get());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kDoubles * sizeof(double)));
}

// The file bench/pandas_compare.py generates: columns a, b, c, d (float),
// n (int) and species (string).
Schema pandasCompareSchema() {
  return Schema{{{"a", DType::Float64},
                 {"b", DType::Float64},
                 {"c", DType::Float64},
                 {"d", DType::Float64},
                 {"n", DType::Int64},
                 {"species", DType::String}}};
}

void BM_EndToEnd_ReadZScore(benchmark::State &state) {
  const char *path = std::getenv("MLPC_BENCH_CSV");
  if (!path || !*path) {
    state.SkipWithError("set MLPC_BENCH_CSV to a CSV from bench/pandas_compare.py");
    return;
  }
  using Clock = std::chrono::steady_clock;
  double readS = 0, zS = 0, meanA = 0, stdA = 0, rows = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    Table t = io::readCsv(path, pandasCompareSchema());
    auto t1 = Clock::now();
    // The op `mlpc run` runs for std.transform.scale_to_z_score: fit on the
    // data, then apply in place.
    transform::FitSpec spec;
    spec.zScore = {"a", "b", "c", "d"};
    pb::TransformGraph graph = transform::fit(t, spec);
    t = transform::apply(std::move(t), graph);
    benchmark::DoNotOptimize(t.columns[0].floats.data());
    meanA = graph.transforms(0).z_score().mean();
    stdA = graph.transforms(0).z_score().std_dev();
    auto t2 = Clock::now();
    readS += std::chrono::duration<double>(t1 - t0).count();
    zS += std::chrono::duration<double>(t2 - t1).count();
    rows = static_cast<double>(t.rows);
  }
  double n = static_cast<double>(state.iterations());
  state.counters["read_s"] = readS / n;
  state.counters["zscore_s"] = zS / n;
  state.counters["rows"] = rows;
  // For the script to check that both sides read the same numbers.
  state.counters["mean_a"] = meanA;
  state.counters["std_a"] = stdA;
}

} // namespace

BENCHMARK(BM_CsvParseNumeric)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CsvParseNumericAllCores)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CsvWriteNumeric)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MemcpyCsvBytes)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_WriteFreshMemory720MB)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EndToEnd_ReadZScore)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
