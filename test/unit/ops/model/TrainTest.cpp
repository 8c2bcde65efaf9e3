#include "runtime/ops/model/Train.h"
#include "runtime/ops/model/Predict.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlpc::ops;
using namespace mlpc::ops::model;
using namespace mlpc::ops::test;

namespace {

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const OpError &e) {
    return e.what();
  }
  return "(no error)";
}

double trainAccuracy(const Table &data, const pb::Model &model, const std::string &label) {
  Table scored = predict(data, model, ExecOptions{});
  const Column &truth = data.at(label), &pred = scored.at("prediction");
  size_t right = 0;
  for (size_t r = 0; r < data.rows; ++r)
    right += truth.ints[r] == pred.ints[r];
  return double(right) / double(data.rows);
}

// Three clusters around (0, 0), (6, 0) and (0, 6), 30 rows each.
Table clusters() {
  std::vector<double> a, b;
  std::vector<int64_t> y;
  const double cx[] = {0, 6, 0}, cy[] = {0, 0, 6};
  for (int i = 0; i < 30; ++i)
    for (int k = 0; k < 3; ++k) {
      a.push_back(cx[k] + std::sin(i * 1.3 + k) * 1.5);
      b.push_back(cy[k] + std::cos(i * 0.7 + 2 * k) * 1.5);
      y.push_back(k);
    }
  return table({floats("a", a), floats("b", b), ints("y", y)});
}

TrainSpec spec(std::vector<std::string> features, std::string label = "y") {
  TrainSpec s;
  s.features = std::move(features);
  s.label = std::move(label);
  return s;
}

} // namespace

// Two rows, one batch, zero initial weights: p = (0.5, 0.5) for both rows;
// delta = (p - onehot) / 2 = (-0.25, 0.25) for (1, 2) -> class 0 and
// (0.25, -0.25) for (3, -1) -> class 1; gradient W[i][j] = sum_r x[r][i] *
// delta[r][j] = [[0.5, -0.5], [-0.75, 0.75]], bias gradient 0; one step with
// learning rate 0.5 gives W = [[-0.25, 0.25], [0.375, -0.375]], b = 0.
TEST(Train, LogisticRegressionOneSgdStepByHand) {
  Table data = table({floats("x1", {1, 3}), floats("x2", {2, -1}), ints("y", {0, 1})});
  TrainSpec s = spec({"x1", "x2"});
  s.epochs = 1;
  s.batchSize = 2;
  s.learningRate = 0.5;
  pb::Model m = trainLogisticRegression(data, s, ExecOptions{});
  ASSERT_EQ(m.layers_size(), 1);
  const pb::Layer &layer = m.layers(0);
  EXPECT_EQ(layer.inputs(), 2);
  EXPECT_EQ(layer.outputs(), 2);
  EXPECT_EQ(layer.activation(), pb::SOFTMAX);
  ASSERT_EQ(layer.weights_size(), 4);
  EXPECT_DOUBLE_EQ(layer.weights(0), -0.25);
  EXPECT_DOUBLE_EQ(layer.weights(1), 0.25);
  EXPECT_DOUBLE_EQ(layer.weights(2), 0.375);
  EXPECT_DOUBLE_EQ(layer.weights(3), -0.375);
  EXPECT_DOUBLE_EQ(layer.biases(0), 0.0);
  EXPECT_DOUBLE_EQ(layer.biases(1), 0.0);
  // Logits afterwards: row 1 (0.5, -0.5), label 0; row 2 (-1.125, 1.125),
  // label 1; -log softmax = log(1 + exp(-margin)).
  double expected = (std::log1p(std::exp(-1.0)) + std::log1p(std::exp(-2.25))) / 2;
  EXPECT_NEAR(m.training().final_loss(), expected, 1e-15);
  EXPECT_EQ(m.kind(), pb::LOGISTIC_REGRESSION);
  EXPECT_EQ(m.training().optimizer(), pb::SGD);
  EXPECT_EQ(m.trained_rows(), 2);
  ASSERT_EQ(m.class_names_size(), 2);
  EXPECT_EQ(m.class_names(0), "0");
  EXPECT_EQ(m.label(), "y");
}

