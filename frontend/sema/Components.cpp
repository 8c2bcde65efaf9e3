// Component bodies: the one implementation block, placeholders in container
// command lines, Python function files, and task options (also used by a
// task's `with { ... }`).
#include "frontend/sema/Checker.h"
#include "frontend/sema/Scope.h"
#include "frontend/sema/Stdlib.h"
#include "frontend/sema/Suggest.h"
#include "ir/Accelerators.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <regex>

namespace mlpc::sema {

using diag::DiagKind;

namespace {

const std::vector<std::string> kImplementations = {"container", "python",   "builtin",
                                                   "importer",  "dataflow", "tfx"};
// Options allowed in a component body and in `with { ... }`; the last two
// only in `with`, since they relate one task to others.
const std::vector<std::string> kOptions = {"resources",  "retry",        "timeout",
                                           "cache",      "display_name", "env",
                                           "kubernetes", "after",        "ignore_upstream_failure"};

const char *kBuiltinOps[] = {
#define BUILTIN_OP(Name) Name,
#include "frontend/sema/BuiltinOps.def"
};
const char *kTfxComponents[] = {
#define TFX_COMPONENT(Name, Constructor) Name,
#include "frontend/sema/TfxComponents.def"
};

bool isConstant(const ast::Expr &e) {
  switch (e.kind) {
  case ast::ExprKind::Int:
  case ast::ExprKind::Float:
  case ast::ExprKind::Bool:
  case ast::ExprKind::None:
    return true;
  case ast::ExprKind::String:
    return llvm::cast<ast::StringLit>(e).isPlain();
  case ast::ExprKind::List:
    for (const ast::ExprPtr &el : llvm::cast<ast::ListExpr>(e).elements)
      if (!isConstant(*el))
        return false;
    return true;
  case ast::ExprKind::Map:
    for (const ast::MapEntry &en : llvm::cast<ast::MapExpr>(e).entries)
      if (!isConstant(*en.value))
        return false;
    return true;
  default:
    return false;
  }
}

const ast::StringLit *plainString(const ast::Expr *e) {
  auto *s = llvm::dyn_cast_or_null<ast::StringLit>(e);
  return s && s->isPlain() ? s : nullptr;
}

} // namespace

// Records a property name; reports it and returns false when it was set before.
bool Checker::firstSetting(std::set<std::string> &seen, const ast::Property &prop) {
  if (seen.insert(prop.name.text).second)
    return true;
  diags_.report(DiagKind::DuplicateProperty, prop.name.range, {prop.name.text})
      .label(prop.name.range, "set again here");
  return false;
}

void Checker::reportUnknownProperty(const ast::Property &prop, const char *where,
                                    const std::vector<std::string> &known) {
  auto b = diags_.report(DiagKind::UnknownProperty, prop.name.range, {prop.name.text, where});
  b.label(prop.name.range, "unknown");
  std::string close = closestMatch(prop.name.text, known);
  if (!close.empty())
    b.fixit(fmt::format("did you mean `{}`?", close), prop.name.range, close);
  else if (!known.empty())
    b.help(fmt::format("{} takes: {}", where, fmt::join(known, ", ")));
}

// Checks one `name: value` property against the kind of value it needs:
// "string", "int", "bool", "number", "duration", "quantity", "strings" (a
// list of strings), "map" (constant keys and values), "block" or "list".
void Checker::checkPropertyValue(const ast::Property &prop, const char *kind, Scope *scope) {
  std::string want = kind;
  if (want == "block") {
    if (!prop.isBlock)
      diags_.report(DiagKind::TypeMismatch, prop.range, {"a `{ ... }` block", "a value"})
          .label(prop.range, "")
          .fixit("write it as a block", prop.range, prop.name.text + " { ... }");
    return;
  }
  if (prop.isBlock) {
    if (want == "map") {
      for (const ast::Property &entry : prop.block)
        if (entry.isBlock || !isConstant(*entry.value))
          diags_.report(DiagKind::NotConstant, entry.range, {"a value here"})
              .label(entry.range, "");
      return;
    }
    diags_.report(DiagKind::TypeMismatch, prop.range, {want, "a block"})
        .label(prop.name.range, "expects a value: `" + prop.name.text + ": ...`");
    return;
  }
  checkConstantValue(prop.name, *prop.value, kind, scope);
}

// Checks a `name: value` whose value must be a constant of the given kind.
void Checker::checkConstantValue(const ast::Name &name, const ast::Expr &value, const char *kind,
                                 Scope *scope) {
  std::string want = kind;
  if (!isConstant(value)) {
    diags_.report(DiagKind::NotConstant, value.range, {"`" + name.text + "`"})
        .label(value.range, "not a constant")
        .help("write a literal value here");
    if (scope)
      checkExpr(value, *scope);
    return;
  }
  auto mismatch = [&](const char *expected) {
    const Type *found = scope ? checkExpr(value, *scope) : nullptr;
    diags_
        .report(DiagKind::TypeMismatch, value.range,
                {expected, found ? found->spelling() : "another kind of value"})
        .label(value.range, "`" + name.text + "` expects " + expected);
  };
  const ast::StringLit *str = plainString(&value);
  if (want == "string") {
    if (!str)
      mismatch("string");
  } else if (want == "int") {
    auto *i = llvm::dyn_cast<ast::IntLit>(&value);
    if (!i)
      mismatch("int");
    else if (i->value < 0)
      diags_
          .report(DiagKind::BadQuantity, value.range,
                  {name.text, std::to_string(i->value), "must not be negative"})
          .label(value.range, "");
  } else if (want == "bool") {
    if (!llvm::isa<ast::BoolLit>(value))
      mismatch("bool");
  } else if (want == "number") {
    if (!llvm::isa<ast::IntLit>(value) && !llvm::isa<ast::FloatLit>(value))
      mismatch("float");
  } else if (want == "strings") {
    auto *list = llvm::dyn_cast<ast::ListExpr>(&value);
    if (!list)
      return mismatch("list<string>");
    for (const ast::ExprPtr &el : list->elements)
      if (!plainString(el.get()))
        diags_.report(DiagKind::TypeMismatch, el->range, {"string", "another value"})
            .label(el->range, "");
  } else if (want == "map") {
    if (!llvm::isa<ast::MapExpr>(value))
      mismatch("map<string, string>");
  } else if (want == "list") {
    if (!llvm::isa<ast::ListExpr>(value))
      mismatch("list");
  } else if (want == "duration") {
    static const std::regex re(R"(^[0-9]+(\.[0-9]+)?(ms|s|m|h|d)$)");
    if (!str)
      return mismatch("duration string such as \"30s\"");
    if (!std::regex_match(str->plainText(), re))
      diags_.report(DiagKind::BadDuration, value.range, {str->plainText()})
          .label(value.range, "not a duration")
          .help("examples: \"500ms\", \"30s\", \"10m\", \"2h\", \"1d\"");
  } else if (want == "cpu" || want == "memory") {
    static const std::regex cpuRe(R"(^[0-9]+(\.[0-9]+)?m?$)");
    static const std::regex memRe(R"(^[0-9]+(\.[0-9]+)?([EPTGMK]i?|[eptgmk])?$)");
    std::string text;
    if (str)
      text = str->plainText();
    else if (auto *i = llvm::dyn_cast<ast::IntLit>(&value))
      text = std::to_string(i->value);
    else if (auto *f = llvm::dyn_cast<ast::FloatLit>(&value))
      text = fmt::format("{}", f->value);
    else
      return mismatch("string");
    bool cpu = want == "cpu";
    if (!std::regex_match(text, cpu ? cpuRe : memRe))
      diags_
          .report(DiagKind::BadQuantity, value.range,
                  {cpu ? "CPU quantity" : "memory quantity", text,
                   cpu ? "use cores such as \"2\", \"0.5\" or millicores such as \"500m\""
                       : "use bytes with a unit such as \"512Mi\", \"4Gi\" or \"1G\""})
          .label(value.range, "");
  }
}

void Checker::checkOptionBlock(const ast::Property &prop, const char *what,
                               const std::vector<std::pair<const char *, const char *>> &allowed,
                               Scope *scope) {
  checkPropertyValue(prop, "block", scope);
  std::vector<std::string> known;
  for (auto &[n, k] : allowed)
    known.push_back(n);
  std::set<std::string> seen;
  for (const ast::Property &inner : prop.block) {
    if (!firstSetting(seen, inner))
      continue;
    const char *kind = nullptr;
    for (auto &[n, k] : allowed)
      if (inner.name.text == n)
        kind = k;
    if (!kind) {
      reportUnknownProperty(inner, what, known);
      continue;
    }
    if (std::string(kind) == "tpu") {
      checkOptionBlock(inner, "`tpu`", {{"type", "string"}, {"topology", "string"}}, scope);
      continue;
    }
    checkPropertyValue(inner, kind, scope);
  }
}

bool Checker::checkOption(const ast::Property &prop, bool inTask, Scope *scope) {
  const std::string &n = prop.name.text;
  if (std::find(kOptions.begin(), kOptions.end(), n) == kOptions.end())
    return false;
  if (!inTask && (n == "after" || n == "ignore_upstream_failure")) {
    diags_.report(DiagKind::OptionNotAllowed, prop.name.range, {n, "a component body"})
        .label(prop.name.range, "relates one task to others")
        .help("set it on the task: `t = comp(...) with { " + n + ": ... }`");
    return true;
  }
  if (n == "resources")
    checkOptionBlock(prop, "`resources`",
                     {{"cpu", "cpu"},
                      {"memory", "memory"},
                      {"cpu_request", "cpu"},
                      {"memory_request", "memory"},
                      {"accelerator", "string"},
                      {"accelerator_count", "int"},
                      {"tpu", "tpu"}},
                     scope);
  else if (n == "retry")
    checkOptionBlock(prop, "`retry`",
                     {{"max", "int"},
                      {"backoff", "duration"},
                      {"factor", "number"},
                      {"max_backoff", "duration"}},
                     scope);
  else if (n == "kubernetes")
    checkOptionBlock(
        prop, "`kubernetes`",
        {{"node_selector", "map"}, {"tolerations", "list"}, {"secrets", "map"}, {"labels", "map"}},
        scope);
  else if (n == "timeout")
    checkPropertyValue(prop, "duration", scope);
  else if (n == "cache" || n == "ignore_upstream_failure")
    checkPropertyValue(prop, "bool", scope);
  else if (n == "display_name")
    checkPropertyValue(prop, "string", scope);
  else if (n == "env")
    checkPropertyValue(prop, "map", scope);
  // `after` needs the pipeline scope: checkTaskOptions handles it.
  return true;
}

void Checker::checkComponent(CallableInfo &c) {
  auto *decl = llvm::cast<ast::ComponentDecl>(c.decl);
  Scope scope(Scope::Kind::Component, nullptr, *c.module);
  for (size_t i = 0; i < c.params.size(); ++i) {
    Symbol *s = p_.newSymbol(SymbolKind::Param, c.params[i].name, c.params[i].range);
    s->type = c.params[i].type;
    s->index = static_cast<int>(i);
    s->callable = &c;
    scope.bind(s);
  }
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    Symbol *s = p_.newSymbol(SymbolKind::Output, c.outputs[i].name, c.outputs[i].range);
    s->type = c.outputs[i].type;
    s->index = static_cast<int>(i);
    s->callable = &c;
    scope.bind(s);
  }
  const ast::Property *impl = nullptr;
  std::map<std::string, const ast::Property *> seen;
  std::vector<std::string> known = kImplementations;
  known.insert(known.end(), kOptions.begin(), kOptions.end() - 2);
  for (const ast::Property &prop : decl->properties) {
    auto [it, inserted] = seen.emplace(prop.name.text, &prop);
    if (!inserted) {
      diags_.report(DiagKind::DuplicateProperty, prop.name.range, {prop.name.text})
          .label(prop.name.range, "set again here")
          .secondary(it->second->name.range, "first set here");
      continue;
    }
    bool isImpl = std::find(kImplementations.begin(), kImplementations.end(), prop.name.text) !=
                  kImplementations.end();
    if (!isImpl) {
      if (!checkOption(prop, false, &scope))
        reportUnknownProperty(prop, "a component body", known);
      continue;
    }
    if (impl) {
      diags_.report(DiagKind::MultipleImplementations, prop.name.range, {c.name})
          .label(prop.name.range, "second implementation")
          .secondary(impl->name.range, "first implementation")
          .help("a component has exactly one of: container, python, builtin, importer, dataflow, "
                "tfx");
      continue;
    }
    impl = &prop;
    const std::string &kind = prop.name.text;
    if (kind == "container") {
      c.impl = ImplKind::Container;
      checkContainer(c, prop, scope);
    } else if (kind == "python") {
      c.impl = ImplKind::Python;
      checkPython(c, prop);
      for (const Symbol *s : scope.order)
        s->markUsed(); // the function receives every input
    } else if (kind == "builtin" || kind == "tfx") {
      // An operation named from a fixed list: the runtime's or TFX's.
      bool builtin = kind == "builtin";
      c.impl = builtin ? ImplKind::Builtin : ImplKind::Tfx;
      checkPropertyValue(prop, "string", &scope);
      if (const ast::StringLit *s = plainString(prop.value.get())) {
        (builtin ? c.builtinOp : c.tfxComponent) = s->plainText();
        std::vector<std::string> names =
            builtin
                ? std::vector<std::string>(std::begin(kBuiltinOps), std::end(kBuiltinOps))
                : std::vector<std::string>(std::begin(kTfxComponents), std::end(kTfxComponents));
        if (std::find(names.begin(), names.end(), s->plainText()) == names.end()) {
          auto b = diags_.report(builtin ? DiagKind::UnknownBuiltin : DiagKind::UnknownTfxComponent,
                                 s->range, {s->plainText()});
          b.label(s->range, builtin ? "the runtime has no such operation"
                                    : "not one of TFX's standard components");
          std::string close = closestMatch(s->plainText(), names);
          if (!close.empty())
            b.fixit(fmt::format("did you mean `{}`?", close), s->range, "\"" + close + "\"");
        }
      }
      for (const Symbol *s : scope.order)
        s->markUsed();
    } else if (kind == "importer") {
      c.impl = ImplKind::Importer;
      checkImporter(c, prop, scope);
    } else if (kind == "dataflow") {
      c.impl = ImplKind::Dataflow;
      checkDataflow(c, prop);
      for (const Symbol *s : scope.order)
        s->markUsed();
    }
  }
  if (!impl) {
    diags_.report(DiagKind::NoImplementation, decl->name.range, {c.name})
        .label(decl->name.range, "")
        .help("add one of: `container { image: ..., command: [...] }`, "
              "`python { file: ..., function: ... }`, `builtin: \"...\"`, `importer { uri: ... }`, "
              "`dataflow { ... }`, `tfx: \"...\"`");
    return;
  }
  if (c.impl == ImplKind::Container)
    warnUnusedParams(c, scope);
}

