#include "runtime/executor/Scheduler.h"

#include "runtime/builtins/Builtins.h"

#include "runtime/executor/Values.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;

namespace mlpc::runtime {

const char *stateName(State s) {
  switch (s) {
  case State::Pending:
    return "pending";
  case State::Running:
    return "running";
  case State::Succeeded:
    return "succeeded";
  case State::Cached:
    return "cached";
  case State::Failed:
    return "failed";
  case State::Skipped:
    return "skipped";
  case State::Canceled:
    return "canceled";
  }
  return "?";
}

namespace {

// ---- Which sibling nodes a node waits for ----

void tasksIn(const ir::Dag &dag, std::set<std::string> &out);
void tasksIn(const ir::Node &n, std::set<std::string> &out) {
  switch (n.kind_case()) {
  case ir::Node::kTask:
    out.insert(n.task().name());
    break;
  case ir::Node::kCondition:
    for (const ir::Branch &b : n.condition().branches())
      tasksIn(b.body(), out);
    break;
  case ir::Node::kLoop:
    tasksIn(n.loop().body(), out);
    break;
  case ir::Node::kExitHandler:
    tasksIn(n.exit_handler().body(), out);
    tasksIn(n.exit_handler().exit(), out);
    break;
  default:
    break;
  }
}
void tasksIn(const ir::Dag &dag, std::set<std::string> &out) {
  for (const ir::Node &n : dag.nodes())
    tasksIn(n, out);
}

void refsIn(const ir::Expr &e, std::set<std::string> &out) {
  switch (e.kind_case()) {
  case ir::Expr::kRef:
    if (e.ref().has_task_output())
      out.insert(e.ref().task_output().task());
    break;
  case ir::Expr::kUnary:
    refsIn(e.unary().operand(), out);
    break;
  case ir::Expr::kBinary:
    refsIn(e.binary().lhs(), out);
    refsIn(e.binary().rhs(), out);
    break;
  case ir::Expr::kConcat:
    for (const ir::Expr &p : e.concat().parts())
      refsIn(p, out);
    break;
  case ir::Expr::kList:
    for (const ir::Expr &p : e.list().elements())
      refsIn(p, out);
    break;
  case ir::Expr::kMap:
    for (const auto &[k, p] : e.map().entries())
      refsIn(p, out);
    break;
  case ir::Expr::kIndex:
    refsIn(e.index().base(), out);
    refsIn(e.index().index(), out);
    break;
  default:
    break;
  }
}

void refsIn(const ir::Dag &dag, std::set<std::string> &out);
void refsIn(const ir::Node &n, std::set<std::string> &out) {
  switch (n.kind_case()) {
  case ir::Node::kTask:
    for (const auto &[name, b] : n.task().inputs()) {
      if (b.has_one_of())
        for (const ir::TaskOutput &alt : b.one_of().alternatives())
          out.insert(alt.task());
      else
        refsIn(b.expr(), out);
    }
    out.insert(n.task().after().begin(), n.task().after().end());
    break;
  case ir::Node::kCondition:
    for (const ir::Branch &b : n.condition().branches()) {
      if (b.has_condition())
        refsIn(b.condition(), out);
      refsIn(b.body(), out);
    }
    break;
  case ir::Node::kLoop:
    refsIn(n.loop().items(), out);
    refsIn(n.loop().body(), out);
    break;
  case ir::Node::kExitHandler:
    refsIn(n.exit_handler().body(), out);
    refsIn(n.exit_handler().exit(), out);
    break;
  default:
    break;
  }
}
void refsIn(const ir::Dag &dag, std::set<std::string> &out) {
  for (const ir::Node &n : dag.nodes())
    refsIn(n, out);
}

std::vector<std::vector<size_t>> siblingDeps(const ir::Dag &dag) {
  std::map<std::string, size_t> owner;
  std::vector<std::set<std::string>> contained(dag.nodes_size());
  for (int i = 0; i < dag.nodes_size(); ++i) {
    tasksIn(dag.nodes(i), contained[i]);
    for (const std::string &t : contained[i])
      owner[t] = static_cast<size_t>(i);
  }
  std::vector<std::vector<size_t>> deps(dag.nodes_size());
  for (int i = 0; i < dag.nodes_size(); ++i) {
    std::set<std::string> refs;
    refsIn(dag.nodes(i), refs);
    std::set<size_t> ds;
    for (const std::string &r : refs)
      if (auto it = owner.find(r); it != owner.end() && it->second != static_cast<size_t>(i))
        ds.insert(it->second);
    deps[i].assign(ds.begin(), ds.end());
  }
  return deps;
}

std::string nodeName(const ir::Node &n) {
  switch (n.kind_case()) {
  case ir::Node::kTask:
    return n.task().name();
  case ir::Node::kCondition:
    return n.condition().id();
  case ir::Node::kLoop:
    return n.loop().id();
  case ir::Node::kExitHandler:
    return n.exit_handler().id();
  default:
    return "node";
  }
}

bool isAncestorOrSelf(const DagRun *a, const DagRun *d) {
  for (; d; d = d->parent)
    if (d == a)
      return true;
  return false;
}

Slot valueSlot(ir::Value v) {
  Slot s;
  s.present = true;
  s.value = std::move(v);
  return s;
}

// Arithmetic and comparisons on evaluated values (the checker has typed them).
ir::Value binary(ir::BinaryExpr::Op op, const ir::Value &a, const ir::Value &b) {
  ir::Value r;
  auto num = [](const ir::Value &v) {
    return v.has_int_value() ? static_cast<double>(v.int_value()) : v.float_value();
  };
  bool ints = a.has_int_value() && b.has_int_value();
  switch (op) {
  case ir::BinaryExpr::ADD:
    if (a.has_string_value())
      r.set_string_value(a.string_value() + b.string_value());
    else if (ints)
      r.set_int_value(a.int_value() + b.int_value());
    else
      r.set_float_value(num(a) + num(b));
    break;
  case ir::BinaryExpr::SUB:
    ints ? r.set_int_value(a.int_value() - b.int_value()) : r.set_float_value(num(a) - num(b));
    break;
  case ir::BinaryExpr::MUL:
    ints ? r.set_int_value(a.int_value() * b.int_value()) : r.set_float_value(num(a) * num(b));
    break;
  case ir::BinaryExpr::DIV:
    r.set_float_value(num(a) / num(b));
    break;
  case ir::BinaryExpr::MOD:
    if (ints && b.int_value() != 0)
      r.set_int_value(a.int_value() % b.int_value());
    else
      r.set_float_value(std::fmod(num(a), num(b)));
    break;
  case ir::BinaryExpr::AND:
    r.set_bool_value(isTrue(a) && isTrue(b));
    break;
  case ir::BinaryExpr::OR:
    r.set_bool_value(isTrue(a) || isTrue(b));
    break;
  default: {
    int cmp;
    if (a.has_string_value() && b.has_string_value())
      cmp = a.string_value().compare(b.string_value());
    else if ((a.has_int_value() || a.has_float_value()) &&
             (b.has_int_value() || b.has_float_value()))
      cmp = num(a) < num(b) ? -1 : num(a) > num(b) ? 1 : 0;
    else
      cmp = a.SerializeAsString() == b.SerializeAsString() ? 0 : 1;
    bool v = false;
    switch (op) {
    case ir::BinaryExpr::EQ:
      v = cmp == 0;
      break;
    case ir::BinaryExpr::NE:
      v = cmp != 0;
      break;
    case ir::BinaryExpr::LT:
      v = cmp < 0;
      break;
    case ir::BinaryExpr::LE:
      v = cmp <= 0;
      break;
    case ir::BinaryExpr::GT:
      v = cmp > 0;
      break;
    case ir::BinaryExpr::GE:
      v = cmp >= 0;
      break;
    default:
      break;
    }
    r.set_bool_value(v);
  }
  }
  return r;
}

} // namespace

Scheduler::Scheduler(const ir::Module &m, const RunOptions &o, RunContext &ctx)
    : m_(m), o_(o), ctx_(ctx) {
  freeGpus_ = o.gpus;
}

std::unique_ptr<DagRun> Scheduler::makeDag(const ir::Dag &dag, DagRun *parent, NodeRun *owner,
                                           PipelineRun *pipeline, const std::string &path) {
  auto run = std::make_unique<DagRun>();
  run->dag = &dag;
  run->parent = parent;
  run->owner = owner;
  run->pipeline = pipeline;
  run->path = path;
  if (parent)
    run->loopItems = parent->loopItems;
  auto it = depsCache_.find(&dag);
  if (it == depsCache_.end())
    it = depsCache_.emplace(&dag, siblingDeps(dag)).first;
  for (int i = 0; i < dag.nodes_size(); ++i) {
    auto node = std::make_unique<NodeRun>();
    node->node = &dag.nodes(i);
    node->dag = run.get();
    node->deps = it->second[i];
    node->path = path + nodeName(dag.nodes(i));
    if (node->node->has_task()) {
      pipeline->tasks.emplace(node->node->task().name(), node.get());
      ++knownTasks_;
    }
    run->nodes.push_back(std::move(node));
  }
  run->unfinished = run->nodes.size();
  return run;
}

void Scheduler::run(PipelineRun &root) {
  root_ = &root;
  root.body = makeDag(root.pipeline->body(), nullptr, nullptr, &root, "");
  if (root.body->unfinished == 0)
    rootDone_ = true;
  else
    advance(*root.body);
  while (!rootDone_) {
    launchQueued();
    if (running_ == 0 && queued_.empty()) {
      // Nothing runs and nothing can start: a scheduler bug, not a user error.
      std::fprintf(stderr, "internal error: the run is stuck with no task running\n");
      break;
    }
    if (ctx_.observer)
      ctx_.observer->flush();
    std::vector<Completion> done;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return !completions_.empty(); });
      done.swap(completions_);
    }
    for (Completion &c : done) {
      --running_;
      // Its worker has posted its last words: join it now, so a long run does
      // not keep thousands of finished threads.
      if (auto w = workers_.find(c.node); w != workers_.end()) {
        w->second.join();
        workers_.erase(w);
      }
      complete(*c.node, std::move(c.outcome));
    }
  }
  for (auto &[node, w] : workers_)
    w.join();
  if (ctx_.observer)
    ctx_.observer->flush();
}

