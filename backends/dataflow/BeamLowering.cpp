// main.py: the job's pipeline as calls into mlpc_beam (support/python/), one
// call per task in the IR's order, each a composite PTransform labelled with
// the task's name. Nested pipelines are inlined (their tasks labelled
// `call/task`); `if` on pipeline parameters becomes a Python `if`, decided
// when the job's graph is built, as Beam decides its shape before it runs.
#include "backends/dataflow/Job.h"

#include "backends/python/Python.h"
#include "ir/Names.h"
#include "ir/Quantities.h"

#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <map>

namespace mlpc::dataflow {

using py::pyIdentifier;
using py::pyReflow;
using py::pyString;
using py::pyValue;

namespace {

// The standard library ops mlpc_beam runs; training and exporting a model are
// not Beam steps.
const std::set<std::string> kBeamOps = {"io.read_csv",
                                        "io.write_csv",
                                        "io.read_tfrecord",
                                        "io.write_tfrecord",
                                        "transform.drop_missing",
                                        "transform.fill_missing",
                                        "transform.filter",
                                        "transform.split",
                                        "transform.fit",
                                        "transform.apply",
                                        "transform.scale_to_z_score",
                                        "transform.scale_to_0_1",
                                        "transform.bucketize",
                                        "transform.compute_and_apply_vocabulary",
                                        "transform.hash_strings",
                                        "transform.one_hot",
                                        "infer.predict",
                                        "postprocess.argmax_label",
                                        "postprocess.top_k",
                                        "postprocess.threshold",
                                        "eval.classification"};

// Ops that read rows from outside the job: they are given the schema to read.
const std::set<std::string> kReadOps = {"io.read_csv", "io.read_tfrecord"};

// `[("species", "string"), ("bill_length_mm", "float?")]`
std::string schemaList(const ir::Schema &s) {
  std::string out = "[";
  for (const ir::Column &c : s.columns()) {
    if (out.size() > 1)
      out += ", ";
    out += fmt::format("({}, {})", pyString(c.name()),
                       pyString(std::string(ir::scalarName(c.type())) + (c.optional() ? "?" : "")));
  }
  return out + "]";
}

std::string indent(int level) { return std::string(static_cast<size_t>(level) * 4, ' '); }

// One pipeline being lowered: the job itself, or a pipeline it calls.
struct Scope {
  const ir::Pipeline *pipeline = nullptr;
  std::string prefix;                          // Beam label prefix: "" or "call/"
  std::map<std::string, std::string> inputs;   // pipeline input -> Python expression
  std::map<std::string, std::string> taskVars; // task -> Python variable
};

class Lowering {
public:
  Lowering(Job &job, std::vector<DataflowDiagnostic> &diags) : job_(job), diags_(diags) {}

  std::string run() {
    const ir::Pipeline &p = *job_.pipeline;
    Scope root;
    root.pipeline = &p;
    // Parameters are Python values; artifact inputs are read first.
    for (const JobParameter &param : job_.parameters) {
      if (param.output)
        continue;
      std::string value = fmt::format("p[{}]", pyString(param.name));
      if (!param.artifact) {
        root.inputs[param.name] = value;
        continue;
      }
      std::string var = newVar("in_" + param.name);
      const ir::Parameter *decl = findInput(p, param.name);
      std::string schema;
      if (decl && decl->type().has_artifact() && decl->type().artifact().schema().columns_size())
        schema = ", schema=" + schemaList(decl->type().artifact().schema());
      line(1, fmt::format("{} = job.read_artifact({}, {}, {}{})", var, pyString(param.name),
                          pyString(param.kind), value, schema));
      root.inputs[param.name] = var;
    }
    lowerDag(p.body(), root, 1);
    for (const ir::PipelineOutput &out : p.outputs()) {
      std::optional<std::string> value = bindingExpr(out.value(), root, p.location());
      if (!value)
        continue;
      line(1, fmt::format("job.write_output({}, {}, p[{}])", pyString(out.name()), *value,
                          pyString(out.name())));
    }
    if (body_.empty())
      line(1, "pass");
    return body_;
  }

private:
  Job &job_;
  std::vector<DataflowDiagnostic> &diags_;
  std::string body_;
  std::set<std::string> usedVars_;

  void line(int level, const std::string &text) {
    body_ += indent(level) + pyReflow(text, level * 4) + "\n";
  }

