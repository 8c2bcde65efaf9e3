#include "runtime/builtins/Builtins.h"

#include "runtime/builtins/OpContext.h"
#include "runtime/executor/Values.h"
#include "runtime/ops/gpu/Device.h"
#include "runtime/ops/io/Csv.h"
#include "runtime/ops/io/TfRecord.h"

#include <llvm/Support/JSON.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace mlpc::runtime::builtins {
namespace {

const OpEntry *findOp(const std::string &op) {
  for (const std::vector<OpEntry> *table : {&kIoOps, &kTransformOps, &kModelOps})
    for (const OpEntry &e : *table)
      if (op == e.name)
        return &e;
  return nullptr;
}

ops::DType toDType(ir::ScalarKind k) {
  switch (k) {
  case ir::INT:
    return ops::DType::Int64;
  case ir::STRING:
    return ops::DType::String;
  case ir::BOOL:
    return ops::DType::Bool;
  default:
    return ops::DType::Float64;
  }
}

std::string schemaText(const ops::Schema &s) {
  std::string out;
  for (const ops::Field &f : s.fields)
    out += fmt::format("{}{}: {}{}", out.empty() ? "" : ", ", f.name, ops::dtypeName(f.type),
                       f.nullable ? "?" : "");
  return "{" + out + "}";
}

} // namespace

ops::Schema toOpsSchema(const ir::Schema &schema) {
  ops::Schema s;
  for (const ir::Column &c : schema.columns())
    s.fields.push_back({c.name(), toDType(c.type()), c.optional()});
  return s;
}

bool known(const std::string &op) { return findOp(op) != nullptr; }

std::vector<std::string> knownOps() {
  std::vector<std::string> names;
  for (const std::vector<OpEntry> *table : {&kIoOps, &kTransformOps, &kModelOps})
    for (const OpEntry &e : *table)
      names.push_back(e.name);
  return names;
}

std::vector<std::string> filesRead(const ir::Component &component,
                                   const std::map<std::string, Input> &inputs,
                                   const std::string &workDir) {
  const std::string &op = component.builtin().op();
  if (op != "io.read_csv" && op != "io.read_tfrecord")
    return {};
  auto it = inputs.find("path");
  if (it == inputs.end() || !it->second.present || !it->second.value.has_string_value())
    return {};
  std::string path = it->second.value.string_value();
  if (path.rfind("file://", 0) == 0)
    path = path.substr(7);
  if (fs::path(path).is_relative() && !workDir.empty())
    path = (fs::path(workDir) / path).string();
  return {path};
}

Result run(const Call &call) {
  const std::string &op = call.component->builtin().op();
  const OpEntry *entry = findOp(op);
  if (!entry)
    throw ops::OpError("built-in op `" + op + "` is not implemented by this runtime");
  Result result;
  OpContext ctx(call, result);
  entry->fn(ctx);
  return result;
}

// ---- OpContext ---------------------------------------------------------------

OpContext::OpContext(const Call &call, Result &result) : call_(call), result_(result) {
  exec_.canceled = call.canceled;
  if (call.wantsGpu) {
    std::string why;
    exec_.useGpu = ops::gpu::available(&why);
    exec_.gpuDevice = call.gpuDevice < 0 ? 0 : call.gpuDevice;
    if (call.log)
      call.log(exec_.useGpu
                   ? fmt::format("device: GPU {} ({})", exec_.gpuDevice, ops::gpu::deviceName())
                   : "device: CPU (the task asks for a GPU, but " + why + ")");
  } else if (call.log) {
    call.log("device: CPU");
  }
}

const Input &OpContext::input(const std::string &name) const {
  static const Input absent;
  auto it = call_.inputs.find(name);
  return it == call_.inputs.end() ? absent : it->second;
}

bool OpContext::has(const std::string &name) const { return input(name).present; }

namespace {
[[noreturn]] void missing(const std::string &name) {
  throw ops::OpError("input `" + name + "` has no value");
}
} // namespace

std::string OpContext::str(const std::string &name) const {
  const Input &in = input(name);
  if (!in.present)
    missing(name);
  return in.value.has_string_value() ? in.value.string_value() : valueText(in.value);
}

int64_t OpContext::integer(const std::string &name) const {
  const Input &in = input(name);
  if (!in.present)
    missing(name);
  if (in.value.has_int_value())
    return in.value.int_value();
  throw ops::OpError("input `" + name + "` is not an integer: " + valueText(in.value));
}

double OpContext::number(const std::string &name) const {
  const Input &in = input(name);
  if (!in.present)
    missing(name);
  if (in.value.has_float_value())
    return in.value.float_value();
  if (in.value.has_int_value())
    return static_cast<double>(in.value.int_value());
  throw ops::OpError("input `" + name + "` is not a number: " + valueText(in.value));
}

std::vector<std::string> OpContext::strings(const std::string &name) const {
  const Input &in = input(name);
  std::vector<std::string> out;
  if (!in.present)
    return out;
  if (!in.value.has_list_value())
    throw ops::OpError("input `" + name + "` is not a list: " + valueText(in.value));
  for (const ir::Value &v : in.value.list_value().values())
    out.push_back(v.has_string_value() ? v.string_value() : valueText(v));
  return out;
}

