// drop_missing, fill_missing, filter and split.
#include "runtime/ops/transform/Transform.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace mlpc::ops;
using namespace mlpc::ops::transform;
using namespace mlpc::ops::test;

namespace {

Table withMissing() {
  return table({floats("a", {1, 2, 3, 4}, {1, 0, 1, 1}),
                strings("b", {"x", "y", "", "w"}, {1, 1, 0, 1}), ints("c", {10, 20, 30, 40})});
}

// Expects `what` to throw an OpError whose message contains `part`.
TEST(DropMissing, DropsRowsMissingAnyListedColumn) {
  Table t = withMissing();
  dropMissing(t, {"a", "b"});
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.at("a").floats, (std::vector<double>{1, 4}));
  EXPECT_EQ(t.at("b").strings, (std::vector<std::string>{"x", "w"}));
  EXPECT_EQ(t.at("c").ints, (std::vector<int64_t>{10, 40}));
  for (const char *name : {"a", "b"}) {
    EXPECT_FALSE(t.at(name).nullable) << name;
    EXPECT_TRUE(t.at(name).valid.empty()) << name;
  }
}

TEST(DropMissing, OtherColumnsKeepTheirMissingValues) {
  Table t = withMissing();
  dropMissing(t, {"a"});
  ASSERT_EQ(t.rows, 3u);
  EXPECT_EQ(t.at("a").floats, (std::vector<double>{1, 3, 4}));
  EXPECT_TRUE(t.at("b").nullable);
  EXPECT_EQ(t.at("b").valid, (std::vector<uint8_t>{1, 0, 1}));
}

TEST(DropMissing, EmptyListAndEmptyTable) {
  Table t = withMissing();
  dropMissing(t, {});
  EXPECT_EQ(t.rows, 4u);
  EXPECT_TRUE(t.at("a").nullable);
  Table empty = table({floats("a", {}, {})});
  empty.columns[0].nullable = true;
  dropMissing(empty, {"a"});
  EXPECT_EQ(empty.rows, 0u);
  EXPECT_FALSE(empty.at("a").nullable);
}

TEST(DropMissing, UnknownColumnNamesIt) {
  Table t = withMissing();
  expectError([&] { dropMissing(t, {"nope"}); }, "`nope`");
}

TEST(FillMissing, ConvertsTheTextToEachColumnsType) {
  Table t = table({floats("f", {1, 0, 3}, {1, 0, 1}), ints("i", {0, 5, 0}, {0, 1, 0}),
                   strings("s", {"", "q", ""}, {0, 1, 1}), bools("b", {0, 1, 0}, {0, 1, 1})});
  fillMissing(t, {"f"}, "2.5");
  fillMissing(t, {"i"}, " -7 ");
  fillMissing(t, {"s"}, "NA");
  fillMissing(t, {"b"}, "true");
  EXPECT_EQ(t.at("f").floats, (std::vector<double>{1, 2.5, 3}));
  EXPECT_EQ(t.at("i").ints, (std::vector<int64_t>{-7, 5, -7}));
  // Only the missing slot changes: row 2's "" was present.
  EXPECT_EQ(t.at("s").strings, (std::vector<std::string>{"NA", "q", ""}));
  EXPECT_EQ(t.at("b").bools, (std::vector<uint8_t>{1, 1, 0}));
  for (const Column &c : t.columns) {
    EXPECT_FALSE(c.nullable) << c.name;
    EXPECT_TRUE(c.valid.empty()) << c.name;
  }
}

TEST(FillMissing, NanAndInfinityAreFloats) {
  Table t = table({floats("f", {0, 0}, {0, 1})});
  fillMissing(t, {"f"}, "nan");
  EXPECT_TRUE(std::isnan(t.at("f").floats[0]));
  Table u = table({floats("f", {0, 0}, {0, 1})});
  fillMissing(u, {"f"}, "-Inf");
  EXPECT_EQ(u.at("f").floats[0], -INFINITY);
}

TEST(FillMissing, TextTheTypeCannotHoldIsAnError) {
  Table t =
      table({ints("i", {0, 1}, {0, 1}), floats("f", {0, 1}, {0, 1}), bools("b", {0, 1}, {0, 1})});
  expectError([&] { fillMissing(t, {"i"}, "abc"); }, "`i`");
  expectError([&] { fillMissing(t, {"i"}, "1.5"); }, "\"1.5\"");
  expectError([&] { fillMissing(t, {"i"}, "99999999999999999999"); }, "`i`");
  expectError([&] { fillMissing(t, {"f"}, "1.5x"); }, "`f`");
  expectError([&] { fillMissing(t, {"f"}, ""); }, "`f`");
  expectError([&] { fillMissing(t, {"b"}, "yes"); }, "`b`");
  // Nothing changed on failure.
  EXPECT_TRUE(t.at("i").nullable);
  EXPECT_EQ(t.at("i").valid, (std::vector<uint8_t>{0, 1}));
}

TEST(FillMissing, ColumnWithoutMissingValuesBecomesRequired) {
  Table t = table({floats("f", {1, 2}, {1, 1})});
  fillMissing(t, {"f"}, "0");
  EXPECT_EQ(t.at("f").floats, (std::vector<double>{1, 2}));
  EXPECT_FALSE(t.at("f").nullable);
}

