// The standard library's `builtin:` components, run in process: the bridge
// between a task of the IR (its op name, inputs, bound schemas, output types)
// and the IR-free ops of runtime/ops. Datasets travel between tasks as CSV
// files (so user containers and Python functions read them as they are);
// transforms and models as protobuf files (runtime/ops/transform/transform.proto,
// runtime/ops/model/model.proto).
#pragma once

#include "ir/mlpc_ir.pb.h"
#include "runtime/ops/Table.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mlpc::runtime::builtins {

// Bumped whenever an op's results change for the same inputs, so that cached
// outputs of older ops are not reused.
constexpr int kOpsVersion = 1;

struct Input {
  bool present = false;
  ir::Value value;                // a parameter
  std::vector<std::string> paths; // an artifact's local paths
  std::string type;               // an artifact's IR type (Dataset, Examples, ...)
  ir::MapValue metadata;          // the first artifact's metadata
};

struct Call {
  const ir::Component *component = nullptr;
  const ir::Task *task = nullptr;
  std::map<std::string, Input> inputs;
  std::map<std::string, std::string> outputPaths; // artifact output -> where to write it
  bool wantsGpu = false;                          // the task asks for an accelerator
  int gpuDevice = -1;                             // the device the scheduler gave it, if any
  std::string workDir;                            // relative `path` values resolve here
  std::function<void(const std::string &)> log;   // a line to the task's log
  std::function<bool()> canceled;                 // polled between phases
};

struct Result {
  std::map<std::string, ir::Value> values;      // output parameters
  std::map<std::string, ir::MapValue> metadata; // artifact metadata (KFP metrics)
};

// Runs the op; throws ops::OpError with a user-facing message.
Result run(const Call &call);

// Whether this runtime implements `op` ("transform.split").
bool known(const std::string &op);
std::vector<std::string> knownOps();

// Local files an op reads through its parameters (read_csv's `path`), so the
// cache key can cover their content.
std::vector<std::string> filesRead(const ir::Component &component,
                                   const std::map<std::string, Input> &inputs,
                                   const std::string &workDir);

// The IR's column types as the ops see them.
ops::Schema toOpsSchema(const ir::Schema &schema);

} // namespace mlpc::runtime::builtins
