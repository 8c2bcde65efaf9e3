// readCsv/parseCsv: RFC 4180 syntax, header matching, missing values, value
// spellings, and the file:line:column messages of every kind of bad input.
#include "runtime/ops/io/Csv.h"

#include "test/unit/ops/io/TempDir.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace mlpc::ops::io {
namespace {

using test::errorOf;

Schema schemaOf(std::vector<Field> fields) { return Schema{std::move(fields)}; }

Table parse(const std::string &text, const Schema &schema, char delimiter = ',') {
  return parseCsv(text, schema, delimiter, "data.csv");
}

std::string parseError(const std::string &text, const Schema &schema, char delimiter = ',') {
  return errorOf([&] { parse(text, schema, delimiter); });
}

TEST(CsvRead, MatchesColumnsByHeaderNameInAnyOrderAndSkipsOthers) {
  Schema s = schemaOf({{"score", DType::Float64},
                       {"id", DType::Int64},
                       {"ok", DType::Bool},
                       {"name", DType::String}});
  Table t = parse("id,extra,name,score,ok\n1,x,ann,1.5,true\n2,y,bob,-2.25,False\n", s);
  ASSERT_EQ(t.rows, 2u);
  ASSERT_EQ(t.columns.size(), 4u);
  EXPECT_EQ(t.columns[0].name, "score");
  EXPECT_EQ(t.at("score").floats, (std::vector<double>{1.5, -2.25}));
  EXPECT_EQ(t.at("id").ints, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(t.at("ok").bools, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(t.at("name").strings, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(t.find("extra"), nullptr);
}

TEST(CsvRead, QuotedFieldsHoldSeparatorsQuotesAndLineBreaks) {
  Schema s = schemaOf({{"name", DType::String}, {"n", DType::Int64}});
  Table t = parse("name,n\n\"a,b\",1\n\"say \"\"hi\"\"\",2\n\"two\nlines\",3\n\"\",4\n"
                  "\"\"\"\",5\n",
                  s);
  ASSERT_EQ(t.rows, 5u);
  EXPECT_EQ(t.at("name").strings,
            (std::vector<std::string>{"a,b", "say \"hi\"", "two\nlines", "", "\""}));
  EXPECT_TRUE(t.at("name").valid.empty()); // "" is the empty string, not missing
  EXPECT_EQ(t.at("n").ints, (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

TEST(CsvRead, QuotedNumbersAndBools) {
  Schema s = schemaOf({{"x", DType::Float64}, {"y", DType::Int64}, {"b", DType::Bool}});
  Table t = parse("x,y,b\n\"1.5\",\"-2\",\"true\"\n", s);
  EXPECT_EQ(t.at("x").floats, (std::vector<double>{1.5}));
  EXPECT_EQ(t.at("y").ints, (std::vector<int64_t>{-2}));
  EXPECT_EQ(t.at("b").bools, (std::vector<uint8_t>{1}));
}

TEST(CsvRead, CrlfByteOrderMarkAndNoFinalLineBreak) {
  Schema s = schemaOf({{"a", DType::Int64}, {"b", DType::String}});
  Table t = parse("\xEF\xBB\xBF"
                  "a,b\r\n1,\"x\r\ny\"\r\n3,z",
                  s);
  ASSERT_EQ(t.rows, 2u);
  EXPECT_EQ(t.at("a").ints, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(t.at("b").strings, (std::vector<std::string>{"x\r\ny", "z"}));
}

TEST(CsvRead, EmptyFieldsAndNaAreMissingInNullableColumns) {
  Schema s = schemaOf({{"i", DType::Int64, true},
                       {"f", DType::Float64, true},
                       {"s", DType::String, true},
                       {"b", DType::Bool, true}});
  Table t = parse("i,f,s,b\n"
                  "1,2.5,x,true\n"
                  ",NA,,NA\n"
                  "NA,,NA,\n"
                  "\"\",\"\",\"\",\"\"\n"
                  "7,8,\"NA\",0\n",
                  s);
  ASSERT_EQ(t.rows, 5u);
  EXPECT_EQ(t.at("i").valid, (std::vector<uint8_t>{1, 0, 0, 0, 1}));
  EXPECT_EQ(t.at("i").ints, (std::vector<int64_t>{1, 0, 0, 0, 7}));
  EXPECT_EQ(t.at("f").valid, (std::vector<uint8_t>{1, 0, 0, 0, 1}));
  EXPECT_EQ(t.at("f").floats, (std::vector<double>{2.5, 0, 0, 0, 8}));
  // A quoted string is text: "" is the empty string and "NA" two letters.
  EXPECT_EQ(t.at("s").valid, (std::vector<uint8_t>{1, 0, 0, 1, 1}));
  EXPECT_EQ(t.at("s").strings, (std::vector<std::string>{"x", "", "", "", "NA"}));
  EXPECT_EQ(t.at("b").valid, (std::vector<uint8_t>{1, 0, 0, 0, 1}));
  EXPECT_EQ(t.at("b").bools, (std::vector<uint8_t>{1, 0, 0, 0, 0}));
}

TEST(CsvRead, NullableColumnWithoutMissingValuesHasNoMask) {
  Table t = parse("f\n1\n2\n", schemaOf({{"f", DType::Float64, true}}));
  EXPECT_TRUE(t.at("f").valid.empty());
  EXPECT_FALSE(t.at("f").hasMissing());
}

TEST(CsvRead, MissingValueInRequiredColumnNamesLineColumnAndTheFix) {
  Schema s = schemaOf({{"a", DType::Int64}, {"x", DType::Float64}});
  EXPECT_EQ(parseError("a,x\n1,2\n3,\n", s),
            "data.csv:3:3: missing value in column `x` (field 2), which is not optional; "
            "declare it optional (e.g. `float?`) to allow missing values");
  EXPECT_EQ(parseError("a,x\nNA,2\n", s),
            "data.csv:2:1: missing value in column `a` (field 1), which is not optional; "
            "declare it optional (e.g. `int?`) to allow missing values");
  EXPECT_EQ(parseError("s\n1\n\n", schemaOf({{"s", DType::String}})),
            "data.csv:3:1: missing value in column `s` (field 1), which is not optional; "
            "declare it optional (e.g. `string?`) to allow missing values");
}

TEST(CsvRead, RaggedRowsAreErrors) {
  Schema s = schemaOf({{"a", DType::Int64}});
  EXPECT_EQ(parseError("a,b,c\n1,2,3\n4,5\n", s),
            "data.csv:3:1: the line has 2 fields, but the header has 3; column `c` (field 3) "
            "is missing");
  EXPECT_EQ(parseError("a,b\n1\n", s),
            "data.csv:2:1: the line has 1 field, but the header has 2; column `b` (field 2) "
            "is missing");
  EXPECT_EQ(parseError("a,b\n1,2\n3,4,5,\"6\"\n", s),
            "data.csv:3:5: the line has 4 fields, but the header has 2; the first extra field "
            "is \"5\"");
}

TEST(CsvRead, BadNumbersAndBoolsNameTheColumnAndText) {
  Schema s = schemaOf({{"a", DType::Int64}, {"b", DType::Float64}});
  EXPECT_EQ(parseError("a,b\n1,2\n3,abc\n", s),
            "data.csv:3:3: invalid float \"abc\" in column `b` (field 2)");
  EXPECT_EQ(parseError("a,b\n1,2.5e\n", s),
            "data.csv:2:3: invalid float \"2.5e\" in column `b` (field 2)");
  EXPECT_EQ(parseError("a,b\n1.5,2\n", s),
            "data.csv:2:1: invalid int \"1.5\" in column `a` (field 1); declare the column "
            "`float` for numbers with fractions");
  EXPECT_EQ(parseError("a,b\n12x,2\n", s),
            "data.csv:2:1: invalid int \"12x\" in column `a` (field 1)");
  EXPECT_EQ(parseError("b\nyes\n", schemaOf({{"b", DType::Bool}})),
            "data.csv:2:1: invalid bool \"yes\" in column `b` (field 1); expected true, false, 1 "
            "or 0");
  // Long text is shortened to 40 characters.
  EXPECT_EQ(parseError("a,b\n1," + std::string(100, 'x') + "\n", s),
            "data.csv:2:3: invalid float \"" + std::string(40, 'x') +
                "...\" in column `b` (field 2)");
}

TEST(CsvRead, IntegerOverflowIsAnError) {
  Schema s = schemaOf({{"a", DType::Int64}});
  Table t = parse("a\n9223372036854775807\n-9223372036854775808\n", s);
  EXPECT_EQ(t.at("a").ints, (std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                                                  std::numeric_limits<int64_t>::min()}));
  EXPECT_EQ(parseError("a\n1\n9223372036854775808\n", s),
            "data.csv:3:1: integer \"9223372036854775808\" in column `a` (field 1) is out of "
            "range (an int holds -9223372036854775808 to 9223372036854775807); declare the "
            "column `float` for larger numbers");
}

TEST(CsvRead, PositionsCountQuotedLineBreaksAndCharactersNotBytes) {
  Schema s = schemaOf({{"s", DType::String}, {"x", DType::Float64}});
  // Line 4, after `"é",`: the fifth character (the sixth byte).
  EXPECT_EQ(parseError("s,x\n\"a\nb\",1\n\"\xC3\xA9\",bad\n", s),
            "data.csv:4:5: invalid float \"bad\" in column `x` (field 2)");
  // CRLF counts as one line break; the byte order mark is not a character.
  EXPECT_EQ(parseError("\xEF\xBB\xBFs,x\r\nq,1\r\nq,?\r\n", s),
            "data.csv:3:3: invalid float \"?\" in column `x` (field 2)");
}

TEST(CsvRead, UnterminatedQuoteIsAnError) {
  Schema s = schemaOf({{"a", DType::Int64}});
  EXPECT_EQ(parseError("a,b\n1,\"abc\n2,3\n", s),
            "data.csv:2:3: unterminated quote in column `b` (field 2): the field "
            "\"\\\"abc\\n2,3\\n\" has no closing quote");
  EXPECT_EQ(parseError("\"a", s),
            "data.csv:1:1: unterminated quote in the header: the field \"\\\"a\" has no "
            "closing quote");
}

TEST(CsvRead, TextAfterAClosingQuoteIsAnError) {
  Schema s = schemaOf({{"a", DType::String}, {"b", DType::Int64}});
  EXPECT_EQ(parseError("a,b\n\"x\"y,1\n", s),
            "data.csv:2:4: unexpected text \"y\" after the closing quote in column `a` "
            "(field 1); quote the whole field and write a quote inside it as \"\"");
}

TEST(CsvRead, EmptyFileHeaderOnlyAndOneRow) {
  Schema s = schemaOf({{"a", DType::Int64}, {"b", DType::Float64}});
  const std::string empty =
      "data.csv:1:1: the file is empty; a header row naming the columns is required";
  EXPECT_EQ(parseError("", s), empty);
  EXPECT_EQ(parseError("\xEF\xBB\xBF", s), empty);
  for (const char *headerOnly : {"a,b\n", "a,b", "a,b\r\n"}) {
    Table t = parse(headerOnly, s);
    EXPECT_EQ(t.rows, 0u) << headerOnly;
    ASSERT_EQ(t.columns.size(), 2u);
    EXPECT_TRUE(t.at("a").ints.empty());
  }
  Table one = parse("a,b\n1,2", s);
  ASSERT_EQ(one.rows, 1u);
  EXPECT_EQ(one.at("b").floats, (std::vector<double>{2.0}));
}

TEST(CsvRead, HeaderProblemsListTheHeader) {
  EXPECT_EQ(parseError("a,b,c\n1,2,3\n", schemaOf({{"d", DType::Int64}})),
            "data.csv:1:1: no column `d` in the header; the header has: a, b, c");
  EXPECT_EQ(parseError("a,b,a\n1,2,3\n", schemaOf({{"a", DType::Int64}})),
            "data.csv:1:5: column `a` appears twice in the header (fields 1 and 3)");
  // A repeated name the schema does not ask for is fine.
  EXPECT_EQ(parse("a,b,a\n1,2,3\n", schemaOf({{"b", DType::Int64}})).at("b").ints,
            (std::vector<int64_t>{2}));
}

TEST(CsvRead, SemicolonAndTabSeparators) {
  Schema s = schemaOf({{"a", DType::String}, {"b", DType::String}});
  Table semi = parse("a;b\n1,5;\"x;y\"\n", s, ';');
  EXPECT_EQ(semi.at("a").strings, (std::vector<std::string>{"1,5"}));
  EXPECT_EQ(semi.at("b").strings, (std::vector<std::string>{"x;y"}));
  Schema n = schemaOf({{"a", DType::Float64}, {"b", DType::Int64}});
  Table tab = parse("a\tb\n1.5\t2\n\"3\"\t4\n", n, '\t');
  EXPECT_EQ(tab.at("a").floats, (std::vector<double>{1.5, 3}));
  EXPECT_EQ(tab.at("b").ints, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(parseError("a\tb\n1,5\t2\n", n, '\t'),
            "data.csv:2:1: invalid float \"1,5\" in column `a` (field 1)");
  EXPECT_EQ(parseError("a\n1\n", n, '"'),
            "data.csv: the separator cannot be a quote or a line break");
}

TEST(CsvRead, FloatSpellings) {
  Table t = parse("f\nnan\nNaN\ninf\n-inf\nInfinity\n-Infinity\n+1.5\n 2.5 \n1e3\n-0.0\n1e400\n"
                  "1e-400\n.5\n-1E-2\n",
                  schemaOf({{"f", DType::Float64}}));
  const std::vector<double> &f = t.at("f").floats;
  ASSERT_EQ(f.size(), 14u);
  EXPECT_TRUE(std::isnan(f[0]));
  EXPECT_TRUE(std::isnan(f[1]));
  EXPECT_EQ(f[2], HUGE_VAL);
  EXPECT_EQ(f[3], -HUGE_VAL);
  EXPECT_EQ(f[4], HUGE_VAL);
  EXPECT_EQ(f[5], -HUGE_VAL);
  EXPECT_EQ(f[6], 1.5);
  EXPECT_EQ(f[7], 2.5);
  EXPECT_EQ(f[8], 1000.0);
  EXPECT_EQ(f[9], 0.0);
  EXPECT_TRUE(std::signbit(f[9]));
  EXPECT_EQ(f[10], HUGE_VAL); // beyond double's range, as pandas reads it
  EXPECT_EQ(f[11], 0.0);
  EXPECT_EQ(f[12], 0.5);
  EXPECT_EQ(f[13], -0.01);
}

TEST(CsvRead, BoolSpellings) {
  Table t =
      parse("b\ntrue\nfalse\nTrue\nFalse\nTRUE\nFALSE\n1\n0\n", schemaOf({{"b", DType::Bool}}));
  EXPECT_EQ(t.at("b").bools, (std::vector<uint8_t>{1, 0, 1, 0, 1, 0, 1, 0}));
}

TEST(CsvRead, BlankLinesAreSkippedUnlessThereIsOneColumn) {
  Table two = parse("a,b\n1,2\n\n3,4\r\n\r\n", schemaOf({{"a", DType::Int64}}));
  EXPECT_EQ(two.at("a").ints, (std::vector<int64_t>{1, 3}));
  Table one = parse("a\n1\n\n2\n", schemaOf({{"a", DType::Int64, true}}));
  EXPECT_EQ(one.at("a").ints, (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(one.at("a").valid, (std::vector<uint8_t>{1, 0, 1}));
}

TEST(CsvRead, ManyRowsFromAFile) {
  test::TempDir dir;
  std::string text = "k,v,label\n";
  int64_t sumK = 0;
  double sumV = 0;
  for (int r = 0; r < 20000; ++r) {
    text += std::to_string(r * 3 - 7) + "," + std::to_string(r) + ".25,c" + std::to_string(r % 3) +
            "\n";
    sumK += r * 3 - 7;
    sumV += r + 0.25;
  }
  test::writeBytes(dir.file("big.csv"), text);
  Table t =
      readCsv(dir.file("big.csv"),
              schemaOf({{"k", DType::Int64}, {"v", DType::Float64}, {"label", DType::String}}));
  ASSERT_EQ(t.rows, 20000u);
  int64_t k = 0;
  double v = 0;
  for (size_t r = 0; r < t.rows; ++r) {
    k += t.at("k").ints[r];
    v += t.at("v").floats[r];
  }
  EXPECT_EQ(k, sumK);
  EXPECT_EQ(v, sumV);
  EXPECT_EQ(t.at("label").strings[19999], "c1"); // 19999 % 3
}

TEST(CsvRead, MissingFileIsAnErrorNamingIt) {
  test::TempDir dir;
  std::string path = dir.file("nope.csv");
  EXPECT_EQ(errorOf([&] {
              readCsv(path, schemaOf({{"a", DType::Int64}}));
            }),
            "cannot open `" + path + "`: No such file or directory");
  // Errors in a file's data start with its path.
  test::writeBytes(path, "a\nx\n");
  EXPECT_EQ(errorOf([&] {
              readCsv(path, schemaOf({{"a", DType::Int64}}));
            }),
            path + ":2:1: invalid int \"x\" in column `a` (field 1)");
}

} // namespace
} // namespace mlpc::ops::io
