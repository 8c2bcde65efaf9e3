// The analyzers' arithmetic: moments, quantile boundaries (against the
// boundaries TFT's own tests expect), vocabulary order.
#include "runtime/ops/transform/Analyzers.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlpc::ops;
using namespace mlpc::ops::transform;
using namespace mlpc::ops::test;

namespace {

Moments momentsOf(const std::vector<double> &x, const std::vector<uint8_t> &valid = {}) {
  return columnMomentsCpu(x.data(), valid.empty() ? nullptr : valid.data(), x.size());
}

TEST(Moments, MeanAndBiasedVariance) {
  Moments m = momentsOf({1, 2, 3, 4});
  EXPECT_EQ(m.count, 4);
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  EXPECT_DOUBLE_EQ(m.variance, 1.25); // (2.25 + 0.25 + 0.25 + 2.25) / 4
  EXPECT_EQ(m.min, 1);
  EXPECT_EQ(m.max, 4);
}

TEST(Moments, MissingValuesAreIgnored) {
  Moments m = momentsOf({1, 100, 3}, {1, 0, 1});
  EXPECT_EQ(m.count, 2);
  EXPECT_DOUBLE_EQ(m.mean, 2);
  EXPECT_DOUBLE_EQ(m.variance, 1);
  EXPECT_EQ(m.min, 1);
  EXPECT_EQ(m.max, 3);
}

TEST(Moments, NanAndInfinitiesLeaveMeanAndVarianceButInfinitiesSetTheRange) {
  Moments m = momentsOf({INFINITY, 1, NAN, 3, -INFINITY});
  EXPECT_EQ(m.count, 2);
  EXPECT_DOUBLE_EQ(m.mean, 2);
  EXPECT_DOUBLE_EQ(m.variance, 1);
  EXPECT_EQ(m.min, -INFINITY);
  EXPECT_EQ(m.max, INFINITY);
  Moments nan = momentsOf({NAN, NAN});
  EXPECT_EQ(nan.count, 0);
  EXPECT_EQ(nan.mean, 0);
  EXPECT_EQ(nan.min, INFINITY); // no value: the empty range
  EXPECT_EQ(nan.max, -INFINITY);
}

TEST(Moments, ConstantColumnHasExactlyZeroVariance) {
  // 0.1 does not sum exactly; the shifted sums still give exact zeros.
  Moments m = momentsOf(std::vector<double>(1001, 0.1));
  EXPECT_EQ(m.mean, 0.1);
  EXPECT_EQ(m.variance, 0.0);
  Moments one = momentsOf({-7.25});
  EXPECT_EQ(one.count, 1);
  EXPECT_EQ(one.mean, -7.25);
  EXPECT_EQ(one.variance, 0.0);
}

TEST(Moments, EmptyColumnIsTftsEmptyAccumulator) {
  Moments m = momentsOf({});
  EXPECT_EQ(m.count, 0);
  EXPECT_EQ(m.mean, 0);
  EXPECT_EQ(m.variance, 0);
  Moments missing = momentsOf({5, 6}, {0, 0});
  EXPECT_EQ(missing.count, 0);
  EXPECT_EQ(missing.mean, 0);
}

// Two-pass reference in long double.
void reference(const std::vector<double> &x, long double &mean, long double &var) {
  long double s = 0;
  for (double v : x)
    s += v;
  mean = s / x.size();
  long double q = 0;
  for (double v : x)
    q += (v - mean) * (v - mean);
  var = q / x.size();
}

TEST(Moments, AccurateOnLongColumnsWithATail) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(1e6, 2.5);
  std::vector<double> x(100003); // not a multiple of the 8 lanes
  for (double &v : x)
    v = normal(rng);
  long double mean, var;
  reference(x, mean, var);
  Moments m = momentsOf(x);
  EXPECT_NEAR(m.mean, static_cast<double>(mean), 1e-12 * 1e6);
  EXPECT_NEAR(m.variance, static_cast<double>(var), 1e-9 * static_cast<double>(var));
}

TEST(Moments, FarOffFirstValueIsRecentred) {
  // The shift (first value) is a thousand standard deviations from the
  // mean: summed around it the variance keeps ~8 digits (measured: relative
  // error 2e-8), around the mean of the first pass ~13.
  std::vector<double> x = {1e9};
  for (int i = 0; i < 1000000; ++i)
    x.push_back(1.0 + (i % 7) * 0.001);
  long double mean, var;
  reference(x, mean, var);
  bool recentre = false;
  Moments once = finishMoments(shiftedMoments(x.data(), nullptr, x.size(), 1e9), 1e9, recentre);
  EXPECT_TRUE(recentre);
  EXPECT_GT(std::fabs(once.variance - static_cast<double>(var)), 1e-10 * static_cast<double>(var));
  Moments m = momentsOf(x);
  EXPECT_NEAR(m.mean, static_cast<double>(mean), 1e-12 * static_cast<double>(mean));
  EXPECT_NEAR(m.variance, static_cast<double>(var), 1e-12 * static_cast<double>(var));
}

std::vector<double> range(int from, int to, int step = 1) {
  std::vector<double> v;
  for (int i = from; step > 0 ? i < to : i > to; i += step)
    v.push_back(i);
  return v;
}

