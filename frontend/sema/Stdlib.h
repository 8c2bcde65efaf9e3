// The standard library's .mlp sources, compiled into the binary from
// stdlib/std/*.mlp so that `import std.io` works wherever mlpc is installed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mlpc::sema {

// The source of `std.<name>`, or null when there is no such module.
const char *stdlibSource(const std::string &name);
std::vector<std::string> stdlibModuleNames();
std::optional<std::string> readSourceFile(const std::string &path, std::string &error);

} // namespace mlpc::sema
