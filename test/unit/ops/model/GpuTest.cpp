// The GPU path against the CPU path. Stated tolerance (docs/stdlib.md):
// after training, the same rows get the same predicted class and class
// probabilities within 1e-6; inference alone agrees within 1e-12. Bitwise
// equality is not expected: cuBLAS sums in another order than the host.
#include "runtime/ops/gpu/Device.h"
#include "runtime/ops/model/Dense.h"
#include "runtime/ops/model/Predict.h"
#include "runtime/ops/model/Train.h"

#include "test/unit/ops/RequireGpu.h"
#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlpc::ops;
using namespace mlpc::ops::model;
using namespace mlpc::ops::test;

namespace {

Table rings(size_t n) {
  std::vector<double> a(n), b(n), c(n);
  std::vector<int64_t> y(n);
  for (size_t i = 0; i < n; ++i) {
    int k = static_cast<int>(i % 3);
    double angle = i * 0.37, radius = 1.0 + k + 0.3 * std::sin(i * 1.9);
    a[i] = radius * std::cos(angle);
    b[i] = radius * std::sin(angle);
    c[i] = std::cos(i * 0.11);
    y[i] = k;
  }
  return table({floats("a", a), floats("b", b), floats("c", c), ints("y", y)});
}

void expectAgreement(const Table &data, const pb::Model &cpu, const pb::Model &gpu) {
  EXPECT_FALSE(cpu.training().gpu());
  EXPECT_TRUE(gpu.training().gpu());
  std::vector<double> pc = predictProba(data, cpu, ExecOptions{});
  std::vector<double> pg = predictProba(data, gpu, ExecOptions{});
  ASSERT_EQ(pc.size(), pg.size());
  for (size_t i = 0; i < pc.size(); ++i)
    ASSERT_NEAR(pc[i], pg[i], 1e-6) << "probability " << i;
  Table sc = predict(data, cpu, ExecOptions{}), sg = predict(data, gpu, ExecOptions{});
  EXPECT_EQ(sc.at("prediction").ints, sg.at("prediction").ints);
  EXPECT_NEAR(cpu.training().final_loss(), gpu.training().final_loss(), 1e-6);
}

} // namespace

TEST(Gpu, LogisticRegressionMatchesCpu) {
  REQUIRE_GPU();
  Table data = rings(3000);
  TrainSpec s;
  s.label = "y";
  s.features = {"a", "b", "c"};
  s.epochs = 5;
  s.batchSize = 64;
  s.seed = 3;
  ExecOptions onGpu;
  onGpu.useGpu = true;
  expectAgreement(data, trainLogisticRegression(data, s, ExecOptions{}),
                  trainLogisticRegression(data, s, onGpu));
}

TEST(Gpu, MlpWithAdamMatchesCpu) {
  REQUIRE_GPU();
  Table data = rings(3000);
  TrainSpec s;
  s.label = "y";
  s.features = {"a", "b", "c"};
  s.hidden = {16, 8};
  s.epochs = 5;
  s.batchSize = 50; // 3000 / 50: no short batch; 5 epochs of 60 steps
  s.optimizer = "adam";
  s.learningRate = 0.01;
  s.seed = 9;
  ExecOptions onGpu;
  onGpu.useGpu = true;
  expectAgreement(data, trainMlp(data, s, ExecOptions{}), trainMlp(data, s, onGpu));
  s.batchSize = 47; // a short last batch
  s.optimizer = "sgd";
  expectAgreement(data, trainMlp(data, s, ExecOptions{}), trainMlp(data, s, onGpu));
}

