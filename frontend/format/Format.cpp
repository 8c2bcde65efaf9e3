// The formatter: walks the concrete syntax tree (every token, comments on
// hidden channels) and builds a Doc (Doc.h), which is then laid out.
//
// Comments are attached the way Prettier attaches them: one that follows a
// token on the same line stays at the end of that line (or inline, for a
// `/* */` comment with code after it); one on a line of its own is printed
// on its own line before the next token. Blank lines between items of a
// block (statements, declarations, fields, properties) are kept, at most one.
#include "frontend/format/Format.h"

#include "frontend/format/Doc.h"
#include "frontend/parse/ConcreteTree.h"

#include <algorithm>
#include <functional>

namespace mlpc::format {

namespace {

using grammar::MlpLexer;
using P = grammar::MlpParser;
using antlr4::Token;
using antlr4::tree::TerminalNode;

bool isComment(const Token *t) {
  return t->getChannel() == MlpLexer::COMMENTS || t->getChannel() == MlpLexer::DOCS;
}
size_t newlines(const Token *t) {
  std::string s = t->getText();
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}
std::string trimRight(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.pop_back();
  return s;
}

class Formatter {
public:
  Formatter(antlr4::CommonTokenStream &tokens, const FormatOptions &options)
      : tokens_(tokens), indent_(static_cast<int>(options.indent)) {}

  Doc file(P::FileContext *ctx);

private:
  // ---- tokens and comments ----
  Doc tok(TerminalNode *node) { return node ? tok(node->getSymbol()) : Doc(); }
  Doc tok(Token *t);
  // A token the canonical layout leaves out (`;`, a separator in a block):
  // only its comments are printed.
  Doc drop(TerminalNode *node);
  Doc leadingComments(size_t until, bool closesBlock);
  Doc trailingComments(size_t after);
  bool blankLineBefore(Token *t) const;
  Token *firstToken(antlr4::ParserRuleContext *ctx) const { return ctx->getStart(); }

  // ---- layouts shared by several rules ----
  using ItemBuilder = std::function<Doc(size_t)>;
  enum class Layout {
    Group,   // one line if it fits, else one item per line
    Fill,    // as many items per line as fit (lists of short values)
    Inherit, // breaks with the enclosing group (parameters before outputs)
    Flat,    // never breaks (arguments inside a type)
  };
  // `( a, b )`: laid out as `layout` says, with a trailing comma when
  // broken. `commas` are the source's separators (a trailing one included).
  // Items are built in source order, so comments attach where they were.
  Doc bracketed(TerminalNode *open, size_t count, const ItemBuilder &item,
                const std::vector<TerminalNode *> &commas, TerminalNode *close,
                Layout layout = Layout::Group);
  // A closing token: its comments at the end of the line go to `trailing`,
  // outside the group it closes, so they do not break it.
  Doc closer(TerminalNode *close, Doc &trailing);
  // `{` items `}`, every item on its own line. With `commas`, each item ends
  // in `,` (the source's, or a new one); without, separators are dropped.
  Doc vertical(TerminalNode *open, const std::vector<antlr4::ParserRuleContext *> &items,
               const ItemBuilder &item, const std::vector<TerminalNode *> *commas,
               TerminalNode *close);

