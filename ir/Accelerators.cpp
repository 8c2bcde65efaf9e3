#include "ir/Accelerators.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

namespace mlpc::ir {

namespace {

// A machine type with GPUs built in (the name carries the count).
struct Machine {
  const char *name;
  int64_t gpus;
};

// A family of machines that takes one GPU type. N1 takes GPUs in chosen
// counts on any N1 machine; the others have them built in.
struct Family {
  const char *name;           // "G2"
  std::vector<Machine> fixed; // empty for N1
};

const Family kN1{"N1", {}};
const Family kG2{"G2",
                 {{"g2-standard-4", 1},
                  {"g2-standard-8", 1},
                  {"g2-standard-12", 1},
                  {"g2-standard-16", 1},
                  {"g2-standard-32", 1},
                  {"g2-standard-24", 2},
                  {"g2-standard-48", 4},
                  {"g2-standard-96", 8}}};
const Family kA2Standard{"A2 Standard",
                         {{"a2-highgpu-1g", 1},
                          {"a2-highgpu-2g", 2},
                          {"a2-highgpu-4g", 4},
                          {"a2-highgpu-8g", 8},
                          {"a2-megagpu-16g", 16}}};
const Family kA2Ultra{
    "A2 Ultra",
    {{"a2-ultragpu-1g", 1}, {"a2-ultragpu-2g", 2}, {"a2-ultragpu-4g", 4}, {"a2-ultragpu-8g", 8}}};
const Family kA3High{"A3 High",
                     {{"a3-highgpu-1g", 1},
                      {"a3-highgpu-2g", 2},
                      {"a3-highgpu-4g", 4},
                      {"a3-highgpu-8g", 8},
                      {"a3-edgegpu-8g", 8}}};
const Family kA3Mega{"A3 Mega", {{"a3-megagpu-8g", 8}}};

// The GPUs Dataflow runs (docs/design/dataflow.md §3), by Compute Engine name.
struct Gpu {
  const char *name;
  const Family *family;
  std::vector<int64_t> n1Counts; // N1 only: GPUs per worker
};

const std::vector<Gpu> kGpus = {
    {"nvidia-tesla-t4", &kN1, {1, 2, 4}},
    {"nvidia-tesla-p4", &kN1, {1, 2, 4}},
    {"nvidia-tesla-p100", &kN1, {1, 2, 4}},
    {"nvidia-tesla-v100", &kN1, {1, 2, 4, 8}},
    {"nvidia-l4", &kG2, {}},
    {"nvidia-tesla-a100", &kA2Standard, {}},
    {"nvidia-a100-80gb", &kA2Ultra, {}},
    {"nvidia-h100-80gb", &kA3High, {}},
    {"nvidia-h100-mega-80gb", &kA3Mega, {}},
};

// A TPU type with its single-host topologies and their machine types.
struct Tpu {
  const char *name;
  std::vector<std::string> aliases; // lowercase, `_` as `-`
  std::vector<std::pair<const char *, const char *>> topologies;
};

const std::vector<Tpu> kTpus = {
    {"tpu-v5-lite-podslice",
     {"v5e", "v5litepod", "tpu-v5e", "tpu-v5-litepod"},
     {{"1x1", "ct5lp-hightpu-1t"}, {"2x2", "ct5lp-hightpu-4t"}, {"2x4", "ct5lp-hightpu-8t"}}},
    {"tpu-v6e-slice",
     {"v6e", "tpu-v6e"},
     {{"1x1", "ct6e-standard-1t"}, {"2x2", "ct6e-standard-4t"}, {"2x4", "ct6e-standard-8t"}}},
};

const char *const kDefaultN1Machine = "n1-standard-4";

bool startsWith(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

std::string lowerDashed(const std::string &s) {
  std::string out;
  for (char c : s)
    out += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Gpu *findGpu(const std::string &name) {
  std::string n = computeEngineGpuName(name);
  for (const Gpu &g : kGpus)
    if (n == g.name)
      return &g;
  return nullptr;
}

const Tpu *findTpu(const std::string &name) {
  std::string n = lowerDashed(name);
  for (const Tpu &t : kTpus)
    if (n == t.name || std::find(t.aliases.begin(), t.aliases.end(), n) != t.aliases.end())
      return &t;
  return nullptr;
}

// Any TPU, known to Dataflow or not (Vertex AI's TPU_V3, v5p, ...).
bool looksLikeTpu(const std::string &name) {
  std::string n = lowerDashed(name);
  return findTpu(name) || startsWith(n, "tpu") || startsWith(n, "v5") || startsWith(n, "v6");
}

bool isN1Machine(const std::string &m) { return startsWith(m, "n1-") || startsWith(m, "custom-"); }

// The GPU counts a GPU type comes in, ascending.
std::vector<int64_t> countsOf(const Gpu &g) {
  if (g.family->fixed.empty())
    return g.n1Counts;
  std::vector<int64_t> out;
  for (const Machine &m : g.family->fixed)
    if (std::find(out.begin(), out.end(), m.gpus) == out.end())
      out.push_back(m.gpus);
  std::sort(out.begin(), out.end());
  return out;
}

std::string countList(const std::vector<int64_t> &counts) {
  std::vector<std::string> s;
  for (int64_t c : counts)
    s.push_back(std::to_string(c));
  if (s.size() == 1)
    return s[0];
  std::string last = s.back();
  s.pop_back();
  return fmt::format("{} or {}", fmt::join(s, ", "), last);
}

std::vector<std::string> machineNames(const Family &f, int64_t gpus) {
  std::vector<std::string> out;
  for (const Machine &m : f.fixed)
    if (m.gpus == gpus)
      out.push_back(m.name);
  return out;
}

std::string machineTable(const Family &f) {
  std::vector<std::string> rows;
  for (const Machine &m : f.fixed)
    rows.push_back(fmt::format("{} ({})", m.name, m.gpus));
  return fmt::format("{}", fmt::join(rows, ", "));
}

// The smallest machine that takes `count` of the GPU; "" when none does.
std::string smallestMachine(const Gpu &g, int64_t count) {
  if (g.family->fixed.empty())
    return kDefaultN1Machine;
  for (const Machine &m : g.family->fixed)
    if (m.gpus == count)
      return m.name;
  return "";
}

const Machine *findMachine(const Family &f, const std::string &name) {
  for (const Machine &m : f.fixed)
    if (name == m.name)
      return &m;
  return nullptr;
}

// What a machine type is, for messages: "an N1 machine (nvidia-tesla-t4, ...)".
std::string describeMachine(const std::string &machine) {
  std::vector<std::string> gpus;
  std::string family;
  for (const Gpu &g : kGpus) {
    bool fits =
        g.family->fixed.empty() ? isN1Machine(machine) : findMachine(*g.family, machine) != nullptr;
    if (fits) {
      gpus.push_back(g.name);
      family = g.family->name;
    }
  }
  if (gpus.empty())
    return fmt::format("`{}` takes none of Dataflow's GPUs", machine);
  // "an N1", "an A2", "a G2".
  const char *article = family[0] == 'A' || family[0] == 'N' ? "an" : "a";
  return fmt::format("`{}` is {} {} machine, for {}", machine, article, family,
                     fmt::join(gpus, ", "));
}

std::string knownAccelerators() {
  std::vector<std::string> gpus, tpus;
  for (const Gpu &g : kGpus)
    gpus.push_back(g.name);
  for (const Tpu &t : kTpus)
    tpus.push_back(t.name);
  return fmt::format("GPUs (Compute Engine's names, or Vertex AI's such as NVIDIA_TESLA_T4): {}; "
                     "TPUs: {}",
                     fmt::join(gpus, ", "), fmt::join(tpus, ", "));
}

std::string topologyTable(const Tpu &t) {
  std::vector<std::string> rows;
  for (auto &[topo, machine] : t.topologies)
    rows.push_back(fmt::format("{} ({})", topo, machine));
  return fmt::format("{}", fmt::join(rows, ", "));
}

const char *machineOfTopology(const Tpu &t, const std::string &topology) {
  for (auto &[topo, machine] : t.topologies)
    if (topology == topo)
      return machine;
  return nullptr;
}

const char *topologyOfMachine(const Tpu &t, const std::string &machineType) {
  for (auto &[topo, machine] : t.topologies)
    if (machineType == machine)
      return topo;
  return nullptr;
}

// Checks a GPU count (given: > 0) against the GPU's counts.
std::optional<AcceleratorProblem> checkCount(const Gpu &g, int64_t count, const char *field) {
  std::vector<int64_t> counts = countsOf(g);
  if (std::find(counts.begin(), counts.end(), count) != counts.end())
    return std::nullopt;
  if (g.family->fixed.empty())
    return AcceleratorProblem{
        fmt::format("`{}` comes {} to a worker, not {}", g.name, countList(counts), count),
        fmt::format("Compute Engine attaches {} of them to an N1 machine", countList(counts)),
        field};
  return AcceleratorProblem{
      fmt::format("no {} machine has {} `{}` GPUs", g.family->name, count, g.name),
      fmt::format("{} machines and their GPUs: {}", g.family->name, machineTable(*g.family)),
      field};
}

} // namespace

std::string computeEngineGpuName(const std::string &name) { return lowerDashed(name); }

std::vector<AcceleratorProblem> checkDataflowAccelerator(const JobAccelerator &o) {
  std::vector<AcceleratorProblem> out;
  const std::string &accel = o.workerAccelerator;
  if (o.acceleratorCount < 0)
    out.push_back(
        {fmt::format("`accelerator_count` is {}; it must be positive", o.acceleratorCount),
         "leave it out for one GPU", "accelerator_count"});
  if (accel.empty()) {
    auto needs = [&](bool set, const char *field) {
      if (set)
        out.push_back({fmt::format("`{}` is set but `worker_accelerator` is not", field),
                       "set `worker_accelerator` to a GPU (`nvidia-tesla-t4`) or a TPU "
                       "(`tpu-v5-lite-podslice`), or remove this option",
                       field});
    };
    needs(o.acceleratorCount > 0, "accelerator_count");
    needs(!o.tpuTopology.empty(), "tpu_topology");
    needs(o.nvidiaMps, "nvidia_mps");
    needs(!o.nvidiaDriver.empty(), "nvidia_driver");
    return out;
  }

  if (const Tpu *t = findTpu(accel)) {
    auto gpuOnly = [&](bool set, const char *field, const char *what) {
      if (set)
        out.push_back({fmt::format("`{}` is a TPU, which takes no {}", t->name, what),
                       fmt::format("remove `{}`; a TPU's size is its `tpu_topology`: {}", field,
                                   topologyTable(*t)),
                       field});
    };
    gpuOnly(o.acceleratorCount > 0, "accelerator_count", "`accelerator_count`");
    gpuOnly(o.nvidiaMps, "nvidia_mps", "NVIDIA MPS");
    gpuOnly(!o.nvidiaDriver.empty(), "nvidia_driver", "NVIDIA driver");
    const char *fromMachine =
        o.machineType.empty() ? nullptr : topologyOfMachine(*t, o.machineType);
    if (o.tpuTopology.empty()) {
      if (!fromMachine)
        out.push_back(
            {fmt::format("`{}` needs `tpu_topology`", t->name),
             fmt::format("single-host topologies and their machine types: {}", topologyTable(*t)),
             "tpu_topology"});
      return out;
    }
    const char *machine = machineOfTopology(*t, o.tpuTopology);
    if (!machine) {
      out.push_back({fmt::format("`{}` has no single-host topology `{}`", t->name, o.tpuTopology),
                     fmt::format("Dataflow runs single-host slices only: {}", topologyTable(*t)),
                     "tpu_topology"});
      return out;
    }
    if (!o.machineType.empty() && o.machineType != machine)
      out.push_back({fmt::format("`{}` with topology {} runs on `{}`, not `{}`", t->name,
                                 o.tpuTopology, machine, o.machineType),
                     fmt::format("set `machine_type: \"{}\"` or leave it out; topologies and "
                                 "machine types: {}",
                                 machine, topologyTable(*t)),
                     "machine_type"});
    return out;
  }

  const Gpu *g = findGpu(accel);
  if (!g) {
    out.push_back({fmt::format("`{}` is not a GPU or TPU known to run on Dataflow", accel),
                   "known: " + knownAccelerators(), "worker_accelerator"});
    return out;
  }
  if (!o.tpuTopology.empty())
    out.push_back({fmt::format("`tpu_topology` is for a TPU, but `{}` is a GPU", g->name),
                   "remove it, or set `worker_accelerator` to a TPU (`tpu-v5-lite-podslice`, "
                   "`tpu-v6e-slice`)",
                   "tpu_topology"});
  if (!o.nvidiaDriver.empty() && o.nvidiaDriver != "default" && o.nvidiaDriver != "latest" &&
      o.nvidiaDriver != "5xx")
    out.push_back(
        {fmt::format("`{}` is not an NVIDIA driver version Dataflow installs", o.nvidiaDriver),
         "use `default`, `latest` or `5xx`, or leave it out for the default", "nvidia_driver"});
  bool countFits = true;
  if (o.acceleratorCount > 0)
    if (auto p = checkCount(*g, o.acceleratorCount, "accelerator_count")) {
      out.push_back(*p);
      countFits = false;
    }
  if (!o.machineType.empty()) {
    const Family &f = *g->family;
    if (f.fixed.empty()) {
      if (!isN1Machine(o.machineType))
        out.push_back(
            {fmt::format("`{}` runs only on N1 machines, not on `{}`", g->name, o.machineType),
             fmt::format("use an N1 machine such as `{}`; {}", kDefaultN1Machine,
                         describeMachine(o.machineType)),
             "machine_type"});
    } else if (const Machine *m = findMachine(f, o.machineType)) {
      if (countFits && o.acceleratorCount > 0 && o.acceleratorCount != m->gpus) {
        std::vector<std::string> fit = machineNames(f, o.acceleratorCount);
        out.push_back(
            {fmt::format("`{}` has {} `{}` GPU(s), but `accelerator_count` is {}", m->name, m->gpus,
                         g->name, o.acceleratorCount),
             fit.empty()
                 ? fmt::format("leave `accelerator_count` out; {} machines and their GPUs: {}",
                               f.name, machineTable(f))
                 : fmt::format("leave `accelerator_count` out, or use {}", fmt::join(fit, ", ")),
             "accelerator_count"});
      }
    } else {
      out.push_back({fmt::format("`{}` runs only on {} machines, not on `{}`", g->name, f.name,
                                 o.machineType),
                     fmt::format("use one of (GPUs per machine) {}; {}", machineTable(f),
                                 describeMachine(o.machineType)),
                     "machine_type"});
    }
  }
  int64_t count = o.acceleratorCount > 0 ? o.acceleratorCount : 1;
  if (o.nvidiaMps && count != 1)
    out.push_back({fmt::format("`nvidia_mps` shares one GPU among processes, but "
                               "`accelerator_count` is {}",
                               count),
                   "use `accelerator_count: 1` with `nvidia_mps`, or turn MPS off", "nvidia_mps"});
  if (o.nvidiaMps && o.acceleratorCount <= 0 && !o.machineType.empty())
    if (const Machine *m = findMachine(*g->family, o.machineType); m && m->gpus != 1)
      out.push_back({fmt::format("`nvidia_mps` shares one GPU among processes, but `{}` has {}",
                                 m->name, m->gpus),
                     fmt::format("use a machine with one GPU: {}",
                                 fmt::join(machineNames(*g->family, 1), ", ")),
                     "nvidia_mps"});
  return out;
}

DataflowAccelerator lowerDataflowAccelerator(const JobAccelerator &o) {
  DataflowAccelerator out;
  out.machineType = o.machineType;
  if (o.workerAccelerator.empty())
    return out;
  if (const Tpu *t = findTpu(o.workerAccelerator)) {
    out.tpu = true;
    std::string topology = o.tpuTopology;
    if (topology.empty())
      if (const char *fromMachine = topologyOfMachine(*t, o.machineType))
        topology = fromMachine;
    if (out.machineType.empty())
      if (const char *machine = machineOfTopology(*t, topology))
        out.machineType = machine;
    out.serviceOption = fmt::format("worker_accelerator=type:{};topology:{}", t->name, topology);
    return out;
  }
  const Gpu *g = findGpu(o.workerAccelerator);
  out.gpu = true;
  std::string name = g ? g->name : computeEngineGpuName(o.workerAccelerator);
  int64_t count = o.acceleratorCount > 0 ? o.acceleratorCount : 1;
  if (g && o.acceleratorCount <= 0 && !o.machineType.empty())
    if (const Machine *m = findMachine(*g->family, o.machineType))
      count = m->gpus;
  if (g && out.machineType.empty())
    out.machineType = smallestMachine(*g, count);
  out.serviceOption = fmt::format("worker_accelerator=type:{};count:{};install-nvidia-driver{}{}",
                                  name, count, o.nvidiaDriver.empty() ? "" : ":" + o.nvidiaDriver,
                                  o.nvidiaMps ? ";use_nvidia_mps" : "");
  return out;
}

std::vector<AcceleratorProblem> checkStepAccelerator(const StepAccelerator &r) {
  std::vector<AcceleratorProblem> out;
  const char *jobWide = "TPUs on Dataflow are job-wide: set `worker_accelerator` (e.g. "
                        "`tpu-v5-lite-podslice`) and `tpu_topology` in the job's `@dataflow(...)`";
  if (!r.tpuType.empty())
    out.push_back({"a task of a Dataflow job cannot have a TPU of its own", jobWide, "tpu"});
  if (r.accelerator.empty()) {
    if (r.count > 0)
      out.push_back({"`accelerator_count` is set but `accelerator` is not",
                     "set `accelerator` to a GPU (`nvidia-tesla-t4`), or remove the count",
                     "accelerator_count"});
    return out;
  }
  if (looksLikeTpu(r.accelerator)) {
    out.push_back(
        {"a task of a Dataflow job cannot have a TPU of its own", jobWide, "accelerator"});
    return out;
  }
  const Gpu *g = findGpu(r.accelerator);
  if (!g) {
    std::vector<std::string> gpus;
    for (const Gpu &k : kGpus)
      gpus.push_back(k.name);
    out.push_back({fmt::format("`{}` is not a GPU known to run on Dataflow", r.accelerator),
                   fmt::format("known (Compute Engine's names, or Vertex AI's such as "
                               "NVIDIA_TESLA_T4): {}",
                               fmt::join(gpus, ", ")),
                   "accelerator"});
    return out;
  }
  if (r.count < 0)
    out.push_back({fmt::format("`accelerator_count` is {}; it must be positive", r.count),
                   "leave it out for one GPU", "accelerator_count"});
  else if (r.count > 0)
    if (auto p = checkCount(*g, r.count, "accelerator_count"))
      out.push_back(*p);
  return out;
}

std::optional<std::string> beamAcceleratorHint(const StepAccelerator &r) {
  if (r.accelerator.empty())
    return std::nullopt;
  const Gpu *g = findGpu(r.accelerator);
  std::string name = g ? g->name : computeEngineGpuName(r.accelerator);
  int64_t count = r.count > 0 ? r.count : 1;
  std::string machine;
  if (g && !g->family->fixed.empty())
    machine = smallestMachine(*g, count);
  return fmt::format("type:{};count:{};{}install-nvidia-driver", name, count,
                     machine.empty() ? "" : "machine_type:" + machine + ";");
}

} // namespace mlpc::ir
