// Hover: what the name under the cursor is, its type, and its doc comment.
#include "tools/lsp/Features.h"

#include <filesystem>
#include <fmt/format.h>

namespace mlpc::lsp {

namespace {

std::string code(const std::string &text) { return "```mlp\n" + text + "\n```"; }

// The spelling of a type, or "" for one the checker could not work out.
std::string typeName(const sema::Type *t) { return t && !t->isError() ? t->spelling() : ""; }

std::string fieldSpelling(const Analysis &a, const ast::Field &f) {
  std::string s = f.name.text;
  if (f.type)
    s += ": " + a.text(f.type->range);
  if (f.defaultValue)
    s += " = " + a.text(f.defaultValue->range);
  return s;
}

std::string columnSpelling(const sema::Column &c) {
  return c.name + ": " + sema::scalarName(c.type) + (c.optional ? "?" : "");
}

std::string schemaBlock(const sema::Schema &s) {
  std::string out = "schema " + s.spelling() + " {";
  for (const sema::Column &c : s.columns)
    out += "\n  " + columnSpelling(c) + ",";
  return out + (s.columns.empty() ? "}" : "\n}");
}

std::string recordBlock(const sema::RecordInfo &r) {
  std::string out = "record " + r.name + " {";
  for (const sema::RecordField &f : r.fields)
    out += "\n  " + f.name + ": " + typeName(f.type) + ",";
  return out + (r.fields.empty() ? "}" : "\n}");
}

std::string docOf(const Analysis &a, source::SourceRange name) {
  const ast::Decl *d = declarationAt(a, name);
  return d ? d->doc : "";
}

// `std.io`, or a file's path relative to the document's folder.
std::string moduleName(const Analysis &a, const sema::ModuleInfo *m) {
  if (!m)
    return "";
  if (m->isStd)
    return m->name;
  std::filesystem::path path(m->name);
  if (a.root() && path.is_absolute())
    path = path.lexically_relative(std::filesystem::path(a.root()->name).parent_path());
  return "\"" + (path.empty() ? m->name : path.string()) + "\"";
}

// `S = Penguin, T = Penguin'`: how a call bound a generic's schema parameters.
std::string bindings(const sema::TaskInfo &task) {
  std::string out;
  const sema::CallableInfo &c = *task.callee;
  for (size_t i = 0; i < c.typeParams.size() && i < task.schemaArgs.size(); ++i)
    if (task.schemaArgs[i])
      out += fmt::format("{}`{}` = `{}`", out.empty() ? "" : ", ", c.typeParams[i],
                         task.schemaArgs[i]->spelling());
  return out;
}

std::string callableHover(const Analysis &a, const sema::CallableInfo &c,
                          const sema::TaskInfo *task) {
  std::string out = code(signatureOf(a, c));
  if (c.decl && !c.decl->doc.empty())
    out += "\n\n" + c.decl->doc;
  if (c.module && c.module != a.root())
    out += "\n\nFrom " + moduleName(a, c.module) + ".";
  if (task) {
    std::string b = bindings(*task);
    if (!b.empty())
      out += "\n\nAt this call: " + b + ".";
    std::string outs;
    for (size_t i = 0; i < c.outputs.size() && i < task->outputTypes.size(); ++i)
      outs += fmt::format("\n- `{}`: `{}`", c.outputs[i].name, typeName(task->outputTypes[i]));
    if (!outs.empty())
      out += "\n\nOutputs here:" + outs;
  }
  return out;
}

std::string paramHover(const Analysis &a, const Target &t, bool output) {
  const sema::CallableInfo &c = *t.callable;
  const std::vector<sema::ParamInfo> &list = output ? c.outputs : c.params;
  if (t.index < 0 || static_cast<size_t>(t.index) >= list.size())
    return "";
  const sema::ParamInfo &p = list[t.index];
  const ast::Field *field = fieldOf(c, p);
  std::string spelled = field ? fieldSpelling(a, *field) : p.name + ": " + typeName(p.type);
  std::string out = code(fmt::format("({}) {}", output ? "output" : "parameter", spelled));
  if (!p.doc.empty())
    out += "\n\n" + p.doc;
  out += fmt::format("\n\n{} of {} `{}`.", output ? "Output" : "Parameter",
                     c.isPipeline ? "pipeline" : "component", c.name);
  if (t.task) {
    std::string here = output && static_cast<size_t>(t.index) < t.task->outputTypes.size()
                           ? typeName(t.type ? t.type : t.task->outputTypes[t.index])
                           : "";
    if (!here.empty())
      out += fmt::format("\n\nAt this call: `{}`.", here);
    else if (std::string b = bindings(*t.task); !b.empty())
      out += "\n\nAt this call: " + b + ".";
  }
  return out;
}

// A task binding: what it calls and the types of its outputs there.
std::string taskHover(const sema::Symbol &s) {
  const sema::Symbol *direct = directTask(&s);
  if (!direct || !direct->task || !direct->task->callee)
    return code("(task) " + s.name);
  const sema::TaskInfo &task = *direct->task;
  const sema::CallableInfo &c = *task.callee;
  std::string out = code(fmt::format("(task) {} = {}(...)", s.name, c.qualifiedName));
  const char *wrap = "";
  switch (s.view) {
  case sema::SymbolView::Collected:
    out += "\n\nBound in a `for` loop: here each output is a list, one item per iteration.";
    wrap = "list";
    break;
  case sema::SymbolView::Conditional:
    out += "\n\nBound in only some branches: here each output may be absent.";
    wrap = "?";
    break;
  case sema::SymbolView::OneOf:
    out += "\n\nBound in every branch of an `if`: here it is whichever branch ran.";
    break;
  default:
    break;
  }
  std::string outs;
  for (size_t i = 0; i < c.outputs.size() && i < task.outputTypes.size(); ++i) {
    std::string t = typeName(task.outputTypes[i]);
    if (std::string(wrap) == "list")
      t = "list<" + t + ">";
    else if (std::string(wrap) == "?")
      t += "?";
    outs += fmt::format("\n- `{}.{}`: `{}`", s.name, c.outputs[i].name, t);
  }
  out += outs.empty() ? "\n\nNo outputs." : "\n\nOutputs:" + outs;
  if (std::string b = bindings(task); !b.empty())
    out += "\n\nSchemas: " + b + ".";
  return out;
}

std::string symbolHover(const sema::Symbol &s) {
  using K = sema::SymbolKind;
  if (s.kind == K::Task)
    return taskHover(s);
  std::string type = typeName(s.type);
  std::string out = code(
      fmt::format("({}) {}{}", sema::symbolKindName(s), s.name, type.empty() ? "" : ": " + type));
  const sema::Type *t = s.type ? s.type->unwrapped() : nullptr;
  if (t && t->kind == sema::TypeKind::Record && (s.kind == K::Status || s.kind == K::RunInfo)) {
    out += "\n\nFields:";
    for (const sema::RecordField &f : t->record->fields)
      out += fmt::format("\n- `{}`: `{}`{}", f.name, typeName(f.type),
                         f.doc.empty() ? "" : " — " + f.doc);
  }
  return out;
}

std::string moduleHover(const Analysis &a, const Target &t) {
  const sema::ModuleInfo *m = t.module;
  if (!m)
    return code("(module) " + t.symbol->name) + "\n\nThis import could not be loaded.";
  std::string out = code(fmt::format("(module) {}", moduleName(a, m)));
  std::vector<std::string> callables, types;
  for (const auto &[name, sym] : m->scope) {
    if (sym->kind == sema::SymbolKind::Callable)
      callables.push_back("`" + name + "`");
    else if (sym->kind != sema::SymbolKind::Module)
      types.push_back("`" + name + "`");
  }
  if (!callables.empty())
    out += fmt::format("\n\nComponents and pipelines: {}.", fmt::join(callables, ", "));
  if (!types.empty())
    out += fmt::format("\n\nTypes: {}.", fmt::join(types, ", "));
  return out;
}

std::string describe(const Analysis &a, const Target &t) {
  using K = Target::Kind;
  switch (t.kind) {
  case K::None:
    return "";
  case K::Symbol:
    return symbolHover(*t.symbol);
  case K::Module:
    return moduleHover(a, t);
  case K::Schema: {
    std::string out = code(schemaBlock(*t.schema));
    std::string doc = docOf(a, t.schema->range);
    return doc.empty() || t.schema->name.find('\'') != std::string::npos ? out : out + "\n\n" + doc;
  }
  case K::Record: {
    std::string doc = docOf(a, t.record->range);
    return code(recordBlock(*t.record)) + (doc.empty() ? "" : "\n\n" + doc);
  }
  case K::Artifact: {
    const sema::ArtifactTypeInfo &art = *t.artifact;
    std::string out =
        code(fmt::format("(artifact type) {}{}{}", art.name, art.tabular ? "<Schema>" : "",
                         art.base ? " : " + art.base->name : ""));
    if (!art.description.empty())
      out += "\n\n" + art.description;
    return out;
  }
  case K::Primitive:
    return code("(type) " + t.name);
  case K::TypeParam:
    return code(fmt::format("(schema parameter) {}", t.callable->typeParams[t.index])) +
           fmt::format("\n\nBound to the schema of a dataset argument at each call of `{}`.",
                       t.callable->name);
  case K::Callable:
    return callableHover(a, *t.callable, t.task);
  case K::Param:
  case K::Output:
    return paramHover(a, t, t.kind == K::Output);
  case K::Column: {
    std::string out = code("(column) " + columnSpelling(*t.column));
    if (!t.column->doc.empty())
      out += "\n\n" + t.column->doc;
    return out + "\n\nColumn of schema `" + t.schema->spelling() + "`.";
  }
  case K::Field: {
    std::string out = code(fmt::format("(field) {}: {}", t.field->name, typeName(t.field->type)));
    if (!t.field->doc.empty())
      out += "\n\n" + t.field->doc;
    return out + "\n\nField of record `" + t.record->name + "`.";
  }
  }
  return "";
}

} // namespace

std::string signatureOf(const Analysis &a, const sema::CallableInfo &c, bool oneLine) {
  std::string head = (c.isPipeline ? "pipeline " : "component ") + c.name;
  if (!c.typeParams.empty())
    head += fmt::format("<{}>", fmt::join(c.typeParams, ", "));
  std::vector<std::string> params, outputs;
  if (c.decl) {
    for (const ast::Field &f : c.decl->params)
      params.push_back(fieldSpelling(a, f));
    for (const ast::Field &f : c.decl->outputs)
      outputs.push_back(fieldSpelling(a, f));
  }
  std::string tail = outputs.empty() ? "" : fmt::format(" -> ({})", fmt::join(outputs, ", "));
  std::string flat = fmt::format("{}({}){}", head, fmt::join(params, ", "), tail);
  if (oneLine || flat.size() <= 80 || params.empty())
    return flat;
  return fmt::format("{}(\n  {},\n){}", head, fmt::join(params, ",\n  "), tail);
}

json::Value hover(const Analysis &a, uint32_t offset) {
  Target t = locate(a, offset);
  std::string text = describe(a, t);
  if (text.empty())
    return nullptr;
  return json::Object{{"contents", json::Object{{"kind", "markdown"}, {"value", jsonText(text)}}},
                      {"range", a.range(t.range)}};
}

} // namespace mlpc::lsp
