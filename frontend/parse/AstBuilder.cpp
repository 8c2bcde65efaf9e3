#include "frontend/parse/AstBuilder.h"

#include "frontend/parse/ErrorStrategy.h"
#include "frontend/parse/ParseModule.h"

#include "MlpLexer.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>

namespace mlpc::parse {

using namespace mlpc::ast;
using P = grammar::MlpParser;

// Deeper expressions than this are reported instead of built, which bounds
// the recursion of every later phase.
constexpr unsigned kMaxExprDepth = 1000;

namespace {
// The generated context classes of labelled alternatives are leaves, so an
// exact type check does what dynamic_cast would, at a fraction of the cost
// (dynamic_cast was a tenth of the time of a large parse).
template <typename T, typename Ctx> T *as(Ctx *ctx) {
  return ctx && typeid(*ctx) == typeid(T) ? static_cast<T *>(ctx) : nullptr;
}
} // namespace

source::SourceRange AstBuilder::rangeOf(antlr4::ParserRuleContext *ctx) const {
  antlr4::Token *start = ctx->getStart();
  antlr4::Token *stop = ctx->getStop();
  if (!stop || stop->getTokenIndex() < start->getTokenIndex())
    return offsets_.range(start->getStartIndex(), start->getStartIndex() - 1);
  return offsets_.range(start->getStartIndex(), stop->getStopIndex());
}

source::SourceRange AstBuilder::rangeOf(antlr4::Token *token) const {
  return offsets_.range(token->getStartIndex(), token->getStopIndex());
}

source::SourceRange AstBuilder::rangeOf(antlr4::tree::TerminalNode *node) const {
  return rangeOf(node->getSymbol());
}

std::string AstBuilder::docComment(antlr4::ParserRuleContext *ctx) const {
  // The `///` lines directly above the node: stop at a blank line or at
  // anything that is not a comment.
  std::vector<std::string> lines;
  for (ssize_t i = static_cast<ssize_t>(ctx->getStart()->getTokenIndex()) - 1; i >= 0; --i) {
    antlr4::Token *t = tokens_.get(static_cast<size_t>(i));
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL)
      break;
    if (t->getType() == grammar::MlpLexer::WS) {
      std::string ws = t->getText();
      if (std::count(ws.begin(), ws.end(), '\n') > 1)
        break;
      continue;
    }
    if (t->getType() != grammar::MlpLexer::DOC_COMMENT)
      break;
    std::string line = t->getText().substr(3); // drop "///"
    if (!line.empty() && line[0] == ' ')
      line.erase(0, 1);
    lines.push_back(line);
  }
  std::string doc;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    doc += (doc.empty() ? "" : "\n") + *it;
  return doc;
}

ExprPtr AstBuilder::errorExpr(source::SourceRange range) {
  return std::make_unique<NameRef>(range, ""); // the checker types "" as the error type
}

Name AstBuilder::buildName(P::NameContext *ctx) {
  if (!ctx || !ctx->getStart())
    return {};
  std::string text = ctx->getText();
  if (ctx->QUOTED_ID())
    text = text.substr(1, text.size() - 2);
  return {text, rangeOf(ctx)};
}

Name AstBuilder::buildPropertyName(P::PropertyNameContext *ctx) {
  if (ctx->PIPELINE())
    return {"pipeline", rangeOf(ctx)};
  return buildName(ctx->name());
}

void AstBuilder::buildModule(P::FileContext *ctx, Module &module) {
  for (P::ImportDeclContext *imp : ctx->importDecl())
    if (auto i = buildImport(imp))
      module.imports.push_back(std::move(*i));
  for (P::DeclContext *d : ctx->decl())
    if (DeclPtr decl = buildDecl(d))
      module.decls.push_back(std::move(decl));
}

