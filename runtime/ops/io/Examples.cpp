// Tables as tf.Example records, and TFX's Examples folder layout.
#include "runtime/ops/io/FileIo.h"
#include "runtime/ops/io/TfRecord.h"
#include "runtime/ops/io/TfRecordReader.h"
#include "runtime/ops/io/example.pb.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <climits>
#include <filesystem>

namespace mlpc::ops::io {

namespace fs = std::filesystem;

namespace {

constexpr const char *kShardName = "data_tfrecord-00000-of-00001.gz";

// Sets the feature's list to the row's value (empty when missing).
void setFeature(tf::Feature &f, const Column &c, size_t row) {
  bool present = c.isValid(row);
  switch (c.type) {
  case DType::Int64: {
    auto *list = f.mutable_int64_list();
    list->clear_value();
    if (present)
      list->add_value(c.ints[row]);
    break;
  }
  case DType::Float64: {
    auto *list = f.mutable_float_list();
    list->clear_value();
    if (present)
      list->add_value(static_cast<float>(c.floats[row])); // float_list is float32
    break;
  }
  case DType::String: {
    auto *list = f.mutable_bytes_list();
    list->clear_value();
    if (present)
      list->add_value(c.strings[row]);
    break;
  }
  case DType::Bool: {
    auto *list = f.mutable_int64_list();
    list->clear_value();
    if (present)
      list->add_value(c.bools[row] ? 1 : 0);
    break;
  }
  }
}

// One tf.Example reused for every row: its features are created once and
// only their values change, so a row costs no map insertions.
class ExampleEncoder {
public:
  explicit ExampleEncoder(const Table &t) : table_(t) {
    auto &map = *example_.mutable_features()->mutable_feature();
    for (const Column &c : t.columns) {
      if (c.size() != t.rows || (!c.valid.empty() && c.valid.size() != t.rows))
        throw OpError("column `" + c.name + "` has " + std::to_string(c.size()) +
                      " values but the table has " + std::to_string(t.rows) + " rows");
      if (map.count(c.name))
        throw OpError("two columns are named `" + c.name + "`; tf.Example features need " +
                      "distinct names");
      features_.push_back(&map[c.name]); // map values keep their address
    }
  }

  // The row's serialized tf.Example, valid until the next call.
  const std::string &encode(size_t row) {
    for (size_t i = 0; i < features_.size(); ++i)
      setFeature(*features_[i], table_.columns[i], row);
    bytes_.clear();
    google::protobuf::io::StringOutputStream stream(&bytes_);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true); // map entries sorted by key
    example_.SerializeToCodedStream(&coded);
    coded.Trim();
    return bytes_;
  }

private:
  const Table &table_;
  tf::Example example_;
  std::vector<tf::Feature *> features_;
  std::string bytes_;
};

// "a bytes_list", "a float_list", "an int64_list".
const char *kindName(tf::Feature::KindCase k) {
  switch (k) {
  case tf::Feature::kBytesList:
    return "a bytes_list";
  case tf::Feature::kFloatList:
    return "a float_list";
  case tf::Feature::kInt64List:
    return "an int64_list";
  case tf::Feature::KIND_NOT_SET:
    break;
  }
  return "no list";
}

tf::Feature::KindCase kindOf(DType t) {
  switch (t) {
  case DType::Int64:
  case DType::Bool:
    return tf::Feature::kInt64List;
  case DType::Float64:
    return tf::Feature::kFloatList;
  case DType::String:
    return tf::Feature::kBytesList;
  }
  return tf::Feature::KIND_NOT_SET;
}

int listSize(const tf::Feature &f) {
  switch (f.kind_case()) {
  case tf::Feature::kBytesList:
    return f.bytes_list().value_size();
  case tf::Feature::kFloatList:
    return f.float_list().value_size();
  case tf::Feature::kInt64List:
    return f.int64_list().value_size();
  case tf::Feature::KIND_NOT_SET:
    break;
  }
  return 0;
}

// Appends one record's features to the table's columns.
class ExampleDecoder {
public:
  explicit ExampleDecoder(Table &t) : table_(t), arena_(arenaOptions(block_)) {}

  void decode(std::string_view record, const TfRecordReader &reader) {
    // Each record's messages live in the arena, freed all at once: a
    // parse makes no heap allocations once the arena has grown to size.
    arena_.Reset();
    auto *example = google::protobuf::Arena::CreateMessage<tf::Example>(&arena_);
    if (record.size() > static_cast<size_t>(INT_MAX) ||
        !example->ParseFromArray(record.data(), static_cast<int>(record.size())))
      throw OpError(here(reader) + ": the record is not a tf.Example");
    const auto &features = example->features().feature();
    for (Column &c : table_.columns) {
      auto it = features.find(c.name);
      if (it == features.end() || listSize(it->second) == 0) {
        if (!c.nullable)
          throw OpError(here(reader) + ": feature `" + c.name +
                        (it == features.end() ? "` is absent" : "` is an empty list") +
                        ", but column `" + c.name + "` is not optional; declare it optional " +
                        "(e.g. `" + dtypeName(c.type) + "?`) to allow missing values");
        c.appendMissing();
        continue;
      }
      append(c, it->second, reader);
    }
    ++table_.rows;
  }

private:
  std::string here(const TfRecordReader &reader) const {
    return reader.where(reader.index(), reader.offset());
  }

