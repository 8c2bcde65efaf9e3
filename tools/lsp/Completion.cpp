// Completion: from where the placeholder of the completed text lands
// (Cursor.h), what fits there: the members after `module.` or `task.`, the
// columns of the dataset's schema in a step's column argument, the named
// arguments a call still lacks, types, the names in scope, keywords.
#include "tools/lsp/Cursor.h"
#include "tools/lsp/Features.h"

#include <fmt/format.h>
#include <functional>
#include <llvm/Support/Casting.h>
#include <set>

namespace mlpc::lsp {

using llvm::dyn_cast;

namespace {

// LSP CompletionItemKind values.
enum ItemKind {
  kFunction = 3,
  kField = 5,
  kVariable = 6,
  kClass = 7,
  kModule = 9,
  kProperty = 10,
  kKeyword = 14,
  kStruct = 22,
  kTypeParameter = 25,
};

const char *const kBodyKeywords[] = {"if",      "else",   "for",  "in",   "parallel",
                                     "finally", "return", "with", "true", "false",
                                     "none",    "and",    "or",   "not"};
const char *const kPrimitives[] = {"int", "float", "string", "bool", "list", "map", "column"};

class Items {
public:
  explicit Items(const Analysis *a) : a_(a) {}

  void add(const std::string &label, int kind, const std::string &detail,
           const std::string &doc = "", const std::string &insert = "",
           const std::string &sort = "") {
    if (label.empty() || label == kPlaceholder || !seen_.insert(label).second)
      return;
    json::Object item{{"label", jsonText(label)}, {"kind", kind}};
    if (!detail.empty())
      item["detail"] = jsonText(detail);
    if (!doc.empty())
      item["documentation"] = json::Object{{"kind", "markdown"}, {"value", jsonText(doc)}};
    if (!insert.empty())
      item["insertText"] = jsonText(insert);
    if (!sort.empty())
      item["sortText"] = jsonText(sort);
    items_.push_back(std::move(item));
  }

  void symbol(const std::string &name, const sema::Symbol &s) {
    using K = sema::SymbolKind;
    switch (s.kind) {
    case K::Module:
      return add(name, kModule, s.module ? s.module->name : "module");
    case K::Schema:
      return add(name, kStruct, "schema", declDoc(s.range));
    case K::Record:
      return add(name, kStruct, "record", declDoc(s.range));
    case K::Artifact:
      return add(name, kClass, "artifact type", declDoc(s.range));
    case K::Callable: {
      std::string doc = s.callable->decl ? s.callable->decl->doc : "";
      return add(name, kFunction, signatureOf(*a_, *s.callable, true), doc);
    }
    case K::Task: {
      const sema::Symbol *direct = directTask(&s);
      bool known = direct && direct->task && direct->task->callee;
      return add(name, kVariable,
                 known ? "task: " + direct->task->callee->qualifiedName + "(...)" : "task");
    }
    default: {
      const sema::Type *t = s.type;
      std::string type = t && !t->isError() ? t->spelling() : sema::symbolKindName(s);
      return add(name, kVariable, type);
    }
    }
  }

  void keywords(bool topLevel) {
    if (topLevel)
      for (const char *k : kDeclarationKeywords)
        add(k, kKeyword, "");
    else
      for (const char *k : kBodyKeywords)
        add(k, kKeyword, "");
  }

  json::Array take() { return std::move(items_); }

private:
  std::string declDoc(source::SourceRange r) {
    const ast::Decl *d = declarationAt(*a_, r);
    return d ? d->doc : "";
  }

