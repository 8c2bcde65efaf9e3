#include "tools/Driver.h"

#include "backends/dataflow/DataflowBackend.h"
#include "backends/kfp/KfpBackend.h"
#include "backends/tfx/TfxBackend.h"
#include "frontend/ast/AstDump.h"
#include "frontend/diag/Explain.h"
#include "frontend/diag/Verify.h"
#include "frontend/parse/ParseModule.h"
#include "frontend/sema/Checker.h"
#include "frontend/sema/Stdlib.h"
#include "ir/Builder.h"
#include "ir/Verifier.h"
#include "ir/Walk.h"
#ifdef MLPC_WITH_RUNTIME
#include "runtime/executor/Executor.h"
#include "runtime/executor/Runs.h"
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <google/protobuf/text_format.h>
#include <iostream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace mlpc::driver {

namespace {

void summary(const diag::DiagnosticEngine &diags, const std::string &file, bool json, bool color) {
  if (json)
    return;
  unsigned e = diags.errorCount(), w = diags.warningCount();
  auto plural = [](unsigned n, const char *what) {
    return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
  };
  std::string red = color ? "\x1b[1;31m" : "", yellow = color ? "\x1b[1;33m" : "",
              reset = color ? "\x1b[0m" : "";
  if (e)
    std::cerr << red << "error" << reset
              << fmt::format(": could not compile `{}` due to {}{}\n", file, plural(e, "error"),
                             w ? "; " + plural(w, "warning") + " emitted" : "");
  else if (w)
    std::cerr << yellow << "warning" << reset
              << fmt::format(": `{}`: {} emitted\n", file, plural(w, "warning"));
}

// The pipeline to build: --pipeline, else the one pipeline of the root file
// that no other pipeline of it calls.
const sema::CallableInfo *selectPipeline(const sema::Program &p, const std::string &wanted,
                                         diag::DiagnosticEngine &diags) {
  std::vector<const sema::CallableInfo *> pipelines;
  std::set<const sema::CallableInfo *> called;
  for (const sema::CallableInfo *c : p.rootCallables())
    if (c->isPipeline)
      pipelines.push_back(c);
  for (const sema::TaskInfo &t : p.tasks)
    called.insert(t.callee);
  source::SourceRange fileStart{p.root->ast->file, 0, 0};
  std::vector<std::string> names;
  for (const sema::CallableInfo *c : pipelines)
    names.push_back(c->name);
  if (!wanted.empty()) {
    for (const sema::CallableInfo *c : pipelines)
      if (c->name == wanted)
        return c;
    diags
        .report(diag::DiagKind::NoPipeline, fileStart,
                {fmt::format("no pipeline named `{}` in `{}`", wanted, p.root->name)})
        .help(names.empty() ? "this file declares no pipeline"
                            : fmt::format("pipelines here: {}", fmt::join(names, ", ")));
    return nullptr;
  }
  std::vector<const sema::CallableInfo *> roots;
  for (const sema::CallableInfo *c : pipelines)
    if (!called.count(c))
      roots.push_back(c);
  if (roots.size() == 1)
    return roots.front();
  if (roots.empty()) {
    diags
        .report(diag::DiagKind::NoPipeline, fileStart,
                {fmt::format("`{}` declares no pipeline to build", p.root->name)})
        .help("declare one: `pipeline name(...) { ... }`");
    return nullptr;
  }
  std::vector<std::string> rootNames;
  for (const sema::CallableInfo *c : roots)
    rootNames.push_back(c->name);
  diags
      .report(diag::DiagKind::NoPipeline, fileStart,
              {fmt::format("`{}` declares several pipelines: {}", p.root->name,
                           fmt::join(rootNames, ", "))})
      .help(fmt::format("choose one with `--pipeline {}`", rootNames.front()));
  return nullptr;
}

// `--component NAME`: a component of the root file, built alone as a
// one-task pipeline.
const sema::CallableInfo *selectComponent(const sema::Program &p, const std::string &wanted,
                                          diag::DiagnosticEngine &diags) {
  source::SourceRange fileStart{p.root->ast->file, 0, 0};
  std::vector<std::string> names;
  for (const sema::CallableInfo *c : p.rootCallables()) {
    if (c->isPipeline)
      continue;
    if (c->name != wanted) {
      names.push_back(c->name);
      continue;
    }
    if (c->typeParams.empty())
      return c;
    diags
        .report(diag::DiagKind::NoPipeline, c->decl->name.range,
                {fmt::format("generic component `{}` cannot be built alone", wanted)})
        .help("its schema parameters are bound by a call; build a pipeline that calls it");
    return nullptr;
  }
  diags
      .report(diag::DiagKind::NoPipeline, fileStart,
              {fmt::format("no component named `{}` in `{}`", wanted, p.root->name)})
      .help(names.empty() ? "this file declares no component"
                          : fmt::format("components here: {}", fmt::join(names, ", ")));
  return nullptr;
}

// The CLI exits right after a compilation: freeing its many small objects
// one by one would only cost time (a tenth of a large build). Compilations
// are parked here instead; the pointer keeps them reachable, so leak
// checkers stay quiet.
void retainUntilExit(Compilation &&c) {
  static auto *retained = new std::vector<Compilation>();
  retained->push_back(std::move(c));
}

} // namespace

