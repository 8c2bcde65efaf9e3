// The KFP backend: lowers an mlpc IR module to Kubeflow Pipelines' IR
// (PipelineSpec), written as the YAML that KFP and Vertex AI Pipelines
// accept. Reads only the IR (and, for a call to a `@dataflow` pipeline, the
// IR of std.gcp's Dataflow launcher, given in the options).
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <optional>

#include <string>
#include <vector>

namespace mlpc::kfp {

struct KfpOptions {
  // The image that runs standard-library built-in ops (the mlpc runtime).
  std::string runtimeImage = "ghcr.io/mlpc/runtime:0.1.0";
  std::string sdkVersion = "mlpc-0.1.0";
  // Components and executors that are identical share one key (the SDK writes one per task).
  bool shareExecutors = false;
  // GCPC's DataflowFlexTemplateJobOp as stdlib/std/gcp.mlp declares it, which
  // the front end compiles (the driver fills it in): what a call to a
  // `@dataflow` pipeline lowers to, with a wait for the job.
  std::optional<ir::Component> dataflowFlexTemplate;
};

// What the backend cannot lower, or what KFP would reject when the run is submitted.
struct KfpError {
  ir::SourceLocation location; // the construct; the pipeline when the IR has none
  std::string message;
  std::string help;
};

struct KfpResult {
  std::string yaml; // the pipeline definition, when errors is empty
  std::vector<KfpError> errors;
};

KfpResult compileToKfp(const ir::Module &module, const KfpOptions &options);

// KFP's name rules: lowercase, runs of other characters become `-`.
std::string sanitizeName(const std::string &name);

} // namespace mlpc::kfp
