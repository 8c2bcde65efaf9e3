#include "runtime/executor/Runs.h"

#include "runtime/metadata/MetadataStore.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>
#include <variant>

namespace fs = std::filesystem;
namespace md = mlpc::runtime::metadata;

namespace mlpc::runtime {
namespace {

std::string text(const md::Properties &p, const std::string &key) {
  auto it = p.find(key);
  if (it == p.end())
    return "";
  if (auto *s = std::get_if<std::string>(&it->second))
    return *s;
  if (auto *i = std::get_if<int64_t>(&it->second))
    return std::to_string(*i);
  if (auto *d = std::get_if<double>(&it->second))
    return fmt::format("{:.2f}", *d);
  return std::get<bool>(it->second) ? "true" : "false";
}

const char *stateWord(md::ExecutionState s) {
  switch (s) {
  case md::ExecutionState::Complete:
    return "succeeded";
  case md::ExecutionState::Cached:
    return "cached";
  case md::ExecutionState::Failed:
    return "failed";
  case md::ExecutionState::Canceled:
    return "canceled";
  case md::ExecutionState::Running:
    return "running";
  default:
    return "unknown";
  }
}

// The store under `root`, opened only if it exists (a query never creates one).
std::unique_ptr<md::MetadataStore> openExisting(const std::string &root, std::ostream &err) {
  fs::path db = fs::path(root) / "metadata.sqlite";
  std::error_code ec;
  if (!fs::exists(db, ec)) {
    err << fmt::format("error: no runs under `{}` (no {})\n", root, db.string())
        << "help: runs are kept under --root (default: mlpc-runs)\n";
    return nullptr;
  }
  std::string error;
  auto store = md::MetadataStore::open(db.string(), error);
  if (!store)
    err << fmt::format("error: cannot open `{}`: {}\n", db.string(), error);
  return store;
}

bool runContexts(md::MetadataStore &s, std::vector<md::Context> &runs) {
  auto type = s.getType(md::TypeKind::Context, md::kPipelineRunContextType);
  return !type || s.getContextsByType(type->id, runs);
}

} // namespace

int listRuns(const std::string &root, std::ostream &out, std::ostream &err) {
  auto store = openExisting(root, err);
  if (!store)
    return 2;
  std::vector<md::Context> runs;
  if (!runContexts(*store, runs)) {
    err << "error: " << store->error() << "\n";
    return 2;
  }
  out << fmt::format("{:<22}  {:<24}  {:<9}  {:>8}  {}\n", "run", "pipeline", "state", "seconds",
                     "tasks");
  for (const md::Context &r : runs) {
    std::vector<md::Execution> executions;
    store->getExecutionsByContext(r.id, executions);
    int cached = 0;
    for (const md::Execution &e : executions)
      cached += e.state == md::ExecutionState::Cached;
    out << fmt::format("{:<22}  {:<24}  {:<9}  {:>8}  {} ({} cached)\n", r.name,
                       text(r.customProperties, "pipeline"), text(r.customProperties, "state"),
                       text(r.customProperties, "seconds"), executions.size(), cached);
  }
  return 0;
}

int showRun(const std::string &root, const std::string &run, const std::string &lineage,
            std::ostream &out, std::ostream &err) {
  auto store = openExisting(root, err);
  if (!store)
    return 2;
  std::vector<md::Context> runs, matches;
  runContexts(*store, runs);
  for (const md::Context &r : runs)
    if (r.name.rfind(run, 0) == 0)
      matches.push_back(r);
  if (run == "latest" && !runs.empty())
    matches = {runs.back()};
  if (matches.size() != 1) {
    err << fmt::format("error: {} run{} `{}` under `{}`\n",
                       matches.empty() ? "no" : "more than one",
                       matches.empty() ? " named" : " starts with", run, root)
        << "help: `mlpc runs list` shows the runs\n";
    return 2;
  }
  const md::Context &r = matches.front();
  if (!lineage.empty()) {
    // Upstream lineage: the task that wrote the artifact, what it read, and so on.
    std::error_code ec;
    // A path, a URI, or TASK/OUTPUT in this run's folder.
    fs::path inRun = fs::path(text(r.customProperties, "run_dir")) / "tasks" / lineage;
    std::string uri = fs::exists(lineage, ec)
                          ? fs::absolute(lineage, ec).lexically_normal().string()
                      : fs::exists(inRun, ec) ? inRun.lexically_normal().string()
                                              : lineage;
    std::vector<md::Artifact> found;
    store->getArtifactsByUri(uri, found);
    if (found.empty()) {
      err << fmt::format("error: no artifact with URI `{}` in the metadata store\n", uri);
      return 2;
    }
    std::vector<std::pair<int64_t, int>> todo = {{found.back().id, 0}};
    std::set<int64_t> seen;
    while (!todo.empty()) {
      auto [artifactId, depth] = todo.back();
      todo.pop_back();
      auto a = store->getArtifact(artifactId);
      if (!a || !seen.insert(artifactId).second)
        continue;
      std::string pad(static_cast<size_t>(depth) * 4, ' ');
      out << fmt::format("{}{}\n", pad, a->uri);
      std::vector<md::Event> events;
      store->getEventsByArtifact(artifactId, events);
      for (const md::Event &ev : events) {
        if (ev.type != md::EventType::Output)
          continue;
        auto e = store->getExecution(ev.executionId);
        if (!e || e->state == md::ExecutionState::Cached)
          continue; // the execution that computed it, not a cache hit
        out << fmt::format("{}  <- {} ({})\n", pad, text(e->customProperties, "task_name"),
                           stateWord(e->state));
        std::vector<md::Event> inputs;
        store->getEventsByExecution(e->id, inputs);
        for (const md::Event &in : inputs)
          if (in.type == md::EventType::Input)
            todo.emplace_back(in.artifactId, depth + 1);
        break;
      }
    }
    return 0;
  }
  out << fmt::format("run {} of pipeline `{}`: {} in {} s\n  folder: {}\n\n", r.name,
                     text(r.customProperties, "pipeline"), text(r.customProperties, "state"),
                     text(r.customProperties, "seconds"), text(r.customProperties, "run_dir"));
  std::vector<md::Execution> executions;
  store->getExecutionsByContext(r.id, executions);
  out << fmt::format("{:<32}  {:<9}  {:>8}  {:>8}  {}\n", "task", "state", "seconds", "attempts",
                     "outputs");
  for (const md::Execution &e : executions) {
    std::vector<md::Event> events;
    store->getEventsByExecution(e.id, events);
    std::vector<std::string> outputs;
    for (const md::Event &ev : events)
      if (ev.type == md::EventType::Output)
        if (auto a = store->getArtifact(ev.artifactId))
          outputs.push_back(a->uri);
    for (const auto &[k, v] : e.customProperties)
      if (k.rfind("output:", 0) == 0)
        outputs.push_back(k.substr(7) + "=" + text(e.customProperties, k));
    out << fmt::format("{:<32}  {:<9}  {:>8}  {:>8}  {}\n", text(e.customProperties, "task_name"),
                       stateWord(e.state), text(e.customProperties, "seconds"),
                       text(e.customProperties, "attempts"), fmt::join(outputs, " "));
    if (e.state == md::ExecutionState::Failed)
      out << fmt::format("    {}; log: {}\n", text(e.customProperties, "message"),
                         text(e.customProperties, "log"));
  }
  return 0;
}

} // namespace mlpc::runtime
