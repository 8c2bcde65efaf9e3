// Lowering a checked program to the IR: one Module with the root pipeline,
// every pipeline it calls, and every component they use.
#pragma once

#include "frontend/sema/Program.h"
#include "ir/mlpc_ir.pb.h"

#include <memory>

namespace mlpc::ir {

// `root` must be a pipeline of `program` that checked without errors.
std::unique_ptr<Module> buildModule(const sema::Program &program, const sema::CallableInfo &root);

// Seconds in a duration literal such as "30s", "1.5h" (validated by the checker).
double durationSeconds(const std::string &text);

} // namespace mlpc::ir
