// What a run knows while it executes: values, artifacts, and the state of
// every node of every DAG instance (a loop iteration or a taken branch is
// a DAG instance of its own).
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mlpc::runtime {

struct Artifact {
  std::string uri;  // an absolute local path (or a remote URI an importer names)
  std::string type; // the IR artifact type
  ir::MapValue metadata;
};

// One input or output: a parameter value, or one or more artifacts (a list
// for artifact lists and fan-in). `present` is false for an optional input
// left out, or an output of a branch that did not run.
struct Slot {
  bool present = false;
  bool isArtifact = false;
  ir::Value value;
  std::vector<Artifact> artifacts;
};

enum class State { Pending, Running, Succeeded, Cached, Failed, Skipped, Canceled };
const char *stateName(State s);
inline bool finished(State s) { return s != State::Pending && s != State::Running; }
inline bool succeeded(State s) { return s == State::Succeeded || s == State::Cached; }

struct DagRun;
struct PipelineRun;

struct NodeRun {
  const ir::Node *node = nullptr;
  DagRun *dag = nullptr;
  State state = State::Pending;
  std::vector<size_t> deps; // sibling nodes this one waits for
  std::string path;         // run-relative folder: `train`, `for-loop-1/0/train`
  // A task's outputs, and why it failed or was skipped.
  std::map<std::string, Slot> outputs;
  std::string message;
  double seconds = 0;
  int attempts = 0;
  std::string logPath;
  // A group's DAG instances (branches, iterations, exit handler parts).
  std::vector<std::unique_ptr<DagRun>> children;
  // A loop: its items, the next one to start, and how many run now.
  std::vector<ir::Value> loopItems;
  std::vector<Artifact> loopArtifacts;
  size_t nextItem = 0;
  int runningItems = 0;
  bool exitStarted = false;            // an exit handler's `finally` part
  std::unique_ptr<PipelineRun> nested; // a task that calls a pipeline
};

struct DagRun {
  const ir::Dag *dag = nullptr;
  DagRun *parent = nullptr;
  NodeRun *owner = nullptr; // the group node, or the nested-pipeline task
  PipelineRun *pipeline = nullptr;
  std::string path;
  std::map<std::string, Slot> loopItems; // loop id -> this iteration's item (inherited)
  std::vector<std::unique_ptr<NodeRun>> nodes;
  size_t unfinished = 0;
  bool failed = false; // some task under it failed
};

struct PipelineRun {
  const ir::Pipeline *pipeline = nullptr;
  std::map<std::string, Slot> inputs;
  std::unique_ptr<DagRun> body;
  NodeRun *caller = nullptr; // the task that called this nested pipeline
  // Every task instance by IR task name, in the order they were created.
  std::multimap<std::string, NodeRun *> tasks;
  ir::Value finalStatus; // filled before a `finally` block runs
};

} // namespace mlpc::runtime
