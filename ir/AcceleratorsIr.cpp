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

std::vector<BeamOption> beamPipelineOptions(const DataflowOptions &o) {
  std::vector<BeamOption> out;
  auto text = [&](const char *name, const std::string &value) {
    if (!value.empty())
      out.push_back({name, value, false});
  };
  auto number = [&](const char *name, int64_t value) {
    if (value > 0)
      out.push_back({name, std::to_string(value), true});
  };
  DataflowAccelerator accelerator = lowerDataflowAccelerator(o);
  text("region", o.region());
  text("machine_type",
       accelerator.machineType.empty() ? o.machine_type() : accelerator.machineType);
  number("max_num_workers", o.max_workers());
  number("num_workers", o.num_workers());
  text("service_account_email", o.service_account());
  text("temp_location", o.temp_location());
  text("staging_location", o.staging_location());
  text("network", o.network());
  text("subnetwork", o.subnetwork());
  text("worker_zone", o.worker_zone());
  number("disk_size_gb", o.disk_size_gb());
  text("sdk_container_image", o.image());
  text("dataflow_service_options", accelerator.serviceOption);
  return out;
}

} // namespace mlpc::ir