void Checker::warnUnusedParams(const CallableInfo &c, Scope &scope) {
  for (const Symbol *s : scope.order) {
    if (s->used || s->name.empty() || s->name[0] == '_')
      continue;
    if (s->kind == SymbolKind::Param)
      diags_.report(DiagKind::UnusedParameter, s->range, {s->name})
          .label(s->range,
                 c.isPipeline ? "not used in the pipeline body" : "not passed to the container")
          .help("use it, remove it, or start its name with `_`");
  }
}

void Checker::checkContainer(CallableInfo &c, const ast::Property &block, Scope &scope) {
  checkPropertyValue(block, "block", &scope);
  bool hasImage = false;
  std::set<std::string> seen;
  for (const ast::Property &prop : block.block) {
    if (!firstSetting(seen, prop))
      continue;
    const std::string &n = prop.name.text;
    if (n == "image") {
      hasImage = true;
      checkPropertyValue(prop, "string", &scope);
    } else if (n == "command" || n == "args") {
      if (prop.isBlock || !llvm::isa<ast::ListExpr>(prop.value.get())) {
        diags_.report(DiagKind::TypeMismatch, prop.range, {"list", "another value"})
            .label(prop.range, "`" + n + "` is a list such as [\"python3\", \"main.py\"]");
        continue;
      }
      for (const ast::ExprPtr &el : llvm::cast<ast::ListExpr>(*prop.value).elements)
        checkPlaceholder(*el, scope);
    } else if (n == "env") {
      if (prop.isBlock) {
        for (const ast::Property &e : prop.block) {
          if (e.isBlock)
            diags_.report(DiagKind::TypeMismatch, e.range, {"string", "a block"})
                .label(e.range, "");
          else
            checkPlaceholder(*e.value, scope);
        }
      } else if (auto *map = llvm::dyn_cast<ast::MapExpr>(prop.value.get())) {
        for (const ast::MapEntry &e : map->entries)
          checkPlaceholder(*e.value, scope);
      } else {
        diags_.report(DiagKind::TypeMismatch, prop.range, {"map<string, string>", "another value"})
            .label(prop.range, "");
      }
    } else {
      reportUnknownProperty(prop, "`container`", {"image", "command", "args", "env"});
    }
  }
  if (!hasImage)
    diags_.report(DiagKind::MissingProperty, block.name.range, {"`container`", "image"})
        .label(block.name.range, "which image runs this command?")
        .help("add `image: \"python:3.11-slim\"` (or your own image)");
}