// Batch size 1: two SGD steps (learning rate 1), the second from the weights
// after the first, so the result depends on the order the seeded shuffle
// picks. Rows: x = 1 -> class 0, x = 2 -> class 1; s = 1 / (1 + e^-3).
// Order (0, 1): step 1 gives W = (0.5, -0.5), b = (0.5, -0.5); row 1 then
// has logits (1.5, -1.5), delta (s, -s): W = (0.5 - 2s, -0.5 + 2s),
// b = (0.5 - s, -0.5 + s).
// Order (1, 0): step 1 gives W = (-1, 1), b = (-0.5, 0.5); row 0 then has
// logits (-1.5, 1.5), delta (-s, s): W = (-1 + s, 1 - s), b = (-0.5 + s, 0.5 - s).
TEST(Train, LogisticRegressionBatchOfOneFollowsTheShuffle) {
  Table data = table({floats("x", {1, 2}), ints("y", {0, 1})});
  TrainSpec s = spec({"x"});
  s.epochs = 1;
  s.batchSize = 1;
  s.learningRate = 1.0;
  const double sig = 1.0 / (1.0 + std::exp(-3.0));
  const double firstW[] = {0.5 - 2 * sig, -0.5 + 2 * sig}, firstB[] = {0.5 - sig, -0.5 + sig};
  const double secondW[] = {-1 + sig, 1 - sig}, secondB[] = {-0.5 + sig, 0.5 - sig};
  auto near = [](double a, double b) { return std::fabs(a - b) < 1e-15; };
  int seenFirst = 0, seenSecond = 0;
  for (int seed = 0; seed < 16; ++seed) {
    s.seed = seed;
    pb::Model m = trainLogisticRegression(data, s, ExecOptions{});
    const pb::Layer &l = m.layers(0);
    bool first = near(l.weights(0), firstW[0]) && near(l.weights(1), firstW[1]) &&
                 near(l.biases(0), firstB[0]) && near(l.biases(1), firstB[1]);
    bool second = near(l.weights(0), secondW[0]) && near(l.weights(1), secondW[1]) &&
                  near(l.biases(0), secondB[0]) && near(l.biases(1), secondB[1]);
    EXPECT_TRUE(first || second) << "seed " << seed << ": W = (" << l.weights(0) << ", "
                                 << l.weights(1) << ")";
    seenFirst += first;
    seenSecond += second;
  }
  // Sixteen seeds shuffle two rows both ways.
  EXPECT_GT(seenFirst, 0);
  EXPECT_GT(seenSecond, 0);
}

TEST(Train, SameSeedSameModelOtherSeedOtherModel) {
  Table data = clusters();
  TrainSpec s = spec({"a", "b"});
  s.hidden = {5};
  s.epochs = 5;
  s.batchSize = 7;
  s.optimizer = "adam";
  s.learningRate = 0.01;
  s.seed = 11;
  pb::Model one = trainMlp(data, s, ExecOptions{});
  pb::Model two = trainMlp(data, s, ExecOptions{});
  EXPECT_EQ(one.SerializeAsString(), two.SerializeAsString());
  s.seed = 12;
  pb::Model other = trainMlp(data, s, ExecOptions{});
  EXPECT_NE(one.layers(0).weights(0), other.layers(0).weights(0));
  // Logistic regression starts at zero: only the shuffle depends on the seed.
  TrainSpec l = spec({"a", "b"});
  l.epochs = 3;
  l.batchSize = 4;
  l.seed = 5;
  pb::Model a = trainLogisticRegression(data, l, ExecOptions{});
  pb::Model b = trainLogisticRegression(data, l, ExecOptions{});
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
  l.seed = 6;
  pb::Model c = trainLogisticRegression(data, l, ExecOptions{});
  EXPECT_NE(a.layers(0).weights(0), c.layers(0).weights(0));
}

