#include "runtime/executor/Values.h"

#include "ir/Names.h"

#include <fmt/format.h>

namespace mlpc::runtime {

llvm::json::Value toJson(const ir::Value &v) {
  switch (v.kind_case()) {
  case ir::Value::kIntValue:
    return v.int_value();
  case ir::Value::kFloatValue:
    return v.float_value();
  case ir::Value::kStringValue:
    return v.string_value();
  case ir::Value::kBoolValue:
    return v.bool_value();
  case ir::Value::kListValue: {
    llvm::json::Array a;
    for (const ir::Value &e : v.list_value().values())
      a.push_back(toJson(e));
    return a;
  }
  case ir::Value::kMapValue: {
    llvm::json::Object o;
    for (const auto &[k, e] : v.map_value().fields())
      o[k] = toJson(e);
    return o;
  }
  default:
    return nullptr;
  }
}

ir::Value fromJson(const llvm::json::Value &j) {
  ir::Value v;
  // JSON has one number type: integral numbers read as ints (a float-typed
  // output converts them back).
  if (auto i = j.getAsInteger())
    v.set_int_value(*i);
  else if (auto d = j.getAsNumber())
    v.set_float_value(*d);
  else if (auto s = j.getAsString())
    v.set_string_value(s->str());
  else if (auto b = j.getAsBoolean())
    v.set_bool_value(*b);
  else if (auto *a = j.getAsArray()) {
    auto *list = v.mutable_list_value();
    for (const llvm::json::Value &e : *a)
      *list->add_values() = fromJson(e);
  } else if (auto *o = j.getAsObject()) {
    auto *map = v.mutable_map_value();
    for (const auto &[k, e] : *o)
      (*map->mutable_fields())[k.str()] = fromJson(e);
  } else {
    v.set_null_value(true);
  }
  return v;
}

std::string valueText(const ir::Value &v) {
  switch (v.kind_case()) {
  case ir::Value::kStringValue:
    return v.string_value();
  case ir::Value::kNullValue:
  case ir::Value::KIND_NOT_SET:
    return "";
  default: {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << toJson(v);
    return os.str();
  }
  }
}

std::string typeName(const ir::Type &t) {
  switch (t.kind_case()) {
  case ir::Type::kScalar:
    return ir::scalarName(t.scalar());
  case ir::Type::kList:
    return "list";
  case ir::Type::kMap:
    return "map";
  case ir::Type::kRecord:
    return "record";
  case ir::Type::kStatus:
    return "TaskFinalStatus";
  case ir::Type::kArtifact:
    return t.artifact().type();
  default:
    return "string";
  }
}

bool parseValue(const std::string &raw, const ir::Type &t, ir::Value *out, std::string &error) {
  bool isString = (t.has_scalar() && (t.scalar() == ir::STRING)) || t.has_column();
  if (isString) {
    out->set_string_value(raw);
    return true;
  }
  std::string text = raw;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  // Python writes booleans as True/False; accept them.
  if (t.has_scalar() && t.scalar() == ir::BOOL && (text == "True" || text == "False"))
    text = text == "True" ? "true" : "false";
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed) {
    error = fmt::format("`{}` is not a valid {} ({})", text.substr(0, 80), typeName(t),
                        llvm::toString(parsed.takeError()));
    return false;
  }
  ir::Value v = fromJson(*parsed);
  bool ok = true;
  if (t.has_scalar()) {
    switch (t.scalar()) {
    case ir::INT:
      ok = v.has_int_value();
      break;
    case ir::FLOAT:
      ok = v.has_float_value() || v.has_int_value();
      widen(v, t);
      break;
    case ir::BOOL:
      ok = v.has_bool_value();
      break;
    default:
      break;
    }
  } else if (t.has_list()) {
    ok = v.has_list_value();
  } else if (t.has_map() || t.has_record() || t.has_status()) {
    ok = v.has_map_value();
  }
  if (!ok) {
    error = fmt::format("`{}` is not a valid {}", text.substr(0, 80), typeName(t));
    return false;
  }
  *out = std::move(v);
  return true;
}

void widen(ir::Value &v, const ir::Type &t) {
  if (t.has_scalar() && t.scalar() == ir::FLOAT && v.has_int_value())
    v.set_float_value(static_cast<double>(v.int_value()));
}

bool isTrue(const ir::Value &v) { return v.has_bool_value() && v.bool_value(); }

} // namespace mlpc::runtime
