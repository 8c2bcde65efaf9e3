// Parameter values at run time: the IR's `Value`, with the text and JSON forms
// that command lines, output files and KFP's ExecutorInput use.
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <llvm/Support/JSON.h>

#include <string>

namespace mlpc::runtime {

// How a value appears on a command line: strings as they are, numbers and
// booleans as JSON writes them, lists, maps and records as compact JSON.
std::string valueText(const ir::Value &v);

llvm::json::Value toJson(const ir::Value &v);
ir::Value fromJson(const llvm::json::Value &j);

// Reads a value a task wrote to an output-parameter file, as type `t`
// (strings verbatim; other types as JSON). False with a message on bad text.
bool parseValue(const std::string &text, const ir::Type &t, ir::Value *out, std::string &error);

// The type name used in messages: int, float, string, bool, list, map, record.
std::string typeName(const ir::Type &t);

// Where a float is expected an int widens (the language's one implicit
// conversion); any other value is left as it is.
void widen(ir::Value &v, const ir::Type &t);

// Python's truthiness is not ours: only bools are conditions.
bool isTrue(const ir::Value &v);

} // namespace mlpc::runtime
