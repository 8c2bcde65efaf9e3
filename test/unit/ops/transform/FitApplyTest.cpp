// fit and apply, and the one-step ops, against hand-computed values and
// the examples in TFT's documentation.
#include "runtime/ops/transform/FarmHash.h"
#include "runtime/ops/transform/Transform.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlpc::ops;
using namespace mlpc::ops::transform;
using namespace mlpc::ops::test;

namespace {

void expectFloats(const Column &c, const std::vector<double> &want) {
  ASSERT_EQ(c.type, DType::Float64) << c.name;
  ASSERT_EQ(c.floats.size(), want.size()) << c.name;
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i]))
      EXPECT_TRUE(std::isnan(c.floats[i])) << c.name << "[" << i << "] = " << c.floats[i];
    else if (std::isinf(want[i]))
      EXPECT_EQ(c.floats[i], want[i]) << c.name << "[" << i << "]";
    else
      EXPECT_NEAR(c.floats[i], want[i], 1e-12) << c.name << "[" << i << "]";
  }
}

const pb::ColumnTransform &transformOf(const pb::TransformGraph &g, const std::string &column) {
  for (const pb::ColumnTransform &t : g.transforms())
    if (t.column() == column)
      return t;
  throw std::runtime_error("no transform for " + column);
}

// z-score ------------------------------------------------------------------

TEST(ZScore, FitsPopulationStatisticsAndStandardises) {
  Table t = table({floats("x", {1, 2, 3, 4}), strings("s", {"a", "b", "c", "d"})});
  FitSpec spec;
  spec.zScore = {"x"};
  pb::TransformGraph g = fit(t, spec);
  const pb::ZScore &z = transformOf(g, "x").z_score();
  EXPECT_DOUBLE_EQ(z.mean(), 2.5);
  EXPECT_DOUBLE_EQ(z.std_dev(), std::sqrt(1.25));
  EXPECT_EQ(z.count(), 4);
  EXPECT_EQ(g.fitted_rows(), 4);
  Table out = apply(t, g);
  const double sd = std::sqrt(1.25);
  expectFloats(out.at("x"), {-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd});
  EXPECT_EQ(out.at("s").strings, t.at("s").strings); // passes through
}

TEST(ZScore, IntColumnGivesFloats) {
  Table out = scaleToZScore(table({ints("i", {1, 3})}), {"i"});
  expectFloats(out.at("i"), {-1, 1});
  EXPECT_FALSE(out.at("i").nullable);
}

TEST(ZScore, MissingValuesStayMissing) {
  Table out = scaleToZScore(table({floats("x", {1, 0, 3}, {1, 0, 1})}), {"x"});
  expectFloats(out.at("x"), {-1, 0, 1});
  EXPECT_TRUE(out.at("x").nullable);
  EXPECT_EQ(out.at("x").valid, (std::vector<uint8_t>{1, 0, 1}));
}

TEST(ZScore, ConstantColumnIsOnlyCentred) {
  Table t = table({floats("x", {5, 5, 5})});
  FitSpec spec;
  spec.zScore = {"x"};
  pb::TransformGraph g = fit(t, spec);
  EXPECT_EQ(transformOf(g, "x").z_score().std_dev(), 0.0);
  expectFloats(apply(t, g).at("x"), {0, 0, 0});
  // TFT: numerator without the division, also on later data.
  expectFloats(apply(table({floats("x", {6, 4})}), g).at("x"), {1, -1});
  expectFloats(scaleToZScore(table({floats("x", {-3})}), {"x"}).at("x"), {0}); // one row
}

TEST(ZScore, NanAndInfinitiesAreIgnoredByTheFitAndMapThrough) {
  Table out = scaleToZScore(table({floats("x", {1, NAN, 3, INFINITY})}), {"x"});
  expectFloats(out.at("x"), {-1, NAN, 1, INFINITY});
}

