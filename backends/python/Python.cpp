#include "backends/python/Python.h"

#include <cmath>
#include <fmt/format.h>
#include <set>
#include <vector>

namespace mlpc::py {

std::string pyString(const std::string &text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20 || c == 0x7F) {
        out += fmt::format("\\x{:02x}", c);
      } else if (c == 0xE2 && i + 2 < text.size() &&
                 static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                 (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
                  static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
        // U+2028 and U+2029: legal in a Python literal, but some editors
        // and tools treat them as line breaks; keep the file one line per line.
        out += static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
        i += 2;
      } else if (c == 0xC2 && i + 1 < text.size() &&
                 static_cast<unsigned char>(text[i + 1]) == 0x85) {
        out += "\\x85"; // NEL, a line break to some readers
        i += 1;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out + "\"";
}

std::string pyIdentifier(const std::string &name) {
  static const std::set<std::string> keywords = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",   "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except",  "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda",  "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",    "yield",    "match",
      "case",  "type",     "tfx",   "tfma",   "os",   "sys",    "argparse"};
  std::string out;
  for (char c : name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])))
    out = "_" + out;
  if (keywords.count(out))
    out += "_";
  return out;
}

std::string pyValue(const ir::Value &value) {
  switch (value.kind_case()) {
  case ir::Value::kIntValue:
    return std::to_string(value.int_value());
  case ir::Value::kFloatValue: {
    double d = value.float_value();
    if (std::isnan(d))
      return "float(\"nan\")";
    if (std::isinf(d))
      return d > 0 ? "float(\"inf\")" : "-float(\"inf\")";
    std::string s = fmt::format("{}", d);
    if (s.find_first_of(".eEn") == std::string::npos)
      s += ".0";
    return s;
  }
  case ir::Value::kStringValue:
    return pyString(value.string_value());
  case ir::Value::kBoolValue:
    return value.bool_value() ? "True" : "False";
  case ir::Value::kListValue: {
    std::string out = "[";
    for (int i = 0; i < value.list_value().values_size(); ++i)
      out += (i ? ", " : "") + pyValue(value.list_value().values(i));
    return out + "]";
  }
  case ir::Value::kMapValue: {
    // Sorted keys: the same IR always gives the same file.
    std::map<std::string, const ir::Value *> sorted;
    for (const auto &[k, v] : value.map_value().fields())
      sorted[k] = &v;
    std::string out = "{";
    bool first = true;
    for (const auto &[k, v] : sorted) {
      out += (first ? "" : ", ") + pyString(k) + ": " + pyValue(*v);
      first = false;
    }
    return out + "}";
  }
  case ir::Value::kNullValue:
  case ir::Value::KIND_NOT_SET:
    break;
  }
  return "None";
}

namespace {

// The index of the bracket that closes the one at `open`, skipping string
// literals; npos if unbalanced.
size_t matching(const std::string &s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\')
          ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{')
      ++depth;
    else if ((c == ')' || c == ']' || c == '}') && --depth == 0)
      return i;
  }
  return std::string::npos;
}

} // namespace

std::string pyReflow(const std::string &expr, int indent, int width) {
  if (static_cast<int>(expr.size()) + indent <= width)
    return expr;
  size_t open = expr.find_first_of("([{\"");
  while (open != std::string::npos && expr[open] == '"') { // skip a leading string
    size_t close = matching(expr, open);
    (void)close;
    size_t end = open + 1;
    while (end < expr.size() && expr[end] != '"')
      end += expr[end] == '\\' ? 2 : 1;
    open = expr.find_first_of("([{\"", end + 1);
  }
  size_t close = open == std::string::npos ? open : matching(expr, open);
  if (close == std::string::npos || close == open + 1)
    return expr;
  // Split the inside at top-level commas.
  std::vector<std::string> items;
  size_t start = open + 1;
  for (size_t i = open + 1; i < close; ++i) {
    char c = expr[i];
    if (c == '"' || c == '(' || c == '[' || c == '{') {
      i = c == '"' ? [&] {
        size_t k = i + 1;
        while (k < close && expr[k] != '"')
          k += expr[k] == '\\' ? 2 : 1;
        return k;
      }()
                   : matching(expr, i);
      continue;
    }
    if (c == ',') {
      items.push_back(expr.substr(start, i - start));
      start = i + 1;
    }
  }
  items.push_back(expr.substr(start, close - start));
  std::string pad(static_cast<size_t>(indent), ' '), inner(static_cast<size_t>(indent + 4), ' ');
  std::string out = expr.substr(0, open + 1) + "\n";
  for (std::string item : items) {
    size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b == std::string::npos)
      continue;
    item = item.substr(b, e - b + 1);
    out += inner + pyReflow(item, indent + 4, width) + ",\n";
  }
  std::string tail = expr.substr(close);
  if (static_cast<int>(tail.size()) + indent > width) {
    // `).with_id("x").with_platform_config(...)`: break the last call of the tail.
    size_t last = std::string::npos;
    for (size_t i = 1; i < tail.size(); ++i) {
      if (tail[i] == '"') {
        for (++i; i < tail.size() && tail[i] != '"'; ++i)
          if (tail[i] == '\\')
            ++i;
        continue;
      }
      if (tail[i] == '(' || tail[i] == '[' || tail[i] == '{') {
        last = i;
        i = matching(tail, i);
        if (i == std::string::npos)
          break;
      }
    }
    if (last != std::string::npos) {
      size_t end = matching(tail, last);
      if (end != std::string::npos && end > last + 1)
        tail = tail.substr(0, last + 1) + "\n" + inner +
               pyReflow(tail.substr(last + 1, end - last - 1), indent + 4, width) + ",\n" + pad +
               tail.substr(end);
    }
  }
  return out + pad + tail;
}

} // namespace mlpc::py
