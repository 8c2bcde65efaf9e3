#include "ir/Builder.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <map>
#include <set>

namespace mlpc::ir {

namespace sema = mlpc::sema;
namespace ast = mlpc::ast;

double durationSeconds(const std::string &text) {
  size_t unit = text.find_first_not_of("0123456789.");
  double n = std::stod(text.substr(0, unit));
  std::string u = unit == std::string::npos ? "s" : text.substr(unit);
  if (u == "ms")
    return n / 1000;
  if (u == "m")
    return n * 60;
  if (u == "h")
    return n * 3600;
  if (u == "d")
    return n * 86400;
  return n;
}

namespace {

ScalarKind scalar(sema::TypeKind k) {
  switch (k) {
  case sema::TypeKind::Int:
    return INT;
  case sema::TypeKind::Float:
    return FLOAT;
  case sema::TypeKind::String:
    return STRING;
  case sema::TypeKind::Bool:
    return BOOL;
  default:
    return SCALAR_UNSPECIFIED;
  }
}

void fillColumn(const sema::Column &c, Column *col) {
  col->set_name(c.name);
  col->set_type(scalar(c.type));
  col->set_optional(c.optional);
  col->set_description(c.doc);
}

void fillSchema(const sema::Schema *s, Schema *out, const sema::CallableInfo *generic = nullptr) {
  if (s && s->kind == sema::Schema::Kind::Param) {
    out->set_param(s->paramName);
    for (const sema::SchemaOp &op : s->ops) {
      SchemaOp *o = out->add_ops();
      static const SchemaOp::Kind kinds[] = {SchemaOp::REQUIRE, SchemaOp::DROP, SchemaOp::SELECT,
                                             SchemaOp::RETYPE,  SchemaOp::ADD,  SchemaOp::ONE_HOT};
      o->set_kind(kinds[static_cast<int>(op.kind)]);
      if (generic && op.paramIndex >= 0)
        o->set_columns_from(generic->params[op.paramIndex].name);
      if (op.kind == sema::SchemaOp::Kind::Retype)
        o->set_retype_to(scalar(op.retypeTo));
      if (generic && op.valuesIndex >= 0)
        o->set_values_from(generic->params[op.valuesIndex].name);
      for (const sema::Column &c : op.added)
        fillColumn(c, o->add_added());
    }
    return;
  }
  if (!s || s->kind != sema::Schema::Kind::Concrete) {
    out->set_any(true);
    return;
  }
  out->set_name(s->name);
  for (const sema::Column &c : s->columns)
    fillColumn(c, out->add_columns());
}

// Constant values of literal expressions (defaults, property values).
Value constantValue(const ast::Expr &e) {
  Value v;
  switch (e.kind) {
  case ast::ExprKind::Int:
    v.set_int_value(llvm::cast<ast::IntLit>(e).value);
    break;
  case ast::ExprKind::Float:
    v.set_float_value(llvm::cast<ast::FloatLit>(e).value);
    break;
  case ast::ExprKind::Bool:
    v.set_bool_value(llvm::cast<ast::BoolLit>(e).value);
    break;
  case ast::ExprKind::String:
    v.set_string_value(llvm::cast<ast::StringLit>(e).plainText());
    break;
  case ast::ExprKind::Name:
    v.set_string_value(llvm::cast<ast::NameRef>(e).name);
    break; // a column
  case ast::ExprKind::List:
    for (const ast::ExprPtr &el : llvm::cast<ast::ListExpr>(e).elements)
      *v.mutable_list_value()->add_values() = constantValue(*el);
    v.mutable_list_value(); // an empty list is still a list
    break;
  case ast::ExprKind::Map:
    for (const ast::MapEntry &en : llvm::cast<ast::MapExpr>(e).entries)
      (*v.mutable_map_value()->mutable_fields())[en.key] = constantValue(*en.value);
    v.mutable_map_value();
    break;
  default:
    v.set_null_value(true);
    break;
  }
  return v;
}

std::string plainString(const ast::Expr *e) {
  auto *s = llvm::dyn_cast_or_null<ast::StringLit>(e);
  return s ? s->plainText() : "";
}

class Builder {
public:
  Builder(const sema::Program &program, Module &out) : p_(program), out_(out) {}

  void run(const sema::CallableInfo &root) {
    out_.set_source_file(p_.sources.file(root.module->ast->file).path());
    if (root.isPipeline) {
      out_.set_root_pipeline(root.qualifiedName);
      addCallable(root);
    } else {
      buildComponentAlone(root);
    }
  }