TEST(Train, SeparableClustersReachFullAccuracy) {
  Table data = clusters();
  TrainSpec s = spec({"a", "b"});
  s.epochs = 50;
  pb::Model m = trainLogisticRegression(data, s, ExecOptions{});
  EXPECT_EQ(trainAccuracy(data, m, "y"), 1.0);
  EXPECT_LT(m.training().final_loss(), 0.2);
  ASSERT_EQ(m.class_names_size(), 3);
  // Separable data: the loss keeps falling as the weights grow.
  s.epochs = 200;
  EXPECT_LT(trainLogisticRegression(data, s, ExecOptions{}).training().final_loss(),
            m.training().final_loss() / 2);
}

TEST(Train, MlpLearnsXor) {
  std::vector<double> a, b;
  std::vector<int64_t> y;
  for (int i = 0; i < 25; ++i)
    for (int k = 0; k < 4; ++k) {
      a.push_back(k & 1);
      b.push_back(k >> 1);
      y.push_back((k & 1) ^ (k >> 1));
    }
  Table data = table({floats("a", a), floats("b", b), ints("y", y)});
  TrainSpec s = spec({"a", "b"});
  s.hidden = {8};
  s.epochs = 200;
  s.batchSize = 8;
  s.optimizer = "adam";
  s.learningRate = 0.02;
  s.seed = 1;
  pb::Model m = trainMlp(data, s, ExecOptions{});
  EXPECT_EQ(trainAccuracy(data, m, "y"), 1.0);
  EXPECT_LT(m.training().final_loss(), 0.05);
  // A linear model cannot: at best 3 of the 4 points.
  pb::Model linear = trainLogisticRegression(data, s, ExecOptions{});
  EXPECT_LE(trainAccuracy(data, linear, "y"), 0.75);
  EXPECT_EQ(m.layers_size(), 2);
  EXPECT_EQ(m.layers(0).activation(), pb::RELU);
  EXPECT_EQ(m.training().optimizer(), pb::ADAM);
  ASSERT_EQ(m.training().hidden_size(), 1);
  EXPECT_EQ(m.training().hidden(0), 8);
}

TEST(Train, CategoricalFeaturesAreOneHotEncoded) {
  Table data =
      table({ints("island", {0, 2, 1, 2}), bools("big", {1, 0, 0, 1}), ints("y", {0, 1, 0, 1})});
  TrainSpec s = spec({"island", "big"});
  s.categorical = {"island"};
  s.epochs = 1;
  pb::Model m = trainLogisticRegression(data, s, ExecOptions{});
  ASSERT_EQ(m.features_size(), 2);
  EXPECT_EQ(m.features(0).encoding(), pb::ONE_HOT);
  EXPECT_EQ(m.features(0).size(), 3); // max index 2 + 1
  EXPECT_EQ(m.features(0).type(), pb::INT);
  EXPECT_EQ(m.features(1).encoding(), pb::NUMERIC);
  EXPECT_EQ(m.features(1).type(), pb::BOOL);
  EXPECT_EQ(m.layers(0).inputs(), 4);

  // The transform's vocabulary (with its OOV bucket) sets the width and the
  // label's vocabulary names the classes.
  pb::TransformGraph graph;
  pb::ColumnTransform *t = graph.add_transforms();
  t->set_column("island");
  for (const char *v : {"Biscoe", "Dream", "Torgersen", "Other"})
    t->mutable_vocabulary()->add_values(v);
  t->mutable_vocabulary()->set_num_oov_buckets(1);
  pb::ColumnTransform *labels = graph.add_transforms();
  labels->set_column("y");
  for (const char *v : {"Adelie", "Gentoo", "Chinstrap"})
    labels->mutable_vocabulary()->add_values(v);
  pb::Field *raw = graph.mutable_input_schema()->add_fields();
  raw->set_name("island");
  raw->set_type(pb::STRING);
  s.transform = &graph;
  pb::Model withVocab = trainLogisticRegression(data, s, ExecOptions{});
  EXPECT_EQ(withVocab.features(0).size(), 5);
  ASSERT_EQ(withVocab.class_names_size(), 3);
  EXPECT_EQ(withVocab.class_names(0), "Adelie");
  EXPECT_EQ(withVocab.class_names(2), "Chinstrap");
  EXPECT_TRUE(withVocab.has_transform());
  EXPECT_EQ(withVocab.input_schema().fields(0).type(), pb::STRING);
  EXPECT_EQ(withVocab.trained_schema().fields(0).type(), pb::INT);
}