TEST(ZScore, EmptyTableFitsTftsDefaults) {
  FitSpec spec;
  spec.zScore = {"x"};
  pb::TransformGraph g = fit(table({floats("x", {})}), spec);
  EXPECT_EQ(transformOf(g, "x").z_score().mean(), 0);
  EXPECT_EQ(transformOf(g, "x").z_score().std_dev(), 0);
  EXPECT_EQ(transformOf(g, "x").z_score().count(), 0);
  EXPECT_EQ(g.fitted_rows(), 0);
  expectFloats(apply(table({floats("x", {3, 4})}), g).at("x"), {3, 4});
  EXPECT_EQ(scaleToZScore(table({floats("x", {})}), {"x"}).rows, 0u);
}

// 0-1 ---------------------------------------------------------------------

TEST(Scale01, MapsMinToZeroAndMaxToOneWithoutClipping) {
  Table t = table({floats("x", {2, 4, 6})});
  FitSpec spec;
  spec.scale01 = {"x"};
  pb::TransformGraph g = fit(t, spec);
  EXPECT_EQ(transformOf(g, "x").scale_0_1().min(), 2);
  EXPECT_EQ(transformOf(g, "x").scale_0_1().max(), 6);
  expectFloats(apply(t, g).at("x"), {0, 0.5, 1});
  expectFloats(apply(table({floats("x", {8, 0})}), g).at("x"), {1.5, -0.5});
}

TEST(Scale01, ConstantOrEmptyColumnGoesThroughTheSigmoid) {
  const double s3 = 1 / (1 + std::exp(-3.0)), s0 = 0.5;
  expectFloats(scaleTo01(table({floats("x", {3, 3})}), {"x"}).at("x"), {s3, s3});
  FitSpec spec;
  spec.scale01 = {"x"};
  pb::TransformGraph g = fit(table({floats("x", {NAN}, {1})}), spec);
  EXPECT_EQ(transformOf(g, "x").scale_0_1().min(), INFINITY);
  EXPECT_EQ(transformOf(g, "x").scale_0_1().max(), -INFINITY);
  expectFloats(apply(table({floats("x", {0, 3})}), g).at("x"), {s0, s3});
}

TEST(Scale01, NanIgnoredInfinitiesCount) {
  expectFloats(scaleTo01(table({floats("x", {0, NAN, 10})}), {"x"}).at("x"), {0, NAN, 1});
  // max = inf: finite values map to 0, inf to inf/inf = NaN (as TFT).
  expectFloats(scaleTo01(table({floats("x", {0, 1, INFINITY})}), {"x"}).at("x"), {0, 0, NAN});
}

TEST(Scale01, MissingValuesStayMissing) {
  Table out = scaleTo01(table({ints("i", {10, 0, 20}, {1, 0, 1})}), {"i"});
  expectFloats(out.at("i"), {0, 0, 1});
  EXPECT_EQ(out.at("i").valid, (std::vector<uint8_t>{1, 0, 1}));
}

// bucketize ---------------------------------------------------------------

TEST(Bucketize, QuantileBucketsValueOnABoundaryGoesAbove) {
  std::vector<double> x;
  for (int i = 1; i <= 10; ++i)
    x.push_back(i);
  Table t = table({floats("x", x)});
  FitSpec spec;
  spec.bucketize = {"x"};
  spec.numBuckets = 4;
  pb::TransformGraph g = fit(t, spec);
  const pb::Buckets &b = transformOf(g, "x").bucketize();
  EXPECT_EQ(std::vector<double>(b.boundaries().begin(), b.boundaries().end()),
            (std::vector<double>{3, 6, 8}));
  EXPECT_EQ(b.num_buckets(), 4);
  Table out = apply(t, g);
  EXPECT_EQ(out.at("x").type, DType::Int64);
  EXPECT_EQ(out.at("x").ints, (std::vector<int64_t>{0, 0, 1, 1, 1, 2, 2, 3, 3, 3}));
  // NaN goes to the last bucket.
  Table odd = apply(table({floats("x", {NAN, -INFINITY, INFINITY, 2.999})}), g);
  EXPECT_EQ(odd.at("x").ints, (std::vector<int64_t>{3, 0, 3, 0}));
}