  // A component built alone becomes a pipeline of the same name with one task
  // that takes the pipeline's inputs and gives its outputs (what the KFP SDK
  // compiles for a component).
  void buildComponentAlone(const sema::CallableInfo &c) {
    addCallable(c);
    Pipeline pl;
    pl.set_name(c.qualifiedName);
    pl.set_description(c.decl->doc);
    pl.set_wraps_component(c.qualifiedName);
    interface(c, pl.mutable_interface());
    *pl.mutable_location() = location(c.decl->name.range);
    Task *task = pl.mutable_body()->add_nodes()->mutable_task();
    task->set_name(c.name);
    task->set_component(c.qualifiedName);
    *task->mutable_location() = pl.location();
    for (const Parameter &in : pl.interface().inputs()) {
      Expr *e = (*task->mutable_inputs())[in.name()].mutable_expr();
      e->mutable_ref()->set_pipeline_input(in.name());
      *e->mutable_type() = in.type();
    }
    for (const Parameter &out : pl.interface().outputs()) {
      PipelineOutput *o = pl.add_outputs();
      o->set_name(out.name());
      *o->mutable_type() = out.type();
      Expr *e = o->mutable_value()->mutable_expr();
      e->mutable_ref()->mutable_task_output()->set_task(c.name);
      e->mutable_ref()->mutable_task_output()->set_output(out.name());
      *e->mutable_type() = out.type();
    }
    // Keyed apart from the component (`pipeline` is a keyword, so no name clashes with it).
    std::string key = c.qualifiedName + ".pipeline";
    out_.set_root_pipeline(key);
    (*out_.mutable_pipelines())[key] = std::move(pl);
  }

private:
  SourceLocation location(source::SourceRange r) {
    SourceLocation loc;
    if (!r.valid())
      return loc;
    const source::SourceFile &f = p_.sources.file(r.file);
    source::LineColumn lc = f.lineColumn(r.begin);
    loc.set_file(f.path());
    loc.set_line(lc.line);
    loc.set_column(lc.column);
    return loc;
  }

  std::string artifactKey(const sema::ArtifactTypeInfo *a) {
    std::string key = a->builtin ? a->name : a->module + "." + a->name;
    if (!out_.artifact_types().count(key)) {
      ArtifactType &t = (*out_.mutable_artifact_types())[key];
      t.set_name(a->name);
      t.set_kfp_schema_title(a->kfpSchemaTitle);
      t.set_schema_version(a->schemaVersion);
      t.set_tfx_type_name(a->tfxTypeName);
      t.set_user_defined(!a->builtin);
      t.set_description(a->description);
      for (const sema::ArtifactTypeInfo *b = a->base; b; b = b->base)
        t.add_ancestors(b->name);
    }
    return key;
  }

  Type type(const sema::Type *t, const sema::CallableInfo *generic = nullptr) {
    Type out;
    if (!t)
      return out;
    if (t->kind == sema::TypeKind::Optional) {
      out = type(t->elem, generic);
      out.set_optional(true);
      return out;
    }
    switch (t->kind) {
    case sema::TypeKind::List:
      *out.mutable_list() = type(t->elem, generic);
      break;
    case sema::TypeKind::Map:
      *out.mutable_map() = type(t->elem, generic);
      break;
    case sema::TypeKind::Record:
      if (t->record == p_.types.taskFinalStatus()->record) {
        out.set_status(true);
        break;
      }
      out.mutable_record()->set_name(t->record->name);
      for (const sema::RecordField &f : t->record->fields) {
        RecordField *rf = out.mutable_record()->add_fields();
        rf->set_name(f.name);
        *rf->mutable_type() = type(f.type);
        rf->set_has_default(f.hasDefault);
      }
      break;
    case sema::TypeKind::Artifact:
      out.mutable_artifact()->set_type(artifactKey(t->artifact));
      if (t->artifact->tabular)
        fillSchema(t->schema, out.mutable_artifact()->mutable_schema(), generic);
      break;
    case sema::TypeKind::Column:
      fillSchema(t->schema, out.mutable_column(), generic);
      break;
    default:
      out.set_scalar(scalar(t->kind));
      break;
    }
    return out;
  }

  // The type of a value flowing between tasks. An artifact's schema is
  // already on its producer (Task.output_types or the component interface),
  // so it is not repeated on every reference.
  Type valueType(const sema::Type *t) {
    Type out = type(t);
    for (Type *cur = &out;;) {
      if (cur->has_artifact()) {
        cur->mutable_artifact()->clear_schema();
        break;
      }
      if (cur->has_list())
        cur = cur->mutable_list();
      else if (cur->has_map())
        cur = cur->mutable_map();
      else
        break;
    }
    return out;
  }

  // An artifact, or a list of artifacts (a fan-in, or KFP's artifact list).
  static bool isArtifactOrList(const sema::Type &t) {
    const sema::Type *u = t.unwrapped();
    return u->isArtifact() ||
           (u->kind == sema::TypeKind::List && u->elem && u->elem->unwrapped()->isArtifact());
  }

