// The TransformGraph file (binary protobuf), its checks and its schemas.
#include "runtime/ops/transform/Graph.h"
#include "runtime/ops/transform/Transform.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace mlpc::ops::transform {

pb::ColumnType toPb(DType type) {
  switch (type) {
  case DType::Int64:
    return pb::INT;
  case DType::Float64:
    return pb::FLOAT;
  case DType::String:
    return pb::STRING;
  case DType::Bool:
    return pb::BOOL;
  }
  return pb::COLUMN_TYPE_UNSPECIFIED;
}

pb::TableSchema toPb(const Schema &schema) {
  pb::TableSchema out;
  for (const Field &f : schema.fields) {
    pb::Field *p = out.add_fields();
    p->set_name(f.name);
    p->set_type(toPb(f.type));
    p->set_nullable(f.nullable);
  }
  return out;
}

DType fromPb(pb::ColumnType type, const std::string &source) {
  switch (type) {
  case pb::INT:
    return DType::Int64;
  case pb::FLOAT:
    return DType::Float64;
  case pb::STRING:
    return DType::String;
  case pb::BOOL:
    return DType::Bool;
  default:
    throw OpError(source + ": a schema field has no valid column type (" +
                  std::to_string(static_cast<int>(type)) + ")");
  }
}

Schema fromPb(const pb::TableSchema &schema, const std::string &source) {
  Schema out;
  for (const pb::Field &f : schema.fields())
    out.fields.push_back({f.name(), fromPb(f.type(), source), f.nullable()});
  return out;
}

void validateGraph(const pb::TransformGraph &g, const std::string &source) {
  if (g.format_version() != 1)
    throw OpError(source + " is not a TransformGraph this mlpc reads (format version " +
                  std::to_string(g.format_version()) + ", expected 1)");
  fromPb(g.input_schema(), source);
  fromPb(g.output_schema(), source);
  std::set<std::string> seen;
  for (const pb::ColumnTransform &t : g.transforms()) {
    const std::string where = source + ": the transform of column `" + t.column() + "`";
    if (t.column().empty() || !seen.insert(t.column()).second)
      throw OpError(source + ": a column is missing or transformed twice (`" + t.column() + "`)");
    switch (t.kind_case()) {
    case pb::ColumnTransform::kZScore:
      if (!(t.z_score().std_dev() >= 0))
        throw OpError(where + " has a negative or NaN std_dev");
      break;
    case pb::ColumnTransform::kScale01:
      break;
    case pb::ColumnTransform::kBucketize: {
      const auto &b = t.bucketize().boundaries();
      for (int i = 0; i < b.size(); ++i)
        if (std::isnan(b[i]) || (i > 0 && b[i] < b[i - 1]))
          throw OpError(where + " has bucket boundaries out of order");
      break;
    }
    case pb::ColumnTransform::kVocabulary:
      if (t.vocabulary().num_oov_buckets() < 0)
        throw OpError(where + " has a negative num_oov_buckets");
      break;
    case pb::ColumnTransform::kHash:
      if (t.hash().hash_buckets() <= 0)
        throw OpError(where + " has hash_buckets <= 0");
      break;
    case pb::ColumnTransform::KIND_NOT_SET:
      throw OpError(where + " has no kind (z_score, scale_0_1, ...)");
    }
  }
}

Schema outputSchema(const pb::TransformGraph &graph) {
  return fromPb(graph.output_schema(), "the transform");
}

void saveTransform(const pb::TransformGraph &graph, const std::string &path) {
  std::string bytes;
  if (!graph.SerializeToString(&bytes))
    throw OpError("cannot encode the transform for `" + path + "`");
  // Written beside the target and renamed over it, so a reader never sees
  // half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out)
      throw OpError("cannot write transform file `" + path + "`: " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw OpError("cannot write transform file `" + path + "`: " + why);
  }
}

pb::TransformGraph loadTransform(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw OpError("cannot read transform file `" + path + "`: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  pb::TransformGraph graph;
  if (!graph.ParseFromString(buf.str()))
    throw OpError("transform file `" + path +
                  "` is corrupt or not a TransformGraph (it does not decode)");
  validateGraph(graph, "transform file `" + path + "`");
  return graph;
}

} // namespace mlpc::ops::transform
