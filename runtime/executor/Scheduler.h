// Walks a pipeline's DAGs: starts every node whose upstream nodes have
// finished, expands conditions, loops, exit handlers and nested pipelines
// into DAG instances as their inputs become known, and runs tasks on worker
// threads, up to `--jobs` at once and within the machine's GPUs.
//
// All run state is owned by the scheduler thread; workers only execute one
// task and post its outcome back.
#pragma once

#include "runtime/executor/Cache.h"
#include "runtime/executor/Executor.h"
#include "runtime/executor/RunState.h"
#include "runtime/executor/TaskExec.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <ostream>
#include <set>
#include <thread>

namespace mlpc::runtime {

// What the scheduler reports, for progress output and the metadata store.
struct RunObserver {
  virtual ~RunObserver() = default;
  virtual void taskStarted(const NodeRun &) {}
  virtual void taskFinished(const NodeRun &, const TaskJob *job) { (void)job; }
  // Called when the scheduler is about to wait for running tasks, and at the
  // end: a moment to write what was buffered.
  virtual void flush() {}
};

struct RunContext {
  std::string runId;
  std::string runDir; // absolute: <root>/runs/<id>
  std::string createTime;
  std::string executorScript;
  TaskCache *cache = nullptr;
  RunObserver *observer = nullptr;
  process::CancelToken *cancel = nullptr;
};

class Scheduler {
public:
  Scheduler(const ir::Module &m, const RunOptions &o, RunContext &ctx);
  // Runs the module's root pipeline with these inputs; returns when every
  // task has finished, failed, been skipped or been canceled.
  void run(PipelineRun &root);
  // Every task instance, in the order they started (for the summary).
  const std::vector<NodeRun *> &taskOrder() const { return taskOrder_; }
  // Task instances known so far (loops add theirs as they start). Read from
  // the progress thread, hence atomic.
  size_t knownTasks() const { return knownTasks_.load(); }

private:
  struct Completion {
    NodeRun *node;
    TaskOutcome outcome;
  };

  std::unique_ptr<DagRun> makeDag(const ir::Dag &dag, DagRun *parent, NodeRun *owner,
                                  PipelineRun *pipeline, const std::string &path);
  void advance(DagRun &dag);
  void start(NodeRun &node);
  void startTask(NodeRun &node, const ir::Task &task);
  void startLoopItems(NodeRun &node);
  void finish(NodeRun &node, State state, const std::string &message = "");
  void dagFinished(DagRun &dag);
  void launchQueued();
  void complete(NodeRun &node, TaskOutcome &&outcome);

  // Values.
  bool resolveInputs(const ir::Interface &iface, const ir::Task &task, DagRun &dag,
                     std::map<std::string, Slot> &inputs, std::string &error);
  Slot evalBinding(const ir::Binding &b, DagRun &dag, const ir::Type &type);
  Slot eval(const ir::Expr &e, DagRun &dag);
  Slot resolve(const ir::Reference &r, DagRun &dag);
  NodeRun *producer(const std::string &task, DagRun &dag);
  std::vector<NodeRun *> collected(const std::string &task, DagRun &dag);

  const ir::Module &m_;
  const RunOptions &o_;
  RunContext &ctx_;
  std::map<const ir::Dag *, std::vector<std::vector<size_t>>> depsCache_;
  std::vector<std::unique_ptr<TaskJob>> jobs_; // kept alive until the end
  std::deque<std::pair<NodeRun *, TaskJob *>> queued_;
  int running_ = 0;
  std::vector<std::string> freeGpus_;                          // GPU ids not in use
  std::map<const NodeRun *, std::vector<std::string>> gpusOf_; // held by running tasks
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Completion> completions_;
  std::map<const NodeRun *, std::thread> workers_; // running (or just finished) tasks
  std::vector<NodeRun *> taskOrder_;
  std::map<const NodeRun *, TaskJob *> jobOf_;
  std::map<const NodeRun *, std::string> cacheKeys_;
  bool rootDone_ = false;
  std::atomic<size_t> knownTasks_{0};
  PipelineRun *root_ = nullptr;
};

} // namespace mlpc::runtime
