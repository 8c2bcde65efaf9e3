// Parsing a large CSV in slices on several threads gives exactly what one
// pass gives: the same columns, missing values and errors.
#include "runtime/ops/Table.h"
#include "runtime/ops/io/Csv.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

using namespace mlpc::ops;

Schema schema() {
  return Schema{{{"id", DType::Int64},
                 {"x", DType::Float64, true},
                 {"name", DType::String, true},
                 {"ok", DType::Bool}}};
}

std::string csv(size_t rows, size_t badRow = SIZE_MAX) {
  std::mt19937 rng(11);
  std::string s = "id,x,name,ok\r\n";
  for (size_t r = 0; r < rows; ++r) {
    s += std::to_string(r) + ",";
    s += r == badRow ? "1.2.3" : (rng() % 7 == 0 ? "NA" : std::to_string(rng() % 1000 / 8.0));
    s += ",";
    s += rng() % 9 == 0 ? "" : "n" + std::to_string(rng() % 50);
    s += rng() % 2 ? ",true" : ",0";
    s += r % 3 ? "\n" : "\r\n";
  }
  return s;
}

void expectSame(const Table &a, const Table &b) {
  ASSERT_EQ(a.rows, b.rows);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    const Column &x = a.columns[c], &y = b.columns[c];
    EXPECT_EQ(x.ints, y.ints) << x.name;
    EXPECT_EQ(x.floats, y.floats) << x.name;
    EXPECT_EQ(x.strings, y.strings) << x.name;
    EXPECT_EQ(x.bools, y.bools) << x.name;
    for (size_t r = 0; r < a.rows; ++r)
      ASSERT_EQ(x.isValid(r), y.isValid(r)) << x.name << " row " << r;
  }
}

TEST(CsvParallel, SlicesGiveWhatOnePassGives) {
  std::string text = csv(5000);
  Table one = io::parseCsv(text, schema(), ',', "big.csv");
  ASSERT_EQ(one.rows, 5000u);
  for (unsigned threads : {2u, 3u, 7u}) {
    Table many = io::parseCsvParallel(text, schema(), ',', "big.csv", threads, 0);
    expectSame(one, many);
  }
}

TEST(CsvParallel, AnErrorInALaterSliceNamesTheFilesLine) {
  std::string text = csv(5000, 4321);
  std::string serial, parallel;
  try {
    io::parseCsvParallel(text, schema(), ',', "big.csv", 1, 0);
  } catch (const OpError &e) {
    serial = e.what();
  }
  try {
    io::parseCsvParallel(text, schema(), ',', "big.csv", 4, 0);
  } catch (const OpError &e) {
    parallel = e.what();
  }
  EXPECT_NE(serial.find("big.csv:4323:"), std::string::npos) << serial; // header + 4321 rows before
  EXPECT_EQ(serial, parallel);
}

TEST(CsvParallel, QuotedFilesAreParsedInOnePass) {
  std::string text = "id,x,name,ok\n1,0.5,\"a\nb\",true\n2,1.5,c,false\n";
  Table t = io::parseCsvParallel(text, schema(), ',', "q.csv", 4, 0);
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.at("name").strings[0], "a\nb");
}

TEST(CsvParallel, FewerLinesThanThreads) {
  std::string text = "id,x,name,ok\n1,0.5,a,true\n";
  Table t = io::parseCsvParallel(text, schema(), ',', "small.csv", 8, 0);
  ASSERT_EQ(t.rows, 1u);
  EXPECT_EQ(t.at("id").ints[0], 1);
  Table empty = io::parseCsvParallel("id,x,name,ok\n", schema(), ',', "h.csv", 8, 0);
  EXPECT_EQ(empty.rows, 0u);
}

} // namespace
