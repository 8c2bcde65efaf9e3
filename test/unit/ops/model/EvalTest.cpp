#include "runtime/ops/model/Eval.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

using namespace mlpc::ops;
using namespace mlpc::ops::model;
using namespace mlpc::ops::test;

// labels      0 0 0 1 1 2 2
// predictions 0 0 1 1 0 0 1     (class 2 is never predicted)
// confusion [label][prediction] = [[2, 1, 0], [1, 1, 0], [1, 1, 0]]
// accuracy 3/7; class 0: P 2/4, R 2/3, F1 4/7; class 1: P 1/3, R 1/2,
// F1 2/5; class 2: P 0 (undefined), R 0, F1 0. Macro: P 5/18, R 7/18,
// F1 34/105.
TEST(Eval, MulticlassByHand) {
  Table data = table({ints("y", {0, 0, 0, 1, 1, 2, 2}), ints("p", {0, 0, 1, 1, 0, 0, 1})});
  EvalResult r = classification(data, "y", "p");
  EXPECT_EQ(r.rows, 7);
  EXPECT_EQ(r.skipped, 0);
  EXPECT_DOUBLE_EQ(r.accuracy, 3.0 / 7);
  ASSERT_EQ(r.classes.size(), 3u);
  EXPECT_DOUBLE_EQ(r.classes[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(r.classes[0].recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[0].f1, 4.0 / 7);
  EXPECT_DOUBLE_EQ(r.classes[1].precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[1].recall, 0.5);
  EXPECT_DOUBLE_EQ(r.classes[1].f1, 0.4);
  EXPECT_EQ(r.classes[2].precision, 0.0);
  EXPECT_EQ(r.classes[2].recall, 0.0);
  EXPECT_EQ(r.classes[2].f1, 0.0);
  EXPECT_EQ(r.classes[2].support, 2);
  EXPECT_EQ(r.classes[2].predicted, 0);
  EXPECT_DOUBLE_EQ(r.macroPrecision, 5.0 / 18);
  EXPECT_DOUBLE_EQ(r.macroRecall, 7.0 / 18);
  EXPECT_DOUBLE_EQ(r.macroF1, 34.0 / 105);
  EXPECT_EQ(r.confusion, (std::vector<std::vector<int64_t>>{{2, 1, 0}, {1, 1, 0}, {1, 1, 0}}));
  EXPECT_FALSE(r.auc); // not binary
  EXPECT_TRUE(r.roc.empty());
  EXPECT_EQ(r.classificationJson,
            "{\"confusionMatrix\": {\"annotationSpecs\": [{\"displayName\": \"0\"}, "
            "{\"displayName\": \"1\"}, {\"displayName\": \"2\"}], \"rows\": [{\"row\": [2, 1, "
            "0]}, {\"row\": [1, 1, 0]}, {\"row\": [1, 1, 0]}]}}");
}

// Class 1's probabilities 0.9 0.8 0.6 0.6 0.3 0.1 for labels 1 0 1 0 1 0
// (the 0.6 pair tied). ROC: (0,0) above every score, then (0, 1/3) at 0.9,
// (1/3, 1/3) at 0.8, (2/3, 2/3) at 0.6, (2/3, 1) at 0.3, (1, 1) at 0.1.
// AUC by trapezoids 1/9 + 1/6 + 1/3 = 11/18, which is also the share of
// (positive, negative) pairs ranked right, ties counting half: 5.5 / 9.
TEST(Eval, BinaryRocAndAucWithTies) {
  // Predictions and scores as std.infer.predict writes them: the class with
  // probability >= 0.5 and that probability.
  Table data = table({ints("y", {1, 0, 1, 0, 1, 0}), ints("prediction", {1, 1, 1, 1, 0, 0}),
                      floats("score", {0.9, 0.8, 0.6, 0.6, 0.7, 0.9})});
  EvalResult r = classification(data, "y", "prediction", std::string("score"), {"no", "yes"});
  ASSERT_TRUE(r.auc);
  EXPECT_NEAR(*r.auc, 11.0 / 18, 1e-12);
  ASSERT_EQ(r.roc.size(), 6u);
  const double fpr[] = {0, 0, 1.0 / 3, 2.0 / 3, 2.0 / 3, 1};
  const double tpr[] = {0, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1, 1};
  const double thr[] = {0.9, 0.8, 0.6, 0.3, 0.1};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_NEAR(r.roc[i].falsePositiveRate, fpr[i], 1e-12) << i;
    EXPECT_NEAR(r.roc[i].truePositiveRate, tpr[i], 1e-12) << i;
    if (i > 0) {
      EXPECT_NEAR(r.roc[i].threshold, thr[i - 1], 1e-12) << i;
    }
  }
  EXPECT_GT(r.roc[0].threshold, 0.9);
  EXPECT_EQ(r.classes[1].name, "yes");
  // accuracy: labels 1 0 1 0 1 0 vs predictions 1 1 1 1 0 0 -> 3/6.
  EXPECT_DOUBLE_EQ(r.accuracy, 0.5);

  std::string json = r.classificationJson;
  EXPECT_NE(json.find("\"annotationSpecs\": [{\"displayName\": \"no\"}, {\"displayName\": "
                      "\"yes\"}]"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"confidenceMetrics\": [{\"confidenceThreshold\": "), std::string::npos);
  EXPECT_NE(json.find("{\"confidenceThreshold\": 0.8, \"falsePositiveRate\": "
                      "0.3333333333333333, \"recall\": 0.3333333333333333}"),
            std::string::npos)
      << json;
  std::string metrics = r.metricsJson;
  EXPECT_EQ(metrics.substr(0, 14), "{\"accuracy\": 0");
  EXPECT_NE(metrics.find("\"auc\": 0.6111111111111"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\"precision_yes\": 0.5"), std::string::npos) << metrics;
}

TEST(Eval, SingleRowAndMissingRows) {
  Table one = table({ints("y", {1}), ints("p", {1})});
  EvalResult r = classification(one, "y", "p");
  EXPECT_EQ(r.accuracy, 1.0);
  ASSERT_EQ(r.classes.size(), 2u);
  // Class 0 occurs neither as label nor prediction: not in the macro mean.
  EXPECT_EQ(r.macroF1, 1.0);
  EXPECT_EQ(r.metricsJson,
            "{\"accuracy\": 1, \"macroPrecision\": 1, \"macroRecall\": 1, \"macroF1\": 1, "
            "\"rows\": 1, \"skippedRows\": 0, \"precision_0\": 0, \"recall_0\": 0, \"f1_0\": 0, "
            "\"precision_1\": 1, \"recall_1\": 1, \"f1_1\": 1}");

  Table gaps = table({ints("y", {0, 1, 1}, {1, 0, 1}), ints("p", {0, 1, 0})});
  EvalResult g = classification(gaps, "y", "p");
  EXPECT_EQ(g.rows, 2);
  EXPECT_EQ(g.skipped, 1);
  EXPECT_DOUBLE_EQ(g.accuracy, 0.5);
}

TEST(Eval, EmptyOrAllMissingIsAClearError) {
  Table empty = table({ints("y", {}), ints("p", {})});
  try {
    classification(empty, "y", "p");
    FAIL();
  } catch (const OpError &e) {
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }
  Table none = table({ints("y", {0, 1}, {0, 0}), ints("p", {0, 1})});
  try {
    classification(none, "y", "p");
    FAIL();
  } catch (const OpError &e) {
    EXPECT_NE(std::string(e.what()).find("no row of the 2 rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW(classification(table({ints("y", {-1}), ints("p", {0})}), "y", "p"), OpError);
  EXPECT_THROW(classification(table({floats("y", {1}), ints("p", {0})}), "y", "p"), OpError);
  EXPECT_THROW(classification(table({ints("y", {1}), ints("p", {0})}), "y", "nope"), OpError);
}

TEST(Eval, StringLabelsAgainstIndexPredictions) {
  // Raw rows scored through the model's transform keep their string label.
  Table data = table({strings("species", {"Adelie", "Gentoo", "Gentoo"}), ints("p", {0, 1, 0})});
  EvalResult r = classification(data, "species", "p", std::nullopt, {"Adelie", "Gentoo"});
  EXPECT_EQ(r.confusion, (std::vector<std::vector<int64_t>>{{1, 0}, {1, 1}}));
  EXPECT_THROW(classification(data, "species", "p", std::nullopt, {"Adelie", "Chinstrap"}),
               OpError);
  // Without names, string columns name their classes in sorted order.
  Table both = table({strings("a", {"b", "a"}), strings("b", {"b", "b"})});
  EvalResult s = classification(both, "a", "b");
  EXPECT_EQ(s.classes[0].name, "a");
  EXPECT_EQ(s.confusion, (std::vector<std::vector<int64_t>>{{0, 1}, {0, 1}}));
}

TEST(Eval, NoRocWhenOnlyOneClassIsLabelled) {
  Table data = table({ints("y", {1, 1}), ints("p", {1, 0}), floats("s", {0.9, 0.6})});
  EvalResult r = classification(data, "y", "p", std::string("s"));
  EXPECT_FALSE(r.auc);
  EXPECT_EQ(r.classificationJson.find("confidenceMetrics"), std::string::npos);
}

TEST(Eval, WriteTextReplacesTheFileOrNamesThePath) {
  std::string path = ::testing::TempDir() + "mlpc-eval-metrics.json";
  writeText("{\"old\": 1, \"longer\": 2}", path);
  writeText("{\"a\": 1}", path);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"a\": 1}");
  std::remove(path.c_str());
  try {
    writeText("{}", "/nonexistent-folder/metrics.json");
    FAIL();
  } catch (const OpError &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-folder/metrics.json"), std::string::npos);
  }
}
