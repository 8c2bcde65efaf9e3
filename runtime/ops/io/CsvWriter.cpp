// CSV writing: rows are formatted into a buffer that is flushed to the file
// every megabyte, so a large table is never held twice as text.
#include "runtime/ops/io/Csv.h"

#include "runtime/ops/io/FileIo.h"

#include <charconv>

namespace mlpc::ops::io {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t'; }

void appendText(std::string &out, std::string_view s, char delimiter, bool isString) {
  // A string that reads back as missing unquoted keeps its quotes.
  bool quote = isString && (s.empty() || s == "NA");
  if (!s.empty() && (isSpace(s.front()) || isSpace(s.back())))
    quote = true;
  for (size_t i = 0; i < s.size() && !quote; ++i) {
    char c = s[i];
    quote = c == delimiter || c == '"' || c == '\n' || c == '\r';
  }
  if (!quote) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
}

template <typename T> void appendNumber(std::string &out, T v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest round-trip form
  out.append(buf, r.ptr);
}

void appendValue(std::string &out, const Column &c, size_t row, char delimiter) {
  if (!c.isValid(row))
    return;
  switch (c.type) {
  case DType::Float64:
    return appendNumber(out, c.floats[row]);
  case DType::Int64:
    return appendNumber(out, c.ints[row]);
  case DType::Bool:
    out += c.bools[row] ? "true" : "false";
    return;
  case DType::String:
    return appendText(out, c.strings[row], delimiter, true);
  }
}

void appendHeader(std::string &out, const Table &t, char delimiter) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i)
      out += delimiter;
    appendText(out, t.columns[i].name, delimiter, false);
  }
  out += '\n';
}

void appendRow(std::string &out, const Table &t, size_t row, char delimiter) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i)
      out += delimiter;
    appendValue(out, t.columns[i], row, delimiter);
  }
  out += '\n';
}

void checkTable(const Table &t, char delimiter, const std::string &what) {
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
    throw OpError(what + ": the separator cannot be a quote or a line break");
  for (const Column &c : t.columns)
    if (c.size() != t.rows || (!c.valid.empty() && c.valid.size() != t.rows))
      throw OpError(what + ": column `" + c.name + "` has " + std::to_string(c.size()) +
                    " values but the table has " + std::to_string(t.rows) + " rows");
}

} // namespace

std::string toCsv(const Table &t, char delimiter) {
  checkTable(t, delimiter, "CSV");
  std::string out;
  appendHeader(out, t, delimiter);
  for (size_t r = 0; r < t.rows; ++r)
    appendRow(out, t, r, delimiter);
  return out;
}

void writeCsv(const Table &t, const std::string &path, char delimiter) {
  checkTable(t, delimiter, path);
  AtomicFile file(path);
  constexpr size_t kFlush = 1 << 20;
  std::string buf;
  buf.reserve(kFlush + 4096);
  appendHeader(buf, t, delimiter);
  for (size_t r = 0; r < t.rows; ++r) {
    appendRow(buf, t, r, delimiter);
    if (buf.size() >= kFlush) {
      file.write(buf);
      buf.clear();
    }
  }
  file.write(buf);
  file.commit();
}

} // namespace mlpc::ops::io
