#include "runtime/executor/TaskExec.h"

#include "runtime/builtins/Builtins.h"
#include "runtime/executor/Values.h"
#include "runtime/ops/Table.h"

#include <fmt/format.h>
#include <llvm/Support/JSON.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace mlpc::runtime {
namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const ir::Parameter *findOutput(const ir::Component &c, const std::string &name) {
  for (const ir::Parameter &o : c.interface().outputs())
    if (o.name() == name)
      return &o;
  return nullptr;
}

bool isArtifactOutput(const ir::Component &c, const std::string &name) {
  const ir::Parameter *o = findOutput(c, name);
  return o && o->is_artifact();
}

// Where one attempt writes: `<task>/.attempt/` holds outputs until the task
// succeeds; parameters go to `<task>/.attempt/parameters/<name>`.
struct AttemptDirs {
  std::string root, params;
  std::string outputPath(const ir::Component &c, const std::string &name) const {
    return isArtifactOutput(c, name) ? root + "/" + name : params + "/" + name;
  }
};

// One command-line element with placeholders replaced by local values and
// paths; `if_present` may give zero or several arguments.
void expand(const ir::CommandArg &a, const TaskJob &job, const AttemptDirs &dirs,
            std::vector<std::string> &out) {
  auto input = [&](const std::string &name) -> const Slot * {
    auto it = job.inputs.find(name);
    return it == job.inputs.end() || !it->second.present ? nullptr : &it->second;
  };
  switch (a.kind_case()) {
  case ir::CommandArg::kLiteral:
    out.push_back(a.literal());
    return;
  case ir::CommandArg::kInputValue: {
    const Slot *s = input(a.input_value());
    out.push_back(s ? valueText(s->value) : "");
    return;
  }
  case ir::CommandArg::kInputPath:
  case ir::CommandArg::kInputUri: {
    const Slot *s = input(a.has_input_path() ? a.input_path() : a.input_uri());
    out.push_back(s && !s->artifacts.empty() ? s->artifacts.front().uri : "");
    return;
  }
  case ir::CommandArg::kOutputPath:
    out.push_back(dirs.outputPath(*job.component, a.output_path()));
    return;
  case ir::CommandArg::kOutputUri:
    out.push_back(dirs.outputPath(*job.component, a.output_uri()));
    return;
  case ir::CommandArg::kConcat: {
    std::string joined;
    for (const ir::CommandArg &part : a.concat().parts()) {
      std::vector<std::string> pieces;
      expand(part, job, dirs, pieces);
      for (const std::string &p : pieces)
        joined += p;
    }
    out.push_back(joined);
    return;
  }
  case ir::CommandArg::kIfPresent: {
    const auto &branch =
        input(a.if_present().input()) ? a.if_present().then() : a.if_present().otherwise();
    for (const ir::CommandArg &e : branch)
      expand(e, job, dirs, out);
    return;
  }
  default:
    return;
  }
}

// Reads the parameters and moves the artifacts of a finished attempt into place.
bool collectOutputs(const TaskJob &job, const AttemptDirs &dirs,
                    const std::map<std::string, ir::Value> &returned,
                    const std::map<std::string, ir::MapValue> &metadata, TaskOutcome &o) {
  for (const ir::Parameter &out : job.component->interface().outputs()) {
    Slot slot;
    slot.present = true;
    if (out.is_artifact()) {
      slot.isArtifact = true;
      std::string from = dirs.root + "/" + out.name(), to = job.taskDir + "/" + out.name();
      std::error_code ec;
      if (!fs::exists(from, ec)) {
        // A task may write nothing for an artifact (KFP allows it): an empty file.
        std::ofstream(from, std::ios::binary).flush();
      }
      fs::remove_all(to, ec);
      fs::rename(from, to, ec);
      if (ec) {
        o.message = fmt::format("cannot move output `{}` into place: {}", out.name(), ec.message());
        return false;
      }
      Artifact art{to, out.type().artifact().type(), {}};
      if (auto it = metadata.find(out.name()); it != metadata.end())
        art.metadata = it->second;
      slot.artifacts.push_back(std::move(art));
    } else if (auto it = returned.find(out.name()); it != returned.end()) {
      slot.value = it->second;
    } else {
      std::string file = dirs.params + "/" + out.name();
      std::error_code ec;
      if (!fs::exists(file, ec)) {
        o.message = fmt::format("the task did not write its output parameter `{}` (expected in "
                                "`{}`)",
                                out.name(), file);
        return false;
      }
      std::string error;
      if (!parseValue(readFile(file), out.type(), &slot.value, error)) {
        o.message = fmt::format("output parameter `{}`: {}", out.name(), error);
        return false;
      }
    }
    o.outputs[out.name()] = std::move(slot);
  }
  return true;
}

