// Lowering the IR to a TFX pipeline in Python. One `create_pipeline`
// function builds the `tfx.dsl.Pipeline`: one variable per task, in the
// IR's order (TFX sorts them topologically again), each `.with_id()` its
// mlpc task name; `if` becomes `tfx.dsl.Cond` when it depends on a task's
// output and a plain Python `if` when only on pipeline parameters, which
// are known when the pipeline is built.
#include "backends/tfx/TfxBackend.h"

#include "backends/python/Python.h"
#include "backends/tfx/KfpAdapter.h"
#include "backends/tfx/Preprocessing.h"
#include "ir/Accelerators.h"
#include "ir/Quantities.h"

#include <algorithm>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <regex>
#include <set>

namespace mlpc::tfx {

using py::pyIdentifier;
using py::pyReflow;
using py::pyString;
using py::pyValue;

namespace {

// TFX's standard artifact classes (tfx.types.standard_artifacts).
const std::set<std::string> kStandardArtifacts = {"Examples",
                                                  "ExampleStatistics",
                                                  "ExampleAnomalies",
                                                  "ExampleValidationMetrics",
                                                  "Schema",
                                                  "TransformGraph",
                                                  "TransformCache",
                                                  "Model",
                                                  "ModelRun",
                                                  "ModelBlessing",
                                                  "ModelEvaluation",
                                                  "InfraBlessing",
                                                  "PushedModel",
                                                  "InferenceResult",
                                                  "HyperParameters",
                                                  "TunerResults",
                                                  "String",
                                                  "Integer",
                                                  "Float",
                                                  "Boolean"};

// Components that run Beam, and so take Dataflow worker options.
const std::set<std::string> kBeamComponents = {"CsvExampleGen", "ImportExampleGen", "StatisticsGen",
                                               "Transform",     "Evaluator",        "BulkInferrer"};

std::string indent(int level) { return std::string(static_cast<size_t>(level) * 4, ' '); }

void replaceOnce(std::string &text, const std::string &from, const std::string &to) {
  size_t at = text.find(from);
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
}

// A root `@dataflow` pipeline's options as Beam arguments: what its Beam
// components (ExampleGen, Transform, ...) take to run on Dataflow.
std::string dataflowBeamArgs(const ir::DataflowOptions &o) {
  std::vector<std::string> args = {"--runner=DataflowRunner"};
  auto text = [&](const char *flag, const std::string &value) {
    if (!value.empty())
      args.push_back(fmt::format("--{}={}", flag, value));
  };
  auto number = [&](const char *flag, int64_t value) {
    if (value > 0)
      args.push_back(fmt::format("--{}={}", flag, value));
  };
  ir::DataflowAccelerator acc = ir::lowerDataflowAccelerator(o);
  text("region", o.region());
  text("machine_type", acc.machineType.empty() ? o.machine_type() : acc.machineType);
  number("max_num_workers", o.max_workers());
  number("num_workers", o.num_workers());
  text("service_account_email", o.service_account());
  text("temp_location", o.temp_location());
  text("staging_location", o.staging_location());
  text("network", o.network());
  text("subnetwork", o.subnetwork());
  text("worker_zone", o.worker_zone());
  number("disk_size_gb", o.disk_size_gb());
  text("sdk_container_image", o.image());
  text("dataflow_service_options", acc.serviceOption);
  std::string list;
  for (const std::string &a : args)
    list += (list.empty() ? "" : ", ") + pyString(a);
  return "# The pipeline's @dataflow options: with --dataflow, its Beam components run on\n"
         "# Dataflow with them (more with --beam-arg).\n" +
         pyReflow("DATAFLOW_BEAM_ARGS = [" + list + "]", 0) + "\n";
}

class Lowering {
public:
  Lowering(const ir::Module &m, const TfxOptions &o) : m_(m), o_(o) {}

  backend::FolderOutput run() {
    const ir::Pipeline &p = m_.pipelines().at(m_.root_pipeline());
    pipeline_ = &p;
    checkName(p);
    for (const ir::Parameter &in : p.interface().inputs())
      if (in.is_artifact())
        error(
            p.location(),
            fmt::format("artifact input `{}` of the pipeline cannot be lowered to TFX", in.name()),
            "TFX pipelines take parameters only; import the artifact with an importer");
    std::vector<std::string> body;
    lowerDag(p.body(), 1, body);
    if (!p.outputs().empty())
      warn(p.location(), "the pipeline's outputs are not part of a TFX pipeline",
           "TFX pipelines return nothing; read the outputs from ML Metadata or the pipeline root");
    if (hasErrors())
      return std::move(result_);
    result_.files.push_back({"pipeline.py", pipelineFile(p, body)});
    result_.files.push_back({"requirements.txt", requirements()});
    for (auto &[path, content] : modules_)
      result_.files.push_back({path, content});
    for (auto &[module, content] : pythonModules_)
      result_.files.push_back({"components/" + module + ".py", content});
    if (!customArtifacts_.empty()) {
      std::string types = "# Generated by mlpc. Do not edit.\n\"\"\"Artifact types TFX has no "
                          "class for: mlpc's, by their mlpc names.\"\"\"\nfrom tfx import v1 as "
                          "tfx\n";
      for (const auto &[cls, typeName] : customArtifacts_)
        types += fmt::format("\n\nclass {}(tfx.dsl.Artifact):\n    TYPE_NAME = {}\n", cls,
                             pyString(typeName));
      result_.files.push_back({"components/mlpc_types.py", types});
    }
    return std::move(result_);
  }

private:
  // ---- diagnostics ------------------------------------------------------------
  void error(const ir::SourceLocation &at, std::string message, std::string help) {
    result_.diagnostics.push_back({at, std::move(message), std::move(help), false});
  }
  void warn(const ir::SourceLocation &at, std::string message, std::string help) {
    result_.diagnostics.push_back({at, std::move(message), std::move(help), true});
  }
  bool hasErrors() const {
    return std::any_of(result_.diagnostics.begin(), result_.diagnostics.end(),
                       [](const TfxDiagnostic &d) { return !d.warning; });
  }

  // Checks TFX makes only when the pipeline is run or submitted.
  void checkName(const ir::Pipeline &p) {
    std::string name = pipelineName(p.name());
    if (name.size() > 63 || !std::regex_match(name, std::regex("[a-z0-9][a-z0-9-]*")))
      error(p.location(),
            fmt::format("pipeline name `{}` becomes `{}` in TFX, which {}", p.name(), name,
                        name.size() > 63
                            ? fmt::format("is longer than 63 characters ({})", name.size())
                            : "does not match Vertex AI's `[a-z0-9][a-z0-9-]*`"),
            "TFX rejects pipeline names over 63 characters, and Vertex AI names that are not "
            "lowercase letters, digits and `-`; rename the pipeline");
  }

  // ---- names ------------------------------------------------------------------
  // The Python variable of a task: unique, and never a parameter's name.
  std::string var(const std::string &task) {
    auto it = vars_.find(task);
    if (it != vars_.end())
      return it->second;
    std::string base = pyIdentifier(task), v = base;
    for (int n = 2; usedVars_.count(v) || paramVar(v); ++n)
      v = base + "_" + std::to_string(n);
    usedVars_.insert(v);
    return vars_[task] = v;
  }
  // A pipeline parameter's Python name: never one of create_pipeline's own.
  static std::string paramIdent(const std::string &name) {
    static const std::set<std::string> taken = {"components", "pipeline_root", "metadata_path",
                                                "beam_pipeline_args", "enable_cache"};
    std::string id = pyIdentifier(name);
    return taken.count(id) ? id + "_param" : id;
  }
  bool paramVar(const std::string &v) const {
    for (const ir::Parameter &in : pipeline_->interface().inputs())
      if (paramIdent(in.name()) == v)
        return true;
    return v == "components" || v == "pipeline_root" || v == "metadata_path" ||
           v == "beam_pipeline_args" || v == "enable_cache";
  }

