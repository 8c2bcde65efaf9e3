#include "runtime/ops/ValueText.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string_view>

namespace mlpc::ops {

namespace {

bool lowerEquals(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size())
    return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != lower[i])
      return false;
  return true;
}

} // namespace

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string_view dropPlus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+')
    s.remove_prefix(1);
  return s;
}

bool parseIntText(std::string_view s, int64_t &out) {
  s = dropPlus(trimSpaces(s));
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

bool parseFloatText(std::string_view s, double &out) {
  s = trimSpaces(s);
  std::string_view body = s;
  double sign = 1;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    sign = body[0] == '-' ? -1 : 1;
    body.remove_prefix(1);
  }
  if (lowerEquals(body, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (lowerEquals(body, "inf") || lowerEquals(body, "infinity")) {
    out = sign * std::numeric_limits<double>::infinity();
    return true;
  }
  s = dropPlus(s);
  if (s.empty())
    return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ptr != s.data() + s.size())
    return false;
  if (r.ec == std::errc::result_out_of_range) {
    // Beyond double's range: strtod's +-inf or 0, as the CSV reader gives.
    out = std::strtod(std::string(s).c_str(), nullptr);
    return true;
  }
  return r.ec == std::errc();
}

bool parseBoolText(std::string_view s, uint8_t &out) {
  s = trimSpaces(s);
  if (s == "true" || s == "True" || s == "TRUE" || s == "1") {
    out = 1;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE" || s == "0") {
    out = 0;
    return true;
  }
  return false;
}

Value parseValue(const std::string &text, const Column &col, const std::string &what) {
  Value v;
  v.type = col.type;
  bool ok = true;
  const char *expect = "";
  switch (col.type) {
  case DType::Int64:
    ok = parseIntText(text, v.i);
    expect = "a 64-bit integer";
    break;
  case DType::Float64:
    ok = parseFloatText(text, v.f);
    expect = "a number (or nan, inf)";
    break;
  case DType::Bool:
    ok = parseBoolText(text, v.b);
    expect = "true, false, 1 or 0";
    break;
  case DType::String:
    v.s = text;
    break;
  }
  if (!ok)
    throw OpError(what + ": \"" + text + "\" is not a value of " + dtypeName(col.type) +
                  " column `" + col.name + "` (expected " + expect + ")");
  return v;
}

} // namespace mlpc::ops