  void error(const ir::SourceLocation &at, std::string message, std::string help) {
    diags_.push_back({at, std::move(message), std::move(help), false});
  }

  std::string newVar(const std::string &base) {
    std::string name = pyIdentifier("t_" + base);
    std::string unique = name;
    for (int i = 2; usedVars_.count(unique); ++i)
      unique = fmt::format("{}_{}", name, i);
    usedVars_.insert(unique);
    return unique;
  }

  static const ir::Parameter *findInput(const ir::Pipeline &p, const std::string &name) {
    for (const ir::Parameter &in : p.interface().inputs())
      if (in.name() == name)
        return &in;
    return nullptr;
  }

  void lowerDag(const ir::Dag &dag, Scope &scope, int level) {
    for (const ir::Node &node : dag.nodes()) {
      switch (node.kind_case()) {
      case ir::Node::kTask:
        lowerTask(node.task(), scope, level);
        break;
      case ir::Node::kCondition:
        lowerCondition(node.condition(), scope, level);
        break;
      case ir::Node::kLoop:
        error(scope.pipeline->location(),
              fmt::format("a loop (`for`) in Dataflow job `{}`", job_.pipeline->name()),
              "a Beam job's graph is fixed before it runs: move the loop into the pipeline that "
              "calls the job, or run one job per item");
        break;
      case ir::Node::kExitHandler:
        error(scope.pipeline->location(),
              fmt::format("`finally` in Dataflow job `{}`", job_.pipeline->name()),
              "a Beam job has no exit handler: put `finally` in the pipeline that calls the job");
        break;
      default:
        break;
      }
    }
  }

  // `if` on pipeline parameters only: Python decides it when building the graph.
  void lowerCondition(const ir::Condition &c, Scope &scope, int level) {
    // Tasks inside a branch may not run; name them first so later code can test them.
    std::function<void(const ir::Dag &)> declare = [&](const ir::Dag &d) {
      for (const ir::Node &n : d.nodes())
        if (n.has_task()) {
          std::string var = newVar(scope.prefix + n.task().name());
          scope.taskVars[n.task().name()] = var;
          line(level, var + " = None");
        } else if (n.has_condition()) {
          for (const ir::Branch &b : n.condition().branches())
            declare(b.body());
        }
    };
    for (const ir::Branch &b : c.branches())
      declare(b.body());
    bool first = true;
    for (const ir::Branch &b : c.branches()) {
      if (b.has_condition()) {
        std::optional<std::string> cond = expr(b.condition(), scope, scope.pipeline->location());
        if (!cond)
          return;
        line(level, fmt::format("{} {}:", first ? "if" : "elif", *cond));
      } else {
        line(level, "else:");
      }
      first = false;
      size_t before = body_.size();
      lowerDag(b.body(), scope, level + 1);
      if (body_.size() == before)
        line(level + 1, "pass");
    }
  }

  void lowerTask(const ir::Task &task, Scope &scope, int level) {
    auto cit = job_.module->components().find(task.component());
    if (cit == job_.module->components().end())
      return;
    const ir::Component &comp = cit->second;
    std::string label = scope.prefix + task.name();
    std::string var =
        scope.taskVars.count(task.name()) ? scope.taskVars[task.name()] : newVar(label);
    scope.taskVars[task.name()] = var;
    std::optional<std::string> inputs = inputDict(task, comp, scope);
    if (!inputs)
      return;
    switch (comp.implementation_case()) {
    case ir::Component::kBuiltin:
      lowerBuiltin(task, comp, scope, var, label, *inputs, level);
      return;
    case ir::Component::kPython:
      lowerPython(task, comp, var, label, *inputs, level);
      return;
    case ir::Component::kPipeline:
      lowerCall(task, comp, scope, var, label, level);
      return;
    default:
      break;
    }
    const char *what = comp.has_container()  ? "a container component"
                       : comp.has_importer() ? "an importer"
                       : comp.has_dataflow() ? "another Dataflow job"
                       : comp.has_tfx()      ? "a TFX component"
                                             : "this component";
    error(task.location(),
          fmt::format("task `{}` calls {} (`{}`), which cannot run inside a Beam job", task.name(),
                      what, comp.name()),
          "a Dataflow job runs standard-library data ops, Python-function components and "
          "pipelines made of them; run this step in the pipeline that calls the job");
  }

