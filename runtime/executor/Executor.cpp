#include "runtime/executor/Executor.h"

#include "runtime/executor/Lineage.h"
#include "runtime/executor/Scheduler.h"
#include "runtime/executor/Values.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mlpc::runtime {
namespace {

struct EmbeddedFile {
  const char *name;
  const char *text;
};
#include "runtime/executor/PythonExecutor.inc"

std::string nowText(const char *format) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

// Run ids sort by start time and stay unique when two runs start at once.
std::string newRunId() {
  std::random_device rd;
  return fmt::format("{}-{:04x}", nowText("%Y%m%d-%H%M%S"), rd() & 0xffff);
}

// Writes `text` to `path` unless it already holds exactly that.
bool writeIfChanged(const fs::path &path, const std::string &text) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream old;
  old << in.rdbuf();
  if (in && old.str() == text)
    return true;
  fs::path tmp = path;
  tmp += fmt::format(".tmp{}", getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out)
      return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

// Pipeline inputs from `--param name=value` and defaults. An artifact input
// takes a local path.
bool bindInputs(const ir::Pipeline &p, const RunOptions &o, PipelineRun &run, std::ostream &err) {
  std::map<std::string, const ir::Parameter *> byName;
  for (const ir::Parameter &in : p.interface().inputs())
    byName[in.name()] = &in;
  bool ok = true;
  for (const auto &[name, text] : o.params) {
    auto it = byName.find(name);
    if (it == byName.end()) {
      std::vector<std::string> names;
      for (const auto &[n, _] : byName)
        names.push_back(n);
      err << fmt::format("error: pipeline `{}` has no parameter `{}`\n", p.name(), name)
          << (names.empty()
                  ? std::string("help: it takes no parameters\n")
                  : fmt::format("help: its parameters are: {}\n", fmt::join(names, ", ")));
      ok = false;
      continue;
    }
    const ir::Parameter &in = *it->second;
    Slot slot;
    slot.present = true;
    if (in.is_artifact()) {
      fs::path path = text.rfind("file://", 0) == 0 ? text.substr(7) : text;
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        err << fmt::format("error: --param {}: `{}` does not exist (an artifact input takes a "
                           "local path)\n",
                           name, path.string());
        ok = false;
        continue;
      }
      slot.isArtifact = true;
      slot.artifacts.push_back(
          {fs::absolute(path, ec).lexically_normal().string(), in.type().artifact().type(), {}});
    } else {
      std::string error;
      if (!parseValue(text, in.type(), &slot.value, error)) {
        err << fmt::format("error: --param {}: {}\n", name, error);
        ok = false;
        continue;
      }
    }
    run.inputs[name] = std::move(slot);
  }
  for (const ir::Parameter &in : p.interface().inputs()) {
    if (run.inputs.count(in.name()))
      continue;
    Slot slot;
    if (in.has_default_value()) {
      slot.present = true;
      slot.value = in.default_value();
      widen(slot.value, in.type());
    } else if (!in.optional() && !in.type().optional()) {
      err << fmt::format("error: pipeline `{}` needs a value for `{}` ({})\n", p.name(), in.name(),
                         typeName(in.type()))
          << fmt::format("help: pass it with `--param {}=...`\n", in.name());
      ok = false;
    }
    run.inputs[in.name()] = std::move(slot);
  }
  return ok;
}

