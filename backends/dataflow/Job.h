// What the Dataflow backend's writers share: the job being built, its
// parameters (with their Flex Template metadata) and what it needs installed.
// Internal to backends/dataflow.
#pragma once

#include "backends/dataflow/DataflowBackend.h"
#include "ir/Accelerators.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mlpc::dataflow {

// One `--name` flag of the job: a pipeline input, or the URI a pipeline
// output is written to.
struct JobParameter {
  std::string name;
  std::string kind; // int, float, string, bool, or an artifact type (Dataset, Model, ...)
  bool artifact = false;
  bool output = false;
  bool optional = false;                 // it has a default (or may be absent)
  std::optional<ir::Value> defaultValue; // as the .mlp declares it
  std::string help;                      // never empty (Dataflow requires it)
  std::string label;                     // `min_accuracy` -> "Min accuracy"
  std::string regex;                     // what a value must match, whole
  std::string paramType;                 // Flex Template ParameterMetadata.paramType
};

struct Job {
  std::string mlpcVersion;
  const ir::Module *module = nullptr;
  const ir::Pipeline *pipeline = nullptr;
  std::string jobName; // Dataflow's job name rule: lowercase letters, digits, `-`
  std::vector<JobParameter> parameters;
  ir::DataflowOptions options; // the pipeline's @dataflow options, with --image/--template
  ir::DataflowAccelerator accelerator;
  std::set<std::string> packages;           // pip requirements of Python-function components
  bool usesInference = false;               // infer.predict: onnx and onnxruntime
  bool usesGpu = false;                     // a job-wide or per-step GPU: the CUDA image
  std::vector<DataflowFile> componentFiles; // components/<name>.py
};

// The text of main.py; diagnostics for what a Beam job cannot run.
std::string writeMainPy(Job &job, std::vector<DataflowDiagnostic> &diags);

// The Flex Template's JSON files.
std::string writeMetadataJson(const Job &job);
std::string writeTemplateJson(const Job &job, const std::string &image);
std::string writeLaunchJson(const Job &job, const std::string &image,
                            const std::vector<std::pair<std::string, std::string>> &params);

// The container and its instructions.
std::string writeDockerfile(const Job &job);
std::string writeRequirements(const Job &job);
std::string writeReadme(const Job &job, const std::string &image, const std::string &templatePath);

// A parameter's value as text, as launch.json and the gcloud command give it.
std::string valueText(const ir::Value &value);

} // namespace mlpc::dataflow
