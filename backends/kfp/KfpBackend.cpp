#include "backends/kfp/KfpBackend.h"

#include "backends/kfp/ProtoYaml.h"
#include "backends/kfp/pipeline_spec.pb.h"

#include <cmath>
#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <llvm/Support/JSON.h>
#include <map>
#include <regex>
#include <set>

namespace mlpc::kfp {

namespace mp = ml_pipelines;
namespace pb = google::protobuf;
using Container = mp::PipelineDeploymentConfig::PipelineContainerSpec;

std::string sanitizeName(const std::string &name) {
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok)
      out += l;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out;
}

namespace {

std::string where(const ir::SourceLocation &loc) {
  return loc.file().empty() ? "" : fmt::format("{}:{}:{}: ", loc.file(), loc.line(), loc.column());
}

mp::ParameterType::ParameterTypeEnum parameterType(const ir::Type &t) {
  switch (t.kind_case()) {
  case ir::Type::kScalar:
    switch (t.scalar()) {
    case ir::INT:
      return mp::ParameterType::NUMBER_INTEGER;
    case ir::FLOAT:
      return mp::ParameterType::NUMBER_DOUBLE;
    case ir::BOOL:
      return mp::ParameterType::BOOLEAN;
    default:
      return mp::ParameterType::STRING;
    }
  case ir::Type::kList:
    return mp::ParameterType::LIST;
  case ir::Type::kMap:
  case ir::Type::kRecord:
    return mp::ParameterType::STRUCT;
  case ir::Type::kStatus:
    return mp::ParameterType::TASK_FINAL_STATUS;
  case ir::Type::kColumn:
    return mp::ParameterType::STRING;
  default:
    return mp::ParameterType::STRING;
  }
}

// mlpc constants as google.protobuf.Value (KFP's numbers are doubles).
pb::Value toValue(const ir::Value &v) {
  pb::Value out;
  switch (v.kind_case()) {
  case ir::Value::kIntValue:
    out.set_number_value(static_cast<double>(v.int_value()));
    break;
  case ir::Value::kFloatValue:
    out.set_number_value(v.float_value());
    break;
  case ir::Value::kStringValue:
    out.set_string_value(v.string_value());
    break;
  case ir::Value::kBoolValue:
    out.set_bool_value(v.bool_value());
    break;
  case ir::Value::kListValue:
    for (const ir::Value &e : v.list_value().values())
      *out.mutable_list_value()->add_values() = toValue(e);
    out.mutable_list_value();
    break;
  case ir::Value::kMapValue:
    for (const auto &[k, e] : v.map_value().fields())
      (*out.mutable_struct_value()->mutable_fields())[k] = toValue(e);
    out.mutable_struct_value();
    break;
  default:
    out.set_null_value(pb::NULL_VALUE);
    break;
  }
  return out;
}

// "2", "0.5", "500m" -> cores.
double cpuCores(const std::string &q) {
  if (!q.empty() && q.back() == 'm')
    return std::stod(q.substr(0, q.size() - 1)) / 1000;
  return std::stod(q);
}

// "4Gi", "512M", "1000" -> gigabytes (10^9 bytes), as the SDK writes memoryLimit.
double memoryGigabytes(const std::string &q) {
  static const std::map<std::string, double> units = {{"", 1},
                                                      {"K", 1e3},
                                                      {"M", 1e6},
                                                      {"G", 1e9},
                                                      {"T", 1e12},
                                                      {"P", 1e15},
                                                      {"E", 1e18},
                                                      {"Ki", 1024.0},
                                                      {"Mi", 1048576.0},
                                                      {"Gi", 1073741824.0},
                                                      {"Ti", 1099511627776.0},
                                                      {"Pi", 1125899906842624.0},
                                                      {"Ei", 1152921504606846976.0}};
  size_t i = q.find_first_not_of("0123456789.");
  std::string unit = i == std::string::npos ? "" : q.substr(i);
  if (unit.size() == 1)
    unit[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
  auto it = units.find(unit);
  return std::stod(q.substr(0, i)) * (it == units.end() ? 1 : it->second) / 1e9;
}

class Lowering {
public:
  Lowering(const ir::Module &m, const KfpOptions &o) : m_(m), o_(o) {}

  KfpResult run() {
    KfpResult result;
    const ir::Pipeline &p = m_.pipelines().at(m_.root_pipeline());
    std::string name = sanitizeName(p.name());
    static const std::regex nameRe("^[a-z0-9][a-z0-9-]{0,127}$");
    if (!std::regex_match(name, nameRe))
      error(p.location(), fmt::format("pipeline name `{}` does not make a valid KFP name (`{}`)",
                                      p.name(), name));
    spec_.mutable_pipeline_info()->set_name(name);
    if (!p.description().empty())
      spec_.mutable_pipeline_info()->set_description(p.description());
    spec_.set_sdk_version(o_.sdkVersion);
    spec_.set_schema_version("2.1.0");
    mp::ComponentSpec *root = spec_.mutable_root();
    interface(p.interface(), root);
    lowerDag(p.body(), root);
    for (const ir::PipelineOutput &out : p.outputs())
      pipelineOutput(out, root);
    if (!errors_.empty()) {
      result.errors = errors_;
      return result;
    }
    // deploymentSpec is a Struct holding the PipelineDeploymentConfig's JSON.
    std::string json;
    pb::util::JsonPrintOptions jo;
    (void)pb::util::MessageToJsonString(deployment_, &json, jo);
    (void)pb::util::JsonStringToMessage(json, spec_.mutable_deployment_spec());
    result.yaml = header(p) + toYaml(spec_);
    return result;
  }

private:
  void error(const ir::SourceLocation &loc, const std::string &msg) {
    errors_.push_back(where(loc) + msg);
  }
  void unsupported(const ir::SourceLocation &loc, const std::string &what) {
    error(loc, what + " is not yet supported by --target=kfp; use --target=ir, or remove it");
  }

  std::string header(const ir::Pipeline &p) {
    std::string h = "# PIPELINE DEFINITION\n# Name: " + spec_.pipeline_info().name() + "\n";
    if (!p.description().empty())
      h += "# Description: " +
           std::regex_replace(p.description(), std::regex("\n"), "\n#              ") + "\n";
    if (p.interface().inputs_size()) {
      h += "# Inputs:\n";
      for (const ir::Parameter &in : p.interface().inputs()) {
        h += fmt::format("#    {}: {}", in.name(), typeWord(in.type()));
        if (in.has_default_value())
          h += " [Default: " + defaultText(in.default_value()) + "]";
        h += "\n";
      }
    }
    if (p.interface().outputs_size()) {
      h += "# Outputs:\n";
      for (const ir::Parameter &out : p.interface().outputs())
        h += fmt::format("#    {}: {}\n", out.name(), typeWord(out.type()));
    }
    return h;
  }

  std::string typeWord(const ir::Type &t) {
    if (t.has_artifact())
      return artifactType(t).schema_title();
    switch (parameterType(t)) {
    case mp::ParameterType::NUMBER_INTEGER:
      return "int";
    case mp::ParameterType::NUMBER_DOUBLE:
      return "float";
    case mp::ParameterType::BOOLEAN:
      return "bool";
    case mp::ParameterType::LIST:
      return "list";
    case mp::ParameterType::STRUCT:
      return "dict";
    default:
      return "str";
    }
  }

  static std::string defaultText(const ir::Value &v) {
    switch (v.kind_case()) {
    case ir::Value::kIntValue:
      return fmt::format("{:.1f}", static_cast<double>(v.int_value()));
    case ir::Value::kFloatValue:
      return fmt::format("{}", v.float_value());
    case ir::Value::kStringValue: {
      // A comment line must stay one line, whatever the default holds.
      std::string s = std::regex_replace(v.string_value(), std::regex("\n"), "\\n");
      return "'" + std::regex_replace(s, std::regex("\r"), "\\r") + "'";
    }
    case ir::Value::kBoolValue:
      return v.bool_value() ? "True" : "False";
    default:
      return "...";
    }
  }

  mp::ArtifactTypeSchema artifactType(const ir::Type &t) {
    mp::ArtifactTypeSchema s;
    auto it = m_.artifact_types().find(t.artifact().type());
    s.set_schema_title(it == m_.artifact_types().end() ? "system.Artifact"
                                                       : it->second.kfp_schema_title());
    s.set_schema_version(it == m_.artifact_types().end() ? "0.0.1" : it->second.schema_version());
    return s;
  }

  void interface(const ir::Interface &iface, mp::ComponentSpec *c) {
    for (const ir::Parameter &in : iface.inputs()) {
      if (in.is_artifact()) {
        auto &a = (*c->mutable_input_definitions()->mutable_artifacts())[in.name()];
        *a.mutable_artifact_type() = artifactType(in.type());
        a.set_is_optional(in.optional());
        a.set_description(in.description());
        continue;
      }
      auto &pspec = (*c->mutable_input_definitions()->mutable_parameters())[in.name()];
      pspec.set_parameter_type(parameterType(in.type()));
      if (in.has_default_value())
        *pspec.mutable_default_value() = toValue(in.default_value());
      pspec.set_is_optional(in.optional());
      pspec.set_description(in.description());
    }
    for (const ir::Parameter &out : iface.outputs()) {
      if (out.is_artifact()) {
        auto &a = (*c->mutable_output_definitions()->mutable_artifacts())[out.name()];
        *a.mutable_artifact_type() = artifactType(out.type());
        a.set_description(out.description());
      } else {
        auto &pspec = (*c->mutable_output_definitions()->mutable_parameters())[out.name()];
        pspec.set_parameter_type(parameterType(out.type()));
        pspec.set_description(out.description());
      }
    }
  }

  // ---- Container command lines ----

  std::string placeholder(const ir::CommandArg &a, const ir::Component &comp) {
    auto isOutputParam = [&](const std::string &name) {
      for (const ir::Parameter &o : comp.interface().outputs())
        if (o.name() == name)
          return !o.is_artifact();
      return false;
    };
    switch (a.kind_case()) {
    case ir::CommandArg::kLiteral:
      return a.literal();
    case ir::CommandArg::kInputValue:
      return fmt::format("{{{{$.inputs.parameters['{}']}}}}", a.input_value());
    case ir::CommandArg::kInputPath:
      return fmt::format("{{{{$.inputs.artifacts['{}'].path}}}}", a.input_path());
    case ir::CommandArg::kInputUri:
      return fmt::format("{{{{$.inputs.artifacts['{}'].uri}}}}", a.input_uri());
    case ir::CommandArg::kOutputPath:
      return isOutputParam(a.output_path())
                 ? fmt::format("{{{{$.outputs.parameters['{}'].output_file}}}}", a.output_path())
                 : fmt::format("{{{{$.outputs.artifacts['{}'].path}}}}", a.output_path());
    case ir::CommandArg::kOutputUri:
      return fmt::format("{{{{$.outputs.artifacts['{}'].uri}}}}", a.output_uri());
    case ir::CommandArg::kConcat: {
      llvm::json::Array parts;
      for (const ir::CommandArg &p : a.concat().parts())
        parts.push_back(placeholder(p, comp));
      return jsonText(llvm::json::Object{{"Concat", std::move(parts)}});
    }
    case ir::CommandArg::kIfPresent: {
      llvm::json::Array then, otherwise;
      for (const ir::CommandArg &p : a.if_present().then())
        then.push_back(placeholder(p, comp));
      for (const ir::CommandArg &p : a.if_present().otherwise())
        otherwise.push_back(placeholder(p, comp));
      llvm::json::Object body{{"InputName", a.if_present().input()}, {"Then", std::move(then)}};
      if (!otherwise.empty())
        body["Else"] = std::move(otherwise);
      return jsonText(llvm::json::Object{{"IfPresent", std::move(body)}});
    }
    default:
      return "";
    }
  }

  static std::string jsonText(llvm::json::Value v) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << v;
    return os.str();
  }

  // The lightweight Python component command line, as the KFP SDK writes it.
  void pythonExecutor(const ir::PythonImpl &py, Container *c) {
    c->set_image(py.base_image());
    std::string packages =
        "'kfp==2.15.2' '--no-deps' 'typing-extensions>=3.7.4,<5; python_version<\"3.9\"'";
    std::string extra;
    for (const std::string &p : py.packages())
      extra += " '" + std::regex_replace(p, std::regex("'"), "'\\''") + "'";
    std::string install = "\nif ! [ -x \"$(command -v pip)\" ]; then\n    python3 -m ensurepip || "
                          "python3 -m ensurepip --user || apt-get install python3-pip\nfi\n\n"
                          "PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --quiet "
                          "--no-warn-script-location " +
                          packages + " && ";
    if (!extra.empty())
      install += " python3 -m pip install --quiet --no-warn-script-location" + extra + " && ";
    install += "\"$0\" \"$@\"\n";
    for (const char *part : {"sh", "-c"})
      c->add_command(part);
    c->add_command(install);
    for (const char *part : {"sh", "-ec"})
      c->add_command(part);
    c->add_command("program_path=$(mktemp -d)\n\nprintf \"%s\" \"$0\" > "
                   "\"$program_path/ephemeral_component.py\"\n\n"
                   "_KFP_RUNTIME=true python3 -m kfp.dsl.executor_main                         "
                   "--component_module_path                         "
                   "\"$program_path/ephemeral_component.py\"                         \"$@\"\n");
    c->add_command(
        "\nimport kfp\nfrom kfp import dsl\nfrom kfp.dsl import *\nfrom typing import *\n\n" +
        py.source());
    for (const std::string &a : {std::string("--executor_input"), std::string("{{$}}"),
                                 std::string("--function_to_execute"), py.function()})
      c->add_args(a);
  }

  void resources(const ir::Resources &r, Container *c) {
    auto *res = c->mutable_resources();
    if (!r.cpu_limit().empty()) {
      res->set_cpu_limit(cpuCores(r.cpu_limit()));
      res->set_resource_cpu_limit(r.cpu_limit());
    }
    if (!r.cpu_request().empty()) {
      res->set_cpu_request(cpuCores(r.cpu_request()));
      res->set_resource_cpu_request(r.cpu_request());
    }
    if (!r.memory_limit().empty()) {
      res->set_memory_limit(memoryGigabytes(r.memory_limit()));
      res->set_resource_memory_limit(r.memory_limit());
    }
    if (!r.memory_request().empty()) {
      res->set_memory_request(memoryGigabytes(r.memory_request()));
      res->set_resource_memory_request(r.memory_request());
    }
    std::string accel = !r.tpu_type().empty() ? r.tpu_type() : r.accelerator_type();
    if (!accel.empty()) {
      int64_t count = r.accelerator_count() ? r.accelerator_count() : 1;
      auto *a = res->mutable_accelerator();
      a->set_type(accel);
      a->set_resource_type(accel);
      a->set_count(count);
      a->set_resource_count(std::to_string(count));
    }
    if (res->ByteSizeLong() == 0)
      c->clear_resources();
  }

  // One component and executor per task, named after the task (the SDK's scheme).
  std::string componentFor(const ir::Task &task, const std::string &key) {
    const ir::Component *comp = nullptr;
    if (auto it = m_.components().find(task.component()); it != m_.components().end())
      comp = &it->second;
    if (!comp) {
      unsupported(task.location(), "calling a pipeline from a pipeline");
      return "";
    }
    std::string compKey = "comp-" + key, execKey = "exec-" + key;
    mp::ComponentSpec &c = (*spec_.mutable_components())[compKey];
    interface(comp->interface(), &c);
    c.set_executor_label(execKey);
    Container *container = (*deployment_.mutable_executors())[execKey].mutable_container();
    switch (comp->implementation_case()) {
    case ir::Component::kContainer: {
      const ir::ContainerImpl &ci = comp->container();
      container->set_image(ci.image());
      for (const ir::CommandArg &a : ci.command())
        container->add_command(placeholder(a, *comp));
      for (const ir::CommandArg &a : ci.args())
        container->add_args(placeholder(a, *comp));
      std::map<std::string, std::string> env(task.options().env().begin(),
                                             task.options().env().end());
      for (const auto &[k, v] : ci.env())
        env.emplace(k, placeholder(v, *comp));
      for (const auto &[k, v] : env) {
        auto *e = container->add_env();
        e->set_name(k);
        e->set_value(v);
      }
      break;
    }
    case ir::Component::kPython:
      pythonExecutor(comp->python(), container);
      break;
    case ir::Component::kBuiltin:
      // Standard-library ops run in the mlpc runtime image, reading KFP's ExecutorInput.
      container->set_image(o_.runtimeImage);
      for (const char *part : {"mlpc", "exec-op"})
        container->add_command(part);
      container->add_command(comp->builtin().op());
      container->add_args("--executor-input");
      container->add_args("{{$}}");
      break;
    default:
      unsupported(task.location(), fmt::format("the implementation of `{}`", comp->name()));
      return "";
    }
    resources(task.options().resources(), container);
    return compKey;
  }

  std::string taskKey(const std::string &name) {
    std::string base = sanitizeName(name);
    std::string key = base;
    for (int i = 2; !taskKeys_.insert(key).second; ++i)
      key = fmt::format("{}-{}", base, i);
    return key;
  }

  void lowerDag(const ir::Dag &dag, mp::ComponentSpec *component) {
    mp::DagSpec *out = component->mutable_dag();
    for (const ir::Node &node : dag.nodes()) {
      if (node.has_task()) {
        lowerTask(node.task(), out);
        continue;
      }
      ir::SourceLocation none;
      if (node.has_condition())
        unsupported(none, "`if` (condition " + node.condition().id() + ")");
      else if (node.has_loop())
        unsupported(none, "`for` (" + node.loop().id() + ")");
      else if (node.has_exit_handler())
        unsupported(none, "`finally`");
    }
  }

  void lowerTask(const ir::Task &task, mp::DagSpec *dag) {
    std::string key = taskKey(task.name());
    keyOf_[task.name()] = key;
    std::string comp = componentFor(task, key);
    if (comp.empty())
      return;
    const ir::Component &component = m_.components().at(task.component());
    mp::PipelineTaskSpec &t = (*dag->mutable_tasks())[key];
    t.mutable_task_info()->set_name(
        task.options().display_name().empty() ? key : task.options().display_name());
    t.mutable_component_ref()->set_name(comp);
    std::set<std::string> deps;
    for (const auto &[name, binding] : task.inputs()) {
      const ir::Parameter *param = nullptr;
      for (const ir::Parameter &p : component.interface().inputs())
        if (p.name() == name)
          param = &p;
      if (!param)
        continue;
      if (!binding.has_expr()) {
        unsupported(task.location(), "a value chosen among `if` branches (one-of)");
        continue;
      }
      const ir::Expr &e = binding.expr();
      if (param->is_artifact()) {
        auto &in = (*t.mutable_inputs()->mutable_artifacts())[name];
        if (e.ref().has_task_output() && !e.ref().task_output().collected()) {
          std::string producer = keyOf_[e.ref().task_output().task()];
          in.mutable_task_output_artifact()->set_producer_task(producer);
          in.mutable_task_output_artifact()->set_output_artifact_key(
              e.ref().task_output().output());
          deps.insert(producer);
        } else if (!e.ref().pipeline_input().empty()) {
          in.set_component_input_artifact(e.ref().pipeline_input());
        } else {
          unsupported(task.location(), fmt::format("this way of passing artifact `{}`", name));
        }
        continue;
      }
      auto &in = (*t.mutable_inputs()->mutable_parameters())[name];
      if (e.has_constant()) {
        *in.mutable_runtime_value()->mutable_constant() = toValue(e.constant());
      } else if (e.has_ref() && !e.ref().pipeline_input().empty() &&
                 e.ref().field_path_size() == 0) {
        in.set_component_input_parameter(e.ref().pipeline_input());
      } else if (e.has_ref() && e.ref().has_task_output() && !e.ref().task_output().collected() &&
                 e.ref().field_path_size() == 0) {
        std::string producer = keyOf_[e.ref().task_output().task()];
        in.mutable_task_output_parameter()->set_producer_task(producer);
        in.mutable_task_output_parameter()->set_output_parameter_key(
            e.ref().task_output().output());
        deps.insert(producer);
      } else {
        unsupported(
            task.location(),
            fmt::format("a computed value for `{}` (an expression or interpolation)", name));
      }
    }
    for (const std::string &a : task.after())
      deps.insert(keyOf_[a]);
    for (const std::string &d : deps) // sorted, as the SDK writes them
      t.add_dependent_tasks(d);
    const ir::TaskOptions &o = task.options();
    if (o.caching_case() == ir::TaskOptions::kCacheEnabled && !o.cache_enabled())
      t.mutable_caching_options(); // `{}`: caching off
    else
      t.mutable_caching_options()->set_enable_cache(true);
    if (o.has_retry()) {
      auto *r = t.mutable_retry_policy();
      r->set_max_retry_count(static_cast<int32_t>(o.retry().max_retries()));
      auto duration = [](double seconds, pb::Duration *d) {
        d->set_seconds(static_cast<int64_t>(seconds));
        d->set_nanos(static_cast<int32_t>((seconds - std::floor(seconds)) * 1e9));
      };
      duration(o.retry().backoff_seconds(), r->mutable_backoff_duration());
      r->set_backoff_factor(o.retry().backoff_factor() ? o.retry().backoff_factor() : 2.0);
      duration(o.retry().max_backoff_seconds() ? o.retry().max_backoff_seconds() : 3600,
               r->mutable_backoff_max_duration());
    }
    if (o.ignore_upstream_failure())
      t.mutable_trigger_policy()->set_strategy(
          mp::PipelineTaskSpec::TriggerPolicy::ALL_UPSTREAM_TASKS_COMPLETED);
    if (o.timeout_seconds() > 0)
      unsupported(task.location(), "`timeout`");
    if (o.has_kubernetes())
      unsupported(task.location(), "`kubernetes` options");
  }

  void pipelineOutput(const ir::PipelineOutput &out, mp::ComponentSpec *root) {
    if (!out.value().has_expr() || !out.value().expr().ref().has_task_output()) {
      unsupported({},
                  fmt::format("pipeline output `{}` (only task outputs are lowered)", out.name()));
      return;
    }
    const ir::TaskOutput &to = out.value().expr().ref().task_output();
    std::string producer = keyOf_[to.task()];
    if (out.type().has_artifact()) {
      auto &a = (*root->mutable_output_definitions()->mutable_artifacts())[out.name()];
      *a.mutable_artifact_type() = artifactType(out.type());
      auto *sel = (*root->mutable_dag()->mutable_outputs()->mutable_artifacts())[out.name()]
                      .add_artifact_selectors();
      sel->set_producer_subtask(producer);
      sel->set_output_artifact_key(to.output());
    } else {
      (*root->mutable_output_definitions()->mutable_parameters())[out.name()].set_parameter_type(
          parameterType(out.type()));
      auto *sel = (*root->mutable_dag()->mutable_outputs()->mutable_parameters())[out.name()]
                      .mutable_value_from_parameter();
      sel->set_producer_subtask(producer);
      sel->set_output_parameter_key(to.output());
    }
  }

  const ir::Module &m_;
  const KfpOptions &o_;
  mp::PipelineSpec spec_;
  mp::PipelineDeploymentConfig deployment_;
  std::vector<std::string> errors_;
  std::set<std::string> taskKeys_;
  std::map<std::string, std::string> keyOf_; // IR task name -> KFP task key
};

} // namespace

KfpResult compileToKfp(const ir::Module &module, const KfpOptions &options) {
  return Lowering(module, options).run();
}

} // namespace mlpc::kfp
