// Writing Python source safely: every user string becomes a literal with
// every special character escaped, and every name a valid identifier.
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <string>

namespace mlpc::py {

// A double-quoted Python string literal for any UTF-8 text: backslashes,
// quotes, control characters and line separators are escaped, so no user
// string can end the literal or start a new line of code.
std::string pyString(const std::string &text);

// A valid Python identifier from any name (`train-2` -> `train_2`); names
// that are Python keywords or start with a digit get a trailing or leading `_`.
std::string pyIdentifier(const std::string &name);

// A constant as a Python literal: ints, floats (inf and nan included),
// strings, True/False, None, lists and dicts.
std::string pyValue(const ir::Value &value);

// Lays out a Python expression that mlpc wrote (calls, lists, dicts and
// literals) as Black would: on one line if it fits in `width` columns from
// column `indent`, else one argument per line with a trailing comma, each
// argument laid out the same way.
std::string pyReflow(const std::string &expr, int indent, int width = 100);

} // namespace mlpc::py