  // ---- one method per grammar rule ----
  Doc importDecl(P::ImportDeclContext *ctx);
  Doc decl(P::DeclContext *ctx);
  Doc declBody(P::DeclBodyContext *ctx);
  Doc annotation(P::AnnotationContext *ctx);
  Doc outputs(P::OutputsContext *ctx);
  Doc typeParams(P::TypeParamsContext *ctx);
  Doc fieldBlock(TerminalNode *open, P::FieldListContext *list, TerminalNode *close);
  Doc fieldGroup(TerminalNode *open, P::FieldListContext *list, TerminalNode *close);
  Doc field(P::FieldContext *ctx);
  Doc params(TerminalNode *open, P::ParamListContext *list, TerminalNode *close,
             Layout layout = Layout::Group);
  // `(params) -> (outputs)`: the parameters break first.
  Doc signature(TerminalNode *open, P::ParamListContext *list, TerminalNode *close,
                P::OutputsContext *outputs);
  Doc param(P::ParamContext *ctx);
  Doc type(P::TypeContext *ctx);
  Doc typeArgs(P::TypeArgsContext *ctx);
  Doc schemaOp(P::SchemaOpContext *ctx);
  Doc qualifiedName(P::QualifiedNameContext *ctx);
  Doc propertyBlock(TerminalNode *open, const std::vector<P::PropertyContext *> &props,
                    TerminalNode *close);
  Doc property(P::PropertyContext *ctx);
  Doc block(P::BlockContext *ctx);
  Doc stmt(P::StmtContext *ctx, bool keepSemicolon);
  Doc taskOptions(P::TaskOptionsContext *ctx);
  Doc expr(P::ExprContext *ctx);
  Doc primary(P::PrimaryContext *ctx);
  Doc args(TerminalNode *open, P::ArgListContext *list, TerminalNode *close,
           Layout layout = Layout::Group);
  Doc arg(P::ArgContext *ctx);
  Doc name(P::NameContext *ctx) { return tok(dynamic_cast<TerminalNode *>(ctx->children[0])); }