  const Analysis *a_;
  std::set<std::string> seen_;
  json::Array items_;
};

std::string typeName(const sema::Type *t) { return t && !t->isError() ? t->spelling() : ""; }

// Members after `base.`: a module's declarations, a task's outputs, a
// record's fields, an artifact's `path` and `uri`.
void members(const Analysis &a, const Spot &spot, const std::string &baseName, Items &items) {
  const sema::Symbol *base = lookupPath(*a.root(), {baseName});
  if (spot.member)
    if (auto *ref = dyn_cast<ast::NameRef>(spot.member->base.get()); ref && ref->symbol)
      base = ref->symbol;
  if (base && base->kind == sema::SymbolKind::Module) {
    if (base->module)
      for (const auto &[name, sym] : base->module->scope)
        if (sym->kind != sema::SymbolKind::Module)
          items.symbol(name, *sym);
    return;
  }
  if (base && base->kind == sema::SymbolKind::Task) {
    const sema::Symbol *direct = directTask(base);
    if (!direct || !direct->task || !direct->task->callee)
      return;
    const sema::CallableInfo &c = *direct->task->callee;
    for (size_t i = 0; i < c.outputs.size(); ++i) {
      std::string type = i < direct->task->outputTypes.size()
                             ? typeName(direct->task->outputTypes[i])
                             : typeName(c.outputs[i].type);
      items.add(c.outputs[i].name, kField, type, c.outputs[i].doc);
    }
    return;
  }
  if (base && (base->kind == sema::SymbolKind::Param || base->kind == sema::SymbolKind::Output) &&
      base->type) {
    // Component placeholders: a file's local path or URI.
    if (base->type->unwrapped()->isArtifact()) {
      items.add("path", kField, "string", "The artifact's local path inside the container.");
      items.add("uri", kField, "string", "The artifact's URI in the pipeline root.");
      return;
    }
    if (base->kind == sema::SymbolKind::Output)
      items.add("path", kField, "string", "Where the command writes this output's value.");
  }
  const sema::Type *t = spot.member && spot.member->base->type ? spot.member->base->type : nullptr;
  if (!t && base)
    t = base->type;
  if (t && t->unwrapped()->kind == sema::TypeKind::Record)
    for (const sema::RecordField &f : t->unwrapped()->record->fields)
      items.add(f.name, kField, typeName(f.type), f.doc);
}

void typeNames(const Analysis &a, const Spot &spot, Items &items) {
  if (spot.callable)
    for (const ast::Name &n : spot.callable->typeParams)
      items.add(n.text, kTypeParameter, "schema parameter");
  for (const auto &[name, sym] : a.root()->scope)
    if (sym->kind != sema::SymbolKind::Callable)
      items.symbol(name, *sym);
  for (const char *p : kPrimitives)
    items.add(p, kKeyword, "type");
  for (const sema::ArtifactTypeInfo *art : a.program->types.builtinArtifacts())
    items.add(art->name, kClass, "artifact type", art->description);
}

// The columns of the schema an argument's column parameter ranges over,
// minus those the list already names.
bool columns(const Spot &spot, Items &items) {
  const sema::Type *t = spot.ref->type ? spot.ref->type->unwrapped() : nullptr;
  if (!t || t->kind != sema::TypeKind::Column || !t->schema ||
      t->schema->kind != sema::Schema::Kind::Concrete)
    return false;
  std::set<std::string> listed;
  if (spot.list)
    for (const ast::ExprPtr &el : spot.list->elements)
      if (auto *r = dyn_cast<ast::NameRef>(el.get()))
        listed.insert(r->name);
  for (const sema::Column &c : t->schema->columns)
    if (!listed.count(c.name))
      items.add(c.name, kField,
                std::string(sema::scalarName(c.type)) + (c.optional ? "?" : "") + " (" +
                    t->schema->spelling() + ")",
                c.doc, "", "0");
  return true;
}

// `name: ` for each parameter the call does not give yet.
void namedArguments(const Analysis &a, const Spot &spot, Items &items) {
  auto it = a.taskOf.find(spot.call);
  const sema::CallableInfo *callee = it != a.taskOf.end() ? it->second->callee : nullptr;
  if (!callee) {
    std::vector<std::string> path;
    const ast::Expr *e = spot.call->callee.get();
    if (auto *m = dyn_cast<ast::MemberExpr>(e)) {
      path.push_back(m->member.text);
      e = m->base.get();
    }
    if (auto *r = dyn_cast<ast::NameRef>(e))
      path.insert(path.begin(), r->name);
    const sema::Symbol *s = lookupPath(*a.root(), path);
    callee = s && s->kind == sema::SymbolKind::Callable ? s->callable : nullptr;
  }
  if (!callee)
    return;
  std::set<std::string> given;
  size_t positional = 0;
  for (const ast::Arg &arg : spot.call->args) {
    if (&arg == spot.arg)
      continue;
    if (arg.name)
      given.insert(arg.name->text);
    else if (positional < callee->params.size())
      given.insert(callee->params[positional++].name);
  }
  for (size_t i = 0; i < callee->params.size(); ++i) {
    const sema::ParamInfo &p = callee->params[i];
    if (given.count(p.name))
      continue;
    const ast::Field *field = fieldOf(*callee, p);
    std::string type = field && field->type ? a.text(field->type->range) : typeName(p.type);
    items.add(p.name, kProperty, type + (p.optional ? " (optional)" : ""), p.doc, p.name + ": ",
              fmt::format("0{:03}", i));
  }
}

// Names a pipeline or component body sees before `at`.
void locals(const Analysis &a, const ast::CallableDecl &decl, uint32_t at, Items &items) {
  const sema::CallableInfo *c = nullptr;
  for (const sema::CallableInfo &ci : a.program->callables)
    if (ci.decl == &decl)
      c = &ci;
  if (c) {
    for (const sema::ParamInfo &p : c->params)
      items.add(p.name, kVariable, typeName(p.type), p.doc);
    if (!c->isPipeline)
      for (const sema::ParamInfo &p : c->outputs)
        items.add(p.name, kVariable, typeName(p.type), p.doc);
  }
  auto *pipe = dyn_cast<ast::PipelineDecl>(&decl);
  if (!pipe)
    return;
  items.add("run", kVariable, "run information", "The run's job name, task id, ...");
  auto contains = [&](source::SourceRange r) { return r.begin <= at && at <= r.end; };
  std::function<void(const ast::Block &)> block = [&](const ast::Block &b) {
    for (const ast::StmtPtr &s : b.stmts) {
      if (s->range.begin >= at)
        return;
      if (auto *bind = dyn_cast<ast::BindStmt>(s.get())) {
        if (!contains(s->range) && bind->symbol)
          items.symbol(bind->name.text, *bind->symbol);
      } else if (auto *f = dyn_cast<ast::ForStmt>(s.get())) {
        if (contains(f->body.range) && f->symbol)
          items.symbol(f->variable.text, *f->symbol);
        block(f->body);
      } else if (auto *i = dyn_cast<ast::IfStmt>(s.get())) {
        for (const ast::IfBranch &br : i->branches)
          block(br.body);
      } else if (auto *fin = dyn_cast<ast::FinallyStmt>(s.get())) {
        if (contains(fin->body.range) && fin->symbol)
          items.symbol(fin->status->text, *fin->symbol);
        block(fin->body);
      }
    }
  };
  block(pipe->body);
}

const ast::CallableDecl *enclosingCallable(const ast::Module &m, uint32_t at) {
  for (const ast::DeclPtr &d : m.decls)
    if (d->range.begin <= at && at <= d->range.end)
      return dyn_cast<ast::CallableDecl>(d.get());
  return nullptr;
}

json::Value list(json::Array items) {
  return json::Object{{"isIncomplete", false}, {"items", std::move(items)}};
}

} // namespace

json::Value completion(const Document &doc, uint32_t offset, const Overlay &overlay) {
  Cursor cursor = cursorAt(doc.text, offset);
  if (!cursor.inCode)
    return list({});
  std::unique_ptr<Analysis> a;
  Spot spot;
  if (std::optional<std::string> completed = completedText(doc.text, cursor)) {
    a = analyze(doc, std::move(*completed), overlay);
    if (a->root() && a->root()->ast)
      spot = findPlaceholder(*a->root()->ast, cursor.wordStart);
  }
  bool topLevel = cursor.open.empty();
  if (!a || !a->root() || !a->root()->ast) {
    Items items(nullptr);
    items.keywords(topLevel);
    return list(items.take());
  }

  Items items(a.get());
  if (cursor.afterDot) {
    members(*a, spot, cursor.base, items);
    return list(items.take());
  }
  if (spot.inType) {
    typeNames(*a, spot, items);
    return list(items.take());
  }
  if (spot.ref && spot.call) {
    bool columnsOnly = !spot.direct || (spot.arg && spot.arg->name);
    if (columns(spot, items) && columnsOnly)
      return list(items.take());
    if (spot.direct && spot.arg && !spot.arg->name)
      namedArguments(*a, spot, items);
  }
  const ast::CallableDecl *callable =
      spot.found ? spot.callable : enclosingCallable(*a->root()->ast, cursor.wordStart);
  if (callable)
    locals(*a, *callable, cursor.wordStart, items);
  for (const auto &[name, sym] : a->root()->scope)
    items.symbol(name, *sym);
  items.keywords(topLevel);
  return list(items.take());
}

} // namespace mlpc::lsp
