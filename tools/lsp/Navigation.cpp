// Go to definition and the document outline.
#include "tools/lsp/Features.h"

#include <llvm/Support/Casting.h>

namespace mlpc::lsp {

using source::SourceRange;

namespace {

// Where a target is declared; invalid for built-ins.
SourceRange declarationOf(const Target &t) {
  using K = Target::Kind;
  auto param = [&](const std::vector<sema::ParamInfo> &list) {
    return t.index >= 0 && static_cast<size_t>(t.index) < list.size() ? list[t.index].range
                                                                      : SourceRange{};
  };
  switch (t.kind) {
  case K::Symbol:
    return t.symbol->kind == sema::SymbolKind::RunInfo ? SourceRange{} : t.symbol->range;
  case K::Module:
    if (!t.atDeclaration)
      return t.symbol->range; // a use of the alias: its import
    if (t.module && t.module->ast)
      return {t.module->ast->file, 0, 0};
    return {};
  case K::Schema:
    return t.schema->range;
  case K::Record:
    return t.record->range;
  case K::Artifact:
    return t.artifact->builtin ? SourceRange{} : t.artifact->range;
  case K::TypeParam:
    return t.callable->decl ? t.callable->decl->typeParams[t.index].range : SourceRange{};
  case K::Callable:
    return t.callable->decl ? t.callable->decl->name.range : SourceRange{};
  case K::Param:
    return param(t.callable->params);
  case K::Output:
    return param(t.callable->outputs);
  case K::Column:
    return t.column->range;
  case K::Field:
    return t.field->range;
  case K::Primitive:
  case K::None:
    break;
  }
  return {};
}

// LSP SymbolKind values.
enum SymbolKindValue {
  kModule = 2,
  kClass = 5,
  kProperty = 7,
  kField = 8,
  kFunction = 12,
  kVariable = 13,
  kStruct = 23,
  kEvent = 24,
};

class Outline {
public:
  explicit Outline(const Analysis &a) : a_(a) {}

  json::Array run() {
    json::Array out;
    const ast::Module &m = *a_.root()->ast;
    for (const ast::Import &imp : m.imports)
      out.push_back(symbol(imp.aliasName(), imp.spelling(), kModule, imp.range,
                           imp.alias ? imp.alias->range : imp.targetRange, {}));
    for (const ast::DeclPtr &d : m.decls)
      if (!d->name.text.empty())
        out.push_back(decl(*d));
    return out;
  }

private:
  json::Value symbol(const std::string &name, const std::string &detail, int kind,
                     SourceRange range, SourceRange selection, json::Array children) {
    // The protocol wants the selection inside the range.
    range = SourceRange::join(range, selection);
    json::Object o{{"name", jsonText(name.empty() ? "_" : name)},
                   {"kind", kind},
                   {"range", a_.range(range)},
                   {"selectionRange", a_.range(selection)}};
    if (!detail.empty())
      o["detail"] = jsonText(detail);
    if (!children.empty())
      o["children"] = std::move(children);
    return o;
  }

  json::Array fields(const std::vector<ast::Field> &list, int kind, const char *prefix) {
    json::Array out;
    for (const ast::Field &f : list)
      out.push_back(symbol(f.name.text, prefix + (f.type ? a_.text(f.type->range) : ""), kind,
                           f.range, f.name.range, {}));
    return out;
  }

  void block(const ast::Block &b, json::Array &out) {
    for (const ast::StmtPtr &s : b.stmts) {
      if (auto *bind = llvm::dyn_cast<ast::BindStmt>(s.get())) {
        bool task = bind->symbol && bind->symbol->kind == sema::SymbolKind::Task;
        std::string detail;
        if (auto *call = llvm::dyn_cast<ast::CallExpr>(bind->value.get()))
          detail = a_.text(call->callee->range) + "(...)";
        out.push_back(symbol(bind->name.text, detail, task ? kEvent : kVariable, bind->range,
                             bind->name.range, {}));
      } else if (auto *e = llvm::dyn_cast<ast::ExprStmt>(s.get())) {
        if (auto *call = llvm::dyn_cast<ast::CallExpr>(e->value.get()))
          out.push_back(symbol(a_.text(call->callee->range), "(...)", kEvent, e->range,
                               call->callee->range, {}));
      } else if (auto *i = llvm::dyn_cast<ast::IfStmt>(s.get())) {
        for (const ast::IfBranch &br : i->branches)
          block(br.body, out);
      } else if (auto *f = llvm::dyn_cast<ast::ForStmt>(s.get())) {
        block(f->body, out);
      } else if (auto *fin = llvm::dyn_cast<ast::FinallyStmt>(s.get())) {
        block(fin->body, out);
      }
    }
  }

  json::Value decl(const ast::Decl &d) {
    switch (d.kind) {
    case ast::DeclKind::Schema:
      return symbol(d.name.text, "schema", kStruct, d.range, d.name.range,
                    fields(llvm::cast<ast::SchemaDecl>(d).columns, kField, ""));
    case ast::DeclKind::Record:
      return symbol(d.name.text, "record", kStruct, d.range, d.name.range,
                    fields(llvm::cast<ast::RecordDecl>(d).fields, kField, ""));
    case ast::DeclKind::Artifact:
      return symbol(d.name.text, "artifact", kClass, d.range, d.name.range, {});
    case ast::DeclKind::Component:
    case ast::DeclKind::Pipeline: {
      auto &c = llvm::cast<ast::CallableDecl>(d);
      json::Array children = fields(c.params, kVariable, "");
      for (json::Value &v : fields(c.outputs, kProperty, "-> "))
        children.push_back(std::move(v));
      if (auto *p = llvm::dyn_cast<ast::PipelineDecl>(&c))
        block(p->body, children);
      bool pipeline = d.kind == ast::DeclKind::Pipeline;
      return symbol(d.name.text, pipeline ? "pipeline" : "component", kFunction, d.range,
                    d.name.range, std::move(children));
    }
    }
    return nullptr;
  }

  const Analysis &a_;
};

} // namespace

json::Value definition(const Analysis &a, uint32_t offset) {
  Target t = locate(a, offset);
  if (t.kind == Target::Kind::None)
    return nullptr;
  std::optional<json::Value> loc = a.location(declarationOf(t));
  return loc ? std::move(*loc) : json::Value(nullptr);
}

json::Array documentSymbols(const Analysis &a) {
  if (!a.root() || !a.root()->ast)
    return {};
  return Outline(a).run();
}

} // namespace mlpc::lsp
