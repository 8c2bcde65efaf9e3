// Lowering the IR to a TFX pipeline in Python. One `create_pipeline`
// function builds the `tfx.dsl.Pipeline`: one variable per task, in the
// IR's order (TFX sorts them topologically again), each `.with_id()` its
// mlpc task name; `if` becomes `tfx.dsl.Cond` when it depends on a task's
// output and a plain Python `if` when only on pipeline parameters, which
// are known when the pipeline is built.
#include "backends/tfx/TfxBackend.h"

#include "backends/tfx/Preprocessing.h"
#include "backends/tfx/Python.h"
#include "ir/Quantities.h"

#include <algorithm>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <regex>
#include <set>

namespace mlpc::tfx {

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

class Lowering {
public:
  Lowering(const ir::Module &m, const TfxOptions &o) : m_(m), o_(o) {}

  TfxResult run() {
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
  bool paramVar(const std::string &v) const {
    for (const ir::Parameter &in : pipeline_->interface().inputs())
      if (pyIdentifier(in.name()) == v)
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
        return pyIdentifier(e.ref().pipeline_input());
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

  void lowerCondition(const ir::Condition &c, int level, std::vector<std::string> &out) {
    bool runtime = false;
    for (const ir::Branch &b : c.branches())
      runtime = runtime || (b.has_condition() && dependsOnTasks(b.condition()));
    if (!runtime) {
      // Known when the pipeline is built: a Python if/elif/else.
      for (int i = 0; i < c.branches_size(); ++i) {
        const ir::Branch &b = c.branches(i);
        std::string head = !b.has_condition() ? "else:"
                           : i == 0           ? "if " + predicate(b.condition(), false) + ":"
                                              : "elif " + predicate(b.condition(), false) + ":";
        out.push_back(indent(level) + head);
        size_t before = out.size();
        lowerDag(b.body(), level + 1, out);
        if (out.size() == before)
          out.push_back(indent(level + 1) + "pass");
      }
      return;
    }
    // Decided when the tasks have run: one tfx.dsl.Cond per branch, each
    // also requiring that the branches before it were not taken.
    usesPlaceholders_ = true;
    std::vector<std::string> earlier;
    for (const ir::Branch &b : c.branches()) {
      std::vector<std::string> terms;
      for (const std::string &e : earlier)
        terms.push_back("_ph.logical_not(" + e + ")");
      if (b.has_condition()) {
        std::string p = predicate(b.condition(), true);
        if (p.empty() || p.find(".future()") == std::string::npos) {
          error(locationOfFirstTask(b.body()),
                "this condition cannot be a TFX placeholder predicate",
                "compare a task's output parameter with constants or pipeline parameters");
          return;
        }
        terms.push_back(p);
        earlier.push_back(p);
      }
      std::string pred = terms.front();
      for (size_t i = 1; i < terms.size(); ++i)
        pred = fmt::format("_ph.logical_and({}, {})", pred, terms[i]);
      out.push_back(indent(level) + "with tfx.dsl.Cond(" + pred + "):");
      size_t before = out.size();
      lowerDag(b.body(), level + 1, out);
      if (out.size() == before)
        out.push_back(indent(level + 1) + "pass");
    }
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
    const ir::Component &c = m_.components().at(task.component());
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
      error(task.location(),
            fmt::format("Python-function component `{}` is not lowered to TFX yet", c.name()),
            "wrap the function in a container component, or build for --target=kfp");
      return;
    default:
      error(task.location(), fmt::format("`{}` cannot be lowered to TFX", c.name()),
            "TFX runs its standard components, container components and importers");
      return;
    }
    if (call.empty())
      return;
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
                r.accelerator_type(), r.accelerator_count() ? r.accelerator_count() : 1)));
    }
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

  // ---- container components -----------------------------------------------------
  std::string placeholder(const ir::CommandArg &a, const ir::Task &task) {
    switch (a.kind_case()) {
    case ir::CommandArg::kLiteral:
      return pyString(a.literal());
    case ir::CommandArg::kInputValue:
      return fmt::format("_ph.exec_property({})", pyString(a.input_value()));
    case ir::CommandArg::kInputPath:
      return fmt::format("_ph.input({})[0].uri", pyString(a.input_path()));
    case ir::CommandArg::kInputUri:
      return fmt::format("_ph.input({})[0].uri", pyString(a.input_uri()));
    case ir::CommandArg::kOutputPath:
      return fmt::format("_ph.output({})[0].uri", pyString(a.output_path()));
    case ir::CommandArg::kOutputUri:
      return fmt::format("_ph.output({})[0].uri", pyString(a.output_uri()));
    case ir::CommandArg::kConcat: {
      std::vector<std::string> parts;
      for (const ir::CommandArg &p : a.concat().parts()) {
        std::string s = placeholder(p, task);
        if (s.empty())
          return "";
        parts.push_back(s);
      }
      // Start from a placeholder or "" so `+` builds one placeholder.
      return parts.empty() ? "\"\"" : "(" + join(parts, " + ") + ")";
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
    std::string cls;
    auto known = containerClasses_.find(c.name());
    if (known != containerClasses_.end()) {
      cls = known->second;
    } else {
      cls = "_" + pyIdentifier(c.name()) + "_component";
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
          inputs.push_back(pyString(p.name()) + ": " + valueArtifactClass(p.type()));
          continue;
        }
        const ir::Type &t = p.type();
        const char *py = !t.has_scalar()           ? nullptr
                         : t.scalar() == ir::INT   ? "int"
                         : t.scalar() == ir::FLOAT ? "float"
                         : t.scalar() == ir::BOOL  ? "int" // TFX stores booleans as ints
                                                   : "str";
        if (!py) {
          error(task.location(),
                fmt::format("parameter `{}` of `{}` is a list, map or record, which a TFX "
                            "container component cannot take",
                            p.name(), c.name()),
                "pass it as a JSON string");
          return "";
        }
        params.push_back(pyString(p.name()) + ": " + py);
      }
      // Output parameters become value artifacts; `.path` is their file.
      for (const ir::Parameter &p : c.interface().outputs())
        outputs.push_back(pyString(p.name()) + ": " + valueArtifactClass(p.type()));
      usesPlaceholders_ = true;
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
      containerClasses_[c.name()] = cls;
    }
    std::vector<std::string> args;
    for (const ir::Parameter &p : c.interface().inputs()) {
      if (!task.inputs().count(p.name())) {
        if (!p.is_artifact() && p.has_default_value())
          args.push_back(p.name() + "=" + pyValue(p.default_value()));
        continue;
      }
      std::string v = inputValue(task, p);
      if (v.empty())
        return "";
      if (!p.is_artifact() && p.type().has_scalar() && p.type().scalar() == ir::BOOL)
        v = "int(" + v + ")";
      args.push_back(p.name() + "=" + v);
    }
    return fmt::format("{}({})", cls, join(args, ", "));
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
import os
import sys

from tfx import v1 as tfx
)py",
        o_.mlpcVersion, pyString(m_.source_file()), p.name(), o_.tfxVersion, p.name());
    if (usesTfma_)
      out += "import tensorflow_model_analysis as tfma\n";
    if (usesPlaceholders_)
      out += "from tfx.dsl.placeholder import placeholder as _ph\n";
    out += fmt::format("\nPIPELINE_NAME = {}\nHERE = os.path.dirname(os.path.abspath(__file__))\n"
                       "# The folder of the .mlp file: relative module files are relative to it.\n"
                       "SOURCE_DIR = os.path.normpath(os.path.join(HERE, {}))\n",
                       pyString(name), pyString(o_.sourceDirFromOutput));
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
    for (const auto &[cls, typeName] : customArtifacts_)
      out += fmt::format("\n\nclass {}(tfx.dsl.Artifact):\n    TYPE_NAME = {}\n", cls,
                         pyString(typeName));
    for (const std::string &def : containerDefs_)
      out += "\n\n" + def;

    // create_pipeline: the pipeline's parameters are keyword arguments.
    std::vector<std::string> params;
    for (const ir::Parameter &in : p.interface().inputs()) {
      if (in.is_artifact())
        continue;
      params.push_back(pyIdentifier(in.name()) + "=" +
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
      entries.push_back(fmt::format("{}: ({}, {})", pyString(in.name()),
                                    pyString(pyIdentifier(in.name())), conv));
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
    import json  # noqa: F401  (list and map parameters are JSON)

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
  TfxResult result_;
  std::map<std::string, std::string> vars_;
  std::set<std::string> usedVars_;
  std::map<std::string, std::string> customArtifacts_; // class -> TYPE_NAME
  std::map<std::string, std::string> containerClasses_;
  std::vector<std::string> containerDefs_;
  std::map<std::string, std::string> modules_;
  bool usesTfma_ = false, usesPlaceholders_ = false, usesResources_ = false;
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

TfxResult compileToTfx(const ir::Module &module, const TfxOptions &options) {
  return Lowering(module, options).run();
}

} // namespace mlpc::tfx