// A task's outcome: its outputs, the cache index, the observer, then the DAG.
void Scheduler::complete(NodeRun &node, TaskOutcome &&outcome) {
  TaskJob *job = jobOf_[&node];
  if (auto held = gpusOf_.find(&node); held != gpusOf_.end()) {
    freeGpus_.insert(freeGpus_.end(), held->second.begin(), held->second.end());
    gpusOf_.erase(held);
  }
  node.seconds = outcome.seconds;
  node.attempts = outcome.attempts;
  node.outputs = std::move(outcome.outputs);
  if (outcome.ok && !cacheKeys_[&node].empty())
    ctx_.cache->store(cacheKeys_[&node], node.outputs, ctx_.runId, node.path);
  State s = outcome.ok ? State::Succeeded : outcome.canceled ? State::Canceled : State::Failed;
  node.state = s; // so the observer sees it
  node.message = outcome.message;
  if (ctx_.observer)
    ctx_.observer->taskFinished(node, job);
  finish(node, s, outcome.message);
}

void Scheduler::launchQueued() {
  int limit =
      o_.jobs > 0 ? o_.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (auto it = queued_.begin(); it != queued_.end() && running_ < limit;) {
    auto [node, job] = *it;
    // A task that asks for GPUs waits until that many are free (at most as many
    // as the machine has; with none it runs on the CPU path) and sees only
    // those; the other tasks see none.
    size_t want = std::min<size_t>(
        static_cast<size_t>(node->node->task().options().resources().accelerator_count()),
        o_.gpus.size());
    if (want > freeGpus_.size()) {
      ++it;
      continue;
    }
    if (!o_.gpus.empty()) {
      std::vector<std::string> ids(freeGpus_.end() - static_cast<long>(want), freeGpus_.end());
      freeGpus_.resize(freeGpus_.size() - want);
      job->extraEnv["CUDA_VISIBLE_DEVICES"] = fmt::format("{}", fmt::join(ids, ","));
      gpusOf_[node] = std::move(ids);
    }
    it = queued_.erase(it);
    ++running_;
    node->state = State::Running;
    taskOrder_.push_back(node);
    if (ctx_.observer)
      ctx_.observer->taskStarted(*node);
    workers_[node] = std::thread([this, node = node, job = job] {
      TaskOutcome outcome = executeTask(*job);
      std::lock_guard<std::mutex> lock(mutex_);
      completions_.push_back({node, std::move(outcome)});
      cv_.notify_one();
    });
  }
}