// KFP's ExecutorInput for a Python-function component, with local paths.
std::string executorInput(const TaskJob &job, const AttemptDirs &dirs,
                          const std::string &outputFile) {
  llvm::json::Object params, artifacts;
  for (const ir::Parameter &in : job.component->interface().inputs()) {
    auto it = job.inputs.find(in.name());
    if (it == job.inputs.end() || !it->second.present)
      continue;
    if (in.is_artifact()) {
      llvm::json::Array list;
      for (const Artifact &a : it->second.artifacts) {
        ir::Value meta;
        *meta.mutable_map_value() = a.metadata;
        list.push_back(llvm::json::Object{{"name", in.name()},
                                          {"uri", a.uri},
                                          {"type", llvm::json::Object{{"schemaTitle", a.type}}},
                                          {"metadata", toJson(meta)}});
      }
      artifacts[in.name()] = llvm::json::Object{{"artifacts", std::move(list)}};
    } else {
      params[in.name()] = toJson(it->second.value);
    }
  }
  llvm::json::Object outParams, outArtifacts;
  for (const ir::Parameter &out : job.component->interface().outputs()) {
    if (out.is_artifact())
      outArtifacts[out.name()] = llvm::json::Object{
          {"artifacts",
           llvm::json::Array{llvm::json::Object{
               {"name", out.name()},
               {"uri", dirs.root + "/" + out.name()},
               {"type", llvm::json::Object{{"schemaTitle", out.type().artifact().type()}}},
               {"metadata", llvm::json::Object{}}}}}};
    else
      outParams[out.name()] = llvm::json::Object{{"outputFile", dirs.params + "/" + out.name()}};
  }
  llvm::json::Value doc =
      llvm::json::Object{{"inputs", llvm::json::Object{{"parameterValues", std::move(params)},
                                                       {"artifacts", std::move(artifacts)}}},
                         {"outputs", llvm::json::Object{{"parameters", std::move(outParams)},
                                                        {"artifacts", std::move(outArtifacts)},
                                                        {"outputFile", outputFile}}}};
  std::string s;
  llvm::raw_string_ostream os(s);
  os << doc;
  return os.str();
}

// The parameters and artifact metadata a Python function reported.
bool readExecutorOutput(const std::string &file, const TaskJob &job,
                        std::map<std::string, ir::Value> &returned,
                        std::map<std::string, ir::MapValue> &metadata, std::string &error) {
  std::error_code ec;
  if (!fs::exists(file, ec))
    return true; // nothing returned
  llvm::Expected<llvm::json::Value> doc = llvm::json::parse(readFile(file));
  if (!doc) {
    error = "the Python executor wrote invalid JSON: " + llvm::toString(doc.takeError());
    return false;
  }
  const llvm::json::Object *root = doc->getAsObject();
  if (!root)
    return true;
  if (const llvm::json::Object *values = root->getObject("parameterValues"))
    for (const auto &[k, v] : *values) {
      const ir::Parameter *out = findOutput(*job.component, k.str());
      if (!out) {
        error = fmt::format("the function returned `{}`, which is not an output", k.str());
        return false;
      }
      ir::Value parsed;
      bool isString = out->type().has_scalar() && out->type().scalar() == ir::STRING;
      if (isString && v.getAsString()) {
        parsed.set_string_value(v.getAsString()->str());
      } else {
        std::string text;
        llvm::raw_string_ostream os(text);
        os << v;
        if (!parseValue(os.str(), out->type(), &parsed, error)) {
          error = fmt::format("output `{}`: {}", k.str(), error);
          return false;
        }
      }
      returned[k.str()] = parsed;
    }
  if (const llvm::json::Object *arts = root->getObject("artifacts"))
    for (const auto &[k, v] : *arts) {
      const llvm::json::Object *entry = v.getAsObject();
      const llvm::json::Array *list = entry ? entry->getArray("artifacts") : nullptr;
      if (!list || list->empty())
        continue;
      const llvm::json::Object *first = (*list)[0].getAsObject();
      if (const llvm::json::Value *meta = first ? first->get("metadata") : nullptr) {
        ir::Value m = fromJson(*meta);
        if (m.has_map_value())
          metadata[k.str()] = m.map_value();
      }
    }
  return true;
}

