// std.io: CSV and TFRecord files, and model export.
#include "runtime/builtins/OpContext.h"
#include "runtime/ops/io/Csv.h"
#include "runtime/ops/io/TfRecord.h"
#include "runtime/ops/model/Model.h"
#include "runtime/ops/model/Onnx.h"

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace mlpc::runtime::builtins {
namespace {

char delimiterOf(const OpContext &ctx) {
  std::string d = ctx.has("delimiter") ? ctx.str("delimiter") : ",";
  if (d == "\\t")
    d = "\t";
  if (d.size() != 1)
    throw ops::OpError("`delimiter` must be one character, not \"" + d + "\"");
  return d[0];
}

void readCsv(OpContext &ctx) {
  std::string path = ctx.localPath(ctx.str("path"));
  ops::Table t = ops::io::readCsv(path, ctx.typeArg(0), delimiterOf(ctx));
  ctx.log("read {} rows from {}", t.rows, path);
  ctx.writeDataset("table", std::move(t));
}

// Copies a finished file or folder to a destination the user named, through
// a temporary name, so the destination is either the old or the new one.
void publish(const std::string &from, const std::string &destination) {
  fs::path to(destination), tmp = to;
  tmp += ".mlpc-tmp";
  std::error_code ec;
  if (to.has_parent_path())
    fs::create_directories(to.parent_path(), ec);
  fs::remove_all(tmp, ec);
  fs::copy(from, tmp, fs::copy_options::recursive, ec);
  if (ec)
    throw ops::OpError("cannot write `" + to.string() + "`: " + ec.message());
  if (fs::is_directory(to, ec) != fs::is_directory(tmp, ec))
    fs::remove_all(to, ec);
  else if (fs::is_directory(to, ec))
    fs::remove_all(to, ec);
  fs::rename(tmp, to, ec);
  if (ec)
    throw ops::OpError("cannot move the output into `" + to.string() + "`: " + ec.message());
}

void writeCsv(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  std::string out = ctx.outputPath("file");
  ops::io::writeCsv(t, out);
  std::string destination = ctx.localPath(ctx.str("destination"));
  publish(out, destination);
  ctx.log("wrote {} rows to {}", t.rows, destination);
}

void readTfRecord(OpContext &ctx) {
  std::string path = ctx.localPath(ctx.str("path"));
  std::string split = ctx.has("split") ? ctx.str("split") : "";
  ops::Table t = ops::io::readExamples(path, ctx.typeArg(0), split);
  ctx.log("read {} tf.Example records from {}", t.rows, path);
  ops::io::writeExamples({{split.empty() ? "train" : split, t}}, ctx.outputPath("examples"));
}

void writeTfRecord(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  std::string split = ctx.has("split") ? ctx.str("split") : "train";
  ops::io::writeExamples({{split, t}}, ctx.outputPath("examples"));
  ctx.log("wrote {} tf.Example records (split `{}`)", t.rows, split);
}

// The model folder: the mlpc model (protobuf), its ONNX form, and the
// destination recorded as TFX's Pusher records it.
void exportModel(OpContext &ctx) {
  std::string modelPath = ctx.inputPath("model");
  ops::pb::Model model = ops::model::loadModel(modelPath);
  std::string out = ctx.outputPath("pushed");
  fs::create_directories(out);
  fs::copy_file(modelPath, out + "/model.pb", fs::copy_options::overwrite_existing);
  std::ofstream(out + "/model.onnx", std::ios::binary) << ops::model::exportOnnx(model);
  std::string destination = ctx.localPath(ctx.str("destination"));
  publish(out, destination);
  ctx.log("exported the model to {} (model.pb, model.onnx)", destination);
  ir::MapValue meta;
  (*meta.mutable_fields())["pushed"].set_int_value(1);
  (*meta.mutable_fields())["pushed_destination"].set_string_value(destination);
  ctx.setMetadata("pushed", std::move(meta));
}

} // namespace

const std::vector<OpEntry> kIoOps = {
    {"io.read_csv", readCsv},           {"io.write_csv", writeCsv},
    {"io.read_tfrecord", readTfRecord}, {"io.write_tfrecord", writeTfRecord},
    {"io.export_model", exportModel},
};

} // namespace mlpc::runtime::builtins
