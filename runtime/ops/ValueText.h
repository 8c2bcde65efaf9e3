// A value given as text in a .mlp parameter (fill_missing's `value`,
// filter's `equals`) read as a column's type, with the CSV reader's rules:
// surrounding spaces are ignored; int is a 64-bit integer with an optional
// sign; float a decimal or exponent form or nan/inf/infinity in any case;
// bool true/false/True/False/TRUE/FALSE/1/0; string is the text verbatim.
#pragma once

#include "runtime/ops/Table.h"

#include <string>
#include <string_view>

namespace mlpc::ops {

// The primitives, shared with the CSV reader. Each is false when `s` is not
// a whole value of its type.
std::string_view trimSpaces(std::string_view s);
// "+1.5" -> "1.5": from_chars takes a minus sign only.
std::string_view dropPlus(std::string_view s);
bool parseIntText(std::string_view s, int64_t &out);
bool parseFloatText(std::string_view s, double &out);
bool parseBoolText(std::string_view s, uint8_t &out);

// One value of any type; the field for `type` is set.
struct Value {
  DType type = DType::String;
  int64_t i = 0;
  double f = 0;
  std::string s;
  uint8_t b = 0;
};

// Reads `text` as a value of `col`'s type. OpError naming `what`, the column
// and the text when the type cannot hold it.
Value parseValue(const std::string &text, const Column &col, const std::string &what);

} // namespace mlpc::ops
