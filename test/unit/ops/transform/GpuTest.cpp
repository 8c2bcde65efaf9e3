// The GPU path of z-score and 0-1 scaling against the CPU path. Stated
// tolerance (runtime/ops/gpu/TransformKernels.h): both sum the same shifted
// values in a different order, so statistics and outputs agree within a
// relative 1e-12; bitwise equality is not expected.
#include "runtime/ops/gpu/Device.h"
#include "runtime/ops/transform/Transform.h"

#include "test/unit/ops/RequireGpu.h"
#include "test/unit/ops/TestTables.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

using namespace mlpc::ops;
using namespace mlpc::ops::transform;
using namespace mlpc::ops::test;

namespace {

// Columns that exercise every case: plain, with missing values, with NaN
// and infinities, constant, far-off first value, int.
Table mixed(size_t n) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(50.0, 7.0);
  std::vector<double> plain(n), holes(n), odd(n), constant(n, 0.3), far(n);
  std::vector<uint8_t> valid(n);
  std::vector<int64_t> counts(n);
  for (size_t i = 0; i < n; ++i) {
    plain[i] = normal(rng);
    valid[i] = i % 5 != 0;
    holes[i] = valid[i] ? normal(rng) : 0.0;
    odd[i] = i % 97 == 0 ? NAN : i % 89 == 0 ? INFINITY : normal(rng);
    far[i] = i == 0 ? 1e9 : normal(rng);
    counts[i] = static_cast<int64_t>(i % 1000) - 500;
  }
  return table({floats("plain", plain), floats("holes", holes, valid), floats("odd", odd),
                floats("constant", constant), floats("far", far), ints("counts", counts)});
}

const std::vector<std::string> kColumns = {"plain", "holes", "odd", "constant", "far", "counts"};

void expectClose(const Table &gpu, const Table &cpu) {
  for (const std::string &name : kColumns) {
    const Column &g = gpu.at(name), &c = cpu.at(name);
    ASSERT_EQ(g.floats.size(), c.floats.size()) << name;
    EXPECT_EQ(g.valid, c.valid) << name;
    for (size_t i = 0; i < c.floats.size(); ++i) {
      if (std::isnan(c.floats[i]) || std::isinf(c.floats[i])) {
        EXPECT_EQ(std::isnan(g.floats[i]), std::isnan(c.floats[i])) << name << "[" << i << "]";
        continue;
      }
      EXPECT_NEAR(g.floats[i], c.floats[i], 1e-12 * std::max(1.0, std::fabs(c.floats[i])))
          << name << "[" << i << "]";
    }
  }
}

ExecOptions onGpu() {
  ExecOptions e;
  e.useGpu = true;
  return e;
}

TEST(Gpu, ZScoreFitApplyMatchesCpu) {
  REQUIRE_GPU();
  const Table t = mixed(300007);
  expectClose(scaleToZScore(t, kColumns, onGpu()), scaleToZScore(t, kColumns));
}

TEST(Gpu, MovedTableIsScaledInItsOwnBuffers) {
  REQUIRE_GPU();
  Table t = mixed(70001);
  const Table cpu = scaleToZScore(t, kColumns);
  const double *plain = t.at("plain").floats.data();
  Table gpu = scaleToZScore(std::move(t), kColumns, onGpu());
  EXPECT_EQ(gpu.at("plain").floats.data(), plain);
  expectClose(gpu, cpu);
}

TEST(Gpu, Scale01FitApplyMatchesCpu) {
  REQUIRE_GPU();
  const Table t = mixed(100003);
  expectClose(scaleTo01(t, kColumns, onGpu()), scaleTo01(t, kColumns));
}

TEST(Gpu, SeparateFitAndApplyMatchCpu) {
  REQUIRE_GPU();
  const Table t = mixed(50000);
  FitSpec spec;
  spec.zScore = {"plain", "holes", "odd", "far"};
  spec.scale01 = {"constant", "counts"};
  pb::TransformGraph g = fit(t, spec, onGpu()), c = fit(t, spec);
  for (int i = 0; i < g.transforms_size(); ++i) {
    const pb::ColumnTransform &a = g.transforms(i), &b = c.transforms(i);
    if (a.has_z_score()) {
      EXPECT_NEAR(a.z_score().mean(), b.z_score().mean(), 1e-12 * std::fabs(b.z_score().mean()));
      EXPECT_NEAR(a.z_score().std_dev(), b.z_score().std_dev(), 1e-12 * b.z_score().std_dev());
      EXPECT_EQ(a.z_score().count(), b.z_score().count());
    } else {
      EXPECT_EQ(a.scale_0_1().min(), b.scale_0_1().min());
      EXPECT_EQ(a.scale_0_1().max(), b.scale_0_1().max());
    }
  }
  expectClose(apply(t, g, onGpu()), apply(t, c));
}

TEST(Gpu, ConstantColumnIsExactlyConstantOnTheDevice) {
  REQUIRE_GPU();
  FitSpec spec;
  spec.zScore = {"constant"};
  pb::TransformGraph g = fit(mixed(10000), spec, onGpu());
  EXPECT_EQ(g.transforms(0).z_score().std_dev(), 0.0);
  EXPECT_EQ(g.transforms(0).z_score().mean(), 0.3);
}

TEST(Gpu, EmptyTable) {
  REQUIRE_GPU();
  Table out = scaleToZScore(table({floats("x", {})}), {"x"}, onGpu());
  EXPECT_EQ(out.rows, 0u);
}

void requireGpuHere() { REQUIRE_GPU(); }

// scripts/gpu-check.sh sets MLPC_REQUIRE_GPU=1 so that a GPU test cannot pass
// by skipping; where there is no GPU, REQUIRE_GPU() then fails the test.
TEST(Gpu, RequiredGpuFailsWhereThereIsNone) {
  if (gpu::available())
    GTEST_SKIP() << "a GPU is present";
  ASSERT_EQ(setenv("MLPC_REQUIRE_GPU", "1", 1), 0);
  EXPECT_FATAL_FAILURE(requireGpuHere(), "MLPC_REQUIRE_GPU=1 but no GPU: ");
  ASSERT_EQ(unsetenv("MLPC_REQUIRE_GPU"), 0);
}

} // namespace
