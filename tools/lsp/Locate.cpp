// Locating what a position names: a walk down the root module's AST.
#include "tools/lsp/Analysis.h"

#include <llvm/Support/Casting.h>

namespace mlpc::lsp {

using llvm::dyn_cast;
using source::SourceRange;

namespace {

// Walks the root module's AST down to the innermost name that contains the
// offset. Every node's range contains its children's, so a subtree whose
// range misses the offset is skipped.
class Locator {
public:
  Locator(const Analysis &a, uint32_t offset)
      : a_(a), root_(*a.root()), file_(root_.ast->file), offset_(offset) {}

  Target run() {
    for (const ast::Import &imp : root_.ast->imports)
      import(imp);
    for (const ast::DeclPtr &d : root_.ast->decls)
      if (!done_)
        decl(*d);
    return found_;
  }

private:
  bool at(SourceRange r) const {
    return !done_ && r.valid() && r.file == file_ && r.begin <= offset_ && offset_ <= r.end;
  }
  void hit(SourceRange r, Target t) {
    if (!at(r) || t.kind == Target::Kind::None)
      return;
    t.range = r;
    found_ = std::move(t);
    done_ = true;
  }
  void hitSymbol(SourceRange r, const sema::Symbol *s, bool declaration = false) {
    if (!s || !at(r))
      return;
    Target t = targetOf(*s);
    t.atDeclaration = declaration;
    hit(r, std::move(t));
  }

  void import(const ast::Import &imp) {
    SourceRange named = imp.alias ? imp.alias->range : imp.targetRange;
    for (const sema::Symbol *s : root_.importSymbols)
      if (s->range.begin == named.begin && s->range.file == named.file) {
        hitSymbol(imp.targetRange, s, true);
        hitSymbol(named, s, true);
      }
  }

  void decl(const ast::Decl &d) {
    if (!at(d.range) && !at(d.name.range))
      return;
    const sema::Symbol *sym = lookupPath(root_, {d.name.text});
    if (sym && sym->range.begin != d.name.range.begin)
      sym = nullptr; // a duplicate declaration: the name means the first
    hitSymbol(d.name.range, sym, true);
    if (auto *s = dyn_cast<ast::SchemaDecl>(&d)) {
      for (const ast::Field &f : s->columns) {
        if (sym && sym->schema)
          if (const sema::Column *c = sym->schema->find(f.name.text)) {
            Target t;
            t.kind = Target::Kind::Column;
            t.schema = sym->schema;
            t.column = c;
            t.atDeclaration = true;
            hit(f.name.range, t);
          }
        fieldRest(f);
      }
    } else if (auto *r = dyn_cast<ast::RecordDecl>(&d)) {
      for (const ast::Field &f : r->fields) {
        if (sym && sym->record)
          if (const sema::RecordField *rf = sym->record->find(f.name.text)) {
            Target t;
            t.kind = Target::Kind::Field;
            t.record = sym->record;
            t.field = rf;
            t.atDeclaration = true;
            hit(f.name.range, t);
          }
        fieldRest(f);
      }
    } else if (auto *ar = dyn_cast<ast::ArtifactDecl>(&d)) {
      if (!ar->base.empty())
        typePath(ar->base, nullptr);
      for (const ast::Property &p : ar->properties)
        property(p);
    } else if (auto *c = dyn_cast<ast::CallableDecl>(&d)) {
      callable(*c, sym && sym->callable && sym->callable->decl == c ? sym->callable : nullptr);
    }
  }

  void callable(const ast::CallableDecl &d, const sema::CallableInfo *c) {
    if (!c)
      for (const sema::CallableInfo &ci : a_.program->callables)
        if (ci.decl == &d)
          c = &ci;
    current_ = c;
    for (size_t i = 0; i < d.typeParams.size(); ++i)
      if (c) {
        Target t;
        t.kind = Target::Kind::TypeParam;
        t.callable = c;
        t.index = static_cast<int>(i);
        t.atDeclaration = true;
        hit(d.typeParams[i].range, t);
      }
    // Fields and parameters pair by position in the source: a field that
    // repeats a name is no parameter.
    auto fields = [&](const std::vector<ast::Field> &list, Target::Kind kind) {
      const std::vector<sema::ParamInfo> *infos = !c                            ? nullptr
                                                  : kind == Target::Kind::Param ? &c->params
                                                                                : &c->outputs;
      for (const ast::Field &f : list) {
        for (size_t i = 0; infos && i < infos->size(); ++i)
          if ((*infos)[i].range.begin == f.name.range.begin) {
            Target t;
            t.kind = kind;
            t.callable = c;
            t.index = static_cast<int>(i);
            t.atDeclaration = true;
            hit(f.name.range, t);
          }
        fieldRest(f);
      }
    };
    fields(d.params, Target::Kind::Param);
    fields(d.outputs, Target::Kind::Output);
    if (auto *comp = dyn_cast<ast::ComponentDecl>(&d))
      for (const ast::Property &p : comp->properties)
        property(p);
    if (auto *pipe = dyn_cast<ast::PipelineDecl>(&d))
      block(pipe->body);
    current_ = nullptr;
  }

