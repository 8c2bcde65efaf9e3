// The diagnostics table, rendering (rustc layout, JSON) and -Werror.
#include "frontend/diag/Diagnostic.h"
#include "frontend/diag/Explain.h"
#include "frontend/diag/Render.h"

#include <gtest/gtest.h>
#include <llvm/Support/JSON.h>
#include <set>

using namespace mlpc;

namespace {

TEST(DiagnosticTable, CodesAreUniqueAndWellFormed) {
  std::set<std::string> codes;
  for (const diag::DiagInfo &d : diag::allDiagnostics()) {
    std::string code = d.code;
    EXPECT_TRUE(codes.insert(code).second) << "duplicate code " << code;
    ASSERT_EQ(code.size(), 5u) << code;
    EXPECT_EQ(code[0], d.severity == diag::Severity::Error ? 'E' : 'W') << code;
    std::string format = d.format;
    EXPECT_FALSE(format.empty());
    EXPECT_NE(format.back(), '.') << code << ": messages have no full stop";
    EXPECT_FALSE(std::isupper(static_cast<unsigned char>(format[0]))) << code << ": lowercase";
  }
}

TEST(DiagnosticTable, EveryCodeIsExplained) {
  for (const diag::DiagInfo &d : diag::allDiagnostics()) {
    const char *text = diag::explanation(d.code);
    ASSERT_NE(text, nullptr) << "docs/diagnostics/" << d.code << ".md is missing";
    EXPECT_NE(std::string(text).find(d.code), std::string::npos) << d.code;
  }
}

struct Fixture {
  source::SourceManager sources;
  diag::DiagnosticEngine diags{sources};
  source::FileId file = sources.add("f.mlp", "line one\n  x = bad_name + 1\n");
};

TEST(Render, RustcLayout) {
  Fixture f;
  source::SourceRange r{f.file, 15, 23}; // bad_name
  f.diags.report(diag::DiagKind::UndefinedName, r, {"bad_name"})
      .label(r, "not found")
      .fixit("did you mean `bar_name`?", r, "bar_name");
  std::string text = diag::renderText(f.diags.diagnostics()[0], f.sources);
  EXPECT_EQ(text, "error[E0300]: cannot find `bad_name` in this scope\n"
                  " --> f.mlp:2:7\n"
                  "  |\n"
                  "2 |   x = bad_name + 1\n"
                  "  |       ^^^^^^^^ not found\n"
                  "  |\n"
                  "help: did you mean `bar_name`?\n"
                  "  |\n"
                  "2 |   x = bar_name + 1\n"
                  "  |       ~~~~~~~~\n");
}

TEST(Render, JsonHasSpansAndFixits) {
  Fixture f;
  source::SourceRange r{f.file, 15, 23};
  f.diags.report(diag::DiagKind::UndefinedName, r, {"bad_name"})
      .label(r, "not found")
      .fixit("did you mean `bar_name`?", r, "bar_name");
  auto parsed = llvm::json::parse(diag::renderJson(f.diags.diagnostics()[0], f.sources));
  ASSERT_TRUE(bool(parsed));
  llvm::json::Object *o = parsed->getAsObject();
  EXPECT_EQ(*o->getString("code"), "E0300");
  EXPECT_EQ(*o->getString("severity"), "error");
  llvm::json::Object *span = (*o->getArray("spans"))[0].getAsObject();
  EXPECT_EQ(*span->getInteger("line_start"), 2);
  EXPECT_EQ(*span->getInteger("column_start"), 7);
  EXPECT_EQ(*span->getInteger("column_end"), 15);
  llvm::json::Object *fix =
      (*(*o->getArray("helps"))[0].getAsObject()->getArray("fixits"))[0].getAsObject();
  EXPECT_EQ(*fix->getString("replacement"), "bar_name");
}

TEST(Engine, WerrorAndDeduplication) {
  Fixture f;
  f.diags.setWarningsAsErrors(true);
  source::SourceRange r{f.file, 15, 23};
  f.diags.report(diag::DiagKind::UnusedBinding, r, {"x"});
  f.diags.report(diag::DiagKind::UnusedBinding, r, {"x"}); // the same again: dropped
  EXPECT_EQ(f.diags.errorCount(), 1u);
  EXPECT_EQ(f.diags.warningCount(), 0u);
  EXPECT_EQ(f.diags.diagnostics()[0].severity, diag::Severity::Error);
}

TEST(Engine, ErrorLimit) {
  Fixture f;
  f.diags.setErrorLimit(3);
  for (uint32_t i = 0; i < 10; ++i)
    f.diags.report(diag::DiagKind::UndefinedName, {f.file, i, i + 1}, {"x"});
  EXPECT_EQ(f.diags.errorCount(), 3u);
  EXPECT_STREQ(f.diags.diagnostics().back().code(), "E0110");
}

TEST(Engine, WarningLimitCountsButDoesNotKeep) {
  Fixture f;
  f.diags.setWarningLimit(2);
  for (uint32_t i = 0; i < 5; ++i)
    f.diags.report(diag::DiagKind::UnusedBinding, {f.file, i, i + 1}, {"x"});
  EXPECT_EQ(f.diags.warningCount(), 5u);
  EXPECT_EQ(f.diags.diagnostics().size(), 2u);
  EXPECT_EQ(f.diags.suppressedWarnings(), 3u);
}

} // namespace