TEST(FilterEquals, KeepsMatchingRowsOnly) {
  Table t = table({strings("species", {"Adelie", "Gentoo", "Adelie", "Adelie"}, {1, 1, 0, 1}),
                   floats("x", {1, 2, 3, 4})});
  filterEquals(t, "species", "Adelie");
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.at("x").floats, (std::vector<double>{1, 4})); // the missing one is dropped
}

TEST(FilterEquals, ComparesAsTheColumnsType) {
  Table t =
      table({floats("f", {2, 2.5, NAN, 2}), ints("i", {20, 21, 20, 22}), bools("b", {1, 0, 1, 1})});
  Table a = t;
  filterEquals(a, "f", "2.0");
  EXPECT_EQ(a.at("i").ints, (std::vector<int64_t>{20, 22}));
  Table b = t;
  filterEquals(b, "i", " +20 ");
  EXPECT_EQ(b.at("i").ints, (std::vector<int64_t>{20, 20}));
  Table c = t;
  filterEquals(c, "b", "1");
  EXPECT_EQ(c.at("i").ints, (std::vector<int64_t>{20, 20, 22}));
  Table d = t;
  filterEquals(d, "f", "nan"); // NaN equals nothing
  EXPECT_EQ(d.rows, 0u);
  Table e = t;
  expectError([&] { filterEquals(e, "i", "twenty"); }, "\"twenty\"");
  expectError([&] { filterEquals(e, "missing", "1"); }, "`missing`");
}

Table numbered(size_t n) {
  std::vector<int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), int64_t{0});
  std::vector<double> x(ids.begin(), ids.end());
  return table({ints("id", ids), floats("x", x)});
}

TEST(Split, GoldenPermutationIsPortable) {
  // Computed independently (a Python MT19937-64 and the same Fisher-Yates):
  // std::mt19937_64 is fully specified, so every platform gets these rows.
  auto [train, test] = split(numbered(20), 0.75, 42);
  EXPECT_EQ(test.at("id").ints, (std::vector<int64_t>{3, 4, 5, 6, 18}));
  EXPECT_EQ(train.rows, 15u);
  auto [train7, test7] = split(numbered(20), 0.75, 7);
  EXPECT_EQ(test7.at("id").ints, (std::vector<int64_t>{6, 8, 10, 13, 15}));
  auto [odd, rest] = split(numbered(7), 0.5, 1);
  // round(3.5) = 4 rows to train.
  EXPECT_EQ(odd.at("id").ints, (std::vector<int64_t>{1, 3, 4, 6}));
  EXPECT_EQ(rest.at("id").ints, (std::vector<int64_t>{0, 2, 5}));
}

TEST(Split, PartitionsRowsInOriginalOrderAndIsDeterministic) {
  const Table t = numbered(1000);
  auto [train, test] = split(t, 0.8, 123);
  EXPECT_EQ(train.rows, 800u);
  EXPECT_EQ(test.rows, 200u);
  std::vector<int64_t> all = train.at("id").ints;
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_TRUE(std::is_sorted(test.at("id").ints.begin(), test.at("id").ints.end()));
  all.insert(all.end(), test.at("id").ints.begin(), test.at("id").ints.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, t.at("id").ints);
  // Columns stay aligned.
  for (size_t r = 0; r < train.rows; ++r)
    EXPECT_EQ(train.at("x").floats[r], static_cast<double>(train.at("id").ints[r]));
  auto [again, againTest] = split(t, 0.8, 123);
  EXPECT_EQ(again.at("id").ints, train.at("id").ints);
  auto [other, otherTest] = split(t, 0.8, 124);
  EXPECT_NE(other.at("id").ints, train.at("id").ints);
}

TEST(Split, FractionsAndSmallTables) {
  EXPECT_EQ(split(numbered(10), 0.01, 1).first.rows, 0u);
  EXPECT_EQ(split(numbered(10), 0.99, 1).first.rows, 10u);
  EXPECT_EQ(split(numbered(3), 0.5, 1).first.rows, 2u);
  auto [train, test] = split(numbered(0), 0.5, 1);
  EXPECT_EQ(train.rows, 0u);
  EXPECT_EQ(test.rows, 0u);
  EXPECT_EQ(train.columns.size(), 2u);
  auto [one, none] = split(numbered(1), 0.8, 5);
  EXPECT_EQ(one.rows, 1u);
  EXPECT_EQ(none.rows, 0u);
}

TEST(Split, FractionOutsideZeroOneIsAnError) {
  for (double f : {0.0, 1.0, -0.5, 1.5, static_cast<double>(NAN)})
    expectError([&] { split(numbered(5), f, 1); }, "train_fraction");
}

TEST(Split, KeepsMissingValues) {
  Table t = table({floats("a", {1, 2, 3, 4}, {1, 0, 1, 0})});
  auto [train, test] = split(t, 0.5, 9);
  for (const Table *part : {&train, &test})
    for (size_t r = 0; r < part->rows; ++r) {
      const Column &a = part->at("a");
      // Rows 2 and 4 (values 2 and 4) are the missing ones.
      EXPECT_EQ(a.isValid(r), a.floats[r] == 1 || a.floats[r] == 3);
    }
}

} // namespace