  void fieldRest(const ast::Field &f) {
    if (f.type)
      type(*f.type);
    if (f.defaultValue)
      expr(*f.defaultValue);
  }

  void property(const ast::Property &p) {
    if (!at(p.range))
      return;
    if (p.value)
      expr(*p.value);
    for (const ast::Property &inner : p.block)
      property(inner);
  }

  void type(const ast::TypeExpr &t) {
    if (!at(t.range))
      return;
    if (t.kind == ast::TypeExpr::Kind::Named)
      typePath(t.path, current_);
    for (const ast::TypeExprPtr &arg : t.args)
      type(*arg);
    for (const ast::Field &f : t.fields)
      fieldRest(f);
  }

  // Each part of `io.Row` names something: `io` the module, `Row` its schema.
  void typePath(const std::vector<ast::Name> &path, const sema::CallableInfo *generic) {
    std::vector<std::string> prefix;
    for (const ast::Name &n : path) {
      prefix.push_back(n.text);
      if (!at(n.range))
        continue;
      if (const sema::Symbol *s = lookupPath(root_, prefix))
        return hitSymbol(n.range, s);
      if (path.size() != 1)
        return;
      Target t;
      t.name = n.text;
      if (generic)
        for (size_t i = 0; i < generic->typeParams.size(); ++i)
          if (generic->typeParams[i] == n.text) {
            t.kind = Target::Kind::TypeParam;
            t.callable = generic;
            t.index = static_cast<int>(i);
            return hit(n.range, t);
          }
      if ((t.artifact = a_.program->types.builtinArtifact(n.text)))
        t.kind = Target::Kind::Artifact;
      else if (isPrimitive(n.text))
        t.kind = Target::Kind::Primitive;
      return hit(n.range, t);
    }
  }

  static bool isPrimitive(const std::string &n) {
    for (const char *p : {"int", "float", "string", "bool", "list", "map", "column"})
      if (n == p)
        return true;
    return false;
  }

  void block(const ast::Block &b) {
    for (const ast::StmtPtr &s : b.stmts)
      if (!done_)
        stmt(*s);
  }

  void options(const ast::TaskOptions &o) {
    if (o.present)
      for (const ast::Property &p : o.properties)
        property(p);
  }

  void stmt(const ast::Stmt &s) {
    if (!at(s.range))
      return;
    if (auto *b = dyn_cast<ast::BindStmt>(&s)) {
      hitSymbol(b->name.range, b->symbol, true);
      expr(*b->value);
      options(b->options);
    } else if (auto *e = dyn_cast<ast::ExprStmt>(&s)) {
      expr(*e->value);
      options(e->options);
    } else if (auto *i = dyn_cast<ast::IfStmt>(&s)) {
      for (const ast::IfBranch &br : i->branches) {
        if (br.condition)
          expr(*br.condition);
        block(br.body);
      }
    } else if (auto *f = dyn_cast<ast::ForStmt>(&s)) {
      hitSymbol(f->variable.range, f->symbol, true);
      expr(*f->iterable);
      if (f->parallelism)
        expr(*f->parallelism);
      block(f->body);
    } else if (auto *fin = dyn_cast<ast::FinallyStmt>(&s)) {
      if (fin->status)
        hitSymbol(fin->status->range, fin->symbol, true);
      block(fin->body);
    } else if (auto *r = dyn_cast<ast::ReturnStmt>(&s)) {
      for (size_t i = 0; i < r->values.size(); ++i) {
        const ast::Arg &arg = r->values[i];
        if (arg.name && current_) {
          Target t;
          t.kind = Target::Kind::Output;
          t.callable = current_;
          t.index = current_->findOutput(arg.name->text);
          if (t.index >= 0)
            hit(arg.name->range, t);
        }
        expr(*arg.value);
      }
    }
  }

  // The component or pipeline a call's callee names.
  const sema::CallableInfo *calleeOf(const ast::CallExpr &call, const sema::TaskInfo *task) {
    if (task)
      return task->callee;
    std::vector<std::string> path;
    const ast::Expr *e = call.callee.get();
    if (auto *m = dyn_cast<ast::MemberExpr>(e)) {
      path.push_back(m->member.text);
      e = m->base.get();
    }
    auto *ref = dyn_cast<ast::NameRef>(e);
    if (!ref)
      return nullptr;
    path.insert(path.begin(), ref->name);
    const sema::Symbol *s = lookupPath(root_, path);
    return s && s->kind == sema::SymbolKind::Callable ? s->callable : nullptr;
  }