// A command-line element: a constant, a parameter, an artifact's `.path` or
// `.uri`, an output parameter's `.path`, an interpolated string of those, or
// `if_present(input, then: [...], else: [...])` or `concat(part, ...)`.
void Checker::checkPlaceholder(const ast::Expr &expr, Scope &scope) {
  auto bad = [&](SourceRange range, const std::string &message,
                 const std::string &label) -> diag::DiagnosticBuilder {
    return std::move(diags_.report(DiagKind::BadPlaceholder, range, {message}).label(range, label));
  };
  switch (expr.kind) {
  case ast::ExprKind::Int:
  case ast::ExprKind::Float:
  case ast::ExprKind::Bool:
    checkExpr(expr, scope);
    return;
  case ast::ExprKind::String:
    for (const ast::StringPart &part : llvm::cast<ast::StringLit>(expr).parts)
      if (part.expr)
        checkPlaceholder(*part.expr, scope);
    const_cast<ast::Expr &>(expr).type = p_.types.stringType();
    return;
  case ast::ExprKind::Name: {
    auto &ref = llvm::cast<ast::NameRef>(expr);
    const Symbol *sym = scope.findLocal(ref.name);
    if (!sym) {
      checkExpr(expr, scope); // reports the unknown name
      return;
    }
    sym->markUsed();
    const_cast<ast::NameRef &>(ref).symbol = sym;
    const_cast<ast::Expr &>(expr).type = sym->type;
    if (sym->kind == SymbolKind::Output || sym->type->unwrapped()->isArtifact()) {
      SourceRange end{expr.range.file, expr.range.end, expr.range.end};
      const char *what = sym->kind == SymbolKind::Output ? "output" : "artifact input";
      auto b = bad(expr.range, fmt::format("{} `{}` is a file, not a value", what, sym->name),
                   "use its path or URI");
      b.fixit("pass its local path", end, ".path");
    }
    return;
  }
  case ast::ExprKind::Member: {
    auto &mem = llvm::cast<ast::MemberExpr>(expr);
    auto *base = llvm::dyn_cast<ast::NameRef>(mem.base.get());
    const Symbol *sym = base ? scope.findLocal(base->name) : nullptr;
    if (!sym) {
      checkExpr(expr, scope);
      return;
    }
    sym->markUsed();
    const_cast<ast::NameRef *>(base)->symbol = sym;
    const std::string &m = mem.member.text;
    if (sym->type->isError())
      return; // its type was already reported
    bool artifact = sym->type->unwrapped()->isArtifact();
    bool ok =
        artifact ? (m == "path" || m == "uri") : (sym->kind == SymbolKind::Output && m == "path");
    if (!ok) {
      std::string what = artifact                          ? "artifact"
                         : sym->kind == SymbolKind::Output ? "output"
                                                           : "parameter";
      std::string members = artifact                          ? "`.path` or `.uri`"
                            : sym->kind == SymbolKind::Output ? "`.path`"
                                                              : "no members; use it by name";
      bad(mem.member.range, fmt::format("{} `{}` has no `.{}`", what, sym->name, m),
          "expected " + members);
      return;
    }
    const_cast<ast::Expr &>(expr).type = p_.types.stringType();
    return;
  }
  case ast::ExprKind::Call: {
    auto &call = llvm::cast<ast::CallExpr>(expr);
    auto *callee = llvm::dyn_cast<ast::NameRef>(call.callee.get());
    if (callee && callee->name == "concat") {
      // `concat(a, b, ...)`: one argument made of its parts (KFP's Concat placeholder).
      for (const ast::Arg &a : call.args) {
        if (a.name)
          bad(a.range, "`concat` takes its parts without names", "");
        else if (llvm::isa<ast::CallExpr>(*a.value))
          bad(a.value->range, "a part of `concat` cannot be a call", "");
        else
          checkPlaceholder(*a.value, scope);
      }
      const_cast<ast::Expr &>(expr).type = p_.types.stringType();
      return;
    }
    if (!callee || callee->name != "if_present") {
      bad(expr.range, "only `if_present(...)` and `concat(...)` may be called in a command line",
          "")
          .help("compute values in a pipeline and pass them as parameters");
      return;
    }
    const ast::Arg *input = nullptr;
    for (const ast::Arg &a : call.args) {
      if (!a.name) {
        if (input)
          bad(a.range, "`if_present` takes one input", "");
        input = &a;
      } else if (a.name->text == "then" || a.name->text == "else") {
        auto *list = llvm::dyn_cast<ast::ListExpr>(a.value.get());
        if (!list) {
          bad(a.value->range, fmt::format("`{}:` takes a list of arguments", a.name->text), "");
          continue;
        }
        for (const ast::ExprPtr &el : list->elements)
          checkPlaceholder(*el, scope);
      } else {
        reportUnknownProperty(ast::Property{*a.name, nullptr, {}, false, "", a.range},
                              "`if_present`", {"then", "else"});
      }
    }
    auto *ref = input ? llvm::dyn_cast<ast::NameRef>(input->value.get()) : nullptr;
    const Symbol *sym = ref ? scope.findLocal(ref->name) : nullptr;
    if (!sym || sym->kind != SymbolKind::Param || !isOptionalInput(sym)) {
      bad(input ? input->value->range : call.argsRange,
          "`if_present` needs an optional input of this component", "")
          .help("write `if_present(name, then: [...])` where `name` has a `?` type or a default");
      return;
    }
    sym->markUsed();
    const_cast<ast::NameRef *>(ref)->symbol = sym;
    const_cast<ast::Expr &>(expr).type = p_.types.list(p_.types.stringType());
    return;
  }
  default:
    checkExpr(expr, scope);
    bad(expr.range, "this expression cannot be a command-line argument", "")
        .help("use constants, inputs, `x.path`, `x.uri`, \"${...}\" strings or `if_present`");
  }
}

