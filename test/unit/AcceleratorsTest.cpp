// Dataflow's GPU/TPU rules (ir/Accelerators.h): every row of the tables in
// docs/design/dataflow.md §3, and each problem the checks report.
#include "ir/Accelerators.h"
#include "ir/mlpc_ir.pb.h"

#include <gtest/gtest.h>

using namespace mlpc::ir;

namespace {

JobAccelerator job(const std::string &accel, int64_t count = 0, const std::string &machine = "") {
  JobAccelerator j;
  j.workerAccelerator = accel;
  j.acceleratorCount = count;
  j.machineType = machine;
  return j;
}

// The fields of the problems found, in order.
std::vector<std::string> fields(const std::vector<AcceleratorProblem> &problems) {
  std::vector<std::string> out;
  for (const AcceleratorProblem &p : problems)
    out.push_back(p.field);
  return out;
}

using Fields = std::vector<std::string>;

} // namespace

TEST(Accelerators, ComputeEngineGpuName) {
  EXPECT_EQ(computeEngineGpuName("NVIDIA_TESLA_T4"), "nvidia-tesla-t4");
  EXPECT_EQ(computeEngineGpuName("NVIDIA_A100_80GB"), "nvidia-a100-80gb");
  EXPECT_EQ(computeEngineGpuName("NVIDIA_H100_MEGA_80GB"), "nvidia-h100-mega-80gb");
  EXPECT_EQ(computeEngineGpuName("nvidia-l4"), "nvidia-l4");
}

// Each GPU with each machine it runs on: the check passes and the lowering
// keeps the machine and takes the machine's built-in count.
TEST(Accelerators, EveryGpuOnEveryMachineOfItsFamily) {
  struct Row {
    const char *gpu, *machine;
    int64_t gpus;
  };
  const Row rows[] = {
      {"nvidia-l4", "g2-standard-4", 1},
      {"nvidia-l4", "g2-standard-8", 1},
      {"nvidia-l4", "g2-standard-12", 1},
      {"nvidia-l4", "g2-standard-16", 1},
      {"nvidia-l4", "g2-standard-32", 1},
      {"nvidia-l4", "g2-standard-24", 2},
      {"nvidia-l4", "g2-standard-48", 4},
      {"nvidia-l4", "g2-standard-96", 8},
      {"nvidia-tesla-a100", "a2-highgpu-1g", 1},
      {"nvidia-tesla-a100", "a2-highgpu-2g", 2},
      {"nvidia-tesla-a100", "a2-highgpu-4g", 4},
      {"nvidia-tesla-a100", "a2-highgpu-8g", 8},
      {"nvidia-tesla-a100", "a2-megagpu-16g", 16},
      {"nvidia-a100-80gb", "a2-ultragpu-1g", 1},
      {"nvidia-a100-80gb", "a2-ultragpu-2g", 2},
      {"nvidia-a100-80gb", "a2-ultragpu-4g", 4},
      {"nvidia-a100-80gb", "a2-ultragpu-8g", 8},
      {"nvidia-h100-80gb", "a3-highgpu-1g", 1},
      {"nvidia-h100-80gb", "a3-highgpu-2g", 2},
      {"nvidia-h100-80gb", "a3-highgpu-4g", 4},
      {"nvidia-h100-80gb", "a3-highgpu-8g", 8},
      {"nvidia-h100-80gb", "a3-edgegpu-8g", 8},
      {"nvidia-h100-mega-80gb", "a3-megagpu-8g", 8},
  };
  for (const Row &r : rows) {
    SCOPED_TRACE(std::string(r.gpu) + " on " + r.machine);
    EXPECT_TRUE(checkDataflowAccelerator(job(r.gpu, 0, r.machine)).empty());
    EXPECT_TRUE(checkDataflowAccelerator(job(r.gpu, r.gpus, r.machine)).empty());
    DataflowAccelerator a = lowerDataflowAccelerator(job(r.gpu, 0, r.machine));
    EXPECT_TRUE(a.gpu);
    EXPECT_FALSE(a.tpu);
    EXPECT_EQ(a.machineType, r.machine);
    EXPECT_EQ(a.serviceOption, "worker_accelerator=type:" + std::string(r.gpu) +
                                   ";count:" + std::to_string(r.gpus) + ";install-nvidia-driver");
    // Another GPU count than the machine's is an error on `accelerator_count`.
    EXPECT_EQ(fields(checkDataflowAccelerator(job(r.gpu, r.gpus == 1 ? 2 : 1, r.machine))),
              Fields{"accelerator_count"});
  }
}

