// tf.Example encoding (bytes computed by hand from the proto wire format),
// TFX's Examples folder layout, round trips and the messages for data that
// does not fit the schema.
#include "runtime/ops/io/Gzip.h"
#include "runtime/ops/io/TfRecord.h"
#include "runtime/ops/io/example.pb.h"

#include "test/unit/ops/io/TempDir.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mlpc::ops::io {
namespace {

using test::errorOf;

std::string bytesOf(std::initializer_list<int> v) {
  std::string s;
  for (int b : v)
    s += static_cast<char>(b);
  return s;
}

Table oneColumn(Column c) {
  Table t;
  t.rows = c.size();
  t.columns.push_back(std::move(c));
  return t;
}

TEST(Examples, EncodingMatchesTheWireFormatByHand) {
  Column a("a", DType::Int64);
  a.ints = {5};
  // Example{features(1){feature(1){key(1) "a", value(2) Feature{int64_list(3){value(1) [5]}}}}}
  EXPECT_EQ(encodeExamples(oneColumn(a)),
            std::vector<std::string>{bytesOf({0x0a, 0x0c, 0x0a, 0x0a, 0x0a, 0x01, 'a', 0x12, 0x05,
                                              0x1a, 0x03, 0x0a, 0x01, 0x05})});

  // Features sorted by name: "a" (bytes_list(1) "hi") before "b" (float_list(2),
  // packed float32 1.5 = 00 00 c0 3f).
  Table t;
  t.rows = 1;
  Column b("b", DType::Float64);
  b.floats = {1.5};
  Column s("a", DType::String);
  s.strings = {"hi"};
  t.columns = {b, s};
  EXPECT_EQ(encodeExamples(t), std::vector<std::string>{bytesOf(
                                   {0x0a, 0x1c, 0x0a, 0x0b, 0x0a, 0x01, 'a',  0x12, 0x06, 0x0a,
                                    0x04, 0x0a, 0x02, 'h',  'i',  0x0a, 0x0d, 0x0a, 0x01, 'b',
                                    0x12, 0x08, 0x12, 0x06, 0x0a, 0x04, 0x00, 0x00, 0xc0, 0x3f})});

  // A missing value is an empty list of the column's kind; bools are 0/1.
  Column m("a", DType::Int64, true);
  m.appendMissing();
  Column flag("a", DType::Bool);
  flag.bools = {1};
  EXPECT_EQ(encodeExamples(oneColumn(m)),
            std::vector<std::string>{
                bytesOf({0x0a, 0x09, 0x0a, 0x07, 0x0a, 0x01, 'a', 0x12, 0x02, 0x1a, 0x00})});
  EXPECT_EQ(encodeExamples(oneColumn(flag)),
            std::vector<std::string>{bytesOf({0x0a, 0x0c, 0x0a, 0x0a, 0x0a, 0x01, 'a', 0x12, 0x05,
                                              0x1a, 0x03, 0x0a, 0x01, 0x01})});
}

Schema testSchema() {
  return Schema{{{"i", DType::Int64},
                 {"f", DType::Float64},
                 {"s", DType::String},
                 {"b", DType::Bool},
                 {"maybe", DType::Float64, true}}};
}

// Values float32 holds exactly, so they read back unchanged.
Table testTable(int64_t first, size_t rows) {
  Table t = Table::empty(testSchema());
  t.rows = rows;
  for (size_t r = 0; r < rows; ++r) {
    t.columns[0].ints.push_back(first + static_cast<int64_t>(r) * 1000000000000LL);
    t.columns[1].floats.push_back(r == 1 ? HUGE_VAL : -2.25 * static_cast<double>(r));
    t.columns[2].strings.push_back(std::string("s\0", 2) + std::to_string(r));
    t.columns[3].bools.push_back(r % 2);
    if (r == 0)
      t.columns[4].appendMissing();
    else {
      t.columns[4].floats.push_back(0.5 * static_cast<double>(r));
      t.columns[4].valid.push_back(1);
    }
  }
  return t;
}

void expectSame(const Table &a, const Table &b) {
  ASSERT_EQ(a.rows, b.rows);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    EXPECT_EQ(a.columns[c].ints, b.columns[c].ints);
    EXPECT_EQ(a.columns[c].floats, b.columns[c].floats);
    EXPECT_EQ(a.columns[c].strings, b.columns[c].strings);
    EXPECT_EQ(a.columns[c].bools, b.columns[c].bools);
    EXPECT_EQ(a.columns[c].valid, b.columns[c].valid);
  }
}