  // The TFX class of an artifact type, declaring a custom one when TFX has none.
  std::string artifactClass(const std::string &type) {
    auto t = m_.artifact_types().find(type);
    std::vector<std::string> chain{type};
    if (t != m_.artifact_types().end())
      chain.insert(chain.end(), t->second.ancestors().begin(), t->second.ancestors().end());
    for (const std::string &name : chain) {
      std::string tfxName = name;
      auto at = m_.artifact_types().find(name);
      if (at != m_.artifact_types().end() && !at->second.tfx_type_name().empty())
        tfxName = at->second.tfx_type_name();
      if (kStandardArtifacts.count(tfxName))
        return "tfx.types.standard_artifacts." + tfxName;
    }
    std::string cls = pyIdentifier(type) + "Artifact";
    if (!customArtifacts_.count(cls))
      customArtifacts_[cls] = type == "Artifact" ? "mlpc.Artifact" : type;
    return cls;
  }
  std::string valueArtifactClass(const ir::Type &t) {
    if (t.has_artifact())
      return artifactClass(t.artifact().type());
    switch (t.scalar()) {
    case ir::INT:
      return "tfx.types.standard_artifacts.Integer";
    case ir::FLOAT:
      return "tfx.types.standard_artifacts.Float";
    case ir::BOOL:
      return "tfx.types.standard_artifacts.Boolean";
    default:
      return "tfx.types.standard_artifacts.String";
    }
  }

  // ---- values -----------------------------------------------------------------
  // A Python expression for a value known when the pipeline is built
  // (constants and pipeline parameters); empty if it needs a task's output.
  std::string buildTimeValue(const ir::Expr &e) {
    switch (e.kind_case()) {
    case ir::Expr::kConstant:
      return pyValue(e.constant());
    case ir::Expr::kRef:
      if (e.ref().target_case() == ir::Reference::kPipelineInput && e.ref().field_path().empty())
        return paramIdent(e.ref().pipeline_input());
      return "";
    case ir::Expr::kConcat: {
      std::string out = "\"\".join([";
      for (int i = 0; i < e.concat().parts_size(); ++i) {
        std::string part = buildTimeValue(e.concat().parts(i));
        if (part.empty())
          return "";
        out += (i ? ", " : "") + (e.concat().parts(i).has_constant() ? part : "str(" + part + ")");
      }
      return out + "])";
    }
    case ir::Expr::kList: {
      std::string out = "[";
      for (int i = 0; i < e.list().elements_size(); ++i) {
        std::string el = buildTimeValue(e.list().elements(i));
        if (el.empty())
          return "";
        out += (i ? ", " : "") + el;
      }
      return out + "]";
    }
    case ir::Expr::kUnary:
    case ir::Expr::kBinary:
      return predicate(e, /*runtime=*/false);
    default:
      return "";
    }
  }

  // A condition: a Python expression (built when the pipeline is), or with
  // `runtime`, a TFX placeholder predicate over task outputs.
  std::string predicate(const ir::Expr &e, bool runtime) {
    if (e.has_ref() && e.ref().has_task_output()) {
      if (!runtime)
        return "";
      const ir::TaskOutput &o = e.ref().task_output();
      return fmt::format("{}.outputs[{}].future()[0].value", var(o.task()), pyString(o.output()));
    }
    if (e.has_unary()) {
      std::string operand = predicate(e.unary().operand(), runtime);
      if (operand.empty())
        return "";
      if (e.unary().op() == ir::UnaryExpr::NOT)
        return runtime ? "_ph.logical_not(" + operand + ")" : "(not " + operand + ")";
      return "(-" + operand + ")";
    }
    if (e.has_binary()) {
      std::string l = predicate(e.binary().lhs(), runtime),
                  r = predicate(e.binary().rhs(), runtime);
      if (l.empty() || r.empty())
        return "";
      static const std::map<ir::BinaryExpr::Op, const char *> ops = {
          {ir::BinaryExpr::ADD, "+"}, {ir::BinaryExpr::SUB, "-"}, {ir::BinaryExpr::MUL, "*"},
          {ir::BinaryExpr::DIV, "/"}, {ir::BinaryExpr::MOD, "%"}, {ir::BinaryExpr::LT, "<"},
          {ir::BinaryExpr::LE, "<="}, {ir::BinaryExpr::GT, ">"},  {ir::BinaryExpr::GE, ">="},
          {ir::BinaryExpr::EQ, "=="}, {ir::BinaryExpr::NE, "!="}};
      ir::BinaryExpr::Op op = e.binary().op();
      if (op == ir::BinaryExpr::AND || op == ir::BinaryExpr::OR) {
        // A placeholder predicate cannot combine with a plain Python bool.
        if (runtime && (!dependsOnTasks(e.binary().lhs()) || !dependsOnTasks(e.binary().rhs())))
          return "";
        const char *word = op == ir::BinaryExpr::AND ? "and" : "or";
        return runtime ? fmt::format("_ph.logical_{}({}, {})", word, l, r)
                       : fmt::format("({} {} {})", l, word, r);
      }
      auto it = ops.find(op);
      return it == ops.end() ? "" : fmt::format("({} {} {})", l, it->second, r);
    }
    return buildTimeValue(e);
  }
  bool dependsOnTasks(const ir::Expr &e) { return predicate(e, false).empty(); }
  // `(a >= b)` -> `a >= b`, when the parentheses enclose the whole expression.
  static std::string withoutParens(const std::string &e) {
    if (e.size() < 2 || e.front() != '(' || e.back() != ')')
      return e;
    int depth = 0;
    for (size_t i = 0; i < e.size(); ++i) {
      if (e[i] == '"') {
        for (++i; i < e.size() && e[i] != '"'; ++i)
          if (e[i] == '\\')
            ++i;
        continue;
      }
      depth += e[i] == '(' ? 1 : e[i] == ')' ? -1 : 0;
      if (depth == 0 && i + 1 < e.size())
        return e;
    }
    return e.substr(1, e.size() - 2);
  }

  // ---- the DAG ----------------------------------------------------------------
  void lowerDag(const ir::Dag &dag, int level, std::vector<std::string> &out) {
    for (const ir::Node &n : dag.nodes()) {
      switch (n.kind_case()) {
      case ir::Node::kTask:
        lowerTask(n.task(), level, out);
        break;
      case ir::Node::kCondition:
        lowerCondition(n.condition(), level, out);
        break;
      case ir::Node::kLoop:
        error(locationOfFirstTask(n.loop().body()), "a `for` loop cannot be lowered to TFX",
              "TFX pipelines have no loops; build one task per item, or use --target=kfp");
        break;
      case ir::Node::kExitHandler:
        error(locationOfFirstTask(n.exit_handler().exit()),
              "`finally` cannot be lowered to TFX: LocalDagRunner has no exit handler",
              "remove `finally`, or use --target=kfp (KFP runs exit handlers)");
        break;
      case ir::Node::KIND_NOT_SET:
        break;
      }
    }
  }
  ir::SourceLocation locationOfFirstTask(const ir::Dag &dag) {
    for (const ir::Node &n : dag.nodes())
      if (n.has_task())
        return n.task().location();
    return pipeline_->location();
  }