// N1 GPUs take 1, 2 or 4 (V100 also 8) on any N1 machine, custom ones included.
TEST(Accelerators, N1Gpus) {
  for (const char *gpu :
       {"nvidia-tesla-t4", "nvidia-tesla-p4", "nvidia-tesla-p100", "nvidia-tesla-v100"}) {
    SCOPED_TRACE(gpu);
    for (int64_t n : {1, 2, 4})
      EXPECT_TRUE(checkDataflowAccelerator(job(gpu, n, "n1-standard-8")).empty());
    EXPECT_TRUE(checkDataflowAccelerator(job(gpu, 1, "custom-4-16384")).empty());
    EXPECT_EQ(fields(checkDataflowAccelerator(job(gpu, 3))), Fields{"accelerator_count"});
    bool v100 = std::string(gpu) == "nvidia-tesla-v100";
    EXPECT_EQ(checkDataflowAccelerator(job(gpu, 8)).empty(), v100);
    EXPECT_EQ(fields(checkDataflowAccelerator(job(gpu, 1, "g2-standard-4"))),
              Fields{"machine_type"});
    DataflowAccelerator a = lowerDataflowAccelerator(job(gpu, 2, "n1-highmem-8"));
    EXPECT_EQ(a.machineType, "n1-highmem-8");
    EXPECT_EQ(a.serviceOption,
              "worker_accelerator=type:" + std::string(gpu) + ";count:2;install-nvidia-driver");
  }
}

// Vertex AI's names are accepted and lowered to Compute Engine's.
TEST(Accelerators, VertexNames) {
  EXPECT_TRUE(checkDataflowAccelerator(job("NVIDIA_TESLA_T4")).empty());
  EXPECT_TRUE(checkDataflowAccelerator(job("NVIDIA_L4", 0, "g2-standard-8")).empty());
  EXPECT_EQ(lowerDataflowAccelerator(job("NVIDIA_TESLA_T4")).serviceOption,
            "worker_accelerator=type:nvidia-tesla-t4;count:1;install-nvidia-driver");
}

// Without a machine type, the smallest that fits the GPUs.
TEST(Accelerators, DefaultMachineTypes) {
  struct Row {
    const char *gpu;
    int64_t count;
    const char *machine;
  };
  const Row rows[] = {
      {"nvidia-tesla-t4", 0, "n1-standard-4"},     {"nvidia-tesla-v100", 8, "n1-standard-4"},
      {"nvidia-l4", 0, "g2-standard-4"},           {"nvidia-l4", 2, "g2-standard-24"},
      {"nvidia-l4", 4, "g2-standard-48"},          {"nvidia-l4", 8, "g2-standard-96"},
      {"nvidia-tesla-a100", 1, "a2-highgpu-1g"},   {"nvidia-tesla-a100", 8, "a2-highgpu-8g"},
      {"nvidia-tesla-a100", 16, "a2-megagpu-16g"}, {"nvidia-a100-80gb", 4, "a2-ultragpu-4g"},
      {"nvidia-h100-80gb", 2, "a3-highgpu-2g"},    {"nvidia-h100-mega-80gb", 8, "a3-megagpu-8g"},
  };
  for (const Row &r : rows) {
    SCOPED_TRACE(r.gpu);
    EXPECT_TRUE(checkDataflowAccelerator(job(r.gpu, r.count)).empty());
    EXPECT_EQ(lowerDataflowAccelerator(job(r.gpu, r.count)).machineType, r.machine);
  }
  // A count no machine of the family has.
  EXPECT_EQ(fields(checkDataflowAccelerator(job("nvidia-l4", 3))), Fields{"accelerator_count"});
  EXPECT_EQ(fields(checkDataflowAccelerator(job("nvidia-h100-mega-80gb", 1))),
            Fields{"accelerator_count"});
  // No accelerator: the machine type as given, no service option.
  DataflowAccelerator none = lowerDataflowAccelerator(job("", 0, "n1-standard-2"));
  EXPECT_EQ(none.machineType, "n1-standard-2");
  EXPECT_EQ(none.serviceOption, "");
  EXPECT_FALSE(none.gpu || none.tpu);
  EXPECT_TRUE(checkDataflowAccelerator(job("", 0, "n1-standard-2")).empty());
}

