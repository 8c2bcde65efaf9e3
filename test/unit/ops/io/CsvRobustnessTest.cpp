// Randomised checks of the CSV parser: on any bytes it returns a consistent
// table or throws an OpError with a file:line:column prefix (never crashes,
// never another exception), and any table written with toCsv reads back
// unchanged.
#include "runtime/ops/io/Csv.h"

#include <gtest/gtest.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <random>

namespace mlpc::ops::io {
namespace {

Schema fuzzSchema() {
  return Schema{{{"a", DType::Int64, true},
                 {"b", DType::Float64, true},
                 {"c", DType::String, true},
                 {"d", DType::Bool, false}}};
}

void checkConsistent(const Table &t) {
  for (const Column &c : t.columns) {
    ASSERT_EQ(c.size(), t.rows) << c.name;
    ASSERT_TRUE(c.valid.empty() || c.valid.size() == t.rows) << c.name;
  }
}

// "fuzz.csv:<line>:<column>: <text>" or "fuzz.csv: <text>".
bool hasPositionPrefix(const std::string &m) {
  const std::string file = "fuzz.csv:";
  if (m.rfind(file, 0) != 0)
    return false;
  size_t i = file.size();
  for (int number = 0; number < 2 && i < m.size() && m[i] != ' '; ++number) {
    size_t digits = i;
    while (i < m.size() && std::isdigit(static_cast<unsigned char>(m[i])))
      ++i;
    if (i == digits || i == m.size() || m[i] != ':')
      return false;
    ++i;
  }
  return m.size() > i + 1 && m[i] == ' ';
}

// Parses `text`; fails the test on a crash-like outcome.
void parseAnything(const std::string &text, const Schema &schema, char delimiter) {
  try {
    checkConsistent(parseCsv(text, schema, delimiter, "fuzz.csv"));
  } catch (const OpError &e) {
    EXPECT_TRUE(hasPositionPrefix(e.what())) << e.what();
  } catch (const std::exception &e) {
    ADD_FAILURE() << "not an OpError: " << e.what() << " for input\n" << text;
  }
}

TEST(CsvRobustness, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  const std::string alphabet = "a,b;c\td\n\r\"NA1.e-+0x \xEF\xBB\xBF\xC3\xA9";
  for (int i = 0; i < 20000; ++i) {
    std::string text = (i % 2 == 0) ? "a,b,c,d\n" : "";
    size_t n = rng() % 120;
    for (size_t k = 0; k < n; ++k)
      text += (rng() % 8 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    parseAnything(text, fuzzSchema(), i % 5 == 0 ? ';' : ',');
  }
}

TEST(CsvRobustness, MutatedValidFilesNeverCrash) {
  std::mt19937 rng(11);
  const std::string valid = "a,b,c,d,e\n1,2.5,\"x,\"\"y\"\"\",true,9\n,nan,\"two\r\nlines\",0,\n"
                            "-3,1e-3,NA,FALSE,\"q\"\n";
  const std::string bytes = ",\"\n\r;NA0e.-";
  for (int i = 0; i < 20000; ++i) {
    std::string text = valid;
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) {
      size_t at = rng() % (text.size() + 1);
      switch (rng() % 3) {
      case 0:
        text.insert(at, 1, bytes[rng() % bytes.size()]);
        break;
      case 1:
        if (at < text.size())
          text.erase(at, 1);
        break;
      default:
        if (at < text.size())
          text[at] = bytes[rng() % bytes.size()];
      }
    }
    if (rng() % 4 == 0)
      text.resize(rng() % (text.size() + 1)); // cut anywhere
    parseAnything(text, fuzzSchema(), ',');
  }
}

// The parser's shortcut for plain decimals must give exactly what
// std::from_chars gives, for short and long digit strings alike.
TEST(CsvRobustness, FloatsMatchFromCharsBitForBit) {
  std::mt19937 rng(9);
  std::vector<std::string> texts;
  std::string csv = "x\n";
  for (int i = 0; i < 200000; ++i) {
    std::string t = rng() % 3 == 0 ? "-" : "";
    size_t intDigits = rng() % 12, decimals = rng() % (i % 7 == 0 ? 25 : 12);
    if (intDigits + decimals == 0)
      intDigits = 1;
    for (size_t k = 0; k < intDigits; ++k)
      t += static_cast<char>('0' + rng() % 10);
    if (decimals > 0 || rng() % 4 == 0)
      t += '.';
    for (size_t k = 0; k < decimals; ++k)
      t += static_cast<char>('0' + rng() % 10);
    if (i % 11 == 0)
      t += "e" + std::to_string(static_cast<int>(rng() % 40) - 20);
    texts.push_back(t);
    csv += t + "\n";
  }
  Table table = parseCsv(csv, Schema{{{"x", DType::Float64}}}, ',', "floats.csv");
  ASSERT_EQ(table.rows, texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    double expected = 0;
    std::from_chars(texts[i].data(), texts[i].data() + texts[i].size(), expected);
    ASSERT_EQ(std::memcmp(&expected, &table.columns[0].floats[i], 8), 0)
        << texts[i] << " read as " << table.columns[0].floats[i] << ", from_chars gives "
        << expected;
  }
}

std::string randomText(std::mt19937 &rng) {
  const std::string pieces[] = {"a",  "Z", ",",  ";",   "\t",       "|", "\"",  "\n",
                                "\r", " ", "NA", "1.5", "\xC3\xA9", "-", "nan", ""};
  std::string s;
  for (size_t n = rng() % 6; n > 0; --n)
    s += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
  return s;
}

double randomDouble(std::mt19937_64 &rng) {
  switch (rng() % 4) {
  case 0: { // any bit pattern: subnormals, infinities, NaNs included
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  case 1:
    return static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 8.0;
  case 2:
    return std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 200) - 150);
  default:
    return (rng() % 2) ? -0.0 : 0.0;
  }
}

TEST(CsvRobustness, RandomTablesRoundTrip) {
  std::mt19937 rng(3);
  std::mt19937_64 rng64(5);
  const char delimiters[] = {',', ';', '\t', '|'};
  for (int iter = 0; iter < 400; ++iter) {
    size_t rows = rng() % 20;
    size_t ncols = 1 + rng() % 4;
    Table t;
    t.rows = rows;
    for (size_t c = 0; c < ncols; ++c) {
      DType type = static_cast<DType>(rng() % 4);
      Column col(c == 0 ? "first, \"quoted\"" : "c" + std::to_string(c), type, rng() % 2 == 0);
      for (size_t r = 0; r < rows; ++r) {
        if (col.nullable && rng() % 5 == 0) {
          col.appendMissing();
          continue;
        }
        switch (type) {
        case DType::Int64:
          col.ints.push_back(static_cast<int64_t>(rng64()));
          break;
        case DType::Float64:
          col.floats.push_back(randomDouble(rng64));
          break;
        case DType::String:
          col.strings.push_back(randomText(rng));
          break;
        case DType::Bool:
          col.bools.push_back(static_cast<uint8_t>(rng() % 2));
          break;
        }
        if (!col.valid.empty())
          col.valid.push_back(1);
      }
      t.columns.push_back(std::move(col));
    }
    char delimiter = delimiters[rng() % 4];
    std::string text = toCsv(t, delimiter);
    Table back;
    try {
      back = parseCsv(text, t.schema(), delimiter, "roundtrip.csv");
    } catch (const OpError &e) {
      FAIL() << e.what() << "\nfor text:\n" << text;
    }
    ASSERT_EQ(back.rows, t.rows) << text;
    for (size_t c = 0; c < ncols; ++c) {
      const Column &x = t.columns[c];
      const Column &y = back.columns[c];
      for (size_t r = 0; r < rows; ++r) {
        ASSERT_EQ(x.isValid(r), y.isValid(r)) << text;
        if (!x.isValid(r))
          continue;
        switch (x.type) {
        case DType::Int64:
          ASSERT_EQ(x.ints[r], y.ints[r]) << text;
          break;
        case DType::Float64:
          if (std::isnan(x.floats[r]))
            ASSERT_TRUE(std::isnan(y.floats[r])) << text;
          else
            ASSERT_EQ(std::memcmp(&x.floats[r], &y.floats[r], 8), 0) << text;
          break;
        case DType::String:
          ASSERT_EQ(x.strings[r], y.strings[r]) << text;
          break;
        case DType::Bool:
          ASSERT_EQ(x.bools[r], y.bools[r]) << text;
          break;
        }
      }
    }
  }
}

} // namespace
} // namespace mlpc::ops::io
