// How .mlp spells the IR's scalar types, for the backends and the runtime.
#pragma once

#include "ir/mlpc_ir.pb.h"

namespace mlpc::ir {

// `int`, `float`, `bool` or `string` (the unspecified kind reads as string).
inline const char *scalarName(ScalarKind kind) {
  switch (kind) {
  case INT:
    return "int";
  case FLOAT:
    return "float";
  case BOOL:
    return "bool";
  default:
    return "string";
  }
}

} // namespace mlpc::ir
