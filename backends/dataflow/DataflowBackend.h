// The Dataflow backend: lowers one pipeline of an mlpc IR module to an Apache
// Beam job in Python packaged as a Dataflow Flex Template: main.py (the job,
// built on support/python/mlpc_beam*.py, the same semantics as the native
// ops), metadata.json, template.json, launch.json, a Dockerfile,
// requirements.txt and a README with the gcloud commands. Reads only the IR.
#pragma once

#include "backends/Output.h"
#include "ir/mlpc_ir.pb.h"

#include <map>
#include <string>
#include <vector>

namespace mlpc::dataflow {

struct DataflowOptions {
  std::string mlpcVersion = "0.1.0";
  // The pipeline that is the job: `--pipeline`, when the user named one.
  // Otherwise the module's only `@dataflow` pipeline, else its root.
  bool pipelineNamed = false;
  std::string image;        // --image: the template's container image
  std::string templatePath; // --template: where template.json will be, gs://...
  // --param name=value: launch.json's values, checked against the regexes.
  std::vector<std::pair<std::string, std::string>> params;
};

using DataflowDiagnostic = backend::Diagnostic;
using DataflowFile = backend::File;

backend::FolderOutput compileToDataflow(const ir::Module &module, const DataflowOptions &options);

} // namespace mlpc::dataflow
