// Diagnostics: kinds (from Diagnostics.def), the Diagnostic record with its
// labels, notes and fix-its, and the engine that collects them for a run.
#pragma once

#include "frontend/source/SourceManager.h"

#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace mlpc::diag {

enum class Severity { Error, Warning, Note };

enum class DiagKind {
#define DIAG(Kind, Severity, Code, Format) Kind,
#include "frontend/diag/Diagnostics.def"
};

struct DiagInfo {
  DiagKind kind;
  Severity severity;
  const char *code;
  const char *format;
  const char *name;
};

const DiagInfo &info(DiagKind kind);
// All kinds, in table order (for `mlpc explain --list` and coverage tests).
const std::vector<DiagInfo> &allDiagnostics();
const DiagInfo *findByCode(std::string_view code);

// A labelled range: the primary label gets `^^^`, secondary ones `---`.
struct Label {
  source::SourceRange range;
  std::string text;
  bool primary = false;
};

// Replace `range` with `replacement` (an insertion when the range is empty).
struct FixIt {
  source::SourceRange range;
  std::string replacement;
};

// A `help:` line, optionally with fix-its that a tool may apply.
struct Help {
  std::string text;
  std::vector<FixIt> fixits;
};

struct Diagnostic {
  DiagKind kind;
  Severity severity;
  std::string message;
  std::vector<Label> labels; // labels[0] is the primary location when present
  std::vector<std::string> notes;
  std::vector<Help> helps;

  const char *code() const { return info(kind).code; }
  source::SourceRange primaryRange() const {
    return labels.empty() ? source::SourceRange{} : labels.front().range;
  }
};

// Builder returned by DiagnosticEngine::report; emits on destruction so call
// sites read as one chained expression.
class DiagnosticEngine;
class DiagnosticBuilder {
public:
  DiagnosticBuilder(DiagnosticEngine *engine, Diagnostic diag)
      : engine_(engine), diag_(std::move(diag)) {}
  DiagnosticBuilder(DiagnosticBuilder &&other) noexcept
      : engine_(other.engine_), diag_(std::move(other.diag_)) {
    other.engine_ = nullptr;
  }
  DiagnosticBuilder(const DiagnosticBuilder &) = delete;
  ~DiagnosticBuilder();

  DiagnosticBuilder &label(source::SourceRange range, std::string text);
  DiagnosticBuilder &secondary(source::SourceRange range, std::string text);
  DiagnosticBuilder &note(std::string text);
  DiagnosticBuilder &help(std::string text);
  DiagnosticBuilder &fixit(std::string text, source::SourceRange range, std::string replacement);

private:
  DiagnosticEngine *engine_;
  Diagnostic diag_;
};

class DiagnosticEngine {
public:
  explicit DiagnosticEngine(const source::SourceManager &sources) : sources_(sources) {}

  // Report `kind` at `range`; `args` fill the format's {0}, {1}, ...
  DiagnosticBuilder report(DiagKind kind, source::SourceRange range,
                           const std::vector<std::string> &args = {});

  void add(Diagnostic diag);
  const std::vector<Diagnostic> &diagnostics() const { return diags_; }
  // Diagnostics sorted by file and position, as they are shown to users.
  std::vector<Diagnostic> sorted() const;
  unsigned errorCount() const { return errors_; }
  unsigned warningCount() const { return warnings_; }
  bool hasErrors() const { return errors_ > 0; }
  const source::SourceManager &sources() const { return sources_; }

  // -Werror: warnings count (and are shown) as errors.
  void setWarningsAsErrors(bool on) { warningsAsErrors_ = on; }
  // Stop recording after this many errors (a runaway input reports once).
  void setErrorLimit(unsigned limit) { errorLimit_ = limit; }
  bool errorLimitReached() const { return errorLimit_ && errors_ >= errorLimit_; }
  // Warnings past this many are counted but not kept (generated code can
  // have tens of thousands).
  void setWarningLimit(unsigned limit) { warningLimit_ = limit; }
  unsigned suppressedWarnings() const { return suppressedWarnings_; }

private:
  const source::SourceManager &sources_;
  std::vector<Diagnostic> diags_;
  unsigned errors_ = 0;
  unsigned warnings_ = 0;
  unsigned errorLimit_ = 100;
  unsigned warningLimit_ = 1000;
  unsigned keptWarnings_ = 0;
  unsigned suppressedWarnings_ = 0;
  bool warningsAsErrors_ = false;
  std::set<std::tuple<int, source::FileId, uint32_t, std::string>> seen_;
};

std::string formatMessage(const char *format, const std::vector<std::string> &args);

} // namespace mlpc::diag
