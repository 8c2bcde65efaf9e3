// Declaring top-level names and resolving types, schemas, records, artifact
// types and component/pipeline signatures.
#include "frontend/sema/Checker.h"
#include "frontend/sema/Scope.h"
#include "frontend/sema/Suggest.h"

#include <algorithm>
#include <fmt/format.h>
#include <functional>
#include <llvm/Support/Casting.h>
#include <set>

namespace mlpc::sema {

using diag::DiagKind;

const char *symbolKindName(const Symbol &s) {
  switch (s.kind) {
  case SymbolKind::Module:
    return "module";
  case SymbolKind::Schema:
    return "schema";
  case SymbolKind::Record:
    return "record";
  case SymbolKind::Artifact:
    return "artifact type";
  case SymbolKind::Primitive:
    return "type";
  case SymbolKind::Callable:
    return s.callable->isPipeline ? "pipeline" : "component";
  case SymbolKind::Param:
    return "parameter";
  case SymbolKind::Output:
    return "output";
  case SymbolKind::Task:
    return "task";
  case SymbolKind::Value:
    return "value";
  case SymbolKind::LoopVar:
    return "loop variable";
  case SymbolKind::Status:
    return "status";
  case SymbolKind::RunInfo:
    return "run information";
  }
  return "name";
}

namespace {
// `int`, `float`, `string`, `bool`: the scalar types, by name.
std::optional<TypeKind> scalarByName(const std::string &name) {
  static const std::map<std::string, TypeKind> scalars = {{"int", TypeKind::Int},
                                                          {"float", TypeKind::Float},
                                                          {"string", TypeKind::String},
                                                          {"bool", TypeKind::Bool}};
  auto it = scalars.find(name);
  return it == scalars.end() ? std::nullopt : std::optional<TypeKind>(it->second);
}

const std::set<std::string> kPrimitiveNames = {"int",  "float", "string", "bool",
                                               "list", "map",   "column", "TaskFinalStatus"};
} // namespace

void Checker::declareModule(ModuleInfo &module) {
  for (ast::DeclPtr &declPtr : module.ast->decls) {
    ast::Decl &decl = *declPtr;
    Symbol *sym = nullptr;
    switch (decl.kind) {
    case ast::DeclKind::Schema: {
      sym = p_.newSymbol(SymbolKind::Schema, decl.name.text, decl.name.range);
      Schema *schema = p_.types.newSchema();
      schema->name = decl.name.text;
      schema->range = decl.name.range;
      sym->schema = schema;
      break;
    }
    case ast::DeclKind::Record: {
      sym = p_.newSymbol(SymbolKind::Record, decl.name.text, decl.name.range);
      RecordInfo *rec = p_.types.newRecord();
      rec->name = decl.name.text;
      rec->module = module.name;
      rec->range = decl.name.range;
      sym->record = rec;
      break;
    }
    case ast::DeclKind::Artifact: {
      sym = p_.newSymbol(SymbolKind::Artifact, decl.name.text, decl.name.range);
      ArtifactTypeInfo *a = p_.types.newArtifactType();
      a->name = decl.name.text;
      a->builtin = false;
      a->module = module.name;
      a->range = decl.name.range;
      a->description = decl.doc;
      sym->artifact = a;
      break;
    }
    case ast::DeclKind::Component:
    case ast::DeclKind::Pipeline: {
      sym = p_.newSymbol(SymbolKind::Callable, decl.name.text, decl.name.range);
      CallableInfo &c = p_.callables.emplace_back();
      c.name = decl.name.text;
      c.qualifiedName = module.isStd ? module.name + "." + c.name : c.name;
      c.decl = llvm::cast<ast::CallableDecl>(&decl);
      c.module = &module;
      c.isPipeline = decl.kind == ast::DeclKind::Pipeline;
      sym->callable = &c;
      callableOf_[&decl] = &c;
      // Names become KFP, TFX and Python identifiers: keep them plain.
      bool plain =
          !decl.name.text.empty() &&
          (std::isalpha(static_cast<unsigned char>(decl.name.text[0])) || decl.name.text[0] == '_');
      for (char ch : decl.name.text)
        plain = plain && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
      if (!plain)
        diags_
            .report(DiagKind::BadPipelineName, decl.name.range,
                    {decl.name.text, "is not a plain identifier"})
            .label(decl.name.range, "letters, digits and `_` only, not starting with a digit")
            .help("backquoted names are for schema columns; rename this declaration");
      break;
    }
    }
    if (kPrimitiveNames.count(sym->name) || p_.types.builtinArtifact(sym->name)) {
      diags_.report(DiagKind::DuplicateDefinition, sym->range, {sym->name})
          .label(sym->range, "this name is a built-in type")
          .help("choose another name");
      continue;
    }
    auto [it, inserted] = module.scope.emplace(sym->name, sym);
    if (!inserted) {
      diags_.report(DiagKind::DuplicateDefinition, sym->range, {sym->name})
          .label(sym->range, "defined again here")
          .secondary(it->second->range, "first defined here")
          .help("rename one of them");
    }
  }
}

const Symbol *Checker::lookupQualified(const ModuleInfo &module, const std::vector<ast::Name> &path,
                                       bool reportErrors) {
  if (path.empty())
    return nullptr;
  auto it = module.scope.find(path[0].text);
  if (it == module.scope.end())
    return nullptr;
  const Symbol *sym = it->second;
  for (size_t i = 1; i < path.size(); ++i) {
    if (sym->kind != SymbolKind::Module) {
      if (reportErrors)
        diags_
            .report(DiagKind::UnknownMember, path[i].range,
                    {"`" + sym->name + "`", "member", path[i].text})
            .label(path[i].range, "");
      return p_.newSymbol(SymbolKind::Value, "", {}); // error placeholder
    }
    sym->markUsed();
    const ModuleInfo *target = sym->module;
    if (!target)
      return p_.newSymbol(SymbolKind::Value, "", {}); // a failed import, already reported
    auto member = target->scope.find(path[i].text);
    if (member == target->scope.end() || member->second->kind == SymbolKind::Module) {
      if (reportErrors) {
        std::vector<std::string> names;
        for (auto &[n, s] : target->scope)
          if (s->kind != SymbolKind::Module)
            names.push_back(n);
        auto b = diags_.report(DiagKind::UnknownModuleMember, path[i].range,
                               {target->name, path[i].text});
        b.label(path[i].range, "not found in `" + target->name + "`");
        std::string close = closestMatch(path[i].text, names);
        if (!close.empty())
          b.fixit(fmt::format("did you mean `{}`?", close), path[i].range, close);
      }
      return p_.newSymbol(SymbolKind::Value, "", {});
    }
    sym = member->second;
  }
  return sym;
}

void Checker::resolveArtifactTypes(ModuleInfo &module) {
  for (ast::DeclPtr &d : module.ast->decls) {
    auto *decl = llvm::dyn_cast<ast::ArtifactDecl>(d.get());
    if (!decl)
      continue;
    auto it = module.scope.find(decl->name.text);
    if (it == module.scope.end() || it->second->kind != SymbolKind::Artifact)
      continue;
    auto *info = const_cast<ArtifactTypeInfo *>(it->second->artifact);
    const ArtifactTypeInfo *base = nullptr;
    std::string baseName;
    for (const ast::Name &n : decl->base)
      baseName += (baseName.empty() ? "" : ".") + n.text;
    SourceRange baseRange =
        decl->base.empty() ? decl->name.range
                           : SourceRange::join(decl->base.front().range, decl->base.back().range);
    if (decl->base.size() == 1)
      base = p_.types.builtinArtifact(baseName);
    if (!base) {
      const Symbol *sym = lookupQualified(module, decl->base, true);
      if (sym && sym->kind == SymbolKind::Artifact)
        base = sym->artifact;
      else if (sym && !sym->name.empty())
        diags_.report(DiagKind::BadArtifactBase, baseRange, {baseName})
            .label(baseRange, "expected an artifact type such as `Model` or `Dataset`");
      else if (!sym)
        diags_.report(DiagKind::UnknownType, baseRange, {baseName})
            .label(baseRange, "no artifact type with this name");
    }
    info->base = base ? base : p_.types.builtinArtifact("Artifact");
    for (const ast::Property &prop : decl->properties) {
      if (prop.name.text == "description" && prop.value &&
          llvm::isa<ast::StringLit>(prop.value.get())) {
        info->description = llvm::cast<ast::StringLit>(prop.value.get())->plainText();
      } else {
        reportUnknownProperty(prop, "an artifact type", {"description"});
      }
    }
  }
}

// KFP title and tabularity come from the nearest built-in ancestor; bases
// are filled first (memoised by a non-empty title), so long chains stay linear.
static void fillArtifactFacts(ArtifactTypeInfo *info) {
  if (!info->kfpSchemaTitle.empty() || info->builtin)
    return;
  ArtifactTypeInfo *base = const_cast<ArtifactTypeInfo *>(info->base);
  std::vector<ArtifactTypeInfo *> pending = {info};
  while (base && !base->builtin && base->kfpSchemaTitle.empty()) {
    pending.push_back(base);
    base = const_cast<ArtifactTypeInfo *>(base->base);
  }
  for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
    const ArtifactTypeInfo *b = (*it)->base;
    (*it)->kfpSchemaTitle = b ? b->kfpSchemaTitle : "system.Artifact";
    (*it)->tabular = b && b->tabular;
    (*it)->tfxTypeName = (*it)->name;
  }
}

