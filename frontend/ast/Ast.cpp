#include "frontend/ast/Ast.h"

namespace mlpc::ast {

const char *spelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::Mod:
    return "%";
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Lt:
    return "<";
  case BinaryOp::Le:
    return "<=";
  case BinaryOp::Gt:
    return ">";
  case BinaryOp::Ge:
    return ">=";
  case BinaryOp::Eq:
    return "==";
  case BinaryOp::Ne:
    return "!=";
  case BinaryOp::And:
    return "and";
  case BinaryOp::Or:
    return "or";
  }
  return "?";
}

const char *spelling(UnaryOp op) { return op == UnaryOp::Neg ? "-" : "not"; }

std::string TypeExpr::spelling() const {
  std::string s;
  switch (kind) {
  case Kind::AnySchema:
    s = "*";
    break;
  case Kind::InlineRecord:
    s = "{";
    for (size_t i = 0; i < fields.size(); ++i)
      s += (i ? ", " : "") + fields[i].name.text + ": " +
           (fields[i].type ? fields[i].type->spelling() : "?");
    s += "}";
    break;
  case Kind::Named:
    for (size_t i = 0; i < path.size(); ++i)
      s += (i ? "." : "") + path[i].text;
    if (!args.empty()) {
      s += "<";
      for (size_t i = 0; i < args.size(); ++i)
        s += (i ? ", " : "") + args[i]->spelling();
      s += ">";
    }
    break;
  }
  for (const SchemaOp &op : ops)
    s += "." + op.name.text + "(...)";
  if (optional)
    s += "?";
  return s;
}

std::string Import::spelling() const {
  if (isFile())
    return "\"" + filePath + "\"";
  std::string s;
  for (size_t i = 0; i < modulePath.size(); ++i)
    s += (i ? "." : "") + modulePath[i].text;
  return s;
}

std::string Import::aliasName() const {
  if (alias)
    return alias->text;
  if (!isFile())
    return modulePath.back().text;
  // `import "lib/common.mlp"` is known as `common`.
  std::string stem = filePath.substr(filePath.find_last_of('/') + 1);
  return stem.substr(0, stem.find('.'));
}

} // namespace mlpc::ast