  void interface(const sema::CallableInfo &c, Interface *out) {
    for (const std::string &tp : c.typeParams)
      out->add_type_params(tp);
    for (const sema::ParamInfo &pi : c.params) {
      Parameter *p = out->add_inputs();
      p->set_name(pi.name);
      *p->mutable_type() = type(pi.type, &c);
      p->set_optional(pi.optional);
      p->set_description(pi.doc);
      p->set_is_artifact(isArtifactOrList(*pi.type));
      if (pi.defaultValue)
        *p->mutable_default_value() = constantValue(*pi.defaultValue);
    }
    for (const sema::ParamInfo &pi : c.outputs) {
      Parameter *p = out->add_outputs();
      p->set_name(pi.name);
      *p->mutable_type() = type(pi.type, &c);
      p->set_description(pi.doc);
      p->set_is_artifact(isArtifactOrList(*pi.type));
    }
  }

  // ---- Task options ----

  void applyOptions(const std::vector<ast::Property> &props, TaskOptions *o) {
    for (const ast::Property &prop : props) {
      const std::string &n = prop.name.text;
      if (n == "resources") {
        Resources *r = o->mutable_resources();
        for (const ast::Property &q : prop.block) {
          std::string text = q.value ? scalarText(*q.value) : "";
          if (q.name.text == "cpu")
            r->set_cpu_limit(text);
          else if (q.name.text == "memory")
            r->set_memory_limit(text);
          else if (q.name.text == "cpu_request")
            r->set_cpu_request(text);
          else if (q.name.text == "memory_request")
            r->set_memory_request(text);
          else if (q.name.text == "accelerator")
            r->set_accelerator_type(text);
          else if (q.name.text == "accelerator_count")
            r->set_accelerator_count(intOf(q.value.get()));
          else if (q.name.text == "tpu")
            for (const ast::Property &t : q.block) {
              if (t.name.text == "type")
                r->set_tpu_type(plainString(t.value.get()));
              if (t.name.text == "topology")
                r->set_tpu_topology(plainString(t.value.get()));
            }
        }
      } else if (n == "retry") {
        RetryPolicy *r = o->mutable_retry();
        for (const ast::Property &q : prop.block) {
          if (q.name.text == "max")
            r->set_max_retries(intOf(q.value.get()));
          else if (q.name.text == "backoff")
            r->set_backoff_seconds(durationSeconds(plainString(q.value.get())));
          else if (q.name.text == "factor")
            r->set_backoff_factor(numberOf(q.value.get()));
          else if (q.name.text == "max_backoff")
            r->set_max_backoff_seconds(durationSeconds(plainString(q.value.get())));
        }
      } else if (n == "timeout") {
        o->set_timeout_seconds(durationSeconds(plainString(prop.value.get())));
      } else if (n == "cache") {
        o->set_cache_enabled(llvm::cast<ast::BoolLit>(*prop.value).value);
      } else if (n == "display_name") {
        o->set_display_name(plainString(prop.value.get()));
      } else if (n == "ignore_upstream_failure") {
        o->set_ignore_upstream_failure(llvm::cast<ast::BoolLit>(*prop.value).value);
      } else if (n == "env") {
        forEachEntry(prop, [&](const std::string &k, const ast::Expr &v) {
          (*o->mutable_env())[k] = scalarText(v);
        });
      } else if (n == "kubernetes") {
        KubernetesOptions *k = o->mutable_kubernetes();
        for (const ast::Property &q : prop.block) {
          auto intoMap = [&](google::protobuf::Map<std::string, std::string> *m) {
            forEachEntry(
                q, [&](const std::string &key, const ast::Expr &v) { (*m)[key] = scalarText(v); });
          };
          if (q.name.text == "node_selector")
            intoMap(k->mutable_node_selector());
          else if (q.name.text == "secrets")
            intoMap(k->mutable_secrets());
          else if (q.name.text == "labels")
            intoMap(k->mutable_labels());
          else if (q.name.text == "tolerations" && q.value)
            if (auto *list = llvm::dyn_cast<ast::ListExpr>(q.value.get()))
              for (const ast::ExprPtr &el : list->elements) {
                Value v = constantValue(*el);
                if (v.has_map_value())
                  *k->add_tolerations()->mutable_fields() = v.map_value();
              }
        }
      }
    }
  }

  template <typename F> void forEachEntry(const ast::Property &prop, F f) {
    if (prop.isBlock) {
      for (const ast::Property &e : prop.block)
        if (e.value)
          f(e.name.text, *e.value);
    } else if (auto *map = llvm::dyn_cast_or_null<ast::MapExpr>(prop.value.get())) {
      for (const ast::MapEntry &e : map->entries)
        f(e.key, *e.value);
    }
  }

