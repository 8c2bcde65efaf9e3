#include "frontend/diag/Diagnostic.h"

#include <algorithm>
#include <fmt/args.h>
#include <fmt/format.h>
#include <tuple>

namespace mlpc::diag {

const std::vector<DiagInfo> &allDiagnostics() {
  static const std::vector<DiagInfo> table = {
#define DIAG(Kind, Sev, Code, Format) {DiagKind::Kind, Severity::Sev, Code, Format, #Kind},
#include "frontend/diag/Diagnostics.def"
  };
  return table;
}

const DiagInfo &info(DiagKind kind) { return allDiagnostics()[static_cast<size_t>(kind)]; }

const DiagInfo *findByCode(std::string_view code) {
  for (const DiagInfo &d : allDiagnostics())
    if (code == d.code)
      return &d;
  return nullptr;
}

std::string formatMessage(const char *format, const std::vector<std::string> &args) {
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  for (const std::string &arg : args)
    store.push_back(arg);
  try {
    return fmt::vformat(format, store);
  } catch (const fmt::format_error &) {
    // A table entry whose placeholders outnumber the arguments: show it raw
    // rather than lose the diagnostic.
    return format;
  }
}

DiagnosticBuilder::~DiagnosticBuilder() {
  if (engine_)
    engine_->add(std::move(diag_));
}

DiagnosticBuilder &DiagnosticBuilder::label(source::SourceRange range, std::string text) {
  if (!diag_.labels.empty() && diag_.labels.front().primary && diag_.labels.front().text.empty())
    diag_.labels.front().text = std::move(text);
  else
    diag_.labels.push_back({range, std::move(text), diag_.labels.empty()});
  return *this;
}

DiagnosticBuilder &DiagnosticBuilder::secondary(source::SourceRange range, std::string text) {
  if (range.valid())
    diag_.labels.push_back({range, std::move(text), false});
  return *this;
}

DiagnosticBuilder &DiagnosticBuilder::note(std::string text) {
  diag_.notes.push_back(std::move(text));
  return *this;
}

DiagnosticBuilder &DiagnosticBuilder::help(std::string text) {
  diag_.helps.push_back({std::move(text), {}});
  return *this;
}

DiagnosticBuilder &DiagnosticBuilder::fixit(std::string text, source::SourceRange range,
                                            std::string replacement) {
  diag_.helps.push_back({std::move(text), {{range, std::move(replacement)}}});
  return *this;
}

DiagnosticBuilder DiagnosticEngine::report(DiagKind kind, source::SourceRange range,
                                           const std::vector<std::string> &args) {
  const DiagInfo &di = info(kind);
  Diagnostic d{kind, di.severity, formatMessage(di.format, args), {}, {}, {}};
  if (range.valid())
    d.labels.push_back({range, "", true});
  return DiagnosticBuilder(this, std::move(d));
}

void DiagnosticEngine::add(Diagnostic diag) {
  if (diag.severity == Severity::Warning && warningsAsErrors_)
    diag.severity = Severity::Error;
  if (diag.severity == Severity::Error && errorLimitReached())
    return; // past the limit: "too many errors" was said when it was reached
  // One mistake, one diagnostic: drop exact repeats (same code, same place).
  source::SourceRange at = diag.primaryRange();
  if (!seen_.insert({static_cast<int>(diag.kind), at.file, at.begin, diag.message}).second)
    return;
  bool error = diag.severity == Severity::Error;
  if (error) {
    ++errors_;
  } else if (diag.severity == Severity::Warning) {
    ++warnings_;
    if (warningLimit_ && keptWarnings_ >= warningLimit_) {
      ++suppressedWarnings_;
      return;
    }
    ++keptWarnings_;
  }
  diags_.push_back(std::move(diag));
  if (error && errorLimitReached())
    diags_.push_back(
        {DiagKind::TooManyErrors,
         Severity::Error,
         formatMessage(info(DiagKind::TooManyErrors).format, {std::to_string(errors_)}),
         {},
         {},
         {{"fix the errors above and run again", {}}}});
}

std::vector<Diagnostic> DiagnosticEngine::sorted() const {
  std::vector<Diagnostic> out = diags_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic &a, const Diagnostic &b) {
    // Diagnostics without a location (e.g. "too many errors") go last.
    auto key = [](const Diagnostic &d) {
      source::SourceRange r = d.primaryRange();
      return std::make_tuple(!r.valid(), r.file, r.begin);
    };
    return key(a) < key(b);
  });
  return out;
}

} // namespace mlpc::diag