Compilation compile(const std::string &path, const CompileOptions &options, bool buildIr,
                    std::ostream &out) {
  Compilation c;
  c.program = std::make_unique<sema::Program>();
  c.diags = std::make_unique<diag::DiagnosticEngine>(c.program->sources);
  c.diags->setWarningsAsErrors(options.warningsAsErrors);
  if (options.emit == Emit::Tokens || options.emit == Emit::Ast) {
    std::string error;
    std::optional<std::string> text = sema::readSourceFile(path, error);
    if (!text) {
      c.diags->report(diag::DiagKind::CannotReadFile, {}, {path, error})
          .help("check the path and that the file is readable");
      return c;
    }
    source::FileId file = c.program->sources.add(path, std::move(*text));
    if (options.emit == Emit::Tokens) {
      parse::dumpTokens(file, c.program->sources, out, *c.diags);
    } else {
      auto module = parse::parseModule(file, c.program->sources, *c.diags);
      ast::dumpModule(*module, c.program->sources, out);
    }
    c.ok = !c.diags->hasErrors();
    return c;
  }
  sema::Checker checker(*c.program, *c.diags);
  c.ok = checker.run(path);
  if (c.ok && !c.diags->hasErrors() && buildIr) {
    const sema::CallableInfo *root = options.component.empty()
                                         ? selectPipeline(*c.program, options.pipeline, *c.diags)
                                         : selectComponent(*c.program, options.component, *c.diags);
    if (!root) {
      c.ok = false;
      return c;
    }
    c.module = ir::buildModule(*c.program, *root);
    c.module->set_compiler_version(std::string("mlpc ") + MLPC_VERSION);
    std::vector<std::string> problems = ir::verifyModule(*c.module);
    if (!problems.empty()) {
      // A builder bug, not the user's: say so plainly.
      for (const std::string &problem : problems)
        std::cerr << "internal error: invalid IR: " << problem << "\n";
      std::cerr << "note: this is a bug in mlpc; please report it with the input file\n";
      c.module.reset();
      c.ok = false;
    }
  }
  c.ok = c.ok && !c.diags->hasErrors();
  return c;
}

int runCheck(const std::vector<std::string> &files, const CompileOptions &options) {
  int exit = kExitOk;
  for (const std::string &file : files) {
    Compilation c = compile(file, options, options.emit == Emit::Ir, std::cout);
    if (options.verify) {
      if (!diag::verifyDiagnostics(*c.diags, std::cerr))
        exit = kExitCompileError;
      continue;
    }
    diag::printDiagnostics(*c.diags, std::cerr, options.json, {options.color});
    summary(*c.diags, file, options.json, options.color);
    if (options.emit == Emit::Ir && c.module)
      std::cout << c.module->DebugString();
    if (!c.ok)
      exit = kExitCompileError;
    retainUntilExit(std::move(c));
  }
  return exit;
}

bool writeFileAtomically(const std::string &path, const std::string &data, std::string &error,
                         unsigned mode) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) {
    error = fmt::format("cannot create a file in `{}`: {}", dir.string(), std::strerror(errno));
    return false;
  }
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      error = std::strerror(errno);
      ::close(fd);
      ::unlink(tmpl.c_str());
      return false;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    error = std::strerror(errno);
    ::unlink(tmpl.c_str());
    return false;
  }
  ::chmod(tmpl.c_str(), static_cast<mode_t>(mode));
  if (std::rename(tmpl.c_str(), path.c_str()) != 0) {
    error = std::strerror(errno);
    ::unlink(tmpl.c_str());
    return false;
  }
  return true;
}