TEST(Accelerators, MachineFamilyMismatch) {
  auto problems = checkDataflowAccelerator(job("nvidia-l4", 0, "n1-standard-4"));
  ASSERT_EQ(fields(problems), Fields{"machine_type"});
  EXPECT_EQ(problems[0].message, "`nvidia-l4` runs only on G2 machines, not on `n1-standard-4`");
  // The help lists the valid choices and says what the given machine is.
  EXPECT_NE(problems[0].help.find("g2-standard-4"), std::string::npos);
  EXPECT_NE(problems[0].help.find("g2-standard-96"), std::string::npos);
  EXPECT_NE(problems[0].help.find("N1 machine, for nvidia-tesla-t4"), std::string::npos);
  EXPECT_EQ(fields(checkDataflowAccelerator(job("nvidia-tesla-a100", 0, "a2-ultragpu-1g"))),
            Fields{"machine_type"});
  EXPECT_EQ(fields(checkDataflowAccelerator(job("nvidia-h100-80gb", 0, "a3-megagpu-8g"))),
            Fields{"machine_type"});
  EXPECT_EQ(fields(checkDataflowAccelerator(job("nvidia-l4", 0, "g2-standard-5"))),
            Fields{"machine_type"});
  auto e2 = checkDataflowAccelerator(job("nvidia-tesla-t4", 0, "e2-standard-4"));
  ASSERT_EQ(fields(e2), Fields{"machine_type"});
  EXPECT_NE(e2[0].help.find("`e2-standard-4` takes none of Dataflow's GPUs"), std::string::npos);
}

TEST(Accelerators, UnknownAccelerator) {
  for (const char *name : {"nvidia-h200-141gb", "nvidia-b200", "NVIDIA_TESLA_K80", "gpu"}) {
    auto problems = checkDataflowAccelerator(job(name));
    ASSERT_EQ(fields(problems), Fields{"worker_accelerator"}) << name;
    EXPECT_EQ(problems[0].message,
              "`" + std::string(name) + "` is not a GPU or TPU known to run on Dataflow");
    EXPECT_NE(problems[0].help.find("nvidia-h100-mega-80gb"), std::string::npos);
    EXPECT_NE(problems[0].help.find("tpu-v6e-slice"), std::string::npos);
  }
}

TEST(Accelerators, NvidiaOptions) {
  JobAccelerator j = job("nvidia-tesla-t4");
  j.nvidiaMps = true;
  j.nvidiaDriver = "5xx";
  EXPECT_TRUE(checkDataflowAccelerator(j).empty());
  EXPECT_EQ(lowerDataflowAccelerator(j).serviceOption,
            "worker_accelerator=type:nvidia-tesla-t4;count:1;install-nvidia-driver:5xx;"
            "use_nvidia_mps");
  for (const char *driver : {"default", "latest"}) {
    j.nvidiaDriver = driver;
    EXPECT_TRUE(checkDataflowAccelerator(j).empty()) << driver;
  }
  j.nvidiaDriver = "535";
  EXPECT_EQ(fields(checkDataflowAccelerator(j)), Fields{"nvidia_driver"});
  // MPS shares one GPU.
  JobAccelerator two = job("nvidia-tesla-t4", 2);
  two.nvidiaMps = true;
  EXPECT_EQ(fields(checkDataflowAccelerator(two)), Fields{"nvidia_mps"});
  JobAccelerator machine = job("nvidia-l4", 0, "g2-standard-24");
  machine.nvidiaMps = true;
  EXPECT_EQ(fields(checkDataflowAccelerator(machine)), Fields{"nvidia_mps"});
}

