// GPUs and TPUs on Dataflow: the rules of docs/design/dataflow.md §3, shared by
// the checker (`mlpc check` reports a mismatch at the option), and the KFP, TFX
// and Dataflow backends (which lower what the checker accepted).
//
// Shape, relative to the brief: every function has two forms. The
// `DataflowOptions`/`Resources` forms are for backends (they read the IR).
// The `JobAccelerator`/`StepAccelerator` forms take plain values, for the
// checker, which runs before there is an IR; the proto classes are only
// forward-declared here, so the front end includes this header without the
// generated proto. The proto forms are in AcceleratorsIr.cpp (library
// mlpc_ir); the rules are in Accelerators.cpp (library mlpc_accelerators).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlpc::ir {

class DataflowOptions;
class Resources;

// Compute Engine's (and Dataflow's) GPU name for Vertex AI's enum
// (NVIDIA_TESLA_T4 -> nvidia-tesla-t4); a name already in that form passes
// through unchanged.
std::string computeEngineGpuName(const std::string &name);

// A job-wide accelerator, as Dataflow takes it.
struct DataflowAccelerator {
  // The `dataflow_service_options` entry:
  // "worker_accelerator=type:nvidia-tesla-t4;count:1;install-nvidia-driver[:5xx][;use_nvidia_mps]"
  // or "worker_accelerator=type:tpu-v5-lite-podslice;topology:2x2"; "" when none.
  std::string serviceOption;
  // The machine type: the one given, else the smallest that fits the
  // accelerator; "" when neither.
  std::string machineType;
  bool gpu = false, tpu = false;
};

// One thing wrong with the options.
struct AcceleratorProblem {
  std::string message; // "`nvidia-l4` runs only on G2 machines, not on `n1-standard-4`"
  std::string help;    // lists the valid choices
  // Which option is wrong. Job-wide: "worker_accelerator", "machine_type",
  // "accelerator_count", "tpu_topology", "nvidia_mps", "nvidia_driver".
  // A task's `resources`: "accelerator", "accelerator_count", "tpu".
  const char *field = "";
};

// The job-wide options the rules read (the fields of ir::DataflowOptions).
struct JobAccelerator {
  std::string workerAccelerator; // a GPU (Vertex AI or Compute Engine name) or a TPU type
  int64_t acceleratorCount = 0;  // 0: not given
  std::string tpuTopology;
  bool nvidiaMps = false;
  std::string nvidiaDriver; // "", "default", "latest" or "5xx"
  std::string machineType;
};
JobAccelerator jobAccelerator(const DataflowOptions &o);

// A task's `resources` (the fields of ir::Resources).
struct StepAccelerator {
  std::string accelerator; // `accelerator:`
  int64_t count = 0;       // `accelerator_count:`; 0: not given
  std::string tpuType;     // `tpu { type }`
};
StepAccelerator stepAccelerator(const Resources &r);

// Checks job-wide options against Dataflow's rules; empty when they are fine.
std::vector<AcceleratorProblem> checkDataflowAccelerator(const JobAccelerator &o);
std::vector<AcceleratorProblem> checkDataflowAccelerator(const DataflowOptions &o);

// The service option and machine type for the job. Assumes the check passed.
DataflowAccelerator lowerDataflowAccelerator(const JobAccelerator &o);
DataflowAccelerator lowerDataflowAccelerator(const DataflowOptions &o);

// Checks a task's GPU inside a Dataflow job: TPUs are job-wide only, GPU names
// must be known, counts must fit a machine. Empty when fine (or none asked).
std::vector<AcceleratorProblem> checkStepAccelerator(const StepAccelerator &r);
std::vector<AcceleratorProblem> checkStepAccelerator(const Resources &r);

// A task's GPU as a Beam `accelerator` resource hint value:
// "type:nvidia-tesla-t4;count:1;install-nvidia-driver", with
// ";machine_type:g2-standard-4" before the driver for GPUs that need a machine
// family other than N1 (Dataflow's default workers). nullopt when the task asks
// for none. Assumes checkStepAccelerator passed.
std::optional<std::string> beamAcceleratorHint(const StepAccelerator &r);
std::optional<std::string> beamAcceleratorHint(const Resources &r);

// A job's options as Beam pipeline options (Python flag names), in a fixed
// order, for the options that are set: region, machine_type (the
// accelerator's when none is given), max_num_workers, num_workers,
// service_account_email, temp_location, staging_location, network,
// subnetwork, worker_zone, disk_size_gb, sdk_container_image (`image:`) and
// dataflow_service_options (the accelerator). `number` marks the ints, for
// writers that keep their type.
struct BeamOption {
  std::string name;
  std::string value;
  bool number = false;
};
std::vector<BeamOption> beamPipelineOptions(const DataflowOptions &o);

} // namespace mlpc::ir