  antlr4::CommonTokenStream &tokens_;
  int indent_;
  size_t next_ = 0; // the first token (of any channel) not yet printed
};

// ---- tokens and comments ------------------------------------------------

Doc Formatter::tok(Token *t) {
  size_t index = t->getTokenIndex();
  Doc before = leadingComments(index, false);
  next_ = index + 1;
  Doc after = trailingComments(index);
  if (t->getType() == Token::EOF)
    return before;
  return concat({before, text(t->getText()), after});
}

Doc Formatter::drop(TerminalNode *node) {
  if (!node)
    return Doc();
  size_t index = node->getSymbol()->getTokenIndex();
  Doc before = leadingComments(index, false);
  next_ = index + 1;
  return concat({before, trailingComments(index)});
}

// Comments on lines of their own before token `until`. Each goes on its own
// line, before the token; with `closesBlock` (the token is a closing
// bracket) they stay inside the block, each after a line break.
Doc Formatter::leadingComments(size_t until, bool closesBlock) {
  std::vector<Doc> out;
  bool first = true;
  for (size_t i = next_; i < until; ++i) {
    Token *t = tokens_.get(i);
    if (!isComment(t))
      continue;
    std::string comment = trimRight(t->getText());
    bool blankBefore = !first && i > 0 && newlines(tokens_.get(i - 1)) >= 2;
    bool codeFollows = t->getType() == MlpLexer::BLOCK_COMMENT;
    for (size_t k = i + 1; k < until && codeFollows; ++k)
      codeFollows = tokens_.get(k)->getType() == MlpLexer::WS && !newlines(tokens_.get(k));
    if (closesBlock) {
      out.push_back(blankBefore ? concat({hardLine(), hardLine()}) : hardLine());
      out.push_back(text(comment));
    } else {
      if (blankBefore)
        out.push_back(hardLine());
      out.push_back(text(comment));
      // A `/* */` comment directly before code stays on the code's line.
      out.push_back(codeFollows ? text(" ") : hardLine());
    }
    first = false;
  }
  // A blank line between the last comment and the token stays.
  if (!first && !closesBlock && until >= 2 && newlines(tokens_.get(until - 1)) >= 2 &&
      isComment(tokens_.get(until - 2)))
    out.push_back(hardLine());
  next_ = std::max(next_, until);
  return concat(std::move(out));
}

// Comments after token `after` on the same line.
Doc Formatter::trailingComments(size_t after) {
  std::vector<Doc> out;
  size_t i = after + 1;
  for (; i < tokens_.size(); ++i) {
    Token *t = tokens_.get(i);
    if (t->getChannel() == Token::DEFAULT_CHANNEL || t->getType() == Token::EOF)
      break;
    if (t->getType() == MlpLexer::WS) {
      if (newlines(t) > 0)
        break;
      continue;
    }
    std::string comment = trimRight(t->getText());
    bool endsLine = t->getType() != MlpLexer::BLOCK_COMMENT || i + 1 >= tokens_.size() ||
                    tokens_.get(i + 1)->getType() == Token::EOF ||
                    (tokens_.get(i + 1)->getType() == MlpLexer::WS && newlines(tokens_.get(i + 1)));
    out.push_back(endsLine ? lineSuffix(" " + comment) : text(" " + comment));
    next_ = i + 1;
  }
  return concat(std::move(out));
}

// Whether the source has a blank line before `t` or before the comments on
// lines of their own that precede it.
bool Formatter::blankLineBefore(Token *t) const {
  size_t i = t->getTokenIndex();
  size_t firstNewline = i;
  for (size_t k = i; k-- > 0;) {
    Token *h = tokens_.get(k);
    if (h->getChannel() == Token::DEFAULT_CHANNEL)
      break;
    if (h->getType() == MlpLexer::WS && newlines(h))
      firstNewline = k;
  }
  return firstNewline < i && newlines(tokens_.get(firstNewline)) >= 2;
}

// ---- shared layouts ---------------------------------------------------------

Doc Formatter::closer(TerminalNode *close, Doc &trailing) {
  Token *t = close->getSymbol();
  size_t index = t->getTokenIndex();
  Doc before = leadingComments(index, false);
  next_ = index + 1;
  trailing = trailingComments(index);
  return concat({before, text(t->getText())});
}

Doc Formatter::bracketed(TerminalNode *open, size_t count, const ItemBuilder &item,
                         const std::vector<TerminalNode *> &commas, TerminalNode *close,
                         Layout layout) {
  Doc openDoc = tok(open);
  bool flat = layout == Layout::Flat;
  std::vector<Doc> items;
  for (size_t i = 0; i < count; ++i) {
    Doc d = item(i);
    if (i + 1 < count)
      d = concat({d, tok(commas[i])});
    else if (commas.size() >= count)
      d = concat({d, drop(commas[count - 1])});
    items.push_back(d);
  }
  Doc closing = leadingComments(close->getSymbol()->getTokenIndex(), true);
  std::vector<Doc> inner;
  if (layout == Layout::Fill && count > 0) {
    std::vector<Doc> parts;
    for (size_t i = 0; i < count; ++i) {
      if (i > 0)
        parts.push_back(line());
      parts.push_back(items[i]);
    }
    inner = {softLine(), fill(std::move(parts))};
  } else {
    for (size_t i = 0; i < count; ++i) {
      if (!flat)
        inner.push_back(i == 0 ? softLine() : line());
      else if (i > 0)
        inner.push_back(text(" "));
      inner.push_back(items[i]);
    }
  }
  if (count > 0 && !flat)
    inner.push_back(ifBreak(",")); // a trailing comma when one item per line
  inner.push_back(closing);
  Doc body = concat(std::move(inner));
  bool hasInside = (count > 0 && !flat) || closing.breaks();
  Doc trailing;
  Doc closeDoc = closer(close, trailing);
  Doc whole = concat({openDoc, nest(indent_, body), hasInside ? softLine() : Doc(), closeDoc});
  return concat({layout == Layout::Inherit ? whole : group(whole), trailing});
}

Doc Formatter::vertical(TerminalNode *open, const std::vector<antlr4::ParserRuleContext *> &items,
                        const ItemBuilder &item, const std::vector<TerminalNode *> *commas,
                        TerminalNode *close) {
  Doc openDoc = tok(open);
  std::vector<Doc> inner;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && blankLineBefore(firstToken(items[i])))
      inner.push_back(hardLine());
    inner.push_back(hardLine());
    inner.push_back(item(i));
    if (commas)
      inner.push_back(i < commas->size() ? tok((*commas)[i]) : text(","));
  }
  inner.push_back(leadingComments(close->getSymbol()->getTokenIndex(), true));
  Doc body = concat(std::move(inner));
  if (items.empty() && !body.breaks())
    return concat({openDoc, tok(close)});
  return concat({openDoc, nest(indent_, body), hardLine(), tok(close)});
}

// ---- declarations -------------------------------------------------------------