  static std::string scalarText(const ast::Expr &e) {
    switch (e.kind) {
    case ast::ExprKind::Int:
      return std::to_string(llvm::cast<ast::IntLit>(e).value);
    case ast::ExprKind::Float:
      return fmt::format("{}", llvm::cast<ast::FloatLit>(e).value);
    case ast::ExprKind::Bool:
      return llvm::cast<ast::BoolLit>(e).value ? "true" : "false";
    default:
      return plainString(&e);
    }
  }
  static int64_t intOf(const ast::Expr *e) {
    auto *i = llvm::dyn_cast_or_null<ast::IntLit>(e);
    return i ? i->value : 0;
  }
  static double numberOf(const ast::Expr *e) {
    if (auto *i = llvm::dyn_cast_or_null<ast::IntLit>(e))
      return static_cast<double>(i->value);
    if (auto *f = llvm::dyn_cast_or_null<ast::FloatLit>(e))
      return f->value;
    return 0;
  }

  // ---- Components ----

  CommandArg commandArg(const ast::Expr &e) {
    CommandArg arg;
    switch (e.kind) {
    case ast::ExprKind::String: {
      auto &s = llvm::cast<ast::StringLit>(e);
      if (s.isPlain()) {
        arg.set_literal(s.plainText());
        break;
      }
      for (const ast::StringPart &part : s.parts) {
        if (part.expr)
          *arg.mutable_concat()->add_parts() = commandArg(*part.expr);
        else if (!part.text.empty())
          arg.mutable_concat()->add_parts()->set_literal(part.text);
      }
      break;
    }
    case ast::ExprKind::Name: {
      auto &ref = llvm::cast<ast::NameRef>(e);
      arg.set_input_value(ref.name);
      break;
    }
    case ast::ExprKind::Member: {
      auto &m = llvm::cast<ast::MemberExpr>(e);
      auto &base = llvm::cast<ast::NameRef>(*m.base);
      bool output = base.symbol && base.symbol->kind == sema::SymbolKind::Output;
      bool uri = m.member.text == "uri";
      if (output)
        uri ? arg.set_output_uri(base.name) : arg.set_output_path(base.name);
      else
        uri ? arg.set_input_uri(base.name) : arg.set_input_path(base.name);
      break;
    }
    case ast::ExprKind::Call: {
      auto &call = llvm::cast<ast::CallExpr>(e);
      if (llvm::cast<ast::NameRef>(*call.callee).name == "concat") {
        arg.mutable_concat()->set_explicit_placeholder(true);
        for (const ast::Arg &a : call.args)
          *arg.mutable_concat()->add_parts() = commandArg(*a.value);
        break;
      }
      IfPresentArg *ip = arg.mutable_if_present();
      for (const ast::Arg &a : call.args) {
        if (!a.name) {
          ip->set_input(llvm::cast<ast::NameRef>(*a.value).name);
          continue;
        }
        auto *list = llvm::cast<ast::ListExpr>(a.value.get());
        for (const ast::ExprPtr &el : list->elements)
          *(a.name->text == "then" ? ip->add_then() : ip->add_otherwise()) = commandArg(*el);
      }
      break;
    }
    default:
      arg.set_literal(scalarText(e));
      break;
    }
    return arg;
  }

