// `mlpc check --verify`: compares the diagnostics of a run with
// `// expected-error {{text}}` and `// expected-warning {{text}}` comments
// in the source, as clang's -verify does.
//
//   x = foo()  // expected-error {{cannot find `foo`}}
//   // expected-warning@+1 {{W0001}}
//   y = bar()
//
// `@+N` / `@-N` move the expectation to another line; the text must occur in
// "CODE: message" of a diagnostic of that severity on that line. Every
// diagnostic must be expected, and every expectation met.
#pragma once

#include "frontend/diag/Diagnostic.h"

#include <ostream>

namespace mlpc::diag {

// Returns true when expectations and diagnostics match exactly; otherwise
// prints what was expected but not seen, and seen but not expected.
bool verifyDiagnostics(const DiagnosticEngine &engine, std::ostream &out);

} // namespace mlpc::diag