  // if / else if / else. A condition on pipeline parameters only is known
  // when the pipeline is built: a Python `if`. One on task outputs is known
  // when those tasks have run: a tfx.dsl.Cond, which also requires that the
  // runtime conditions before it were false. A chain may mix both.
  void lowerCondition(const ir::Condition &c, int level, std::vector<std::string> &out) {
    lowerBranches(c, 0, {}, level, out);
  }
  void lowerBranches(const ir::Condition &c, int i, std::vector<std::string> earlier, int level,
                     std::vector<std::string> &out) {
    if (i == c.branches_size())
      return;
    const ir::Branch &b = c.branches(i);
    // The body, under a Cond when earlier runtime conditions must be false.
    auto body = [&](std::vector<std::string> terms, int at) {
      for (auto it = earlier.rbegin(); it != earlier.rend(); ++it)
        terms.insert(terms.begin(), "_ph.logical_not(" + *it + ")");
      if (!terms.empty()) {
        std::string pred = terms.front();
        for (size_t k = 1; k < terms.size(); ++k)
          pred = fmt::format("_ph.logical_and({}, {})", pred, terms[k]);
        out.push_back(indent(at) +
                      pyReflow("with tfx.dsl.Cond(" + withoutParens(pred) + "):", at * 4));
        ++at;
        usesPlaceholders_ = true;
      }
      size_t before = out.size();
      lowerDag(b.body(), at, out);
      if (out.size() == before)
        out.push_back(indent(at) + "pass");
    };
    if (!b.has_condition()) {
      body({}, level);
      return;
    }
    if (!dependsOnTasks(b.condition())) {
      out.push_back(indent(level) + "if " + withoutParens(predicate(b.condition(), false)) + ":");
      body({}, level + 1);
      if (i + 1 < c.branches_size()) {
        out.push_back(indent(level) + "else:");
        size_t before = out.size();
        lowerBranches(c, i + 1, earlier, level + 1, out);
        if (out.size() == before)
          out.push_back(indent(level + 1) + "pass");
      }
      return;
    }
    std::string p = predicate(b.condition(), true);
    if (p.empty()) {
      error(locationOfFirstTask(b.body()), "this condition cannot be a TFX placeholder predicate",
            "compare a task's output parameter with constants or pipeline parameters");
      return;
    }
    warn(locationOfFirstTask(b.body()),
         "a condition on a task's output value runs under LocalDagRunner and BeamDagRunner, "
         "but KubeflowV2DagRunner (Vertex AI) rejects it",
         "TFX compiles conditions for Vertex AI only on artifact properties, such as an "
         "Evaluator's blessing; gate on `blessing` with Pusher's `model_blessing` there");
    body({p}, level);
    earlier.push_back(p);
    lowerBranches(c, i + 1, earlier, level, out);
  }

  // ---- tasks ------------------------------------------------------------------
  // The Python expression for a task's input, or empty after an error.
  std::string inputValue(const ir::Task &task, const ir::Parameter &param) {
    auto b = task.inputs().find(param.name());
    if (b == task.inputs().end())
      return "";
    if (b->second.has_one_of()) {
      error(task.location(),
            fmt::format("input `{}` comes from one of several branches, which TFX cannot express",
                        param.name()),
            "give the branches' tasks distinct consumers");
      return "";
    }
    const ir::Expr &e = b->second.expr();
    if (e.has_ref() && e.ref().has_task_output()) {
      const ir::TaskOutput &o = e.ref().task_output();
      if (!param.is_artifact()) {
        error(task.location(),
              fmt::format("parameter `{}` takes task `{}`'s output `{}`, which TFX passes only "
                          "as an artifact",
                          param.name(), o.task(), o.output()),
              "make the output an artifact, or compute the value in the pipeline's parameters");
        return "";
      }
      return fmt::format("{}.outputs[{}]", var(o.task()), pyString(o.output()));
    }
    if (param.is_artifact()) {
      error(
          task.location(),
          fmt::format("artifact input `{}` of a TFX pipeline must come from a task", param.name()),
          "import it with an importer component");
      return "";
    }
    std::string v = buildTimeValue(e);
    if (v.empty())
      error(task.location(),
            fmt::format("the value of `{}` cannot be lowered to TFX", param.name()),
            "use constants and pipeline parameters");
    return v;
  }

  const ir::Value *constantInput(const ir::Task &task, const std::string &name) {
    auto b = task.inputs().find(name);
    if (b != task.inputs().end() && b->second.has_expr() && b->second.expr().has_constant())
      return &b->second.expr().constant();
    return nullptr;
  }
  const ir::Value *defaultOf(const ir::Component &c, const std::string &name) {
    for (const ir::Parameter &p : c.interface().inputs())
      if (p.name() == name && p.has_default_value())
        return &p.default_value();
    return nullptr;
  }
  // A parameter's value as Python: the argument, else the default.
  std::string arg(const ir::Task &task, const ir::Component &c, const std::string &name) {
    for (const ir::Parameter &p : c.interface().inputs())
      if (p.name() == name) {
        if (task.inputs().count(name))
          return inputValue(task, p);
        return p.has_default_value() ? pyValue(p.default_value()) : "None";
      }
    return "None";
  }
  bool given(const ir::Task &task, const std::string &name) {
    const ir::Value *v = constantInput(task, name);
    if (!v)
      return task.inputs().count(name) > 0;
    return !(v->has_string_value() && v->string_value().empty()) &&
           !(v->has_list_value() && v->list_value().values().empty());
  }
  std::vector<std::string> stringList(const ir::Task &task, const std::string &name) {
    std::vector<std::string> out;
    if (const ir::Value *v = constantInput(task, name))
      for (const ir::Value &e : v->list_value().values())
        out.push_back(e.string_value());
    return out;
  }
  int64_t intArg(const ir::Task &task, const ir::Component &c, const std::string &name) {
    const ir::Value *v = constantInput(task, name);
    if (!v)
      v = defaultOf(c, name);
    return v && v->has_int_value() ? v->int_value() : 0;
  }