Doc Formatter::file(P::FileContext *ctx) {
  std::vector<Doc> out;
  bool first = true;
  for (P::ImportDeclContext *imp : ctx->importDecl()) {
    if (!first)
      out.push_back(blankLineBefore(firstToken(imp)) ? concat({hardLine(), hardLine()})
                                                     : hardLine());
    out.push_back(importDecl(imp));
    first = false;
  }
  for (P::DeclContext *d : ctx->decl()) {
    if (!first)
      out.push_back(concat({hardLine(), hardLine()}));
    out.push_back(decl(d));
    first = false;
  }
  // Comments after the last declaration.
  Token *eof = ctx->EOF()->getSymbol();
  Doc tail = leadingComments(eof->getTokenIndex(), true);
  if (first && !tail.empty()) // a file of comments only
    tail = leadingComments(eof->getTokenIndex(), false);
  out.push_back(tail);
  tok(eof);
  out.push_back(hardLine());
  return concat(std::move(out));
}

Doc Formatter::importDecl(P::ImportDeclContext *ctx) {
  std::vector<Doc> out{tok(ctx->IMPORT()), text(" ")};
  if (P::ModulePathContext *path = ctx->modulePath()) {
    for (antlr4::tree::ParseTree *child : path->children)
      if (auto *n = dynamic_cast<P::NameContext *>(child))
        out.push_back(name(n));
      else
        out.push_back(tok(dynamic_cast<TerminalNode *>(child)));
  } else {
    out.push_back(tok(ctx->STRING()));
  }
  if (ctx->AS())
    out.insert(out.end(), {text(" "), tok(ctx->AS()), text(" "), name(ctx->name())});
  out.push_back(drop(ctx->SEMI()));
  return concat(std::move(out));
}

Doc Formatter::decl(P::DeclContext *ctx) {
  std::vector<Doc> out;
  for (P::AnnotationContext *a : ctx->annotation())
    out.insert(out.end(), {annotation(a), hardLine()});
  out.push_back(declBody(ctx->declBody()));
  return concat(std::move(out));
}

Doc Formatter::annotation(P::AnnotationContext *ctx) {
  Doc head = concat({tok(ctx->AT()), name(ctx->name())});
  if (!ctx->LPAREN())
    return head;
  return concat({head, args(ctx->LPAREN(), ctx->argList(), ctx->RPAREN())});
}

Doc Formatter::declBody(P::DeclBodyContext *ctx) {
  if (auto *c = dynamic_cast<P::SchemaDeclContext *>(ctx))
    return concat({tok(c->SCHEMA()), text(" "), name(c->name()), text(" "),
                   fieldBlock(c->LBRACE(), c->fieldList(), c->RBRACE())});
  if (auto *c = dynamic_cast<P::RecordDeclContext *>(ctx))
    return concat({tok(c->RECORD()), text(" "), name(c->name()), text(" "),
                   fieldBlock(c->LBRACE(), c->fieldList(), c->RBRACE())});
  if (auto *c = dynamic_cast<P::ArtifactDeclContext *>(ctx)) {
    std::vector<Doc> out{tok(c->ARTIFACT()), text(" "), name(c->name()),
                         tok(c->COLON()),    text(" "), qualifiedName(c->qualifiedName())};
    if (c->LBRACE())
      out.insert(out.end(), {text(" "), propertyBlock(c->LBRACE(), c->property(), c->RBRACE())});
    return concat(std::move(out));
  }
  if (auto *c = dynamic_cast<P::ComponentDeclContext *>(ctx)) {
    std::vector<Doc> out{tok(c->COMPONENT()), text(" "), name(c->name())};
    if (c->typeParams())
      out.push_back(typeParams(c->typeParams()));
    out.push_back(signature(c->LPAREN(), c->paramList(), c->RPAREN(), c->outputs()));
    out.insert(out.end(), {text(" "), propertyBlock(c->LBRACE(), c->property(), c->RBRACE())});
    return concat(std::move(out));
  }
  auto *c = dynamic_cast<P::PipelineDeclContext *>(ctx);
  std::vector<Doc> out{tok(c->PIPELINE()), text(" "), name(c->name()),
                       signature(c->LPAREN(), c->paramList(), c->RPAREN(), c->outputs())};
  out.insert(out.end(), {text(" "), block(c->block())});
  return concat(std::move(out));
}

