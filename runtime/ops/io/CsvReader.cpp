// The CSV parser: one pass over the bytes in memory. Numbers are converted
// in place with std::from_chars (no per-field string) and a field is only
// copied when it is a string value or a quoted field with "" escapes.
#include "runtime/ops/ValueText.h"
#include "runtime/ops/io/Csv.h"

#include "runtime/ops/io/FileIo.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <thread>

namespace mlpc::ops::io {

namespace {

// A field's text as the user wrote it, shortened for a message.
std::string shown(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  size_t n = 0;
  for (char c : s) {
    if (n++ == kMax) {
      out += "...";
      break;
    }
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out + "\"";
}

enum class End { Field, Record, File };

struct Field {
  std::string_view text;
  bool quoted = false;
};

// Where a schema column's values go: the column and its 1-based field number
// in the file.
struct Sink {
  Column *column = nullptr;
  size_t field = 0;
};

class Parser {
public:
  Parser(std::string_view text, char delimiter, const std::string &source)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), delim_(delimiter),
        source_(source) {
    std::memset(stop_, 0, sizeof stop_);
    stop_[static_cast<unsigned char>(delim_)] = 1;
    stop_[static_cast<unsigned char>('\n')] = 1;
    stop_[static_cast<unsigned char>('\r')] = 1;
  }

  Table run(const Schema &schema);
  // The header, then only the rows in [from, to): one slice of a file that is
  // parsed in parallel (`from` starts a line, `to` ends one).
  // `reserveTo`: where the rows this table will hold in the end stop (the
  // first slice's table takes the others' rows after the parse).
  Table runRange(const Schema &schema, const char *from, const char *to, const char *reserveTo);
  // Where the rows start (after the header line).
  const char *bodyStart(const Schema &schema) {
    Table table = Table::empty(schema);
    readHeader(schema, table);
    return p_;
  }

private:
  // The header's names, and the sinks of the schema's columns by file field.
  void readHeader(const Schema &schema, Table &table);
  void reserveRows(Table &table, const char *until) const;

  Field readField();
  // What ends the field at p_, and moves past it. The common cases are
  // inlined in the per-field loop; the rest is rareTerminator.
  End terminator() {
    if (p_ == end_)
      return End::File;
    if (*p_ == delim_) {
      ++p_;
      return End::Field;
    }
    if (*p_ == '\n') {
      ++p_;
      return End::Record;
    }
    return rareTerminator();
  }
  End rareTerminator();
  bool atStop(const char *q) const { return q == end_ || stop_[static_cast<unsigned char>(*q)]; }

  void parseInto(const Sink &s, const char *start);
  void parseFloat(const Sink &s, const char *start);
  void parseInt(const Sink &s, const char *start);
  void storeFloat(const Sink &s, Field f, const char *start);
  void storeInt(const Sink &s, Field f, const char *start);
  void storeBool(const Sink &s, Field f, const char *start);
  void storeString(const Sink &s, Field f);
  void storeMissing(const Sink &s, const char *start);
  static bool isMissing(std::string_view trimmed) { return trimmed.empty() || trimmed == "NA"; }

  [[noreturn]] void fail(const char *at, const std::string &what) const;
  std::string columnRef(const Sink &s) const {
    return "column `" + s.column->name + "` (field " + std::to_string(s.field) + ")";
  }
  std::string columnRef(size_t field) const {
    return "column `" + header_[field] + "` (field " + std::to_string(field + 1) + ")";
  }
  [[noreturn]] void tooManyFields(const char *extraStart);
  // The field being read, for messages about its syntax.
  std::string where() const {
    if (current_ == kHeader)
      return "the header";
    if (current_ >= header_.size())
      return "field " + std::to_string(current_ + 1);
    return columnRef(current_);
  }

  const char *rangeFrom_ = nullptr, *rangeTo_ = nullptr; // runRange's slice
  const char *reserveTo_ = nullptr;
  const char *begin_;
  const char *p_;
  const char *end_;
  const char *bodyStart_ = nullptr; // after the BOM
  char delim_;
  const std::string &source_;
  unsigned char stop_[256];
  std::string scratch_; // a quoted field with "" escapes, unescaped
  std::vector<std::string> header_;
  std::vector<Sink> sinks_;           // one per schema column
  std::vector<const Sink *> byField_; // per file field: its sink or null
  static constexpr size_t kHeader = static_cast<size_t>(-1);
  size_t current_ = kHeader; // the file field being read
};

void Parser::fail(const char *at, const std::string &what) const {
  // Line and character of `at`, counted only now that there is an error.
  size_t line = 1;
  const char *lineStart = bodyStart_ ? bodyStart_ : begin_;
  for (const char *q = begin_; q < at; ++q) {
    if (*q == '\n' || (*q == '\r' && (q + 1 == end_ || q[1] != '\n'))) {
      ++line;
      lineStart = q + 1;
    }
  }
  size_t column = 1;
  for (const char *q = lineStart; q < at; ++q)
    column += (static_cast<unsigned char>(*q) & 0xC0) != 0x80; // UTF-8 characters
  throw OpError(source_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
}

Field Parser::readField() {
  if (p_ == end_ || *p_ != '"') {
    const char *q = p_;
    while (!atStop(q))
      ++q;
    Field f{std::string_view(p_, static_cast<size_t>(q - p_)), false};
    p_ = q;
    return f;
  }
  const char *open = p_;
  const char *q = p_ + 1;
  bool escaped = false;
  for (;;) {
    const char *close =
        static_cast<const char *>(std::memchr(q, '"', static_cast<size_t>(end_ - q)));
    if (!close) {
      std::string_view rest(open, static_cast<size_t>(end_ - open));
      fail(open, "unterminated quote in " + where() + ": the field " + shown(rest) +
                     " has no closing quote");
    }
    if (close + 1 != end_ && close[1] == '"') { // "" is one quote
      if (!escaped) {
        scratch_.clear();
        escaped = true;
      }
      scratch_.append(q, static_cast<size_t>(close + 1 - q));
      q = close + 2;
      continue;
    }
    p_ = close + 1;
    if (!escaped)
      return {std::string_view(open + 1, static_cast<size_t>(close - open - 1)), true};
    scratch_.append(q, static_cast<size_t>(close - q));
    return {scratch_, true};
  }
}

End Parser::rareTerminator() {
  char c = *p_;
  if (c == '\r') {
    ++p_;
    if (p_ != end_ && *p_ == '\n')
      ++p_;
    return End::Record;
  }
  // Only a quoted field can stop anywhere else.
  const char *q = p_;
  while (!atStop(q))
    ++q;
  fail(p_, "unexpected text " + shown(std::string_view(p_, static_cast<size_t>(q - p_))) +
               " after the closing quote in " + where() +
               "; quote the whole field and write a quote inside it as \"\"");
}

void Parser::storeMissing(const Sink &s, const char *start) {
  Column &c = *s.column;
  if (!c.nullable)
    fail(start, "missing value in " + columnRef(s) + ", which is not optional; declare it " +
                    "optional (e.g. `" + dtypeName(c.type) + "?`) to allow missing values");
  c.appendMissing();
}

void Parser::storeFloat(const Sink &s, Field f, const char *start) {
  std::string_view t = trimSpaces(f.text);
  if (isMissing(t))
    return storeMissing(s, start);
  std::string_view n = dropPlus(t);
  double v = 0;
  auto r = std::from_chars(n.data(), n.data() + n.size(), v);
  if (r.ptr != n.data() + n.size() ||
      (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
    fail(start, "invalid float " + shown(f.text) + " in " + columnRef(s));
  if (r.ec == std::errc::result_out_of_range) {
    // Beyond double's range: strtod gives what pandas gives (+-inf, or 0
    // for underflow).
    std::string copy(n);
    v = std::strtod(copy.c_str(), nullptr);
  }
  Column &c = *s.column;
  c.floats.push_back(v);
  if (!c.valid.empty())
    c.valid.push_back(1);
}

void Parser::storeInt(const Sink &s, Field f, const char *start) {
  std::string_view t = trimSpaces(f.text);
  if (isMissing(t))
    return storeMissing(s, start);
  std::string_view n = dropPlus(t);
  int64_t v = 0;
  auto r = std::from_chars(n.data(), n.data() + n.size(), v);
  if (r.ptr == n.data() + n.size() && r.ec == std::errc::result_out_of_range)
    fail(start, "integer " + shown(f.text) + " in " + columnRef(s) +
                    " is out of range (an int holds -9223372036854775808 to "
                    "9223372036854775807); declare the column `float` for larger numbers");
  if (r.ptr != n.data() + n.size() || r.ec != std::errc()) {
    double d;
    auto fr = std::from_chars(n.data(), n.data() + n.size(), d);
    bool isFloat = fr.ec == std::errc() && fr.ptr == n.data() + n.size();
    fail(start, "invalid int " + shown(f.text) + " in " + columnRef(s) +
                    (isFloat ? "; declare the column `float` for numbers with fractions" : ""));
  }
  Column &c = *s.column;
  c.ints.push_back(v);
  if (!c.valid.empty())
    c.valid.push_back(1);
}

void Parser::storeBool(const Sink &s, Field f, const char *start) {
  std::string_view t = trimSpaces(f.text);
  if (isMissing(t))
    return storeMissing(s, start);
  uint8_t v;
  if (!parseBoolText(t, v))
    fail(start, "invalid bool " + shown(f.text) + " in " + columnRef(s) +
                    "; expected true, false, 1 or 0");
  Column &c = *s.column;
  c.bools.push_back(v);
  if (!c.valid.empty())
    c.valid.push_back(1);
}

void Parser::storeString(const Sink &s, Field f) {
  // Quoted text is always a value: "" is the empty string, "NA" two letters.
  if (!f.quoted && isMissing(f.text))
    return storeMissing(s, f.text.data());
  Column &c = *s.column;
  c.strings.emplace_back(f.text);
  if (!c.valid.empty())
    c.valid.push_back(1);
}

// A plain decimal (optional '-', digits, optional '.' and digits, no
// exponent) of at most 19 digits whose digits as an integer fit a double's
// 53-bit mantissa, with at most 22 decimals: both the integer and the power
// of ten are exact doubles, so one IEEE division rounds correctly and gives
// what from_chars gives (Clinger's fast path). Returns the end of the
// number, or null for anything else.
const char *parsePlainDecimal(const char *p, const char *end, double &out) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char *q = p;
  bool negative = q != end && *q == '-';
  q += negative;
  uint64_t w = 0;
  const char *digits = q;
  while (q != end && static_cast<unsigned>(*q - '0') < 10)
    w = w * 10 + static_cast<unsigned>(*q++ - '0');
  size_t count = static_cast<size_t>(q - digits);
  size_t decimals = 0;
  if (q != end && *q == '.') {
    const char *frac = ++q;
    while (q != end && static_cast<unsigned>(*q - '0') < 10)
      w = w * 10 + static_cast<unsigned>(*q++ - '0');
    decimals = static_cast<size_t>(q - frac);
    count += decimals;
  }
  if (count == 0 || count > 19 || decimals > 22 || w > (uint64_t(1) << 53))
    return nullptr;
  double v = static_cast<double>(w) / kPow10[decimals];
  out = negative ? -v : v;
  return q;
}

// The common case, a plain number followed by a separator or line end, is
// converted straight from the buffer; anything else takes the general path.
void Parser::parseFloat(const Sink &s, const char *start) {
  if (p_ != end_ && *p_ != '"') {
    double v;
    const char *q = parsePlainDecimal(p_, end_, v);
    if (!q || !atStop(q)) {
      auto r = std::from_chars(p_, end_, v);
      q = r.ec == std::errc() && r.ptr != p_ ? r.ptr : nullptr;
    }
    if (q && atStop(q)) {
      Column &c = *s.column;
      c.floats.push_back(v);
      if (!c.valid.empty())
        c.valid.push_back(1);
      p_ = q;
      return;
    }
  }
  storeFloat(s, readField(), start);
}

void Parser::parseInt(const Sink &s, const char *start) {
  if (p_ != end_ && *p_ != '"') {
    int64_t v;
    auto r = std::from_chars(p_, end_, v);
    if (r.ec == std::errc() && r.ptr != p_ && atStop(r.ptr)) {
      Column &c = *s.column;
      c.ints.push_back(v);
      if (!c.valid.empty())
        c.valid.push_back(1);
      p_ = r.ptr;
      return;
    }
  }
  storeInt(s, readField(), start);
}

void Parser::parseInto(const Sink &s, const char *start) {
  switch (s.column->type) {
  case DType::Float64:
    return parseFloat(s, start);
  case DType::Int64:
    return parseInt(s, start);
  case DType::Bool:
    return storeBool(s, readField(), start);
  case DType::String:
    return storeString(s, readField());
  }
}

void Parser::readHeader(const Schema &schema, Table &table) {
  if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0)
    p_ += 3;
  bodyStart_ = p_;
  if (p_ == end_)
    fail(p_, "the file is empty; a header row naming the columns is required");
  std::vector<const char *> starts;
  for (;;) {
    starts.push_back(p_);
    header_.emplace_back(readField().text);
    if (terminator() != End::Field)
      break;
  }
  byField_.assign(header_.size(), nullptr);
  sinks_.resize(schema.fields.size());
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    const std::string &name = schema.fields[i].name;
    size_t found = header_.size();
    for (size_t f = 0; f < header_.size(); ++f) {
      if (header_[f] != name)
        continue;
      if (found != header_.size())
        fail(starts[f], "column `" + name + "` appears twice in the header (fields " +
                            std::to_string(found + 1) + " and " + std::to_string(f + 1) + ")");
      found = f;
    }
    if (found == header_.size()) {
      std::string names;
      for (const std::string &h : header_)
        names += (names.empty() ? "" : ", ") + h;
      fail(bodyStart_, "no column `" + name + "` in the header; the header has: " + names);
    }
    sinks_[i] = {&table.columns[i], found + 1};
    byField_[found] = &sinks_[i];
  }
}

void Parser::reserveRows(Table &table, const char *until) const {
  // Rows estimated from the line length of the first 64 KiB.
  size_t rest = static_cast<size_t>(until - p_);
  size_t sample = rest < 65536 ? rest : 65536;
  size_t lines = 0;
  for (const char *q = p_; q < p_ + sample; ++q)
    lines += *q == '\n';
  if (lines == 0)
    return;
  size_t estimate = rest / (sample / lines);
  estimate += estimate / 50 + 16;
  for (Column &c : table.columns)
    c.reserve(estimate);
}

void Parser::tooManyFields(const char *extraStart) {
  current_ = header_.size();
  std::string extraText(readField().text);
  size_t n = header_.size() + 1;
  while (terminator() == End::Field) {
    readField();
    ++n;
  }
  fail(extraStart, "the line has " + std::to_string(n) + " fields, but the header has " +
                       std::to_string(header_.size()) + "; the first extra field is " +
                       shown(extraText));
}

Table Parser::run(const Schema &schema) {
  if (delim_ == '"' || delim_ == '\n' || delim_ == '\r')
    throw OpError(source_ + ": the separator cannot be a quote or a line break");
  Table table = Table::empty(schema);
  readHeader(schema, table);
  if (rangeFrom_) {
    p_ = rangeFrom_;
    end_ = rangeTo_;
  }
  reserveRows(table, reserveTo_ ? reserveTo_ : end_);
  const size_t fields = header_.size();
  // With one column a blank line is a missing value; with more it is skipped.
  const bool skipBlank = fields > 1;
  size_t rows = 0;
  while (p_ != end_) {
    if (skipBlank && (*p_ == '\n' || *p_ == '\r')) {
      terminator();
      continue;
    }
    const char *rowStart = p_;
    for (size_t f = 0; f < fields; ++f) {
      const char *start = p_;
      current_ = f;
      if (const Sink *s = byField_[f])
        parseInto(*s, start);
      else
        readField();
      End e = terminator();
      if (f + 1 < fields && e != End::Field)
        fail(rowStart, "the line has " + std::to_string(f + 1) + " field" + (f ? "s" : "") +
                           ", but the header has " + std::to_string(fields) + "; " +
                           columnRef(f + 1) + " is missing");
      if (f + 1 == fields && e == End::Field)
        tooManyFields(p_);
    }
    ++rows;
  }
  table.rows = rows;
  return table;
}

Table Parser::runRange(const Schema &schema, const char *from, const char *to,
                       const char *reserveTo) {
  rangeFrom_ = from;
  rangeTo_ = to;
  reserveTo_ = reserveTo;
  return run(schema);
}

template <typename T> void append(std::vector<T> &to, std::vector<T> &from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

// Appends `from`'s rows to `to` and frees `from`.
void appendColumn(Column &to, Column &from) {
  size_t before = to.size();
  if (!to.valid.empty() || !from.valid.empty()) {
    to.valid.resize(before, 1);
    from.valid.resize(from.size(), 1);
    append(to.valid, from.valid);
  }
  append(to.ints, from.ints);
  append(to.floats, from.floats);
  append(to.strings, from.strings);
  append(to.bools, from.bools);
  from = Column();
}

// Runs `work(i)` for every i in [0, n), on at most one thread per core (a
// wide table must not start a thread per column), and rethrows the first error.
template <typename Work> void onThreads(size_t n, Work work) {
  size_t threads = std::min<size_t>(n, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      try {
        for (size_t i = t; i < n; i += threads)
          work(i);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  for (std::thread &w : workers)
    w.join();
  for (const std::exception_ptr &e : errors)
    if (e)
      std::rethrow_exception(e);
}

// The slices' tables, one after the other. Each column is appended on its own
// thread: most of the cost is faulting in the pages the rows land in.
Table concatenate(std::vector<Table> &parts) {
  Table out = std::move(parts[0]);
  onThreads(out.columns.size(), [&](size_t c) {
    for (size_t i = 1; i < parts.size(); ++i)
      appendColumn(out.columns[c], parts[i].columns[c]);
  });
  for (size_t i = 1; i < parts.size(); ++i)
    out.rows += parts[i].rows;
  return out;
}

} // namespace

Table parseCsvParallel(std::string_view text, const Schema &schema, char delimiter,
                       const std::string &sourceName, unsigned threads, size_t minBytes) {
  // Slices must start at a line: without quotes in the file, every newline
  // ends a record. Files with quotes are parsed on one thread.
  if (threads < 2 || text.size() < minBytes || std::memchr(text.data(), '"', text.size()))
    return Parser(text, delimiter, sourceName).run(schema);
  const char *body = Parser(text, delimiter, sourceName).bodyStart(schema);
  const char *end = text.data() + text.size();
  std::vector<const char *> cuts{body};
  for (unsigned i = 1; i < threads; ++i) {
    const char *at = body + (end - body) * i / threads;
    if (at <= cuts.back())
      continue;
    const char *nl = static_cast<const char *>(std::memchr(at, '\n', end - at));
    if (!nl)
      break;
    cuts.push_back(nl + 1);
  }
  cuts.push_back(end);
  // The first slice's table ends up holding every row, so it reserves room
  // for the whole file: its rows are then written only once.
  std::vector<Table> parts(cuts.size() - 1);
  try {
    onThreads(parts.size(), [&](size_t i) {
      parts[i] = Parser(text, delimiter, sourceName)
                     .runRange(schema, cuts[i], cuts[i + 1], i == 0 ? end : cuts[i + 1]);
    });
  } catch (...) {
    // Line numbers are the whole file's only in one pass: rerun it for the message.
    return Parser(text, delimiter, sourceName).run(schema);
  }
  return concatenate(parts);
}

Table parseCsv(std::string_view text, const Schema &schema, char delimiter,
               const std::string &sourceName) {
  unsigned cores = std::thread::hardware_concurrency();
  return parseCsvParallel(text, schema, delimiter, sourceName, std::min(cores, 8u), 16u << 20);
}

Table readCsv(const std::string &path, const Schema &schema, char delimiter) {
  MappedFile file(path);
  return parseCsv(file.bytes(), schema, delimiter, path);
}

} // namespace mlpc::ops::io
