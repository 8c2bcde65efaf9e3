#include "runtime/ops/model/Predict.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlpc::ops;
using namespace mlpc::ops::model;
using namespace mlpc::ops::test;

namespace {

// Logistic regression on the given features with weights (inputs x classes,
// row-major) and biases.
pb::Model handModel(const std::vector<pb::Feature> &features, std::vector<double> weights,
                    std::vector<double> biases) {
  pb::Model m;
  m.set_format_version(1);
  m.set_kind(pb::LOGISTIC_REGRESSION);
  int inputs = 0;
  for (const pb::Feature &f : features) {
    *m.add_features() = f;
    inputs += static_cast<int>(f.size());
  }
  pb::Layer *l = m.add_layers();
  l->set_inputs(inputs);
  l->set_outputs(static_cast<int>(biases.size()));
  l->set_activation(pb::SOFTMAX);
  l->mutable_weights()->Add(weights.begin(), weights.end());
  l->mutable_biases()->Add(biases.begin(), biases.end());
  for (size_t k = 0; k < biases.size(); ++k)
    m.add_class_names(std::to_string(k));
  m.set_label("y");
  return m;
}

pb::Feature numeric(const std::string &name) {
  pb::Feature f;
  f.set_name(name);
  f.set_encoding(pb::NUMERIC);
  f.set_size(1);
  f.set_type(pb::FLOAT);
  return f;
}

pb::Feature oneHot(const std::string &name, int64_t size) {
  pb::Feature f;
  f.set_name(name);
  f.set_encoding(pb::ONE_HOT);
  f.set_size(size);
  f.set_type(pb::INT);
  return f;
}

} // namespace

