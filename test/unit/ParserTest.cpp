// Parsing: the AST shape, error recovery (several errors in one run), and
// limits that keep hostile input from crashing the parser.
#include "frontend/ast/Ast.h"
#include "frontend/parse/ParseModule.h"

#include <gtest/gtest.h>
#include <llvm/Support/Casting.h>

using namespace mlpc;

namespace {

struct Parsed {
  source::SourceManager sources;
  diag::DiagnosticEngine diags{sources};
  std::unique_ptr<ast::Module> module;
};

std::unique_ptr<Parsed> parse(const std::string &text) {
  auto p = std::make_unique<Parsed>();
  source::FileId f = p->sources.add("t.mlp", text);
  p->module = parse::parseModule(f, p->sources, p->diags);
  return p;
}

TEST(Parser, Declarations) {
  auto p = parse(R"(
import std.io as io
/// A row.
schema Row { a: int, `b c`: string? }
component c<S>(x: Dataset<S>, n: int = 3) -> (out: Dataset<S.require(cols)>) { builtin: "io.read_csv" }
pipeline p(n: int) { t = c(x: y) with { retry { max: 2 } } }
)");
  ASSERT_EQ(p->diags.errorCount(), 0u);
  ASSERT_EQ(p->module->imports.size(), 1u);
  EXPECT_EQ(p->module->imports[0].aliasName(), "io");
  ASSERT_EQ(p->module->decls.size(), 3u);
  auto *schema = llvm::dyn_cast<ast::SchemaDecl>(p->module->decls[0].get());
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->doc, "A row.");
  ASSERT_EQ(schema->columns.size(), 2u);
  EXPECT_EQ(schema->columns[1].name.text, "b c") << "backquotes are stripped";
  EXPECT_TRUE(schema->columns[1].type->optional);
  auto *comp = llvm::dyn_cast<ast::ComponentDecl>(p->module->decls[1].get());
  ASSERT_NE(comp, nullptr);
  EXPECT_EQ(comp->typeParams.size(), 1u);
  ASSERT_EQ(comp->outputs.size(), 1u);
  EXPECT_EQ(comp->outputs[0].type->args[0]->ops.size(), 1u);
  auto *pipe = llvm::dyn_cast<ast::PipelineDecl>(p->module->decls[2].get());
  ASSERT_NE(pipe, nullptr);
  ASSERT_EQ(pipe->body.stmts.size(), 1u);
  auto *bind = llvm::dyn_cast<ast::BindStmt>(pipe->body.stmts[0].get());
  ASSERT_NE(bind, nullptr);
  EXPECT_TRUE(bind->options.present);
}

TEST(Parser, OperatorPrecedence) {
  auto p = parse("pipeline p() { x = 1 + 2 * 3 >= 4 and not y }");
  ASSERT_EQ(p->diags.errorCount(), 0u);
  auto *bind = llvm::cast<ast::BindStmt>(
      llvm::cast<ast::PipelineDecl>(*p->module->decls[0]).body.stmts[0].get());
  auto *andExpr = llvm::dyn_cast<ast::BinaryExpr>(bind->value.get());
  ASSERT_NE(andExpr, nullptr);
  EXPECT_EQ(andExpr->op, ast::BinaryOp::And);
  auto *ge = llvm::dyn_cast<ast::BinaryExpr>(andExpr->lhs.get());
  ASSERT_NE(ge, nullptr);
  EXPECT_EQ(ge->op, ast::BinaryOp::Ge);
  auto *add = llvm::cast<ast::BinaryExpr>(ge->lhs.get());
  EXPECT_EQ(add->op, ast::BinaryOp::Add);
  EXPECT_EQ(llvm::cast<ast::BinaryExpr>(add->rhs.get())->op, ast::BinaryOp::Mul);
  EXPECT_TRUE(llvm::isa<ast::UnaryExpr>(andExpr->rhs.get()));
}

TEST(Parser, StringInterpolationAndEscapes) {
  auto p = parse(R"(pipeline p() { x = "a\t${n + 1}\$b\"" })");
  ASSERT_EQ(p->diags.errorCount(), 0u);
  auto *bind = llvm::cast<ast::BindStmt>(
      llvm::cast<ast::PipelineDecl>(*p->module->decls[0]).body.stmts[0].get());
  auto *s = llvm::cast<ast::StringLit>(bind->value.get());
  ASSERT_EQ(s->parts.size(), 3u);
  EXPECT_EQ(s->parts[0].text, "a\t");
  EXPECT_TRUE(llvm::isa<ast::BinaryExpr>(s->parts[1].expr.get()));
  EXPECT_EQ(s->parts[2].text, "$b\"");
}

TEST(Parser, RecoversAndReportsSeveralErrors) {
  auto p = parse(R"(
pipeline a() { x = (1 + }
pipeline b() { y = ) }
pipeline c() { z = 1 }
)");
  EXPECT_GE(p->diags.errorCount(), 2u) << "one run reports several syntax errors";
  bool sawC = false;
  for (const ast::DeclPtr &d : p->module->decls)
    sawC = sawC || d->name.text == "c";
  EXPECT_TRUE(sawC) << "declarations after an error still parse";
}

TEST(Parser, LocationsAreBytesAndCodePoints) {
  auto p = parse("pipeline p() { x = \"é\" + y\n  z = ) }");
  ASSERT_GE(p->diags.errorCount(), 1u);
  const diag::Diagnostic &d = p->diags.diagnostics().front();
  source::LineColumn lc = p->sources.file(d.primaryRange().file).lineColumn(d.primaryRange().begin);
  EXPECT_EQ(lc.line, 2u);
  EXPECT_EQ(lc.column, 7u);
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  std::string deep(20000, '(');
  auto p = parse("pipeline p() { x = " + deep + " }");
  ASSERT_EQ(p->diags.errorCount(), 1u);
  EXPECT_STREQ(p->diags.diagnostics()[0].code(), "E0105");
}

TEST(Parser, InvalidUtf8) {
  auto p = parse("pipeline p() { x = \"\xff\" }");
  ASSERT_EQ(p->diags.errorCount(), 1u);
  EXPECT_STREQ(p->diags.diagnostics()[0].code(), "E0104");
  EXPECT_EQ(p->diags.diagnostics()[0].primaryRange().begin, 20u);
}

TEST(Parser, IntegerLimits) {
  auto ok = parse("pipeline p() { x = -9223372036854775808 }");
  EXPECT_EQ(ok->diags.errorCount(), 0u);
  auto bad = parse("pipeline p() { x = 9223372036854775808 }");
  ASSERT_EQ(bad->diags.errorCount(), 1u);
  EXPECT_STREQ(bad->diags.diagnostics()[0].code(), "E0108");
}

} // namespace
