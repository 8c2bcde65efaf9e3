// What a backend that writes a folder (TFX, Dataflow) returns: its files, and
// diagnostics for what the target cannot express (errors) or ignores
// (warnings), at the IR's source locations.
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <string>
#include <vector>

namespace mlpc::backend {

struct Diagnostic {
  ir::SourceLocation location;
  std::string message;
  std::string help;
  bool warning = false;
};

struct File {
  std::string path; // relative to the output folder
  std::string content;
};

struct FolderOutput {
  std::vector<File> files; // when no diagnostic is an error
  std::vector<Diagnostic> diagnostics;
};

} // namespace mlpc::backend