std::vector<int64_t> OpContext::integers(const std::string &name) const {
  const Input &in = input(name);
  std::vector<int64_t> out;
  if (!in.present)
    return out;
  if (!in.value.has_list_value())
    throw ops::OpError("input `" + name + "` is not a list: " + valueText(in.value));
  for (const ir::Value &v : in.value.list_value().values()) {
    if (!v.has_int_value())
      throw ops::OpError("input `" + name +
                         "` holds a value that is not an integer: " + valueText(v));
    out.push_back(v.int_value());
  }
  return out;
}

std::string OpContext::inputPath(const std::string &name) const {
  const Input &in = input(name);
  if (!in.present || in.paths.empty())
    throw ops::OpError("input artifact `" + name + "` has no value");
  return in.paths.front();
}

std::string OpContext::outputPath(const std::string &name) const {
  auto it = call_.outputPaths.find(name);
  if (it == call_.outputPaths.end())
    throw ops::OpError("internal error: no path for output `" + name + "`");
  return it->second;
}

std::string OpContext::localPath(const std::string &value) const {
  std::string path = value.rfind("file://", 0) == 0 ? value.substr(7) : value;
  if (path.find("://") != std::string::npos)
    throw ops::OpError("`" + value + "` is a remote URI; the native runtime reads local files " +
                       "(use a path or a file:// URI)");
  if (fs::path(path).is_relative() && !call_.workDir.empty())
    path = (fs::path(call_.workDir) / path).lexically_normal().string();
  return path;
}

const ir::Parameter &OpContext::param(const std::string &name, bool output) const {
  const ir::Interface &iface = call_.component->interface();
  for (const ir::Parameter &p : output ? iface.outputs() : iface.inputs())
    if (p.name() == name)
      return p;
  throw ops::OpError("internal error: `" + call_.component->name() + "` has no " +
                     (output ? "output" : "input") + " `" + name + "`");
}

ops::Schema OpContext::typeArg(size_t index) const {
  if (!call_.task || static_cast<int>(index) >= call_.task->schema_args_size())
    throw ops::OpError("internal error: the task binds no schema for type parameter " +
                       std::to_string(index));
  return toOpsSchema(call_.task->schema_args(static_cast<int>(index)));
}

ops::Schema OpContext::inputSchema(const std::string &name) const {
  const ir::Schema &declared = param(name, false).type().artifact().schema();
  if (!declared.param().empty()) {
    const auto &params = call_.component->interface().type_params();
    for (int i = 0; i < params.size(); ++i)
      if (params[i] == declared.param())
        return typeArg(static_cast<size_t>(i));
  }
  if (!declared.any())
    return toOpsSchema(declared);
  throw ops::OpError("the schema of input `" + name + "` is not known");
}

ops::Schema OpContext::outputSchema(const std::string &name) const {
  if (call_.task)
    if (auto it = call_.task->output_types().find(name); it != call_.task->output_types().end())
      return toOpsSchema(it->second.artifact().schema());
  const ir::Schema &declared = param(name, true).type().artifact().schema();
  if (declared.param().empty() && !declared.any())
    return toOpsSchema(declared);
  throw ops::OpError("internal error: the task does not type its output `" + name + "`");
}

ops::Table OpContext::readDataset(const std::string &name) const {
  // An Examples artifact (a Dataset subtype) is a folder of TFRecord files.
  std::string path = inputPath(name);
  std::error_code ec;
  if (input(name).type == "Examples" || fs::is_directory(path, ec))
    return ops::io::readExamples(path, inputSchema(name));
  return ops::io::readCsv(path, inputSchema(name));
}

void OpContext::writeDataset(const std::string &name, ops::Table table) {
  // The compiler typed every later step against this schema: an op that
  // produced anything else is a bug in the op, not in the pipeline.
  ops::Schema want = outputSchema(name), have = table.schema();
  for (const ops::Field &f : want.fields) {
    int i = have.indexOf(f.name);
    if (i < 0 || have.fields[i].type != f.type)
      throw ops::OpError("internal error: output `" + name + "` should have the schema " +
                         schemaText(want) + " but the op produced " + schemaText(have));
  }
  ops::Table ordered;
  ordered.rows = table.rows;
  for (const ops::Field &f : want.fields) {
    ops::Column c = std::move(*table.find(f.name)); // each name once: moved from once
    c.nullable = f.nullable || c.hasMissing();
    ordered.columns.push_back(std::move(c));
  }
  ops::io::writeCsv(ordered, outputPath(name));
  log("{}: {} rows, {} columns", name, table.rows, ordered.columns.size());
}

void OpContext::setMetadataJson(const std::string &name, const std::string &json) {
  llvm::Expected<llvm::json::Value> doc = llvm::json::parse(json);
  if (!doc)
    throw ops::OpError("internal error: metadata of `" + name +
                       "` is not JSON: " + llvm::toString(doc.takeError()));
  ir::Value v = fromJson(*doc);
  if (v.has_map_value())
    result_.metadata[name] = v.map_value();
}

void OpContext::checkCanceled() const {
  if (canceled())
    throw ops::OpError("canceled");
}

} // namespace mlpc::runtime::builtins
