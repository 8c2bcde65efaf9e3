// mlpc-metadata-demo DB: writes the lineage of a small two-step run into DB
// with the runtime's metadata store, the way a run records it, for
// mlmd_interop.py to read back with ml-metadata (test/lit/runtime/metadata*.test).
//
//   ingest (COMPLETE) --examples--> train (CACHED) --> model, metrics
#include "runtime/metadata/MetadataStore.h"

#include <iostream>

using namespace mlpc::runtime::metadata;

namespace {

bool check(bool ok, MetadataStore &store) {
  if (!ok)
    std::cerr << "mlpc-metadata-demo: " << store.error() << "\n";
  return ok;
}

Context context(MetadataStore &store, const char *type, const std::string &name) {
  Context c;
  c.typeId = store.putContextType(type);
  c.name = name;
  check(c.typeId && store.putContext(c), store);
  return c;
}

Artifact artifact(int64_t type, const std::string &uri, Properties custom) {
  Artifact a;
  a.typeId = type;
  a.uri = uri;
  a.state = ArtifactState::Live;
  a.customProperties = std::move(custom);
  return a;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: mlpc-metadata-demo DB\n";
    return 2;
  }
  std::string error;
  auto store = MetadataStore::open(argv[1], error);
  if (!store) {
    std::cerr << "mlpc-metadata-demo: " << error << "\n";
    return 1;
  }
  MetadataStore &s = *store;
  // Contexts as TFX names them: the node context is "<pipeline>.<node id>".
  Context pipeline = context(s, kPipelineContextType, "demo");
  Context run = context(s, kPipelineRunContextType, "demo-run-1");
  Context ingestNode = context(s, kNodeContextType, "demo.ingest");
  Context trainNode = context(s, kNodeContextType, "demo.train");
  if (!pipeline.id || !run.id || !ingestNode.id || !trainNode.id)
    return 1;
  if (!check(s.putParentContext(pipeline.id, run.id), s))
    return 1;

  int64_t dataset = s.putArtifactType("system.Dataset");
  int64_t model = s.putArtifactType("system.Model", {{"framework", PropertyType::String}});
  int64_t metrics = s.putArtifactType("system.Metrics");
  int64_t task = s.putExecutionType("system.ContainerExecution");
  if (!check(dataset && model && metrics && task, s))
    return 1;

  // Each step transition is one putExecution: one SQLite transaction.
  Execution ingest;
  ingest.typeId = task;
  ingest.name = "demo-run-1.ingest";
  ingest.state = ExecutionState::Complete;
  ingest.customProperties = {{"task_name", std::string("ingest")}};
  std::vector<ArtifactAndEvent> ingestIo(1);
  ingestIo[0] = {artifact(dataset, "/demo/ingest/examples",
                          {{"rows", int64_t{150}}, {"split", std::string("train")}}),
                 EventType::Output,
                 {std::string("examples"), int64_t{0}}};
  if (!check(s.putExecution(ingest, ingestIo, {pipeline.id, run.id, ingestNode.id}), s))
    return 1;

  Execution train;
  train.typeId = task;
  train.name = "demo-run-1.train";
  train.state = ExecutionState::Cached;
  train.customProperties = {{"task_name", std::string("train")}, {"cached", true}};
  Artifact trained =
      artifact(model, "/demo/train/model", {{"accuracy", 0.9375}, {"calibrated", true}});
  trained.properties = {{"framework", std::string("sklearn")}};
  std::vector<ArtifactAndEvent> trainIo(3);
  trainIo[0] = {ingestIo[0].artifact, EventType::Input, {std::string("examples"), int64_t{0}}};
  trainIo[1] = {trained, EventType::Output, {std::string("model"), int64_t{0}}};
  trainIo[2] = {artifact(metrics, "/demo/train/metrics", {}),
                EventType::Output,
                {std::string("metrics"), int64_t{0}}};
  if (!check(s.putExecution(train, trainIo, {pipeline.id, run.id, trainNode.id}), s))
    return 1;
  std::cout << "wrote 2 executions, 3 artifacts, 4 contexts to " << argv[1] << "\n";
  return 0;
}
