// The checker's diagnostics as LSP Diagnostics: the same ones `mlpc check`
// prints, with secondary labels as related information.
#include "tools/lsp/Features.h"

#include <fmt/format.h>

namespace mlpc::lsp {

namespace {

int severityOf(diag::Severity s) {
  switch (s) {
  case diag::Severity::Error:
    return 1;
  case diag::Severity::Warning:
    return 2;
  case diag::Severity::Note:
    return 3;
  }
  return 1;
}

// The import of the root module through which `file` was loaded (directly or
// through other imports), for errors found in imported files.
const ast::Import *importLeadingTo(const Analysis &a, source::FileId file) {
  const sema::ModuleInfo &root = *a.root();
  for (const sema::Symbol *s : root.importSymbols) {
    std::vector<const sema::ModuleInfo *> todo{s->module};
    std::set<const sema::ModuleInfo *> seen;
    bool found = false;
    while (!todo.empty() && !found) {
      const sema::ModuleInfo *m = todo.back();
      todo.pop_back();
      if (!m || !seen.insert(m).second)
        continue;
      found = m->ast && m->ast->file == file;
      for (const sema::Symbol *inner : m->importSymbols)
        todo.push_back(inner->module);
    }
    if (!found)
      continue;
    for (const ast::Import &imp : root.ast->imports)
      if ((imp.alias ? imp.alias->range : imp.targetRange).begin == s->range.begin)
        return &imp;
  }
  return nullptr;
}

std::string where(const Analysis &a, source::SourceRange r) {
  const source::SourceFile &f = a.program->sources.file(r.file);
  source::LineColumn lc = f.lineColumn(r.begin);
  return fmt::format("{}:{}:{}", f.path(), lc.line, lc.column);
}

} // namespace

json::Array diagnosticsOf(const Analysis &a) {
  json::Array out;
  if (!a.root() || !a.root()->ast)
    return out;
  source::FileId self = a.root()->ast->file;
  for (const diag::Diagnostic &d : a.diags->sorted()) {
    source::SourceRange at = d.primaryRange();
    std::string message = d.message;
    if (at.valid() && at.file != self) {
      // A problem in an imported file: errors are shown on the import (that
      // file's own warnings are for when it is open itself).
      const ast::Import *imp =
          d.severity == diag::Severity::Error ? importLeadingTo(a, at.file) : nullptr;
      if (!imp)
        continue;
      message = fmt::format("in {}: {}", where(a, at), message);
      at = imp->targetRange;
    }
    if (!d.labels.empty() && d.labels.front().primary && !d.labels.front().text.empty())
      message += "\n" + d.labels.front().text;
    json::Array related;
    for (size_t i = 0; i < d.labels.size(); ++i) {
      const diag::Label &l = d.labels[i];
      if (l.primary || !l.range.valid())
        continue;
      std::optional<json::Value> loc = a.location(l.range);
      if (!loc) {
        message += fmt::format("\nnote: {}: {}", where(a, l.range), l.text);
        continue;
      }
      related.push_back(json::Object{{"location", std::move(*loc)}, {"message", jsonText(l.text)}});
    }
    for (const std::string &note : d.notes)
      message += "\nnote: " + note;
    for (const diag::Help &h : d.helps)
      message += "\nhelp: " + h.text;
    json::Object o{{"range", a.range(at.valid() ? at : source::SourceRange{self, 0, 0})},
                   {"severity", severityOf(d.severity)},
                   {"code", d.code()},
                   {"source", "mlpc"},
                   {"message", jsonText(message)}};
    if (!related.empty())
      o["relatedInformation"] = std::move(related);
    out.push_back(std::move(o));
  }
  return out;
}

} // namespace mlpc::lsp