bool Checker::isOptionalInput(const Symbol *sym) const {
  const CallableInfo *c = sym->callable;
  return c && sym->index >= 0 && c->params[sym->index].optional;
}

void Checker::checkPython(CallableInfo &c, const ast::Property &block) {
  checkPropertyValue(block, "block", nullptr);
  const ast::StringLit *file = nullptr, *function = nullptr;
  std::set<std::string> seen;
  for (const ast::Property &prop : block.block) {
    if (!firstSetting(seen, prop))
      continue;
    const std::string &n = prop.name.text;
    if (n == "file" || n == "function" || n == "base_image") {
      checkPropertyValue(prop, "string", nullptr);
      if (n == "file")
        file = plainString(prop.value.get());
      if (n == "function")
        function = plainString(prop.value.get());
    } else if (n == "packages" || n == "pip_index_urls") {
      checkPropertyValue(prop, "strings", nullptr);
    } else {
      reportUnknownProperty(prop, "`python`",
                            {"file", "function", "base_image", "packages", "pip_index_urls"});
    }
  }
  for (auto [name, value] : {std::pair{"file", file}, {"function", function}})
    if (!value && !seen.count(name))
      diags_.report(DiagKind::MissingProperty, block.name.range, {"`python`", name})
          .label(block.name.range, "")
          .help(std::string("add `") + name + ": \"...\"`");
  if (!file)
    return;
  std::string path = (std::filesystem::path(c.module->directory) / file->plainText()).string();
  std::string error;
  std::optional<std::string> text = c.module->isStd ? std::nullopt : readSourceFile(path, error);
  if (!text) {
    diags_.report(DiagKind::PythonFileMissing, file->range, {file->plainText(), error})
        .label(file->range, "resolved from the folder of this .mlp file");
    return;
  }
  c.pythonSource = *text;
  c.pythonPath = file->plainText();
  if (!function)
    return;
  std::vector<std::string> defined;
  static const std::regex defRe(R"((?:^|\n)(?:async\s+)?def\s+([A-Za-z_][A-Za-z0-9_]*)\s*\()");
  for (auto it = std::sregex_iterator(text->begin(), text->end(), defRe);
       it != std::sregex_iterator(); ++it)
    defined.push_back((*it)[1].str());
  if (std::find(defined.begin(), defined.end(), function->plainText()) == defined.end()) {
    auto b = diags_.report(DiagKind::PythonFunctionMissing, function->range,
                           {file->plainText(), function->plainText()});
    b.label(function->range, "no top-level `def " + function->plainText() + "(` in the file");
    std::string close = closestMatch(function->plainText(), defined);
    if (!close.empty())
      b.fixit(fmt::format("did you mean `{}`?", close), function->range, "\"" + close + "\"");
    else if (!defined.empty())
      b.help(fmt::format("functions in the file: {}", fmt::join(defined, ", ")));
  }
}