  std::string addCallable(const sema::CallableInfo &c) {
    if (done_.count(&c))
      return c.qualifiedName;
    done_.insert(&c);
    if (c.isPipeline) {
      buildPipeline(c);
      return c.qualifiedName;
    }
    Component comp;
    comp.set_name(c.qualifiedName);
    comp.set_description(c.decl->doc);
    interface(c, comp.mutable_interface());
    *comp.mutable_location() = location(c.decl->name.range);
    auto *decl = llvm::cast<ast::ComponentDecl>(c.decl);
    for (const ast::Property &prop : decl->properties) {
      const std::string &n = prop.name.text;
      if (n == "container") {
        ContainerImpl *ci = comp.mutable_container();
        for (const ast::Property &q : prop.block) {
          if (q.name.text == "image")
            ci->set_image(plainString(q.value.get()));
          else if (q.name.text == "command" || q.name.text == "args")
            for (const ast::ExprPtr &el : llvm::cast<ast::ListExpr>(*q.value).elements)
              *(q.name.text == "command" ? ci->add_command() : ci->add_args()) = commandArg(*el);
          else if (q.name.text == "env")
            forEachEntry(q, [&](const std::string &k, const ast::Expr &v) {
              (*ci->mutable_env())[k] = commandArg(v);
            });
        }
      } else if (n == "python") {
        PythonImpl *pi = comp.mutable_python();
        pi->set_source(c.pythonSource);
        for (const ast::Property &q : prop.block) {
          if (q.name.text == "file")
            pi->set_file(plainString(q.value.get()));
          else if (q.name.text == "function")
            pi->set_function(plainString(q.value.get()));
          else if (q.name.text == "base_image")
            pi->set_base_image(plainString(q.value.get()));
          else if (q.name.text == "packages" || q.name.text == "pip_index_urls")
            for (const ast::ExprPtr &el : llvm::cast<ast::ListExpr>(*q.value).elements)
              (q.name.text == "packages" ? pi->add_packages() : pi->add_pip_index_urls())
                  ->assign(plainString(el.get()));
        }
        if (pi->base_image().empty())
          pi->set_base_image("python:3.11");
      } else if (n == "builtin") {
        comp.mutable_builtin()->set_op(c.builtinOp);
      } else if (n == "tfx") {
        comp.mutable_tfx()->set_component(c.tfxComponent);
      } else if (n == "importer") {
        ImporterImpl *ii = comp.mutable_importer();
        for (const ast::Property &q : prop.block) {
          if (q.name.text == "uri")
            *ii->mutable_uri() = commandArg(*q.value);
          else if (q.name.text == "reimport")
            ii->set_reimport(llvm::cast<ast::BoolLit>(*q.value).value);
          else if (q.name.text == "metadata")
            *ii->mutable_metadata() = constantValue(*q.value).map_value();
        }
      } else if (n == "dataflow") {
        DataflowImpl *di = comp.mutable_dataflow();
        std::vector<std::pair<std::string, const ast::Expr *>> named;
        for (const ast::Property &q : prop.block)
          named.push_back({q.name.text, q.value.get()});
        dataflowOptions(named, di->mutable_options());
        if (c.dataflowPipeline)
          di->set_pipeline(addCallable(*c.dataflowPipeline->callable));
      }
    }
    // Task options in the body are the defaults of every task of this component.
    applyOptions(decl->properties, comp.mutable_defaults());
    (*out_.mutable_components())[c.qualifiedName] = std::move(comp);
    return c.qualifiedName;
  }

  // Options from a `dataflow { ... }` block or a `@dataflow(...)` annotation.
  void dataflowOptions(const std::vector<std::pair<std::string, const ast::Expr *>> &named,
                       DataflowOptions *o) {
    for (auto &[n, value] : named) {
      std::string s = value ? plainString(value) : "";
      if (n == "region")
        o->set_region(s);
      else if (n == "machine_type")
        o->set_machine_type(s);
      else if (n == "max_workers")
        o->set_max_workers(intOf(value));
      else if (n == "num_workers")
        o->set_num_workers(intOf(value));
      else if (n == "service_account")
        o->set_service_account(s);
      else if (n == "temp_location")
        o->set_temp_location(s);
      else if (n == "staging_location")
        o->set_staging_location(s);
      else if (n == "network")
        o->set_network(s);
      else if (n == "subnetwork")
        o->set_subnetwork(s);
      else if (n == "worker_accelerator")
        o->set_worker_accelerator(s);
      else if (n == "accelerator_count")
        o->set_accelerator_count(intOf(value));
      else if (n == "tpu_topology")
        o->set_tpu_topology(s);
      else if (n == "nvidia_mps")
        o->set_nvidia_mps(llvm::isa_and_nonnull<ast::BoolLit>(value) &&
                          llvm::cast<ast::BoolLit>(value)->value);
      else if (n == "nvidia_driver")
        o->set_nvidia_driver(s);
      else if (n == "disk_size_gb")
        o->set_disk_size_gb(intOf(value));
      else if (n == "worker_zone")
        o->set_worker_zone(s);
      else if (n == "template")
        o->set_template_path(s);
      else if (n == "image")
        o->set_image(s);
    }
  }

  // ---- Pipelines ----

  struct PipelineState {
    std::map<const sema::TaskInfo *, std::string> taskNames;
    std::set<std::string> usedNames;
    std::map<std::string, int> nextSuffix;
    std::map<const sema::Symbol *, std::string> loopIds;
    int conditions = 0, loops = 0, exitHandlers = 0;
  };
  PipelineState *st_ = nullptr;

  // `base`, then `base-2`, `base-3`, ...: a counter per base keeps this
  // linear when many calls share a component's name.
  std::string uniqueName(const std::string &base) {
    int &next = st_->nextSuffix[base]; // 0 until `base` itself is taken
    std::string name;
    do {
      name = next == 0 ? base : fmt::format("{}-{}", base, next);
      next = next == 0 ? 2 : next + 1;
    } while (st_->usedNames.count(name));
    st_->usedNames.insert(name);
    return name;
  }

  // The IR task output a task symbol's output refers to.
  TaskOutput taskOutput(const sema::Symbol &direct, const std::string &output, bool collected) {
    TaskOutput to;
    to.set_task(st_->taskNames[direct.task]);
    to.set_output(output);
    to.set_collected(collected);
    return to;
  }