// tensorflow_transform/beam/bucketize_integration_test.py,
// testBucketizationForTightSequence: exact quantiles of [1, 2, 3, 4].
TEST(Quantiles, TftTightSequence) {
  const std::vector<double> x = {1, 2, 3, 4};
  EXPECT_EQ(quantileBoundaries(x, 2), (std::vector<double>{3}));
  EXPECT_EQ(quantileBoundaries(x, 3), (std::vector<double>{2, 3}));
  EXPECT_EQ(quantileBoundaries(x, 4), (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(quantileBoundaries(x, 5), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(quantileBoundaries(x, 6), (std::vector<double>{1, 2, 3, 3, 4}));
  EXPECT_EQ(quantileBoundaries(x, 10), (std::vector<double>{1, 1, 2, 2, 3, 3, 3, 4, 4}));
}

// The same file's bucketization cases (input order must not matter).
TEST(Quantiles, TftRanges) {
  EXPECT_EQ(quantileBoundaries(range(1, 10), 3), (std::vector<double>{4, 7}));
  EXPECT_EQ(quantileBoundaries(range(1, 100), 4), (std::vector<double>{25, 50, 75}));
  EXPECT_EQ(quantileBoundaries(range(9, 0, -1), 3), (std::vector<double>{4, 7}));
  EXPECT_EQ(quantileBoundaries(range(19, 0, -1), 2), (std::vector<double>{10}));
  EXPECT_EQ(quantileBoundaries(range(99, 0, -1), 2), (std::vector<double>{50}));
  EXPECT_EQ(quantileBoundaries(range(99, 0, -1), 3), (std::vector<double>{34, 67}));
  EXPECT_EQ(quantileBoundaries(range(99, 0, -2), 3), (std::vector<double>{33, 67}));
  EXPECT_EQ(quantileBoundaries(range(1, 3000), 2), (std::vector<double>{1500}));
  EXPECT_EQ(quantileBoundaries(range(1, 3000), 3), (std::vector<double>{1000, 2000}));
  EXPECT_EQ(quantileBoundaries(range(1, 100), 10),
            (std::vector<double>{10, 20, 30, 40, 50, 60, 70, 80, 90}));
}

// testBucketizationEqualDistributionInSequence / ...Interleaved: 100 values
// each 100 times, 101 buckets: the boundaries are 1..100.
TEST(Quantiles, TftEqualDistribution) {
  std::vector<double> x;
  for (int v = 1; v <= 100; ++v)
    for (int k = 0; k < 100; ++k)
      x.push_back(v);
  std::vector<double> want = range(1, 101);
  EXPECT_EQ(quantileBoundaries(x, 101), want);
  std::vector<double> interleaved;
  for (int k = 0; k < 100; ++k)
    for (int v = 1; v <= 100; ++v)
      interleaved.push_back(v);
  EXPECT_EQ(quantileBoundaries(interleaved, 101), want);
}

TEST(Quantiles, HandComputedSmallCase) {
  // 1..10, 4 buckets: doubled target ranks 0, 5, 10, 15, 20 against rank
  // midpoints 2i+1 pick 1, 3, 6, 8, 10; min and max are dropped.
  EXPECT_EQ(quantileBoundaries(range(1, 11), 4), (std::vector<double>{3, 6, 8}));
}

TEST(Quantiles, EmptyOneValueAndInfinities) {
  EXPECT_EQ(quantileBoundaries({}, 4), (std::vector<double>{0, 0, 0})); // TFT's empty output
  EXPECT_EQ(quantileBoundaries({5}, 3), (std::vector<double>{5, 5}));
  EXPECT_EQ(quantileBoundaries({-INFINITY, 1, 2, INFINITY}, 2), (std::vector<double>{2}));
}

TEST(Vocabulary, DescendingCountThenDescendingBytes) {
  // TFT's docstring example: [('a', 5), ('c', 3), ('b', 3)].
  std::vector<std::string> values;
  for (int i = 0; i < 5; ++i)
    values.push_back("a");
  for (int i = 0; i < 3; ++i) {
    values.push_back("b");
    values.push_back("c");
  }
  std::vector<Token> v = vocabularyOf(strings("s", values));
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].value, "a");
  EXPECT_EQ(v[0].count, 5);
  EXPECT_EQ(v[1].value, "c");
  EXPECT_EQ(v[2].value, "b");
  EXPECT_EQ(v[2].count, 3);
}

TEST(Vocabulary, IntTokensSortAsText) {
  // TFT's docstring: [('3', 5), ('2', 3), ('111', 3)].
  std::vector<int64_t> values = {3, 3, 3, 3, 3, 2, 111, 2, 111, 2, 111};
  std::vector<Token> v = vocabularyOf(ints("i", values));
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].value, "3");
  EXPECT_EQ(v[1].value, "2");
  EXPECT_EQ(v[2].value, "111");
}

TEST(Vocabulary, BytesCompareUnsigned) {
  // "\xc3\xa9" (é) sorts above "z" byte-wise, as Python bytes do.
  std::vector<Token> v = vocabularyOf(strings("s", {"z", "\xc3\xa9"}));
  EXPECT_EQ(v[0].value, "\xc3\xa9");
  EXPECT_EQ(v[1].value, "z");
}

TEST(Vocabulary, SkipsMissingEmptyAndLineBreaks) {
  std::vector<Token> v =
      vocabularyOf(strings("s", {"a", "", "b\nc", "d\r", "a", "q"}, {1, 1, 1, 1, 1, 0}));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].value, "a");
  EXPECT_EQ(v[0].count, 2);
}

TEST(Vocabulary, EmptyGetsTftsDummy) {
  std::vector<Token> s = vocabularyOf(strings("s", {"x"}, {0}));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].value, "49d0cd50-04bb-48c0-bc6f-5b575dce351a");
  EXPECT_EQ(s[0].count, 0);
  std::vector<Token> i = vocabularyOf(ints("i", {}));
  ASSERT_EQ(i.size(), 1u);
  EXPECT_EQ(i[0].value, "-1");
}

TEST(Vocabulary, FloatColumnIsAnError) {
  EXPECT_THROW(vocabularyOf(floats("f", {1.5})), OpError);
  EXPECT_THROW(vocabularyOf(bools("b", {1})), OpError);
}

} // namespace
