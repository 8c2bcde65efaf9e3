#include "runtime/executor/Lineage.h"

#include "runtime/executor/Values.h"

#include <fmt/format.h>

namespace mlpc::runtime {

namespace md = metadata;

std::unique_ptr<Lineage> Lineage::open(const std::string &dbPath, const ir::Module &module,
                                       const ir::Pipeline &pipeline, const std::string &runId,
                                       const std::string &runDir, std::string &error) {
  std::unique_ptr<Lineage> l(new Lineage());
  l->store_ = md::MetadataStore::open(dbPath, error);
  if (!l->store_)
    return nullptr;
  l->module_ = &module;
  l->pipelineName_ = pipeline.name();
  md::MetadataStore &s = *l->store_;
  md::Transaction tx(s);
  int64_t pipelineType = s.putContextType(md::kPipelineContextType);
  int64_t runType = s.putContextType(md::kPipelineRunContextType);
  l->nodeType_ = s.putContextType(md::kNodeContextType);
  // KFP's execution types: a container (or Python function) and an importer.
  l->executionType_ = s.putExecutionType("system.ContainerExecution");
  l->importerType_ = s.putExecutionType("system.ImporterExecution");
  md::Context p;
  p.typeId = pipelineType;
  p.name = pipeline.name();
  md::Context r;
  r.typeId = runType;
  r.name = runId;
  r.customProperties = {{"pipeline", pipeline.name()},
                        {"state", std::string("RUNNING")},
                        {"run_dir", runDir},
                        {"source", module.source_file()}};
  if (!tx.ok() || !s.putContext(p) || !s.putContext(r) || !s.putParentContext(p.id, r.id) ||
      !tx.commit()) {
    error = s.error();
    return nullptr;
  }
  l->pipelineContext_ = p.id;
  l->runContext_ = r.id;
  return l;
}

int64_t Lineage::artifactTypeId(const std::string &irType) {
  auto [it, fresh] = artifactTypes_.try_emplace(irType, 0);
  if (fresh) {
    // KFP names artifact types by schema title (system.Dataset); user types keep theirs.
    auto t = module_->artifact_types().find(irType);
    std::string name = t != module_->artifact_types().end() && !t->second.kfp_schema_title().empty()
                           ? t->second.kfp_schema_title()
                           : irType;
    if (t != module_->artifact_types().end() && t->second.user_defined())
      name = irType;
    it->second = store_->putArtifactType(name);
  }
  return it->second;
}

void Lineage::taskStarted(const NodeRun &node) {
  if (next)
    next->taskStarted(node);
}

void Lineage::taskFinished(const NodeRun &node, const TaskJob *job) {
  if (job && store_) {
    pending_.emplace_back(&node, job);
    if (pending_.size() >= 256)
      flush();
  }
  if (next)
    next->taskFinished(node, job);
}

void Lineage::flush() {
  if (pending_.empty() || !store_)
    return;
  md::Transaction tx(*store_);
  for (auto [node, job] : pending_)
    record(*node, *job);
  pending_.clear();
  if (!tx.ok() || !tx.commit())
    error_ = store_->error();
}

// One task's execution, events and node context (a savepoint inside flush's transaction).
void Lineage::record(const NodeRun &node, const TaskJob &job) {
  md::MetadataStore &s = *store_;
  md::Transaction tx(s);
  md::Context nodeCtx;
  nodeCtx.typeId = nodeType_;
  nodeCtx.name = pipelineName_ + "." + node.path;
  md::Execution e;
  e.typeId = job.component->has_importer() ? importerType_ : executionType_;
  e.state = node.state == State::Succeeded  ? md::ExecutionState::Complete
            : node.state == State::Cached   ? md::ExecutionState::Cached
            : node.state == State::Canceled ? md::ExecutionState::Canceled
                                            : md::ExecutionState::Failed;
  e.customProperties = {{"task_name", node.path},
                        {"display_name", job.displayName},
                        {"component", job.component->name()},
                        {"seconds", node.seconds},
                        {"attempts", static_cast<int64_t>(node.attempts)},
                        {"log", node.logPath}};
  if (job.component->has_container())
    e.customProperties["image"] = job.component->container().image();
  if (!node.message.empty())
    e.customProperties["message"] = node.message;
  std::vector<md::ArtifactAndEvent> artifacts;
  auto add = [&](const std::string &name, const Artifact &a, md::EventType type) {
    md::ArtifactAndEvent ae;
    ae.artifact.id = artifactId(a);
    ae.artifact.typeId = artifactTypeId(a.type);
    ae.artifact.uri = a.uri;
    ae.artifact.state = md::ArtifactState::Live;
    for (const auto &[k, v] : a.metadata.fields())
      ae.artifact.customProperties[k] = valueText(v);
    ae.type = type;
    ae.path = {name, int64_t{0}};
    artifacts.push_back(std::move(ae));
  };
  for (const auto &[name, slot] : job.inputs) {
    if (slot.isArtifact)
      for (const Artifact &a : slot.artifacts)
        add(name, a, md::EventType::Input);
    else if (slot.present)
      e.customProperties["input:" + name] = valueText(slot.value);
  }
  bool outputsExist = node.state == State::Succeeded || node.state == State::Cached;
  if (outputsExist)
    for (const auto &[name, slot] : node.outputs) {
      if (slot.isArtifact)
        for (const Artifact &a : slot.artifacts)
          add(name, a, md::EventType::Output);
      else
        e.customProperties["output:" + name] = valueText(slot.value);
    }
  bool ok = tx.ok() && s.putContext(nodeCtx) && s.putParentContext(runContext_, nodeCtx.id) &&
            s.putExecution(e, artifacts, {pipelineContext_, runContext_, nodeCtx.id});
  if (ok) {
    for (const md::ArtifactAndEvent &ae : artifacts)
      artifactsByUri_[ae.artifact.uri] = ae.artifact.id;
    ok = tx.commit();
  }
  if (!ok)
    error_ = s.error();
}

// The id of the artifact at this URI, if this run has recorded it (an output
// read by a later task is one artifact, not two).
int64_t Lineage::artifactId(const Artifact &a) {
  if (auto it = artifactsByUri_.find(a.uri); it != artifactsByUri_.end())
    return it->second;
  std::vector<md::Artifact> known;
  if (store_->getArtifactsByUri(a.uri, known) && !known.empty())
    return artifactsByUri_[a.uri] = known.back().id;
  return 0;
}

void Lineage::runFinished(const std::string &state, double seconds) {
  if (!store_)
    return;
  flush();
  auto run = store_->getContext(runContext_);
  if (!run)
    return;
  run->customProperties["state"] = state;
  run->customProperties["seconds"] = seconds;
  md::Transaction tx(*store_);
  if (!tx.ok() || !store_->putContext(*run) || !tx.commit())
    error_ = store_->error();
}

} // namespace mlpc::runtime
