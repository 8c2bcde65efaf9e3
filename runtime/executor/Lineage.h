// Records a run in the ML-Metadata store (`ROOT/metadata.sqlite`) as KFP and
// TFX do: a `pipeline` context for the pipeline, a `pipeline_run` context for
// the run, a `node` context per task; an execution per task (COMPLETE,
// CACHED, FAILED or CANCELED) with INPUT and OUTPUT events to its artifacts.
// Each task's records are one transaction.
#pragma once

#include "runtime/executor/Scheduler.h"
#include "runtime/metadata/MetadataStore.h"

#include <map>
#include <memory>
#include <string>

namespace mlpc::runtime {

class Lineage : public RunObserver {
public:
  // Opens the store and records the run as started; nullptr and `error` if
  // the store cannot be opened.
  static std::unique_ptr<Lineage> open(const std::string &dbPath, const ir::Module &module,
                                       const ir::Pipeline &pipeline, const std::string &runId,
                                       const std::string &runDir, std::string &error);

  void taskStarted(const NodeRun &node) override;
  void taskFinished(const NodeRun &node, const TaskJob *job) override;
  // Writes the buffered tasks in one transaction (one commit for many tasks
  // when they finish together: the store's cost is per commit).
  void flush() override;
  // Records how the run ended: succeeded, failed or canceled.
  void runFinished(const std::string &state, double seconds);

  // Set when a write failed; the run goes on (lineage is a record, not a step).
  const std::string &lastError() const { return error_; }
  RunObserver *next = nullptr; // progress output, called after recording

private:
  Lineage() = default;
  void record(const NodeRun &node, const TaskJob &job);
  int64_t artifactId(const Artifact &a);
  std::vector<std::pair<const NodeRun *, const TaskJob *>> pending_;
  int64_t artifactTypeId(const std::string &irType);

  std::unique_ptr<metadata::MetadataStore> store_;
  const ir::Module *module_ = nullptr;
  std::string pipelineName_;
  int64_t pipelineContext_ = 0, runContext_ = 0, nodeType_ = 0, executionType_ = 0,
          importerType_ = 0;
  std::map<std::string, int64_t> artifactTypes_; // IR type -> MLMD type id
  std::map<std::string, int64_t> artifactsByUri_;
  std::string error_;
};

} // namespace mlpc::runtime
