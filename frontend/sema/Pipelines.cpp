// Pipeline bodies: bindings, calls and their arguments (with schema
// inference for generic components), control flow and its visibility rules,
// and expressions.
#include "frontend/sema/Checker.h"
#include "frontend/sema/Scope.h"
#include "frontend/sema/Suggest.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <functional>
#include <llvm/Support/Casting.h>
#include <set>

namespace mlpc::sema {

using diag::DiagKind;

namespace {
// Column names written in an argument: `[a, b]`, `a`, or strings.
// `island` and "Biscoe" give `island_Biscoe`; characters a name cannot
// hold become `_`, so every column stays addressable by name.
std::string oneHotColumnName(const std::string &column, const std::string &value) {
  std::string name = column + "_";
  for (char ch : value)
    name += std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ? ch : '_';
  return name;
}

std::vector<std::string> columnNames(const ast::Expr *e) {
  std::vector<std::string> names;
  if (!e)
    return names;
  auto one = [&](const ast::Expr *x) {
    if (auto *r = llvm::dyn_cast<ast::NameRef>(x))
      names.push_back(r->name);
    else if (auto *s = llvm::dyn_cast<ast::StringLit>(x); s && s->isPlain())
      names.push_back(s->plainText());
  };
  if (auto *l = llvm::dyn_cast<ast::ListExpr>(e))
    for (const ast::ExprPtr &el : l->elements)
      one(el.get());
  else
    one(e);
  return names;
}
} // namespace

std::vector<std::string> Checker::scopeNames(Scope &scope) const {
  std::vector<std::string> names;
  for (const Scope *s = &scope; s; s = s->parent)
    for (auto &[n, sym] : s->names)
      names.push_back(n);
  for (auto &[n, sym] : scope.module.scope)
    names.push_back(n);
  return names;
}

void Checker::checkPipeline(CallableInfo &c) {
  auto *decl = llvm::cast<ast::PipelineDecl>(c.decl);
  currentPipeline_ = &c;
  bindings_.clear();
  finally_ = nullptr;
  return_ = nullptr;
  Scope top(Scope::Kind::Pipeline, nullptr, *c.module);
  for (size_t i = 0; i < c.params.size(); ++i) {
    Symbol *s = p_.newSymbol(SymbolKind::Param, c.params[i].name, c.params[i].range);
    s->type = c.params[i].type;
    s->index = static_cast<int>(i);
    s->callable = &c;
    top.bind(s);
  }
  // `run.job_name`, `run.task_id`, ...: known when the run starts. A parameter
  // or binding named `run` takes the name instead.
  if (!top.findLocal("run")) {
    Symbol *run = p_.newSymbol(SymbolKind::RunInfo, "run", decl->name.range);
    run->type = p_.types.runInfo();
    run->isImplicit = true;
    run->used = true;
    top.bind(run);
  }
  for (const ast::StmtPtr &stmt : decl->body.stmts)
    if (auto *b = llvm::dyn_cast<ast::BindStmt>(stmt.get()))
      top.later.emplace(b->name.text, b->name.range);
  checkBlock(decl->body, top, c, true);

  if (!c.outputs.empty()) {
    std::set<std::string> returned;
    if (return_)
      for (size_t i = 0; i < return_->values.size(); ++i) {
        const ast::Arg &a = return_->values[i];
        returned.insert(a.name ? a.name->text : i < c.outputs.size() ? c.outputs[i].name : "");
      }
    for (const ParamInfo &out : c.outputs)
      if (!returned.count(out.name))
        diags_
            .report(DiagKind::OutputNotReturned, return_ ? return_->range : decl->name.range,
                    {c.name, out.name})
            .label(return_ ? return_->range : decl->name.range,
                   return_ ? "`" + out.name + "` is missing here" : "this pipeline has no `return`")
            .secondary(out.range, "output declared here")
            .help(fmt::format("return it: `return ({}: ...)`", out.name));
  }
  for (auto &[sym, stmt] : bindings_) {
    if (sym->used || sym->name.empty() || sym->name[0] == '_')
      continue;
    auto *bind = llvm::dyn_cast<ast::BindStmt>(stmt);
    auto b = diags_.report(DiagKind::UnusedBinding, sym->range, {sym->name});
    b.label(sym->range, sym->kind == SymbolKind::Task ? "the task runs, but its outputs are unused"
                                                      : "never read");
    if (bind && sym->kind == SymbolKind::Task)
      b.fixit("call it without a name",
              {sym->range.file, bind->range.begin, bind->value->range.begin}, "");
  }
  warnUnusedParams(c, top);
  currentPipeline_ = nullptr;
}

void Checker::checkBlock(const ast::Block &block, Scope &scope, CallableInfo &pipeline,
                         bool topLevel) {
  for (const ast::StmtPtr &stmt : block.stmts) {
    if (diags_.errorLimitReached())
      return;
    checkStmt(*stmt, scope, pipeline, topLevel);
  }
}

bool Checker::bindName(Scope &scope, const Symbol *symbol, SourceRange range) {
  if (const Symbol *local = scope.findLocal(symbol->name)) {
    if (!local->isImplicit) {
      diags_.report(DiagKind::DuplicateDefinition, range, {symbol->name})
          .label(range, "bound again here")
          .secondary(local->range, "first bound here")
          .help("choose a new name; bindings cannot be reassigned");
      return false;
    }
  } else if (const Symbol *outer = scope.lookup(symbol->name)) {
    diags_.report(DiagKind::Shadowing, range, {symbol->name, symbolKindName(*outer)})
        .label(range, "hides the earlier one here")
        .secondary(outer->range, "earlier definition")
        .help("rename it to keep both usable");
  }
  for (Scope *s = &scope; s; s = s->parent)
    s->later.erase(symbol->name);
  scope.bind(symbol);
  return true;
}

void Checker::checkStmt(const ast::Stmt &stmt, Scope &scope, CallableInfo &pipeline,
                        bool topLevel) {
  switch (stmt.kind) {
  case ast::StmtKind::Bind: {
    auto &s = llvm::cast<ast::BindStmt>(stmt);
    auto *call = llvm::dyn_cast<ast::CallExpr>(s.value.get());
    const Symbol *callee = call ? callableSymbol(*call->callee, scope) : nullptr;
    Symbol *sym = nullptr;
    if (callee && callee->kind == SymbolKind::Callable) {
      TaskInfo *task = checkCall(*call, scope, &s.options, s.name.text);
      sym = p_.newSymbol(SymbolKind::Task, s.name.text, s.name.range);
      sym->task = task;
    } else {
      if (s.options.present)
        diags_.report(DiagKind::OptionNotAllowed, s.options.range, {"with", "a value binding"})
            .label(s.options.range, "task options apply to component and pipeline calls");
      sym = p_.newSymbol(SymbolKind::Value, s.name.text, s.name.range);
      sym->type = checkExpr(*s.value, scope);
      sym->value = s.value.get();
    }
    const_cast<ast::BindStmt &>(s).symbol = sym;
    p_.stmtSymbols[&stmt] = sym;
    if (bindName(scope, sym, s.name.range))
      bindings_.push_back({sym, &stmt}); // a rejected rebinding is not also "unused"
    return;
  }
  case ast::StmtKind::Expr: {
    auto &s = llvm::cast<ast::ExprStmt>(stmt);
    auto *call = llvm::dyn_cast<ast::CallExpr>(s.value.get());
    const Symbol *callee = call ? callableSymbol(*call->callee, scope) : nullptr;
    if (!callee || callee->kind != SymbolKind::Callable) {
      if (call && !callee)
        checkExpr(*call->callee, scope); // reports the unknown name
      else if (call)
        diags_.report(DiagKind::NotCallable, call->callee->range, {callee->name})
            .label(call->callee->range, std::string("a ") + symbolKindName(*callee));
      else {
        checkExpr(*s.value, scope);
        diags_.report(DiagKind::NotAStatement, s.value->range)
            .label(s.value->range, "")
            .help("bind it to a name (`x = ...`) if you need it later");
      }
      return;
    }
    TaskInfo *task = checkCall(*call, scope, &s.options, callee->name);
    Symbol *sym = p_.newSymbol(SymbolKind::Task, callee->name, call->callee->range);
    sym->task = task;
    sym->isImplicit = true;
    const_cast<ast::ExprStmt &>(s).symbol = sym;
    p_.stmtSymbols[&stmt] = sym;
    return;
  }
  case ast::StmtKind::If: {
    auto &s = llvm::cast<ast::IfStmt>(stmt);
    std::vector<std::unique_ptr<Scope>> scopes;
    bool exhaustive = false;
    for (const ast::IfBranch &branch : s.branches) {
      if (branch.condition) {
        const Type *t = checkExpr(*branch.condition, scope, p_.types.boolType());
        if (!t->isError() && t->kind != TypeKind::Bool)
          diags_.report(DiagKind::ConditionNotBool, branch.condition->range, {t->spelling()})
              .label(branch.condition->range, "not a `bool`")
              .help("compare it, e.g. `x > 0` or `x == \"yes\"`");
      } else {
        exhaustive = true;
      }
      scopes.push_back(std::make_unique<Scope>(Scope::Kind::Branch, &scope, scope.module));
      checkBlock(branch.body, *scopes.back(), pipeline, false);
    }
    std::vector<Scope *> raw;
    for (auto &sc : scopes)
      raw.push_back(sc.get());
    mergeBranches(raw, exhaustive, scope);
    return;
  }
  case ast::StmtKind::For: {
    auto &s = llvm::cast<ast::ForStmt>(stmt);
    const Type *iter = checkExpr(*s.iterable, scope);
    const Type *elem = p_.types.error();
    if (iter->kind == TypeKind::List)
      elem = iter->elem;
    else if (!iter->isError())
      diags_.report(DiagKind::NotIterable, s.iterable->range, {iter->spelling()})
          .label(s.iterable->range, "not a list")
          .help("loop over a list literal, a list parameter or a task's list output");
    if (s.parallelism) {
      auto *lit = llvm::dyn_cast<ast::IntLit>(s.parallelism.get());
      if (!lit || lit->value <= 0)
        diags_.report(DiagKind::BadParallelism, s.parallelism->range)
            .label(s.parallelism->range, "expected a positive integer such as `4`");
      else
        const_cast<ast::Expr &>(*s.parallelism).type = p_.types.intType();
    }
    Scope body(Scope::Kind::Loop, &scope, scope.module);
    Symbol *var = p_.newSymbol(SymbolKind::LoopVar, s.variable.text, s.variable.range);
    var->type = elem;
    var->used = true; // an unused loop variable still drives the loop
    const_cast<ast::ForStmt &>(s).symbol = var;
    bindName(body, var, s.variable.range);
    checkBlock(s.body, body, pipeline, false);
    // Tasks bound in the loop are lists outside it (fan-in).
    for (const Symbol *inner : body.order) {
      if (inner->kind != SymbolKind::Task)
        continue;
      Symbol *outer = p_.newSymbol(SymbolKind::Task, inner->name, inner->range);
      outer->view = SymbolView::Collected;
      outer->alternatives = {inner};
      outer->isImplicit = true;
      bindView(scope, outer);
    }
    return;
  }
  case ast::StmtKind::Finally: {
    auto &s = llvm::cast<ast::FinallyStmt>(stmt);
    if (!topLevel || finally_) {
      diags_
          .report(DiagKind::MisplacedStatement, s.keywordRange,
                  {"finally",
                   finally_ ? "appears more than once" : "must be at the top level of a pipeline"})
          .label(s.keywordRange, "")
          .help("one `finally` block per pipeline, directly in its body");
    }
    if (topLevel && !finally_)
      finally_ = &stmt;
    Scope body(Scope::Kind::Finally, &scope, scope.module);
    if (s.status) {
      Symbol *st = p_.newSymbol(SymbolKind::Status, s.status->text, s.status->range);
      st->type = p_.types.taskFinalStatus();
      st->used = true;
      const_cast<ast::FinallyStmt &>(s).symbol = st;
      bindName(body, st, s.status->range);
    }
    checkBlock(s.body, body, pipeline, false);
    return;
  }
  case ast::StmtKind::Return: {
    auto &s = llvm::cast<ast::ReturnStmt>(stmt);
    if (!topLevel || return_) {
      diags_
          .report(DiagKind::MisplacedStatement, s.range,
                  {"return",
                   return_ ? "appears more than once" : "must be at the top level of a pipeline"})
          .label(s.range, "")
          .help("return every output once, at the end of the pipeline body");
    }
    if (topLevel && !return_)
      return_ = &s;
    std::set<std::string> seen;
    for (size_t i = 0; i < s.values.size(); ++i) {
      const ast::Arg &a = s.values[i];
      int index = a.name ? pipeline.findOutput(a.name->text)
                         : (i < pipeline.outputs.size() ? static_cast<int>(i) : -1);
      if (index < 0) {
        checkExpr(*a.value, scope);
        std::vector<std::string> names;
        for (const ParamInfo &o : pipeline.outputs)
          names.push_back(o.name);
        SourceRange at = a.name ? a.name->range : a.range;
        auto b = diags_.report(DiagKind::UnknownOutput, at,
                               {pipeline.name, a.name ? a.name->text : std::to_string(i + 1)});
        b.label(at, "not a declared output");
        std::string close = a.name ? closestMatch(a.name->text, names) : "";
        if (!close.empty())
          b.fixit(fmt::format("did you mean `{}`?", close), at, close);
        else
          b.help("declare outputs after the parameters: `pipeline p(...) -> (name: Type)`");
        continue;
      }
      const ParamInfo &out = pipeline.outputs[index];
      if (!seen.insert(out.name).second) {
        diags_.report(DiagKind::DuplicateArgument, a.range, {out.name}).label(a.range, "");
        continue;
      }
      const Type *t = checkExpr(*a.value, scope, out.type);
      expectAssignable(t, out.type, *a.value, "output `" + out.name + "`", out.range);
    }
    return;
  }
  }
}

// Binds a control-flow view of an inner binding after the loop or branches
// that made it; a later view of the same name replaces an earlier one.
void Checker::bindView(Scope &scope, const Symbol *view) {
  const Symbol *existing = scope.lookup(view->name);
  if (!existing || (existing->isImplicit && scope.findLocal(view->name) == existing))
    scope.bind(view);
}

void Checker::mergeBranches(const std::vector<Scope *> &branches, bool exhaustive, Scope &outer) {
  // Names in branch order of first appearance.
  std::vector<std::string> names;
  for (Scope *b : branches)
    for (const Symbol *s : b->order)
      if (s->kind == SymbolKind::Task &&
          std::find(names.begin(), names.end(), s->name) == names.end())
        names.push_back(s->name);
  for (const std::string &name : names) {
    std::vector<const Symbol *> alts;
    for (Scope *b : branches)
      if (const Symbol *s = b->findLocal(name); s && s->kind == SymbolKind::Task)
        alts.push_back(s);
    Symbol *merged = p_.newSymbol(SymbolKind::Task, name, alts.front()->range);
    merged->view =
        exhaustive && alts.size() == branches.size() ? SymbolView::OneOf : SymbolView::Conditional;
    merged->alternatives = alts;
    merged->isImplicit = true;
    bindView(outer, merged);
  }
}

const Symbol *Checker::callableSymbol(const ast::Expr &callee, Scope &scope) {
  if (auto *ref = llvm::dyn_cast<ast::NameRef>(&callee))
    return ref->name.empty() ? nullptr : scope.lookup(ref->name);
  if (auto *mem = llvm::dyn_cast<ast::MemberExpr>(&callee)) {
    auto *base = llvm::dyn_cast<ast::NameRef>(mem->base.get());
    const Symbol *mod = base ? scope.lookup(base->name) : nullptr;
    if (!mod || mod->kind != SymbolKind::Module || !mod->module)
      return nullptr;
    auto it = mod->module->scope.find(mem->member.text);
    if (it == mod->module->scope.end() || it->second->kind == SymbolKind::Module)
      return nullptr;
    return it->second;
  }
  return nullptr;
}

TaskInfo *Checker::checkCall(const ast::CallExpr &call, Scope &scope,
                             const ast::TaskOptions *options, const std::string &taskName) {
  const Symbol *calleeSym = callableSymbol(*call.callee, scope);
  const CallableInfo &callee = *calleeSym->callable;
  calleeSym->markUsed();
  if (auto *mem = llvm::dyn_cast<ast::MemberExpr>(call.callee.get()))
    if (auto *base = llvm::dyn_cast<ast::NameRef>(mem->base.get()))
      if (const Symbol *mod = scope.lookup(base->name))
        mod->markUsed();
  if (callee.isPipeline && currentPipeline_)
    callGraph_[currentPipeline_].push_back({&callee, call.callee->range});

  TaskInfo &task = p_.tasks.emplace_back();
  task.name = taskName;
  task.callee = &callee;
  task.call = &call;
  task.options = options;
  task.range = call.range;
  task.args.assign(callee.params.size(), nullptr);
  task.schemaArgs.assign(callee.typeParams.size(), nullptr);

  // Explicit schema arguments: `io.read_csv<Penguin>(...)`.
  if (!call.typeArgs.empty()) {
    if (call.typeArgs.size() != callee.typeParams.size()) {
      diags_
          .report(DiagKind::WrongTypeArgCount, call.callee->range,
                  {callee.name, std::to_string(callee.typeParams.size()),
                   std::to_string(call.typeArgs.size())})
          .label(call.callee->range, "")
          .secondary(callee.decl->name.range, "declared here");
    } else {
      for (size_t i = 0; i < call.typeArgs.size(); ++i)
        task.schemaArgs[i] = resolveSchemaArg(*call.typeArgs[i], scope.module, nullptr);
    }
  }

  // Match arguments to parameters.
  bool sawNamed = false;
  size_t positional = 0;
  std::vector<std::string> paramNames;
  for (const ParamInfo &pi : callee.params)
    paramNames.push_back(pi.name);
  std::vector<const ast::Arg *> argOf(callee.params.size(), nullptr);
  for (const ast::Arg &a : call.args) {
    int index;
    if (a.name) {
      sawNamed = true;
      index = callee.findParam(a.name->text);
      if (index < 0) {
        checkExpr(*a.value, scope);
        auto b =
            diags_.report(DiagKind::UnknownArgument, a.name->range, {callee.name, a.name->text});
        b.label(a.name->range, "unknown parameter");
        std::string close = closestMatch(a.name->text, paramNames);
        if (!close.empty())
          b.fixit(fmt::format("did you mean `{}`?", close), a.name->range, close);
        else
          b.help(fmt::format("`{}` takes: {}", callee.name, fmt::join(paramNames, ", ")));
        b.secondary(callee.decl->name.range, "declared here");
        continue;
      }
    } else {
      if (sawNamed) {
        diags_.report(DiagKind::PositionalAfterNamed, a.range)
            .label(a.range, "positional")
            .help("name this argument, or move it before the named ones");
        checkExpr(*a.value, scope);
        continue;
      }
      index = static_cast<int>(positional++);
      if (index >= static_cast<int>(callee.params.size())) {
        diags_
            .report(DiagKind::TooManyArguments, a.range,
                    {callee.name, std::to_string(callee.params.size()),
                     std::to_string(call.args.size())})
            .label(a.range, "extra argument")
            .secondary(callee.decl->name.range, "declared here");
        checkExpr(*a.value, scope);
        continue;
      }
    }
    if (argOf[index]) {
      diags_.report(DiagKind::DuplicateArgument, a.range, {callee.params[index].name})
          .label(a.range, "given again here")
          .secondary(argOf[index]->range, "first given here");
      continue;
    }
    argOf[index] = &a;
    task.args[index] = a.value.get();
  }

  // Infer schema parameters from dataset arguments.
  std::vector<const Type *> argTypes(callee.params.size(), nullptr);
  for (size_t i = 0; i < callee.params.size(); ++i) {
    const Type *pt = callee.params[i].type->unwrapped();
    if (pt->kind == TypeKind::List)
      pt = pt->elem->unwrapped();
    if (!argOf[i] || !pt->isArtifact() || !pt->schema || pt->schema->kind != Schema::Kind::Param)
      continue;
    const Type *at = checkExpr(*argOf[i]->value, scope);
    argTypes[i] = at;
    const Type *inner = at->unwrapped();
    if (inner->kind == TypeKind::List)
      inner = inner->elem->unwrapped();
    int tp = pt->schema->paramIndex;
    if (inner->isArtifact() && inner->schema && !task.schemaArgs[tp])
      task.schemaArgs[tp] = inner->schema;
  }
  for (size_t i = 0; i < task.schemaArgs.size(); ++i) {
    if (task.schemaArgs[i])
      continue;
    diags_
        .report(DiagKind::CannotInferSchema, call.callee->range,
                {callee.typeParams[i], callee.name})
        .label(call.callee->range, "")
        .help(fmt::format("give it explicitly: `{}<MySchema>(...)`", callee.name));
    task.schemaArgs[i] = p_.types.anySchema();
  }

  // Check each argument against its parameter, schemas substituted.
  for (size_t i = 0; i < callee.params.size(); ++i) {
    const ParamInfo &pi = callee.params[i];
    const Type *expected = substitute(pi.type, task);
    if (!argOf[i]) {
      if (!pi.optional) {
        diags_.report(DiagKind::MissingArgument, call.argsRange, {callee.name, pi.name})
            .label(call.argsRange,
                   fmt::format("`{}: {}` is required", pi.name, expected->spelling()))
            .secondary(pi.range, "parameter declared here");
      }
      continue;
    }
    const ast::Expr &arg = *argOf[i]->value;
    const Type *column = expected->unwrapped();
    if (column->kind == TypeKind::List)
      column = column->elem->unwrapped();
    if (column->kind == TypeKind::Column) {
      checkColumnArg(arg, column->schema, expected);
      continue;
    }
    const Type *t = argTypes[i] ? argTypes[i] : checkExpr(arg, scope, expected);
    expectAssignable(t, expected, arg, "`" + callee.name + "`", pi.range);
  }
  for (const ParamInfo &out : callee.outputs)
    task.outputTypes.push_back(substitute(out.type, task));
  if (options && options->present)
    checkTaskOptions(*options, &task, scope);
  if (currentPipeline_ && currentPipeline_->isDataflowJob && !callee.isPipeline)
    checkDataflowTask(task, *currentPipeline_);
  return &task;
}

const Schema *Checker::applySchemaOps(const Schema *param, const TaskInfo &task) {
  const Schema *base = task.schemaArgs[param->paramIndex];
  if (!base || base->kind != Schema::Kind::Concrete || param->ops.empty())
    return base;
  Schema *out = p_.types.newSchema();
  out->columns = base->columns;
  out->range = base->range;
  for (const SchemaOp &op : param->ops) {
    std::vector<std::string> cols =
        op.paramIndex >= 0 ? columnNames(task.args[op.paramIndex]) : std::vector<std::string>{};
    auto listed = [&](const std::string &n) {
      return std::find(cols.begin(), cols.end(), n) != cols.end();
    };
    std::vector<Column> next;
    switch (op.kind) {
    case SchemaOp::Kind::Require:
      for (Column &c : out->columns)
        if (listed(c.name))
          c.optional = false;
      continue;
    case SchemaOp::Kind::Retype:
      for (Column &c : out->columns)
        if (listed(c.name))
          c.type = op.retypeTo;
      continue;
    case SchemaOp::Kind::Drop:
      for (Column &c : out->columns)
        if (!listed(c.name))
          next.push_back(c);
      break;
    case SchemaOp::Kind::Select:
      for (const std::string &n : cols)
        if (const Column *c = out->find(n))
          next.push_back(*c);
      break;
    case SchemaOp::Kind::OneHot: {
      // Each listed column becomes one float column per value, in place.
      const ast::Expr *valuesArg = task.args[op.valuesIndex];
      std::vector<std::string> values = columnNames(valuesArg);
      if (valuesArg && !llvm::isa<ast::ListExpr>(valuesArg)) {
        diags_
            .report(DiagKind::BadSchemaOpArgument, valuesArg->range,
                    {"one_hot", "needs its values written out, e.g. `[\"Biscoe\", \"Dream\"]`"})
            .label(valuesArg->range, "the output columns depend on these values");
      }
      for (const Column &c : out->columns) {
        if (!listed(c.name)) {
          next.push_back(c);
          continue;
        }
        for (const std::string &v : values)
          next.push_back({oneHotColumnName(c.name, v), TypeKind::Float, false, "", c.range});
      }
      break;
    }
    case SchemaOp::Kind::Add:
      next = out->columns;
      for (const Column &added : op.added) {
        auto it = std::find_if(next.begin(), next.end(),
                               [&](const Column &c) { return c.name == added.name; });
        if (it != next.end())
          *it = added;
        else
          next.push_back(added);
      }
      break;
    }
    out->columns = std::move(next);
  }
  // A derived schema is named after its source, so messages stay readable.
  out->name = base->name.empty() ? "" : base->name + "'";
  return out;
}

const Type *Checker::substitute(const Type *type, const TaskInfo &task) {
  switch (type->kind) {
  case TypeKind::Optional:
    return p_.types.optional(substitute(type->elem, task));
  case TypeKind::List:
    return p_.types.list(substitute(type->elem, task));
  case TypeKind::Map:
    return p_.types.map(substitute(type->elem, task));
  case TypeKind::Artifact:
    if (type->schema && type->schema->kind == Schema::Kind::Param)
      return p_.types.artifact(type->artifact, applySchemaOps(type->schema, task));
    return type;
  case TypeKind::Column:
    if (type->schema->kind == Schema::Kind::Param)
      return p_.types.column(task.schemaArgs[type->schema->paramIndex]);
    return type;
  default:
    return type;
  }
}

const Type *Checker::checkColumnArg(const ast::Expr &expr, const Schema *schema,
                                    const Type *expected) {
  auto checkOne = [&](const ast::Expr &e) {
    std::string name;
    if (auto *r = llvm::dyn_cast<ast::NameRef>(&e))
      name = r->name;
    else if (auto *s = llvm::dyn_cast<ast::StringLit>(&e); s && s->isPlain())
      name = s->plainText();
    else {
      diags_.report(DiagKind::TypeMismatch, e.range, {"a column name", "an expression"})
          .label(e.range, "write the column's name");
      return;
    }
    const_cast<ast::Expr &>(e).type = p_.types.column(schema);
    if (!schema || schema->kind != Schema::Kind::Concrete || schema->find(name) || name.empty())
      return;
    std::vector<std::string> names;
    for (const Column &c : schema->columns)
      names.push_back(c.name);
    std::string schemaName = schema->spelling();
    auto b = diags_.report(DiagKind::UnknownColumn, e.range, {name, schemaName});
    b.label(e.range, "not a column of `" + schemaName + "`");
    std::string close = closestMatch(name, names);
    if (!close.empty())
      b.fixit(fmt::format("did you mean `{}`?", close), e.range, close);
    else
      b.help(fmt::format("columns: {}", fmt::join(names, ", ")));
    b.secondary(schema->range, "schema defined here");
  };
  if (expected->unwrapped()->kind == TypeKind::List) {
    auto *list = llvm::dyn_cast<ast::ListExpr>(&expr);
    if (!list) {
      diags_.report(DiagKind::TypeMismatch, expr.range, {expected->spelling(), "another value"})
          .label(expr.range, "write a list of column names, e.g. `[a, b]`");
      return p_.types.error();
    }
    for (const ast::ExprPtr &el : list->elements)
      checkOne(*el);
  } else {
    checkOne(expr);
  }
  const_cast<ast::Expr &>(expr).type = expected;
  return expected;
}

void Checker::checkTaskOptions(const ast::TaskOptions &options, TaskInfo *task, Scope &scope) {
  std::set<std::string> seen;
  for (const ast::Property &prop : options.properties) {
    if (!firstSetting(seen, prop))
      continue;
    if (!checkOption(prop, true, &scope)) {
      reportUnknownProperty(prop, "task options",
                            {"resources", "retry", "timeout", "cache", "display_name", "env",
                             "kubernetes", "after", "ignore_upstream_failure"});
      continue;
    }
    if (prop.name.text != "after")
      continue;
    auto *list = prop.isBlock ? nullptr : llvm::dyn_cast<ast::ListExpr>(prop.value.get());
    if (!list) {
      diags_.report(DiagKind::TypeMismatch, prop.range, {"a list of tasks", "another value"})
          .label(prop.range, "write `after: [task_a, task_b]`");
      continue;
    }
    for (const ast::ExprPtr &el : list->elements) {
      auto *ref = llvm::dyn_cast<ast::NameRef>(el.get());
      const Symbol *sym = ref ? scope.lookup(ref->name) : nullptr;
      if (!sym || sym->kind != SymbolKind::Task) {
        if (ref && !sym) {
          checkExpr(*el, scope);
          continue;
        }
        diags_.report(DiagKind::NotATask, el->range, {ref ? ref->name : "this"})
            .label(el->range, sym ? std::string("a ") + symbolKindName(*sym) : "not a task name");
        continue;
      }
      sym->markUsed();
      ref->symbol = sym;
      task->after.push_back(sym);
    }
  }
}

void Checker::expectAssignable(const Type *from, const Type *to, const ast::Expr &expr,
                               const std::string &target, SourceRange targetRange) {
  Assignability a = checkAssignable(from, to);
  using P = Assignability::Problem;
  switch (a.problem) {
  case P::None:
    return;
  case P::Mismatch:
    diags_.report(DiagKind::TypeMismatch, expr.range, {to->spelling(), from->spelling()})
        .label(expr.range, "expected `" + to->spelling() + "`")
        .secondary(targetRange, target + " declared here");
    return;
  case P::OptionalToRequired: {
    // A task bound in only some branches: say so rather than "optional".
    const ast::Expr *root = &expr;
    while (auto *m = llvm::dyn_cast<ast::MemberExpr>(root))
      root = m->base.get();
    auto *ref = llvm::dyn_cast<ast::NameRef>(root);
    if (ref && ref->symbol && ref->symbol->view == SymbolView::Conditional) {
      diags_.report(DiagKind::ConditionalValue, expr.range, {ref->name})
          .label(expr.range, "may not exist here")
          .help("bind it in every branch with a final `else`, or use it inside the branch");
      return;
    }
    diags_
        .report(DiagKind::OptionalToRequired, expr.range, {"this value", from->spelling(), target})
        .label(expr.range, "may be `none`")
        .secondary(targetRange, target + " declared here")
        .help("give the parameter a default or a `?` type, or pass a value that is always present");
    return;
  }
  case P::MissingColumn: {
    const Schema *fs = from->unwrapped()->schema;
    std::vector<std::string> names;
    for (const Column &c : fs->columns)
      names.push_back(c.name);
    auto b = diags_.report(DiagKind::MissingColumn, expr.range, {target, a.column, fs->spelling()});
    b.label(expr.range, "has no column `" + a.column + "`");
    if (a.toColumn)
      b.secondary(a.toColumn->range, "required column declared here");
    std::string close = closestMatch(a.column, names);
    if (!close.empty())
      b.help(fmt::format("the dataset has a column `{}`; rename one of them", close));
    return;
  }
  case P::ColumnType:
    diags_
        .report(DiagKind::ColumnTypeMismatch, expr.range,
                {a.column, scalarName(a.fromColumn->type), target, scalarName(a.toColumn->type)})
        .label(expr.range, "column `" + a.column + "` is `" + scalarName(a.fromColumn->type) + "`")
        .secondary(a.fromColumn->range, "column declared here")
        .secondary(a.toColumn->range, "expected type declared here");
    return;
  case P::OptionalColumn:
    diags_
        .report(DiagKind::OptionalColumn, expr.range,
                {a.column, from->unwrapped()->schema->spelling(), target})
        .label(expr.range, "`" + a.column + "` may be missing here")
        .secondary(a.fromColumn->range, "declared optional here")
        .help(fmt::format("drop or fill missing values first, e.g. "
                          "`transform.drop_missing(data, columns: [{}])`",
                          a.column));
    return;
  }
}

const Type *Checker::memberOfTask(const Symbol &task, const ast::Name &member) {
  if (task.view == SymbolView::Direct) {
    const CallableInfo &callee = *task.task->callee;
    int index = callee.findOutput(member.text);
    if (index < 0) {
      std::vector<std::string> names;
      for (const ParamInfo &o : callee.outputs)
        names.push_back(o.name);
      auto b = diags_.report(DiagKind::UnknownMember, member.range,
                             {"task `" + task.name + "`", "output", member.text});
      b.label(member.range, fmt::format("`{}` has no such output", callee.name));
      std::string close = closestMatch(member.text, names);
      if (!close.empty())
        b.fixit(fmt::format("did you mean `{}`?", close), member.range, close);
      else if (names.empty())
        b.help(fmt::format("`{}` has no outputs", callee.name));
      else
        b.help(fmt::format("outputs of `{}`: {}", callee.name, fmt::join(names, ", ")));
      return p_.types.error();
    }
    return task.task->outputTypes[index];
  }
  std::vector<const Type *> types;
  for (const Symbol *alt : task.alternatives) {
    const Type *t = memberOfTask(*alt, member);
    if (t->isError())
      return t;
    types.push_back(t);
  }
  const Type *first = types.front();
  for (const Type *t : types)
    if (!checkAssignable(t, first).ok() && !checkAssignable(first, t).ok()) {
      diags_.report(DiagKind::TypeMismatch, member.range, {first->spelling(), t->spelling()})
          .label(member.range, "the branches produce different types");
      return p_.types.error();
    }
  switch (task.view) {
  case SymbolView::Collected:
    return p_.types.list(first);
  case SymbolView::Conditional:
    return p_.types.optional(first);
  default:
    return first;
  }
}

const Type *Checker::valueTypeOf(const Symbol &sym, SourceRange at) {
  switch (sym.kind) {
  case SymbolKind::Param:
  case SymbolKind::LoopVar:
  case SymbolKind::Status:
  case SymbolKind::RunInfo:
  case SymbolKind::Value:
  case SymbolKind::Output:
    return sym.type ? sym.type : p_.types.error();
  case SymbolKind::Task: {
    const Symbol *direct = &sym;
    while (direct->view != SymbolView::Direct)
      direct = direct->alternatives.front();
    const CallableInfo &callee = *direct->task->callee;
    if (callee.outputs.size() == 1)
      return memberOfTask(sym, ast::Name{callee.outputs[0].name, at});
    std::vector<std::string> names;
    for (const ParamInfo &o : callee.outputs)
      names.push_back("`" + sym.name + "." + o.name + "`");
    auto b = diags_.report(DiagKind::NotAValue, at, {"task", sym.name});
    b.label(at,
            callee.outputs.empty() ? "this task has no outputs" : "this task has several outputs");
    if (!names.empty())
      b.help(fmt::format("use one of {}", fmt::join(names, ", ")));
    return p_.types.error();
  }
  default:
    diags_.report(DiagKind::NotAValue, at, {symbolKindName(sym), sym.name})
        .label(at, "not a value")
        .secondary(sym.range, "declared here");
    return p_.types.error();
  }
}

const Type *Checker::checkName(const ast::NameRef &ref, Scope &scope) {
  if (ref.name.empty())
    return p_.types.error(); // a parse error, already reported
  const Symbol *sym = scope.lookup(ref.name);
  if (!sym) {
    for (const Scope *s = &scope; s; s = s->parent)
      if (auto it = s->later.find(ref.name); it != s->later.end()) {
        diags_.report(DiagKind::UseBeforeDefinition, ref.range, {ref.name})
            .label(ref.range, "used here")
            .secondary(it->second, "defined later here")
            .help("move the definition above this use");
        return p_.types.error();
      }
    auto b = diags_.report(DiagKind::UndefinedName, ref.range, {ref.name});
    b.label(ref.range, "not found in this scope");
    std::string close = closestMatch(ref.name, scopeNames(scope));
    if (!close.empty())
      b.fixit(fmt::format("did you mean `{}`?", close), ref.range, close);
    return p_.types.error();
  }
  sym->markUsed();
  const_cast<ast::NameRef &>(ref).symbol = sym;
  return valueTypeOf(*sym, ref.range);
}

const Type *Checker::checkMember(const ast::MemberExpr &expr, Scope &scope) {
  // `module.member`
  if (auto *base = llvm::dyn_cast<ast::NameRef>(expr.base.get())) {
    const Symbol *sym = base->name.empty() ? nullptr : scope.lookup(base->name);
    if (sym && sym->kind == SymbolKind::Module) {
      sym->markUsed();
      std::vector<ast::Name> path = {{base->name, base->range}, expr.member};
      const Symbol *member = lookupQualified(scope.module, path, true);
      if (!member || member->name.empty())
        return p_.types.error();
      const_cast<ast::MemberExpr &>(expr).symbol = member;
      return valueTypeOf(*member, expr.range);
    }
    if (sym && sym->kind == SymbolKind::Task) {
      sym->markUsed();
      const_cast<ast::NameRef *>(base)->symbol = sym;
      return memberOfTask(*sym, expr.member);
    }
  }
  const Type *baseType = checkExpr(*expr.base, scope);
  if (baseType->isError())
    return baseType;
  const Type *inner = baseType->unwrapped();
  if (inner->kind == TypeKind::Record) {
    const RecordField *f = inner->record->find(expr.member.text);
    if (f)
      return baseType->kind == TypeKind::Optional ? p_.types.optional(f->type) : f->type;
    std::vector<std::string> names;
    for (const RecordField &rf : inner->record->fields)
      names.push_back(rf.name);
    auto b = diags_.report(DiagKind::NoSuchField, expr.member.range,
                           {inner->spelling(), expr.member.text});
    b.label(expr.member.range, "unknown field");
    std::string close = closestMatch(expr.member.text, names);
    if (!close.empty())
      b.fixit(fmt::format("did you mean `{}`?", close), expr.member.range, close);
    else
      b.help(fmt::format("fields: {}", fmt::join(names, ", ")));
    return p_.types.error();
  }
  diags_
      .report(DiagKind::UnknownMember, expr.member.range,
              {"a value of type `" + baseType->spelling() + "`", "member", expr.member.text})
      .label(expr.member.range, "");
  return p_.types.error();
}

const Type *Checker::checkExpr(const ast::Expr &expr, Scope &scope, const Type *expected) {
  const Type *result = p_.types.error();
  auto &mut = const_cast<ast::Expr &>(expr);
  switch (expr.kind) {
  case ast::ExprKind::Int:
    result = p_.types.intType();
    break;
  case ast::ExprKind::Float:
    result = p_.types.floatType();
    break;
  case ast::ExprKind::Bool:
    result = p_.types.boolType();
    break;
  case ast::ExprKind::None:
    result = p_.types.noneType();
    break;
  case ast::ExprKind::String:
    for (const ast::StringPart &part : llvm::cast<ast::StringLit>(expr).parts) {
      if (!part.expr)
        continue;
      const Type *t = checkExpr(*part.expr, scope);
      if (!t->isError() && !t->unwrapped()->isScalar())
        diags_
            .report(DiagKind::TypeMismatch, part.expr->range,
                    {"int, float, string or bool", t->spelling()})
            .label(part.expr->range, "cannot be put in a string");
    }
    result = p_.types.stringType();
    break;
  case ast::ExprKind::Name:
    result = checkName(llvm::cast<ast::NameRef>(expr), scope);
    break;
  case ast::ExprKind::Member:
    result = checkMember(llvm::cast<ast::MemberExpr>(expr), scope);
    break;
  case ast::ExprKind::Index: {
    auto &ix = llvm::cast<ast::IndexExpr>(expr);
    const Type *base = checkExpr(*ix.base, scope);
    if (base->kind == TypeKind::List) {
      const Type *i = checkExpr(*ix.index, scope, p_.types.intType());
      expectAssignable(i, p_.types.intType(), *ix.index, "a list index", ix.base->range);
      result = base->elem;
    } else if (base->kind == TypeKind::Map) {
      const Type *k = checkExpr(*ix.index, scope, p_.types.stringType());
      expectAssignable(k, p_.types.stringType(), *ix.index, "a map key", ix.base->range);
      result = base->elem;
    } else if (!base->isError()) {
      checkExpr(*ix.index, scope);
      diags_.report(DiagKind::TypeMismatch, ix.base->range, {"a list or map", base->spelling()})
          .label(ix.base->range, "cannot be indexed");
    }
    break;
  }
  case ast::ExprKind::Call: {
    auto &call = llvm::cast<ast::CallExpr>(expr);
    const Symbol *callee = callableSymbol(*call.callee, scope);
    if (!callee) {
      checkExpr(*call.callee, scope);
    } else if (callee->kind == SymbolKind::Callable) {
      diags_
          .report(DiagKind::MisplacedStatement, call.range,
                  {callee->name + "(...)", "must be a statement of its own"})
          .label(call.range, "a task inside an expression")
          .help("bind it first: `t = " + callee->name + "(...)`, then use `t`");
    } else {
      diags_.report(DiagKind::NotCallable, call.callee->range, {callee->name})
          .label(call.callee->range, std::string("a ") + symbolKindName(*callee));
    }
    for (const ast::Arg &a : call.args)
      checkExpr(*a.value, scope);
    break;
  }
  case ast::ExprKind::Unary: {
    auto &un = llvm::cast<ast::UnaryExpr>(expr);
    const Type *t = checkExpr(*un.operand, scope);
    bool ok = un.op == ast::UnaryOp::Not ? t->kind == TypeKind::Bool : t->isNumeric();
    if (t->isError())
      break;
    if (!ok) {
      diags_.report(DiagKind::BadOperands, expr.range, {ast::spelling(un.op), t->spelling(), "-"})
          .label(un.operand->range,
                 un.op == ast::UnaryOp::Not ? "expected `bool`" : "expected a number");
      break;
    }
    result = t;
    break;
  }
  case ast::ExprKind::Binary: {
    auto &bin = llvm::cast<ast::BinaryExpr>(expr);
    const Type *l = checkExpr(*bin.lhs, scope);
    const Type *r = checkExpr(*bin.rhs, scope);
    if (l->isError() || r->isError())
      break;
    using B = ast::BinaryOp;
    bool numeric = l->isNumeric() && r->isNumeric();
    bool ok = false;
    switch (bin.op) {
    case B::Add:
      if (l->kind == TypeKind::String && r->kind == TypeKind::String) {
        ok = true;
        result = l;
        break;
      }
      [[fallthrough]];
    case B::Sub:
    case B::Mul:
    case B::Mod:
      ok = numeric;
      result = l->kind == TypeKind::Float || r->kind == TypeKind::Float ? p_.types.floatType()
                                                                        : p_.types.intType();
      break;
    case B::Div:
      ok = numeric;
      result = p_.types.floatType();
      break;
    case B::Lt:
    case B::Le:
    case B::Gt:
    case B::Ge:
      ok = numeric || (l->kind == TypeKind::String && r->kind == TypeKind::String);
      result = p_.types.boolType();
      break;
    case B::Eq:
    case B::Ne:
      ok = numeric || checkAssignable(l, r).ok() || checkAssignable(r, l).ok() ||
           l->kind == TypeKind::None || r->kind == TypeKind::None;
      ok = ok && !l->unwrapped()->isArtifact() && !r->unwrapped()->isArtifact();
      result = p_.types.boolType();
      break;
    case B::And:
    case B::Or:
      ok = l->kind == TypeKind::Bool && r->kind == TypeKind::Bool;
      result = p_.types.boolType();
      break;
    }
    if (!ok) {
      diags_
          .report(DiagKind::BadOperands, bin.opRange,
                  {ast::spelling(bin.op), l->spelling(), r->spelling()})
          .label(bin.opRange, "")
          .secondary(bin.lhs->range, "`" + l->spelling() + "`")
          .secondary(bin.rhs->range, "`" + r->spelling() + "`");
      result = p_.types.error();
    }
    break;
  }
  case ast::ExprKind::List: {
    auto &list = llvm::cast<ast::ListExpr>(expr);
    const Type *elemExpected = expected && expected->unwrapped()->kind == TypeKind::List
                                   ? expected->unwrapped()->elem
                                   : nullptr;
    const Type *elem = elemExpected;
    for (const ast::ExprPtr &el : list.elements) {
      const Type *t = checkExpr(*el, scope, elem);
      if (!elem) {
        elem = t;
        continue;
      }
      if (elem->kind == TypeKind::Int && t->kind == TypeKind::Float && !elemExpected) {
        elem = t; // [1, 2.5] is a list<float>
        continue;
      }
      expectAssignable(t, elem, *el, "the list's elements", list.elements.front()->range);
    }
    result =
        elem ? p_.types.list(elem)
             : (elemExpected ? p_.types.list(elemExpected) : p_.types.list(p_.types.stringType()));
    if (!elem && !elemExpected && expected)
      result = expected;
    break;
  }
  case ast::ExprKind::Map: {
    auto &map = llvm::cast<ast::MapExpr>(expr);
    const Type *want = expected ? expected->unwrapped() : nullptr;
    if (want && want->kind == TypeKind::Record) {
      const RecordInfo *rec = want->record;
      std::set<std::string> given;
      for (const ast::MapEntry &e : map.entries) {
        const RecordField *f = rec->find(e.key);
        if (!f) {
          checkExpr(*e.value, scope);
          std::vector<std::string> names;
          for (const RecordField &rf : rec->fields)
            names.push_back(rf.name);
          auto b = diags_.report(DiagKind::NoSuchField, e.keyRange, {rec->name, e.key});
          b.label(e.keyRange, "unknown field");
          std::string close = closestMatch(e.key, names);
          if (!close.empty())
            b.fixit(fmt::format("did you mean `{}`?", close), e.keyRange, close);
          continue;
        }
        given.insert(e.key);
        const Type *t = checkExpr(*e.value, scope, f->type);
        expectAssignable(t, f->type, *e.value, "field `" + f->name + "`", f->range);
      }
      for (const RecordField &f : rec->fields)
        if (!given.count(f.name) && !f.hasDefault && f.type->kind != TypeKind::Optional)
          diags_.report(DiagKind::MissingArgument, expr.range, {rec->name, f.name})
              .label(expr.range, "`" + f.name + "` is required")
              .secondary(f.range, "field declared here");
      result = want;
      break;
    }
    const Type *valueExpected = want && want->kind == TypeKind::Map ? want->elem : nullptr;
    const Type *value = valueExpected;
    for (const ast::MapEntry &e : map.entries) {
      const Type *t = checkExpr(*e.value, scope, value);
      if (!value)
        value = t;
      else
        expectAssignable(t, value, *e.value, "the map's values", e.keyRange);
    }
    result = p_.types.map(value ? value : p_.types.stringType());
    break;
  }
  }
  if (result->kind == TypeKind::Artifact ||
      (result->kind == TypeKind::Optional && result->elem->isArtifact())) {
    // Artifacts flow between tasks; inside expressions they make no sense.
    bool direct = expr.kind == ast::ExprKind::Name || expr.kind == ast::ExprKind::Member;
    if (!direct)
      result = p_.types.error();
  }
  mut.type = result;
  return result;
}

void Checker::checkRecursion() {
  // Depth-first search over pipeline calls; a back edge is a cycle.
  std::map<const CallableInfo *, int> state; // 0 new, 1 on stack, 2 done
  std::vector<const CallableInfo *> stack;
  std::function<void(const CallableInfo *)> visit = [&](const CallableInfo *c) {
    state[c] = 1;
    stack.push_back(c);
    for (auto &[callee, at] : callGraph_[c]) {
      if (state[callee] == 1) {
        std::string chain;
        auto it = std::find(stack.begin(), stack.end(), callee);
        for (; it != stack.end(); ++it)
          chain += (*it)->name + " -> ";
        chain += callee->name;
        diags_.report(DiagKind::RecursivePipeline, at, {callee->name, chain})
            .label(at, "this call closes the cycle")
            .help("pipelines cannot call themselves; use a `for` loop for repetition");
      } else if (state[callee] == 0) {
        visit(callee);
      }
    }
    stack.pop_back();
    state[c] = 2;
  };
  for (const CallableInfo &c : p_.callables)
    if (c.isPipeline && state[&c] == 0)
      visit(&c);
}

bool Checker::run(const std::string &path, std::optional<std::string> text) {
  ModuleInfo *root = loadFile(path, std::move(text), {});
  if (!root)
    return false;
  p_.root = root;
  for (ModuleInfo &m : p_.modules)
    declareModule(m);
  for (ModuleInfo &m : p_.modules)
    resolveArtifactTypes(m);
  checkArtifactCycles();
  for (ModuleInfo &m : p_.modules)
    resolveSchemasAndRecords(m);
  checkRecordCycles();
  for (ModuleInfo &m : p_.modules)
    resolveSignatures(m);
  for (CallableInfo &c : p_.callables) {
    if (diags_.errorLimitReached())
      break;
    if (c.isPipeline)
      checkPipeline(c);
    else
      checkComponent(c);
  }
  checkRecursion();
  for (ModuleInfo &m : p_.modules)
    for (const Symbol *imp : m.importSymbols)
      if (!imp->used)
        diags_.report(DiagKind::UnusedImport, imp->range, {imp->name})
            .label(imp->range, "never used")
            .help("remove the import");
  return !diags_.hasErrors();
}

} // namespace mlpc::sema