namespace {
// Writes generated files under `dir`, each atomically; files already there
// that mlpc did not write are left alone.
int writeFolder(const std::string &dir, const std::vector<backend::File> &files) {
  namespace fs = std::filesystem;
  for (const backend::File &f : files) {
    fs::path path = fs::path(dir) / f.path;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::string error;
    if (ec || !writeFileAtomically(path.string(), f.content, error)) {
      std::cerr << fmt::format("error: cannot write `{}`: {}\n", path.string(),
                               ec ? ec.message() : error);
      return kExitCompileError;
    }
  }
  return kExitOk;
}
} // namespace

namespace {
// GCPC's DataflowFlexTemplateJobOp as stdlib/std/gcp.mlp declares it (its
// inputs, defaults and descriptions), compiled as a call to it in a .mlp file
// is: the KFP backend lowers calls to `@dataflow` pipelines to it.
std::optional<ir::Component> gcpFlexTemplateComponent() {
  sema::Program program;
  diag::DiagnosticEngine diags(program.sources);
  sema::Checker checker(program, diags);
  std::string text = "import std.gcp as gcp\n"
                     "pipeline launch() {\n"
                     "  gcp.dataflow_flex_template(container_spec_gcs_path: \"\")\n"
                     "}\n";
  if (!checker.run("<mlpc-kfp-dataflow>.mlp", text))
    return std::nullopt;
  for (const sema::CallableInfo &c : program.callables)
    if (c.isPipeline && c.name == "launch") {
      std::unique_ptr<ir::Module> m = ir::buildModule(program, c);
      auto it = m->components().find("std.gcp.dataflow_flex_template");
      if (it != m->components().end())
        return it->second;
    }
  return std::nullopt;
}
} // namespace

