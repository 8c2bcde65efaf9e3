// Long explanations of diagnostic codes (`mlpc explain E0305`), compiled in
// from docs/diagnostics/<code>.md.
#pragma once

#include <string>
#include <vector>

namespace mlpc::diag {

// The explanation of `code` (e.g. "E0305"), or null when there is none.
const char *explanation(const std::string &code);
// Codes that have an explanation.
std::vector<std::string> explainedCodes();

} // namespace mlpc::diag