std::optional<Import> AstBuilder::buildImport(P::ImportDeclContext *ctx) {
  Import imp;
  imp.range = rangeOf(ctx);
  if (ctx->modulePath()) {
    for (P::NameContext *n : ctx->modulePath()->name())
      imp.modulePath.push_back(buildName(n));
    imp.targetRange = rangeOf(ctx->modulePath());
  } else if (ctx->STRING()) {
    ExprPtr s = buildString(ctx->STRING()->getSymbol());
    auto *lit = llvm::dyn_cast<StringLit>(s.get());
    if (!lit || !lit->isPlain())
      return std::nullopt;
    imp.filePath = lit->plainText();
    imp.targetRange = rangeOf(ctx->STRING());
  } else {
    return std::nullopt;
  }
  if (ctx->name())
    imp.alias = buildName(ctx->name());
  return imp;
}

Annotation AstBuilder::buildAnnotation(P::AnnotationContext *ctx) {
  Annotation a;
  a.name = buildName(ctx->name());
  a.range = rangeOf(ctx);
  if (ctx->argList())
    a.args = buildArgs(ctx->argList());
  return a;
}

DeclPtr AstBuilder::buildDecl(P::DeclContext *ctx) {
  P::DeclBodyContext *body = ctx->declBody();
  if (!body)
    return nullptr;
  DeclPtr decl;
  source::SourceRange range = rangeOf(ctx);
  if (auto *c = as<P::SchemaDeclContext>(body)) {
    auto d = std::make_unique<SchemaDecl>(range);
    d->name = buildName(c->name());
    d->columns = buildFields(c->fieldList());
    decl = std::move(d);
  } else if (auto *c = as<P::RecordDeclContext>(body)) {
    auto d = std::make_unique<RecordDecl>(range);
    d->name = buildName(c->name());
    d->fields = buildFields(c->fieldList());
    decl = std::move(d);
  } else if (auto *c = as<P::ArtifactDeclContext>(body)) {
    auto d = std::make_unique<ArtifactDecl>(range);
    d->name = buildName(c->name());
    if (c->qualifiedName())
      d->base = buildQualifiedName(c->qualifiedName());
    d->properties = buildProperties(c->property());
    decl = std::move(d);
  } else if (auto *c = as<P::ComponentDeclContext>(body)) {
    auto d = std::make_unique<ComponentDecl>(range);
    d->name = buildName(c->name());
    if (c->typeParams())
      for (P::NameContext *n : c->typeParams()->name())
        d->typeParams.push_back(buildName(n));
    d->params = buildParams(c->paramList());
    if (c->outputs())
      d->outputs = buildParams(c->outputs()->paramList());
    d->properties = buildProperties(c->property());
    decl = std::move(d);
  } else if (auto *c = as<P::PipelineDeclContext>(body)) {
    auto d = std::make_unique<PipelineDecl>(range);
    d->name = buildName(c->name());
    d->params = buildParams(c->paramList());
    if (c->outputs())
      d->outputs = buildParams(c->outputs()->paramList());
    if (c->block())
      d->body = buildBlock(c->block());
    decl = std::move(d);
  }
  if (!decl || decl->name.text.empty())
    return nullptr; // error recovery lost the name; the syntax error says why
  decl->doc = docComment(ctx);
  for (P::AnnotationContext *a : ctx->annotation())
    decl->annotations.push_back(buildAnnotation(a));
  return decl;
}

std::vector<Field> AstBuilder::buildFields(P::FieldListContext *ctx) {
  std::vector<Field> fields;
  if (!ctx)
    return fields;
  for (P::FieldContext *f : ctx->field()) {
    if (!f->name() || !f->type())
      continue;
    Field field;
    field.name = buildName(f->name());
    field.type = buildType(f->type());
    if (f->expr())
      field.defaultValue = buildExpr(f->expr());
    field.doc = docComment(f);
    field.range = rangeOf(f);
    fields.push_back(std::move(field));
  }
  return fields;
}

std::vector<Field> AstBuilder::buildParams(P::ParamListContext *ctx) {
  std::vector<Field> params;
  if (!ctx)
    return params;
  for (P::ParamContext *p : ctx->param()) {
    if (!p->name() || !p->type())
      continue;
    Field field;
    field.name = buildName(p->name());
    field.type = buildType(p->type());
    if (p->expr())
      field.defaultValue = buildExpr(p->expr());
    field.doc = docComment(p);
    field.range = rangeOf(p);
    params.push_back(std::move(field));
  }
  return params;
}