TEST(Accelerators, OptionsWithoutAccelerator) {
  JobAccelerator j;
  j.acceleratorCount = 2;
  j.tpuTopology = "2x2";
  j.nvidiaMps = true;
  j.nvidiaDriver = "latest";
  EXPECT_EQ(fields(checkDataflowAccelerator(j)),
            (Fields{"accelerator_count", "tpu_topology", "nvidia_mps", "nvidia_driver"}));
  EXPECT_EQ(fields(checkDataflowAccelerator(job("nvidia-tesla-t4", -1))),
            Fields{"accelerator_count"});
  JobAccelerator topo = job("nvidia-tesla-t4");
  topo.tpuTopology = "1x1";
  EXPECT_EQ(fields(checkDataflowAccelerator(topo)), Fields{"tpu_topology"});
}

TEST(Accelerators, Tpus) {
  struct Row {
    const char *type, *topology, *machine;
  };
  const Row rows[] = {
      {"tpu-v5-lite-podslice", "1x1", "ct5lp-hightpu-1t"},
      {"tpu-v5-lite-podslice", "2x2", "ct5lp-hightpu-4t"},
      {"tpu-v5-lite-podslice", "2x4", "ct5lp-hightpu-8t"},
      {"tpu-v6e-slice", "1x1", "ct6e-standard-1t"},
      {"tpu-v6e-slice", "2x2", "ct6e-standard-4t"},
      {"tpu-v6e-slice", "2x4", "ct6e-standard-8t"},
  };
  for (const Row &r : rows) {
    SCOPED_TRACE(std::string(r.type) + " " + r.topology);
    JobAccelerator j = job(r.type);
    j.tpuTopology = r.topology;
    EXPECT_TRUE(checkDataflowAccelerator(j).empty());
    DataflowAccelerator a = lowerDataflowAccelerator(j);
    EXPECT_TRUE(a.tpu);
    EXPECT_FALSE(a.gpu);
    EXPECT_EQ(a.machineType, r.machine);
    EXPECT_EQ(a.serviceOption,
              "worker_accelerator=type:" + std::string(r.type) + ";topology:" + r.topology);
    // The machine type alone gives the topology.
    JobAccelerator byMachine = job(r.type, 0, r.machine);
    EXPECT_TRUE(checkDataflowAccelerator(byMachine).empty());
    EXPECT_EQ(lowerDataflowAccelerator(byMachine).serviceOption, a.serviceOption);
    j.machineType = "n1-standard-4";
    EXPECT_EQ(fields(checkDataflowAccelerator(j)), Fields{"machine_type"});
  }
  // Aliases.
  JobAccelerator v5e = job("v5e");
  v5e.tpuTopology = "2x2";
  EXPECT_EQ(lowerDataflowAccelerator(v5e).serviceOption,
            "worker_accelerator=type:tpu-v5-lite-podslice;topology:2x2");
  // Multi-host or unknown topologies, and a missing one.
  JobAccelerator big = job("tpu-v5-lite-podslice");
  big.tpuTopology = "4x4";
  auto problems = checkDataflowAccelerator(big);
  ASSERT_EQ(fields(problems), Fields{"tpu_topology"});
  EXPECT_NE(problems[0].help.find("2x4 (ct5lp-hightpu-8t)"), std::string::npos);
  EXPECT_EQ(fields(checkDataflowAccelerator(job("tpu-v6e-slice"))), Fields{"tpu_topology"});
  // A TPU takes no GPU count and no NVIDIA options.
  JobAccelerator gpuish = job("tpu-v5-lite-podslice", 4);
  gpuish.tpuTopology = "2x2";
  gpuish.nvidiaMps = true;
  gpuish.nvidiaDriver = "latest";
  EXPECT_EQ(fields(checkDataflowAccelerator(gpuish)),
            (Fields{"accelerator_count", "nvidia_mps", "nvidia_driver"}));
}