  void lowerBuiltin(const ir::Task &task, const ir::Component &comp, const Scope &scope,
                    const std::string &var, const std::string &label, const std::string &inputs,
                    int level) {
    const std::string &op = comp.builtin().op();
    if (!kBeamOps.count(op)) {
      bool training = op.rfind("train.", 0) == 0;
      error(task.location(),
            fmt::format("`{}` ({}) cannot run inside a Dataflow job", comp.name(), op),
            training ? "training is not a Beam step: train in the pipeline that calls the job and "
                       "pass the Model in as an input"
                     : "export the model in the pipeline that calls the job");
      return;
    }
    job_.usesInference |= op == "infer.predict";
    std::string call = fmt::format("job.task({}, {}, {}", pyString(label), pyString(op), inputs);
    if (kReadOps.count(op) && task.schema_args_size())
      call += ", schema=" + schemaList(task.schema_args(0));
    if (std::optional<std::string> hints = resourceHints(task, scope))
      call += ", hints=" + *hints;
    line(level, fmt::format("{} = {})", var, call));
  }

  void lowerPython(const ir::Task &task, const ir::Component &comp, const std::string &var,
                   const std::string &label, const std::string &inputs, int level) {
    const ir::PythonImpl &impl = comp.python();
    std::string file = "components/" + pyIdentifier(comp.name()) + ".py";
    bool have = false;
    for (const DataflowFile &f : job_.componentFiles)
      have |= f.path == file;
    if (!have)
      job_.componentFiles.push_back({file, impl.source()});
    for (const std::string &pkg : impl.packages())
      job_.packages.insert(pkg);
    std::string outputs = "{";
    for (const ir::Parameter &out : comp.interface().outputs()) {
      auto typed = task.output_types().find(out.name());
      const ir::Type &t = typed != task.output_types().end() ? typed->second : out.type();
      std::string kind = t.has_artifact() ? t.artifact().type()
                         : t.has_scalar() ? ir::scalarName(t.scalar())
                                          : "json";
      std::string schema = t.has_artifact() && t.artifact().schema().columns_size()
                               ? schemaList(t.artifact().schema())
                               : "None";
      if (outputs.size() > 1)
        outputs += ", ";
      outputs += fmt::format("{}: ({}, {})", pyString(out.name()), pyString(kind), schema);
    }
    outputs += "}";
    line(level, fmt::format("{} = job.python({}, {}, {}, {}, outputs={})", var, pyString(label),
                            pyString(file), pyString(impl.function()), inputs, outputs));
  }

  // A call to another pipeline: its tasks, inlined under `label/`.
  void lowerCall(const ir::Task &task, const ir::Component &comp, Scope &scope,
                 const std::string &var, const std::string &label, int level) {
    auto pit = job_.module->pipelines().find(comp.pipeline());
    if (pit == job_.module->pipelines().end())
      return;
    const ir::Pipeline &sub = pit->second;
    Scope inner;
    inner.pipeline = &sub;
    inner.prefix = label + "/";
    for (const ir::Parameter &in : sub.interface().inputs()) {
      auto b = task.inputs().find(in.name());
      if (b != task.inputs().end()) {
        std::optional<std::string> v = bindingExpr(b->second, scope, task.location());
        if (!v)
          return;
        inner.inputs[in.name()] = *v;
      } else {
        inner.inputs[in.name()] = in.has_default_value() ? pyValue(in.default_value()) : "None";
      }
    }
    lowerDag(sub.body(), inner, level);
    std::string outputs = "{";
    for (const ir::PipelineOutput &out : sub.outputs()) {
      std::optional<std::string> v = bindingExpr(out.value(), inner, sub.location());
      if (!v)
        return;
      if (outputs.size() > 1)
        outputs += ", ";
      outputs += fmt::format("{}: {}", pyString(out.name()), *v);
    }
    line(level, fmt::format("{} = {}}}", var, outputs));
  }

  // The task's inputs as a Python dict: what the call binds, then the
  // component's defaults, as the native runtime fills them in.
  std::optional<std::string> inputDict(const ir::Task &task, const ir::Component &comp,
                                       const Scope &scope) {
    if (comp.has_pipeline())
      return std::string("{}");
    std::string out = "{";
    for (const ir::Parameter &in : comp.interface().inputs()) {
      std::string value;
      auto b = task.inputs().find(in.name());
      if (b != task.inputs().end()) {
        std::optional<std::string> v = bindingExpr(b->second, scope, task.location());
        if (!v)
          return std::nullopt;
        value = *v;
      } else if (in.has_default_value()) {
        value = pyValue(in.default_value());
      } else {
        continue;
      }
      if (out.size() > 1)
        out += ", ";
      out += fmt::format("{}: {}", pyString(in.name()), value);
    }
    return out + "}";
  }

