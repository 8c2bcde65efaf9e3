// `mlpc lsp`: a Language Server Protocol server over stdio.
#pragma once

#include <istream>
#include <ostream>

namespace mlpc::lsp {

// Serves LSP requests read from `in` (Content-Length framed JSON-RPC) until
// `exit`; returns the process exit code (0 after `shutdown`, 1 otherwise).
int runServer(std::istream &in, std::ostream &out);

} // namespace mlpc::lsp