TEST(Bucketize, TftApplyBucketsExample) {
  // tft.apply_buckets' docstring: boundaries [2, 5, 10].
  pb::TransformGraph g;
  g.set_format_version(1);
  pb::ColumnTransform *t = g.add_transforms();
  t->set_column("x");
  for (double b : {2.0, 5.0, 10.0})
    t->mutable_bucketize()->add_boundaries(b);
  Table out = apply(table({floats("x", {4.0, NAN, 1.0, -INFINITY, 7.5, 10.0})}), g);
  EXPECT_EQ(out.at("x").ints, (std::vector<int64_t>{1, 3, 0, 0, 2, 3}));
}

TEST(Bucketize, MissingNanAndIntInput) {
  Table out = bucketize(table({ints("i", {1, 2, 0, 3, 4}, {1, 1, 0, 1, 1})}), {"i"}, 2);
  // Present values 1..4: boundary 3.
  EXPECT_EQ(out.at("i").ints, (std::vector<int64_t>{0, 0, 0, 1, 1}));
  EXPECT_EQ(out.at("i").valid, (std::vector<uint8_t>{1, 1, 0, 1, 1}));
  EXPECT_TRUE(out.at("i").nullable);
  // NaN is left out of the fit.
  Table nan = bucketize(table({floats("x", {NAN, 1, 2, 3, 4})}), {"x"}, 2);
  EXPECT_EQ(nan.at("x").ints, (std::vector<int64_t>{1, 0, 0, 1, 1}));
}

TEST(Bucketize, OneRowAndEmpty) {
  EXPECT_EQ(bucketize(table({floats("x", {7})}), {"x"}, 3).at("x").ints,
            (std::vector<int64_t>{2})); // boundaries [7, 7]
  FitSpec spec;
  spec.bucketize = {"x"};
  spec.numBuckets = 3;
  pb::TransformGraph g = fit(table({floats("x", {})}), spec);
  EXPECT_EQ(transformOf(g, "x").bucketize().boundaries_size(), 2); // TFT's zeros
  EXPECT_EQ(apply(table({floats("x", {-1, 0, 1})}), g).at("x").ints,
            (std::vector<int64_t>{0, 2, 2}));
}

TEST(Bucketize, NeedsTwoBuckets) {
  expectError([] { bucketize(table({floats("x", {1})}), {"x"}, 1); }, "num_buckets");
}

// vocabulary ---------------------------------------------------------------

Table penguins() {
  return table(
      {strings("species",
               {"Adelie", "Gentoo", "Adelie", "Chinstrap", "Gentoo", "Chinstrap", "Adelie", ""},
               {1, 1, 1, 1, 1, 1, 1, 0}),
       floats("mass", {3750, 5000, 3800, 3700, 5200, 3650, 3450, 4000})});
}

TEST(Vocabulary, IndicesByFrequencyTiesByDescendingValue) {
  FitSpec spec;
  spec.vocabulary = {"species"};
  pb::TransformGraph g = fit(penguins(), spec);
  const pb::Vocabulary &v = transformOf(g, "species").vocabulary();
  ASSERT_EQ(v.values_size(), 3);
  EXPECT_EQ(v.values(0), "Adelie");
  EXPECT_EQ(v.values(1), "Gentoo"); // 2 each: "Gentoo" > "Chinstrap"
  EXPECT_EQ(v.values(2), "Chinstrap");
  EXPECT_EQ(v.counts(0), 3);
  EXPECT_EQ(v.counts(2), 2);
  EXPECT_EQ(v.default_value(), -1);
  Table out = apply(penguins(), g);
  EXPECT_EQ(out.at("species").type, DType::Int64);
  EXPECT_EQ(out.at("species").ints, (std::vector<int64_t>{0, 1, 0, 2, 1, 2, 0, 0}));
  EXPECT_EQ(out.at("species").valid.back(), 0);
}

