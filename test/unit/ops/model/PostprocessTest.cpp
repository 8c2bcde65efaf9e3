#include "runtime/ops/model/Postprocess.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlpc::ops;
using namespace mlpc::ops::model;
using namespace mlpc::ops::test;

namespace {

pb::TransformGraph
vocabularies(std::vector<std::pair<std::string, std::vector<std::string>>> columns) {
  pb::TransformGraph g;
  for (auto &[column, values] : columns) {
    pb::ColumnTransform *t = g.add_transforms();
    t->set_column(column);
    for (const std::string &v : values)
      t->mutable_vocabulary()->add_values(v);
  }
  return g;
}

} // namespace

TEST(ArgmaxLabel, MapsIndicesAndLeavesOovMissing) {
  pb::TransformGraph g = vocabularies({{"species", {"Adelie", "Gentoo", "Chinstrap"}}});
  // 3 is an OOV bucket, -1 a vocabulary's default value, row 5 is missing.
  Table data = table({ints("prediction", {0, 2, 3, -1, 1}, {1, 1, 1, 1, 0})});
  argmaxLabel(data, "prediction", g);
  const Column &label = data.at("label");
  EXPECT_EQ(label.type, DType::String);
  EXPECT_TRUE(label.nullable);
  EXPECT_EQ(label.strings[0], "Adelie");
  EXPECT_EQ(label.strings[1], "Chinstrap");
  EXPECT_EQ(label.valid, (std::vector<uint8_t>{1, 1, 0, 0, 0}));
  EXPECT_EQ(data.columns.size(), 2u);
}

TEST(ArgmaxLabel, ChoosesTheVocabulary) {
  pb::TransformGraph g =
      vocabularies({{"island", {"Biscoe", "Dream"}}, {"species", {"Adelie", "Gentoo"}}});
  Table data = table({ints("prediction", {1})});
  try {
    argmaxLabel(data, "prediction", g);
    FAIL() << "two vocabularies: which one is ambiguous";
  } catch (const OpError &e) {
    EXPECT_NE(std::string(e.what()).find("`island`, `species`"), std::string::npos) << e.what();
  }
  argmaxLabel(data, "prediction", g, "species");
  EXPECT_EQ(data.at("label").strings[0], "Gentoo");
  // The column's own vocabulary wins without a label column.
  Table island = table({ints("island", {1})});
  argmaxLabel(island, "island", g);
  EXPECT_EQ(island.at("label").strings[0], "Dream");
  EXPECT_THROW(argmaxLabel(data, "prediction", g, "sex"), OpError);
  EXPECT_THROW(argmaxLabel(data, "prediction", pb::TransformGraph{}), OpError);
  Table floatsOnly = table({floats("prediction", {1})});
  EXPECT_THROW(argmaxLabel(floatsOnly, "prediction", g, "species"), OpError);
}

TEST(TopK, HighestFirstTiesInInputOrder) {
  Table data = table({floats("score", {0.5, 0.9, 0.5, 0.1, 0.9}), ints("id", {0, 1, 2, 3, 4})});
  Table top = topK(data, "score", 3);
  EXPECT_EQ(top.rows, 3u);
  EXPECT_EQ(top.at("id").ints, (std::vector<int64_t>{1, 4, 0}));
  Table all = topK(data, "score", 10); // k > rows: every row, sorted
  EXPECT_EQ(all.at("id").ints, (std::vector<int64_t>{1, 4, 0, 2, 3}));
  EXPECT_EQ(topK(data, "score", 0).rows, 0u);
  EXPECT_EQ(topK(data, "score", 0).columns.size(), 2u);
  EXPECT_THROW(topK(data, "score", -1), OpError);
}

TEST(TopK, MissingRanksLastAndStringsAreRejected) {
  Table data = table({ints("v", {3, 7, 5}, {1, 0, 1}), floats("f", {NAN, 1, 2})});
  EXPECT_EQ(topK(data, "v", 3).at("v").ints, (std::vector<int64_t>{5, 3, 7}));
  EXPECT_EQ(topK(data, "v", 3).at("v").valid, (std::vector<uint8_t>{1, 1, 0}));
  EXPECT_EQ(topK(data, "f", 1).at("f").floats, (std::vector<double>{2}));
  Table s = table({strings("s", {"a"})});
  EXPECT_THROW(topK(s, "s", 1), OpError);
}

TEST(Threshold, PositiveAtOrAboveAndMissingStaysMissing) {
  Table data = table({floats("score", {0.2, 0.5, 0.8, 0.9, NAN}, {1, 1, 1, 0, 1})});
  threshold(data, "score", 0.5);
  const Column &p = data.at("positive");
  EXPECT_EQ(p.type, DType::Bool);
  EXPECT_TRUE(p.nullable);
  EXPECT_EQ(p.valid, (std::vector<uint8_t>{1, 1, 1, 0, 0}));
  EXPECT_EQ(p.bools[0], 0);
  EXPECT_EQ(p.bools[1], 1); // equal counts as positive
  EXPECT_EQ(p.bools[2], 1);
  Table ints3 = table({ints("n", {1, 2, 3})});
  threshold(ints3, "n", 2);
  EXPECT_EQ(ints3.at("positive").bools, (std::vector<uint8_t>{0, 1, 1}));
  threshold(ints3, "n", 3); // replaces the column
  EXPECT_EQ(ints3.columns.size(), 2u);
  EXPECT_EQ(ints3.at("positive").bools, (std::vector<uint8_t>{0, 0, 1}));
  Table s = table({strings("s", {"a"})});
  EXPECT_THROW(threshold(s, "s", 0.5), OpError);
}