void Checker::checkArtifactCycles() {
  // Each type is walked once: 1 while on the current base chain, 2 when its
  // chain is known to end at a built-in type.
  std::map<const ArtifactTypeInfo *, int> state;
  for (Symbol &sym : p_.symbols) {
    if (sym.kind != SymbolKind::Artifact || !sym.artifact || sym.artifact->builtin)
      continue;
    std::vector<const ArtifactTypeInfo *> chain;
    const ArtifactTypeInfo *t = sym.artifact;
    while (t && !t->builtin && state[t] == 0) {
      state[t] = 1;
      chain.push_back(t);
      t = t->base;
    }
    if (t && !t->builtin && state[t] == 1) {
      diags_.report(DiagKind::BadArtifactBase, t->range, {t->name})
          .label(t->range, "its base types lead back to itself")
          .note("artifact types form a tree rooted at `Artifact`");
      const_cast<ArtifactTypeInfo *>(t)->base = p_.types.builtinArtifact("Artifact");
    }
    for (const ArtifactTypeInfo *c : chain)
      state[c] = 2;
  }
  // Derived facts follow the (now acyclic) base chain.
  for (Symbol &sym : p_.symbols) {
    if (sym.kind != SymbolKind::Artifact || !sym.artifact || sym.artifact->builtin)
      continue;
    fillArtifactFacts(const_cast<ArtifactTypeInfo *>(sym.artifact));
  }
}