void Checker::checkImporter(CallableInfo &c, const ast::Property &block, Scope &scope) {
  checkPropertyValue(block, "block", &scope);
  bool hasUri = false;
  for (const ast::Property &prop : block.block) {
    const std::string &n = prop.name.text;
    if (n == "uri") {
      hasUri = true;
      if (prop.isBlock) {
        checkPropertyValue(prop, "string", &scope);
        continue;
      }
      const Type *t = checkExpr(*prop.value, scope, p_.types.stringType());
      expectAssignable(t, p_.types.stringType(), *prop.value, "`uri`", prop.name.range);
    } else if (n == "reimport") {
      checkPropertyValue(prop, "bool", &scope);
    } else if (n == "metadata") {
      checkPropertyValue(prop, "map", &scope);
    } else {
      reportUnknownProperty(prop, "`importer`", {"uri", "reimport", "metadata"});
    }
  }
  if (!hasUri)
    diags_.report(DiagKind::MissingProperty, block.name.range, {"`importer`", "uri"})
        .label(block.name.range, "which artifact does it import?")
        .help("add `uri: \"gs://bucket/path\"` or a parameter holding one");
  if (c.outputs.size() != 1 || !c.outputs[0].isArtifact())
    diags_
        .report(DiagKind::BadOutputs, c.decl->name.range,
                {"an importer has exactly one output, an artifact"})
        .label(c.decl->name.range, "")
        .help("declare it as `-> (artifact: Model)` (or another artifact type)");
  warnUnusedParams(c, scope);
}