  std::optional<std::string> bindingExpr(const ir::Binding &b, const Scope &scope,
                                         const ir::SourceLocation &at) {
    if (b.has_one_of()) {
      error(at, "a one-of input (`a ?? b`) in a Dataflow job",
            "a Beam job's graph is fixed before it runs: choose the input in the pipeline that "
            "calls the job");
      return std::nullopt;
    }
    return expr(b.expr(), scope, at);
  }

  // An expression over constants, pipeline parameters and task outputs.
  std::optional<std::string> expr(const ir::Expr &e, const Scope &scope,
                                  const ir::SourceLocation &at) {
    switch (e.kind_case()) {
    case ir::Expr::kConstant:
      return pyValue(e.constant());
    case ir::Expr::kRef:
      return reference(e.ref(), scope, at);
    case ir::Expr::kUnary: {
      std::optional<std::string> v = expr(e.unary().operand(), scope, at);
      if (!v)
        return v;
      return fmt::format("({}{})", e.unary().op() == ir::UnaryExpr::NOT ? "not " : "-", *v);
    }
    case ir::Expr::kBinary: {
      static const std::map<int, const char *> ops = {
          {ir::BinaryExpr::ADD, "+"},   {ir::BinaryExpr::SUB, "-"}, {ir::BinaryExpr::MUL, "*"},
          {ir::BinaryExpr::LT, "<"},    {ir::BinaryExpr::LE, "<="}, {ir::BinaryExpr::GT, ">"},
          {ir::BinaryExpr::GE, ">="},   {ir::BinaryExpr::EQ, "=="}, {ir::BinaryExpr::NE, "!="},
          {ir::BinaryExpr::AND, "and"}, {ir::BinaryExpr::OR, "or"}};
      auto op = ops.find(e.binary().op());
      if (op == ops.end())
        break;
      std::optional<std::string> l = expr(e.binary().lhs(), scope, at);
      std::optional<std::string> r = expr(e.binary().rhs(), scope, at);
      if (!l || !r)
        return std::nullopt;
      return fmt::format("({} {} {})", *l, op->second, *r);
    }
    case ir::Expr::kConcat: {
      // String interpolation, each part as native writes it.
      std::string out = "\"\".join([";
      bool first = true;
      for (const ir::Expr &part : e.concat().parts()) {
        std::optional<std::string> v = expr(part, scope, at);
        if (!v)
          return v;
        ir::ScalarKind kind = part.type().has_scalar() ? part.type().scalar() : ir::STRING;
        std::string text = kind == ir::INT     ? "str(" + *v + ")"
                           : kind == ir::FLOAT ? "mb.format_float(" + *v + ")"
                           : kind == ir::BOOL  ? "(\"true\" if " + *v + " else \"false\")"
                                               : *v;
        out += (first ? "" : ", ") + text;
        first = false;
      }
      return out + "])";
    }
    case ir::Expr::kList: {
      std::string out = "[";
      for (const ir::Expr &el : e.list().elements()) {
        std::optional<std::string> v = expr(el, scope, at);
        if (!v)
          return v;
        out += (out.size() > 1 ? ", " : "") + *v;
      }
      return out + "]";
    }
    default:
      break;
    }
    error(at, "this computed value cannot be lowered to a Dataflow job",
          "compute it in the pipeline that calls the job and pass it in as a parameter");
    return std::nullopt;
  }

  std::optional<std::string> reference(const ir::Reference &r, const Scope &scope,
                                       const ir::SourceLocation &at) {
    if (r.field_path_size()) {
      error(at, "a record field in a Dataflow job",
            "pass the field's value to the job as a parameter");
      return std::nullopt;
    }
    if (r.has_pipeline_input()) {
      auto it = scope.inputs.find(r.pipeline_input());
      if (it != scope.inputs.end())
        return it->second;
    } else if (r.has_task_output()) {
      auto it = scope.taskVars.find(r.task_output().task());
      if (it != scope.taskVars.end())
        return fmt::format("{}[{}]", it->second, pyString(r.task_output().output()));
    }
    error(at, "this reference cannot be lowered to a Dataflow job",
          "a Beam job reads its parameters, its input artifacts and its tasks' outputs");
    return std::nullopt;
  }

