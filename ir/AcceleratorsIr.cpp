// The IR forms of ir/Accelerators.h: read the proto, apply the rules.
#include "ir/Accelerators.h"
#include "ir/mlpc_ir.pb.h"

namespace mlpc::ir {

JobAccelerator jobAccelerator(const DataflowOptions &o) {
  JobAccelerator j;
  j.workerAccelerator = o.worker_accelerator();
  j.acceleratorCount = o.accelerator_count();
  j.tpuTopology = o.tpu_topology();
  j.nvidiaMps = o.nvidia_mps();
  j.nvidiaDriver = o.nvidia_driver();
  j.machineType = o.machine_type();
  return j;
}

StepAccelerator stepAccelerator(const Resources &r) {
  return StepAccelerator{r.accelerator_type(), r.accelerator_count(), r.tpu_type()};
}

std::vector<AcceleratorProblem> checkDataflowAccelerator(const DataflowOptions &o) {
  return checkDataflowAccelerator(jobAccelerator(o));
}

DataflowAccelerator lowerDataflowAccelerator(const DataflowOptions &o) {
  return lowerDataflowAccelerator(jobAccelerator(o));
}

std::vector<AcceleratorProblem> checkStepAccelerator(const Resources &r) {
  return checkStepAccelerator(stepAccelerator(r));
}

std::optional<std::string> beamAcceleratorHint(const Resources &r) {
  return beamAcceleratorHint(stepAccelerator(r));
}

} // namespace mlpc::ir