  void call(const ast::CallExpr &c) {
    auto it = a_.taskOf.find(&c);
    const sema::TaskInfo *task = it == a_.taskOf.end() ? nullptr : it->second;
    const sema::CallableInfo *callee = calleeOf(c, task);
    const ast::Expr &fn = *c.callee;
    SourceRange name = fn.range;
    if (auto *m = dyn_cast<ast::MemberExpr>(&fn)) {
      if (auto *base = dyn_cast<ast::NameRef>(m->base.get()))
        hitSymbol(base->range, lookupPath(root_, {base->name}));
      name = m->member.range;
    }
    if (callee) {
      Target t;
      t.kind = Target::Kind::Callable;
      t.callable = callee;
      t.task = task;
      hit(name, t);
    }
    for (const ast::TypeExprPtr &t : c.typeArgs)
      type(*t);
    for (const ast::Arg &arg : c.args) {
      if (arg.name && callee) {
        Target t;
        t.kind = Target::Kind::Param;
        t.callable = callee;
        t.task = task;
        t.index = callee->findParam(arg.name->text);
        if (t.index >= 0)
          hit(arg.name->range, t);
      }
      expr(*arg.value);
    }
  }

  void member(const ast::MemberExpr &m) {
    expr(*m.base);
    if (!at(m.member.range))
      return;
    if (m.symbol)
      return hitSymbol(m.member.range, m.symbol);
    auto *base = dyn_cast<ast::NameRef>(m.base.get());
    const sema::Symbol *baseSym = base ? base->symbol : nullptr;
    if (!baseSym && base)
      baseSym = lookupPath(root_, {base->name});
    if (baseSym && baseSym->kind == sema::SymbolKind::Module)
      return hitSymbol(m.member.range, lookupPath(root_, {base->name, m.member.text}));
    if (baseSym && baseSym->kind == sema::SymbolKind::Task) {
      const sema::Symbol *direct = directTask(baseSym);
      if (!direct || !direct->task)
        return;
      Target t;
      t.kind = Target::Kind::Output;
      t.callable = direct->task->callee;
      t.task = direct->task;
      t.index = t.callable->findOutput(m.member.text);
      t.type = m.type && !m.type->isError() ? m.type : nullptr;
      if (t.index >= 0)
        hit(m.member.range, t);
      return;
    }
    const sema::Type *bt = m.base->type ? m.base->type->unwrapped() : nullptr;
    if (bt && bt->kind == sema::TypeKind::Record)
      if (const sema::RecordField *f = bt->record->find(m.member.text)) {
        Target t;
        t.kind = Target::Kind::Field;
        t.record = bt->record;
        t.field = f;
        hit(m.member.range, t);
      }
  }

  void expr(const ast::Expr &e) {
    if (!at(e.range))
      return;
    switch (e.kind) {
    case ast::ExprKind::Name: {
      auto &ref = llvm::cast<ast::NameRef>(e);
      if (ref.symbol)
        return hitSymbol(e.range, ref.symbol);
      // A column argument: the checker typed it `column<Schema>`.
      const sema::Type *t = e.type ? e.type->unwrapped() : nullptr;
      if (t && t->kind == sema::TypeKind::List)
        t = t->elem->unwrapped();
      if (t && t->kind == sema::TypeKind::Column && t->schema)
        if (const sema::Column *c = t->schema->find(ref.name)) {
          Target target;
          target.kind = Target::Kind::Column;
          target.schema = t->schema;
          target.column = c;
          return hit(e.range, target);
        }
      return hitSymbol(e.range, lookupPath(root_, {ref.name}));
    }
    case ast::ExprKind::Member:
      return member(llvm::cast<ast::MemberExpr>(e));
    case ast::ExprKind::Call:
      return call(llvm::cast<ast::CallExpr>(e));
    case ast::ExprKind::Index: {
      auto &ix = llvm::cast<ast::IndexExpr>(e);
      expr(*ix.base);
      return expr(*ix.index);
    }
    case ast::ExprKind::Unary:
      return expr(*llvm::cast<ast::UnaryExpr>(e).operand);
    case ast::ExprKind::Binary: {
      auto &b = llvm::cast<ast::BinaryExpr>(e);
      expr(*b.lhs);
      return expr(*b.rhs);
    }
    case ast::ExprKind::List:
      for (const ast::ExprPtr &el : llvm::cast<ast::ListExpr>(e).elements)
        expr(*el);
      return;
    case ast::ExprKind::Map:
      for (const ast::MapEntry &en : llvm::cast<ast::MapExpr>(e).entries)
        expr(*en.value);
      return;
    case ast::ExprKind::String:
      for (const ast::StringPart &p : llvm::cast<ast::StringLit>(e).parts)
        if (p.expr)
          expr(*p.expr);
      return;
    default:
      return;
    }
  }

  const Analysis &a_;
  const sema::ModuleInfo &root_;
  source::FileId file_;
  uint32_t offset_;
  const sema::CallableInfo *current_ = nullptr;
  Target found_;
  bool done_ = false;
};

} // namespace

Target locate(const Analysis &analysis, uint32_t offset) {
  if (!analysis.root() || !analysis.root()->ast)
    return {};
  return Locator(analysis, offset).run();
}

} // namespace mlpc::lsp
