// The TFX backend: lowers an mlpc IR module to a TFX pipeline written as
// Python (the `tfx.v1` DSL) that TFX itself compiles and runs, with entry
// points for LocalDagRunner, Beam and KubeflowV2DagRunner (Vertex AI). Reads
// only the IR.
#pragma once

#include "backends/Output.h"
#include "ir/mlpc_ir.pb.h"

#include <string>
#include <vector>

namespace mlpc::tfx {

struct TfxOptions {
  std::string mlpcVersion = "0.1.0";
  std::string tfxVersion = "1.16.0"; // the TFX the output is written for and tested with
  // The folder of the .mlp file, relative to the output folder: relative
  // module files resolve against it, as Python files of components do.
  std::string sourceDirFromOutput = ".";
};

// What TFX cannot express (an error), or what its runners ignore (a warning).
using TfxDiagnostic = backend::Diagnostic;
using TfxFile = backend::File;

backend::FolderOutput compileToTfx(const ir::Module &module, const TfxOptions &options);

// TFX and Vertex AI's rules for a pipeline name: lowercase, `_` and other
// characters become `-`.
std::string pipelineName(const std::string &name);

} // namespace mlpc::tfx
