// mlpc: the compiler driver. Parses the command line (LLVM's CommandLine
// library, one subcommand per verb) and runs the driver on a thread with a
// large stack, so that deeply nested (hostile) input cannot overflow it.
#include "tools/Driver.h"
#include "tools/lsp/Server.h"

#include <cstdlib>
#include <iostream>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/raw_ostream.h>
#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

namespace cl = llvm::cl;
using namespace mlpc::driver;

namespace {

cl::OptionCategory category("mlpc options");

cl::SubCommand checkCmd("check", "Parse and type-check .mlp files");
cl::SubCommand buildCmd("build", "Compile a .mlp pipeline for a target");
cl::SubCommand runCmd("run",
                      "Run a pipeline (.mlp, or a plan from --target=native) on this machine");
cl::SubCommand runsCmd("runs", "Past runs under a root: `runs list`, `runs show RUN`");
cl::SubCommand fmtCmd("fmt", "Format .mlp files in place (`-` formats stdin to stdout)");
cl::SubCommand lspCmd("lsp", "Serve the Language Server Protocol over stdin/stdout");
cl::SubCommand explainCmd("explain", "Explain a diagnostic code, e.g. `mlpc explain E0305`");

cl::list<std::string> checkFiles(cl::Positional, cl::OneOrMore, cl::desc("<file.mlp>..."),
                                 cl::sub(checkCmd), cl::cat(category));
cl::opt<std::string> buildFile(cl::Positional, cl::Required, cl::desc("<file.mlp>"),
                               cl::sub(buildCmd), cl::cat(category));
cl::opt<std::string> runFile(cl::Positional, cl::Required, cl::desc("<file.mlp | plan.pb>"),
                             cl::sub(runCmd), cl::cat(category));
cl::list<std::string> runParams("param",
                                cl::desc("A pipeline parameter: name=value (repeatable; for "
                                         "build, dataflow's launch.json values)"),
                                cl::value_desc("name=value"), cl::sub(runCmd), cl::sub(buildCmd),
                                cl::cat(category));
cl::opt<std::string> runRoot("root", cl::desc("Folder for runs, artifacts, cache and metadata"),
                             cl::value_desc("dir"), cl::init("mlpc-runs"), cl::sub(runCmd),
                             cl::cat(category));
cl::opt<int> runJobs("jobs", cl::desc("Tasks run at once (default: the number of CPUs)"),
                     cl::init(0), cl::sub(runCmd), cl::cat(category));
cl::opt<bool> runNoCache("no-cache", cl::desc("Run every task, ignoring earlier results"),
                         cl::sub(runCmd), cl::cat(category));
cl::opt<std::string> runContainer("container-runtime",
                                  cl::desc("Run container components with docker or podman"),
                                  cl::value_desc("docker|podman"), cl::sub(runCmd),
                                  cl::cat(category));
cl::opt<std::string> runPython("python",
                               cl::desc("The Python that runs Python-function components"),
                               cl::value_desc("path"), cl::init("python3"), cl::sub(runCmd),
                               cl::cat(category));
cl::list<std::string> runsArgs(cl::Positional, cl::desc("list | show RUN|latest"), cl::OneOrMore,
                               cl::sub(runsCmd), cl::cat(category));
cl::opt<std::string> runsRoot("root", cl::desc("The root the runs were made under"),
                              cl::value_desc("dir"), cl::init("mlpc-runs"), cl::sub(runsCmd),
                              cl::cat(category));
cl::opt<std::string> runsLineage("lineage",
                                 cl::desc("show: the tasks and artifacts upstream of an artifact"),
                                 cl::value_desc("uri or path"), cl::sub(runsCmd),
                                 cl::cat(category));
cl::list<std::string> fmtFiles(cl::Positional, cl::OneOrMore, cl::desc("<file.mlp | ->..."),
                               cl::sub(fmtCmd), cl::cat(category));
cl::opt<bool> fmtCheck("check",
                       cl::desc("Change nothing; exit 1 and name the files that would change"),
                       cl::sub(fmtCmd), cl::cat(category));
cl::opt<std::string> explainCode(cl::Positional, cl::Optional, cl::desc("<code>"),
                                 cl::sub(explainCmd), cl::cat(category));
cl::opt<bool> explainList("list", cl::desc("List every diagnostic code"), cl::sub(explainCmd),
                          cl::cat(category));

cl::opt<std::string>
    target("target",
           cl::desc("Output: ir (mlpc IR), kfp (KFP PipelineSpec YAML), tfx (a TFX "
                    "pipeline in Python: -o DIR), dataflow (a Beam job as a Dataflow Flex "
                    "Template: -o DIR) or native (a plan for `mlpc run`)"),
           cl::init("ir"), cl::sub(buildCmd), cl::cat(category));
cl::opt<std::string> output("o",
                            cl::desc("Output file (.pb binary, .txtpb text); stdout if absent"),
                            cl::value_desc("file"), cl::sub(buildCmd), cl::cat(category));
cl::opt<std::string> pipeline("pipeline", cl::desc("The pipeline to build when a file has several"),
                              cl::value_desc("name"), cl::sub(buildCmd), cl::sub(runCmd),
                              cl::cat(category));

cl::opt<std::string>
    runtimeImage("runtime-image",
                 cl::desc("kfp: the image that runs standard-library ops (the mlpc runtime)"),
                 cl::value_desc("image"), cl::sub(buildCmd), cl::cat(category));
cl::opt<std::string> image("image", cl::desc("dataflow: the Flex Template's container image"),
                           cl::value_desc("image"), cl::sub(buildCmd), cl::cat(category));
cl::opt<std::string>
    templatePath("template",
                 cl::desc("dataflow: where template.json will be stored (gs://...), for "
                          "launch.json"),
                 cl::value_desc("gs://..."), cl::sub(buildCmd), cl::cat(category));
cl::opt<std::string> component("component",
                               cl::desc("Build one component alone, as a one-task pipeline"),
                               cl::value_desc("name"), cl::sub(buildCmd), cl::cat(category));
cl::opt<bool> shareExecutors(
    "share-executors",
    cl::desc("kfp: one component and executor for identical ones (smaller YAML; the SDK repeats "
             "them per task)"),
    cl::sub(buildCmd), cl::cat(category));
cl::opt<bool> verify("verify",
                     cl::desc("Check diagnostics against `// expected-error {{...}}` comments"),
                     cl::sub(checkCmd), cl::cat(category));
cl::opt<Emit> emit("emit", cl::desc("Print an intermediate form (debugging)"),
                   cl::values(clEnumValN(Emit::Tokens, "tokens", "the lexer's tokens"),
                              clEnumValN(Emit::Ast, "ast", "the syntax tree"),
                              clEnumValN(Emit::Ir, "ir", "the IR, as text")),
                   cl::init(Emit::None), cl::sub(checkCmd), cl::cat(category));

enum class DiagFormat { Text, Json };
cl::opt<DiagFormat> diagFormat(
    "diagnostics-format", cl::desc("How diagnostics are printed"),
    cl::values(clEnumValN(DiagFormat::Text, "text", "for people (default)"),
               clEnumValN(DiagFormat::Json, "json", "one JSON object per line, for tools")),
    cl::init(DiagFormat::Text), cl::sub(checkCmd), cl::sub(buildCmd), cl::sub(runCmd),
    cl::sub(fmtCmd), cl::cat(category));
enum class ColorMode { Auto, Always, Never };
cl::opt<ColorMode>
    color("color", cl::desc("Colour diagnostics"),
          cl::values(clEnumValN(ColorMode::Auto, "auto", "when stderr is a terminal"),
                     clEnumValN(ColorMode::Always, "always", "always"),
                     clEnumValN(ColorMode::Never, "never", "never")),
          cl::init(ColorMode::Auto), cl::sub(checkCmd), cl::sub(buildCmd), cl::sub(runCmd),
          cl::sub(fmtCmd), cl::cat(category));
cl::opt<bool> werror("Werror", cl::desc("Treat warnings as errors"), cl::sub(checkCmd),
                     cl::sub(buildCmd), cl::cat(category));

cl::extrahelp examples(R"(
EXAMPLES:
  mlpc check examples/penguin.mlp             type-check a pipeline
  mlpc check --diagnostics-format=json a.mlp  diagnostics as JSON lines
  mlpc build --target=ir examples/penguin.mlp print the IR as text
  mlpc build --target=ir a.mlp -o a.pb        write the IR in binary
  mlpc build --target=kfp a.mlp -o a.yaml     KFP / Vertex AI PipelineSpec YAML
  mlpc build --target=tfx a.mlp -o out/       a TFX pipeline: python out/pipeline.py run
  mlpc build --target=dataflow a.mlp -o out/  a Dataflow Flex Template: main.py, template.json
  mlpc run examples/penguin.mlp               run a pipeline on this machine
  mlpc run a.mlp --param epochs=20 --root r   with a parameter, runs kept under r/
  mlpc build --target=native a.mlp -o a.pb    a plan that `mlpc run a.pb` runs
  mlpc runs list                              past runs under ./mlpc-runs
  mlpc runs show RUN --lineage PATH           where an artifact came from
  mlpc fmt examples/*.mlp                     format files in place
  mlpc fmt --check a.mlp                      exit 1 if a.mlp is not formatted
  mlpc lsp                                    language server (editors start it)
  mlpc explain E0305                          explain a diagnostic code

Exit status: 0 success, 1 compile errors or a failed task, 2 bad usage, 130 canceled.
)");

struct Invocation {
  int argc;
  char **argv;
  int exit = kExitUsage;
};

CompileOptions compileOptions() {
  CompileOptions o;
  o.json = diagFormat == DiagFormat::Json;
  bool tty = isatty(STDERR_FILENO) && !std::getenv("NO_COLOR");
  const char *term = std::getenv("TERM");
  tty = tty && !(term && std::string(term) == "dumb");
  o.color = !o.json && (color == ColorMode::Always || (color == ColorMode::Auto && tty));
  o.warningsAsErrors = werror;
  o.verify = verify;
  o.emit = emit;
  o.pipeline = pipeline;
  o.runtimeImage = runtimeImage;
  o.shareExecutors = shareExecutors;
  o.component = component;
  o.image = image;
  o.templatePath = templatePath;
  o.params.assign(runParams.begin(), runParams.end());
  return o;
}

int run(int argc, char **argv) {
  cl::HideUnrelatedOptions(category);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) { os << "mlpc " << MLPC_VERSION << "\n"; });
  std::string errors;
  llvm::raw_string_ostream errStream(errors);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "mlpc: compiler for .mlp ML pipelines\n\n"
                                   "  Run `mlpc <command> --help` for a command's options.\n",
                                   &errStream)) {
    std::cerr << errStream.str() << "help: run `mlpc --help` for usage\n";
    return kExitUsage;
  }
  if (checkCmd)
    return runCheck(std::vector<std::string>(checkFiles.begin(), checkFiles.end()),
                    compileOptions());
  if (buildCmd && !pipeline.empty() && !component.empty()) {
    std::cerr << "error: --pipeline and --component both name what to build; give one\n";
    return kExitUsage;
  }
  if (buildCmd)
    return runBuild(buildFile, target, output, compileOptions());
  if (runsCmd)
    return runRuns(std::vector<std::string>(runsArgs.begin(), runsArgs.end()), runsRoot,
                   runsLineage);
  if (runCmd) {
    RunCommand r;
    r.file = runFile;
    r.params.assign(runParams.begin(), runParams.end());
    r.root = runRoot;
    r.jobs = runJobs;
    r.noCache = runNoCache;
    r.containerRuntime = runContainer;
    r.python = runPython;
    return runRun(r, compileOptions());
  }
  if (fmtCmd)
    return runFormat(std::vector<std::string>(fmtFiles.begin(), fmtFiles.end()), fmtCheck,
                     compileOptions());
  if (lspCmd)
    return mlpc::lsp::runServer(std::cin, std::cout);
  if (explainCmd) {
    if (explainCode.empty() && !explainList) {
      std::cerr << "error: name a diagnostic code, e.g. `mlpc explain E0305`\n"
                   "help: `mlpc explain --list` lists every code\n";
      return kExitUsage;
    }
    return runExplain(explainCode, explainList);
  }
  std::cerr << "error: no command given\n"
               "help: `mlpc check FILE`, `mlpc build --target=ir FILE` or `mlpc explain CODE`; "
               "see `mlpc --help`\n";
  return kExitUsage;
}

void *runThread(void *arg) {
  auto *inv = static_cast<Invocation *>(arg);
  inv->exit = run(inv->argc, inv->argv);
  return nullptr;
}

} // namespace

int main(int argc, char **argv) {
  std::ios::sync_with_stdio(false);
  // A compiler run allocates a lot and exits: grow the heap in large steps
  // and never hand memory back mid-run (measured: about 10% faster on large
  // pipelines, see docs/performance.md).
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_MXFAST, 0); // no fast bins: their consolidation cost 7% of a large build
  Invocation inv{argc, argv};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512u << 20); // reserved, not committed, until used
  pthread_t thread;
  if (pthread_create(&thread, &attr, runThread, &inv) != 0)
    return run(argc, argv);
  pthread_join(thread, nullptr);
  std::cout.flush();
  return inv.exit;
}
