// Parsing a .mlp file into an AST.
//
// Two stages, as the ANTLR FAQ advises: a fast SLL parse that gives up at the
// first error, and only on failure a full LL parse with error recovery, so a
// correct file never pays for LL and a broken one gets several diagnostics.
#pragma once

#include "frontend/ast/Ast.h"
#include "frontend/diag/Diagnostic.h"

#include <memory>
#include <ostream>

namespace mlpc::parse {

// Limits that keep hostile input from exhausting the stack or the machine.
constexpr uint32_t kMaxSourceBytes = 32u << 20; // 32 MiB
constexpr uint32_t kMaxNesting = 256;           // brackets and unary operators

// Parses `file` (already in `sources`); reports problems to `diags`. Always
// returns a module, possibly partial, so later phases can still check what
// parsed.
std::unique_ptr<ast::Module> parseModule(source::FileId file, const source::SourceManager &sources,
                                         diag::DiagnosticEngine &diags);

// `--emit=tokens`: one line per token, `line:col KIND 'text'`.
void dumpTokens(source::FileId file, const source::SourceManager &sources, std::ostream &out,
                diag::DiagnosticEngine &diags);

} // namespace mlpc::parse
