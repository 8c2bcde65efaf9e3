// The concrete syntax tree of one file, kept alive together with its tokens
// (comments included) for tools that need every token, such as `mlpc fmt`.
// The compiler itself goes through parseModule, which drops the tree once
// the AST is built.
#pragma once

#include "frontend/diag/Diagnostic.h"

#include "MlpLexer.h"
#include "MlpParser.h"

#include <memory>
#include <string>
#include <string_view>

namespace mlpc::parse {

// Lexer errors cannot happen (BAD_CHAR matches anything), but a listener that
// stays silent keeps ANTLR from printing to stderr if one ever does.
class SilentListener : public antlr4::BaseErrorListener {};

// Everything a parse tree points into, owned in one place.
struct ParseSession {
  explicit ParseSession(std::string_view text)
      : input(std::string(text)), lexer(&input), tokens(&lexer), parser(&tokens) {
    lexer.removeErrorListeners();
    lexer.addErrorListener(&silent);
    parser.removeErrorListeners();
  }
  SilentListener silent;
  antlr4::ANTLRInputStream input;
  grammar::MlpLexer lexer;
  antlr4::CommonTokenStream tokens;
  grammar::MlpParser parser;
};

struct ConcreteTree {
  explicit ConcreteTree(std::string_view text) : session(text) {}
  ParseSession session;
  grammar::MlpParser::FileContext *file = nullptr;
};

// Parses `file`; returns null when it has syntax errors (reported to `diags`).
std::unique_ptr<ConcreteTree> parseConcrete(source::FileId file,
                                            const source::SourceManager &sources,
                                            diag::DiagnosticEngine &diags);

} // namespace mlpc::parse