std::vector<Name> AstBuilder::buildQualifiedName(P::QualifiedNameContext *ctx) {
  std::vector<Name> path;
  for (P::NameContext *n : ctx->name())
    path.push_back(buildName(n));
  return path;
}

TypeExprPtr AstBuilder::buildType(P::TypeContext *ctx) {
  auto type = std::make_unique<TypeExpr>();
  type->range = rangeOf(ctx);
  type->optional = ctx->QUESTION() != nullptr;
  P::TypeAtomContext *atom = ctx->typeAtom();
  if (auto *named = as<P::NamedTypeContext>(atom)) {
    type->kind = TypeExpr::Kind::Named;
    if (named->qualifiedName())
      type->path = buildQualifiedName(named->qualifiedName());
    if (named->typeArgs())
      for (P::TypeContext *arg : named->typeArgs()->type())
        type->args.push_back(buildType(arg));
  } else if (auto *rec = as<P::InlineRecordTypeContext>(atom)) {
    type->kind = TypeExpr::Kind::InlineRecord;
    type->fields = buildFields(rec->fieldList());
  } else if (as<P::AnySchemaTypeContext>(atom)) {
    type->kind = TypeExpr::Kind::AnySchema;
  }
  for (P::SchemaOpContext *op : ctx->schemaOp()) {
    SchemaOp sop;
    sop.name = buildName(op->name());
    sop.range = rangeOf(op);
    if (op->argList()) {
      inSchemaOp_ = true;
      sop.args = buildArgs(op->argList());
      inSchemaOp_ = false;
    }
    type->ops.push_back(std::move(sop));
  }
  return type;
}

std::vector<Property> AstBuilder::buildProperties(const std::vector<P::PropertyContext *> &ctxs) {
  std::vector<Property> props;
  for (P::PropertyContext *ctx : ctxs) {
    Property prop;
    prop.range = rangeOf(ctx);
    prop.doc = docComment(ctx);
    if (auto *v = as<P::ValuePropertyContext>(ctx)) {
      if (!v->propertyName() || !v->expr())
        continue;
      prop.name = buildPropertyName(v->propertyName());
      prop.value = buildExpr(v->expr());
    } else if (auto *b = as<P::BlockPropertyContext>(ctx)) {
      if (!b->propertyName())
        continue;
      prop.name = buildPropertyName(b->propertyName());
      prop.isBlock = true;
      prop.block = buildProperties(b->property());
    } else {
      continue;
    }
    props.push_back(std::move(prop));
  }
  return props;
}

Block AstBuilder::buildBlock(P::BlockContext *ctx) {
  Block block;
  block.range = rangeOf(ctx);
  for (P::StmtContext *s : ctx->stmt())
    if (StmtPtr stmt = buildStmt(s))
      block.stmts.push_back(std::move(stmt));
  return block;
}

TaskOptions AstBuilder::buildTaskOptions(P::TaskOptionsContext *ctx) {
  TaskOptions options;
  if (!ctx)
    return options;
  options.present = true;
  options.range = rangeOf(ctx);
  options.properties = buildProperties(ctx->property());
  return options;
}

