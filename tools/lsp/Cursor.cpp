#include "tools/lsp/Cursor.h"

#include "frontend/parse/ParseModule.h"

#include <cctype>
#include <llvm/Support/Casting.h>
#include <string_view>

namespace mlpc::lsp {

using llvm::dyn_cast;

const char *const kPlaceholder = "__mlpc_cursor__";

bool isIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

namespace {

// A lexical scan of `text`: enough of the lexer to skip strings, comments
// and backquoted names, and to track brackets.
void scan(std::string_view text, Cursor &ctx) {
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"' || c == '\n')
        inString = false;
      else if (c == '$' && next == '{') {
        ctx.open.push_back('$');
        inString = false;
        ++i;
      }
      continue;
    }
    if (c == '/' && next == '/') {
      size_t end = text.find('\n', i);
      if (end == std::string_view::npos)
        return (void)(ctx.inCode = false);
      i = end;
    } else if (c == '/' && next == '*') {
      size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos)
        return (void)(ctx.inCode = false);
      i = end + 1;
    } else if (c == '`') {
      size_t end = text.find_first_of("`\n", i + 1);
      if (end == std::string_view::npos)
        return (void)(ctx.inCode = false);
      i = end;
    } else if (c == '"') {
      inString = true;
    } else if (c == '(' || c == '[' || c == '{') {
      ctx.open.push_back(c);
    } else if (c == ')' || c == ']' || c == '}') {
      char opener = c == ')' ? '(' : c == ']' ? '[' : '{';
      // Pop to the matching opener; a stray closer is ignored.
      for (size_t k = ctx.open.size(); k-- > 0;) {
        char o = ctx.open[k];
        if (o == opener || (c == '}' && o == '$')) {
          ctx.open.resize(k);
          inString = o == '$';
          break;
        }
      }
    }
  }
  ctx.inCode = !inString;
}

// The first line after `from` that starts a top-level declaration: a
// declaration keyword at the line's start, an annotation or a doc comment.
size_t nextDeclaration(const std::string &text, size_t from) {
  for (size_t i = text.find('\n', from); i != std::string::npos; i = text.find('\n', i + 1)) {
    size_t start = i + 1, end = start;
    if (text.compare(start, 1, "@") == 0 || text.compare(start, 3, "///") == 0)
      return start;
    while (end < text.size() && isIdentChar(text[end]))
      ++end;
    std::string word = text.substr(start, end - start);
    bool keyword = false;
    for (const char *k : kDeclarationKeywords)
      keyword = keyword || word == k;
    if (keyword && end < text.size() && (text[end] == ' ' || text[end] == '\t'))
      return start;
  }
  return text.size();
}

class Finder {
public:
  explicit Finder(uint32_t at) : at_(at) {}
  Spot run(const ast::Module &m) {
    for (const ast::DeclPtr &d : m.decls)
      if (!spot_.found)
        decl(*d);
    return spot_;
  }

private:
  struct Ctx {
    const ast::CallExpr *call = nullptr;
    const ast::Arg *arg = nullptr;
    const ast::ListExpr *list = nullptr;
    bool direct = false;
  };

  void decl(const ast::Decl &d) {
    auto *c = dyn_cast<ast::CallableDecl>(&d);
    callable_ = c;
    auto fields = [&](const std::vector<ast::Field> &list) {
      for (const ast::Field &f : list) {
        if (f.type)
          type(*f.type);
        if (f.defaultValue)
          expr(*f.defaultValue, {});
      }
    };
    if (auto *s = dyn_cast<ast::SchemaDecl>(&d))
      fields(s->columns);
    if (auto *r = dyn_cast<ast::RecordDecl>(&d))
      fields(r->fields);
    if (c) {
      fields(c->params);
      fields(c->outputs);
    }
    if (auto *comp = dyn_cast<ast::ComponentDecl>(&d))
      for (const ast::Property &p : comp->properties)
        property(p);
    if (auto *pipe = dyn_cast<ast::PipelineDecl>(&d))
      block(pipe->body);
    if (!spot_.found)
      callable_ = nullptr;
  }

  void type(const ast::TypeExpr &t) {
    for (const ast::Name &n : t.path)
      if (n.text == kPlaceholder)
        found().inType = true;
    for (const ast::TypeExprPtr &a : t.args)
      type(*a);
    for (const ast::Field &f : t.fields)
      if (f.type)
        type(*f.type);
  }

  void property(const ast::Property &p) {
    if (p.value)
      expr(*p.value, {});
    for (const ast::Property &inner : p.block)
      property(inner);
  }

  void block(const ast::Block &b) {
    for (const ast::StmtPtr &s : b.stmts)
      stmt(*s);
  }