TEST(Accelerators, Steps) {
  StepAccelerator none;
  EXPECT_TRUE(checkStepAccelerator(none).empty());
  EXPECT_EQ(beamAcceleratorHint(none), std::nullopt);

  StepAccelerator t4{"NVIDIA_TESLA_T4", 0, ""};
  EXPECT_TRUE(checkStepAccelerator(t4).empty());
  EXPECT_EQ(beamAcceleratorHint(t4), "type:nvidia-tesla-t4;count:1;install-nvidia-driver");
  StepAccelerator v100{"nvidia-tesla-v100", 8, ""};
  EXPECT_TRUE(checkStepAccelerator(v100).empty());
  EXPECT_EQ(beamAcceleratorHint(v100), "type:nvidia-tesla-v100;count:8;install-nvidia-driver");
  // GPUs Dataflow's default (N1) workers cannot hold name their machine.
  StepAccelerator l4{"nvidia-l4", 2, ""};
  EXPECT_TRUE(checkStepAccelerator(l4).empty());
  EXPECT_EQ(beamAcceleratorHint(l4),
            "type:nvidia-l4;count:2;machine_type:g2-standard-24;install-nvidia-driver");
  StepAccelerator a100{"NVIDIA_TESLA_A100", 0, ""};
  EXPECT_EQ(beamAcceleratorHint(a100),
            "type:nvidia-tesla-a100;count:1;machine_type:a2-highgpu-1g;install-nvidia-driver");

  EXPECT_EQ(fields(checkStepAccelerator(StepAccelerator{"nvidia-tesla-t4", 3, ""})),
            Fields{"accelerator_count"});
  EXPECT_EQ(fields(checkStepAccelerator(StepAccelerator{"nvidia-l4", 3, ""})),
            Fields{"accelerator_count"});
  EXPECT_EQ(fields(checkStepAccelerator(StepAccelerator{"", 2, ""})), Fields{"accelerator_count"});
  auto unknown = checkStepAccelerator(StepAccelerator{"nvidia-b200", 0, ""});
  ASSERT_EQ(fields(unknown), Fields{"accelerator"});
  EXPECT_EQ(unknown[0].message, "`nvidia-b200` is not a GPU known to run on Dataflow");
  // TPUs are job-wide only, however they are named.
  EXPECT_EQ(fields(checkStepAccelerator(StepAccelerator{"", 0, "v5litepod"})), Fields{"tpu"});
  EXPECT_EQ(fields(checkStepAccelerator(StepAccelerator{"TPU_V3", 0, ""})), Fields{"accelerator"});
  EXPECT_EQ(fields(checkStepAccelerator(StepAccelerator{"tpu-v5-lite-podslice", 0, ""})),
            Fields{"accelerator"});
}

// The IR forms read the same fields.
TEST(Accelerators, FromTheIr) {
  DataflowOptions o;
  o.set_worker_accelerator("NVIDIA_L4");
  o.set_accelerator_count(2);
  o.set_nvidia_driver("latest");
  EXPECT_TRUE(checkDataflowAccelerator(o).empty());
  DataflowAccelerator a = lowerDataflowAccelerator(o);
  EXPECT_EQ(a.machineType, "g2-standard-24");
  EXPECT_EQ(a.serviceOption,
            "worker_accelerator=type:nvidia-l4;count:2;install-nvidia-driver:latest");
  o.set_machine_type("n1-standard-4");
  EXPECT_EQ(fields(checkDataflowAccelerator(o)), Fields{"machine_type"});

  Resources r;
  r.set_accelerator_type("NVIDIA_TESLA_T4");
  r.set_accelerator_count(2);
  EXPECT_TRUE(checkStepAccelerator(r).empty());
  EXPECT_EQ(beamAcceleratorHint(r), "type:nvidia-tesla-t4;count:2;install-nvidia-driver");
  r.set_tpu_type("v5litepod");
  EXPECT_EQ(fields(checkStepAccelerator(r)), Fields{"tpu"});
}