namespace {
// Dataflow job options, in a component's `dataflow { ... }` block and in a
// pipeline's `@dataflow(...)` annotation (which has no `pipeline:`).
const std::vector<std::pair<const char *, const char *>> kDataflowOptions = {
    {"region", "string"},           {"machine_type", "string"},
    {"max_workers", "int"},         {"num_workers", "int"},
    {"service_account", "string"},  {"temp_location", "string"},
    {"staging_location", "string"}, {"network", "string"},
    {"subnetwork", "string"},       {"worker_accelerator", "string"},
    {"accelerator_count", "int"},   {"tpu_topology", "string"},
    {"nvidia_mps", "bool"},         {"nvidia_driver", "string"},
    {"disk_size_gb", "int"},        {"worker_zone", "string"},
    {"template", "string"},         {"image", "string"},
    {"pipeline", "pipeline"}};

// Dataflow options as written: each option's value and where it is.
using WrittenOptions = std::map<std::string, std::pair<const ast::Expr *, SourceRange>>;

std::string writtenString(const WrittenOptions &w, const char *name) {
  auto it = w.find(name);
  const ast::StringLit *s = it == w.end() ? nullptr : plainString(it->second.first);
  return s ? s->plainText() : "";
}

// A count as written; 0 when absent, not an int, or negative (E0508 says so).
int64_t writtenCount(const WrittenOptions &w, const char *name) {
  auto it = w.find(name);
  auto *i = it == w.end() ? nullptr : llvm::dyn_cast_or_null<ast::IntLit>(it->second.first);
  return i && i->value > 0 ? i->value : 0;
}

// Checks a job's accelerator options against Dataflow's GPU/TPU rules
// (ir/Accelerators.h); each problem is reported at the option it names, else
// at `worker_accelerator`, else at `where`.
void checkJobAccelerator(diag::DiagnosticEngine &diags, const WrittenOptions &w,
                         SourceRange where) {
  ir::JobAccelerator job;
  job.workerAccelerator = writtenString(w, "worker_accelerator");
  job.acceleratorCount = writtenCount(w, "accelerator_count");
  job.tpuTopology = writtenString(w, "tpu_topology");
  auto mps = w.find("nvidia_mps");
  auto *mpsLit = mps == w.end() ? nullptr : llvm::dyn_cast_or_null<ast::BoolLit>(mps->second.first);
  job.nvidiaMps = mpsLit && mpsLit->value;
  job.nvidiaDriver = writtenString(w, "nvidia_driver");
  job.machineType = writtenString(w, "machine_type");
  for (const ir::AcceleratorProblem &p : ir::checkDataflowAccelerator(job)) {
    auto at = w.find(p.field);
    if (at == w.end())
      at = w.find("worker_accelerator");
    SourceRange range = at == w.end() ? where : at->second.second;
    diags.report(DiagKind::BadDataflowAccelerator, range, {p.message})
        .label(range, "")
        .help(p.help);
  }
}

// A task's `resources { accelerator, accelerator_count, tpu { type } }`,
// from the task's `with { ... }` over its component's body.
struct WrittenResources {
  ir::StepAccelerator step;
  // `accelerator`, `accelerator_count`, `tpu`: where, and whether in the component's body.
  std::map<std::string, std::pair<SourceRange, bool>> at;
};

void readResources(const std::vector<ast::Property> &props, bool inComponent,
                   WrittenResources &out) {
  for (const ast::Property &prop : props) {
    if (prop.name.text != "resources" || !prop.isBlock)
      continue;
    for (const ast::Property &r : prop.block) {
      const std::string &n = r.name.text;
      if (n == "accelerator") {
        if (const ast::StringLit *s = plainString(r.value.get())) {
          out.step.accelerator = s->plainText();
          out.at[n] = {r.range, inComponent};
        }
      } else if (n == "accelerator_count") {
        if (auto *i = llvm::dyn_cast_or_null<ast::IntLit>(r.value.get()); i && i->value > 0) {
          out.step.count = i->value;
          out.at[n] = {r.range, inComponent};
        }
      } else if (n == "tpu" && r.isBlock) {
        for (const ast::Property &t : r.block)
          if (const ast::StringLit *s =
                  t.name.text == "type" ? plainString(t.value.get()) : nullptr)
            out.step.tpuType = s->plainText();
        out.at[n] = {r.range, inComponent};
      }
    }
  }
}

} // namespace

