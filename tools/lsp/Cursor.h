// Completion's view of half-typed text. Such text rarely parses, so it is
// first completed at the cursor: the word being typed becomes a placeholder
// name, the brackets still open before it are closed, and the rest of the
// declaration is dropped (later declarations are kept). Checking that text
// places the placeholder in the AST, where the checker's results give the
// context (Completion.cpp).
#pragma once

#include "frontend/ast/Ast.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlpc::lsp {

// The name that stands for the word being typed.
extern const char *const kPlaceholder;

inline constexpr const char *kDeclarationKeywords[] = {"import",   "schema",    "record",
                                                       "artifact", "component", "pipeline"};

bool isIdentChar(char c);

// The text around a completion request's cursor.
struct Cursor {
  uint32_t wordStart = 0, wordEnd = 0; // the identifier the cursor is in or after
  bool inCode = true;                  // false inside a string or a comment
  std::vector<char> open;              // brackets open before it: `(`, `[`, `{`, `$` for `${`
  bool afterDot = false;               // the word follows a `.`
  std::string base;                    // then the name before the dot ("" after `a.b.`)
};
Cursor cursorAt(const std::string &text, uint32_t offset);

// The text with the placeholder at the cursor; nullopt when the open
// brackets nest deeper than the parser accepts.
std::optional<std::string> completedText(const std::string &text, const Cursor &cursor);

// Where the placeholder landed, and what surrounds it.
struct Spot {
  bool found = false;
  const ast::MemberExpr *member = nullptr; // `base.<placeholder>`
  const ast::NameRef *ref = nullptr;       // the placeholder as a name
  const ast::CallExpr *call = nullptr;     // the call whose argument holds it
  const ast::Arg *arg = nullptr;           // that argument
  bool direct = false;                     // the argument is the placeholder itself
  const ast::ListExpr *list = nullptr;     // a list (of the argument) that holds it
  bool inType = false;                     // it names a type
  const ast::CallableDecl *callable = nullptr;
};

// The placeholder of a completed text's AST, at byte `at`.
Spot findPlaceholder(const ast::Module &module, uint32_t at);

} // namespace mlpc::lsp