  void lowerTask(const ir::Task &task, int level, std::vector<std::string> &out) {
    auto found = m_.components().find(task.component());
    if (found == m_.components().end()) {
      auto sub = m_.pipelines().find(task.component());
      bool dataflow = sub != m_.pipelines().end() && sub->second.dataflow_job();
      error(task.location(),
            fmt::format("calling {} `{}` cannot be lowered to TFX",
                        dataflow ? "@dataflow pipeline" : "pipeline", task.component()),
            dataflow ? "TFX runs Beam through its own components: give them Dataflow options "
                       "with `--beam-arg` when running pipeline.py"
                     : "TFX sub-pipelines are not generated yet; call the inner pipeline's "
                       "components directly");
      return;
    }
    const ir::Component &c = found->second;
    std::string v = var(task.name());
    std::string call;
    switch (c.implementation_case()) {
    case ir::Component::kTfx:
      call = standardComponent(task, c);
      break;
    case ir::Component::kContainer:
      call = containerComponent(task, c);
      break;
    case ir::Component::kImporter:
      call = importer(task, c);
      break;
    case ir::Component::kBuiltin:
      error(task.location(),
            fmt::format("`{}` is an mlpc runtime op, which TFX cannot run", c.name()),
            "in a TFX pipeline use std.tfx: CsvExampleGen to read data, Transform with the same "
            "column arguments as std.transform.fit to preprocess, Trainer to train");
      return;
    case ir::Component::kPython:
      call = pythonComponent(task, c);
      break;
    default:
      error(task.location(), fmt::format("`{}` cannot be lowered to TFX", c.name()),
            "TFX runs its standard components, container components and importers");
      return;
    }
    if (call.empty())
      return;
    if (task.name() == pipelineName(pipeline_->name()))
      error(task.location(),
            fmt::format("task `{}` has the pipeline's name, which TFX does not allow as a node id",
                        task.name()),
            "rename the task");
    call += fmt::format(".with_id({})", pyString(task.name()));
    call += options(task, c);
    for (const std::string &after : task.after())
      out.push_back(indent(level) + fmt::format("# runs after `{}`", after));
    out.push_back(indent(level) + pyReflow(v + " = " + call, level * 4));
    for (const std::string &after : task.after())
      out.push_back(indent(level) + fmt::format("{}.add_upstream_node({})", v, var(after)));
    out.push_back(indent(level) + "components.append(" + v + ")");
  }

  // Task options: resources for Vertex AI and Dataflow; what TFX ignores is said.
  std::string options(const ir::Task &task, const ir::Component &c) {
    const ir::TaskOptions &o = task.options();
    std::string out;
    const ir::Resources &r = o.resources();
    bool hasResources =
        !r.cpu_limit().empty() || !r.memory_limit().empty() || !r.accelerator_type().empty();
    if (hasResources) {
      usesResources_ = true;
      out += fmt::format(
          ".with_platform_config(_vertex_resources(cpu={}, memory_gb={}, "
          "accelerator={}, count={}))",
          r.cpu_limit().empty() ? "None" : fmt::format("{}", ir::cpuCores(r.cpu_limit())),
          r.memory_limit().empty() ? "None"
                                   : fmt::format("{}", ir::memoryGigabytes(r.memory_limit())),
          r.accelerator_type().empty() ? "None" : pyString(r.accelerator_type()),
          r.accelerator_count() ? r.accelerator_count() : 1);
      if (c.has_tfx() && kBeamComponents.count(c.tfx().component()) &&
          !r.accelerator_type().empty())
        out += fmt::format(
            ".with_beam_pipeline_args([{}])",
            pyString(fmt::format(
                "--dataflow_service_options=worker_accelerator=type:{};count:{};install-nvidia-"
                "driver",
                ir::computeEngineGpuName(r.accelerator_type()),
                r.accelerator_count() ? r.accelerator_count() : 1)));
    }
    if (hasResources && c.has_tfx() &&
        (c.tfx().component() == "CsvExampleGen" || c.tfx().component() == "ImportExampleGen"))
      warn(task.location(),
           fmt::format("the resources of `{}` are dropped on Vertex AI", task.name()),
           "TFX's KubeflowV2DagRunner runs ExampleGen through its own driver and ignores its "
           "platform config; on Dataflow, size the Beam workers with --beam-arg instead");
    if (!r.tpu_type().empty())
      error(task.location(), "TPUs cannot be requested for a TFX component",
            "Vertex AI's TFX runner takes GPU accelerators only");
    auto ignored = [&](bool set, const char *what, const char *why) {
      if (set)
        warn(task.location(),
             fmt::format("{} of task `{}` has no effect in TFX", what, task.name()), why);
    };
    ignored(o.has_retry(), "`retry`",
            "TFX's LocalDagRunner, BeamDagRunner and KubeflowV2DagRunner do not retry nodes");
    ignored(o.timeout_seconds() > 0, "`timeout`", "TFX's runners do not time nodes out");
    ignored(o.caching_case() == ir::TaskOptions::kCacheEnabled, "`cache`",
            "TFX caches the whole pipeline or nothing: `python pipeline.py run --no-cache`");
    ignored(!o.env().empty(), "`env`", "TFX components take no environment variables");
    ignored(o.has_kubernetes(), "`kubernetes`", "TFX's runners take no Kubernetes options");
    ignored(!r.cpu_request().empty() || !r.memory_request().empty(), "a resource request",
            "Vertex AI takes limits only");
    return out;
  }

  std::string channelArgs(const ir::Task &task, const ir::Component &c,
                          std::vector<std::string> &args) {
    for (const ir::Parameter &p : c.interface().inputs()) {
      if (!p.is_artifact() || !task.inputs().count(p.name()))
        continue;
      std::string v = inputValue(task, p);
      if (v.empty())
        return "";
      args.push_back(p.name() + "=" + v);
    }
    return "ok";
  }

  // Exactly one of the ways to give user code (TFX checks this only at run time).
  bool exactlyOne(const ir::Task &task, const std::vector<std::string> &ways,
                  const std::vector<bool> &given, const std::string &what) {
    int n = static_cast<int>(std::count(given.begin(), given.end(), true));
    if (n == 1)
      return true;
    std::string list;
    for (size_t i = 0; i < ways.size(); ++i)
      list += (i ? (i + 1 == ways.size() ? " or " : ", ") : "") + ("`" + ways[i] + "`");
    error(task.location(),
          fmt::format("{} `{}` needs exactly one of {}; {} given", what, task.name(), list,
                      n == 0 ? "none is" : std::to_string(n) + " are"),
          "TFX rejects the component when the pipeline runs");
    return false;
  }

  // A file that TFX loads user code from: relative paths are relative to the .mlp file.
  std::string sourcePath(const ir::Task &task, const ir::Component &c, const std::string &name) {
    return fmt::format("_source_path({})", arg(task, c, name));
  }