void Scheduler::advance(DagRun &dag) {
  // start() may finish nodes and re-enter advance(); a started node is never
  // Pending again, so each node starts once.
  for (auto &n : dag.nodes) {
    if (n->state != State::Pending)
      continue;
    bool ready = true;
    for (size_t d : n->deps)
      ready = ready && finished(dag.nodes[d]->state);
    if (ready)
      start(*n);
  }
}

void Scheduler::start(NodeRun &node) {
  DagRun &dag = *node.dag;
  if (ctx_.cancel->canceled()) {
    finish(node, State::Canceled, "canceled");
    return;
  }
  // An upstream failure skips this node, unless it is a task that runs anyway.
  bool upstreamFailed = false;
  for (size_t d : node.deps) {
    State s = dag.nodes[d]->state;
    upstreamFailed = upstreamFailed || s == State::Failed || s == State::Canceled ||
                     (s == State::Skipped && dag.nodes[d]->message != "condition not met");
  }
  bool ignores = node.node->has_task() && node.node->task().options().ignore_upstream_failure();
  if (upstreamFailed && !ignores) {
    finish(node, State::Skipped, "an upstream task failed");
    return;
  }
  node.state = State::Running;
  switch (node.node->kind_case()) {
  case ir::Node::kTask:
    startTask(node, node.node->task());
    return;
  case ir::Node::kCondition: {
    const ir::Condition &c = node.node->condition();
    for (int i = 0; i < c.branches_size(); ++i) {
      const ir::Branch &b = c.branches(i);
      if (b.has_condition() && !isTrue(eval(b.condition(), dag).value))
        continue;
      node.children.push_back(
          makeDag(b.body(), &dag, &node, dag.pipeline, fmt::format("{}/{}/", node.path, i)));
      DagRun &child = *node.children.back();
      if (child.unfinished == 0)
        finish(node, State::Succeeded);
      else
        advance(child);
      return;
    }
    finish(node, State::Succeeded, "no branch taken");
    return;
  }
  case ir::Node::kLoop: {
    const ir::Loop &l = node.node->loop();
    Slot items = eval(l.items(), dag);
    if (items.isArtifact)
      node.loopArtifacts = items.artifacts;
    else
      for (const ir::Value &v : items.value.list_value().values())
        node.loopItems.push_back(v);
    size_t count = items.isArtifact ? node.loopArtifacts.size() : node.loopItems.size();
    if (count == 0) {
      finish(node, State::Succeeded, "no items");
      return;
    }
    startLoopItems(node);
    return;
  }
  case ir::Node::kExitHandler: {
    node.children.push_back(
        makeDag(node.node->exit_handler().body(), &dag, &node, dag.pipeline, node.path + "/body/"));
    DagRun &body = *node.children.back();
    if (body.unfinished == 0)
      dagFinished(body);
    else
      advance(body);
    return;
  }
  default:
    finish(node, State::Succeeded);
  }
}