std::map<std::string, std::string> taskEnv(const TaskJob &job, const AttemptDirs &dirs) {
  std::map<std::string, std::string> env(job.options->env().begin(), job.options->env().end());
  env.insert(job.extraEnv.begin(), job.extraEnv.end());
  if (job.component->has_container())
    for (const auto &[k, v] : job.component->container().env()) {
      std::vector<std::string> text;
      expand(v, job, dirs, text);
      env.emplace(k, text.empty() ? "" : text.front());
    }
  return env;
}

// The argv of one attempt, or "" and a message.
std::vector<std::string> commandFor(const TaskJob &job, const AttemptDirs &dirs,
                                    const std::string &outputFile, std::string &image) {
  std::vector<std::string> argv;
  const ir::Component &c = *job.component;
  if (c.has_container()) {
    image = c.container().image();
    for (const ir::CommandArg &a : c.container().command())
      expand(a, job, dirs, argv);
    for (const ir::CommandArg &a : c.container().args())
      expand(a, job, dirs, argv);
    return argv;
  }
  // Python: the shipped executor runs the function from the component's own file.
  image = c.python().base_image();
  std::string module = dirs.root + "/component.py";
  std::ofstream(module, std::ios::binary) << c.python().source();
  return {job.run->python,           job.executorScript,
          "--executor_input",        executorInput(job, dirs, outputFile),
          "--function_to_execute",   c.python().function(),
          "--component_module_path", module};
}

// KFP's backoff: the first delay, growing by the factor, capped.
double backoffBefore(const ir::RetryPolicy &r, int retry) {
  double delay = r.backoff_seconds() * std::pow(r.backoff_factor() > 0 ? r.backoff_factor() : 2.0,
                                                std::max(0, retry - 1));
  double cap = r.max_backoff_seconds() > 0 ? r.max_backoff_seconds() : 3600;
  return std::min(delay, cap);
}

TaskOutcome importArtifact(const TaskJob &job) {
  TaskOutcome o;
  const ir::ImporterImpl &imp = job.component->importer();
  std::string uri = imp.uri().has_literal()
                        ? imp.uri().literal()
                        : valueText(job.inputs.at(imp.uri().input_value()).value);
  const ir::Parameter &out = job.component->interface().outputs(0);
  std::string path = uri.rfind("file://", 0) == 0 ? uri.substr(7) : uri;
  bool remote = uri.find("://") != std::string::npos && uri.rfind("file://", 0) != 0;
  if (!remote) {
    fs::path p(path);
    if (p.is_relative() && !job.run->sourceDir.empty())
      p = fs::path(job.run->sourceDir) / p;
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      o.message = fmt::format("importer: `{}` does not exist", p.string());
      return o;
    }
    path = fs::absolute(p, ec).lexically_normal().string();
  }
  Artifact art{remote ? uri : path, out.type().artifact().type(), imp.metadata()};
  Slot slot;
  slot.present = slot.isArtifact = true;
  slot.artifacts.push_back(std::move(art));
  o.outputs[out.name()] = std::move(slot);
  o.ok = true;
  o.attempts = 1;
  return o;
}

