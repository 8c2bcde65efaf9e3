// Structural checks on an IR module: what every backend may rely on. The
// builder should never produce a module that fails; hand-edited or
// third-party IR (`mlpc run plan.pb`) is checked the same way.
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <string>
#include <vector>

namespace mlpc::ir {

// An empty result means the module is valid; otherwise one message per problem.
std::vector<std::string> verifyModule(const Module &module);

} // namespace mlpc::ir