Doc Formatter::outputs(P::OutputsContext *ctx) {
  return concat({text(" "), tok(ctx->ARROW()), text(" "),
                 params(ctx->LPAREN(), ctx->paramList(), ctx->RPAREN())});
}

Doc Formatter::typeParams(P::TypeParamsContext *ctx) {
  std::vector<P::NameContext *> names = ctx->name();
  return bracketed(
      ctx->LT(), names.size(), [&](size_t i) { return name(names[i]); }, ctx->COMMA(), ctx->GT(),
      Layout::Flat);
}

template <typename T> std::vector<antlr4::ParserRuleContext *> contexts(const std::vector<T *> &v) {
  return {v.begin(), v.end()};
}

Doc Formatter::fieldBlock(TerminalNode *open, P::FieldListContext *list, TerminalNode *close) {
  std::vector<P::FieldContext *> fields = list ? list->field() : std::vector<P::FieldContext *>{};
  std::vector<TerminalNode *> commas = list ? list->COMMA() : std::vector<TerminalNode *>{};
  return vertical(
      open, contexts(fields), [&](size_t i) { return field(fields[i]); }, &commas, close);
}

// `{a: int, b: float}` in a type: on one line when it fits.
Doc Formatter::fieldGroup(TerminalNode *open, P::FieldListContext *list, TerminalNode *close) {
  std::vector<P::FieldContext *> fields = list ? list->field() : std::vector<P::FieldContext *>{};
  std::vector<TerminalNode *> commas = list ? list->COMMA() : std::vector<TerminalNode *>{};
  return bracketed(
      open, fields.size(), [&](size_t i) { return field(fields[i]); }, commas, close);
}

Doc Formatter::field(P::FieldContext *ctx) {
  std::vector<Doc> out{name(ctx->name()), tok(ctx->COLON()), text(" "), type(ctx->type())};
  if (ctx->ASSIGN())
    out.insert(out.end(), {text(" "), tok(ctx->ASSIGN()), text(" "), expr(ctx->expr())});
  return concat(std::move(out));
}

Doc Formatter::params(TerminalNode *open, P::ParamListContext *list, TerminalNode *close,
                      Layout layout) {
  std::vector<P::ParamContext *> ps = list ? list->param() : std::vector<P::ParamContext *>{};
  std::vector<TerminalNode *> commas = list ? list->COMMA() : std::vector<TerminalNode *>{};
  return bracketed(
      open, ps.size(), [&](size_t i) { return param(ps[i]); }, commas, close, layout);
}

Doc Formatter::signature(TerminalNode *open, P::ParamListContext *list, TerminalNode *close,
                         P::OutputsContext *outputs) {
  if (!outputs)
    return params(open, list, close);
  // One group: flat if all fits; else the parameters go one per line and
  // the outputs, a group of their own, follow `) -> ` if they fit.
  Doc ins = params(open, list, close, Layout::Inherit);
  return group(concat({ins, this->outputs(outputs)}));
}

Doc Formatter::param(P::ParamContext *ctx) {
  std::vector<Doc> out{name(ctx->name()), tok(ctx->COLON()), text(" "), type(ctx->type())};
  if (ctx->ASSIGN())
    out.insert(out.end(), {text(" "), tok(ctx->ASSIGN()), text(" "), expr(ctx->expr())});
  return concat(std::move(out));
}

// ---- types ------------------------------------------------------------------

Doc Formatter::type(P::TypeContext *ctx) {
  std::vector<Doc> out;
  P::TypeAtomContext *atom = ctx->typeAtom();
  if (auto *n = dynamic_cast<P::NamedTypeContext *>(atom)) {
    out.push_back(qualifiedName(n->qualifiedName()));
    if (n->typeArgs())
      out.push_back(typeArgs(n->typeArgs()));
  } else if (auto *r = dynamic_cast<P::InlineRecordTypeContext *>(atom)) {
    out.push_back(fieldGroup(r->LBRACE(), r->fieldList(), r->RBRACE()));
  } else {
    out.push_back(tok(dynamic_cast<P::AnySchemaTypeContext *>(atom)->STAR()));
  }
  for (P::SchemaOpContext *op : ctx->schemaOp())
    out.push_back(schemaOp(op));
  if (ctx->QUESTION())
    out.push_back(tok(ctx->QUESTION()));
  return concat(std::move(out));
}

