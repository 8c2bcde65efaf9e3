// The GPU path against the CPU path. Stated tolerance (docs/stdlib.md):
// after training, the same rows get the same predicted class and class
// probabilities within 1e-6; inference alone agrees within 1e-12. Bitwise
// equality is not expected: cuBLAS sums in another order than the host.
#include "runtime/ops/gpu/Device.h"
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
