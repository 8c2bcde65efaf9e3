// The checked program: every module, symbol and signature of one
// compilation. The checker (Checker.h) fills it in; the IR builder reads it.
#pragma once

#include "frontend/ast/Ast.h"
#include "frontend/sema/Types.h"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlpc::sema {

struct ModuleInfo;
struct CallableInfo;
struct TaskInfo;

enum class SymbolKind {
  Module,    // an import alias
  Schema,    // schema declaration or a component's schema type parameter
  Record,    // record declaration
  Artifact,  // artifact type
  Primitive, // int, float, string, bool, list, map, column
  Callable,  // component or pipeline
  Param,     // input of the enclosing component or pipeline
  Output,    // output of the enclosing component (in placeholders)
  Task,      // a call in a pipeline body
  Value,     // `name = expr` that is not a call
  LoopVar,   // `for x in ...`
  Status,    // `finally (status)`
  RunInfo,   // `run`: the pipeline run's own identity (job name, task id, ...)
};

// How a binding made inside control flow is seen outside it.
enum class SymbolView {
  Direct,      // where it was bound
  Collected,   // outside the loop that bound it: a list (fan-in)
  OneOf,       // after an if/else chain that binds it in every branch
  Conditional, // after branches that bind it only sometimes: may be absent
};

struct Symbol {
  SymbolKind kind;
  std::string name;
  SourceRange range;
  const Type *type = nullptr; // value symbols
  const ModuleInfo *module = nullptr;
  const CallableInfo *callable = nullptr;
  const Schema *schema = nullptr;
  const RecordInfo *record = nullptr;
  const ArtifactTypeInfo *artifact = nullptr;
  TaskInfo *task = nullptr;
  int index = -1;                   // Param/Output: position in the signature
  const ast::Expr *value = nullptr; // Value: the bound expression
  SymbolView view = SymbolView::Direct;
  std::vector<const Symbol *>
      alternatives;        // OneOf/Conditional: one per branch; Collected: the inner one
  bool isImplicit = false; // created by the checker (views), not written by the user
  mutable bool used = false;
  void markUsed() const;
};

// "schema", "component", "task", ...: what a symbol is, for messages.
const char *symbolKindName(const Symbol &s);

struct ParamInfo {
  std::string name;
  const Type *type = nullptr;
  const ast::Expr *defaultValue = nullptr;
  bool optional = false; // may be omitted: has a default or a `?` type
  std::string doc;
  SourceRange range;
  bool isArtifact() const { return type->unwrapped()->isArtifact(); }
};

enum class ImplKind { None, Container, Python, Builtin, Importer, Dataflow, Tfx, Pipeline };

struct CallableInfo {
  std::string name;
  std::string qualifiedName; // unique in the program: `std.io.read_csv`, `penguin`
  const ast::CallableDecl *decl = nullptr;
  const ModuleInfo *module = nullptr;
  bool isPipeline = false;
  std::vector<std::string> typeParams;
  std::vector<const Schema *> typeParamSchemas;
  std::vector<ParamInfo> params;
  std::vector<ParamInfo> outputs;
  ImplKind impl = ImplKind::None;
  std::string builtinOp;                    // Builtin
  std::string tfxComponent;                 // Tfx: `CsvExampleGen`, ...
  std::string pythonSource;                 // Python: the file's text, for self-contained IR
  std::string pythonPath;                   // Python: path as written
  const Symbol *dataflowPipeline = nullptr; // Dataflow: optional pipeline it runs
  bool isDataflowJob = false;               // pipeline annotated @dataflow
  int findParam(const std::string &n) const;
  int findOutput(const std::string &n) const;
};

// A call in a pipeline body, with the types its outputs have at this call
// (schemas of generic components bound).
struct TaskInfo {
  std::string name; // unique within its pipeline
  const CallableInfo *callee = nullptr;
  const ast::CallExpr *call = nullptr;
  const ast::TaskOptions *options = nullptr;
  std::vector<const Type *> outputTypes;
  std::vector<const Schema *> schemaArgs; // bound type parameters
  // For each callee parameter, the argument expression (null when defaulted).
  std::vector<const ast::Expr *> args;
  std::vector<const Symbol *> after;
  SourceRange range;
};

struct ModuleInfo {
  std::unique_ptr<ast::Module> ast;
  std::string name;      // `std.io` or the file path as imported
  std::string canonical; // resolved path (or `<std>/io.mlp`)
  std::string directory; // for relative imports and Python files
  bool isStd = false;
  std::map<std::string, const Symbol *> scope; // top-level names, imports included
  std::vector<const Symbol *> importSymbols;
};

// One compilation: owns everything above.
struct Program {
  source::SourceManager sources;
  TypeContext types;
  std::deque<ModuleInfo> modules;
  ModuleInfo *root = nullptr;
  std::deque<Symbol> symbols;
  std::deque<CallableInfo> callables;
  std::deque<TaskInfo> tasks;
  // Per-pipeline statement annotations the IR builder needs.
  std::map<const ast::Stmt *, const Symbol *> stmtSymbols;

  Symbol *newSymbol(SymbolKind kind, std::string name, SourceRange range) {
    Symbol &s = symbols.emplace_back();
    s.kind = kind;
    s.name = std::move(name);
    s.range = range;
    return &s;
  }
  // Pipelines and components of the root module, in declaration order.
  std::vector<const CallableInfo *> rootCallables() const;
};

} // namespace mlpc::sema