void Checker::checkDataflowAnnotation(const ast::Annotation &a) {
  std::vector<std::string> known;
  for (auto &[n, k] : kDataflowOptions)
    if (std::string(k) != "pipeline")
      known.push_back(n);
  std::set<std::string> seen;
  WrittenOptions written;
  for (const ast::Arg &arg : a.args) {
    if (!arg.name) {
      diags_.report(DiagKind::TypeMismatch, arg.range, {"`name: value`", "a positional argument"})
          .label(arg.range, "name this option, e.g. `region: \"us-central1\"`");
      continue;
    }
    ast::Property view{*arg.name, nullptr, {}, false, "", arg.range};
    if (!firstSetting(seen, view))
      continue;
    const char *kind = nullptr;
    for (auto &[n, k] : kDataflowOptions)
      if (arg.name->text == n && std::string(k) != "pipeline")
        kind = k;
    if (!kind) {
      reportUnknownProperty(view, "`@dataflow`", known);
      continue;
    }
    checkConstantValue(*arg.name, *arg.value, kind, nullptr);
    written[arg.name->text] = {arg.value.get(), arg.range};
  }
  checkJobAccelerator(diags_, written, a.name.range);
}

void Checker::checkDataflow(CallableInfo &c, const ast::Property &block) {
  checkPropertyValue(block, "block", nullptr);
  const auto &allowed = kDataflowOptions;
  WrittenOptions written;
  std::vector<std::string> known;
  for (auto &[n, k] : allowed)
    known.push_back(n);
  for (const ast::Property &prop : block.block) {
    const char *kind = nullptr;
    for (auto &[n, k] : allowed)
      if (prop.name.text == n)
        kind = k;
    if (!kind) {
      reportUnknownProperty(prop, "`dataflow`", known);
      continue;
    }
    if (std::string(kind) != "pipeline") {
      checkPropertyValue(prop, kind, nullptr);
      if (!prop.isBlock)
        written.emplace(prop.name.text, std::pair{prop.value.get(), prop.range});
      continue;
    }
    auto *ref = prop.isBlock ? nullptr : llvm::dyn_cast<ast::NameRef>(prop.value.get());
    const Symbol *sym = nullptr;
    if (ref) {
      auto it = c.module->scope.find(ref->name);
      sym = it == c.module->scope.end() ? nullptr : it->second;
    }
    if (!sym || sym->kind != SymbolKind::Callable || !sym->callable->isPipeline) {
      diags_.report(DiagKind::NotCallable, prop.range, {ref ? ref->name : prop.name.text})
          .label(prop.range, "`pipeline:` names a pipeline declared in this file");
      continue;
    }
    sym->markUsed();
    c.dataflowPipeline = sym;
  }
  checkJobAccelerator(diags_, written, block.name.range);
}