void Scheduler::startLoopItems(NodeRun &node) {
  const ir::Loop &l = node.node->loop();
  size_t count = node.loopArtifacts.empty() ? node.loopItems.size() : node.loopArtifacts.size();
  int limit = l.parallelism() > 0 ? static_cast<int>(l.parallelism()) : 1 << 30;
  while (node.nextItem < count && node.runningItems < limit && !ctx_.cancel->canceled()) {
    size_t i = node.nextItem++;
    node.children.push_back(makeDag(l.body(), node.dag, &node, node.dag->pipeline,
                                    fmt::format("{}/{}/", node.path, i)));
    DagRun &iteration = *node.children.back();
    Slot item;
    item.present = true;
    if (node.loopArtifacts.empty()) {
      item.value = node.loopItems[i];
    } else {
      item.isArtifact = true;
      item.artifacts = {node.loopArtifacts[i]};
    }
    iteration.loopItems[l.id()] = item;
    ++node.runningItems;
    if (iteration.unfinished == 0)
      dagFinished(iteration);
    else
      advance(iteration);
  }
}

void Scheduler::finish(NodeRun &node, State state, const std::string &message) {
  // Tasks that never started (skipped or canceled) still appear in the summary.
  bool started = node.state == State::Running || jobOf_.count(&node);
  if (node.node->has_task() && !started && (state == State::Skipped || state == State::Canceled))
    taskOrder_.push_back(&node);
  node.state = state;
  if (!message.empty())
    node.message = message;
  DagRun &dag = *node.dag;
  if (state == State::Failed || state == State::Canceled)
    dag.failed = true;
  --dag.unfinished;
  if (dag.unfinished == 0)
    dagFinished(dag);
  else
    advance(dag);
}