  // Binding for `task` or `task.output`, following control-flow views.
  Binding taskBinding(const sema::Symbol &sym, const std::string &output, const Type &t) {
    Binding b;
    if (sym.view == sema::SymbolView::Direct) {
      Expr *e = b.mutable_expr();
      *e->mutable_ref()->mutable_task_output() = taskOutput(sym, output, false);
      *e->mutable_type() = t;
      return b;
    }
    if (sym.view == sema::SymbolView::Collected) {
      const sema::Symbol *inner = sym.alternatives.front();
      Binding innerB = taskBinding(*inner, output, t);
      if (innerB.has_expr()) {
        innerB.mutable_expr()->mutable_ref()->mutable_task_output()->set_collected(true);
        *innerB.mutable_expr()->mutable_type() = t;
      }
      return innerB;
    }
    for (const sema::Symbol *alt : sym.alternatives) {
      const sema::Symbol *d = alt;
      while (d->view != sema::SymbolView::Direct)
        d = d->alternatives.front();
      *b.mutable_one_of()->add_alternatives() =
          taskOutput(*d, output, alt->view == sema::SymbolView::Collected);
    }
    return b;
  }

  static std::string singleOutput(const sema::Symbol &sym) {
    const sema::Symbol *d = &sym;
    while (d->view != sema::SymbolView::Direct)
      d = d->alternatives.front();
    return d->task->callee->outputs.empty() ? "" : d->task->callee->outputs[0].name;
  }

  Binding binding(const ast::Expr &e) {
    // References to tasks may be one-of bindings; everything else is an Expr.
    if (auto *ref = llvm::dyn_cast<ast::NameRef>(&e))
      if (ref->symbol && ref->symbol->kind == sema::SymbolKind::Task)
        return taskBinding(*ref->symbol, singleOutput(*ref->symbol), valueType(e.type));
    if (auto *m = llvm::dyn_cast<ast::MemberExpr>(&e))
      if (auto *base = llvm::dyn_cast<ast::NameRef>(m->base.get()))
        if (base->symbol && base->symbol->kind == sema::SymbolKind::Task)
          return taskBinding(*base->symbol, m->member.text, valueType(e.type));
    Binding b;
    *b.mutable_expr() = expr(e);
    return b;
  }

  Expr expr(const ast::Expr &e) {
    Expr out;
    *out.mutable_type() = valueType(e.type);
    switch (e.kind) {
    case ast::ExprKind::Int:
    case ast::ExprKind::Float:
    case ast::ExprKind::Bool:
    case ast::ExprKind::None:
      *out.mutable_constant() = constantValue(e);
      break;
    case ast::ExprKind::String: {
      auto &s = llvm::cast<ast::StringLit>(e);
      if (s.isPlain()) {
        *out.mutable_constant() = constantValue(e);
        break;
      }
      for (const ast::StringPart &part : s.parts) {
        Expr *p = out.mutable_concat()->add_parts();
        if (part.expr) {
          *p = expr(*part.expr);
        } else {
          p->mutable_constant()->set_string_value(part.text);
          p->mutable_type()->set_scalar(STRING);
        }
      }
      break;
    }
    case ast::ExprKind::Name: {
      auto &ref = llvm::cast<ast::NameRef>(e);
      const sema::Symbol *sym = ref.symbol;
      if (!sym || (e.type && e.type->kind == sema::TypeKind::Column)) {
        out.mutable_constant()->set_string_value(ref.name); // a column name
        break;
      }
      reference(*sym, out.mutable_ref(), out);
      break;
    }
    case ast::ExprKind::Member: {
      auto &m = llvm::cast<ast::MemberExpr>(e);
      auto *base = llvm::dyn_cast<ast::NameRef>(m.base.get());
      if (base && base->symbol && base->symbol->kind == sema::SymbolKind::Task) {
        Binding b = taskBinding(*base->symbol, m.member.text, valueType(e.type));
        if (b.has_expr())
          return b.expr();
        // One-of in an expression: the first alternative's reference stands
        // for it; backends that need exact one-of semantics use Bindings.
        *out.mutable_ref()->mutable_task_output() = b.one_of().alternatives(0);
        break;
      }
      if (m.symbol) { // module member used as a value: not reachable after checking
        out.mutable_constant()->set_null_value(true);
        break;
      }
      out = expr(*m.base);
      *out.mutable_type() = valueType(e.type);
      if (out.has_ref())
        out.mutable_ref()->add_field_path(m.member.text);
      break;
    }
    case ast::ExprKind::Index: {
      auto &ix = llvm::cast<ast::IndexExpr>(e);
      *out.mutable_index()->mutable_base() = expr(*ix.base);
      *out.mutable_index()->mutable_index() = expr(*ix.index);
      break;
    }
    case ast::ExprKind::Unary: {
      auto &u = llvm::cast<ast::UnaryExpr>(e);
      out.mutable_unary()->set_op(u.op == ast::UnaryOp::Neg ? UnaryExpr::NEG : UnaryExpr::NOT);
      *out.mutable_unary()->mutable_operand() = expr(*u.operand);
      break;
    }
    case ast::ExprKind::Binary: {
      auto &b = llvm::cast<ast::BinaryExpr>(e);
      static const BinaryExpr::Op ops[] = {
          BinaryExpr::MUL, BinaryExpr::DIV, BinaryExpr::MOD, BinaryExpr::ADD, BinaryExpr::SUB,
          BinaryExpr::LT,  BinaryExpr::LE,  BinaryExpr::GT,  BinaryExpr::GE,  BinaryExpr::EQ,
          BinaryExpr::NE,  BinaryExpr::AND, BinaryExpr::OR};
      out.mutable_binary()->set_op(ops[static_cast<int>(b.op)]);
      *out.mutable_binary()->mutable_lhs() = expr(*b.lhs);
      *out.mutable_binary()->mutable_rhs() = expr(*b.rhs);
      break;
    }
    case ast::ExprKind::List:
      for (const ast::ExprPtr &el : llvm::cast<ast::ListExpr>(e).elements)
        *out.mutable_list()->add_elements() = expr(*el);
      out.mutable_list();
      break;
    case ast::ExprKind::Map:
      for (const ast::MapEntry &en : llvm::cast<ast::MapExpr>(e).entries)
        (*out.mutable_map()->mutable_entries())[en.key] = expr(*en.value);
      out.mutable_map();
      break;
    case ast::ExprKind::Call:
      out.mutable_constant()->set_null_value(true); // rejected by the checker
      break;
    }
    return out;
  }