Doc Formatter::typeArgs(P::TypeArgsContext *ctx) {
  std::vector<P::TypeContext *> types = ctx->type();
  return bracketed(
      ctx->LT(), types.size(), [&](size_t i) { return type(types[i]); }, ctx->COMMA(), ctx->GT(),
      Layout::Flat);
}

Doc Formatter::schemaOp(P::SchemaOpContext *ctx) {
  return concat(
      {tok(ctx->DOT()), name(ctx->name()), args(ctx->LPAREN(), ctx->argList(), ctx->RPAREN())});
}

Doc Formatter::qualifiedName(P::QualifiedNameContext *ctx) {
  std::vector<Doc> out;
  for (antlr4::tree::ParseTree *child : ctx->children)
    if (auto *n = dynamic_cast<P::NameContext *>(child))
      out.push_back(name(n));
    else
      out.push_back(tok(dynamic_cast<TerminalNode *>(child)));
  return concat(std::move(out));
}

// ---- properties and statements ----------------------------------------------

Doc Formatter::propertyBlock(TerminalNode *open, const std::vector<P::PropertyContext *> &props,
                             TerminalNode *close) {
  // `retry { max: 2, backoff: "10s" }` stays on one line when it was written
  // on one line, fits and holds only values; otherwise one per line.
  bool oneLine = !props.empty() && open->getSymbol()->getLine() == firstToken(props[0])->getLine();
  for (P::PropertyContext *p : props)
    oneLine = oneLine && dynamic_cast<P::ValuePropertyContext *>(p);
  if (!oneLine)
    return vertical(
        open, contexts(props), [&](size_t i) { return property(props[i]); }, nullptr, close);
  Doc openDoc = tok(open);
  std::vector<Doc> inner;
  for (size_t i = 0; i < props.size(); ++i) {
    if (i > 0)
      inner.insert(inner.end(), {ifBreak("", ","), line()});
    inner.push_back(property(props[i]));
  }
  inner.push_back(leadingComments(close->getSymbol()->getTokenIndex(), true));
  Doc trailing;
  Doc closeDoc = closer(close, trailing);
  Doc body = nest(indent_, concat({line(), concat(std::move(inner))}));
  return concat({group(concat({openDoc, body, line(), closeDoc})), trailing});
}

Doc Formatter::property(P::PropertyContext *ctx) {
  auto propName = [&](P::PropertyNameContext *n) {
    return n->name() ? name(n->name()) : tok(n->PIPELINE());
  };
  if (auto *v = dynamic_cast<P::ValuePropertyContext *>(ctx))
    return concat({propName(v->propertyName()), tok(v->COLON()), text(" "), expr(v->expr()),
                   drop(v->COMMA()), drop(v->SEMI())});
  auto *b = dynamic_cast<P::BlockPropertyContext *>(ctx);
  return concat({propName(b->propertyName()), text(" "),
                 propertyBlock(b->LBRACE(), b->property(), b->RBRACE()), drop(b->COMMA()),
                 drop(b->SEMI())});
}

Doc Formatter::block(P::BlockContext *ctx) {
  std::vector<P::StmtContext *> stmts = ctx->stmt();
  auto item = [&](size_t i) {
    // Without its `;`, a statement would run into a next one that starts
    // with `(`, `[` or `-` (a call, an index, a subtraction): keep it there.
    bool keep = false;
    if (i + 1 < stmts.size()) {
      size_t nextType = firstToken(stmts[i + 1])->getType();
      keep = nextType == MlpLexer::LPAREN || nextType == MlpLexer::LBRACK ||
             nextType == MlpLexer::MINUS;
    }
    return stmt(stmts[i], keep);
  };
  return vertical(ctx->LBRACE(), contexts(stmts), item, nullptr, ctx->RBRACE());
}