TEST(Examples, RoundTripThroughTfxFolderLayout) {
  test::TempDir dir;
  Table train = testTable(-7, 3);
  Table eval = testTable(100, 2);
  writeExamples({{"train", train}, {"eval", eval}}, dir.path().string());
  std::string trainFile = dir.file("Split-train/data_tfrecord-00000-of-00001.gz");
  ASSERT_TRUE(std::filesystem::is_regular_file(trainFile));
  ASSERT_TRUE(
      std::filesystem::is_regular_file(dir.file("Split-eval/data_tfrecord-00000-of-00001.gz")));
  EXPECT_TRUE(isGzip(test::readBytes(trainFile)));
  EXPECT_EQ(readTfRecordFile(trainFile).size(), 3u);

  expectSame(readExamples(dir.path().string(), testSchema(), "train"), train);
  expectSame(readExamples(dir.path().string(), testSchema(), "eval"), eval);
  expectSame(readExamples(trainFile, testSchema()), train);
  // Every split, in name order: eval, then train.
  Table all = readExamples(dir.path().string(), testSchema());
  ASSERT_EQ(all.rows, 5u);
  EXPECT_EQ(all.at("i").ints,
            (std::vector<int64_t>{100, 1000000000100LL, -7, 999999999993LL, 1999999999993LL}));
  EXPECT_EQ(all.at("maybe").valid, (std::vector<uint8_t>{0, 1, 0, 1, 1}));
}

TEST(Examples, FolderWithoutSplitsReadsItsFilesInNameOrder) {
  test::TempDir dir;
  writeTfRecordFile(dir.file("part-1"), encodeExamples(testTable(50, 1)), false);
  writeTfRecordFile(dir.file("part-0"), encodeExamples(testTable(10, 2)), true);
  writeTfRecordFile(dir.file("_ignored"), {"not an example"}, false);
  test::writeBytes(dir.file(".hidden"), "junk");
  Table t = readExamples(dir.path().string(), testSchema());
  EXPECT_EQ(t.at("i").ints, (std::vector<int64_t>{10, 1000000000010LL, 50}));
}

TEST(Examples, FloatsAreStoredAsFloat32) {
  test::TempDir dir;
  Column f("f", DType::Float64);
  f.floats = {0.1, 1e39, std::numeric_limits<double>::quiet_NaN(), -0.0};
  writeExamples({{"x", oneColumn(f)}}, dir.path().string());
  Table t = readExamples(dir.path().string(), Schema{{{"f", DType::Float64}}}, "x");
  const std::vector<double> &v = t.at("f").floats;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], static_cast<double>(0.1f));
  EXPECT_NE(v[0], 0.1);
  EXPECT_EQ(v[1], HUGE_VAL); // beyond float32's range
  EXPECT_TRUE(std::isnan(v[2]));
  EXPECT_TRUE(std::signbit(v[3]));
}

TEST(Examples, MissingFeatureInRequiredColumnIsAnError) {
  test::TempDir dir;
  Column a("a", DType::Int64);
  a.ints = {1};
  writeExamples({{"train", oneColumn(a)}}, dir.path().string());
  std::string file = dir.file("Split-train/data_tfrecord-00000-of-00001.gz");
  EXPECT_EQ(errorOf([&] {
              readExamples(dir.path().string(), Schema{{{"x", DType::Float64}}});
            }),
            file + ": record 0 at byte 0 of the uncompressed data: feature `x` is absent, but "
                   "column `x` is not optional; declare it optional (e.g. `float?`) to allow "
                   "missing values");
  // Read as optional, an absent feature is a missing value.
  Table t = readExamples(dir.path().string(), Schema{{{"x", DType::Float64, true}}});
  EXPECT_EQ(t.at("x").valid, (std::vector<uint8_t>{0}));
}

