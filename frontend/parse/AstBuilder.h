// Typed transformer from the ANTLR parse tree to the AST, one method per
// grammar rule (the pattern of Kuzu's Transformer). Contexts that error
// recovery left incomplete are skipped, never dereferenced.
#pragma once

#include "frontend/ast/Ast.h"
#include "frontend/diag/Diagnostic.h"
#include "frontend/parse/OffsetMap.h"

#include "MlpParser.h"

namespace mlpc::parse {

class AstBuilder {
  using P = grammar::MlpParser;

public:
  AstBuilder(diag::DiagnosticEngine &diags, const OffsetMap &offsets,
             antlr4::BufferedTokenStream &tokens, std::string_view text)
      : diags_(diags), offsets_(offsets), tokens_(tokens), text_(text) {}

  void buildModule(P::FileContext *ctx, ast::Module &module);

private:
  std::optional<ast::Import> buildImport(P::ImportDeclContext *ctx);
  ast::DeclPtr buildDecl(P::DeclContext *ctx);
  ast::Annotation buildAnnotation(P::AnnotationContext *ctx);
  std::vector<ast::Field> buildFields(P::FieldListContext *ctx);
  std::vector<ast::Field> buildParams(P::ParamListContext *ctx);
  ast::TypeExprPtr buildType(P::TypeContext *ctx);
  std::vector<ast::Name> buildQualifiedName(P::QualifiedNameContext *ctx);
  std::vector<ast::Property> buildProperties(const std::vector<P::PropertyContext *> &ctxs);
  ast::Block buildBlock(P::BlockContext *ctx);
  ast::StmtPtr buildStmt(P::StmtContext *ctx);
  ast::TaskOptions buildTaskOptions(P::TaskOptionsContext *ctx);
  ast::ExprPtr buildExpr(P::ExprContext *ctx);
  ast::ExprPtr buildPrimary(P::PrimaryContext *ctx);
  ast::ExprPtr buildString(antlr4::Token *token);
  std::vector<ast::Arg> buildArgs(P::ArgListContext *ctx);
  ast::Name buildName(P::NameContext *ctx);
  ast::Name buildPropertyName(P::PropertyNameContext *ctx);

  source::SourceRange rangeOf(antlr4::ParserRuleContext *ctx) const;
  source::SourceRange rangeOf(antlr4::Token *token) const;
  source::SourceRange rangeOf(antlr4::tree::TerminalNode *node) const;
  std::string docComment(antlr4::ParserRuleContext *ctx) const;
  // An expression that stands in for one that failed to parse.
  ast::ExprPtr errorExpr(source::SourceRange range);

  diag::DiagnosticEngine &diags_;
  const OffsetMap &offsets_;
  antlr4::BufferedTokenStream &tokens_;
  std::string_view text_;
  unsigned exprDepth_ = 0;
  bool inSchemaOp_ = false; // building a schema operation's arguments: `?` may mark a column
};

} // namespace mlpc::parse