TEST(Vocabulary, UnseenValuesWithoutOovBucketsAreMinusOne) {
  Table fitted = computeAndApplyVocabulary(penguins(), {"species"}, 0);
  FitSpec spec;
  spec.vocabulary = {"species"};
  pb::TransformGraph g = fit(penguins(), spec);
  Table out = apply(table({strings("species", {"Emperor", "Gentoo", ""})}), g);
  EXPECT_EQ(out.at("species").ints, (std::vector<int64_t>{-1, 1, -1}));
  EXPECT_EQ(fitted.at("species").ints[1], 1);
}

TEST(Vocabulary, UnseenValuesHashIntoOovBuckets) {
  FitSpec spec;
  spec.vocabulary = {"species"};
  spec.numOovBuckets = 10;
  pb::TransformGraph g = fit(penguins(), spec);
  // Fingerprint64("a"/"b"/"d") % 10 = 9, 2, 5 (TensorFlow's test values),
  // after the 3 vocabulary entries.
  Table out = apply(table({strings("species", {"a", "b", "d", "Adelie"})}), g);
  EXPECT_EQ(out.at("species").ints, (std::vector<int64_t>{12, 5, 8, 0}));
}

TEST(Vocabulary, IntColumnsUseDecimalText) {
  Table t = table({ints("k", {7, 7, 12, 3})});
  Table out = computeAndApplyVocabulary(t, {"k"}, 0);
  // 7 (twice), then "3" > "12".
  EXPECT_EQ(out.at("k").ints, (std::vector<int64_t>{0, 0, 2, 1}));
  FitSpec spec;
  spec.vocabulary = {"k"};
  spec.numOovBuckets = 4;
  pb::TransformGraph g = fit(t, spec);
  Table unseen = apply(table({ints("k", {99})}), g);
  EXPECT_EQ(unseen.at("k").ints[0], 3 + hashBucket("99", 4));
}

TEST(Vocabulary, EmptyTableHasTheDummyEntry) {
  FitSpec spec;
  spec.vocabulary = {"s"};
  spec.numOovBuckets = 2;
  pb::TransformGraph g = fit(table({strings("s", {})}), spec);
  EXPECT_EQ(transformOf(g, "s").vocabulary().values_size(), 1);
  Table out = apply(table({strings("s", {"x"})}), g);
  EXPECT_EQ(out.at("s").ints[0], 1 + hashBucket("x", 2));
}

// hash ---------------------------------------------------------------------

TEST(Hash, FingerprintModuloBuckets) {
  Table out =
      hashStrings(table({strings("s", {"a", "b", "c", "d", "z"}, {1, 1, 1, 1, 0})}), {"s"}, 10);
  EXPECT_EQ(out.at("s").type, DType::Int64);
  EXPECT_EQ(out.at("s").ints, (std::vector<int64_t>{9, 2, 2, 5, 0}));
  EXPECT_EQ(out.at("s").valid, (std::vector<uint8_t>{1, 1, 1, 1, 0}));
  Table ints10 = hashStrings(table({ints("i", {123})}), {"i"}, 1000);
  EXPECT_EQ(ints10.at("i").ints[0], hashBucket("123", 1000));
  expectError([] { hashStrings(table({strings("s", {"a"})}), {"s"}, 0); }, "hash_buckets");
  expectError([] { hashStrings(table({floats("f", {1})}), {"f"}, 3); }, "`f`");
}

// The graph as a whole ------------------------------------------------------

