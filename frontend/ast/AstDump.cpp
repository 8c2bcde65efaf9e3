#include "frontend/ast/AstDump.h"

#include <fmt/format.h>
#include <llvm/Support/Casting.h>

namespace mlpc::ast {
namespace {

class Dumper {
public:
  Dumper(const source::SourceManager &sources, std::ostream &out) : sources_(sources), out_(out) {}

  void module(const Module &m) {
    line(0, "Module", m.path, {});
    for (const Import &i : m.imports)
      line(1, "Import", i.spelling() + " as " + i.aliasName(), i.range);
    for (const DeclPtr &d : m.decls)
      decl(*d);
  }

private:
  void line(int depth, const std::string &kind, const std::string &text, SourceRange r) {
    out_ << std::string(depth * 2, ' ') << kind;
    if (!text.empty())
      out_ << " " << text;
    if (r.valid()) {
      source::LineColumn lc = sources_.file(r.file).lineColumn(r.begin);
      out_ << " @" << lc.line << ":" << lc.column;
    }
    out_ << "\n";
  }

  void field(int depth, const char *kind, const Field &f) {
    line(depth, kind, f.name.text + ": " + (f.type ? f.type->spelling() : "?"), f.name.range);
    if (f.defaultValue)
      expr(depth + 1, *f.defaultValue);
  }

  void properties(int depth, const std::vector<Property> &props) {
    for (const Property &p : props) {
      line(depth, p.isBlock ? "Block" : "Property", p.name.text, p.name.range);
      if (p.isBlock)
        properties(depth + 1, p.block);
      else if (p.value)
        expr(depth + 1, *p.value);
    }
  }

  void decl(const Decl &d) {
    static const char *kinds[] = {"Schema", "Record", "Artifact", "Component", "Pipeline"};
    line(1, kinds[static_cast<int>(d.kind)], d.name.text, d.name.range);
    if (!d.doc.empty())
      line(2, "Doc", fmt::format("{:?}", d.doc), {});
    for (const Annotation &a : d.annotations)
      line(2, "Annotation", "@" + a.name.text, a.range);
    if (auto *s = llvm::dyn_cast<SchemaDecl>(&d))
      for (const Field &f : s->columns)
        field(2, "Column", f);
    if (auto *r = llvm::dyn_cast<RecordDecl>(&d))
      for (const Field &f : r->fields)
        field(2, "Field", f);
    if (auto *a = llvm::dyn_cast<ArtifactDecl>(&d)) {
      std::string base;
      for (const Name &n : a->base)
        base += (base.empty() ? "" : ".") + n.text;
      line(2, "Base", base, {});
      properties(2, a->properties);
    }
    if (auto *c = llvm::dyn_cast<CallableDecl>(&d)) {
      for (const Name &n : c->typeParams)
        line(2, "TypeParam", n.text, n.range);
      for (const Field &f : c->params)
        field(2, "Param", f);
      for (const Field &f : c->outputs)
        field(2, "Output", f);
    }
    if (auto *c = llvm::dyn_cast<ComponentDecl>(&d))
      properties(2, c->properties);
    if (auto *p = llvm::dyn_cast<PipelineDecl>(&d))
      block(2, p->body);
  }

  void block(int depth, const Block &b) {
    for (const StmtPtr &s : b.stmts)
      stmt(depth, *s);
  }

  void options(int depth, const TaskOptions &o) {
    if (!o.present)
      return;
    line(depth, "With", "", o.range);
    properties(depth + 1, o.properties);
  }

