// Lexical scopes of component and pipeline bodies (internal to the checker).
#pragma once

#include "frontend/sema/Program.h"

#include <map>
#include <string>
#include <vector>

namespace mlpc::sema {

struct Scope {
  enum class Kind { Signature, Component, Pipeline, Branch, Loop, Finally };
  Scope(Kind kind, Scope *parent, const ModuleInfo &module)
      : kind(kind), parent(parent), module(module) {}

  Kind kind;
  Scope *parent;
  const ModuleInfo &module;
  std::map<std::string, const Symbol *> names;
  std::vector<const Symbol *> order; // bindings in the order they were made
  // Names bound later in the same pipeline body, for "used before defined".
  std::map<std::string, SourceRange> later;

  const Symbol *findLocal(const std::string &name) const {
    auto it = names.find(name);
    return it == names.end() ? nullptr : it->second;
  }
  // Walks enclosing scopes, then the module's top-level names.
  const Symbol *lookup(const std::string &name) const {
    for (const Scope *s = this; s; s = s->parent)
      if (const Symbol *sym = s->findLocal(name))
        return sym;
    auto it = module.scope.find(name);
    return it == module.scope.end() ? nullptr : it->second;
  }
  void bind(const Symbol *symbol) {
    names[symbol->name] = symbol;
    order.push_back(symbol);
  }
  bool inside(Kind k) const {
    for (const Scope *s = this; s; s = s->parent)
      if (s->kind == k)
        return true;
    return false;
  }
};

} // namespace mlpc::sema