// Progress: one line per task start and end, with the time; on failure the
// task's exit status, the tail of its log and the log's path. On a terminal a
// status line below them shows done / running / cached / failed, the elapsed
// time and a bar, redrawn as tasks change and every quarter second.
class ProgressPrinter : public RunObserver {
public:
  ProgressPrinter(std::ostream &out, std::chrono::steady_clock::time_point start, bool live,
                  std::function<size_t()> knownTasks)
      : out_(out), start_(start), live_(live), knownTasks_(std::move(knownTasks)) {
    if (live_)
      ticker_ = std::thread([this] {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stop_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopped_; }))
          drawStatus();
      });
  }
  ~ProgressPrinter() override { stop(); }

  // Ends the live view (before the summary is printed).
  void stop() {
    if (!ticker_.joinable())
      return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      out_ << "\r\033[K" << std::flush;
    }
    stop_.notify_all();
    ticker_.join();
  }

  void taskStarted(const NodeRun &n) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (n.state == State::Cached)
      return;
    ++running_;
    line(fmt::format("[{:7.2f}s] started   {}\n", elapsed(), n.path));
  }
  void taskFinished(const NodeRun &n, const TaskJob *) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (n.state == State::Cached) {
      ++cached_;
      line(fmt::format("[{:7.2f}s] cached    {}\n", elapsed(), n.path));
      return;
    }
    --running_;
    ++(n.state == State::Succeeded ? succeeded_ : failed_);
    std::string text =
        fmt::format("[{:7.2f}s] {:<9} {} ({:.2f}s{})\n", elapsed(), stateName(n.state), n.path,
                    n.seconds, n.attempts > 1 ? fmt::format(", {} attempts", n.attempts) : "");
    if (n.state == State::Failed) {
      text += fmt::format("  error: task `{}` {}\n", n.path, n.message);
      std::string tail = process::tailOfFile(n.logPath, 20, 4096);
      if (!tail.empty()) {
        text += "  --- last lines of its log ---\n";
        std::istringstream lines(tail);
        for (std::string l; std::getline(lines, l);)
          text += "  | " + l + "\n";
      }
      text += fmt::format("  full log: {}\n", n.logPath);
    }
    line(text);
  }

private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  // A log line above the status line (which is then redrawn).
  void line(const std::string &text) {
    if (live_)
      out_ << "\r\033[K";
    out_ << text;
    if (live_)
      drawStatus();
    out_ << std::flush;
  }
  void drawStatus() {
    if (stopped_)
      return;
    size_t total = std::max<size_t>(knownTasks_(), 1);
    size_t finishedCount = succeeded_ + cached_ + failed_;
    int filled = static_cast<int>(20 * finishedCount / total);
    std::string bar;
    for (int i = 0; i < 20; ++i)
      bar += i < filled ? "\u2588" : "\u2591";
    out_ << fmt::format("\r\033[K[{:7.1f}s] {} {}/{} done, {} running, {} cached, {} failed",
                        elapsed(), bar, finishedCount, total, running_, cached_, failed_)
         << std::flush;
  }

  std::ostream &out_;
  std::chrono::steady_clock::time_point start_;
  bool live_;
  std::function<size_t()> knownTasks_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopped_ = false;
  std::thread ticker_;
  size_t running_ = 0, succeeded_ = 0, cached_ = 0, failed_ = 0;
};

void printSummary(const Scheduler &s, std::ostream &out) {
  std::map<State, int> counts;
  size_t width = 4;
  for (const NodeRun *n : s.taskOrder())
    width = std::max(width, n->path.size());
  out << fmt::format("\n{:<{}}  {:<9}  {:>8}  {}\n", "task", width, "state", "seconds", "outputs");
  for (const NodeRun *n : s.taskOrder()) {
    ++counts[n->state];
    std::vector<std::string> outs;
    for (const auto &[name, slot] : n->outputs)
      outs.push_back(slot.isArtifact && !slot.artifacts.empty()
                         ? name + "=" + slot.artifacts.front().uri
                         : name + "=" + valueText(slot.value).substr(0, 40));
    out << fmt::format("{:<{}}  {:<9}  {:>8.2f}  {}\n", n->path, width, stateName(n->state),
                       n->seconds, fmt::join(outs, " "));
  }
  std::vector<std::string> parts;
  for (auto [state, count] : counts)
    parts.push_back(fmt::format("{} {}", count, stateName(state)));
  out << fmt::format("\n{} tasks: {}\n", s.taskOrder().size(), fmt::join(parts, ", "));
}