StmtPtr AstBuilder::buildStmt(P::StmtContext *ctx) {
  source::SourceRange range = rangeOf(ctx);
  if (auto *c = as<P::BindStmtContext>(ctx)) {
    if (!c->name() || !c->expr())
      return nullptr;
    auto s = std::make_unique<BindStmt>(range);
    s->name = buildName(c->name());
    s->value = buildExpr(c->expr());
    s->options = buildTaskOptions(c->taskOptions());
    return s;
  }
  if (auto *c = as<P::ExprStmtContext>(ctx)) {
    if (!c->expr())
      return nullptr;
    auto s = std::make_unique<ExprStmt>(range);
    s->value = buildExpr(c->expr());
    s->options = buildTaskOptions(c->taskOptions());
    return s;
  }
  if (auto *c = as<P::IfStmtContext>(ctx)) {
    auto s = std::make_unique<IfStmt>(range);
    std::vector<P::ExprContext *> conds = c->expr();
    std::vector<P::BlockContext *> blocks = c->block();
    std::vector<antlr4::tree::TerminalNode *> ifs = c->IF();
    for (size_t i = 0; i < blocks.size(); ++i) {
      IfBranch branch;
      if (i < conds.size())
        branch.condition = buildExpr(conds[i]);
      branch.body = buildBlock(blocks[i]);
      branch.keywordRange = i < ifs.size() ? rangeOf(ifs[i]) : rangeOf(blocks[i]);
      s->branches.push_back(std::move(branch));
    }
    if (s->branches.empty())
      return nullptr;
    return s;
  }
  if (auto *c = as<P::ForStmtContext>(ctx)) {
    std::vector<P::ExprContext *> exprs = c->expr();
    if (!c->name() || exprs.empty() || !c->block())
      return nullptr;
    auto s = std::make_unique<ForStmt>(range);
    s->variable = buildName(c->name());
    s->iterable = buildExpr(exprs[0]);
    if (exprs.size() > 1)
      s->parallelism = buildExpr(exprs[1]);
    s->body = buildBlock(c->block());
    return s;
  }
  if (auto *c = as<P::FinallyStmtContext>(ctx)) {
    if (!c->block())
      return nullptr;
    auto s = std::make_unique<FinallyStmt>(range);
    if (c->name())
      s->status = buildName(c->name());
    s->body = buildBlock(c->block());
    s->keywordRange = rangeOf(c->FINALLY());
    return s;
  }
  if (auto *c = as<P::ReturnStmtContext>(ctx)) {
    auto s = std::make_unique<ReturnStmt>(range);
    if (c->argList())
      s->values = buildArgs(c->argList());
    return s;
  }
  return nullptr;
}

std::vector<Arg> AstBuilder::buildArgs(P::ArgListContext *ctx) {
  std::vector<Arg> args;
  if (!ctx)
    return args;
  for (P::ArgContext *a : ctx->arg()) {
    if (!a->expr())
      continue;
    Arg arg;
    if (P::ArgNameContext *n = a->argName())
      arg.name = n->ELSE() ? Name{"else", rangeOf(n)} : buildName(n->name());
    arg.value = buildExpr(a->expr());
    arg.range = rangeOf(a);
    args.push_back(std::move(arg));
  }
  return args;
}

namespace {
BinaryOp binaryOp(size_t tokenType) {
  using L = grammar::MlpLexer;
  switch (tokenType) {
  case L::STAR:
    return BinaryOp::Mul;
  case L::SLASH:
    return BinaryOp::Div;
  case L::PERCENT:
    return BinaryOp::Mod;
  case L::PLUS:
    return BinaryOp::Add;
  case L::MINUS:
    return BinaryOp::Sub;
  case L::LT:
    return BinaryOp::Lt;
  case L::LE:
    return BinaryOp::Le;
  case L::GT:
    return BinaryOp::Gt;
  case L::GE:
    return BinaryOp::Ge;
  case L::EQ:
    return BinaryOp::Eq;
  case L::NE:
    return BinaryOp::Ne;
  case L::AND:
    return BinaryOp::And;
  default:
    return BinaryOp::Or;
  }
}

// Bounds recursion depth while building one expression.
struct DepthGuard {
  explicit DepthGuard(unsigned &depth) : depth(depth) { ++depth; }
  ~DepthGuard() { --depth; }
  unsigned &depth;
};
} // namespace