void Scheduler::dagFinished(DagRun &dag) {
  NodeRun *owner = dag.owner;
  if (!owner) {
    // A pipeline's body: the root ends the run; a nested one ends its task.
    PipelineRun &p = *dag.pipeline;
    if (&p == root_) {
      rootDone_ = true;
      return;
    }
    NodeRun &caller = *p.caller;
    for (const ir::PipelineOutput &out : p.pipeline->outputs())
      caller.outputs[out.name()] = evalBinding(out.value(), dag, out.type());
    finish(caller, dag.failed ? State::Failed : State::Succeeded,
           dag.failed ? "a task of the nested pipeline failed" : "");
    return;
  }
  switch (owner->node->kind_case()) {
  case ir::Node::kCondition:
    finish(*owner, dag.failed ? State::Failed : State::Succeeded);
    return;
  case ir::Node::kLoop: {
    --owner->runningItems;
    bool anyFailed = false;
    for (auto &c : owner->children)
      anyFailed = anyFailed || c->failed;
    size_t count =
        owner->loopArtifacts.empty() ? owner->loopItems.size() : owner->loopArtifacts.size();
    if (owner->nextItem < count && !ctx_.cancel->canceled())
      startLoopItems(*owner);
    else if (owner->runningItems == 0)
      finish(*owner, anyFailed ? State::Failed : State::Succeeded);
    return;
  }
  case ir::Node::kExitHandler: {
    if (!owner->exitStarted) {
      // The guarded body is done, however it ended: the `finally` part runs now.
      owner->exitStarted = true;
      bool bodyFailed = dag.failed;
      ir::Value status;
      auto &f = *status.mutable_map_value()->mutable_fields();
      f["state"].set_string_value(bodyFailed ? "FAILED" : "SUCCEEDED");
      f["pipeline_job_resource_name"].set_string_value(ctx_.runId);
      f["pipeline_task_name"].set_string_value(owner->path);
      f["error_code"].set_int_value(bodyFailed ? 1 : 0);
      f["error_message"].set_string_value(bodyFailed ? "a task of the pipeline failed" : "");
      dag.pipeline->finalStatus = status;
      owner->children.push_back(makeDag(owner->node->exit_handler().exit(), owner->dag, owner,
                                        dag.pipeline, owner->path + "/finally/"));
      DagRun &exit = *owner->children.back();
      exit.failed = bodyFailed; // the body's outcome decides the handler's
      if (exit.unfinished == 0)
        dagFinished(exit);
      else
        advance(exit);
      return;
    }
    bool failed = false;
    for (auto &c : owner->children)
      failed = failed || c->failed;
    finish(*owner, failed ? State::Failed : State::Succeeded);
    return;
  }
  default:
    return;
  }
}

// ---- Tasks ----

