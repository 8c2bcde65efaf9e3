// The language features, each a function from a document's analysis (and a
// position) to the JSON result the protocol defines.
#pragma once

#include "tools/lsp/Analysis.h"

namespace mlpc::lsp {

// textDocument/publishDiagnostics: the `diagnostics` array for the document.
json::Array diagnosticsOf(const Analysis &analysis);

// textDocument/hover: a markdown Hover, or null.
json::Value hover(const Analysis &analysis, uint32_t offset);

// textDocument/definition: a Location, or null (nothing there, or a place
// inside the standard library, which has no file on disk).
json::Value definition(const Analysis &analysis, uint32_t offset);

// textDocument/documentSymbol: hierarchical DocumentSymbols.
json::Array documentSymbols(const Analysis &analysis);

// textDocument/completion: a CompletionList. Checks its own copy of the text,
// completed at the cursor, so half-typed code still gets context.
json::Value completion(const Document &doc, uint32_t offset, const Overlay &overlay);

// textDocument/formatting: TextEdits ([] when already formatted). Throws
// RpcError when the document does not parse.
json::Array formatting(const Document &doc);

// `component f<S>(a: int = 1) -> (out: Model)`, as declared; a long one
// has one parameter per line unless `oneLine`.
std::string signatureOf(const Analysis &analysis, const sema::CallableInfo &callable,
                        bool oneLine = false);

} // namespace mlpc::lsp
