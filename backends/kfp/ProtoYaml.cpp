#include "backends/kfp/ProtoYaml.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/struct.pb.h>
#include <map>
#include <memory>
#include <regex>
#include <vector>

namespace mlpc::kfp {

namespace pb = google::protobuf;

namespace {

// A YAML tree. A map's entries are sorted by key once it is complete
// (PyYAML's sort_keys); vectors, not std::map, since a 10,000-task pipeline
// makes millions of nodes.
struct Node {
  enum class Kind { Map, List, Scalar };
  Kind kind = Kind::Scalar;
  std::vector<std::pair<std::string, Node>> map;
  std::vector<Node> list;
  std::string scalar; // already rendered (quoted if needed)
  static Node of(std::string rendered) {
    Node n;
    n.scalar = std::move(rendered);
    return n;
  }
  void add(std::string key, Node value) { map.emplace_back(std::move(key), std::move(value)); }
  void sortKeys() {
    std::sort(map.begin(), map.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
  }
};

// A double as PyYAML prints it: Python's repr, with `.0` before a bare
// exponent (`1.0e+16`) and YAML's spellings of infinities and NaN.
std::string formatDouble(double v) {
  if (std::isnan(v))
    return ".nan";
  if (std::isinf(v))
    return v > 0 ? ".inf" : "-.inf";
  std::string text = pythonFloat(v);
  if (size_t e = text.find('e'); e != std::string::npos && text.find('.') == std::string::npos)
    text.insert(e, ".0");
  return text;
}

Node fromValue(const pb::Value &v);

Node fromStruct(const pb::Struct &s) {
  Node n;
  n.kind = Node::Kind::Map;
  n.map.reserve(s.fields().size());
  for (const auto &[k, v] : s.fields())
    n.add(k, fromValue(v));
  n.sortKeys();
  return n;
}

Node fromValue(const pb::Value &v) {
  switch (v.kind_case()) {
  case pb::Value::kNumberValue:
    return Node::of(formatDouble(v.number_value()));
  case pb::Value::kStringValue:
    return Node::of(yamlString(v.string_value()));
  case pb::Value::kBoolValue:
    return Node::of(v.bool_value() ? "true" : "false");
  case pb::Value::kStructValue:
    return fromStruct(v.struct_value());
  case pb::Value::kListValue: {
    Node n;
    n.kind = Node::Kind::List;
    for (const pb::Value &e : v.list_value().values())
      n.list.push_back(fromValue(e));
    return n;
  }
  default:
    return Node::of("null");
  }
}

std::string formatDuration(const pb::Duration &d) {
  if (d.nanos() == 0)
    return std::to_string(d.seconds()) + "s";
  std::string frac = fmt::format("{:09d}", std::abs(d.nanos()));
  while (!frac.empty() && frac.back() == '0')
    frac.pop_back();
  return fmt::format("{}.{}s", d.seconds(), frac);
}

Node fromMessage(const pb::Message &m);

Node fromField(const pb::Message &m, const pb::FieldDescriptor *f, int index) {
  const pb::Reflection *r = m.GetReflection();
  auto get = [&](auto single, auto repeated) {
    return index < 0 ? (r->*single)(m, f) : (r->*repeated)(m, f, index);
  };
  switch (f->cpp_type()) {
  case pb::FieldDescriptor::CPPTYPE_INT32:
    return Node::of(
        std::to_string(get(&pb::Reflection::GetInt32, &pb::Reflection::GetRepeatedInt32)));
  case pb::FieldDescriptor::CPPTYPE_UINT32:
    return Node::of(
        std::to_string(get(&pb::Reflection::GetUInt32, &pb::Reflection::GetRepeatedUInt32)));
  case pb::FieldDescriptor::CPPTYPE_INT64: // 64-bit integers are strings in JSON
    return Node::of(yamlString(
        std::to_string(get(&pb::Reflection::GetInt64, &pb::Reflection::GetRepeatedInt64))));
  case pb::FieldDescriptor::CPPTYPE_UINT64:
    return Node::of(yamlString(
        std::to_string(get(&pb::Reflection::GetUInt64, &pb::Reflection::GetRepeatedUInt64))));
  case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    return Node::of(
        formatDouble(get(&pb::Reflection::GetDouble, &pb::Reflection::GetRepeatedDouble)));
  case pb::FieldDescriptor::CPPTYPE_FLOAT:
    return Node::of(
        formatDouble(get(&pb::Reflection::GetFloat, &pb::Reflection::GetRepeatedFloat)));
  case pb::FieldDescriptor::CPPTYPE_BOOL:
    return Node::of(get(&pb::Reflection::GetBool, &pb::Reflection::GetRepeatedBool) ? "true"
                                                                                    : "false");
  case pb::FieldDescriptor::CPPTYPE_ENUM:
    return Node::of(
        yamlString(get(&pb::Reflection::GetEnum, &pb::Reflection::GetRepeatedEnum)->name()));
  case pb::FieldDescriptor::CPPTYPE_STRING:
    return Node::of(yamlString(index < 0 ? r->GetString(m, f) : r->GetRepeatedString(m, f, index)));
  case pb::FieldDescriptor::CPPTYPE_MESSAGE:
    return fromMessage(index < 0 ? r->GetMessage(m, f) : r->GetRepeatedMessage(m, f, index));
  }
  return Node::of("null");
}

Node fromMessage(const pb::Message &m) {
  const pb::Descriptor *d = m.GetDescriptor();
  if (d == pb::Struct::descriptor())
    return fromStruct(static_cast<const pb::Struct &>(m));
  if (d == pb::Value::descriptor())
    return fromValue(static_cast<const pb::Value &>(m));
  if (d == pb::Duration::descriptor())
    return Node::of(formatDuration(static_cast<const pb::Duration &>(m)));
  Node n;
  n.kind = Node::Kind::Map;
  const pb::Reflection *r = m.GetReflection();
  std::vector<const pb::FieldDescriptor *> fields;
  r->ListFields(m, &fields); // set fields only: proto3 defaults are omitted
  for (const pb::FieldDescriptor *f : fields) {
    if (f->is_map()) {
      Node map;
      map.kind = Node::Kind::Map;
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        const pb::Message &entry = r->GetRepeatedMessage(m, f, i);
        const pb::FieldDescriptor *key = entry.GetDescriptor()->FindFieldByNumber(1);
        const pb::FieldDescriptor *value = entry.GetDescriptor()->FindFieldByNumber(2);
        map.add(entry.GetReflection()->GetString(entry, key), fromField(entry, value, -1));
      }
      map.sortKeys();
      n.add(f->json_name(), std::move(map));
    } else if (f->is_repeated()) {
      Node list;
      list.kind = Node::Kind::List;
      for (int i = 0; i < r->FieldSize(m, f); ++i)
        list.list.push_back(fromField(m, f, i));
      n.add(f->json_name(), std::move(list));
    } else {
      n.add(f->json_name(), fromField(m, f, -1));
    }
  }
  n.sortKeys();
  return n;
}

bool isEmptyCollection(const Node &n) {
  return (n.kind == Node::Kind::Map && n.map.empty()) ||
         (n.kind == Node::Kind::List && n.list.empty());
}

void printMap(const Node &n, int indent, std::string &out, bool firstInline);
void printList(const Node &n, int indent, std::string &out);

// The rest of a line after `key:` or `-`, and what nests under it. A map under
// `-` starts on the same line; a list under `key:` stays at the key's
// indentation, as PyYAML writes them.
void printValue(const Node &v, int indent, std::string &out, bool inList) {
  if (v.kind == Node::Kind::Scalar) {
    out.append(1, ' ').append(v.scalar).append(1, '\n');
  } else if (isEmptyCollection(v)) {
    out += v.kind == Node::Kind::Map ? " {}\n" : " []\n";
  } else if (v.kind == Node::Kind::Map) {
    out += inList ? " " : "\n";
    printMap(v, indent + 2, out, inList);
  } else {
    out += "\n";
    printList(v, inList ? indent + 2 : indent, out);
  }
}

// `key: value` lines of a map at `indent`.
void printMap(const Node &n, int indent, std::string &out, bool firstInline) {
  bool first = true;
  for (const auto &[k, v] : n.map) {
    if (!(first && firstInline))
      out.append(static_cast<size_t>(indent), ' ');
    first = false;
    out += yamlString(k) + ":";
    printValue(v, indent, out, false);
  }
}

void printList(const Node &n, int indent, std::string &out) {
  for (const Node &item : n.list) {
    out.append(static_cast<size_t>(indent), ' ').append(1, '-');
    printValue(item, indent, out, true);
  }
}

bool plainSafe(const std::string &s) {
  if (s.empty())
    return false;
  static const char *reserved[] = {"true", "false", "yes", "no", "on",
                                   "off",  "null",  "~",   "y",  "n"};
  if (s.size() <= 5) { // the longest reserved word
    std::string lower;
    for (char c : s)
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char *r : reserved)
      if (lower == r)
        return false;
  }
  // What a YAML 1.1 reader (PyYAML) or a YAML 1.2 one (Go's, in the KFP
  // backend) would resolve to an int, a float or a date must be quoted to
  // stay a string.
  static const std::regex number(R"(^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|(0|[1-9][0-9_]*))$)"
                                 R"(|^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$)"
                                 R"(|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$)"
                                 R"(|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$)"
                                 R"(|^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)"
                                 R"(|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})");
  // Every such form starts with a sign, a dot or a digit: only those need the
  // (slow) regex.
  size_t afterSign = s[0] == '-' || s[0] == '+' ? 1 : 0;
  bool numberLike = afterSign < s.size() &&
                    (s[afterSign] == '.' || std::isdigit(static_cast<unsigned char>(s[afterSign])));
  if (numberLike && std::regex_search(s, number))
    return false;
  if (!(std::isalnum(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == '/' ||
        s[0] == '.'))
    return false;
  for (char c : s) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
              c == '/' || c == ' ' || c == '@' || c == '(' || c == ')' || c == '=' || c == '+';
    if (!ok)
      return false;
  }
  return s.back() != ' ' && s.find("  ") == std::string::npos;
}

} // namespace

