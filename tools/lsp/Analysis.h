// One check of a document (with everything it imports), and what lies at a
// position in it: the shared ground of hover, go to definition and
// completion.
#pragma once

#include "frontend/diag/Diagnostic.h"
#include "frontend/sema/Program.h"
#include "tools/lsp/Documents.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace mlpc::lsp {

// Texts of open documents by canonical path: an import of an open file reads
// the editor's text, saved or not.
using Overlay = std::map<std::string, std::string>;

// The path the checker keys modules by.
std::string canonicalPath(const std::string &path);

struct Analysis {
  std::unique_ptr<sema::Program> program;
  std::unique_ptr<diag::DiagnosticEngine> diags;
  // Each call of a pipeline body, with what the checker learnt about it.
  std::map<const ast::CallExpr *, const sema::TaskInfo *> taskOf;
  // Canonical paths of the files this check read (the document's own too):
  // a change to one of them calls for a new check.
  std::set<std::string> files;
  // The document's URI as the client gave it (its path may be no file).
  std::string uri;

  const sema::ModuleInfo *root() const { return program->root; }
  // The LSP range of a source range (in whichever loaded file it lies).
  json::Value range(source::SourceRange r) const;
  // A `Location`, or nullopt for a place that is not a real file on disk (the
  // standard library is compiled into mlpc).
  std::optional<json::Value> location(source::SourceRange r) const;
  // The source text of a range on one line (line breaks read as a space).
  std::string text(source::SourceRange r) const;

private:
  mutable std::map<source::FileId, std::unique_ptr<LineIndex>> lines_;
};

// Checks `text` as the document `doc` (its URI and path; not its text).
std::unique_ptr<Analysis> analyze(const Document &doc, std::string text, const Overlay &overlay);

// What the word at a position stands for.
struct Target {
  enum class Kind {
    None,
    Symbol,    // a binding, loop variable, status or `run` (symbol)
    Module,    // an import (symbol; module is null when it failed to load)
    Schema,    // schema (symbol may be null for a derived schema)
    Record,    // record
    Artifact,  // artifact type, built-in or declared
    Primitive, // int, float, list, ... (name)
    TypeParam, // a component's schema parameter (callable, index)
    Callable,  // component or pipeline (callable; task when at a call)
    Param,     // parameter (callable, index; task when a named argument)
    Output,    // output (callable, index; task when `task.output`)
    Column,    // schema column (schema, column)
    Field,     // record field (record, field)
  };
  Kind kind = Kind::None;
  source::SourceRange range; // the word under the cursor
  const sema::Symbol *symbol = nullptr;
  const sema::ModuleInfo *module = nullptr;
  const sema::Schema *schema = nullptr;
  const sema::Column *column = nullptr;
  const sema::RecordInfo *record = nullptr;
  const sema::RecordField *field = nullptr;
  const sema::ArtifactTypeInfo *artifact = nullptr;
  const sema::CallableInfo *callable = nullptr;
  const sema::TaskInfo *task = nullptr;
  const sema::Type *type = nullptr; // the type at this use, when the checker knows it
  int index = -1;
  std::string name;
  bool atDeclaration = false; // the cursor is on the import or declaration itself
};

// The target at byte `offset` of the document's root module.
Target locate(const Analysis &analysis, uint32_t offset);

// What a symbol stands for, as a Target.
Target targetOf(const sema::Symbol &symbol);

// A name in `module`'s top-level scope, or a member of an imported module
// (`io.read_csv` is {"io", "read_csv"}).
const sema::Symbol *lookupPath(const sema::ModuleInfo &module,
                               const std::vector<std::string> &path);

// The declaration whose name is at `name` (for its doc comment), or null.
const ast::Decl *declarationAt(const Analysis &analysis, source::SourceRange name);

// The declared field of a parameter or output (for its type as written).
const ast::Field *fieldOf(const sema::CallableInfo &callable, const sema::ParamInfo &param);

// The call-site view of a task symbol: its direct binding (a loop or branch
// view refers to one).
const sema::Symbol *directTask(const sema::Symbol *task);

} // namespace mlpc::lsp