TEST(Fit, OutputSchemaRetypesAndKeepsNullability) {
  Table t = table({floats("a", {1, 2}), ints("b", {1, 2}, {1, 1}), strings("c", {"x", "y"}),
                   strings("d", {"p", "q"}), floats("e", {1, 2}), bools("f", {1, 0})});
  FitSpec spec;
  spec.zScore = {"a"};
  spec.scale01 = {"b"};
  spec.vocabulary = {"c"};
  spec.hash = {"d"};
  spec.bucketize = {"e"};
  spec.numBuckets = 2;
  pb::TransformGraph g = fit(t, spec);
  EXPECT_EQ(g.format_version(), 1u);
  ASSERT_EQ(g.transforms_size(), 5);
  EXPECT_EQ(g.transforms(0).column(), "a"); // table order
  Schema s = outputSchema(g);
  ASSERT_EQ(s.fields.size(), 6u);
  EXPECT_EQ(s.fields[0].type, DType::Float64);
  EXPECT_EQ(s.fields[1].type, DType::Float64);
  EXPECT_TRUE(s.fields[1].nullable);
  EXPECT_EQ(s.fields[2].type, DType::Int64);
  EXPECT_EQ(s.fields[3].type, DType::Int64);
  EXPECT_EQ(s.fields[4].type, DType::Int64);
  EXPECT_EQ(s.fields[5].type, DType::Bool);
  Table out = apply(t, g);
  Schema got = out.schema();
  ASSERT_EQ(got.fields.size(), s.fields.size());
  for (size_t i = 0; i < s.fields.size(); ++i) {
    EXPECT_EQ(got.fields[i].name, s.fields[i].name);
    EXPECT_EQ(got.fields[i].type, s.fields[i].type) << s.fields[i].name;
    EXPECT_EQ(got.fields[i].nullable, s.fields[i].nullable) << s.fields[i].name;
  }
  // The input schema is the table's.
  ASSERT_EQ(g.input_schema().fields_size(), 6);
  EXPECT_EQ(g.input_schema().fields(2).type(), pb::STRING);
}

TEST(Fit, BadRequestsAreErrors) {
  Table t = table({floats("a", {1}), strings("s", {"x"})});
  FitSpec twice;
  twice.zScore = {"a"};
  twice.bucketize = {"a"};
  expectError([&] { fit(t, twice); }, "one transform");
  FitSpec text;
  text.zScore = {"s"};
  expectError([&] { fit(t, text); }, "`s`");
  FitSpec unknown;
  unknown.scale01 = {"nope"};
  expectError([&] { fit(t, unknown); }, "`nope`");
  FitSpec floatVocab;
  floatVocab.vocabulary = {"a"};
  expectError([&] { fit(t, floatVocab); }, "`a`");
  FitSpec negativeOov;
  negativeOov.vocabulary = {"s"};
  negativeOov.numOovBuckets = -1;
  expectError([&] { fit(t, negativeOov); }, "num_oov_buckets");
}

TEST(Apply, SkipsAbsentColumnsAndPassesOthersThrough) {
  FitSpec spec;
  spec.vocabulary = {"species"};
  spec.zScore = {"mass"};
  pb::TransformGraph g = fit(penguins(), spec);
  // Raw rows at inference: no label column, and an extra one.
  Table raw = table({floats("mass", {3750}), strings("island", {"Dream"})});
  Table out = apply(raw, g);
  ASSERT_EQ(out.columns.size(), 2u);
  EXPECT_EQ(out.at("island").strings[0], "Dream");
  const pb::ZScore &z = transformOf(g, "mass").z_score();
  expectFloats(out.at("mass"), {(3750 - z.mean()) / z.std_dev()});
}

TEST(Apply, NumericTypeMayDifferFromTheFit) {
  FitSpec spec;
  spec.zScore = {"x"};
  pb::TransformGraph g = fit(table({floats("x", {1.0, 3.0})}), spec);
  expectFloats(apply(table({ints("x", {3})}), g).at("x"), {1});
  expectError([&] { apply(table({strings("x", {"3"})}), g); }, "`x`");
}

