// How an op runs: on the GPU or the CPU, and how it learns that the task was
// canceled (long ops poll between phases, e.g. training epochs).
#pragma once

#include <functional>

namespace mlpc::ops {

struct ExecOptions {
  bool useGpu = false;            // the task asked for a GPU and one is present
  int gpuDevice = 0;              // which device
  std::function<bool()> canceled; // true once the run is canceled (may be empty)
};

} // namespace mlpc::ops
