// Helpers for unit tests: compile .mlp text held in memory.
#pragma once

#include "frontend/diag/Diagnostic.h"
#include "frontend/sema/Checker.h"

#include <memory>
#include <string>
#include <vector>

namespace mlpc::test {

struct Checked {
  std::unique_ptr<sema::Program> program = std::make_unique<sema::Program>();
  std::unique_ptr<diag::DiagnosticEngine> diags =
      std::make_unique<diag::DiagnosticEngine>(program->sources);
  bool ok = false;

  // Codes of the diagnostics, in source order: {"E0305", "W0001"}.
  std::vector<std::string> codes() const {
    std::vector<std::string> out;
    for (const diag::Diagnostic &d : diags->sorted())
      out.push_back(d.code());
    return out;
  }
};

inline Checked check(const std::string &text) {
  Checked c;
  c.ok = sema::Checker(*c.program, *c.diags).run("test.mlp", text);
  return c;
}

} // namespace mlpc::test