Doc Formatter::stmt(P::StmtContext *ctx, bool keepSemicolon) {
  auto semicolon = [&](TerminalNode *semi) { return keepSemicolon ? tok(semi) : drop(semi); };
  if (auto *s = dynamic_cast<P::BindStmtContext *>(ctx)) {
    std::vector<Doc> out{name(s->name()), text(" "), tok(s->ASSIGN()), text(" "), expr(s->expr())};
    if (s->taskOptions())
      out.push_back(taskOptions(s->taskOptions()));
    out.push_back(semicolon(s->SEMI()));
    return concat(std::move(out));
  }
  if (auto *s = dynamic_cast<P::ExprStmtContext *>(ctx)) {
    std::vector<Doc> out{expr(s->expr())};
    if (s->taskOptions())
      out.push_back(taskOptions(s->taskOptions()));
    out.push_back(semicolon(s->SEMI()));
    return concat(std::move(out));
  }
  if (auto *s = dynamic_cast<P::IfStmtContext *>(ctx)) {
    // `if c { } else if d { } else { }`: the children in order.
    std::vector<Doc> out;
    for (antlr4::tree::ParseTree *child : s->children) {
      if (auto *t = dynamic_cast<TerminalNode *>(child)) {
        bool isElse = t->getSymbol()->getType() == MlpLexer::ELSE;
        out.insert(out.end(), {isElse ? text(" ") : Doc(), tok(t), text(" ")});
      } else if (auto *e = dynamic_cast<P::ExprContext *>(child)) {
        out.insert(out.end(), {expr(e), text(" ")});
      } else {
        out.push_back(block(dynamic_cast<P::BlockContext *>(child)));
      }
    }
    return concat(std::move(out));
  }
  if (auto *s = dynamic_cast<P::ForStmtContext *>(ctx)) {
    std::vector<Doc> out{tok(s->FOR()), text(" "), name(s->name()), text(" "),
                         tok(s->IN()),  text(" "), expr(s->expr(0))};
    if (s->PARALLEL())
      out.insert(out.end(), {text(" "), tok(s->PARALLEL()), text(" "), expr(s->expr(1))});
    out.insert(out.end(), {text(" "), block(s->block())});
    return concat(std::move(out));
  }
  if (auto *s = dynamic_cast<P::FinallyStmtContext *>(ctx)) {
    std::vector<Doc> out{tok(s->FINALLY())};
    if (s->LPAREN())
      out.insert(out.end(), {text(" "), tok(s->LPAREN()), name(s->name()), tok(s->RPAREN())});
    out.insert(out.end(), {text(" "), block(s->block())});
    return concat(std::move(out));
  }
  auto *s = dynamic_cast<P::ReturnStmtContext *>(ctx);
  return concat({tok(s->RETURN()), text(" "), args(s->LPAREN(), s->argList(), s->RPAREN()),
                 semicolon(s->SEMI())});
}

Doc Formatter::taskOptions(P::TaskOptionsContext *ctx) {
  return concat({text(" "), tok(ctx->WITH()), text(" "),
                 propertyBlock(ctx->LBRACE(), ctx->property(), ctx->RBRACE())});
}

// ---- expressions --------------------------------------------------------------