int runBuild(const std::string &file, const std::string &target, const std::string &output,
             const CompileOptions &options) {
  if (target != "ir" && target != "kfp" && target != "native" && target != "tfx" &&
      target != "dataflow") {
    std::cerr << fmt::format("error: unknown target `{}`\n"
                             "help: use --target=ir, kfp, tfx, dataflow or native\n",
                             target);
    return kExitUsage;
  }
  if ((target == "tfx" || target == "dataflow") && (output.empty() || output == "-")) {
    std::cerr << fmt::format(
        "error: --target={} writes a folder ({}); name it with `-o DIR`\n", target,
        target == "tfx" ? "pipeline.py, modules" : "main.py, template.json, Dockerfile");
    return kExitUsage;
  }
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string &p : options.params) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << fmt::format("error: --param `{}`: expected name=value\n", p);
      return kExitUsage;
    }
    params.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  if (!params.empty() && target != "dataflow") {
    std::cerr << "error: mlpc build takes --param only with --target=dataflow (launch.json's "
                 "values)\nhelp: `mlpc run --param` gives a run its parameters\n";
    return kExitUsage;
  }
  if (target == "native" && (output.empty() || output == "-")) {
    std::cerr << "error: --target=native writes a binary plan; name the file with `-o plan.pb`\n";
    return kExitUsage;
  }
  Compilation c = compile(file, options, true, std::cout);
  std::string yaml; // --target=kfp's output
  if (c.ok && c.module && target == "kfp") {
    kfp::KfpOptions ko;
    if (!options.runtimeImage.empty())
      ko.runtimeImage = options.runtimeImage;
    ko.shareExecutors = options.shareExecutors;
    ko.sdkVersion = std::string("mlpc-") + MLPC_VERSION;
    ko.dataflowFlexTemplate = gcpFlexTemplateComponent();
    kfp::KfpResult r = kfp::compileToKfp(*c.module, ko);
    // The backend's errors are diagnostics like the checker's, with the source line.
    for (const kfp::KfpError &e : r.errors) {
      const ir::SourceLocation &at = e.location;
      c.diags
          ->report(diag::DiagKind::TargetCannotLower,
                   c.program->sources.rangeAt(at.file(), at.line(), at.column()), {e.message})
          .help(e.help);
    }
    c.ok = r.errors.empty();
    yaml = std::move(r.yaml);
  }
  // The folder targets: their files, and their diagnostics like the checker's.
  backend::FolderOutput folder;
  if (c.ok && c.module && (target == "tfx" || target == "dataflow")) {
    if (target == "tfx") {
      tfx::TfxOptions to;
      to.mlpcVersion = MLPC_VERSION;
      std::error_code ec;
      namespace fs = std::filesystem;
      fs::path sourceDir = fs::absolute(file, ec).parent_path();
      fs::path rel = fs::absolute(output, ec).lexically_normal();
      to.sourceDirFromOutput = sourceDir.lexically_relative(rel).string();
      if (to.sourceDirFromOutput.empty())
        to.sourceDirFromOutput = sourceDir.string();
      folder = tfx::compileToTfx(*c.module, to);
    } else {
      dataflow::DataflowOptions dfo;
      dfo.mlpcVersion = MLPC_VERSION;
      dfo.pipelineNamed = !options.pipeline.empty();
      dfo.image = options.image;
      dfo.templatePath = options.templatePath;
      dfo.params = params;
      folder = dataflow::compileToDataflow(*c.module, dfo);
    }
    for (const backend::Diagnostic &d : folder.diagnostics) {
      const ir::SourceLocation &at = d.location;
      c.diags
          ->report(d.warning ? diag::DiagKind::TargetIgnores : diag::DiagKind::TargetCannotLower,
                   c.program->sources.rangeAt(at.file(), at.line(), at.column()), {d.message})
          .help(d.help);
    }
    c.ok = !c.diags->hasErrors();
  }
  diag::printDiagnostics(*c.diags, std::cerr, options.json, {options.color});
  summary(*c.diags, file, options.json, options.color);
  if (!c.ok || !c.module) {
    retainUntilExit(std::move(c));
    return kExitCompileError;
  }
  const ir::Module &module = *c.module;
  retainUntilExit(std::move(c));
  if (target == "tfx" || target == "dataflow")
    return writeFolder(output, folder.files);
  if (target == "kfp") {
    if (output.empty() || output == "-") {
      std::cout << yaml;
      return kExitOk;
    }
    std::string error;
    if (!writeFileAtomically(output, yaml, error)) {
      std::cerr << fmt::format("error: cannot write `{}`: {}\n", output, error);
      return kExitCompileError;
    }
    return kExitOk;
  }
  if (output.empty() || output == "-") {
    std::string text;
    google::protobuf::TextFormat::PrintToString(module, &text);
    std::cout << text;
    return kExitOk;
  }
  // `.pb` is binary; `.txtpb`, `.textproto` and `.txt` are text. A native plan
  // is the IR in binary, which `mlpc run plan.pb` checks and runs.
  std::string ext = std::filesystem::path(output).extension().string();
  std::string data;
  if (target != "native" && (ext == ".txtpb" || ext == ".textproto" || ext == ".txt"))
    google::protobuf::TextFormat::PrintToString(module, &data);
  else
    module.SerializeToString(&data);
  std::string error;
  if (!writeFileAtomically(output, data, error)) {
    std::cerr << fmt::format("error: cannot write `{}`: {}\n", output, error);
    return kExitCompileError;
  }
  return kExitOk;
}

#ifdef MLPC_WITH_RUNTIME
// A plan from `mlpc build --target=native`: the IR in binary, verified before it runs.
std::unique_ptr<ir::Module> loadPlan(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << fmt::format("error: cannot read `{}`: {}\n", path, std::strerror(errno));
    return nullptr;
  }
  auto module = std::make_unique<ir::Module>();
  if (!module->ParseFromIstream(&in) || module->root_pipeline().empty()) {
    std::cerr << fmt::format("error: `{}` is not an mlpc plan\n", path)
              << "help: write one with `mlpc build --target=native FILE.mlp -o plan.pb`\n";
    return nullptr;
  }
  std::vector<std::string> problems = ir::verifyModule(*module);
  for (const std::string &p : problems)
    std::cerr << fmt::format("error: `{}`: invalid plan: {}\n", path, p);
  return problems.empty() ? std::move(module) : nullptr;
}