const Schema *Checker::inlineSchema(const std::vector<ast::Field> &fields, const ModuleInfo &module,
                                    const std::string &name, SourceRange range) {
  Schema *schema = p_.types.newSchema();
  schema->name = name;
  schema->range = range;
  for (const ast::Field &f : fields) {
    const Type *t = resolveType(*f.type, module, nullptr);
    if (schema->find(f.name.text)) {
      diags_.report(DiagKind::DuplicateDefinition, f.name.range, {f.name.text})
          .label(f.name.range, "column defined again here")
          .secondary(schema->find(f.name.text)->range, "first defined here");
      continue;
    }
    Column c{f.name.text, TypeKind::String, t->kind == TypeKind::Optional, f.doc, f.name.range};
    const Type *inner = t->unwrapped();
    if (inner->isScalar())
      c.type = inner->kind;
    else if (!inner->isError())
      diags_.report(DiagKind::BadColumnType, f.type->range, {f.name.text, t->spelling()})
          .label(f.type->range, "not a column type");
    if (f.defaultValue)
      diags_
          .report(DiagKind::UnknownProperty, f.defaultValue->range,
                  {"default value", "a schema column"})
          .label(f.defaultValue->range, "columns have no defaults")
          .help("use `transform.fill_missing` to fill missing values");
    schema->columns.push_back(std::move(c));
  }
  return schema;
}