ExprPtr AstBuilder::buildExpr(P::ExprContext *ctx) {
  if (!ctx)
    return nullptr;
  source::SourceRange range = rangeOf(ctx);
  DepthGuard guard(exprDepth_);
  if (exprDepth_ == kMaxExprDepth) {
    diags_.report(diag::DiagKind::NestingTooDeep, range, {std::to_string(kMaxExprDepth)})
        .label(range, "this expression is too deep")
        .help("split it into named parts");
    return errorExpr(range);
  }
  if (exprDepth_ > kMaxExprDepth)
    return errorExpr(range);

  if (auto *c = as<P::PrimaryExprContext>(ctx))
    return c->primary() ? buildPrimary(c->primary()) : errorExpr(range);
  if (auto *c = as<P::MemberExprContext>(ctx)) {
    if (!c->name())
      return errorExpr(range);
    return std::make_unique<MemberExpr>(range, buildExpr(c->expr()), buildName(c->name()));
  }
  if (auto *c = as<P::IndexExprContext>(ctx)) {
    std::vector<P::ExprContext *> e = c->expr();
    if (e.size() < 2)
      return errorExpr(range);
    return std::make_unique<IndexExpr>(range, buildExpr(e[0]), buildExpr(e[1]));
  }
  if (auto *c = as<P::CallExprContext>(ctx)) {
    auto call = std::make_unique<CallExpr>(range);
    call->callee = buildExpr(c->expr());
    if (c->typeArgs())
      for (P::TypeContext *t : c->typeArgs()->type())
        call->typeArgs.push_back(buildType(t));
    call->args = buildArgs(c->argList());
    if (c->LPAREN() && c->RPAREN())
      call->argsRange = source::SourceRange::join(rangeOf(c->LPAREN()), rangeOf(c->RPAREN()));
    else
      call->argsRange = range;
    if (!call->callee)
      return errorExpr(range);
    return call;
  }
  if (auto *c = as<P::UnaryExprContext>(ctx)) {
    ExprPtr operand = buildExpr(c->expr());
    if (!operand || !c->op)
      return errorExpr(range);
    UnaryOp op = c->op->getType() == grammar::MlpLexer::NOT ? UnaryOp::Not : UnaryOp::Neg;
    // Fold `-5` into a literal so INT64_MIN can be written.
    if (op == UnaryOp::Neg) {
      if (auto *f = llvm::dyn_cast<FloatLit>(operand.get()))
        return std::make_unique<FloatLit>(range, -f->value);
      if (auto *i = llvm::dyn_cast<IntLit>(operand.get())) {
        if (i->isMinMagnitude)
          return std::make_unique<IntLit>(range, INT64_MIN);
        if (i->value == INT64_MIN) { // `- -9223372036854775808`
          diags_
              .report(diag::DiagKind::IntegerOutOfRange, i->range,
                      {"-9223372036854775808", "a 64-bit integer"})
              .label(range, "its negation is too large");
          return errorExpr(range);
        }
        return std::make_unique<IntLit>(
            range, static_cast<int64_t>(0ull - static_cast<uint64_t>(i->value)));
      }
    }
    return std::make_unique<UnaryExpr>(range, op, std::move(operand));
  }
  if (auto *c = as<P::BinaryExprContext>(ctx)) {
    std::vector<P::ExprContext *> e = c->expr();
    if (e.size() < 2 || !c->op)
      return errorExpr(range);
    ExprPtr lhs = buildExpr(e[0]);
    ExprPtr rhs = buildExpr(e[1]);
    if (!lhs || !rhs)
      return errorExpr(range);
    return std::make_unique<BinaryExpr>(range, binaryOp(c->op->getType()), std::move(lhs),
                                        std::move(rhs), rangeOf(c->op));
  }
  return errorExpr(range);
}

