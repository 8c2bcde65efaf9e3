#include "frontend/diag/Verify.h"

#include <algorithm>
#include <fmt/format.h>
#include <regex>

namespace mlpc::diag {
namespace {

struct Expectation {
  source::FileId file;
  uint32_t line;
  Severity severity;
  std::string text;
  bool met = false;
};

std::vector<Expectation> collect(const source::SourceManager &sources, bool &noDiagnostics) {
  static const std::regex re(R"(expected-(error|warning)(@[+-]?[0-9]+)?\s*\{\{(.*?)\}\})");
  std::vector<Expectation> out;
  for (source::FileId f = 0; f < sources.size(); ++f) {
    const source::SourceFile &file = sources.file(f);
    if (file.path().rfind("<std>", 0) == 0)
      continue;
    for (uint32_t line = 1; line <= file.lineCount(); ++line) {
      std::string text(file.lineText(line));
      size_t comment = text.find("//");
      if (comment == std::string::npos)
        continue;
      std::string tail = text.substr(comment);
      if (tail.find("expected-no-diagnostics") != std::string::npos)
        noDiagnostics = true;
      for (auto it = std::sregex_iterator(tail.begin(), tail.end(), re);
           it != std::sregex_iterator(); ++it) {
        const std::smatch &m = *it;
        int64_t target = line;
        if (m[2].matched) {
          std::string offset = m[2].str().substr(1);
          if (offset[0] == '+' || offset[0] == '-')
            target += std::stoll(offset);
          else
            target = std::stoll(offset);
        }
        out.push_back({f, static_cast<uint32_t>(std::max<int64_t>(target, 0)),
                       m[1] == "error" ? Severity::Error : Severity::Warning, m[3].str()});
      }
    }
  }
  return out;
}

const char *name(Severity s) { return s == Severity::Error ? "error" : "warning"; }

} // namespace

bool verifyDiagnostics(const DiagnosticEngine &engine, std::ostream &out) {
  const source::SourceManager &sources = engine.sources();
  bool noDiagnostics = false;
  std::vector<Expectation> expected = collect(sources, noDiagnostics);
  std::vector<std::string> unexpected;
  for (const Diagnostic &d : engine.sorted()) {
    if (d.severity == Severity::Note)
      continue;
    source::SourceRange r = d.primaryRange();
    uint32_t line = r.valid() ? sources.file(r.file).lineColumn(r.begin).line : 0;
    std::string full = std::string(d.code()) + ": " + d.message;
    bool matched = false;
    for (Expectation &e : expected) {
      if (e.met || e.severity != d.severity || !r.valid() || e.file != r.file || e.line != line)
        continue;
      if (full.find(e.text) != std::string::npos) {
        e.met = matched = true;
        break;
      }
    }
    if (!matched)
      unexpected.push_back(fmt::format("  {}:{}: {}[{}]: {}",
                                       r.valid() ? sources.file(r.file).path() : "<no file>", line,
                                       name(d.severity), d.code(), d.message));
  }
  bool ok = unexpected.empty();
  if (!unexpected.empty()) {
    out << "error: diagnostics seen but not expected:\n";
    for (const std::string &u : unexpected)
      out << u << "\n";
  }
  std::vector<std::string> unmet;
  for (const Expectation &e : expected)
    if (!e.met)
      unmet.push_back(fmt::format("  {}:{}: expected-{} {{{{{}}}}}", sources.file(e.file).path(),
                                  e.line, name(e.severity), e.text));
  if (!unmet.empty()) {
    ok = false;
    out << "error: diagnostics expected but not seen:\n";
    for (const std::string &u : unmet)
      out << u << "\n";
  }
  if (expected.empty() && !noDiagnostics && ok) {
    out << "error: no expected-error or expected-warning comments, and no "
           "`// expected-no-diagnostics`\n";
    return false;
  }
  return ok;
}

} // namespace mlpc::diag