void Checker::resolveSchemasAndRecords(ModuleInfo &module) {
  for (ast::DeclPtr &d : module.ast->decls) {
    auto it = module.scope.find(d->name.text);
    if (it == module.scope.end())
      continue;
    if (auto *decl = llvm::dyn_cast<ast::SchemaDecl>(d.get())) {
      if (it->second->kind != SymbolKind::Schema)
        continue;
      auto *schema = const_cast<Schema *>(it->second->schema);
      const Schema *built = inlineSchema(decl->columns, module, decl->name.text, decl->name.range);
      schema->columns = built->columns;
    } else if (auto *decl = llvm::dyn_cast<ast::RecordDecl>(d.get())) {
      if (it->second->kind != SymbolKind::Record)
        continue;
      auto *rec = const_cast<RecordInfo *>(it->second->record);
      for (const ast::Field &f : decl->fields) {
        if (rec->find(f.name.text)) {
          diags_.report(DiagKind::DuplicateDefinition, f.name.range, {f.name.text})
              .label(f.name.range, "field defined again here")
              .secondary(rec->find(f.name.text)->range, "first defined here");
          continue;
        }
        rec->fields.push_back(
            {f.name.text, p_.types.error(), f.defaultValue != nullptr, f.doc, f.name.range});
      }
    }
  }
  // Field types after all records exist, so records may refer to each other.
  for (ast::DeclPtr &d : module.ast->decls) {
    auto *decl = llvm::dyn_cast<ast::RecordDecl>(d.get());
    auto it = module.scope.find(d->name.text);
    if (!decl || it == module.scope.end() || it->second->kind != SymbolKind::Record)
      continue;
    auto *rec = const_cast<RecordInfo *>(it->second->record);
    for (const ast::Field &f : decl->fields) {
      for (RecordField &rf : rec->fields) {
        if (rf.range.begin != f.name.range.begin)
          continue;
        rf.type = resolveType(*f.type, module, nullptr);
        if (rf.type->unwrapped()->isArtifact())
          diags_
              .report(DiagKind::TypeMismatch, f.type->range,
                      {"a parameter type", rf.type->spelling()})
              .label(f.type->range, "records hold parameters, not artifacts");
        if (f.defaultValue) {
          Scope empty(Scope::Kind::Signature, nullptr, module);
          const Type *t = checkExpr(*f.defaultValue, empty, rf.type);
          expectAssignable(t, rf.type, *f.defaultValue, "field `" + rf.name + "`", rf.range);
        }
      }
    }
  }
}

// A record that contains itself (directly, or through other records, lists,
// maps or optionals) has no finite value to pass between tasks.
void Checker::checkRecordCycles() {
  std::map<const RecordInfo *, int> state; // 1 on the path, 2 done
  std::vector<std::string> path;
  std::function<bool(const RecordInfo *)> visit = [&](const RecordInfo *rec) {
    state[rec] = 1;
    for (const RecordField &f : rec->fields) {
      const Type *t = f.type;
      while (t && (t->kind == TypeKind::List || t->kind == TypeKind::Map ||
                   t->kind == TypeKind::Optional))
        t = t->elem;
      if (!t || t->kind != TypeKind::Record)
        continue;
      path.push_back(rec->name + "." + f.name);
      if (state[t->record] == 1) {
        diags_
            .report(DiagKind::RecursiveRecord, f.range,
                    {t->record->name, fmt::format("{}", fmt::join(path, " -> "))})
            .label(f.range, "refers back to `" + t->record->name + "`")
            .help("records are values passed between tasks; make this field a string id instead");
        const_cast<RecordField &>(f).type = p_.types.error();
        path.pop_back();
        return false;
      }
      if (state[t->record] == 0 && !visit(t->record)) {
        path.pop_back();
        return false;
      }
      path.pop_back();
    }
    state[rec] = 2;
    return true;
  };
  for (Symbol &sym : p_.symbols)
    if (sym.kind == SymbolKind::Record && sym.record && state[sym.record] == 0)
      visit(sym.record);
}