void Scheduler::startTask(NodeRun &node, const ir::Task &task) {
  DagRun &dag = *node.dag;
  // A task that calls a pipeline runs its body as a pipeline instance of its
  // own; so does a Dataflow component that names the pipeline its job runs
  // (`dataflow { pipeline: p }`): here its steps run natively.
  auto nested = m_.pipelines().find(task.component());
  if (auto c = m_.components().find(task.component());
      nested == m_.pipelines().end() && c != m_.components().end() && c->second.has_dataflow() &&
      !c->second.dataflow().pipeline().empty())
    nested = m_.pipelines().find(c->second.dataflow().pipeline());
  if (nested != m_.pipelines().end()) {
    node.nested = std::make_unique<PipelineRun>();
    PipelineRun &p = *node.nested;
    p.pipeline = &nested->second;
    p.caller = &node;
    std::string error;
    if (!resolveInputs(p.pipeline->interface(), task, dag, p.inputs, error)) {
      finish(node, State::Failed, error);
      return;
    }
    p.body = makeDag(p.pipeline->body(), nullptr, nullptr, &p, node.path + "/");
    if (p.body->unfinished == 0)
      dagFinished(*p.body);
    else
      advance(*p.body);
    return;
  }
  const ir::Component &component = m_.components().at(task.component());
  auto job = std::make_unique<TaskJob>();
  job->component = &component;
  job->task = &task;
  job->options = &task.options();
  job->run = &o_;
  job->executorScript = ctx_.executorScript;
  job->cancel = ctx_.cancel;
  job->displayName =
      task.options().display_name().empty() ? node.path : task.options().display_name();
  job->taskDir = ctx_.runDir + "/tasks/" + node.path;
  job->logPath = job->taskDir + "/log.txt";
  node.logPath = job->logPath;
  std::string error;
  if (!resolveInputs(component.interface(), task, dag, job->inputs, error)) {
    finish(node, State::Failed, error);
    return;
  }
  if (!o_.containerRuntime.empty() && component.has_container()) {
    job->mounts.push_back(fs::absolute(o_.root).lexically_normal().string());
    for (const auto &[name, slot] : job->inputs)
      for (const Artifact &a : slot.artifacts)
        if (a.uri.find("://") == std::string::npos)
          job->mounts.push_back(fs::path(a.uri).parent_path().string());
    std::sort(job->mounts.begin(), job->mounts.end());
    job->mounts.erase(std::unique(job->mounts.begin(), job->mounts.end()), job->mounts.end());
  }
  // Caching: an earlier run's outputs for the same definition and inputs.
  bool cacheable = !o_.noCache && !component.has_importer() &&
                   !(task.options().caching_case() == ir::TaskOptions::kCacheEnabled &&
                     !task.options().cache_enabled());
  if (cacheable) {
    std::vector<std::string> reads;
    if (component.has_builtin()) {
      std::map<std::string, builtins::Input> values;
      for (const auto &[name, slot] : job->inputs)
        values[name] = builtins::Input{slot.present, slot.value, {}, {}, {}};
      std::error_code ec;
      reads = builtins::filesRead(component, values, fs::current_path(ec).string());
    }
    std::string key = ctx_.cache->key(component, task, job->inputs, reads);
    if (auto hit = ctx_.cache->lookup(key)) {
      node.outputs = std::move(*hit);
      node.state = State::Cached;
      taskOrder_.push_back(&node);
      jobOf_[&node] = job.get();
      if (ctx_.observer) {
        ctx_.observer->taskStarted(node);
        ctx_.observer->taskFinished(node, job.get());
      }
      jobs_.push_back(std::move(job));
      finish(node, State::Cached);
      return;
    }
    cacheKeys_[&node] = key;
  }
  jobOf_[&node] = job.get();
  TaskJob *queued = job.get();
  jobs_.push_back(std::move(job));
  if (component.has_importer()) {
    // An importer only records a URI: done here, without a worker thread.
    taskOrder_.push_back(&node);
    if (ctx_.observer)
      ctx_.observer->taskStarted(node);
    complete(node, executeTask(*queued));
    return;
  }
  queued_.emplace_back(&node, queued);
}

