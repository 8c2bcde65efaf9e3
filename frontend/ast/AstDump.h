// `--emit=ast`: an indented, line-per-node dump of a module with locations,
// for debugging and FileCheck tests.
#pragma once

#include "frontend/ast/Ast.h"

#include <ostream>

namespace mlpc::ast {

void dumpModule(const Module &module, const source::SourceManager &sources, std::ostream &out);

} // namespace mlpc::ast
