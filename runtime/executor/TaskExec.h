// Running one task on a worker thread: a container command as a child
// process, a Python function through the shipped executor, an importer.
// Outputs are written under a temporary folder and moved into place only
// when the task succeeds, so a crash never leaves a partial output that looks
// complete.
#pragma once

#include "runtime/executor/Executor.h"
#include "runtime/executor/RunState.h"
#include "runtime/process/Process.h"

#include <map>
#include <string>

namespace mlpc::runtime {

struct TaskJob {
  const ir::Component *component = nullptr;
  const ir::Task *task = nullptr; // schemas bound at the call (built-in ops read them)
  const ir::TaskOptions *options = nullptr;
  std::map<std::string, Slot> inputs; // resolved, by input name
  std::string taskDir;                // absolute; the outputs' final place
  std::string logPath;
  std::string displayName; // for messages
  const RunOptions *run = nullptr;
  std::string executorScript; // the Python executor, written once per root
  const process::CancelToken *cancel = nullptr;
  // Host folders a container sees at the same paths: the run's root, and the
  // folders of the task's input artifacts.
  std::vector<std::string> mounts;
  std::map<std::string, std::string> extraEnv; // set by the scheduler (CUDA_VISIBLE_DEVICES)
};

struct TaskOutcome {
  bool ok = false;
  bool canceled = false;
  std::map<std::string, Slot> outputs;
  std::string message; // why it failed
  int attempts = 0;
  double seconds = 0;
  std::string image; // the image the component names (recorded)
};

TaskOutcome executeTask(const TaskJob &job);

} // namespace mlpc::runtime
