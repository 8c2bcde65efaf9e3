// The compiler pipeline behind `mlpc check` and `mlpc build`, independent
// of command-line parsing so tests and other tools (the LSP) can call it.
#pragma once

#include "frontend/diag/Diagnostic.h"
#include "frontend/diag/Render.h"
#include "frontend/sema/Program.h"
#include "ir/mlpc_ir.pb.h"

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace mlpc::driver {

enum class Emit { None, Tokens, Ast, Ir };

struct CompileOptions {
  bool json = false;
  bool color = false;
  bool warningsAsErrors = false;
  bool verify = false;
  Emit emit = Emit::None;
  std::string pipeline;            // --pipeline
  std::string component;           // --component: build one component alone
  std::string runtimeImage;        // --runtime-image (kfp)
  bool shareExecutors = false;     // --share-executors (kfp)
  std::string image;               // --image (dataflow)
  std::string templatePath;        // --template (dataflow)
  std::vector<std::string> params; // --param name=value (dataflow's launch.json)
};

// Exit codes of the driver.
constexpr int kExitOk = 0;
constexpr int kExitCompileError = 1;
constexpr int kExitUsage = 2;

// The result of compiling one file.
struct Compilation {
  std::unique_ptr<sema::Program> program;
  std::unique_ptr<diag::DiagnosticEngine> diags;
  std::unique_ptr<ir::Module> module; // set when building and there were no errors
  bool ok = false;
};

// Loads, parses and checks `path`; with `buildIr`, also lowers and verifies
// the IR of the selected pipeline.
Compilation compile(const std::string &path, const CompileOptions &options, bool buildIr,
                    std::ostream &out);

// `mlpc check FILE...`: returns the exit code.
int runCheck(const std::vector<std::string> &files, const CompileOptions &options);
// `mlpc build --target=ir FILE [-o OUT]`.
int runBuild(const std::string &file, const std::string &target, const std::string &output,
             const CompileOptions &options);
// `mlpc run FILE`: compiles a .mlp file (or loads a plan) and runs it here.
struct RunCommand {
  std::string file;
  std::vector<std::string> params; // name=value
  std::string root;
  int jobs = 0;
  bool noCache = false;
  std::string containerRuntime;
  std::string python;
};
int runRun(const RunCommand &command, const CompileOptions &options);
// `mlpc runs list` / `mlpc runs show RUN [--lineage URI]`.
int runRuns(const std::vector<std::string> &args, const std::string &root,
            const std::string &lineage);

// `mlpc fmt [--check] FILE...`: formats in place, or with `check` only names
// the files that would change (exit 1). `-` formats stdin to stdout.
int runFormat(const std::vector<std::string> &files, bool check, const CompileOptions &options);

// `mlpc explain CODE` / `mlpc explain --list`.
int runExplain(const std::string &code, bool list);

// Writes `data` to `path` through a temporary file and a rename, so a failed
// or interrupted write never leaves a truncated file behind.
bool writeFileAtomically(const std::string &path, const std::string &data, std::string &error,
                         unsigned mode = 0644);

} // namespace mlpc::driver