int runRun(const RunCommand &command, const CompileOptions &options) {
  runtime::RunOptions ro;
  for (const std::string &p : command.params) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << fmt::format("error: --param `{}` is not `name=value`\n", p);
      return kExitUsage;
    }
    ro.params[p.substr(0, eq)] = p.substr(eq + 1);
  }
  if (command.jobs < 0) {
    std::cerr << "error: --jobs must be at least 1\n";
    return kExitUsage;
  }
  if (!command.containerRuntime.empty() && command.containerRuntime != "docker" &&
      command.containerRuntime != "podman") {
    std::cerr << fmt::format("error: --container-runtime must be docker or podman, not `{}`\n",
                             command.containerRuntime);
    return kExitUsage;
  }
  ro.root = command.root;
  ro.jobs = command.jobs;
  ro.noCache = command.noCache;
  ro.containerRuntime = command.containerRuntime;
  ro.python = command.python;
  std::error_code ec;
  ro.sourceDir = std::filesystem::absolute(command.file, ec).parent_path().string();
  std::unique_ptr<ir::Module> plan;
  const ir::Module *module = nullptr;
  std::string ext = std::filesystem::path(command.file).extension().string();
  if (ext == ".pb") {
    ro.sourceDir.clear(); // a plan's relative importer paths are relative to the current folder
    plan = loadPlan(command.file);
    if (!plan)
      return kExitCompileError;
    module = plan.get();
  } else {
    Compilation c = compile(command.file, options, true, std::cout);
    // TFX's standard components run only in TFX: say so before anything runs.
    static const google::protobuf::Map<std::string, ir::Pipeline> kNone;
    for (const auto &[name, p] : c.module ? c.module->pipelines() : kNone)
      ir::forEachTask(p.body(), [&](const ir::Task &t) {
        auto comp = c.module->components().find(t.component());
        if (comp == c.module->components().end() || !comp->second.has_tfx())
          return;
        const ir::SourceLocation &at = t.location();
        c.diags
            ->report(diag::DiagKind::TargetCannotLower,
                     c.program->sources.rangeAt(at.file(), at.line(), at.column()),
                     {fmt::format("TFX's {} component cannot run under `mlpc run`",
                                  comp->second.tfx().component())})
            .help("build the pipeline for TFX: `mlpc build --target=tfx FILE -o DIR`");
      });
    c.ok = c.ok && !c.diags->hasErrors();
    diag::printDiagnostics(*c.diags, std::cerr, options.json, {options.color});
    summary(*c.diags, command.file, options.json, options.color);
    if (!c.ok || !c.module) {
      retainUntilExit(std::move(c));
      return kExitCompileError;
    }
    plan = std::move(c.module);
    retainUntilExit(std::move(c));
    module = plan.get();
  }
  return runtime::runPipeline(*module, ro, std::cout, std::cerr);
}

int runRuns(const std::vector<std::string> &args, const std::string &root,
            const std::string &lineage) {
  if (args[0] == "list" && args.size() == 1)
    return runtime::listRuns(root, std::cout, std::cerr);
  if (args[0] == "show" && args.size() == 2)
    return runtime::showRun(root, args[1], lineage, std::cout, std::cerr);
  std::cerr << "error: use `mlpc runs list` or `mlpc runs show RUN`\n";
  return kExitUsage;
}
#else
int runRuns(const std::vector<std::string> &, const std::string &, const std::string &) {
  std::cerr << "error: this mlpc was built without the native runtime\n";
  return kExitUsage;
}
int runRun(const RunCommand &, const CompileOptions &) {
  std::cerr << "error: this mlpc was built without the native runtime\n";
  return kExitUsage;
}
#endif

int runExplain(const std::string &code, bool list) {
  if (list) {
    for (const diag::DiagInfo &d : diag::allDiagnostics())
      std::cout << d.code << " " << (d.severity == diag::Severity::Error ? "error" : "warning")
                << " " << d.name << "\n";
    return kExitOk;
  }
  std::string upper;
  for (char ch : code)
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const diag::DiagInfo *info = diag::findByCode(upper);
  if (!info) {
    std::cerr << fmt::format(
        "error: `{}` is not an mlpc diagnostic code\n"
        "help: codes look like E0305 or W0001; `mlpc explain --list` lists them\n",
        code);
    return kExitUsage;
  }
  const char *text = diag::explanation(upper);
  if (!text) {
    std::cout << fmt::format("{}: {}\n", info->code, info->format);
    return kExitOk;
  }
  std::cout << text;
  return kExitOk;
}

} // namespace mlpc::driver