// A standard-library op, run in this process. Its log is the task's log.
// Cancellation and the timeout are polled by the op between phases.
bool runBuiltinAttempt(const TaskJob &job, const AttemptDirs &dirs, TaskOutcome &o) {
  const ir::Component &c = *job.component;
  builtins::Call call;
  call.component = &c;
  call.task = job.task;
  for (const auto &[name, slot] : job.inputs) {
    builtins::Input in;
    in.present = slot.present;
    in.value = slot.value;
    for (const Artifact &a : slot.artifacts)
      in.paths.push_back(a.uri);
    if (!slot.artifacts.empty()) {
      in.type = slot.artifacts.front().type;
      in.metadata = slot.artifacts.front().metadata;
    }
    call.inputs[name] = std::move(in);
  }
  for (const ir::Parameter &out : c.interface().outputs())
    if (out.is_artifact())
      call.outputPaths[out.name()] = dirs.root + "/" + out.name();
  const ir::Resources &res = job.options->resources();
  call.wantsGpu = res.accelerator_count() > 0 || !res.accelerator_type().empty();
  if (auto it = job.extraEnv.find("CUDA_VISIBLE_DEVICES"); it != job.extraEnv.end())
    call.gpuDevice = std::atoi(it->second.c_str());
  std::error_code ec;
  call.workDir = fs::current_path(ec).string();
  std::ofstream log(job.logPath, std::ios::app);
  call.log = [&log](const std::string &line) { log << line << '\n' << std::flush; };
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(job.options->timeout_seconds());
  bool timed = job.options->timeout_seconds() > 0, timedOut = false;
  call.canceled = [&] {
    if (timed && std::chrono::steady_clock::now() > deadline)
      timedOut = true;
    return timedOut || job.cancel->canceled();
  };
  try {
    builtins::Result r = builtins::run(call);
    return collectOutputs(job, dirs, r.values, r.metadata, o);
  } catch (const ops::OpError &e) {
    o.canceled = job.cancel->canceled();
    o.message =
        timedOut ? fmt::format("timed out after {} s", job.options->timeout_seconds()) : e.what();
  } catch (const std::bad_alloc &) {
    o.message = "out of memory";
  } catch (const std::exception &e) {
    o.message = fmt::format("internal error in `{}`: {}", c.builtin().op(), e.what());
  }
  log << "error: " << o.message << '\n';
  return false;
}

} // namespace

TaskOutcome executeTask(const TaskJob &job) {
  auto start = std::chrono::steady_clock::now();
  const ir::Component &c = *job.component;
  TaskOutcome o;
  if (c.has_importer()) {
    o = importArtifact(job);
  } else if (!c.has_container() && !c.has_python() && !c.has_builtin()) {
    o.message = "this kind of component cannot run on this machine";
  } else {
    const ir::TaskOptions &opts = *job.options;
    int retries = opts.has_retry() ? static_cast<int>(opts.retry().max_retries()) : 0;
    std::error_code ec;
    fs::create_directories(job.taskDir, ec);
    for (int attempt = 0; attempt <= retries; ++attempt) {
      if (attempt > 0 && !job.cancel->sleepFor(backoffBefore(opts.retry(), attempt))) {
        o.canceled = true;
        o.message = "canceled";
        break;
      }
      o.attempts = attempt + 1;
      AttemptDirs dirs{job.taskDir + "/.attempt", job.taskDir + "/.attempt/parameters"};
      fs::remove_all(dirs.root, ec);
      fs::create_directories(dirs.params, ec);
      if (c.has_builtin()) {
        if (runBuiltinAttempt(job, dirs, o)) {
          fs::remove_all(dirs.root, ec);
          o.ok = true;
          break;
        }
        if (o.canceled)
          break;
        continue;
      }
      std::string outputFile = dirs.root + "/executor_output.json";
      process::LaunchSpec spec;
      spec.argv = commandFor(job, dirs, outputFile, o.image);
      spec.env = taskEnv(job, dirs);
      spec.logPath = job.logPath;
      spec.timeoutSeconds = opts.timeout_seconds();
      if (!job.run->containerRuntime.empty() && !o.image.empty() && c.has_container()) {
        spec.argv = process::containerArgv(job.run->containerRuntime, o.image, spec.argv,
                                           job.mounts, spec.env, "");
        spec.killArgv = process::containerKillArgv(spec.argv);
      }
      process::ProcessResult r = process::run(spec, *job.cancel);
      using Outcome = process::ProcessResult::Outcome;
      if (r.outcome == Outcome::Canceled) {
        o.canceled = true;
        o.message = "canceled";
        break;
      }
      if (r.outcome == Outcome::Exited && r.exitCode == 0) {
        std::map<std::string, ir::Value> returned;
        std::map<std::string, ir::MapValue> metadata;
        std::string error;
        if (!readExecutorOutput(outputFile, job, returned, metadata, error)) {
          o.message = error;
        } else if (collectOutputs(job, dirs, returned, metadata, o)) {
          fs::remove_all(dirs.root, ec);
          o.ok = true;
          break;
        }
        continue;
      }
      o.message = process::describe(r);
      if (r.outcome == Outcome::FailedToStart)
        break; // retrying cannot help
    }
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o;
}

} // namespace mlpc::runtime