Doc Formatter::expr(P::ExprContext *ctx) {
  if (auto *e = dynamic_cast<P::PrimaryExprContext *>(ctx))
    return primary(e->primary());
  if (auto *e = dynamic_cast<P::MemberExprContext *>(ctx))
    return concat({expr(e->expr()), tok(e->DOT()), name(e->name())});
  if (auto *e = dynamic_cast<P::IndexExprContext *>(ctx))
    return concat({expr(e->expr(0)), tok(e->LBRACK()), expr(e->expr(1)), tok(e->RBRACK())});
  if (auto *e = dynamic_cast<P::CallExprContext *>(ctx)) {
    Doc callee = expr(e->expr());
    Doc types = e->typeArgs() ? typeArgs(e->typeArgs()) : Doc();
    return concat({callee, types, args(e->LPAREN(), e->argList(), e->RPAREN())});
  }
  if (auto *e = dynamic_cast<P::UnaryExprContext *>(ctx)) {
    Doc op = tok(dynamic_cast<TerminalNode *>(e->children[0]));
    bool word = e->op->getType() == MlpLexer::NOT;
    return concat({op, word ? text(" ") : Doc(), expr(e->expr())});
  }
  auto *e = dynamic_cast<P::BinaryExprContext *>(ctx);
  Doc lhs = expr(e->expr(0));
  Doc op = tok(dynamic_cast<TerminalNode *>(e->children[1]));
  return concat({lhs, text(" "), op, text(" "), expr(e->expr(1))});
}

Doc Formatter::primary(P::PrimaryContext *ctx) {
  if (auto *p = dynamic_cast<P::NameRefContext *>(ctx))
    return name(p->name());
  if (auto *p = dynamic_cast<P::ParenExprContext *>(ctx))
    return concat({tok(p->LPAREN()), expr(p->expr()), tok(p->RPAREN())});
  if (auto *p = dynamic_cast<P::ListLiteralContext *>(ctx)) {
    std::vector<P::ExprContext *> elements = p->expr();
    // Lists of names and literals (columns, command lines) fill lines.
    bool simple = std::all_of(elements.begin(), elements.end(), [](P::ExprContext *e) {
      while (auto *m = dynamic_cast<P::MemberExprContext *>(e))
        e = m->expr();
      auto *pe = dynamic_cast<P::PrimaryExprContext *>(e);
      return pe && !dynamic_cast<P::ListLiteralContext *>(pe->primary()) &&
             !dynamic_cast<P::MapLiteralContext *>(pe->primary()) &&
             !dynamic_cast<P::ParenExprContext *>(pe->primary());
    });
    return bracketed(
        p->LBRACK(), elements.size(), [&](size_t i) { return expr(elements[i]); }, p->COMMA(),
        p->RBRACK(), simple ? Layout::Fill : Layout::Group);
  }
  if (auto *p = dynamic_cast<P::MapLiteralContext *>(ctx)) {
    std::vector<P::EntryContext *> entries = p->entry();
    auto entry = [&](size_t i) {
      P::EntryContext *e = entries[i];
      Doc key = e->name() ? name(e->name()) : tok(e->STRING());
      Doc value = expr(e->expr());
      if (e->QUESTION())
        value = concat({value, tok(e->QUESTION())});
      return concat({key, tok(e->COLON()), text(" "), value});
    };
    return bracketed(p->LBRACE(), entries.size(), entry, p->COMMA(), p->RBRACE());
  }
  // A literal: its text exactly as written.
  return tok(dynamic_cast<TerminalNode *>(ctx->children[0]));
}

Doc Formatter::args(TerminalNode *open, P::ArgListContext *list, TerminalNode *close,
                    Layout layout) {
  std::vector<P::ArgContext *> as = list ? list->arg() : std::vector<P::ArgContext *>{};
  std::vector<TerminalNode *> commas = list ? list->COMMA() : std::vector<TerminalNode *>{};
  return bracketed(
      open, as.size(), [&](size_t i) { return arg(as[i]); }, commas, close, layout);
}

Doc Formatter::arg(P::ArgContext *ctx) {
  if (!ctx->argName())
    return expr(ctx->expr());
  P::ArgNameContext *n = ctx->argName();
  Doc label = n->name() ? name(n->name()) : tok(n->ELSE());
  return concat({label, tok(ctx->COLON()), text(" "), expr(ctx->expr())});
}

} // namespace

std::optional<std::string> formatFile(source::FileId file, const source::SourceManager &sources,
                                      diag::DiagnosticEngine &diags, const FormatOptions &options) {
  std::unique_ptr<parse::ConcreteTree> tree = parse::parseConcrete(file, sources, diags);
  if (!tree)
    return std::nullopt;
  Formatter formatter(tree->session.tokens, options);
  return render(formatter.file(tree->file), options.width);
}

} // namespace mlpc::format