  void append(Column &c, const tf::Feature &f, const TfRecordReader &reader) {
    if (f.kind_case() != kindOf(c.type))
      throw OpError(here(reader) + ": feature `" + c.name + "` is " + kindName(f.kind_case()) +
                    ", but column `" + c.name + "` is " + dtypeName(c.type) + ", read from " +
                    kindName(kindOf(c.type)));
    if (int n = listSize(f); n != 1)
      throw OpError(here(reader) + ": feature `" + c.name + "` holds " + std::to_string(n) +
                    " values; a column holds one value per row");
    switch (c.type) {
    case DType::Int64:
      c.ints.push_back(f.int64_list().value(0));
      break;
    case DType::Float64:
      c.floats.push_back(f.float_list().value(0));
      break;
    case DType::String:
      c.strings.push_back(f.bytes_list().value(0));
      break;
    case DType::Bool: {
      int64_t v = f.int64_list().value(0);
      if (v != 0 && v != 1)
        throw OpError(here(reader) + ": feature `" + c.name + "` holds " + std::to_string(v) +
                      ", but column `" + c.name + "` is bool (0 or 1)");
      c.bools.push_back(static_cast<uint8_t>(v));
      break;
    }
    }
    if (!c.valid.empty())
      c.valid.push_back(1);
  }

  static google::protobuf::ArenaOptions arenaOptions(std::vector<char> &block) {
    block.resize(1 << 16);
    google::protobuf::ArenaOptions o;
    o.initial_block = block.data();
    o.initial_block_size = block.size();
    return o;
  }

  Table &table_;
  std::vector<char> block_;
  google::protobuf::Arena arena_;
};

// The data files of one folder, in name order.
std::vector<fs::path> recordFiles(const fs::path &dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    // Hidden files, `_SUCCESS`-style markers and unfinished temporary files.
    if (name.empty() || name[0] == '.' || name[0] == '_' || name.find(".tmp-") != std::string::npos)
      continue;
    if (e.is_regular_file())
      files.push_back(e.path());
  }
  if (ec)
    throw OpError("cannot list the folder `" + dir.string() + "`: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> splitFolders(const fs::path &dir) {
  std::vector<fs::path> splits;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && e.path().filename().string().rfind("Split-", 0) == 0)
      splits.push_back(e.path());
  if (ec)
    throw OpError("cannot list the folder `" + dir.string() + "`: " + ec.message());
  std::sort(splits.begin(), splits.end());
  return splits;
}

std::vector<fs::path> filesToRead(const std::string &pathOrDir, const std::string &split) {
  std::error_code ec;
  fs::file_status st = fs::status(pathOrDir, ec);
  if (fs::is_regular_file(st)) {
    if (!split.empty())
      throw OpError("`" + pathOrDir + "` is a file, so it has no split `" + split +
                    "`; give the Examples folder to read a split");
    return {pathOrDir};
  }
  if (!fs::is_directory(st))
    throw OpError("no file or folder `" + pathOrDir + "`");
  std::vector<fs::path> splits = splitFolders(pathOrDir);
  std::vector<fs::path> files;
  if (!split.empty()) {
    fs::path dir = fs::path(pathOrDir) / ("Split-" + split);
    if (!fs::is_directory(dir)) {
      std::string have;
      for (const fs::path &s : splits)
        have += (have.empty() ? "" : ", ") + s.filename().string().substr(6);
      throw OpError("no split `" + split + "` in `" + pathOrDir + "` (" +
                    (have.empty() ? "it has no Split-* folders" : "its splits: " + have) + ")");
    }
    files = recordFiles(dir);
  } else if (!splits.empty()) {
    for (const fs::path &s : splits)
      for (fs::path &f : recordFiles(s))
        files.push_back(std::move(f));
  } else {
    files = recordFiles(pathOrDir);
  }
  if (files.empty())
    throw OpError("no TFRecord files in `" + pathOrDir + "`" +
                  (split.empty() ? "" : " for split `" + split + "`"));
  return files;
}

void checkSplitName(const std::string &name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of(std::string("/\\\0", 3)) != std::string::npos)
    throw OpError("invalid split name `" + name + "`: use a plain name such as `train`");
}

} // namespace

std::vector<std::string> encodeExamples(const Table &t) {
  ExampleEncoder encoder(t);
  std::vector<std::string> records;
  records.reserve(t.rows);
  for (size_t r = 0; r < t.rows; ++r)
    records.push_back(encoder.encode(r));
  return records;
}

void writeExamples(const std::map<std::string, Table> &splits, const std::string &dir) {
  for (const auto &[name, table] : splits)
    checkSplitName(name);
  for (const auto &[name, table] : splits) {
    ExampleEncoder encoder(table);
    fs::path folder = fs::path(dir) / ("Split-" + name);
    makeDirectories(folder.string());
    TfRecordWriter writer((folder / kShardName).string(), true);
    for (size_t r = 0; r < table.rows; ++r)
      writer.write(encoder.encode(r));
    writer.close();
  }
}

Table readExamples(const std::string &pathOrDir, const Schema &schema, const std::string &split) {
  Table table = Table::empty(schema);
  ExampleDecoder decoder(table);
  for (const fs::path &file : filesToRead(pathOrDir, split)) {
    TfRecordReader reader(file.string());
    std::string_view record;
    while (reader.next(record))
      decoder.decode(record, reader);
  }
  return table;
}

} // namespace mlpc::ops::io