TEST(Train, MissingValuesAskForDropOrFill) {
  Table data = table({floats("x", {1, 2, 3}, {1, 0, 1}), ints("y", {0, 1, 0})});
  std::string msg = errorOf([&] { trainLogisticRegression(data, spec({"x"}), ExecOptions{}); });
  EXPECT_NE(msg.find("`x`"), std::string::npos) << msg;
  EXPECT_NE(msg.find("row 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("drop_missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fill_missing"), std::string::npos) << msg;

  Table noLabel = table({floats("x", {1, 2}), ints("y", {0, 1}, {1, 0})});
  msg = errorOf([&] { trainLogisticRegression(noLabel, spec({"x"}), ExecOptions{}); });
  EXPECT_NE(msg.find("`y`"), std::string::npos) << msg;
  EXPECT_NE(msg.find("row 2"), std::string::npos) << msg;
}

TEST(Train, BadInputsAreClearErrors) {
  Table data = table({floats("x", {1, 2}), strings("s", {"a", "b"}), ints("y", {0, 1})});
  auto train = [&](TrainSpec s) { return errorOf([&] { trainMlp(data, s, ExecOptions{}); }); };
  EXPECT_NE(train(spec({"s"})).find("holds strings"), std::string::npos);
  EXPECT_NE(train(spec({"nope"})).find("nope"), std::string::npos);
  EXPECT_NE(train(spec({"x"}, "x")).find("cannot also be a feature"), std::string::npos);
  TrainSpec s = spec({"x"});
  s.optimizer = "rmsprop";
  EXPECT_NE(train(s).find("\"sgd\" or \"adam\""), std::string::npos);
  s = spec({"x"});
  s.epochs = 0;
  EXPECT_NE(train(s).find("epochs"), std::string::npos);
  s = spec({"x"});
  s.batchSize = 0;
  EXPECT_NE(train(s).find("batch_size"), std::string::npos);
  s = spec({"x"});
  s.categorical = {"x"};
  EXPECT_NE(train(s).find("int class indices"), std::string::npos);

  Table negative = table({floats("x", {1, 2}), ints("y", {0, -1})});
  EXPECT_NE(errorOf([&] { trainMlp(negative, spec({"x"}), ExecOptions{}); }).find("row 2"),
            std::string::npos);
  Table oneClass = table({floats("x", {1, 2}), ints("y", {0, 0})});
  EXPECT_NE(errorOf([&] { trainMlp(oneClass, spec({"x"}), ExecOptions{}); }).find("two"),
            std::string::npos);
  Table empty = table({floats("x", {}), ints("y", {})});
  EXPECT_NE(errorOf([&] { trainMlp(empty, spec({"x"}), ExecOptions{}); }).find("empty"),
            std::string::npos);
}

TEST(Train, CancelStopsBetweenEpochs) {
  Table data = clusters();
  ExecOptions exec;
  exec.canceled = [] { return true; };
  EXPECT_NE(errorOf([&] {
              trainLogisticRegression(data, spec({"a", "b"}), exec);
            }).find("canceled"),
            std::string::npos);
}
