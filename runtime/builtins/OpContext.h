// What one op implementation sees: typed access to its inputs and outputs.
// Internal to runtime/builtins.
#pragma once

#include "runtime/builtins/Builtins.h"
#include "runtime/ops/Exec.h"

#include <fmt/format.h>

namespace mlpc::runtime::builtins {

class OpContext {
public:
  OpContext(const Call &call, Result &result);

  // Parameters. Throw OpError when absent and required.
  bool has(const std::string &name) const;
  std::string str(const std::string &name) const;
  int64_t integer(const std::string &name) const;
  double number(const std::string &name) const;
  std::vector<std::string> strings(const std::string &name) const;
  std::vector<int64_t> integers(const std::string &name) const;

  // Artifacts.
  std::string inputPath(const std::string &name) const;
  std::string outputPath(const std::string &name) const;
  // A relative `path` parameter, resolved against the folder mlpc runs in.
  std::string localPath(const std::string &value) const;
  // The concrete schema of a tabular input or output, as the compiler typed it.
  ops::Schema inputSchema(const std::string &name) const;
  ops::Schema outputSchema(const std::string &name) const;
  // The schema bound to a type parameter (`S` of `read_csv<S>`).
  ops::Schema typeArg(size_t index) const;

  // A Dataset input read with its schema; a Dataset output written as CSV
  // after checking it has the columns the compiler promised.
  ops::Table readDataset(const std::string &name) const;
  // Takes the table by value: pass it with std::move to write without a copy.
  void writeDataset(const std::string &name, ops::Table table);

  void setValue(const std::string &name, ir::Value v) { result_.values[name] = std::move(v); }
  void setMetadata(const std::string &name, ir::MapValue m) {
    result_.metadata[name] = std::move(m);
  }
  // Artifact metadata from a JSON object's text (KFP Metrics forms).
  void setMetadataJson(const std::string &name, const std::string &json);

  const ops::ExecOptions &exec() const { return exec_; }
  bool canceled() const { return call_.canceled && call_.canceled(); }
  void checkCanceled() const;

  template <typename... Args> void log(fmt::format_string<Args...> f, Args &&...args) const {
    if (call_.log)
      call_.log(fmt::format(f, std::forward<Args>(args)...));
  }

private:
  const Input &input(const std::string &name) const;
  const ir::Parameter &param(const std::string &name, bool output) const;
  ops::Schema resolve(const ir::Schema &declared, const ir::Type *bound) const;

  const Call &call_;
  Result &result_;
  ops::ExecOptions exec_;
};

using OpFn = void (*)(OpContext &);
struct OpEntry {
  const char *name;
  OpFn fn;
};

// Each area's table, defined in IoOps.cpp, TransformOps.cpp, ModelOps.cpp.
extern const std::vector<OpEntry> kIoOps, kTransformOps, kModelOps;

} // namespace mlpc::runtime::builtins