  std::string standardComponent(const ir::Task &task, const ir::Component &c) {
    const std::string &kind = c.tfx().component();
    std::vector<std::string> args;
    if (channelArgs(task, c, args).empty())
      return "";
    auto plain = [&](std::initializer_list<const char *> names) {
      for (const char *n : names)
        if (task.inputs().count(n))
          args.push_back(std::string(n) + "=" + arg(task, c, n));
    };
    if (kind == "CsvExampleGen" || kind == "ImportExampleGen") {
      args.push_back("input_base=" + arg(task, c, "input_base"));
      args.push_back(
          fmt::format("output_config=tfx.proto.Output(split_config=tfx.proto.SplitConfig(splits=["
                      "tfx.proto.SplitConfig.Split(name=\"train\", hash_buckets={}), "
                      "tfx.proto.SplitConfig.Split(name=\"eval\", hash_buckets={})]))",
                      arg(task, c, "train_buckets"), arg(task, c, "eval_buckets")));
    } else if (kind == "StatisticsGen" || kind == "ExampleValidator") {
      plain({"exclude_splits"});
    } else if (kind == "SchemaGen") {
      plain({"infer_feature_shape", "exclude_splits"});
    } else if (kind == "ImportSchemaGen") {
      args.push_back("schema_file=" + arg(task, c, "schema_file"));
    } else if (kind == "Transform") {
      bool columns = false;
      for (const char *n : {"z_score", "scale_0_1", "bucketize", "vocabulary", "hash"})
        columns = columns || given(task, n);
      if (!exactlyOne(task, {"column lists", "module_file", "preprocessing_fn"},
                      {columns, given(task, "module_file"), given(task, "preprocessing_fn")},
                      "Transform"))
        return "";
      if (columns)
        args.push_back("module_file=" + generatedPreprocessing(task, c));
      else if (given(task, "module_file"))
        args.push_back("module_file=" + sourcePath(task, c, "module_file"));
      else
        args.push_back("preprocessing_fn=" + arg(task, c, "preprocessing_fn"));
    } else if (kind == "Trainer" || kind == "Tuner") {
      std::string fn = kind == "Trainer" ? "run_fn" : "tuner_fn";
      if (!exactlyOne(task, {"module_file", fn}, {given(task, "module_file"), given(task, fn)},
                      kind))
        return "";
      if (given(task, "module_file"))
        args.push_back("module_file=" + sourcePath(task, c, "module_file"));
      else
        args.push_back(fn + "=" + arg(task, c, fn));
      args.push_back(
          fmt::format("train_args=tfx.proto.TrainArgs(num_steps={})", arg(task, c, "train_steps")));
      args.push_back(
          fmt::format("eval_args=tfx.proto.EvalArgs(num_steps={})", arg(task, c, "eval_steps")));
      if (kind == "Trainer")
        plain({"custom_config"});
      else
        args.push_back(fmt::format("tune_args=tfx.proto.TuneArgs(num_parallel_trials={})",
                                   arg(task, c, "num_parallel_trials")));
    } else if (kind == "Evaluator") {
      usesTfma_ = true;
      args.push_back("eval_config=" + evalConfig(task, c));
      plain({"example_splits"});
    } else if (kind == "InfraValidator") {
      args.push_back(fmt::format(
          "serving_spec=tfx.proto.ServingSpec(tensorflow_serving=tfx.proto.TensorFlowServing("
          "tags={}, image_name={}), local_docker=tfx.proto.LocalDockerConfig())",
          arg(task, c, "serving_tags"), arg(task, c, "serving_image")));
      args.push_back(fmt::format(
          "validation_spec=tfx.proto.ValidationSpec(max_loading_time_seconds=60, num_tries={})",
          arg(task, c, "num_tries")));
    } else if (kind == "Pusher") {
      if (!task.inputs().count("model") && !task.inputs().count("infra_blessing"))
        error(task.location(),
              fmt::format("Pusher `{}` has neither `model` nor `infra_blessing`", task.name()),
              "give the model to push (TFX rejects a Pusher without one when it runs)");
      if (const ir::Value *d = constantInput(task, "destination"))
        if (d->string_value().empty())
          error(task.location(), fmt::format("Pusher `{}` has an empty `destination`", task.name()),
                "name the folder that serving reads models from");
      args.push_back(fmt::format("push_destination=tfx.proto.PushDestination(filesystem="
                                 "tfx.proto.PushDestination.Filesystem(base_directory={}))",
                                 arg(task, c, "destination")));
    } else if (kind == "BulkInferrer") {
      args.push_back(fmt::format("data_spec=tfx.proto.DataSpec(example_splits={})",
                                 arg(task, c, "example_splits")));
      args.push_back("model_spec=tfx.proto.ModelSpec()");
    } else if (kind == "LatestBlessedModelResolver" || kind == "LatestArtifactResolver") {
      std::vector<std::string> channels;
      for (const ir::Parameter &o : c.interface().outputs())
        channels.push_back(
            fmt::format("{}=tfx.dsl.Channel(type={})", o.name(), valueArtifactClass(o.type())));
      std::string strategy = kind == "LatestBlessedModelResolver"
                                 ? "tfx.dsl.experimental.LatestBlessedModelStrategy"
                                 : "tfx.dsl.experimental.LatestArtifactStrategy";
      return fmt::format("tfx.dsl.Resolver(strategy_class={}, {})", strategy, join(channels, ", "));
    }
    return fmt::format("tfx.components.{}({})", kind, join(args, ", "));
  }

  std::string evalConfig(const ir::Task &task, const ir::Component &c) {
    std::string threshold;
    bool lower = given(task, "lower_bound"), change = given(task, "change_threshold");
    if (lower || change) {
      std::vector<std::string> parts;
      if (lower)
        parts.push_back(
            fmt::format("value_threshold=tfma.GenericValueThreshold(lower_bound={{\"value\": {}}})",
                        arg(task, c, "lower_bound")));
      if (change)
        parts.push_back(
            fmt::format("change_threshold=tfma.GenericChangeThreshold(direction="
                        "tfma.MetricDirection.HIGHER_IS_BETTER, absolute={{\"value\": -abs({})}})",
                        arg(task, c, "change_threshold")));
      threshold = ", threshold=tfma.MetricThreshold(" + join(parts, ", ") + ")";
    } else {
      warn(task.location(),
           fmt::format("Evaluator `{}` has no `lower_bound` or `change_threshold`", task.name()),
           "without a threshold TFX never blesses the model, so a Pusher that reads the "
           "blessing pushes nothing");
    }
    return fmt::format(
        "tfma.EvalConfig(model_specs=[tfma.ModelSpec(signature_name={}, label_key={}, "
        "preprocessing_function_names={})], slicing_specs=[tfma.SlicingSpec()], "
        "metrics_specs=[tfma.MetricsSpec(metrics=[tfma.MetricConfig(class_name={}{})])])",
        arg(task, c, "signature_name"), arg(task, c, "label_key"),
        arg(task, c, "preprocessing_function_names"), arg(task, c, "metric"), threshold);
  }

  std::string generatedPreprocessing(const ir::Task &task, const ir::Component &c) {
    PreprocessingSpec spec;
    if (!task.schema_args().empty())
      spec.input = task.schema_args(0);
    spec.zScore = stringList(task, "z_score");
    spec.scale01 = stringList(task, "scale_0_1");
    spec.bucketize = stringList(task, "bucketize");
    spec.vocabulary = stringList(task, "vocabulary");
    spec.hash = stringList(task, "hash");
    spec.numBuckets = intArg(task, c, "num_buckets");
    spec.numOovBuckets = intArg(task, c, "num_oov_buckets");
    spec.hashBuckets = intArg(task, c, "hash_buckets");
    // Its own folder: TFX packages every .py file next to a module file.
    std::string path = "modules/" + pyIdentifier(task.name()) + "/preprocessing.py";
    modules_[path] = preprocessingModule(
        spec, fmt::format("task `{}` of pipeline `{}`", task.name(), pipeline_->name()));
    return fmt::format("os.path.join(HERE, {})", pyString(path));
  }

  std::string importer(const ir::Task &task, const ir::Component &c) {
    const ir::ImporterImpl &imp = c.importer();
    if (c.interface().outputs_size() != 1)
      return "";
    std::string uri;
    if (imp.uri().has_literal())
      uri = pyString(imp.uri().literal());
    else if (imp.uri().has_input_value())
      uri = arg(task, c, imp.uri().input_value());
    else {
      error(task.location(), "this importer URI cannot be lowered to TFX",
            "give the URI as a string or a parameter");
      return "";
    }
    const ir::Parameter &out = c.interface().outputs(0);
    std::string props;
    if (imp.has_metadata() && !imp.metadata().fields().empty()) {
      ir::Value v;
      *v.mutable_map_value() = imp.metadata();
      props = ", custom_properties=" + pyValue(v);
    }
    return fmt::format("tfx.dsl.Importer(source_uri={}, artifact_type={}, reimport={}, "
                       "output_key={}{})",
                       uri, valueArtifactClass(out.type()), imp.reimport() ? "True" : "False",
                       pyString(out.name()), props);
  }