TEST(Examples, EmptyListInRequiredColumnNamesTheRecord) {
  test::TempDir dir;
  Column m("m", DType::String, true);
  m.strings = {"x", "", "z"};
  m.valid = {1, 0, 1};
  std::vector<std::string> records = encodeExamples(oneColumn(m));
  std::string path = dir.file("m.tfrecord");
  writeTfRecordFile(path, records, false);
  size_t offset = records[0].size() + 16;
  EXPECT_EQ(errorOf([&] {
              readExamples(path, Schema{{{"m", DType::String}}});
            }),
            path + ": record 1 at byte " + std::to_string(offset) +
                ": feature `m` is an empty list, but column `m` is not optional; declare it "
                "optional (e.g. `string?`) to allow missing values");
}

TEST(Examples, WrongKindsAndValuesAreErrors) {
  test::TempDir dir;
  std::string path = dir.file("d.tfrecord");
  Column a("a", DType::Int64);
  a.ints = {2};
  writeTfRecordFile(path, encodeExamples(oneColumn(a)), false);
  EXPECT_EQ(errorOf([&] {
              readExamples(path, Schema{{{"a", DType::Float64}}});
            }),
            path + ": record 0 at byte 0: feature `a` is an int64_list, but column `a` is float, "
                   "read from a float_list");
  EXPECT_EQ(errorOf([&] {
              readExamples(path, Schema{{{"a", DType::String}}});
            }),
            path + ": record 0 at byte 0: feature `a` is an int64_list, but column `a` is "
                   "string, read from a bytes_list");
  EXPECT_EQ(errorOf([&] {
              readExamples(path, Schema{{{"a", DType::Bool}}});
            }),
            path + ": record 0 at byte 0: feature `a` holds 2, but column `a` is bool (0 or 1)");

  tf::Example ex;
  auto &list = *(*ex.mutable_features()->mutable_feature())["a"].mutable_int64_list();
  list.add_value(1);
  list.add_value(2);
  writeTfRecordFile(path, {ex.SerializeAsString()}, false);
  EXPECT_EQ(errorOf([&] {
              readExamples(path, Schema{{{"a", DType::Int64}}});
            }),
            path + ": record 0 at byte 0: feature `a` holds 2 values; a column holds one value "
                   "per row");

  writeTfRecordFile(path,
                    {"\x0a\x05"
                     "ab"},
                    false);
  EXPECT_EQ(errorOf([&] {
              readExamples(path, Schema{{{"a", DType::Int64}}});
            }),
            path + ": record 0 at byte 0: the record is not a tf.Example");
}

TEST(Examples, FolderProblemsAreErrors) {
  test::TempDir dir;
  std::string root = dir.path().string();
  Schema s{{{"i", DType::Int64}}};
  EXPECT_EQ(errorOf([&] { readExamples(root, s); }), "no TFRecord files in `" + root + "`");
  EXPECT_EQ(errorOf([&] { readExamples(root + "/nope", s); }),
            "no file or folder `" + root + "/nope`");
  writeExamples({{"train", testTable(0, 1)}, {"eval", testTable(0, 1)}}, root);
  EXPECT_EQ(errorOf([&] { readExamples(root, s, "test"); }),
            "no split `test` in `" + root + "` (its splits: eval, train)");
  std::string file = dir.file("Split-train/data_tfrecord-00000-of-00001.gz");
  EXPECT_EQ(errorOf([&] { readExamples(file, s, "train"); }),
            "`" + file +
                "` is a file, so it has no split `train`; give the Examples folder to "
                "read a split");
  EXPECT_EQ(errorOf([&] {
              writeExamples({{"a/b", testTable(0, 1)}}, root);
            }),
            "invalid split name `a/b`: use a plain name such as `train`");
}

} // namespace
} // namespace mlpc::ops::io