  void stmt(int depth, const Stmt &s) {
    switch (s.kind) {
    case StmtKind::Bind: {
      auto &b = llvm::cast<BindStmt>(s);
      line(depth, "Bind", b.name.text, b.name.range);
      expr(depth + 1, *b.value);
      options(depth + 1, b.options);
      break;
    }
    case StmtKind::Expr: {
      auto &e = llvm::cast<ExprStmt>(s);
      line(depth, "ExprStmt", "", s.range);
      expr(depth + 1, *e.value);
      options(depth + 1, e.options);
      break;
    }
    case StmtKind::If:
      line(depth, "If", "", s.range);
      for (const IfBranch &b : llvm::cast<IfStmt>(s).branches) {
        line(depth + 1, b.condition ? "Branch" : "Else", "", b.keywordRange);
        if (b.condition)
          expr(depth + 2, *b.condition);
        block(depth + 2, b.body);
      }
      break;
    case StmtKind::For: {
      auto &f = llvm::cast<ForStmt>(s);
      line(depth, "For", f.variable.text, f.variable.range);
      expr(depth + 1, *f.iterable);
      if (f.parallelism) {
        line(depth + 1, "Parallel", "", f.parallelism->range);
        expr(depth + 2, *f.parallelism);
      }
      block(depth + 1, f.body);
      break;
    }
    case StmtKind::Finally: {
      auto &f = llvm::cast<FinallyStmt>(s);
      line(depth, "Finally", f.status ? f.status->text : "", f.keywordRange);
      block(depth + 1, f.body);
      break;
    }
    case StmtKind::Return:
      line(depth, "Return", "", s.range);
      for (const Arg &a : llvm::cast<ReturnStmt>(s).values)
        arg(depth + 1, a);
      break;
    }
  }

  void arg(int depth, const Arg &a) {
    line(depth, "Arg", a.name ? a.name->text : "", a.range);
    expr(depth + 1, *a.value);
  }

  void expr(int depth, const Expr &e) {
    switch (e.kind) {
    case ExprKind::Int:
      line(depth, "Int", std::to_string(llvm::cast<IntLit>(e).value), e.range);
      break;
    case ExprKind::Float:
      line(depth, "Float", fmt::format("{}", llvm::cast<FloatLit>(e).value), e.range);
      break;
    case ExprKind::Bool:
      line(depth, "Bool", llvm::cast<BoolLit>(e).value ? "true" : "false", e.range);
      break;
    case ExprKind::None:
      line(depth, "None", "", e.range);
      break;
    case ExprKind::String: {
      auto &s = llvm::cast<StringLit>(e);
      line(depth, "String", s.isPlain() ? fmt::format("{:?}", s.plainText()) : "", e.range);
      if (!s.isPlain())
        for (const StringPart &p : s.parts) {
          if (p.expr)
            expr(depth + 1, *p.expr);
          else
            line(depth + 1, "Text", fmt::format("{:?}", p.text), {});
        }
      break;
    }
    case ExprKind::Name:
      line(depth, "Name", llvm::cast<NameRef>(e).name, e.range);
      break;
    case ExprKind::Member: {
      auto &m = llvm::cast<MemberExpr>(e);
      line(depth, "Member", m.member.text, m.member.range);
      expr(depth + 1, *m.base);
      break;
    }
    case ExprKind::Index: {
      auto &i = llvm::cast<IndexExpr>(e);
      line(depth, "Index", "", e.range);
      expr(depth + 1, *i.base);
      expr(depth + 1, *i.index);
      break;
    }
    case ExprKind::Call: {
      auto &c = llvm::cast<CallExpr>(e);
      std::string targs;
      for (const TypeExprPtr &t : c.typeArgs)
        targs += (targs.empty() ? "<" : ", ") + t->spelling();
      line(depth, "Call", targs.empty() ? "" : targs + ">", e.range);
      expr(depth + 1, *c.callee);
      for (const Arg &a : c.args)
        arg(depth + 1, a);
      break;
    }
    case ExprKind::Unary: {
      auto &u = llvm::cast<UnaryExpr>(e);
      line(depth, "Unary", spelling(u.op), e.range);
      expr(depth + 1, *u.operand);
      break;
    }
    case ExprKind::Binary: {
      auto &b = llvm::cast<BinaryExpr>(e);
      line(depth, "Binary", spelling(b.op), e.range);
      expr(depth + 1, *b.lhs);
      expr(depth + 1, *b.rhs);
      break;
    }
    case ExprKind::List:
      line(depth, "List", "", e.range);
      for (const ExprPtr &el : llvm::cast<ListExpr>(e).elements)
        expr(depth + 1, *el);
      break;
    case ExprKind::Map:
      line(depth, "Map", "", e.range);
      for (const MapEntry &en : llvm::cast<MapExpr>(e).entries) {
        line(depth + 1, en.optional ? "OptionalEntry" : "Entry", en.key, en.keyRange);
        expr(depth + 2, *en.value);
      }
      break;
    }
  }

  const source::SourceManager &sources_;
  std::ostream &out_;
};

} // namespace

void dumpModule(const Module &module, const source::SourceManager &sources, std::ostream &out) {
  Dumper(sources, out).module(module);
}

} // namespace mlpc::ast