TEST(Apply, RejectsAnInvalidGraph) {
  pb::TransformGraph g;
  expectError([&] { apply(table({floats("x", {1})}), g); }, "format version 0");
  g.set_format_version(1);
  g.add_transforms()->set_column("x");
  expectError([&] { apply(table({floats("x", {1})}), g); }, "no kind");
}

// The runtime's adapter takes the one-step ops as function pointers of this
// type; the Table&& overloads must not make that ambiguous.
template <Table (*Op)(const Table &, const std::vector<std::string> &, const ExecOptions &)>
Table viaPointer(const Table &t, const std::vector<std::string> &columns) {
  return Op(t, columns, ExecOptions{});
}

TEST(InPlace, MovedTableGivesTheSameResultInItsOwnBuffers) {
  Table t = table({floats("x", {1, 2, 3, 4}), floats("m", {1, 0, 3, 5}, {1, 0, 1, 1}),
                   ints("i", {1, 3, 5, 7}), strings("s", {"a", "b", "c", "d"})});
  const std::vector<std::string> cols = {"x", "m", "i"};
  Table copied = scaleToZScore(t, cols);
  Table pointer = viaPointer<scaleToZScore>(t, cols);
  const double *xBuffer = t.at("x").floats.data();
  const std::string *sBuffer = t.at("s").strings.data();
  Table moved = scaleToZScore(std::move(t), cols);
  EXPECT_EQ(moved.at("x").floats.data(), xBuffer);  // scaled where it was
  EXPECT_EQ(moved.at("s").strings.data(), sBuffer); // moved, not copied
  for (const std::string &name : cols) {
    EXPECT_EQ(moved.at(name).floats, copied.at(name).floats) << name;
    EXPECT_EQ(moved.at(name).valid, copied.at(name).valid) << name;
    EXPECT_EQ(pointer.at(name).floats, copied.at(name).floats) << name;
  }
  const double sd = std::sqrt(8.0 / 3.0); // present 1, 3, 5: mean 3, variance 8/3
  expectFloats(moved.at("m"), {-2 / sd, 0, 0, 2 / sd});
  EXPECT_EQ(moved.at("s").strings, (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(InPlace, EveryOneStepOpAndApplyAcceptAMovedTable) {
  Table base = table({floats("x", {2, 4, 6}), strings("s", {"b", "a", "b"}), ints("k", {1, 2, 3})});
  EXPECT_EQ(scaleTo01(Table(base), {"x"}).at("x").floats, scaleTo01(base, {"x"}).at("x").floats);
  EXPECT_EQ(bucketize(Table(base), {"x"}, 2).at("x").ints, bucketize(base, {"x"}, 2).at("x").ints);
  EXPECT_EQ(computeAndApplyVocabulary(Table(base), {"s"}, 1).at("s").ints,
            (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(hashStrings(Table(base), {"s"}, 10).at("s").ints,
            hashStrings(base, {"s"}, 10).at("s").ints);
  FitSpec spec;
  spec.scale01 = {"x"};
  spec.vocabulary = {"s"};
  pb::TransformGraph g = fit(base, spec);
  Table a = apply(base, g), b = apply(Table(base), g);
  EXPECT_EQ(a.at("x").floats, b.at("x").floats);
  EXPECT_EQ(a.at("s").ints, b.at("s").ints);
  EXPECT_EQ(a.at("k").ints, b.at("k").ints);
}

TEST(Exec, GpuRequestFallsBackToTheCpuWithoutOne) {
  Table t = table({floats("x", {1, 2, 3, 4}), floats("y", {2, 2, 2, 8})});
  ExecOptions gpu;
  gpu.useGpu = true;
  Table a = scaleToZScore(t, {"x", "y"}, gpu), b = scaleToZScore(t, {"x", "y"});
  EXPECT_EQ(a.at("x").floats, b.at("x").floats);
  EXPECT_EQ(a.at("y").floats, b.at("y").floats);
}

} // namespace