// W = (1, -1), x = ln(2) / 2: logits (ln2 / 2, -ln2 / 2), whose softmax is
// (2/3, 1/3) since e^(ln 2) = 2. x = -ln 2 / 2 mirrors it.
TEST(Predict, ProbabilitiesByHand) {
  pb::Model m = handModel({numeric("x")}, {1, -1}, {0, 0});
  double h = std::log(2.0) / 2;
  Table data = table({floats("x", {h, -h}), strings("note", {"a", "b"})});
  std::vector<double> p = predictProba(data, m, ExecOptions{});
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NEAR(p[0], 2.0 / 3, 1e-15);
  EXPECT_NEAR(p[1], 1.0 / 3, 1e-15);
  EXPECT_NEAR(p[2], 1.0 / 3, 1e-15);
  EXPECT_NEAR(p[3], 2.0 / 3, 1e-15);

  Table out = predict(data, m, ExecOptions{});
  ASSERT_EQ(out.columns.size(), 4u); // x, note, prediction, score
  EXPECT_EQ(out.columns[1].strings, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(out.at("prediction").ints, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(out.at("prediction").type, DType::Int64);
  EXPECT_NEAR(out.at("score").floats[0], 2.0 / 3, 1e-15);
  EXPECT_NEAR(out.at("score").floats[1], 2.0 / 3, 1e-15);
}

TEST(Predict, TiesGoToTheLowerClass) {
  // All-zero weights: every class has probability 1/3.
  pb::Model m = handModel({numeric("x")}, {0, 0, 0}, {0, 0, 0});
  Table data = table({floats("x", {5, -5})});
  Table out = predict(data, m, ExecOptions{});
  EXPECT_EQ(out.at("prediction").ints, (std::vector<int64_t>{0, 0}));
  EXPECT_NEAR(out.at("score").floats[0], 1.0 / 3, 1e-15);
  // Classes 1 and 2 tie above class 0: class 1 wins.
  pb::Model m2 = handModel({numeric("x")}, {0, 1, 1}, {0, 0, 0});
  EXPECT_EQ(predict(data, m2, ExecOptions{}).at("prediction").ints, (std::vector<int64_t>{1, 0}));
  const double tied[] = {0.25, 0.5, 0.5, 0.1};
  EXPECT_EQ(argmax(tied, 4), 1u);
}

TEST(Predict, EmptyTableGetsEmptyColumns) {
  pb::Model m = handModel({numeric("x")}, {1, -1}, {0, 0});
  Table out = predict(table({floats("x", {})}), m, ExecOptions{});
  EXPECT_EQ(out.rows, 0u);
  EXPECT_EQ(out.at("prediction").size(), 0u);
  EXPECT_EQ(out.at("score").size(), 0u);
  EXPECT_THROW(predict(table({strings("x", {})}), m, ExecOptions{}), OpError);
}

TEST(Predict, ReplacesExistingPredictionColumnsInPlace) {
  pb::Model m = handModel({numeric("x")}, {1, -1}, {0, 0});
  Table data = table({ints("prediction", {7, 7}), floats("x", {1, -1})});
  Table out = predict(data, m, ExecOptions{});
  ASSERT_EQ(out.columns.size(), 3u);
  EXPECT_EQ(out.columns[0].name, "prediction");
  EXPECT_EQ(out.columns[0].ints, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(out.columns[2].name, "score");
}

TEST(Predict, OneHotIndexOutsideTheRangeIsAllZeros) {
  // Inputs: island=0, island=1, then x. Class 1's weight on island=1 is 10.
  pb::Model m = handModel({oneHot("island", 2), numeric("x")}, {0, 0, 0, 10, 0, 0}, {0, 0});
  Table data = table({ints("island", {1, 0, -1, 5}), floats("x", {0, 0, 0, 0})});
  std::vector<double> p = predictProba(data, m, ExecOptions{});
  EXPECT_NEAR(p[1], 1.0 / (1.0 + std::exp(-10.0)), 1e-15);
  EXPECT_NEAR(p[3], 0.5, 1e-15); // index 0: no weight
  EXPECT_NEAR(p[5], 0.5, 1e-15); // -1 (vocabulary default): all zeros
  EXPECT_NEAR(p[7], 0.5, 1e-15); // past the range: all zeros
}

TEST(Predict, IntAndBoolColumnsFeedNumericFeatures) {
  pb::Model m = handModel({numeric("a"), numeric("b")}, {1, 0, 0, 1}, {0, 0});
  Table data = table({ints("a", {3, 0}), bools("b", {0, 1})});
  Table out = predict(data, m, ExecOptions{});
  EXPECT_EQ(out.at("prediction").ints, (std::vector<int64_t>{0, 1}));
}

TEST(Predict, MissingFeatureAndBadModelAreErrors) {
  pb::Model m = handModel({numeric("x")}, {1, -1}, {0, 0});
  Table data = table({floats("x", {1, 2}, {1, 0})});
  try {
    predict(data, m, ExecOptions{});
    FAIL() << "expected an error";
  } catch (const OpError &e) {
    EXPECT_NE(std::string(e.what()).find("`x`"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("row 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(predict(table({floats("z", {1})}), m, ExecOptions{}), OpError);
  pb::Model broken = m;
  broken.mutable_layers(0)->mutable_weights()->RemoveLast();
  EXPECT_THROW(predict(table({floats("x", {1})}), broken, ExecOptions{}), OpError);
}

TEST(Predict, RawRowsAreDetectedByTheirTypes) {
  // Trained on island as vocabulary indices; raw rows hold the strings.
  pb::Model m = handModel({oneHot("island", 2)}, {1, 0, 0, 1}, {0, 0});
  m.mutable_transform()->set_format_version(1);
  pb::ColumnTransform *t = m.mutable_transform()->add_transforms();
  t->set_column("island");
  t->mutable_vocabulary()->add_values("Biscoe");
  t->mutable_vocabulary()->add_values("Dream");
  t->mutable_vocabulary()->set_default_value(-1);
  pb::Field *f = m.mutable_input_schema()->add_fields();
  f->set_name("island");
  f->set_type(pb::STRING);
  // Transformed rows score directly.
  EXPECT_EQ(predict(table({ints("island", {1})}), m, ExecOptions{}).at("prediction").ints[0], 1);
  // Raw rows go through the transform first; the input columns stay.
  Table out =
      predict(table({strings("island", {"Dream", "Biscoe", "Torgersen"})}), m, ExecOptions{});
  EXPECT_EQ(out.at("prediction").ints, (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(out.at("island").type, DType::String);
  EXPECT_EQ(out.at("island").strings[0], "Dream");
  // Torgersen is unseen: index -1, all-zero one-hot input, a tie.
  EXPECT_NEAR(out.at("score").floats[2], 0.5, 1e-15);
  // A model without a transform cannot take raw rows.
  pb::Model plain = handModel({numeric("x")}, {1, -1}, {0, 0});
  EXPECT_THROW(predict(table({floats("x", {1})}), plain, ExecOptions{}, RowForm::Raw), OpError);
}