// A task of a `@dataflow` pipeline is one step of the Beam job: its GPU
// becomes a resource hint, which Dataflow does not combine with a job-wide
// `worker_accelerator`, and it cannot have a TPU of its own.
void Checker::checkDataflowTask(const TaskInfo &task, const CallableInfo &pipeline) {
  WrittenResources r;
  if (auto *comp = llvm::dyn_cast<ast::ComponentDecl>(task.callee->decl))
    readResources(comp->properties, true, r);
  if (task.options)
    readResources(task.options->properties, false, r);
  if (r.at.empty())
    return;
  auto report = [&](const std::string &message, const char *field) {
    auto it = r.at.find(field);
    auto [at, inComponent] = it != r.at.end() ? it->second : r.at.begin()->second;
    auto b = diags_.report(DiagKind::DataflowTaskAccelerator, at, {message});
    b.label(at, "");
    if (inComponent)
      b.secondary(task.range, "this task runs in Dataflow job `" + pipeline.name + "`");
    return b;
  };
  for (const ir::AcceleratorProblem &p : ir::checkStepAccelerator(r.step))
    report(p.message, p.field).help(p.help);
  if (r.step.accelerator.empty())
    return;
  for (const ast::Annotation &a : pipeline.decl->annotations)
    for (const ast::Arg &arg : a.args)
      if (a.name.text == "dataflow" && arg.name && arg.name->text == "worker_accelerator")
        report(fmt::format("task `{}` asks for its own GPU, but Dataflow job `{}` sets "
                           "`worker_accelerator` for every worker",
                           task.name, pipeline.name),
               "accelerator")
            .secondary(arg.range, "the job's accelerator")
            .help("Dataflow does not combine a step's resource hint with a job-wide "
                  "accelerator: remove one of them");
}

} // namespace mlpc::sema
