// Rendering diagnostics for people (rustc layout, optional colour) and for
// tools (one JSON object per line, rustc-like fields).
#pragma once

#include "frontend/diag/Diagnostic.h"

#include <ostream>
#include <string>

namespace mlpc::diag {

struct RenderOptions {
  bool color = false;
};

std::string renderText(const Diagnostic &diag, const source::SourceManager &sources,
                       const RenderOptions &options = {});
std::string renderJson(const Diagnostic &diag, const source::SourceManager &sources);

// Prints every diagnostic of `engine` (sorted) in the chosen format, then a
// summary line ("error: could not compile ... due to 2 errors; 1 warning")
// for text output.
void printDiagnostics(const DiagnosticEngine &engine, std::ostream &out, bool json,
                      const RenderOptions &options);

} // namespace mlpc::diag