  // Beam resource hints for one step: a GPU, memory and CPUs it asks for.
  std::optional<std::string> resourceHints(const ir::Task &task, const Scope &) {
    const ir::Resources &r = task.options().resources();
    std::vector<std::string> hints;
    if (std::optional<std::string> gpu = ir::beamAcceleratorHint(r)) {
      hints.push_back(fmt::format("\"accelerator\": {}", pyString(*gpu)));
      job_.usesGpu = true;
    }
    const std::string &memory = !r.memory_request().empty() ? r.memory_request() : r.memory_limit();
    if (!memory.empty()) // in bytes: Beam reads an int exactly
      hints.push_back(fmt::format("\"min_ram\": {}", static_cast<long long>(std::llround(
                                                         ir::memoryGigabytes(memory) * 1e9))));
    const std::string &cpu = !r.cpu_request().empty() ? r.cpu_request() : r.cpu_limit();
    if (!cpu.empty())
      hints.push_back(
          fmt::format("\"cpu_count\": {}", static_cast<long long>(std::ceil(ir::cpuCores(cpu)))));
    if (hints.empty())
      return std::nullopt;
    std::string out = "{";
    for (const std::string &h : hints)
      out += (out.size() > 1 ? ", " : "") + h;
    return out + "}";
  }
};

std::string parameterList(const Job &job) {
  std::string out = "PARAMETERS = [\n";
  for (const JobParameter &p : job.parameters) {
    std::string call = fmt::format("mb.Parameter({}, {}", pyString(p.name), pyString(p.kind));
    if (p.output)
      call += ", output=True";
    if (p.defaultValue)
      call += ", default=" + pyValue(*p.defaultValue);
    else if (p.optional)
      call += ", default=None";
    if (!p.regex.empty())
      call += ", regex=" + pyString(p.regex);
    call += fmt::format(", help={})", pyString(p.help));
    out += "    " + pyReflow(call, 4) + ",\n";
  }
  return out + "]\n";
}

std::string defaultOptions(const Job &job) {
  // dataflow_service_options is a list option (Beam appends to it).
  std::vector<std::string> entries;
  for (const ir::BeamOption &option : ir::beamPipelineOptions(job.options)) {
    std::string value = option.number ? option.value : pyString(option.value);
    if (option.name == "dataflow_service_options")
      value = "[" + value + "]";
    entries.push_back(fmt::format("{}: {}", pyString(option.name), value));
  }
  std::string out = "{";
  for (const std::string &e : entries)
    out += (out.size() > 1 ? ", " : "") + e;
  return pyReflow("DEFAULT_OPTIONS = " + out + "}", 0) + "\n";
}

} // namespace

std::string writeMainPy(Job &job, std::vector<DataflowDiagnostic> &diags) {
  Lowering lowering(job, diags);
  std::string body = lowering.run();
  const ir::Pipeline &p = *job.pipeline;
  std::string out = fmt::format(
      "# Generated by mlpc {}. Do not edit: change the .mlp file and build again.\n"
      "\"\"\"A pipeline of an .mlp file as an Apache Beam job (a Dataflow Flex Template).\n\n"
      "Run it here with the DirectRunner:\n\n"
      "    python main.py --runner=DirectRunner --<parameter>=<value> ...\n\n"
      "or on Dataflow as README.md says. `python main.py --help` lists the parameters.\n"
      "\"\"\"\n"
      "import mlpc_beam as mb\n\n"
      "SOURCE = {}\n"
      "PIPELINE = {}\n\n",
      job.mlpcVersion, pyString(job.module->source_file()), pyString(p.name()));
  out += "# One flag per pipeline input, and one per output: the URI it is written to.\n";
  out += parameterList(job) + "\n";
  out += "# The Beam options the .mlp file sets, used unless given on the command line.\n";
  out += defaultOptions(job) + "\n\n";
  out += "def build(job):\n";
  out += "    \"\"\"Adds the tasks of the pipeline to `job.pipeline`.\"\"\"\n";
  out += "    p = job.params\n";
  out += body;
  out += "\n\nif __name__ == \"__main__\":\n";
  out += "    mb.main(PIPELINE, PARAMETERS, build, DEFAULT_OPTIONS)\n";
  return out;
}

} // namespace mlpc::dataflow
