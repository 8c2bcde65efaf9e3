// toCsv/writeCsv: the exact text, quoting, float forms, round trips through
// readCsv, and write failures.
#include "runtime/ops/io/Csv.h"

#include "test/unit/ops/io/TempDir.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>

namespace mlpc::ops::io {
namespace {

using test::errorOf;

Column floats(const std::string &name, std::vector<double> v) {
  Column c(name, DType::Float64);
  c.floats = std::move(v);
  return c;
}
Column ints(const std::string &name, std::vector<int64_t> v) {
  Column c(name, DType::Int64);
  c.ints = std::move(v);
  return c;
}
Column strings(const std::string &name, std::vector<std::string> v) {
  Column c(name, DType::String);
  c.strings = std::move(v);
  return c;
}
Column bools(const std::string &name, std::vector<uint8_t> v) {
  Column c(name, DType::Bool);
  c.bools = std::move(v);
  return c;
}
Table tableOf(std::vector<Column> columns) {
  Table t;
  t.rows = columns.empty() ? 0 : columns[0].size();
  t.columns = std::move(columns);
  return t;
}

TEST(CsvWrite, HeaderAndRows) {
  Table t = tableOf({ints("i", {1, -7}), floats("f", {0.1, 1e300}), strings("s", {"plain", "a,b"}),
                     bools("b", {1, 0})});
  EXPECT_EQ(toCsv(t), "i,f,s,b\n1,0.1,plain,true\n-7,1e+300,\"a,b\",false\n");
}

TEST(CsvWrite, QuotesOnlyWhenNeeded) {
  Table t = tableOf({strings("s", {"say \"hi\"", "two\nlines", "cr\rhere", " lead", "trail ", "",
                                   "NA", "N/A", "semi;colon", "tab\tinside"})});
  EXPECT_EQ(toCsv(t), "s\n\"say \"\"hi\"\"\"\n\"two\nlines\"\n\"cr\rhere\"\n\" lead\"\n\"trail \"\n"
                      "\"\"\n\"NA\"\nN/A\nsemi;colon\ntab\tinside\n");
  EXPECT_EQ(toCsv(t, ';'), "s\n\"say \"\"hi\"\"\"\n\"two\nlines\"\n\"cr\rhere\"\n\" lead\"\n"
                           "\"trail \"\n\"\"\n\"NA\"\nN/A\n\"semi;colon\"\ntab\tinside\n");
  Table named = tableOf({ints("a,b", {1}), ints("c\"d", {2})});
  EXPECT_EQ(toCsv(named), "\"a,b\",\"c\"\"d\"\n1,2\n");
}

TEST(CsvWrite, FloatsInShortestRoundTripForm) {
  Table t = tableOf({floats(
      "f", {std::nan(""), HUGE_VAL, -HUGE_VAL, -0.0, 5e-324, 0.1 + 0.2, 123456789.0, 1.5e-7})});
  EXPECT_EQ(toCsv(t), "f\nnan\ninf\n-inf\n-0\n5e-324\n0.30000000000000004\n123456789\n1.5e-07\n");
}

TEST(CsvWrite, MissingValuesAreEmptyFields) {
  Column i = ints("i", {1, 0, 3});
  i.nullable = true;
  i.valid = {1, 0, 1};
  Column s = strings("s", {"", "x", ""});
  s.nullable = true;
  s.valid = {0, 1, 1};
  EXPECT_EQ(toCsv(tableOf({i, s})), "i,s\n1,\n,x\n3,\"\"\n");
}

TEST(CsvWrite, InconsistentTableIsAnError) {
  Table t = tableOf({ints("a", {1, 2})});
  t.columns.push_back(ints("b", {1}));
  EXPECT_EQ(errorOf([&] { toCsv(t); }), "CSV: column `b` has 1 values but the table has 2 rows");
}

// Every kind of value, missing values, and text that needs quoting.
Table awkwardTable() {
  Column f = floats("f", {std::nan(""), HUGE_VAL, -HUGE_VAL, -0.0, 0.1, 5e-324,
                          std::numeric_limits<double>::max(), 0.0});
  f.nullable = true;
  f.valid = {1, 1, 1, 1, 1, 1, 1, 0};
  Column i = ints("i", {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0,
                        -1, 42, 7, 0, 9});
  i.nullable = true;
  i.valid = {1, 1, 0, 1, 1, 1, 1, 1};
  Column s =
      strings("s", {"a,b", "say \"hi\"", "two\nlines", "", "NA", " padded ", "\xC3\xA9\t;", ""});
  s.nullable = true;
  s.valid = {1, 1, 1, 1, 1, 1, 1, 0};
  Column b = bools("b", {1, 0, 1, 0, 0, 1, 1, 0});
  b.nullable = true;
  b.valid = {1, 1, 1, 1, 0, 1, 1, 1};
  return tableOf({f, i, s, b});
}

void expectSameTable(const Table &a, const Table &b) {
  ASSERT_EQ(a.rows, b.rows);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    const Column &x = a.columns[c];
    const Column &y = b.columns[c];
    ASSERT_EQ(x.name, y.name);
    for (size_t r = 0; r < a.rows; ++r) {
      ASSERT_EQ(x.isValid(r), y.isValid(r)) << x.name << " row " << r;
      if (!x.isValid(r))
        continue;
      switch (x.type) {
      case DType::Float64:
        if (std::isnan(x.floats[r]))
          EXPECT_TRUE(std::isnan(y.floats[r])) << "row " << r;
        else
          EXPECT_EQ(std::memcmp(&x.floats[r], &y.floats[r], 8), 0)
              << "row " << r << ": " << x.floats[r] << " read back as " << y.floats[r];
        break;
      case DType::Int64:
        EXPECT_EQ(x.ints[r], y.ints[r]) << "row " << r;
        break;
      case DType::String:
        EXPECT_EQ(x.strings[r], y.strings[r]) << "row " << r;
        break;
      case DType::Bool:
        EXPECT_EQ(x.bools[r], y.bools[r]) << "row " << r;
        break;
      }
    }
  }
}

TEST(CsvWrite, RoundTripsThroughReadCsv) {
  test::TempDir dir;
  Table t = awkwardTable();
  for (char delimiter : {',', ';', '\t'}) {
    std::string path = dir.file("out.csv");
    writeCsv(t, path, delimiter);
    SCOPED_TRACE(std::string("separator ") + delimiter);
    expectSameTable(t, readCsv(path, t.schema(), delimiter));
  }
}

TEST(CsvWrite, ReplacesTheFileWithoutLeavingTemporaryFiles) {
  test::TempDir dir;
  std::string path = dir.file("out.csv");
  test::writeBytes(path, "old contents that are longer than the new ones\n");
  writeCsv(tableOf({ints("a", {1})}), path);
  EXPECT_EQ(test::readBytes(path), "a\n1\n");
  size_t files = 0;
  for (const auto &e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(CsvWrite, UnwritablePathIsAnErrorNamingIt) {
  test::TempDir dir;
  std::string path = dir.file("missing/out.csv");
  EXPECT_EQ(errorOf([&] { writeCsv(tableOf({ints("a", {1})}), path); }),
            "cannot write `" + path + "`: No such file or directory");
}

// Writes `t` under a file size limit of 100 kB, as a full disk would stop
// it, and reports the error and whether the folder is left empty; for a
// child process only.
[[noreturn]] void writeWithSizeLimit(const Table &t, const test::TempDir &dir) {
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = 100000;
  setrlimit(RLIMIT_FSIZE, &limit);
  std::string message = errorOf([&] { writeCsv(t, dir.file("out.csv")); });
  bool empty = std::filesystem::is_empty(dir.path());
  std::fprintf(stderr, "%s%s\n", message.c_str(), empty ? " [nothing left]" : "");
  std::exit(0);
}

// A write that fails part-way is an error naming the file and leaves
// neither the file nor a temporary one behind.
TEST(CsvWrite, FailedWriteIsAnErrorAndLeavesNothing) {
  test::TempDir dir;
  Table big = tableOf({floats("f", std::vector<double>(200000, 0.123456789))});
  EXPECT_EXIT(writeWithSizeLimit(big, dir), ::testing::ExitedWithCode(0),
              "cannot write `.*/out.csv`: File too large \\[nothing left\\]");
}

} // namespace
} // namespace mlpc::ops::io
