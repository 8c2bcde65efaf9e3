// The native runtime's entry point: runs one pipeline of an IR module on
// this machine (`mlpc run`). Reads only the IR.
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace mlpc::runtime {

struct RunOptions {
  std::string root = "mlpc-runs";            // --root: runs, artifacts, cache, metadata
  int jobs = 0;                              // --jobs: tasks at once (0: the CPU count)
  bool noCache = false;                      // --no-cache
  std::map<std::string, std::string> params; // --param name=value, parsed by type
  std::string containerRuntime;              // --container-runtime=docker|podman
  std::string python = "python3";            // runs Python-function components
  // The GPUs tasks may use, as CUDA_VISIBLE_DEVICES names them (filled in
  // by runPipeline from this machine).
  std::vector<std::string> gpus;
  bool liveProgress = true; // a live status line when stdout is a terminal
  std::string sourceDir;    // the .mlp file's folder (relative URIs)
};

// Exit status of `mlpc run`: 0 success, 1 a task failed, 2 bad usage or
// input, 130 canceled (Ctrl-C).
int runPipeline(const ir::Module &module, const RunOptions &options, std::ostream &out,
                std::ostream &err);

} // namespace mlpc::runtime