  void stmt(const ast::Stmt &s) {
    auto options = [&](const ast::TaskOptions &o) {
      for (const ast::Property &p : o.properties)
        property(p);
    };
    if (auto *b = dyn_cast<ast::BindStmt>(&s)) {
      expr(*b->value, {});
      options(b->options);
    } else if (auto *e = dyn_cast<ast::ExprStmt>(&s)) {
      expr(*e->value, {});
      options(e->options);
    } else if (auto *i = dyn_cast<ast::IfStmt>(&s)) {
      for (const ast::IfBranch &br : i->branches) {
        if (br.condition)
          expr(*br.condition, {});
        block(br.body);
      }
    } else if (auto *f = dyn_cast<ast::ForStmt>(&s)) {
      expr(*f->iterable, {});
      block(f->body);
    } else if (auto *fin = dyn_cast<ast::FinallyStmt>(&s)) {
      block(fin->body);
    } else if (auto *r = dyn_cast<ast::ReturnStmt>(&s)) {
      for (const ast::Arg &a : r->values)
        expr(*a.value, {});
    }
  }

  Spot &found() {
    spot_.found = true;
    spot_.callable = callable_;
    return spot_;
  }

  void expr(const ast::Expr &e, Ctx ctx) {
    if (spot_.found)
      return;
    Ctx inner; // inside an operator, a call's context no longer applies
    switch (e.kind) {
    case ast::ExprKind::Name: {
      auto &ref = llvm::cast<ast::NameRef>(e);
      if (ref.name != kPlaceholder || ref.range.begin != at_)
        return;
      Spot &s = found();
      s.ref = &ref;
      s.call = ctx.call;
      s.arg = ctx.arg;
      s.list = ctx.list;
      s.direct = ctx.direct;
      return;
    }
    case ast::ExprKind::Member: {
      auto &m = llvm::cast<ast::MemberExpr>(e);
      if (m.member.text == kPlaceholder)
        found().member = &m;
      else
        expr(*m.base, inner);
      return;
    }
    case ast::ExprKind::Call: {
      auto &c = llvm::cast<ast::CallExpr>(e);
      expr(*c.callee, inner);
      for (const ast::TypeExprPtr &t : c.typeArgs)
        type(*t);
      for (const ast::Arg &a : c.args)
        expr(*a.value, {&c, &a, nullptr, true});
      return;
    }
    case ast::ExprKind::List:
      for (const ast::ExprPtr &el : llvm::cast<ast::ListExpr>(e).elements)
        expr(*el, {ctx.call, ctx.arg, &llvm::cast<ast::ListExpr>(e), false});
      return;
    case ast::ExprKind::Index: {
      auto &ix = llvm::cast<ast::IndexExpr>(e);
      expr(*ix.base, inner);
      return expr(*ix.index, inner);
    }
    case ast::ExprKind::Unary:
      return expr(*llvm::cast<ast::UnaryExpr>(e).operand, inner);
    case ast::ExprKind::Binary: {
      auto &b = llvm::cast<ast::BinaryExpr>(e);
      expr(*b.lhs, inner);
      return expr(*b.rhs, inner);
    }
    case ast::ExprKind::Map:
      for (const ast::MapEntry &en : llvm::cast<ast::MapExpr>(e).entries)
        expr(*en.value, inner);
      return;
    case ast::ExprKind::String:
      for (const ast::StringPart &p : llvm::cast<ast::StringLit>(e).parts)
        if (p.expr)
          expr(*p.expr, inner);
      return;
    default:
      return;
    }
  }

  uint32_t at_;
  const ast::CallableDecl *callable_ = nullptr;
  Spot spot_;
};

} // namespace

Cursor cursorAt(const std::string &text, uint32_t offset) {
  Cursor c;
  offset = std::min<uint32_t>(offset, text.size());
  c.wordStart = c.wordEnd = offset;
  while (c.wordStart > 0 && isIdentChar(text[c.wordStart - 1]))
    --c.wordStart;
  while (c.wordEnd < text.size() && isIdentChar(text[c.wordEnd]))
    ++c.wordEnd;
  scan(std::string_view(text).substr(0, c.wordStart), c);
  c.afterDot = c.wordStart > 0 && text[c.wordStart - 1] == '.';
  if (c.afterDot) {
    uint32_t b = c.wordStart - 1;
    while (b > 0 && isIdentChar(text[b - 1]))
      --b;
    if (b == 0 || text[b - 1] != '.')
      c.base = text.substr(b, c.wordStart - 1 - b);
  }
  return c;
}

std::optional<std::string> completedText(const std::string &text, const Cursor &cursor) {
  if (cursor.open.size() >= parse::kMaxNesting)
    return std::nullopt;
  std::string completed = text.substr(0, cursor.wordStart) + kPlaceholder;
  for (size_t k = cursor.open.size(); k-- > 0;) {
    char o = cursor.open[k];
    completed += o == '(' ? ")" : o == '[' ? "]" : o == '{' ? "}" : "}\"";
  }
  return completed + "\n" + text.substr(nextDeclaration(text, cursor.wordEnd));
}

Spot findPlaceholder(const ast::Module &module, uint32_t at) { return Finder(at).run(module); }

} // namespace mlpc::lsp