  void reference(const sema::Symbol &sym, Reference *ref, Expr &out) {
    switch (sym.kind) {
    case sema::SymbolKind::Param:
      ref->set_pipeline_input(sym.name);
      break;
    case sema::SymbolKind::LoopVar:
      ref->set_loop_item(st_->loopIds[&sym]);
      break;
    case sema::SymbolKind::Status:
      ref->set_final_status(true);
      break;
    case sema::SymbolKind::RunInfo:
      ref->set_run_info(true);
      break;
    case sema::SymbolKind::Value: {
      Type t = out.type();
      out = expr(*sym.value); // values are inlined where they are used
      *out.mutable_type() = t;
      break;
    }
    default:
      out.mutable_constant()->set_null_value(true);
      break;
    }
  }

  void buildTask(const sema::Symbol &sym, Dag *dag) {
    const sema::TaskInfo &t = *sym.task;
    std::string name = uniqueName(sym.name);
    st_->taskNames[&t] = name;
    Task *task = dag->add_nodes()->mutable_task();
    task->set_name(name);
    task->set_component(addCallable(*t.callee));
    *task->mutable_location() = location(t.range);
    for (size_t i = 0; i < t.callee->params.size(); ++i) {
      if (!t.args[i])
        continue;
      Binding &b = (*task->mutable_inputs())[t.callee->params[i].name];
      // Column arguments are checked names; backends see plain strings.
      const sema::Type *pt = t.callee->params[i].type->unwrapped();
      bool columns =
          pt->kind == sema::TypeKind::List && pt->elem->unwrapped()->kind == sema::TypeKind::Column;
      if (pt->kind == sema::TypeKind::Column || columns) {
        Expr *e = b.mutable_expr();
        *e->mutable_constant() = constantValue(*t.args[i]);
        if (columns)
          e->mutable_type()->mutable_list()->set_scalar(STRING);
        else
          e->mutable_type()->set_scalar(STRING);
        continue;
      }
      b = binding(*t.args[i]);
    }
    // Schemas bound at this call: only generic components have them; other
    // tasks' output types are their component's.
    if (!t.callee->typeParams.empty()) {
      for (const sema::Schema *s : t.schemaArgs)
        fillSchema(s, task->add_schema_args());
      for (size_t i = 0; i < t.callee->outputs.size(); ++i)
        (*task->mutable_output_types())[t.callee->outputs[i].name] = type(t.outputTypes[i]);
    }
    for (const sema::Symbol *a : t.after) {
      // `after: [x]` on a loop's or branch's task orders after each of them.
      std::vector<const sema::Symbol *> pending = {a};
      while (!pending.empty()) {
        const sema::Symbol *s = pending.back();
        pending.pop_back();
        if (s->view == sema::SymbolView::Direct)
          task->add_after(st_->taskNames[s->task]);
        else
          pending.insert(pending.end(), s->alternatives.begin(), s->alternatives.end());
      }
    }
    if (t.callee->decl->kind == ast::DeclKind::Component)
      applyOptions(llvm::cast<ast::ComponentDecl>(t.callee->decl)->properties,
                   task->mutable_options());
    if (t.options && t.options->present)
      applyOptions(t.options->properties, task->mutable_options());
  }

