// `mlpc fmt`: one canonical layout for .mlp source.
//
// The formatter walks the AST for structure and copies every token's text
// from the source, so literals keep their exact spelling; only whitespace,
// optional separators (`;`, commas in blocks) and line breaks change.
// Comments (line, block and doc) are put back where they were: before the
// token they preceded, or at the end of the line they ended.
#pragma once

#include "frontend/diag/Diagnostic.h"

#include <optional>
#include <string>

namespace mlpc::format {

struct FormatOptions {
  unsigned width = 100; // a group that does not fit is broken, one item per line
  unsigned indent = 2;
};

// Formats `file` (already in `sources`). Returns nullopt when the file does
// not parse; the syntax errors are reported to `diags`.
std::optional<std::string> formatFile(source::FileId file, const source::SourceManager &sources,
                                      diag::DiagnosticEngine &diags,
                                      const FormatOptions &options = {});

} // namespace mlpc::format