const Schema *Checker::resolveSchemaArg(const ast::TypeExpr &type, const ModuleInfo &module,
                                        const CallableInfo *generic) {
  const Schema *schema = nullptr;
  switch (type.kind) {
  case ast::TypeExpr::Kind::AnySchema:
    // The standard library takes any schema on purpose (a transform or model
    // of any data); the warning is for user code.
    if (!module.isStd)
      diags_.report(DiagKind::DatasetAnySchema, type.range, {"*"})
          .label(type.range, "any columns")
          .help("declare a `schema` and use it here, so mlpc checks the columns");
    schema = p_.types.anySchema();
    break;
  case ast::TypeExpr::Kind::InlineRecord:
    schema = inlineSchema(type.fields, module, "", type.range);
    break;
  case ast::TypeExpr::Kind::Named: {
    if (type.path.empty())
      return nullptr; // a syntax error, already reported
    if (type.path.size() == 1 && generic) {
      for (size_t i = 0; i < generic->typeParams.size(); ++i)
        if (generic->typeParams[i] == type.path[0].text)
          schema = generic->typeParamSchemas[i];
    }
    if (!schema) {
      const Symbol *sym = lookupQualified(module, type.path, true);
      std::string name = type.spelling();
      if (sym && sym->kind == SymbolKind::Schema) {
        sym->markUsed();
        schema = sym->schema;
      } else if (sym && sym->name.empty()) {
        return nullptr; // reported by lookupQualified
      } else if (sym) {
        diags_.report(DiagKind::NotAType, type.range, {name, symbolKindName(*sym)})
            .label(type.range, "expected a schema here");
        return nullptr;
      } else {
        std::vector<std::string> names;
        for (auto &[n, s] : module.scope)
          if (s->kind == SymbolKind::Schema)
            names.push_back(n);
        if (generic)
          names.insert(names.end(), generic->typeParams.begin(), generic->typeParams.end());
        auto b = diags_.report(DiagKind::UnknownType, type.range, {name});
        b.label(type.range, "no schema with this name");
        std::string close = closestMatch(name, names);
        if (!close.empty())
          b.fixit(fmt::format("did you mean `{}`?", close), type.range, close);
        return nullptr;
      }
    }
    if (!type.args.empty()) {
      diags_
          .report(DiagKind::WrongTypeArgCount, type.range,
                  {type.path.back().text, "0", std::to_string(type.args.size())})
          .label(type.range, "a schema takes no type arguments");
    }
    break;
  }
  }
  if (type.ops.empty())
    return schema;
  // Schema operations: only on a generic component's schema parameter, whose
  // columns are known at each call.
  if (!schema || schema->kind != Schema::Kind::Param) {
    diags_
        .report(DiagKind::BadSchemaOpArgument, type.ops.front().range,
                {type.ops.front().name.text, "applies only to a schema type parameter"})
        .label(type.ops.front().range, "")
        .help("declare the component generic, e.g. `component c<S>(data: Dataset<S>)`");
    return schema;
  }
  Schema *derived = p_.types.newSchema();
  *derived = *schema;
  for (const ast::SchemaOp &op : type.ops) {
    SchemaOp sop;
    sop.range = op.range;
    static const std::map<std::string, SchemaOp::Kind> kinds = {
        {"require", SchemaOp::Kind::Require}, {"drop", SchemaOp::Kind::Drop},
        {"select", SchemaOp::Kind::Select},   {"retype", SchemaOp::Kind::Retype},
        {"add", SchemaOp::Kind::Add},         {"one_hot", SchemaOp::Kind::OneHot}};
    auto kind = kinds.find(op.name.text);
    if (kind == kinds.end()) {
      auto b = diags_.report(DiagKind::UnknownSchemaOp, op.name.range, {op.name.text});
      b.label(op.name.range, "not a schema operation");
      std::string close =
          closestMatch(op.name.text, {"require", "drop", "select", "retype", "add", "one_hot"});
      if (!close.empty())
        b.fixit(fmt::format("did you mean `{}`?", close), op.name.range, close);
      else
        b.help("schema operations: require, drop, select, retype, add, one_hot");
      continue;
    }
    sop.kind = kind->second;
    size_t wantArgs =
        sop.kind == SchemaOp::Kind::Retype || sop.kind == SchemaOp::Kind::OneHot ? 2 : 1;
    if (op.args.size() != wantArgs) {
      diags_
          .report(DiagKind::BadSchemaOpArgument, op.range,
                  {op.name.text, fmt::format("takes {} argument(s)", wantArgs)})
          .label(op.range, "");
      continue;
    }
    if (sop.kind == SchemaOp::Kind::Add) {
      auto *map = llvm::dyn_cast<ast::MapExpr>(op.args[0].value.get());
      if (!map) {
        diags_
            .report(DiagKind::BadSchemaOpArgument, op.args[0].range,
                    {"add", "expects columns such as `{prediction: int}`"})
            .label(op.args[0].range, "");
        continue;
      }
      for (const ast::MapEntry &e : map->entries) {
        auto *tn = llvm::dyn_cast<ast::NameRef>(e.value.get());
        std::optional<TypeKind> st = tn ? scalarByName(tn->name) : std::nullopt;
        if (!st) {
          diags_.report(DiagKind::BadColumnType, e.value->range, {e.key, "?"})
              .label(e.value->range, "expected int, float, string or bool");
          continue;
        }
        sop.added.push_back({e.key, *st, e.optional, "", e.keyRange});
      }
    } else {
      auto *ref = llvm::dyn_cast<ast::NameRef>(op.args[0].value.get());
      int index = ref && generic ? generic->findParam(ref->name) : -1;
      if (index < 0) {
        diags_
            .report(DiagKind::BadSchemaOpArgument, op.args[0].range,
                    {op.name.text, "expects the name of a `list<column<S>>` parameter"})
            .label(op.args[0].range, "not a parameter of this component");
        continue;
      }
      const ast::Field &param = llvm::cast<ast::CallableDecl>(generic->decl)->params[index];
      bool columns =
          !param.type->path.empty() &&
          (param.type->path[0].text == "column" ||
           (param.type->path[0].text == "list" && !param.type->args.empty() &&
            !param.type->args[0]->path.empty() && param.type->args[0]->path[0].text == "column"));
      if (!columns) {
        diags_
            .report(DiagKind::BadSchemaOpArgument, op.args[0].range,
                    {op.name.text, "expects the name of a `list<column<S>>` parameter"})
            .label(op.args[0].range, "`" + ref->name + "` is not a list of columns")
            .secondary(param.name.range, "declared here");
        continue;
      }
      sop.paramIndex = index;
      if (sop.kind == SchemaOp::Kind::Retype) {
        auto *tn = llvm::dyn_cast<ast::NameRef>(op.args[1].value.get());
        std::optional<TypeKind> st = tn ? scalarByName(tn->name) : std::nullopt;
        if (!st) {
          diags_
              .report(DiagKind::BadSchemaOpArgument, op.args[1].range,
                      {"retype", "expects a column type: int, float, string or bool"})
              .label(op.args[1].range, "");
          continue;
        }
        sop.retypeTo = *st;
      }
      if (sop.kind == SchemaOp::Kind::OneHot) {
        auto *values = llvm::dyn_cast<ast::NameRef>(op.args[1].value.get());
        int vi = values ? generic->findParam(values->name) : -1;
        const ast::TypeExpr *vt =
            vi >= 0 ? llvm::cast<ast::CallableDecl>(generic->decl)->params[vi].type.get() : nullptr;
        bool strings = vt && !vt->path.empty() && vt->path[0].text == "list" && !vt->args.empty() &&
                       !vt->args[0]->path.empty() && vt->args[0]->path[0].text == "string";
        if (!strings) {
          diags_
              .report(DiagKind::BadSchemaOpArgument, op.args[1].range,
                      {"one_hot", "expects the name of a `list<string>` parameter (the values)"})
              .label(op.args[1].range, "");
          continue;
        }
        sop.valuesIndex = vi;
      }
    }
    derived->ops.push_back(std::move(sop));
  }
  return derived;
}