  void buildBlock(const ast::Block &block, Dag *dag, std::vector<const ast::Stmt *> *deferred) {
    for (const ast::StmtPtr &s : block.stmts)
      buildStmt(*s, dag, deferred);
  }

  void buildStmt(const ast::Stmt &s, Dag *dag, std::vector<const ast::Stmt *> *deferred) {
    switch (s.kind) {
    case ast::StmtKind::Bind:
    case ast::StmtKind::Expr: {
      auto it = p_.stmtSymbols.find(&s);
      if (it != p_.stmtSymbols.end() && it->second->kind == sema::SymbolKind::Task)
        buildTask(*it->second, dag);
      break;
    }
    case ast::StmtKind::If: {
      Condition *c = dag->add_nodes()->mutable_condition();
      c->set_id(fmt::format("condition-{}", ++st_->conditions));
      for (const ast::IfBranch &b : llvm::cast<ast::IfStmt>(s).branches) {
        Branch *br = c->add_branches();
        if (b.condition)
          *br->mutable_condition() = expr(*b.condition);
        buildBlock(b.body, br->mutable_body(), nullptr);
      }
      break;
    }
    case ast::StmtKind::For: {
      auto &f = llvm::cast<ast::ForStmt>(s);
      Loop *l = dag->add_nodes()->mutable_loop();
      l->set_id(fmt::format("for-loop-{}", ++st_->loops));
      l->set_item(f.variable.text);
      st_->loopIds[f.symbol] = l->id();
      *l->mutable_items() = expr(*f.iterable);
      if (f.symbol)
        *l->mutable_item_type() = type(f.symbol->type);
      if (auto *par = llvm::dyn_cast_or_null<ast::IntLit>(f.parallelism.get()))
        l->set_parallelism(par->value);
      buildBlock(f.body, l->mutable_body(), nullptr);
      break;
    }
    case ast::StmtKind::Finally:
      if (deferred)
        deferred->push_back(&s);
      break;
    case ast::StmtKind::Return:
      break;
    }
  }

  void buildPipeline(const sema::CallableInfo &c) {
    PipelineState state;
    PipelineState *saved = st_;
    st_ = &state;
    Pipeline pl;
    pl.set_name(c.qualifiedName);
    pl.set_description(c.decl->doc);
    interface(c, pl.mutable_interface());
    *pl.mutable_location() = location(c.decl->name.range);
    auto *decl = llvm::cast<ast::PipelineDecl>(c.decl);
    std::vector<const ast::Stmt *> finallies;
    Dag body;
    buildBlock(decl->body, &body, &finallies);
    if (!finallies.empty()) {
      auto &f = llvm::cast<ast::FinallyStmt>(*finallies.front());
      ExitHandler *eh = pl.mutable_body()->add_nodes()->mutable_exit_handler();
      eh->set_id(fmt::format("exit-handler-{}", ++st_->exitHandlers));
      if (f.status)
        eh->set_status_name(f.status->text);
      *eh->mutable_body() = std::move(body);
      buildBlock(f.body, eh->mutable_exit(), nullptr);
    } else {
      *pl.mutable_body() = std::move(body);
    }
    for (const ast::StmtPtr &s : decl->body.stmts) {
      auto *ret = llvm::dyn_cast<ast::ReturnStmt>(s.get());
      if (!ret)
        continue;
      for (size_t i = 0; i < ret->values.size(); ++i) {
        const ast::Arg &a = ret->values[i];
        std::string name = a.name ? a.name->text : c.outputs[i].name;
        PipelineOutput *o = pl.add_outputs();
        o->set_name(name);
        *o->mutable_value() = binding(*a.value);
        int index = c.findOutput(name);
        if (index >= 0)
          *o->mutable_type() = type(c.outputs[index].type);
      }
    }
    if (c.isDataflowJob) {
      pl.set_dataflow_job(true);
      for (const ast::Annotation &a : decl->annotations) {
        if (a.name.text != "dataflow")
          continue;
        std::vector<std::pair<std::string, const ast::Expr *>> named;
        for (const ast::Arg &arg : a.args)
          if (arg.name)
            named.push_back({arg.name->text, arg.value.get()});
        dataflowOptions(named, pl.mutable_dataflow());
      }
    }
    (*out_.mutable_pipelines())[c.qualifiedName] = std::move(pl);
    st_ = saved;
  }

  const sema::Program &p_;
  Module &out_;
  std::set<const sema::CallableInfo *> done_;
};

} // namespace

std::unique_ptr<Module> buildModule(const sema::Program &program, const sema::CallableInfo &root) {
  auto module = std::make_unique<Module>();
  Builder(program, *module).run(root);
  return module;
}

} // namespace mlpc::ir