std::string pythonFloat(double d) {
  if (std::isnan(d))
    return "nan";
  if (std::isinf(d))
    return d > 0 ? "inf" : "-inf";
  std::string text = fmt::format("{}", d);
  if (text.find_first_of(".e") == std::string::npos)
    text += ".0";
  // Python writes exponents with a sign and at least two digits: 1e-05, 1e+16.
  if (size_t e = text.find('e'); e != std::string::npos) {
    std::string mantissa = text.substr(0, e), exponent = text.substr(e + 1);
    char sign = exponent[0] == '-' ? '-' : '+';
    if (exponent[0] == '-' || exponent[0] == '+')
      exponent = exponent.substr(1);
    if (exponent.size() < 2)
      exponent = "0" + exponent;
    text = mantissa + "e" + sign + exponent;
  }
  return text;
}

std::string yamlString(const std::string &s) {
  if (plainSafe(s))
    return s;
  bool printable = true;
  for (unsigned char c : s)
    printable = printable && c >= 0x20 && c != 0x7f;
  if (printable) {
    std::string out = "'";
    for (char c : s)
      out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }
  // Double quotes with escapes for newlines, tabs and control characters.
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (c < 0x20 || c == 0x7f)
        out += fmt::format("\\x{:02X}", c);
      else
        out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string toYaml(const pb::Message &message,
                   const std::vector<std::pair<std::string, const pb::Message *>> &extra) {
  // The tree is not freed: the compiler exits right after writing (freeing
  // millions of small nodes would cost a tenth of a large build). It stays
  // reachable from `kept`, so leak checkers stay quiet.
  static auto *kept = new std::vector<std::unique_ptr<Node>>();
  Node &root = *kept->emplace_back(std::make_unique<Node>(fromMessage(message)));
  for (const auto &[key, m] : extra)
    root.add(key, fromMessage(*m));
  root.sortKeys();
  std::string out;
  out.reserve(static_cast<size_t>(message.ByteSizeLong()) * 4 + (1 << 16));
  printMap(root, 0, out, false);
  return out;
}

} // namespace mlpc::kfp