  // TFX checks channel types by name, so an input declared as a supertype
  // (`Artifact`) takes the class of what this call passes.
  std::string inputClass(const ir::Task &task, const ir::Parameter &p) {
    auto b = task.inputs().find(p.name());
    if (b != task.inputs().end() && b->second.has_expr() && b->second.expr().type().has_artifact())
      return valueArtifactClass(b->second.expr().type());
    return valueArtifactClass(p.type());
  }
  // The component's key for one combination of input classes, and the
  // suffix that makes its generated name unique.
  std::string variant(const ir::Task &task, const ir::Component &c, std::string &suffix) {
    std::string key = c.name();
    for (const ir::Parameter &p : c.interface().inputs())
      if (p.is_artifact())
        key += "|" + inputClass(task, p);
    auto [it, inserted] = variants_.emplace(key, 0);
    if (inserted)
      it->second = ++variantCount_[c.name()];
    suffix = it->second == 1 ? "" : "_" + std::to_string(it->second);
    return key;
  }

  // ---- container components -----------------------------------------------------
  std::string placeholder(const ir::CommandArg &a, const ir::Task &task) {
    switch (a.kind_case()) {
    case ir::CommandArg::kLiteral:
      return pyString(a.literal());
    case ir::CommandArg::kInputValue:
      return fmt::format("_cmd.InputValuePlaceholder({})", pyString(a.input_value()));
    case ir::CommandArg::kInputPath:
      return fmt::format("_cmd.InputUriPlaceholder({})", pyString(a.input_path()));
    case ir::CommandArg::kInputUri:
      return fmt::format("_cmd.InputUriPlaceholder({})", pyString(a.input_uri()));
    case ir::CommandArg::kOutputPath:
      return fmt::format("_cmd.OutputUriPlaceholder({})", pyString(a.output_path()));
    case ir::CommandArg::kOutputUri:
      return fmt::format("_cmd.OutputUriPlaceholder({})", pyString(a.output_uri()));
    case ir::CommandArg::kConcat: {
      std::vector<std::string> parts;
      for (const ir::CommandArg &p : a.concat().parts()) {
        std::string s = placeholder(p, task);
        if (s.empty())
          return "";
        parts.push_back(s);
      }
      if (parts.size() == 1) // `"${epochs}"`: the value itself
        return parts[0];
      return "_cmd.ConcatPlaceholder([" + join(parts, ", ") + "])";
    }
    case ir::CommandArg::kIfPresent:
      error(task.location(), "`if_present` cannot be lowered to a TFX container component",
            "TFX's container placeholders have no condition; pass the optional input always");
      return "";
    case ir::CommandArg::KIND_NOT_SET:
      break;
    }
    return "";
  }

  std::string containerComponent(const ir::Task &task, const ir::Component &c) {
    const ir::ContainerImpl &ci = c.container();
    std::string cls, suffix;
    std::string key = variant(task, c, suffix);
    auto known = containerClasses_.find(key);
    if (known != containerClasses_.end()) {
      cls = known->second;
    } else {
      cls = "_" + pyIdentifier(c.name()) + suffix + "_component";
      if (!ci.env().empty())
        warn(c.location(),
             fmt::format("the `env` of container component `{}` is dropped in TFX", c.name()),
             "TFX's container components take no environment variables; pass values as "
             "arguments");
      std::vector<std::string> command;
      for (const auto *list : {&ci.command(), &ci.args()})
        for (const ir::CommandArg &a : *list) {
          std::string ph = placeholder(a, task);
          if (ph.empty())
            return "";
          command.push_back(ph);
        }
      std::vector<std::string> inputs, outputs, params;
      for (const ir::Parameter &p : c.interface().inputs()) {
        if (p.is_artifact()) {
          inputs.push_back(pyString(p.name()) + ": " + inputClass(task, p));
          continue;
        }
        const ir::Type &t = p.type();
        // Lists, maps and records are passed as JSON text, as KFP passes them.
        const char *py = !t.has_scalar()           ? "str"
                         : t.scalar() == ir::INT   ? "int"
                         : t.scalar() == ir::FLOAT ? "float"
                         : t.scalar() == ir::BOOL  ? "int" // TFX stores booleans as ints
                                                   : "str";
        params.push_back(pyString(p.name()) + ": " + py);
      }
      // Output parameters become value artifacts; `.path` is their file.
      for (const ir::Parameter &p : c.interface().outputs())
        outputs.push_back(pyString(p.name()) + ": " + valueArtifactClass(p.type()));
      usesCommandPlaceholders_ = true;
      containerDefs_.push_back(fmt::format(
          "{} = tfx.dsl.experimental.create_container_component(\n"
          "    name={},\n    image={},\n    command=[\n{}    ],\n"
          "    inputs={{{}}},\n    outputs={{{}}},\n    parameters={{{}}},\n)\n",
          cls, pyString(pyIdentifier(c.name())), pyString(ci.image()),
          [&] {
            std::string s;
            for (const std::string &a : command)
              s += "        " + a + ",\n";
            return s;
          }(),
          join(inputs, ", "), join(outputs, ", "), join(params, ", ")));
      containerClasses_[key] = cls;
    }
    std::vector<std::string> args;
    for (const ir::Parameter &p : c.interface().inputs()) {
      if (!task.inputs().count(p.name())) {
        if (!p.is_artifact() && p.has_default_value()) {
          bool json = !p.type().has_scalar();
          std::string v = pyValue(p.default_value());
          args.push_back(p.name() + "=" + (json ? "json.dumps(" + v + ")" : v));
        }
        continue;
      }
      std::string v = inputValue(task, p);
      if (v.empty())
        return "";
      if (!p.is_artifact() && p.type().has_scalar() && p.type().scalar() == ir::BOOL)
        v = "int(" + v + ")";
      if (!p.is_artifact() && !p.type().has_scalar())
        v = "json.dumps(" + v + ")";
      args.push_back(p.name() + "=" + v);
    }
    return fmt::format("{}({})", cls, join(args, ", "));
  }

