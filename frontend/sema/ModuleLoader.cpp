// Loading modules: the root file, relative file imports and the standard
// library (compiled into the binary), with import cycles reported.
#include "frontend/parse/ParseModule.h"
#include "frontend/sema/Checker.h"
#include "frontend/sema/Stdlib.h"
#include "frontend/sema/Suggest.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace mlpc::sema {

namespace fs = std::filesystem;

namespace {
// Reads a whole file; on failure returns nullopt and sets `error`.
std::optional<std::string> readFile(const std::string &path, std::string &error) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!ec && fs::is_directory(status)) {
    error = "it is a directory";
    return std::nullopt;
  }
  // A FIFO or device could block forever or never end: only plain files.
  if (!ec && !fs::is_regular_file(status)) {
    error = "it is not a regular file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  // Read in chunks, stopping one byte past the parser's limit: enough to
  // report a huge file (or a device that never ends) as too large.
  std::string text;
  char chunk[1 << 16];
  while (in && text.size() <= parse::kMaxSourceBytes) {
    in.read(chunk, sizeof chunk);
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  return text;
}
} // namespace

std::optional<std::string> readSourceFile(const std::string &path, std::string &error) {
  return readFile(path, error);
}

ModuleInfo *Checker::loadFile(const std::string &path, std::optional<std::string> text,
                              SourceRange importedFrom) {
  std::error_code ec;
  std::string canonical = fs::weakly_canonical(path, ec).string();
  if (ec || canonical.empty())
    canonical = path;
  for (size_t i = 0; i < loadStack_.size(); ++i) {
    if (loadStack_[i] != canonical)
      continue;
    std::string chain;
    for (size_t k = i; k < loadStack_.size(); ++k)
      chain += fs::path(loadStack_[k]).filename().string() + " -> ";
    chain += fs::path(canonical).filename().string();
    diags_.report(diag::DiagKind::ImportCycle, importedFrom, {chain})
        .label(importedFrom, "this import closes the cycle")
        .help("move what both files need into a third file that imports neither");
    return nullptr;
  }
  if (auto it = loaded_.find(canonical); it != loaded_.end())
    return it->second;

  if (!text && overlay_)
    if (auto it = overlay_->find(canonical); it != overlay_->end())
      text = it->second;
  if (!text) {
    std::string error;
    text = readFile(path, error);
    if (!text) {
      auto b = diags_.report(diag::DiagKind::CannotReadFile, importedFrom, {path, error});
      if (importedFrom.valid())
        b.label(importedFrom, "imported here");
      b.help("check the path; relative imports are resolved from the importing file's folder");
      return nullptr;
    }
  }
  ModuleInfo &module = p_.modules.emplace_back();
  loaded_[canonical] = &module;
  source::FileId file = p_.sources.add(path, std::move(*text));
  module.ast = parse::parseModule(file, p_.sources, diags_);
  module.name = path;
  module.canonical = canonical;
  module.directory = fs::path(path).parent_path().string();
  loadStack_.push_back(canonical);
  loadImports(module);
  loadStack_.pop_back();
  return &module;
}

ModuleInfo *Checker::loadStd(const std::string &name, SourceRange importedFrom) {
  std::string key = "<std>/" + name;
  if (auto it = loaded_.find(key); it != loaded_.end())
    return it->second;
  const char *text = stdlibSource(name);
  if (!text) {
    std::vector<std::string> names;
    for (const std::string &n : stdlibModuleNames())
      names.push_back(n);
    auto b = diags_.report(diag::DiagKind::UnknownStdModule, importedFrom, {"std." + name});
    b.label(importedFrom, "not in the standard library");
    std::string close = closestMatch(name, names);
    if (!close.empty())
      b.fixit(fmt::format("did you mean `std.{}`?", close), importedFrom, "std." + close);
    else
      b.help(fmt::format("standard modules: std.{}", fmt::join(names, ", std.")));
    return nullptr;
  }
  ModuleInfo &module = p_.modules.emplace_back();
  loaded_[key] = &module;
  source::FileId file = p_.sources.add("<std>/" + name + ".mlp", text);
  module.ast = parse::parseModule(file, p_.sources, diags_);
  module.name = "std." + name;
  module.canonical = key;
  module.isStd = true;
  loadStack_.push_back(key);
  loadImports(module);
  loadStack_.pop_back();
  return &module;
}

void Checker::loadImports(ModuleInfo &module) {
  for (ast::Import &imp : module.ast->imports) {
    ModuleInfo *target = nullptr;
    if (imp.isFile()) {
      fs::path resolved = fs::path(module.directory) / imp.filePath;
      if (module.isStd) {
        diags_.report(diag::DiagKind::CannotReadFile, imp.targetRange,
                      {imp.filePath, "standard modules import only standard modules"});
        continue;
      }
      target = loadFile(resolved.lexically_normal().string(), std::nullopt, imp.targetRange);
    } else if (imp.modulePath.front().text == "std" && imp.modulePath.size() >= 2) {
      std::string name;
      for (size_t i = 1; i < imp.modulePath.size(); ++i)
        name += (i > 1 ? "." : "") + imp.modulePath[i].text;
      target = loadStd(name, imp.targetRange);
    } else {
      diags_.report(diag::DiagKind::UnknownStdModule, imp.targetRange, {imp.spelling()})
          .label(imp.targetRange, "not a module")
          .help("import a standard module as `std.<name>`, or a file as `import \"path.mlp\"`");
    }
    Symbol *sym = p_.newSymbol(SymbolKind::Module, imp.aliasName(),
                               imp.alias ? imp.alias->range : imp.targetRange);
    // A failed import still binds its name, to a module with no members, so
    // its uses are not reported again as unknown names.
    sym->module = target;
    sym->used = !target;
    auto [it, inserted] = module.scope.emplace(sym->name, sym);
    if (!inserted) {
      diags_.report(diag::DiagKind::DuplicateImport, sym->range, {sym->name})
          .label(sym->range, "second import with this name")
          .secondary(it->second->range, "first imported here")
          .help("give one of them another name with `as`");
      continue;
    }
    module.importSymbols.push_back(sym);
  }
}

} // namespace mlpc::sema