const Type *Checker::resolveType(const ast::TypeExpr &type, const ModuleInfo &module,
                                 const CallableInfo *generic) {
  auto finish = [&](const Type *t) {
    if (!type.ops.empty() && !t->isError())
      diags_
          .report(DiagKind::BadSchemaOpArgument, type.ops.front().range,
                  {type.ops.front().name.text, "applies only to a schema"})
          .label(type.ops.front().range, "");
    return type.optional ? p_.types.optional(t) : t;
  };
  if (type.kind == ast::TypeExpr::Kind::Named && type.path.empty())
    return finish(p_.types.error()); // a syntax error, already reported
  if (type.kind == ast::TypeExpr::Kind::AnySchema) {
    diags_.report(DiagKind::UnknownType, type.range, {"*"})
        .label(type.range, "`*` stands for any schema, inside `Dataset<*>`");
    return p_.types.error();
  }
  if (type.kind == ast::TypeExpr::Kind::InlineRecord) {
    RecordInfo *rec = p_.types.newRecord();
    rec->range = type.range;
    rec->module = module.name;
    for (const ast::Field &f : type.fields)
      rec->fields.push_back({f.name.text, resolveType(*f.type, module, generic),
                             f.defaultValue != nullptr, f.doc, f.name.range});
    rec->name = type.spelling();
    return finish(p_.types.record(rec));
  }
  std::string name = type.spelling();
  const std::string &head = type.path[0].text;
  auto wantArgs = [&](size_t n, const char *what) {
    if (type.args.size() == n)
      return true;
    diags_
        .report(DiagKind::WrongTypeArgCount, type.range,
                {head, std::to_string(n), std::to_string(type.args.size())})
        .label(type.range, what);
    return false;
  };
  if (type.path.size() == 1) {
    if (std::optional<TypeKind> scalar = scalarByName(head))
      return finish(wantArgs(0, "scalar types take no type arguments") ? p_.types.primitive(*scalar)
                                                                       : p_.types.error());
    if (head == "list")
      return finish(wantArgs(1, "write `list<T>`")
                        ? p_.types.list(resolveType(*type.args[0], module, generic))
                        : p_.types.error());
    if (head == "map") {
      if (!wantArgs(2, "write `map<string, T>`"))
        return finish(p_.types.error());
      const Type *key = resolveType(*type.args[0], module, generic);
      if (key->kind != TypeKind::String && !key->isError())
        diags_.report(DiagKind::TypeMismatch, type.args[0]->range, {"string", key->spelling()})
            .label(type.args[0]->range, "map keys are strings");
      return finish(p_.types.map(resolveType(*type.args[1], module, generic)));
    }
    // What a `finally (status)` block sees, so an exit task can take it whole.
    if (head == "TaskFinalStatus")
      return finish(wantArgs(0, "TaskFinalStatus takes no type arguments")
                        ? p_.types.taskFinalStatus()
                        : p_.types.error());
    if (head == "column") {
      if (!wantArgs(1, "write `column<S>`"))
        return finish(p_.types.error());
      const Schema *schema = resolveSchemaArg(*type.args[0], module, generic);
      return finish(schema ? p_.types.column(schema) : p_.types.error());
    }
    if (generic)
      for (const std::string &tp : generic->typeParams)
        if (tp == head) {
          diags_.report(DiagKind::NotAType, type.range, {head, "schema parameter"})
              .label(type.range, "a schema is not a type by itself")
              .fixit("use it as a dataset's schema", type.range, "Dataset<" + head + ">");
          return finish(p_.types.error());
        }
  }
  const ArtifactTypeInfo *artifact =
      type.path.size() == 1 ? p_.types.builtinArtifact(head) : nullptr;
  const Symbol *sym = nullptr;
  if (!artifact) {
    sym = lookupQualified(module, type.path, true);
    if (sym && sym->name.empty())
      return finish(p_.types.error());
    if (sym) {
      sym->markUsed();
      switch (sym->kind) {
      case SymbolKind::Artifact:
        artifact = sym->artifact;
        break;
      case SymbolKind::Record:
        if (!type.args.empty())
          wantArgs(0, "records take no type arguments");
        return finish(p_.types.record(sym->record));
      case SymbolKind::Schema:
        diags_.report(DiagKind::NotAType, type.range, {name, "schema"})
            .label(type.range, "a schema describes a dataset's columns")
            .fixit("use it as a dataset's schema", type.range, "Dataset<" + name + ">");
        return finish(p_.types.error());
      default:
        diags_
            .report(DiagKind::NotAType, type.range,
                    {name, sym->kind == SymbolKind::Callable
                               ? (sym->callable->isPipeline ? "pipeline" : "component")
                               : "module"})
            .label(type.range, "expected a type");
        return finish(p_.types.error());
      }
    }
  }
  if (!artifact) {
    std::vector<std::string> names = {"int", "float", "string", "bool", "list", "map", "column"};
    for (const ArtifactTypeInfo *a : p_.types.builtinArtifacts())
      names.push_back(a->name);
    for (auto &[n, s] : module.scope)
      if (s->kind == SymbolKind::Artifact || s->kind == SymbolKind::Record ||
          s->kind == SymbolKind::Schema)
        names.push_back(n);
    auto b = diags_.report(DiagKind::UnknownType, type.range, {name});
    b.label(type.range, "not a known type");
    std::string close = closestMatch(head, names);
    if (!close.empty() && type.path.size() == 1)
      b.fixit(fmt::format("did you mean `{}`?", close), type.path[0].range, close);
    return finish(p_.types.error());
  }
  if (!artifact->tabular) {
    if (!type.args.empty())
      wantArgs(0, "this artifact type has no schema");
    return finish(p_.types.artifact(artifact));
  }
  if (type.args.empty()) {
    SourceRange end{type.range.file, type.path.back().range.end, type.path.back().range.end};
    diags_.report(DiagKind::DatasetWithoutSchema, type.range, {name})
        .label(type.range, "the columns of this dataset are unknown")
        .fixit("name its schema, e.g. `" + name + "<Penguin>`, or accept any columns", end, "<*>");
    return finish(p_.types.error());
  }
  if (!wantArgs(1, "a dataset has one schema"))
    return finish(p_.types.error());
  const Schema *schema = resolveSchemaArg(*type.args[0], module, generic);
  if (!schema)
    return finish(p_.types.error());
  return type.optional ? p_.types.optional(p_.types.artifact(artifact, schema))
                       : p_.types.artifact(artifact, schema);
}