// The GPUs of this machine, as CUDA_VISIBLE_DEVICES names them: its own list
// when set, else one per NVIDIA device the driver reports.
std::vector<std::string> detectGpus() {
  std::vector<std::string> ids;
  if (const char *visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
    std::stringstream list(visible);
    for (std::string id; std::getline(list, id, ',');)
      if (!id.empty() && id != "-1")
        ids.push_back(id);
    return ids;
  }
  std::error_code ec;
  int count = 0;
  for (auto it = fs::directory_iterator("/proc/driver/nvidia/gpus", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    ++count;
  for (int i = 0; i < count; ++i)
    ids.push_back(std::to_string(i));
  return ids;
}

} // namespace

int runPipeline(const ir::Module &module, const RunOptions &options, std::ostream &out,
                std::ostream &err) {
  auto start = std::chrono::steady_clock::now();
  const ir::Pipeline &pipeline = module.pipelines().at(module.root_pipeline());
  PipelineRun root;
  root.pipeline = &pipeline;
  if (!bindInputs(pipeline, options, root, err))
    return 2;

  std::error_code ec;
  fs::path rootDir = fs::absolute(options.root, ec);
  RunContext ctx;
  ctx.runId = newRunId();
  ctx.runDir = (rootDir / "runs" / ctx.runId).string();
  ctx.createTime = nowText("%Y-%m-%dT%H:%M:%SZ");
  fs::create_directories(ctx.runDir, ec);
  if (ec) {
    err << fmt::format("error: cannot create the run folder `{}`: {}\n", ctx.runDir, ec.message())
        << "help: --root must name a folder this user can write to\n";
    return 2;
  }
  fs::create_directories(rootDir / ".mlpc", ec);
  // The executor script and the module of KFP conventions it imports.
  for (const EmbeddedFile *f = kPythonExecutor; f->name; ++f) {
    fs::path file = rootDir / ".mlpc" / (std::string(f->name) + ".py");
    if (!writeIfChanged(file, f->text)) {
      err << fmt::format("error: cannot write `{}`\n", file.string());
      return 2;
    }
  }
  fs::path script = rootDir / ".mlpc" / "mlpc_executor.py";
  ctx.executorScript = script.string();
  TaskCache cache((rootDir / "cache").string());
  ctx.cache = &cache;
  process::CancelToken cancel;
  process::InterruptGuard interrupts(cancel); // Ctrl-C cancels the run
  ctx.cancel = &cancel;
  // The live view needs a terminal; logs and pipes get plain lines.
  const char *term = std::getenv("TERM");
  bool live =
      options.liveProgress && isatty(STDOUT_FILENO) && !(term && std::string(term) == "dumb");
  Scheduler *current = nullptr;
  ProgressPrinter progress(out, start, live,
                           [&current] { return current ? current->knownTasks() : size_t{0}; });
  std::string dbError;
  std::string dbPath = (rootDir / "metadata.sqlite").string();
  std::unique_ptr<Lineage> lineage =
      Lineage::open(dbPath, module, pipeline, ctx.runId, ctx.runDir, dbError);
  if (!lineage) {
    err << fmt::format("error: cannot open the metadata store `{}`: {}\n", dbPath, dbError)
        << "help: use another --root, or move that file away (it is not touched)\n";
    return 2;
  }
  lineage->next = &progress;
  ctx.observer = lineage.get();

  out << fmt::format("run {} of pipeline `{}`\n  folder: {}\n", ctx.runId, pipeline.name(),
                     ctx.runDir);
  RunOptions withGpus = options;
  withGpus.gpus = detectGpus();
  Scheduler scheduler(module, withGpus, ctx);
  current = &scheduler;
  scheduler.run(root);
  progress.stop();
  printSummary(scheduler, out);

  bool failed = root.body && root.body->failed;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const char *state = cancel.canceled() ? "CANCELED" : failed ? "FAILED" : "SUCCEEDED";
  lineage->runFinished(state, seconds);
  if (!lineage->lastError().empty())
    err << fmt::format("warning: the metadata store could not record everything: {}\n",
                       lineage->lastError());
  if (cancel.canceled()) {
    out << fmt::format("run {} canceled; what finished is kept under {}\n", ctx.runId, ctx.runDir);
    return 130;
  }
  out << fmt::format("run {} {} in {:.2f}s\n  outputs and logs: {}\n  metadata: {}\n", ctx.runId,
                     failed ? "failed" : "succeeded", seconds, ctx.runDir, dbPath);
  return failed ? 1 : 0;
}

} // namespace mlpc::runtime