ExprPtr AstBuilder::buildPrimary(P::PrimaryContext *ctx) {
  source::SourceRange range = rangeOf(ctx);
  if (auto *c = as<P::IntLiteralContext>(ctx)) {
    std::string digits;
    for (char ch : c->getText())
      if (ch != '_')
        digits += ch;
    errno = 0;
    char *end = nullptr;
    unsigned long long v = std::strtoull(digits.c_str(), &end, 10);
    // Allow 9223372036854775808 only so that `-9223372036854775808` works.
    bool negated = false;
    if (auto *un = as<P::UnaryExprContext>(ctx->parent ? ctx->parent->parent : nullptr))
      negated = un->op && un->op->getType() == grammar::MlpLexer::MINUS;
    if (errno == ERANGE || v > (negated ? 9223372036854775808ull : 9223372036854775807ull)) {
      diags_.report(diag::DiagKind::IntegerOutOfRange, range, {c->getText(), "a 64-bit integer"})
          .label(range, "too large")
          .help("integers are 64-bit signed; use a float for larger magnitudes");
      return errorExpr(range);
    }
    auto lit = std::make_unique<IntLit>(range, static_cast<int64_t>(v));
    lit->isMinMagnitude = v == 9223372036854775808ull;
    return lit;
  }
  if (auto *c = as<P::FloatLiteralContext>(ctx)) {
    std::string digits;
    for (char ch : c->getText())
      if (ch != '_')
        digits += ch;
    double value = std::strtod(digits.c_str(), nullptr);
    if (std::isinf(value)) {
      diags_.report(diag::DiagKind::IntegerOutOfRange, range, {c->getText(), "a 64-bit float"})
          .label(range, "too large")
          .help("floats range up to about 1.8e308");
      return errorExpr(range);
    }
    return std::make_unique<FloatLit>(range, value);
  }
  if (auto *c = as<P::StringLiteralContext>(ctx)) {
    ExprPtr s = buildString(c->STRING()->getSymbol());
    return s ? std::move(s) : errorExpr(range);
  }
  if (auto *c = as<P::BoolLiteralContext>(ctx))
    return std::make_unique<BoolLit>(range, c->TRUE() != nullptr);
  if (as<P::NoneLiteralContext>(ctx))
    return std::make_unique<NoneLit>(range);
  if (auto *c = as<P::NameRefContext>(ctx)) {
    Name n = buildName(c->name());
    return std::make_unique<NameRef>(n.range, n.text);
  }
  if (auto *c = as<P::ParenExprContext>(ctx)) {
    ExprPtr inner = buildExpr(c->expr());
    return inner ? std::move(inner) : errorExpr(range);
  }
  if (auto *c = as<P::ListLiteralContext>(ctx)) {
    auto list = std::make_unique<ListExpr>(range);
    for (P::ExprContext *e : c->expr())
      if (ExprPtr el = buildExpr(e))
        list->elements.push_back(std::move(el));
    return list;
  }
  if (auto *c = as<P::MapLiteralContext>(ctx)) {
    auto map = std::make_unique<MapExpr>(range);
    for (P::EntryContext *e : c->entry()) {
      if (!e->expr())
        continue;
      MapEntry entry;
      if (e->name()) {
        Name n = buildName(e->name());
        entry.key = n.text;
        entry.keyRange = n.range;
      } else if (e->STRING()) {
        ExprPtr key = buildString(e->STRING()->getSymbol());
        auto *lit = llvm::dyn_cast_or_null<StringLit>(key.get());
        if (!lit || !lit->isPlain())
          continue;
        entry.key = lit->plainText();
        entry.keyRange = rangeOf(e->STRING());
      }
      entry.value = buildExpr(e->expr());
      if (antlr4::tree::TerminalNode *q = e->QUESTION()) {
        if (inSchemaOp_) {
          entry.optional = true;
        } else {
          source::SourceRange at = rangeOf(q);
          diags_
              .report(diag::DiagKind::SyntaxError, at,
                      {"`?` after a value: only a column type in a schema's `.add({...})` can "
                       "be marked optional"})
              .label(at, "not a type")
              .help("remove the `?`; an optional value is written as the value or `none`");
        }
      }
      if (entry.value)
        map->entries.push_back(std::move(entry));
    }
    return map;
  }
  return errorExpr(range);
}

