// The model ops with the real std.transform: fit on raw rows, train on the
// transformed ones with the transform embedded, then score raw and
// transformed rows alike (the penguin example's flow).
#include "runtime/ops/model/Eval.h"
#include "runtime/ops/model/Postprocess.h"
#include "runtime/ops/model/Predict.h"
#include "runtime/ops/model/Train.h"
#include "runtime/ops/transform/Transform.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlpc::ops;
using namespace mlpc::ops::model;
using namespace mlpc::ops::test;

namespace {

// Species follows the bill length; island is noise.
Table rawPenguins() {
  const char *species[] = {"Adelie", "Gentoo", "Chinstrap"};
  const char *islands[] = {"Biscoe", "Dream", "Torgersen"};
  std::vector<std::string> s, island;
  std::vector<double> bill;
  for (int i = 0; i < 90; ++i) {
    int k = (i * 7) % 3;
    s.push_back(species[k]);
    island.push_back(islands[(i / 3) % 3]);
    bill.push_back(38.0 + 6.0 * k + std::sin(i) * 1.5);
  }
  return table({strings("species", s), strings("island", island), floats("bill", bill)});
}

} // namespace

TEST(Pipeline, RawAndTransformedRowsScoreAlike) {
  Table raw = rawPenguins();
  transform::FitSpec fit;
  fit.zScore = {"bill"};
  fit.vocabulary = {"species", "island"};
  pb::TransformGraph graph = transform::fit(raw, fit);
  Table rows = transform::apply(raw, graph);

  TrainSpec s;
  s.label = "species";
  s.features = {"bill", "island"};
  s.categorical = {"island"};
  s.transform = &graph;
  s.epochs = 60;
  pb::Model m = trainLogisticRegression(rows, s, ExecOptions{});
  // Class names come from the fitted vocabulary, in its order.
  const pb::Vocabulary *vocab = nullptr;
  for (const pb::ColumnTransform &t : graph.transforms())
    if (t.column() == "species")
      vocab = &t.vocabulary();
  ASSERT_NE(vocab, nullptr);
  ASSERT_EQ(m.class_names_size(), 3);
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(m.class_names(k), vocab->values(k));
  EXPECT_EQ(m.features(1).size(), 3); // island's vocabulary

  Table fromRows = predict(rows, m, ExecOptions{});
  Table fromRaw = predict(raw, m, ExecOptions{});
  EXPECT_EQ(fromRaw.at("island").type, DType::String); // raw columns kept
  EXPECT_EQ(fromRows.at("prediction").ints, fromRaw.at("prediction").ints);
  EXPECT_EQ(fromRows.at("score").floats, fromRaw.at("score").floats);
  // Unlabelled raw rows: the transform skips the missing label column.
  Table unlabelled = raw;
  unlabelled.columns.erase(unlabelled.columns.begin());
  EXPECT_EQ(predict(unlabelled, m, ExecOptions{}).at("prediction").ints,
            fromRows.at("prediction").ints);

  EvalResult r = classification(fromRows, "species", "prediction", std::string("score"),
                                {m.class_names().begin(), m.class_names().end()});
  EXPECT_EQ(r.accuracy, 1.0);
  // The raw string labels evaluate against the same class names.
  EvalResult byName = classification(fromRaw, "species", "prediction", std::nullopt,
                                     {m.class_names().begin(), m.class_names().end()});
  EXPECT_EQ(byName.confusion, r.confusion);

  argmaxLabel(fromRows, "prediction", graph, "species");
  EXPECT_EQ(fromRows.at("label").strings, raw.at("species").strings);
}

TEST(Pipeline, ScalingOnlyTransformNeedsRawSaidOutright) {
  // z-score keeps the column's type: raw and transformed rows look alike, so
  // Auto takes them as transformed and RowForm::Raw applies the transform.
  Table raw = table({floats("x", {10, 20, 30, 40}), ints("y", {0, 0, 1, 1})});
  transform::FitSpec fit;
  fit.zScore = {"x"};
  pb::TransformGraph graph = transform::fit(raw, fit);
  Table rows = transform::apply(raw, graph);
  TrainSpec s;
  s.label = "y";
  s.features = {"x"};
  s.transform = &graph;
  s.epochs = 50;
  pb::Model m = trainLogisticRegression(rows, s, ExecOptions{});
  std::vector<double> fromRows = predictProba(rows, m, ExecOptions{});
  std::vector<double> fromRaw = predictProba(raw, m, ExecOptions{}, RowForm::Raw);
  ASSERT_EQ(fromRows.size(), fromRaw.size());
  for (size_t i = 0; i < fromRows.size(); ++i)
    EXPECT_DOUBLE_EQ(fromRows[i], fromRaw[i]);
  // Auto on raw rows here scores the unscaled values: different numbers.
  EXPECT_NE(predictProba(raw, m, ExecOptions{})[0], fromRaw[0]);
}