  // ---- Python-function components ------------------------------------------------
  // A TFX @component in components/mlpc_<name>.py that calls the user's
  // function through mlpc_tfx_adapter.call with KFP's conventions (mlpc_kfp).
  std::string pythonComponent(const ir::Task &task, const ir::Component &c) {
    std::string suffix;
    variant(task, c, suffix);
    std::string module = "mlpc_" + pyIdentifier(c.name()) + suffix;
    if (!pythonModules_.count(module)) {
      const ir::PythonImpl &py = c.python();
      std::string stem = py.file();
      stem = stem.substr(stem.find_last_of('/') + 1);
      stem = stem.substr(0, stem.rfind('.'));
      std::string source = "mlpc_src_" + pyIdentifier(stem);
      std::string &existing = modules_["components/" + source + ".py"];
      if (!existing.empty() && existing.find(py.source()) == std::string::npos)
        source += "_" + std::to_string(modules_.size()); // another file of the same name
      modules_["components/" + source + ".py"] =
          fmt::format("# {} as mlpc compiled it (its text is in the IR). Do not edit.\n",
                      py.file()) +
          py.source();
      std::vector<std::string> required, optional, inputs, outputs, params, returned;
      for (const ir::Parameter &p : c.interface().inputs()) {
        std::string n = pyIdentifier(p.name());
        if (p.is_artifact()) {
          std::string a =
              fmt::format("{}: tfx.dsl.components.InputArtifact[{}]", n, inputClass(task, p));
          (p.optional() ? optional : required).push_back(a + (p.optional() ? " = None" : ""));
          inputs.push_back(fmt::format("{}: {}", pyString(p.name()), n));
          continue;
        }
        const ir::Type &t = p.type();
        const char *py = !t.has_scalar()           ? nullptr
                         : t.scalar() == ir::INT   ? "int"
                         : t.scalar() == ir::FLOAT ? "float"
                         : t.scalar() == ir::BOOL  ? "bool"
                                                   : "str";
        if (!py) {
          error(task.location(),
                fmt::format("parameter `{}` of `{}` is a list, map or record, which TFX's "
                            "Python components cannot take yet",
                            p.name(), c.name()),
                "pass it as a JSON string");
          return "";
        }
        std::string a = fmt::format("{}: tfx.dsl.components.Parameter[{}]", n, py);
        if (p.has_default_value())
          optional.push_back(a + " = " + pyValue(p.default_value()));
        else if (p.optional())
          optional.push_back(a + " = None");
        else
          required.push_back(a);
        params.push_back(fmt::format("{}: {}", pyString(p.name()), n));
      }
      std::vector<std::string> fields;
      for (const ir::Parameter &p : c.interface().outputs()) {
        std::string n = pyIdentifier(p.name());
        if (p.is_artifact()) {
          required.push_back(fmt::format("{}: tfx.dsl.components.OutputArtifact[{}]", n,
                                         valueArtifactClass(p.type())));
          outputs.push_back(fmt::format("{}: {}", pyString(p.name()), n));
          continue;
        }
        const ir::Type &t = p.type();
        const char *py = !t.has_scalar()           ? "str"
                         : t.scalar() == ir::INT   ? "int"
                         : t.scalar() == ir::FLOAT ? "float"
                         : t.scalar() == ir::BOOL  ? "bool"
                                                   : "str";
        fields.push_back(fmt::format("    {}: {}\n", p.name(), py));
        returned.push_back(pyString(p.name()));
      }
      std::vector<std::string> signature = required;
      signature.insert(signature.end(), optional.begin(), optional.end());
      std::string text = fmt::format(
          "# Generated by mlpc {} from {} (component `{}`: function `{}` of {}).\n"
          "# Do not edit: change the .mlp source and rebuild with `mlpc build --target=tfx`.\n"
          "import typing\n\nfrom tfx import v1 as tfx\n\nimport mlpc_kfp\nimport "
          "mlpc_tfx_adapter\n\n"
          "mlpc_kfp.install()  # before the function's module imports kfp.dsl\n"
          "import {} as _source  # noqa: E402\n{}\n",
          o_.mlpcVersion, pyString(m_.source_file()), c.name(), py.function(), pyString(py.file()),
          source, customArtifacts_.empty() ? "" : "from mlpc_types import *  # noqa: E402,F403\n");
      if (!fields.empty()) {
        text += "\nclass Outputs(typing.TypedDict):\n";
        for (const std::string &f : fields)
          text += f;
      }
      text += fmt::format(
          "\n\n@tfx.dsl.components.component\ndef {}(\n{}){}:\n    return mlpc_tfx_adapter.call(\n"
          "        _source.{},\n        inputs={{{}}},\n        outputs={{{}}},\n"
          "        params={{{}}},\n        output_parameters=({}),\n    )\n",
          module,
          [&] {
            std::string out;
            for (const std::string &a : signature)
              out += "    " + a + ",\n";
            return out;
          }(),
          fields.empty() ? "" : " -> Outputs", pyIdentifier(py.function()), join(inputs, ", "),
          join(outputs, ", "), join(params, ", "),
          returned.empty() ? "" : join(returned, ", ") + ",");
      pythonModules_[module] = text;
      modules_["components/mlpc_kfp.py"] =
          std::string("# Written by mlpc, as `mlpc run` uses it. Do not edit.\n") +
          kfpConventionsModule();
      modules_["components/mlpc_tfx_adapter.py"] = kTfxAdapterModule;
    }
    std::vector<std::string> args;
    for (const ir::Parameter &p : c.interface().inputs()) {
      if (!task.inputs().count(p.name()))
        continue;
      std::string v = inputValue(task, p);
      if (v.empty())
        return "";
      args.push_back(pyIdentifier(p.name()) + "=" + v);
    }
    return fmt::format("{}.{}({})", module, module, join(args, ", "));
  }

  // ---- files ------------------------------------------------------------------
  static std::string join(const std::vector<std::string> &parts, const std::string &sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
      out += (i ? sep : "") + parts[i];
    return out;
  }

  std::string pipelineFile(const ir::Pipeline &p, const std::vector<std::string> &body) {
    std::string name = pipelineName(p.name());
    std::string out = fmt::format(
        R"py(# Generated by mlpc {} from {} (pipeline `{}`) for TFX {}.
# Do not edit: change the .mlp source and rebuild with `mlpc build --target=tfx`.
"""TFX pipeline `{}`, compiled by mlpc.

    python pipeline.py run                   # LocalDagRunner, on this machine
    python pipeline.py run --beam-arg=--runner=DataflowRunner --beam-arg=--project=P ...
    python pipeline.py beam                  # BeamDagRunner: the DAG as a Beam pipeline
    python pipeline.py vertex -o pipeline.json   # KubeflowV2DagRunner: Vertex AI Pipelines
    python pipeline.py ir -o pipeline.pbtxt  # TFX's own compiler: the pipeline IR

Pipeline parameters: --param NAME=VALUE (repeatable).
"""
import argparse
import json
import os
import sys

from tfx import v1 as tfx
)py",
        o_.mlpcVersion, pyString(m_.source_file()), p.name(), o_.tfxVersion, p.name());
    if (usesTfma_)
      out += "import tensorflow_model_analysis as tfma\n";
    if (usesPlaceholders_)
      out += "from tfx.dsl.placeholder import placeholder as _ph\n";
    // The container placeholders both LocalDagRunner and KubeflowV2DagRunner take.
    if (usesCommandPlaceholders_)
      out += "from tfx.dsl.component.experimental import placeholders as _cmd\n";
    out += fmt::format("\nPIPELINE_NAME = {}\nHERE = os.path.dirname(os.path.abspath(__file__))\n"
                       "# The folder of the .mlp file: relative module files are relative to it.\n"
                       "SOURCE_DIR = os.path.normpath(os.path.join(HERE, {}))\n",
                       pyString(name), pyString(o_.sourceDirFromOutput));
    if (p.dataflow_job())
      out += dataflowBeamArgs(p.dataflow());
    out += R"py(

def _source_path(path):
    return path if os.path.isabs(path) or "://" in path else os.path.join(SOURCE_DIR, path)
)py";
    if (usesResources_)
      out += R"py(

def _vertex_resources(cpu, memory_gb, accelerator, count):
    """Resources of one node on Vertex AI Pipelines (KubeflowV2DagRunner)."""
    from kfp.pipeline_spec import pipeline_spec_pb2