// Decodes escapes and splits `${expr}` parts, parsing each expression with a
// parser of its own whose positions map back into the file.
ExprPtr AstBuilder::buildString(antlr4::Token *token) {
  source::SourceRange range = rangeOf(token);
  std::string text = token->getText(); // UTF-8, with the quotes
  auto lit = std::make_unique<StringLit>(range);
  std::string current;
  uint32_t base = range.begin;
  auto flush = [&] {
    if (!current.empty() || lit->parts.empty()) {
      if (!lit->parts.empty() && !lit->parts.back().expr)
        lit->parts.back().text += current;
      else
        lit->parts.push_back({current, nullptr});
    }
    current.clear();
  };
  bool ok = true;
  // An unterminated string (already reported) has no closing quote.
  size_t end = text.size() >= 2 && text.back() == '"' ? text.size() - 1 : text.size();
  for (size_t i = 1; i < end; ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < end) {
      char e = text[i + 1];
      switch (e) {
      case 'n':
        current += '\n';
        break;
      case 't':
        current += '\t';
        break;
      case 'r':
        current += '\r';
        break;
      case '0':
        current += '\0';
        break;
      case '\\':
        current += '\\';
        break;
      case '"':
        current += '"';
        break;
      case '$':
        current += '$';
        break;
      default: {
        source::SourceRange at{range.file, base + uint32_t(i), base + uint32_t(i + 2)};
        diags_.report(diag::DiagKind::InvalidEscape, at, {std::string(1, e)})
            .label(at, "unknown escape")
            .help("valid escapes are \\n \\t \\r \\0 \\\\ \\\" and \\$");
        ok = false;
      }
      }
      ++i;
      continue;
    }
    if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      size_t close = text.find('}', i + 2);
      if (close == std::string::npos || close >= end) {
        source::SourceRange at{range.file, base + uint32_t(i), base + uint32_t(i + 2)};
        diags_.report(diag::DiagKind::BadInterpolation, at, {"`${` has no closing `}`"})
            .label(at, "opened here")
            .help("close it with `}`, or write `\\$` for a literal `$`");
        ok = false;
        break;
      }
      std::string inner = text.substr(i + 2, close - i - 2);
      source::SourceRange at{range.file, base + uint32_t(i), base + uint32_t(close + 1)};
      size_t brackets = 0;
      for (char ch : inner)
        brackets += ch == '(' || ch == '[' || ch == '{';
      bool blank = inner.find_first_not_of(" \t") == std::string::npos;
      if (blank || brackets > kMaxNesting) {
        diags_
            .report(diag::DiagKind::BadInterpolation, at,
                    {blank ? "empty `${}`" : "expression nested too deeply"})
            .label(at, blank ? "nothing to interpolate" : "too deep")
            .help("write a name or expression between `${` and `}`, or `\\$` for a literal `$`");
        ok = false;
        i = close;
        continue;
      }
      // Parse the inner expression on its own.
      unsigned before = diags_.errorCount();
      OffsetMap innerOffsets(range.file, inner, base + uint32_t(i + 2));
      antlr4::ANTLRInputStream input(inner);
      grammar::MlpLexer lexer(&input);
      lexer.removeErrorListeners();
      antlr4::CommonTokenStream innerTokens(&lexer);
      grammar::MlpParser parser(&innerTokens);
      parser.removeErrorListeners();
      parser.setErrorHandler(std::make_shared<MlpErrorStrategy>(diags_, innerOffsets));
      P::InterpolationContext *ictx = parser.interpolation();
      AstBuilder inner_builder(diags_, innerOffsets, innerTokens, inner);
      ExprPtr expr = ictx->expr() ? inner_builder.buildExpr(ictx->expr()) : nullptr;
      if (!expr || diags_.errorCount() != before) {
        if (diags_.errorCount() == before)
          diags_.report(diag::DiagKind::BadInterpolation, at, {"not an expression"}).label(at, "");
        ok = false;
      } else {
        flush();
        lit->parts.push_back({"", std::move(expr)});
      }
      i = close;
      continue;
    }
    current += c;
  }
  flush();
  if (!ok)
    return nullptr;
  return lit;
}

} // namespace mlpc::parse
