#include "runtime/executor/Cache.h"

#include "runtime/builtins/Builtins.h"

#include "runtime/executor/Values.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/JSON.h>
#include <llvm/Support/SHA256.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mlpc::runtime {
namespace {

// Protobuf's deterministic encoding, so equal messages hash equally.
std::string deterministicBytes(const google::protobuf::Message &m) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  return bytes;
}

void hashFile(const fs::path &p, llvm::SHA256 &h) {
  std::ifstream in(p, std::ios::binary);
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
    h.update(llvm::StringRef(buffer, static_cast<size_t>(in.gcount())));
}

std::string hex(llvm::StringRef digest) { return llvm::toHex(digest, /*LowerCase=*/true); }

} // namespace

std::string TaskCache::contentHash(const std::string &path) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = hashes_.find(path); it != hashes_.end())
      return it->second;
  }
  llvm::SHA256 h;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    // A folder artifact: its files' relative names and contents, in name order.
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
         it.increment(ec))
      if (it->is_regular_file(ec))
        files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const fs::path &f : files) {
      h.update(fs::relative(f, path, ec).string());
      h.update(llvm::StringRef("\0", 1));
      hashFile(f, h);
    }
  } else if (fs::exists(path, ec)) {
    hashFile(path, h);
  } else {
    h.update("remote:" + path); // an imported URI: identified by its name
  }
  std::string digest = hex(h.result());
  std::lock_guard<std::mutex> lock(mutex_);
  hashes_[path] = digest;
  return digest;
}

std::string TaskCache::key(const ir::Component &component, const ir::Task &task,
                           const std::map<std::string, Slot> &inputs,
                           const std::vector<std::string> &filesRead) {
  const ir::TaskOptions &options = task.options();
  ir::Component definition = component;
  definition.clear_location(); // editing another line must not invalidate the cache
  llvm::SHA256 h;
  h.update("mlpc-cache-v1\n");
  h.update(deterministicBytes(definition));
  std::map<std::string, std::string> env(options.env().begin(), options.env().end());
  for (const auto &[k, v] : env)
    h.update(fmt::format("env {}={}\n", k, v));
  for (const auto &[name, slot] : inputs) {
    if (!slot.present) {
      h.update(fmt::format("input {} absent\n", name));
    } else if (slot.isArtifact) {
      for (const Artifact &a : slot.artifacts)
        h.update(fmt::format("input {} artifact {}\n", name, contentHash(a.uri)));
    } else {
      h.update(fmt::format("input {} = {}\n", name, deterministicBytes(slot.value)));
    }
  }
  if (component.has_builtin()) {
    // The op's code is part of its definition: ops with new semantics recompute.
    h.update(fmt::format("ops {}\n", builtins::kOpsVersion));
    for (const ir::Schema &s : task.schema_args())
      h.update("schema " + deterministicBytes(s) + "\n");
    std::map<std::string, ir::Type> outputs(task.output_types().begin(), task.output_types().end());
    for (const auto &[name, type] : outputs)
      h.update(fmt::format("output {} {}\n", name, deterministicBytes(type)));
    for (const std::string &f : filesRead) {
      std::error_code ec;
      h.update(fmt::format("reads {} {}\n", f, fs::exists(f, ec) ? contentHash(f) : "absent"));
    }
  }
  return hex(h.result());
}

std::optional<std::map<std::string, Slot>> TaskCache::lookup(const std::string &key) const {
  std::ifstream in(fs::path(dir_) / (key + ".json"));
  if (!in)
    return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  llvm::Expected<llvm::json::Value> doc = llvm::json::parse(text.str());
  if (!doc) {
    llvm::consumeError(doc.takeError());
    return std::nullopt;
  }
  const llvm::json::Object *outputs =
      doc->getAsObject() ? doc->getAsObject()->getObject("outputs") : nullptr;
  if (!outputs)
    return std::nullopt;
  std::map<std::string, Slot> result;
  for (const auto &[name, entry] : *outputs) {
    const llvm::json::Object *o = entry.getAsObject();
    if (!o)
      return std::nullopt;
    Slot slot;
    slot.present = true;
    if (const llvm::json::Array *arts = o->getArray("artifacts")) {
      slot.isArtifact = true;
      for (const llvm::json::Value &a : *arts) {
        const llvm::json::Object *ao = a.getAsObject();
        if (!ao || !ao->getString("uri"))
          return std::nullopt;
        Artifact art;
        art.uri = ao->getString("uri")->str();
        art.type = ao->getString("type").getValueOr("").str();
        if (const llvm::json::Value *m = ao->get("metadata"))
          if (ir::Value mv = fromJson(*m); mv.has_map_value())
            art.metadata = mv.map_value();
        std::error_code ec;
        // A deleted output is a miss, not a broken run.
        if (art.uri.find("://") == std::string::npos && !fs::exists(art.uri, ec))
          return std::nullopt;
        slot.artifacts.push_back(std::move(art));
      }
    } else if (const llvm::json::Value *v = o->get("value")) {
      slot.value = fromJson(*v);
      // JSON cannot tell 2.0 from 2: the type is kept next to the value.
      if (o->getString("kind") == llvm::Optional<llvm::StringRef>("float") &&
          slot.value.has_int_value())
        slot.value.set_float_value(static_cast<double>(slot.value.int_value()));
    }
    result[name.str()] = std::move(slot);
  }
  return result;
}

void TaskCache::store(const std::string &key, const std::map<std::string, Slot> &outputs,
                      const std::string &runId, const std::string &taskPath) const {
  llvm::json::Object out;
  for (const auto &[name, slot] : outputs) {
    if (slot.isArtifact) {
      llvm::json::Array arts;
      for (const Artifact &a : slot.artifacts) {
        ir::Value meta;
        *meta.mutable_map_value() = a.metadata;
        arts.push_back(
            llvm::json::Object{{"uri", a.uri}, {"type", a.type}, {"metadata", toJson(meta)}});
      }
      out[name] = llvm::json::Object{{"artifacts", std::move(arts)}};
    } else {
      out[name] = llvm::json::Object{{"value", toJson(slot.value)},
                                     {"kind", slot.value.has_float_value() ? "float" : "other"}};
    }
  }
  llvm::json::Value doc =
      llvm::json::Object{{"outputs", std::move(out)}, {"run", runId}, {"task", taskPath}};
  std::error_code ec;
  fs::create_directories(dir_, ec);
  fs::path final = fs::path(dir_) / (key + ".json");
  fs::path tmp = final;
  // Unique per process and call: two runs on one root may store the same key at once.
  static std::atomic<unsigned> counter{0};
  tmp += fmt::format(".tmp{}-{}", getpid(), counter++);
  {
    std::ofstream f(tmp, std::ios::binary);
    std::string text;
    llvm::raw_string_ostream os(text);
    os << doc;
    f << os.str();
  }
  fs::rename(tmp, final, ec);
}

} // namespace mlpc::runtime