bool Scheduler::resolveInputs(const ir::Interface &iface, const ir::Task &task, DagRun &dag,
                              std::map<std::string, Slot> &inputs, std::string &error) {
  for (const ir::Parameter &p : iface.inputs()) {
    Slot slot;
    if (auto b = task.inputs().find(p.name()); b != task.inputs().end())
      slot = evalBinding(b->second, dag, p.type());
    if (!slot.present && p.has_default_value()) {
      slot = valueSlot(p.default_value());
      widen(slot.value, p.type()); // a binding was widened by evalBinding
    }
    if (!slot.present && !p.optional() && !p.type().optional() && !p.type().has_status()) {
      error = fmt::format("input `{}` has no value (its producer did not run)", p.name());
      return false;
    }
    slot.isArtifact = slot.isArtifact || p.is_artifact();
    inputs[p.name()] = std::move(slot);
  }
  return true;
}

Slot Scheduler::evalBinding(const ir::Binding &b, DagRun &dag, const ir::Type &type) {
  if (!b.has_one_of()) {
    Slot s = eval(b.expr(), dag);
    widen(s.value, type);
    return s;
  }
  // One-of: the output of whichever branch ran.
  for (const ir::TaskOutput &alt : b.one_of().alternatives()) {
    ir::Reference r;
    *r.mutable_task_output() = alt;
    Slot s = resolve(r, dag);
    if (s.present)
      return s;
  }
  return {};
}

Slot Scheduler::eval(const ir::Expr &e, DagRun &dag) {
  switch (e.kind_case()) {
  case ir::Expr::kConstant:
    return valueSlot(e.constant());
  case ir::Expr::kRef:
    return resolve(e.ref(), dag);
  case ir::Expr::kUnary: {
    Slot v = eval(e.unary().operand(), dag);
    ir::Value r;
    if (e.unary().op() == ir::UnaryExpr::NOT)
      r.set_bool_value(!isTrue(v.value));
    else if (v.value.has_int_value())
      r.set_int_value(-v.value.int_value());
    else
      r.set_float_value(-v.value.float_value());
    return valueSlot(r);
  }
  case ir::Expr::kBinary: {
    Slot a = eval(e.binary().lhs(), dag), b = eval(e.binary().rhs(), dag);
    if (!a.present || !b.present) {
      // `x == none` and its kin: absent values compare as none.
      ir::Value r;
      bool same = a.present == b.present;
      r.set_bool_value(e.binary().op() == ir::BinaryExpr::NE ? !same : same);
      return valueSlot(r);
    }
    return valueSlot(binary(e.binary().op(), a.value, b.value));
  }
  case ir::Expr::kConcat: {
    std::string s;
    for (const ir::Expr &p : e.concat().parts())
      s += valueText(eval(p, dag).value);
    ir::Value v;
    v.set_string_value(s);
    return valueSlot(v);
  }
  case ir::Expr::kList: {
    ir::Value v;
    v.mutable_list_value();
    Slot out;
    for (const ir::Expr &p : e.list().elements()) {
      Slot s = eval(p, dag);
      if (s.isArtifact) {
        out.isArtifact = true;
        out.artifacts.insert(out.artifacts.end(), s.artifacts.begin(), s.artifacts.end());
      } else {
        *v.mutable_list_value()->add_values() = s.value;
      }
    }
    if (out.isArtifact) {
      out.present = true;
      return out;
    }
    return valueSlot(v);
  }
  case ir::Expr::kMap: {
    ir::Value v;
    v.mutable_map_value();
    for (const auto &[k, p] : e.map().entries())
      (*v.mutable_map_value()->mutable_fields())[k] = eval(p, dag).value;
    return valueSlot(v);
  }
  case ir::Expr::kIndex: {
    Slot base = eval(e.index().base(), dag), index = eval(e.index().index(), dag);
    if (base.value.has_list_value() && index.value.has_int_value()) {
      int64_t i = index.value.int_value(), n = base.value.list_value().values_size();
      if (i < 0)
        i += n;
      if (i >= 0 && i < n)
        return valueSlot(base.value.list_value().values(static_cast<int>(i)));
    } else if (base.value.has_map_value()) {
      auto &f = base.value.map_value().fields();
      if (auto it = f.find(valueText(index.value)); it != f.end())
        return valueSlot(it->second);
    }
    return {};
  }
  default:
    return {};
  }
}

