// The task cache: a key over what determines a task's outputs, and an index
// from keys to the outputs of the run that computed them. A second run of an
// unchanged pipeline finds every task here; after a crash, rerunning finds the
// tasks that had finished (outputs are moved into place before they are
// indexed, so the index never names a partial output).
#pragma once

#include "runtime/executor/RunState.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace mlpc::runtime {

class TaskCache {
public:
  explicit TaskCache(std::string dir) : dir_(std::move(dir)) {}

  // SHA-256 over the component (without source locations), the task's
  // environment, and every input: parameter values, and the content of input
  // artifacts (hashed once per path). For a built-in op also the schemas the
  // task binds, the runtime's version, and the content of the local files it
  // reads through its parameters (`filesRead`).
  std::string key(const ir::Component &component, const ir::Task &task,
                  const std::map<std::string, Slot> &inputs,
                  const std::vector<std::string> &filesRead = {});

  // The outputs recorded under `key`, if all their artifacts still exist.
  std::optional<std::map<std::string, Slot>> lookup(const std::string &key) const;
  // Records outputs (atomically: a temporary file, then a rename).
  void store(const std::string &key, const std::map<std::string, Slot> &outputs,
             const std::string &runId, const std::string &taskPath) const;

private:
  std::string contentHash(const std::string &path);

  std::string dir_;
  std::mutex mutex_;
  std::map<std::string, std::string> hashes_; // artifact path -> content hash
};

} // namespace mlpc::runtime
