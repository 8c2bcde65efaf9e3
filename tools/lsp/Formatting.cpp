// Formatting: `mlpc fmt` on the editor's text, as one edit.
#include "tools/lsp/Features.h"

#include "frontend/format/Format.h"

namespace mlpc::lsp {

json::Array formatting(const Document &doc) {
  source::SourceManager sources;
  source::FileId file = sources.add(doc.path, doc.text);
  diag::DiagnosticEngine diags(sources);
  std::optional<std::string> formatted = format::formatFile(file, sources, diags);
  if (!formatted) {
    std::string why =
        diags.diagnostics().empty() ? "it does not parse" : diags.diagnostics().front().message;
    throw RpcError{RequestFailed, "cannot format this file: " + why};
  }
  if (*formatted == doc.text)
    return {};
  LineIndex index(doc.text);
  json::Object range{{"start", toJson({0, 0})},
                     {"end", toJson(index.positionAt(static_cast<uint32_t>(doc.text.size())))}};
  return json::Array{json::Object{{"range", std::move(range)}, {"newText", jsonText(*formatted)}}};
}

} // namespace mlpc::lsp
