// apply: the mappers. Scaled columns are mapped together (one GPU launch
// when the GPU is used); the others column by column on the CPU.
#include "runtime/ops/transform/FarmHash.h"
#include "runtime/ops/transform/FitApply.h"
#include "runtime/ops/transform/Graph.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace mlpc::ops::transform {

namespace {

// An int column shaped like `in`: same rows, same missing values.
Column indexColumn(const Column &in) {
  Column out(in.name, DType::Int64, in.nullable);
  out.ints.assign(in.size(), 0);
  out.valid = in.valid;
  return out;
}

Column bucketColumn(const Column &in, const pb::Buckets &b) {
  NumericColumn x = numericColumn(in, "bucketize");
  const std::vector<double> bounds(b.boundaries().begin(), b.boundaries().end());
  const int64_t last = static_cast<int64_t>(bounds.size());
  Column out = indexColumn(in);
  for (size_t r = 0; r < x.rows; ++r) {
    if (!in.isValid(r))
      continue;
    const double v = x.values[r];
    // The first boundary greater than v; NaN goes to the last bucket.
    out.ints[r] = std::isnan(v)
                      ? last
                      : static_cast<int64_t>(std::upper_bound(bounds.begin(), bounds.end(), v) -
                                             bounds.begin());
  }
  return out;
}

void checkTokens(const Column &in, const char *what) {
  if (in.type != DType::String && in.type != DType::Int64)
    throw OpError(std::string(what) + ": column `" + in.name + "` is " + dtypeName(in.type) +
                  "; it needs a string or int column");
}

Column vocabularyColumn(const Column &in, const pb::Vocabulary &v) {
  checkTokens(in, "vocabulary");
  std::unordered_map<std::string, int64_t> index;
  index.reserve(static_cast<size_t>(v.values_size()));
  for (int i = 0; i < v.values_size(); ++i)
    index.emplace(v.values(i), i);
  const int64_t size = v.values_size(), oov = v.num_oov_buckets();
  Column out = indexColumn(in);
  for (size_t r = 0; r < in.size(); ++r) {
    if (!in.isValid(r))
      continue;
    const std::string token = tokenText(in, r);
    auto it = index.find(token);
    if (it != index.end())
      out.ints[r] = it->second;
    else
      out.ints[r] = oov > 0 ? size + hashBucket(token, oov) : v.default_value();
  }
  return out;
}

Column hashColumn(const Column &in, int64_t buckets) {
  checkTokens(in, "hash");
  Column out = indexColumn(in);
  for (size_t r = 0; r < in.size(); ++r)
    if (in.isValid(r))
      out.ints[r] = in.type == DType::String ? hashBucket(in.strings[r], buckets)
                                             : hashBucket(std::to_string(in.ints[r]), buckets);
  return out;
}

} // namespace

Table applyWith(const Table &t, Table *owned, const pb::TransformGraph &graph,
                const ExecOptions &exec, DeviceCache *cache) {
  validateGraph(graph, "the transform");
  std::unordered_map<std::string, const pb::ColumnTransform *> byColumn;
  for (const pb::ColumnTransform &tr : graph.transforms())
    byColumn.emplace(tr.column(), &tr);

  Table out;
  out.rows = t.rows;
  out.columns.reserve(t.columns.size());
  std::vector<NumericColumn> scaled;
  std::vector<gpu::ColumnMap> maps;
  std::vector<std::vector<double>> mapped; // empty, or the owned input to map in place
  std::vector<size_t> scaledAt;            // their index in `out`
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const Column &c = t.columns[i];
    auto it = byColumn.find(c.name);
    if (it == byColumn.end()) {
      if (owned)
        out.columns.push_back(std::move(owned->columns[i]));
      else
        out.columns.push_back(c);
      continue;
    }
    const pb::ColumnTransform &tr = *it->second;
    switch (tr.kind_case()) {
    case pb::ColumnTransform::kZScore:
    case pb::ColumnTransform::kScale01: {
      const bool z = tr.has_z_score();
      // `x` points at the input's buffers; moving a vector keeps its buffer,
      // so it still reads them after they move into the output.
      scaled.push_back(numericColumn(c, z ? "z_score" : "scale_0_1"));
      Column o(c.name, DType::Float64, c.nullable);
      mapped.emplace_back();
      if (owned) {
        o.valid = std::move(owned->columns[i].valid);
        if (c.type == DType::Float64)
          mapped.back() = std::move(owned->columns[i].floats); // mapped in place
      } else {
        o.valid = c.valid;
      }
      maps.push_back(z ? zScoreMap(tr.z_score().mean(), tr.z_score().std_dev())
                       : minMaxMap(tr.scale_0_1().min(), tr.scale_0_1().max()));
      scaledAt.push_back(out.columns.size());
      out.columns.push_back(std::move(o));
      break;
    }
    case pb::ColumnTransform::kBucketize:
      out.columns.push_back(bucketColumn(c, tr.bucketize()));
      break;
    case pb::ColumnTransform::kVocabulary:
      out.columns.push_back(vocabularyColumn(c, tr.vocabulary()));
      break;
    case pb::ColumnTransform::kHash:
      out.columns.push_back(hashColumn(c, tr.hash().hash_buckets()));
      break;
    case pb::ColumnTransform::KIND_NOT_SET:
      break; // validateGraph rejected it
    }
  }
  mapColumns(scaled, maps, mapped, exec, cache);
  for (size_t k = 0; k < scaledAt.size(); ++k)
    out.columns[scaledAt[k]].floats = std::move(mapped[k]);
  return out;
}

Table apply(const Table &t, const pb::TransformGraph &graph, const ExecOptions &exec) {
  return applyWith(t, nullptr, graph, exec, nullptr);
}

Table apply(Table &&t, const pb::TransformGraph &graph, const ExecOptions &exec) {
  return applyWith(t, &t, graph, exec, nullptr);
}

} // namespace mlpc::ops::transform
