// The checker: loads modules (following imports, detecting cycles), declares
// their names, resolves types and signatures, then checks component bodies
// and pipeline bodies. All problems go to the DiagnosticEngine; a mistake is
// reported once and its result typed as the error type, so it does not
// cascade.
#pragma once

#include "frontend/diag/Diagnostic.h"
#include "frontend/sema/Program.h"

#include <optional>
#include <set>

namespace mlpc::sema {

struct Scope;

class Checker {
public:
  Checker(Program &program, diag::DiagnosticEngine &diags) : p_(program), diags_(diags) {}

  // Loads the file at `path` (or `text` when given, for editors) and all it
  // imports, and checks everything. Returns false if any error was reported.
  bool run(const std::string &path, std::optional<std::string> text = std::nullopt);

  // Editors: texts of open files by canonical path. An import of one of them
  // reads this text (saved or not) instead of the file on disk.
  void setOverlay(const std::map<std::string, std::string> *files) { overlay_ = files; }

private:
  // Modules (ModuleLoader.cpp).
  ModuleInfo *loadFile(const std::string &path, std::optional<std::string> text,
                       SourceRange importedFrom);
  ModuleInfo *loadStd(const std::string &name, SourceRange importedFrom);
  void loadImports(ModuleInfo &module);
  std::vector<std::string> loadStack_;
  std::map<std::string, ModuleInfo *> loaded_;
  const std::map<std::string, std::string> *overlay_ = nullptr;

  // Declarations and types (Declarations.cpp).
  void declareModule(ModuleInfo &module);
  void resolveArtifactTypes(ModuleInfo &module);
  void resolveSchemasAndRecords(ModuleInfo &module);
  void resolveSignatures(ModuleInfo &module);
  const Symbol *lookupQualified(const ModuleInfo &module, const std::vector<ast::Name> &path,
                                bool reportErrors);
  const Type *resolveType(const ast::TypeExpr &type, const ModuleInfo &module,
                          const CallableInfo *generic);
  const Schema *resolveSchemaArg(const ast::TypeExpr &type, const ModuleInfo &module,
                                 const CallableInfo *generic);
  const Schema *inlineSchema(const std::vector<ast::Field> &fields, const ModuleInfo &module,
                             const std::string &name, SourceRange range);
  void checkArtifactCycles();
  void checkRecordCycles();

  // Component bodies (Components.cpp).
  void checkComponent(CallableInfo &component);
  void checkContainer(CallableInfo &component, const ast::Property &block, Scope &scope);
  void checkPython(CallableInfo &component, const ast::Property &block);
  void checkImporter(CallableInfo &component, const ast::Property &block, Scope &scope);
  void checkDataflow(CallableInfo &component, const ast::Property &block);
  void checkDataflowAnnotation(const ast::Annotation &annotation);
  void checkDataflowTask(const TaskInfo &task, const CallableInfo &pipeline);
  void checkPlaceholder(const ast::Expr &expr, Scope &scope);
  // Task options shared by component bodies and `with { ... }`.
  bool checkOption(const ast::Property &prop, bool inTask, Scope *scope);
  void checkOptionBlock(const ast::Property &prop, const char *what,
                        const std::vector<std::pair<const char *, const char *>> &allowed,
                        Scope *scope);
  void checkPropertyValue(const ast::Property &prop, const char *kind, Scope *scope);
  void checkConstantValue(const ast::Name &name, const ast::Expr &value, const char *kind,
                          Scope *scope);
  bool firstSetting(std::set<std::string> &seen, const ast::Property &prop);
  void reportUnknownProperty(const ast::Property &prop, const char *where,
                             const std::vector<std::string> &known);
  void warnUnusedParams(const CallableInfo &callable, Scope &scope);
  bool isOptionalInput(const Symbol *sym) const;

  // Pipeline bodies and expressions (Pipelines.cpp).
  void checkPipeline(CallableInfo &pipeline);
  void checkBlock(const ast::Block &block, Scope &scope, CallableInfo &pipeline, bool topLevel);
  void checkStmt(const ast::Stmt &stmt, Scope &scope, CallableInfo &pipeline, bool topLevel);
  TaskInfo *checkCall(const ast::CallExpr &call, Scope &scope, const ast::TaskOptions *options,
                      const std::string &taskName);
  void checkTaskOptions(const ast::TaskOptions &options, TaskInfo *task, Scope &scope);
  const Type *checkExpr(const ast::Expr &expr, Scope &scope, const Type *expected = nullptr);
  const Type *checkName(const ast::NameRef &ref, Scope &scope);
  const Type *checkMember(const ast::MemberExpr &expr, Scope &scope);
  const Type *checkColumnArg(const ast::Expr &expr, const Schema *schema, const Type *expected);
  const Type *valueTypeOf(const Symbol &symbol, SourceRange at);
  const Type *taskOutputType(const Symbol &task, int output);
  void expectAssignable(const Type *from, const Type *to, const ast::Expr &expr,
                        const std::string &target, SourceRange targetRange);
  void checkRecursion();
  const Type *memberOfTask(const Symbol &task, const ast::Name &member);
  const Type *substitute(const Type *type, const TaskInfo &task);
  const Schema *applySchemaOps(const Schema *param, const TaskInfo &task);
  bool bindName(Scope &scope, const Symbol *symbol, SourceRange range);
  void bindView(Scope &scope, const Symbol *view);
  void mergeBranches(const std::vector<Scope *> &branches, bool exhaustive, Scope &outer);

  // Per-pipeline state.
  CallableInfo *currentPipeline_ = nullptr;
  std::vector<std::pair<const Symbol *, const ast::Stmt *>> bindings_;
  const ast::Stmt *finally_ = nullptr;
  const ast::ReturnStmt *return_ = nullptr;

  // Helpers.
  const Symbol *callableSymbol(const ast::Expr &callee, Scope &scope);
  std::vector<std::string> scopeNames(Scope &scope) const;

  Program &p_;
  diag::DiagnosticEngine &diags_;
  std::map<const ast::Decl *, CallableInfo *> callableOf_;
  std::map<const CallableInfo *, std::vector<std::pair<const CallableInfo *, SourceRange>>>
      callGraph_;
};

} // namespace mlpc::sema
