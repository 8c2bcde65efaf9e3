// Checking a document, and the small lookups the features share.
#include "tools/lsp/Analysis.h"

#include "frontend/sema/Checker.h"

#include <cctype>
#include <filesystem>

namespace mlpc::lsp {

using source::SourceRange;

std::string canonicalPath(const std::string &path) {
  std::error_code ec;
  std::string canonical = std::filesystem::weakly_canonical(path, ec).string();
  return ec || canonical.empty() ? path : canonical;
}

std::unique_ptr<Analysis> analyze(const Document &doc, std::string text, const Overlay &overlay) {
  auto a = std::make_unique<Analysis>();
  a->uri = doc.uri;
  a->program = std::make_unique<sema::Program>();
  a->diags = std::make_unique<diag::DiagnosticEngine>(a->program->sources);
  sema::Checker checker(*a->program, *a->diags);
  checker.setOverlay(&overlay);
  checker.run(doc.path, std::move(text));
  for (const sema::TaskInfo &t : a->program->tasks)
    if (t.call)
      a->taskOf[t.call] = &t;
  for (const sema::ModuleInfo &m : a->program->modules)
    if (!m.isStd)
      a->files.insert(m.canonical);
  return a;
}

json::Value Analysis::range(SourceRange r) const {
  if (!r.valid() || r.file >= program->sources.size())
    return json::Object{{"start", toJson({0, 0})}, {"end", toJson({0, 0})}};
  std::unique_ptr<LineIndex> &index = lines_[r.file];
  if (!index)
    index = std::make_unique<LineIndex>(program->sources.file(r.file).text());
  return json::Object{{"start", toJson(index->positionAt(r.begin))},
                      {"end", toJson(index->positionAt(std::max(r.begin, r.end)))}};
}

std::optional<json::Value> Analysis::location(SourceRange r) const {
  if (!r.valid() || r.file >= program->sources.size())
    return std::nullopt;
  const std::string &path = program->sources.file(r.file).path();
  if (path.rfind("<std>", 0) == 0)
    return std::nullopt;
  bool self = root() && root()->ast && r.file == root()->ast->file;
  return json::Value(
      json::Object{{"uri", jsonText(self ? uri : pathToUri(path))}, {"range", range(r)}});
}

std::string Analysis::text(SourceRange r) const {
  if (!r.valid() || r.file >= program->sources.size())
    return "";
  const std::string &all = program->sources.file(r.file).text();
  std::string_view src = std::string_view(all).substr(std::min<size_t>(r.begin, all.size()));
  src = src.substr(0, r.end > r.begin ? r.end - r.begin : 0);
  // A line break and the indentation around it read as one space.
  std::string out;
  for (size_t i = 0; i < src.size(); ++i) {
    if (src[i] != '\n' && src[i] != '\r') {
      out.push_back(src[i]);
      continue;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t'))
      out.pop_back();
    while (i + 1 < src.size() && std::isspace(static_cast<unsigned char>(src[i + 1])))
      ++i;
    out.push_back(' ');
  }
  return out;
}

const sema::Symbol *lookupPath(const sema::ModuleInfo &module,
                               const std::vector<std::string> &path) {
  const sema::ModuleInfo *scope = &module;
  const sema::Symbol *sym = nullptr;
  for (const std::string &name : path) {
    if (!scope)
      return nullptr;
    auto it = scope->scope.find(name);
    if (it == scope->scope.end())
      return nullptr;
    sym = it->second;
    scope = sym->kind == sema::SymbolKind::Module ? sym->module : nullptr;
  }
  return sym;
}

const ast::Decl *declarationAt(const Analysis &analysis, SourceRange name) {
  if (!name.valid())
    return nullptr;
  for (const sema::ModuleInfo &m : analysis.program->modules)
    if (m.ast && m.ast->file == name.file)
      for (const ast::DeclPtr &d : m.ast->decls)
        if (d->name.range.begin == name.begin)
          return d.get();
  return nullptr;
}

const ast::Field *fieldOf(const sema::CallableInfo &c, const sema::ParamInfo &p) {
  if (!c.decl)
    return nullptr;
  for (const std::vector<ast::Field> *list : {&c.decl->params, &c.decl->outputs})
    for (const ast::Field &f : *list)
      if (f.name.range.begin == p.range.begin && f.name.range.file == p.range.file)
        return &f;
  return nullptr;
}

const sema::Symbol *directTask(const sema::Symbol *task) {
  while (task && task->view != sema::SymbolView::Direct)
    task = task->alternatives.empty() ? nullptr : task->alternatives.front();
  return task;
}

Target targetOf(const sema::Symbol &s) {
  using K = sema::SymbolKind;
  Target t;
  t.symbol = &s;
  t.name = s.name;
  t.type = s.type;
  switch (s.kind) {
  case K::Module:
    t.kind = Target::Kind::Module;
    t.module = s.module;
    break;
  case K::Schema:
    t.kind = Target::Kind::Schema;
    t.schema = s.schema;
    break;
  case K::Record:
    t.kind = Target::Kind::Record;
    t.record = s.record;
    break;
  case K::Artifact:
    t.kind = Target::Kind::Artifact;
    t.artifact = s.artifact;
    break;
  case K::Primitive:
    t.kind = Target::Kind::Primitive;
    break;
  case K::Callable:
    t.kind = Target::Kind::Callable;
    t.callable = s.callable;
    break;
  case K::Param:
  case K::Output:
    t.kind = s.kind == K::Param ? Target::Kind::Param : Target::Kind::Output;
    t.callable = s.callable;
    t.index = s.index;
    if (!t.callable)
      t.kind = Target::Kind::Symbol;
    break;
  default:
    t.kind = Target::Kind::Symbol;
    break;
  }
  return t;
}

} // namespace mlpc::lsp