Slot Scheduler::resolve(const ir::Reference &r, DagRun &dag) {
  Slot s;
  switch (r.target_case()) {
  case ir::Reference::kPipelineInput:
    if (auto it = dag.pipeline->inputs.find(r.pipeline_input()); it != dag.pipeline->inputs.end())
      s = it->second;
    break;
  case ir::Reference::kLoopItem:
    if (auto it = dag.loopItems.find(r.loop_item()); it != dag.loopItems.end())
      s = it->second;
    break;
  case ir::Reference::kFinalStatus:
    s = valueSlot(dag.pipeline->finalStatus);
    break;
  case ir::Reference::kRunInfo: {
    std::map<std::string, std::string> info = {
        {"job_name", root_->pipeline->name()},    {"job_id", ctx_.runId},
        {"job_resource_name", ctx_.runDir},       {"task_name", dag.path},
        {"task_id", ctx_.runId + "/" + dag.path}, {"root", o_.root},
        {"create_time", ctx_.createTime},         {"schedule_time", ""}};
    ir::Value v;
    for (const auto &[k, text] : info)
      (*v.mutable_map_value()->mutable_fields())[k].set_string_value(text);
    s = valueSlot(v);
    break;
  }
  case ir::Reference::kTaskOutput: {
    const ir::TaskOutput &to = r.task_output();
    if (to.collected()) {
      // Fan-in: every iteration's value, in item order.
      s.present = true;
      ir::Value list;
      list.mutable_list_value();
      for (NodeRun *p : collected(to.task(), dag)) {
        if (!succeeded(p->state))
          continue;
        auto it = p->outputs.find(to.output());
        if (it == p->outputs.end())
          continue;
        if (it->second.isArtifact) {
          s.isArtifact = true;
          s.artifacts.insert(s.artifacts.end(), it->second.artifacts.begin(),
                             it->second.artifacts.end());
        } else {
          *list.mutable_list_value()->add_values() = it->second.value;
        }
      }
      if (!s.isArtifact)
        s.value = list;
      break;
    }
    NodeRun *p = producer(to.task(), dag);
    if (p && succeeded(p->state))
      if (auto it = p->outputs.find(to.output()); it != p->outputs.end())
        s = it->second;
    break;
  }
  default:
    break;
  }
  for (const std::string &field : r.field_path()) {
    if (!s.value.has_map_value())
      return {};
    auto &f = s.value.map_value().fields();
    auto it = f.find(field);
    if (it == f.end())
      return {};
    ir::Value v = it->second;
    s.value = std::move(v);
  }
  return s;
}

// The instance of `task` a reference from `dag` means: the one in `dag` or
// an enclosing DAG instance, else the one that ran (a branch, or the tasks
// an exit handler guards).
NodeRun *Scheduler::producer(const std::string &task, DagRun &dag) {
  auto [lo, hi] = dag.pipeline->tasks.equal_range(task);
  NodeRun *ran = nullptr;
  for (auto it = lo; it != hi; ++it) {
    if (isAncestorOrSelf(it->second->dag, &dag))
      return it->second;
    if (succeeded(it->second->state))
      ran = it->second;
  }
  return ran;
}

// The instances of `task` in the iterations of a loop that `dag` is outside
// of (but not those of other iterations of a loop `dag` is inside).
std::vector<NodeRun *> Scheduler::collected(const std::string &task, DagRun &dag) {
  std::set<const DagRun *> mine;
  for (const DagRun *d = &dag; d; d = d->parent)
    mine.insert(d);
  std::vector<NodeRun *> out;
  auto [lo, hi] = dag.pipeline->tasks.equal_range(task);
  for (auto it = lo; it != hi; ++it) {
    const DagRun *child = nullptr, *d = it->second->dag;
    while (d && !mine.count(d)) {
      child = d;
      d = d->parent;
    }
    if (!d || !child)
      continue;
    // Where the two meet, the producer's side must go through a node that
    // the consumer's side does not.
    const NodeRun *mySide = nullptr;
    for (const DagRun *m = &dag; m && m != d; m = m->parent)
      if (m->parent == d)
        mySide = m->owner;
    if (child->owner != mySide)
      out.push_back(it->second);
  }
  return out;
}

} // namespace mlpc::runtime