    spec = pipeline_spec_pb2.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec()
    if cpu is not None:
        spec.cpu_limit = cpu
    if memory_gb is not None:
        spec.memory_limit = memory_gb
    if accelerator is not None:
        spec.accelerator.type = accelerator
        spec.accelerator.count = count
    return spec
)py";
    if (!customArtifacts_.empty() || !pythonModules_.empty()) {
      // Generated modules live in components/: Python components and the
      // artifact types TFX has no class for.
      out += "\nsys.path.insert(0, os.path.join(HERE, \"components\"))\n";
      if (!customArtifacts_.empty()) {
        std::vector<std::string> names;
        for (const auto &[cls, typeName] : customArtifacts_)
          names.push_back(cls);
        out += "from mlpc_types import " + join(names, ", ") + "  # noqa: E402\n";
      }
      for (const auto &[module, content] : pythonModules_)
        out += "import " + module + "  # noqa: E402\n";
    }
    for (const std::string &def : containerDefs_)
      out += "\n\n" + def;

    // create_pipeline: the pipeline's parameters are keyword arguments.
    std::vector<std::string> params;
    for (const ir::Parameter &in : p.interface().inputs()) {
      if (in.is_artifact())
        continue;
      params.push_back(paramIdent(in.name()) + "=" +
                       (in.has_default_value() ? pyValue(in.default_value()) : "None"));
    }
    out += fmt::format(
        R"py(

def create_pipeline(
    pipeline_root,
    metadata_path=None,
    beam_pipeline_args=(),
    enable_cache=True,{}
):
    """The TFX pipeline; metadata_path is a SQLite ML Metadata file (None on Vertex AI)."""
    components = []
)py",
        params.empty() ? "" : "\n    *,\n    " + join(params, ",\n    ") + ",");
    for (const std::string &line : body)
      out += line + "\n";
    out += R"py(    return tfx.dsl.Pipeline(
        pipeline_name=PIPELINE_NAME,
        pipeline_root=pipeline_root,
        components=components,
        enable_cache=enable_cache,
        metadata_connection_config=(
            tfx.orchestration.metadata.sqlite_metadata_connection_config(metadata_path)
            if metadata_path
            else None
        ),
        beam_pipeline_args=list(beam_pipeline_args),
    )
)py";
    out += paramParser(p);
    out += R"py(

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "beam", "vertex", "ir"])
    parser.add_argument("--pipeline-root", default=os.path.join("tfx-root", PIPELINE_NAME))
    parser.add_argument("--metadata", help="SQLite ML Metadata file (default: under the root)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--beam-arg", action="append", default=[], metavar="ARG")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("-o", "--output", help="vertex, ir: the file to write")
    parser.add_argument("--image", default=DEFAULT_IMAGE, help="vertex: the image nodes run in")
    args = parser.parse_args(argv)
    params = _parse_params(parser, args.param)
    local = args.command in ("run", "beam")
    metadata = args.metadata or os.path.join(args.pipeline_root, "metadata.sqlite")
    pipeline = create_pipeline(
        args.pipeline_root,
        metadata_path=metadata if local else None,
        beam_pipeline_args=args.beam_arg,
        enable_cache=not args.no_cache,
        **params,
    )
    if args.command == "run":
        tfx.orchestration.LocalDagRunner().run(pipeline)
    elif args.command == "beam":
        from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

        BeamDagRunner().run(pipeline)
    elif args.command == "vertex":
        output = args.output or "pipeline.json"
        config = tfx.orchestration.experimental.KubeflowV2DagRunnerConfig(default_image=args.image)
        tfx.orchestration.experimental.KubeflowV2DagRunner(
            config=config,
            output_dir=os.path.dirname(os.path.abspath(output)),
            output_filename=os.path.basename(output),
        ).run(pipeline, write_out=True)
        print(output)
    else:
        from tfx.dsl.compiler import compiler

        ir = compiler.Compiler().compile(pipeline)
        text = str(ir)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
)py";
    if (p.dataflow_job()) {
      replaceOnce(
          out, "metavar=\"ARG\")\n",
          "metavar=\"ARG\")\n    parser.add_argument(\"--dataflow\", action=\"store_true\", "
          "help=\"Beam steps on Dataflow\")\n");
      replaceOnce(out, "beam_pipeline_args=args.beam_arg,",
                  "beam_pipeline_args=(DATAFLOW_BEAM_ARGS if args.dataflow else []) + "
                  "args.beam_arg,");
    }
    std::string image = fmt::format("gcr.io/tfx-oss-public/tfx:{}", o_.tfxVersion);
    size_t at = out.find("\n\ndef main(");
    out.insert(at, fmt::format("\n\nDEFAULT_IMAGE = {}\n", pyString(image)));
    return out;
  }

  // `--param NAME=VALUE`, converted to the parameter's declared type.
  std::string paramParser(const ir::Pipeline &p) {
    std::vector<std::string> entries;
    for (const ir::Parameter &in : p.interface().inputs()) {
      if (in.is_artifact())
        continue;
      const ir::Type &t = in.type();
      const char *conv = !t.has_scalar()           ? "json.loads"
                         : t.scalar() == ir::INT   ? "int"
                         : t.scalar() == ir::FLOAT ? "float"
                         : t.scalar() == ir::BOOL  ? "_bool"
                                                   : "str";
      entries.push_back(
          fmt::format("{}: ({}, {})", pyString(in.name()), pyString(paramIdent(in.name())), conv));
    }
    return fmt::format(R"py(

def _bool(text):
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise ValueError(f"not a bool: {{text!r}}")


# name: (keyword of create_pipeline, conversion)
PARAMETERS = {{{}}}


def _parse_params(parser, items):
    params = {{}}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or name not in PARAMETERS:
            parser.error(f"--param {{item!r}}: expected NAME=VALUE with NAME one of {{sorted(PARAMETERS)}}")
        keyword, convert = PARAMETERS[name]
        try:
            params[keyword] = convert(text)
        except ValueError as e:
            parser.error(f"--param {{name}}: {{e}}")
    return params
)py",
                       join(entries, ", "));
  }

  std::string requirements() {
    return fmt::format(
        "# For the pipeline mlpc wrote: TFX {0} (Python 3.9 or 3.10; on 3.11 install "
        "with\n# pip install --ignore-requires-python, as mlpc's tests do).\n"
        "tfx[kfp]=={0}\n",
        o_.tfxVersion);
  }

  const ir::Module &m_;
  const TfxOptions &o_;
  const ir::Pipeline *pipeline_ = nullptr;
  backend::FolderOutput result_;
  std::map<std::string, std::string> vars_;
  std::set<std::string> usedVars_;
  std::map<std::string, std::string> customArtifacts_;  // class -> TYPE_NAME
  std::map<std::string, std::string> containerClasses_; // variant key -> class
  std::map<std::string, int> variants_, variantCount_;
  std::vector<std::string> containerDefs_;
  std::map<std::string, std::string> modules_;       // generated file -> text
  std::map<std::string, std::string> pythonModules_; // module name -> text
  bool usesTfma_ = false, usesPlaceholders_ = false, usesResources_ = false,
       usesCommandPlaceholders_ = false;
};

} // namespace

std::string pipelineName(const std::string &name) {
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += (std::isalnum(static_cast<unsigned char>(l))) ? l : '-';
  }
  return out;
}

backend::FolderOutput compileToTfx(const ir::Module &module, const TfxOptions &options) {
  return Lowering(module, options).run();
}

} // namespace mlpc::tfx