void Checker::resolveSignatures(ModuleInfo &module) {
  for (ast::DeclPtr &d : module.ast->decls) {
    auto *decl = llvm::dyn_cast<ast::CallableDecl>(d.get());
    if (!decl || !callableOf_.count(decl))
      continue;
    CallableInfo &c = *callableOf_[decl];
    for (const ast::Name &tp : decl->typeParams) {
      if (std::find(c.typeParams.begin(), c.typeParams.end(), tp.text) != c.typeParams.end()) {
        diags_.report(DiagKind::DuplicateDefinition, tp.range, {tp.text})
            .label(tp.range, "schema parameter declared again");
        continue;
      }
      Schema *s = p_.types.newSchema();
      s->kind = Schema::Kind::Param;
      s->paramIndex = static_cast<int>(c.typeParams.size());
      s->paramName = tp.text;
      s->range = tp.range;
      c.typeParams.push_back(tp.text);
      c.typeParamSchemas.push_back(s);
    }
    std::set<std::string> seen;
    auto addParams = [&](const std::vector<ast::Field> &fields, std::vector<ParamInfo> &out,
                         bool outputs) {
      for (const ast::Field &f : fields) {
        if (!seen.insert(f.name.text).second) {
          diags_.report(DiagKind::DuplicateDefinition, f.name.range, {f.name.text})
              .label(f.name.range,
                     outputs ? (c.isPipeline ? "output has the name of another output"
                                             : "output has the name of another input or output")
                             : "parameter defined again here");
          continue;
        }
        ParamInfo pi;
        pi.name = f.name.text;
        pi.range = f.name.range;
        pi.doc = f.doc;
        // Params are pushed before types resolve so schema ops can name them.
        out.push_back(pi);
      }
    };
    addParams(decl->params, c.params, false);
    // A pipeline's outputs are named only in its `return`, so they may reuse
    // an input's name (as KFP allows); a component's are also placeholders.
    if (c.isPipeline)
      seen.clear();
    addParams(decl->outputs, c.outputs, true);
    auto resolveList = [&](const std::vector<ast::Field> &fields, std::vector<ParamInfo> &out,
                           bool outputs) {
      for (ParamInfo &pi : out) {
        const ast::Field *f = nullptr;
        for (const ast::Field &cand : fields)
          if (cand.name.range.begin == pi.range.begin)
            f = &cand;
        pi.type = resolveType(*f->type, module, &c);
        if (outputs) {
          if (f->defaultValue)
            diags_
                .report(DiagKind::BadOutputs, f->defaultValue->range,
                        {"an output cannot have a default value"})
                .label(f->defaultValue->range, "");
          if (pi.type->kind == TypeKind::Optional)
            diags_.report(DiagKind::BadOutputs, f->type->range, {"an output cannot be optional"})
                .label(f->type->range, "every run produces every output");
          continue;
        }
        pi.optional = pi.type->kind == TypeKind::Optional || f->defaultValue;
        if (f->defaultValue) {
          if (pi.isArtifact()) {
            diags_.report(DiagKind::ArtifactDefault, f->defaultValue->range, {pi.name})
                .label(f->defaultValue->range, "artifacts come from tasks or importers")
                .help("make it optional with `?` instead, or import it with an importer");
          } else {
            Scope empty(Scope::Kind::Signature, nullptr, module);
            const Type *t = checkExpr(*f->defaultValue, empty, pi.type);
            expectAssignable(t, pi.type, *f->defaultValue, "parameter `" + pi.name + "`", pi.range);
            pi.defaultValue = f->defaultValue.get();
          }
        }
      }
    };
    resolveList(decl->params, c.params, false);
    resolveList(decl->outputs, c.outputs, true);
    if (c.isPipeline && !c.typeParams.empty())
      diags_.report(DiagKind::WrongTypeArgCount, decl->name.range, {c.name, "0", "some"});
    for (const ast::Annotation &a : decl->annotations) {
      if (a.name.text == "dataflow" && c.isPipeline) {
        if (c.isDataflowJob)
          diags_.report(DiagKind::DuplicateProperty, a.name.range, {"@dataflow"})
              .label(a.range, "a pipeline is one Dataflow job; merge the options");
        c.isDataflowJob = true;
        checkDataflowAnnotation(a);
        continue;
      }
      auto b = diags_.report(DiagKind::UnknownAnnotation, a.name.range, {a.name.text});
      b.label(a.range, c.isPipeline ? "not a known annotation" : "not allowed on a component");
      b.help("known annotations: `@dataflow(...)` on a pipeline");
    }
  }
}

} // namespace mlpc::sema