#if MLPC_HAVE_CUDA
// Both GPU training paths, named explicitly, against the CPU loops on the
// same net, data and order: weights within 1e-8 after 3 epochs.
TEST(Gpu, FusedAndBlasTrainersMatchCpu) {
  REQUIRE_GPU();
  const size_t rows = 1000, features = 3;
  Table data = rings(rows);
  std::vector<double> x(rows * features);
  std::vector<int32_t> y(rows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t f = 0; f < features; ++f)
      x[r * features + f] = data.columns[f].floats[r];
    y[r] = static_cast<int32_t>(data.at("y").ints[r]);
  }
  gpu::DenseNet start;
  start.sizes = {3, 16, 8, 3};
  for (size_t l = 0; l + 1 < start.sizes.size(); ++l) {
    std::vector<double> w(start.sizes[l] * start.sizes[l + 1]);
    for (size_t i = 0; i < w.size(); ++i)
      w[i] = 0.3 * std::sin(1.7 * i + l);
    start.weights.push_back(w);
    start.biases.push_back(std::vector<double>(start.sizes[l + 1], 0.01 * l));
  }
  // A reversed order every other epoch, so the order callback matters.
  gpu::EpochOrder order = [](int epoch, uint32_t *perm, size_t n) {
    for (size_t i = 0; i < n; ++i)
      perm[i] = static_cast<uint32_t>(epoch % 2 ? n - 1 - i : i);
    return true;
  };
  for (bool adam : {false, true}) {
    gpu::DenseTraining config;
    config.epochs = 3;
    config.batchSize = 47; // a short last batch
    config.adam = adam;
    config.learningRate = adam ? 0.01 : 0.1;
    gpu::DenseNet cpu = start;
    double cpuLoss = model::trainDenseCpu(cpu, x.data(), y.data(), rows, config, order);
    for (gpu::GpuTrainer trainer : {gpu::GpuTrainer::Fused, gpu::GpuTrainer::Blas}) {
      SCOPED_TRACE(std::string(adam ? "adam, " : "sgd, ") +
                   (trainer == gpu::GpuTrainer::Fused ? "fused" : "cuBLAS"));
      config.gpuTrainer = trainer;
      gpu::DenseNet onGpu = start;
      double gpuLoss = gpu::trainDense(onGpu, x.data(), y.data(), rows, config, order, 0);
      EXPECT_NEAR(cpuLoss, gpuLoss, 1e-8);
      for (size_t l = 0; l < cpu.layers(); ++l) {
        for (size_t i = 0; i < cpu.weights[l].size(); ++i)
          ASSERT_NEAR(cpu.weights[l][i], onGpu.weights[l][i], 1e-8) << "layer " << l << " w" << i;
        for (size_t i = 0; i < cpu.biases[l].size(); ++i)
          ASSERT_NEAR(cpu.biases[l][i], onGpu.biases[l][i], 1e-8) << "layer " << l << " b" << i;
      }
    }
  }
}

TEST(Gpu, AutoTrainerPicksTheFusedKernelForSmallNetsOnly) {
  REQUIRE_GPU();
  EXPECT_TRUE(gpu::fusedTrainingFits({8, 16, 3}, 32, true));
  EXPECT_FALSE(gpu::fusedTrainingFits({64, 512, 10}, 256, false)); // 9.7M multiply-adds a batch
  EXPECT_FALSE(gpu::fusedTrainingFits({2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, 32, false)); // 9 layers
}
#endif

TEST(Gpu, InferenceMatchesCpu) {
  REQUIRE_GPU();
  Table data = rings(70000); // more than one 65536-row launch
  TrainSpec s;
  s.label = "y";
  s.features = {"a", "b", "c"};
  s.hidden = {12};
  s.epochs = 1;
  pb::Model m = trainMlp(data, s, ExecOptions{});
  ExecOptions onGpu;
  onGpu.useGpu = true;
  std::vector<double> pc = predictProba(data, m, ExecOptions{});
  std::vector<double> pg = predictProba(data, m, onGpu);
  ASSERT_EQ(pc.size(), pg.size());
  for (size_t i = 0; i < pc.size(); ++i)
    ASSERT_NEAR(pc[i], pg[i], 1e-12) << i;
}

TEST(Gpu, CpuOnlyBuildsSayWhy) {
  std::string why;
  if (gpu::available(&why))
    GTEST_SKIP() << "a GPU is present";
  EXPECT_FALSE(why.empty());
  // Asking for the GPU without one falls back to the CPU path.
  Table data = rings(30);
  TrainSpec s;
  s.label = "y";
  s.features = {"a", "b"};
  s.epochs = 1;
  ExecOptions onGpu;
  onGpu.useGpu = true;
  pb::Model m = trainLogisticRegression(data, s, onGpu);
  EXPECT_FALSE(m.training().gpu());
}
