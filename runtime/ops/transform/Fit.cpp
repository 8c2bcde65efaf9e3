// fit: one analyzer per listed column, and the one-step ops.
#include "runtime/ops/transform/FitApply.h"
#include "runtime/ops/transform/Graph.h"

#include <cmath>
#include <map>

namespace mlpc::ops::transform {

namespace {

enum class Kind { ZScore, Scale01, Bucketize, Vocabulary, Hash };

const char *kindName(Kind k) {
  switch (k) {
  case Kind::ZScore:
    return "z_score";
  case Kind::Scale01:
    return "scale_0_1";
  case Kind::Bucketize:
    return "bucketize";
  case Kind::Vocabulary:
    return "vocabulary";
  case Kind::Hash:
    return "hash";
  }
  return "?";
}

bool isScaling(Kind k) { return k == Kind::ZScore || k == Kind::Scale01; }

// What each column is to get; every name exists and is listed once.
std::map<std::string, Kind> requests(const Table &t, const FitSpec &spec) {
  std::map<std::string, Kind> out;
  auto add = [&](const std::vector<std::string> &names, Kind kind) {
    for (const std::string &name : names) {
      t.at(name);
      auto [it, fresh] = out.emplace(name, kind);
      if (!fresh)
        throw OpError("column `" + name + "` is listed under both `" + kindName(it->second) +
                      "` and `" + kindName(kind) + "`; a column takes one transform");
    }
  };
  add(spec.zScore, Kind::ZScore);
  add(spec.scale01, Kind::Scale01);
  add(spec.bucketize, Kind::Bucketize);
  add(spec.vocabulary, Kind::Vocabulary);
  add(spec.hash, Kind::Hash);
  return out;
}

void checkParameters(const FitSpec &spec) {
  if (!spec.bucketize.empty() && spec.numBuckets < 2)
    throw OpError("num_buckets must be at least 2, not " + std::to_string(spec.numBuckets));
  if (!spec.vocabulary.empty() && spec.numOovBuckets < 0)
    throw OpError("num_oov_buckets must not be negative, not " +
                  std::to_string(spec.numOovBuckets));
  if (!spec.hash.empty() && spec.hashBuckets < 1)
    throw OpError("hash_buckets must be at least 1, not " + std::to_string(spec.hashBuckets));
}

DType outputType(Kind k) { return isScaling(k) ? DType::Float64 : DType::Int64; }

pb::Buckets fitBuckets(const Column &col, int64_t numBuckets) {
  NumericColumn n = numericColumn(col, "bucketize");
  std::vector<double> values;
  values.reserve(n.rows);
  for (size_t r = 0; r < n.rows; ++r)
    if ((!n.valid || n.valid[r]) && !std::isnan(n.values[r]))
      values.push_back(n.values[r]);
  pb::Buckets b;
  // TFT keeps boundaries as float32: a value at a boundary that float32
  // rounds up lands one bucket lower, there and here alike.
  for (double v : quantileBoundaries(std::move(values), numBuckets))
    b.add_boundaries(static_cast<double>(static_cast<float>(v)));
  b.set_num_buckets(numBuckets);
  return b;
}

pb::Vocabulary fitVocabulary(const Column &col, int64_t numOovBuckets) {
  pb::Vocabulary v;
  for (Token &token : vocabularyOf(col)) {
    v.add_values(std::move(token.value));
    v.add_counts(token.count);
  }
  v.set_num_oov_buckets(numOovBuckets);
  v.set_default_value(-1);
  return v;
}

void checkHashable(const Column &col) {
  if (col.type != DType::String && col.type != DType::Int64)
    throw OpError(std::string("hash: column `") + col.name + "` is " + dtypeName(col.type) +
                  "; hashing needs a string or int column");
}

Table fitApply(const Table &t, Table *owned, const FitSpec &spec, const ExecOptions &exec) {
  DeviceCachePtr cache;
  pb::TransformGraph graph = fitWith(t, spec, exec, &cache);
  return applyWith(t, owned, graph, exec, cache.get());
}

FitSpec scalingSpec(const std::vector<std::string> &columns, bool zScore) {
  FitSpec spec;
  (zScore ? spec.zScore : spec.scale01) = columns;
  return spec;
}

FitSpec bucketSpec(const std::vector<std::string> &columns, int64_t numBuckets) {
  FitSpec spec;
  spec.bucketize = columns;
  spec.numBuckets = numBuckets;
  return spec;
}

FitSpec vocabularySpec(const std::vector<std::string> &columns, int64_t numOovBuckets) {
  FitSpec spec;
  spec.vocabulary = columns;
  spec.numOovBuckets = numOovBuckets;
  return spec;
}

FitSpec hashSpec(const std::vector<std::string> &columns, int64_t hashBuckets) {
  FitSpec spec;
  spec.hash = columns;
  spec.hashBuckets = hashBuckets;
  return spec;
}

} // namespace

pb::TransformGraph fitWith(const Table &t, const FitSpec &spec, const ExecOptions &exec,
                           DeviceCachePtr *keep) {
  checkParameters(spec);
  const std::map<std::string, Kind> wanted = requests(t, spec);

  // The scaled columns' moments in one batch, in table order.
  std::vector<NumericColumn> scaled;
  for (const Column &c : t.columns) {
    auto it = wanted.find(c.name);
    if (it != wanted.end() && isScaling(it->second))
      scaled.push_back(numericColumn(c, kindName(it->second)));
  }
  const std::vector<Moments> moments = columnMoments(scaled, exec, keep);

  pb::TransformGraph graph;
  graph.set_format_version(1);
  *graph.mutable_input_schema() = toPb(t.schema());
  graph.set_fitted_rows(static_cast<int64_t>(t.rows));
  Schema out = t.schema();
  size_t next = 0;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const Column &c = t.columns[i];
    auto it = wanted.find(c.name);
    if (it == wanted.end())
      continue;
    pb::ColumnTransform *tr = graph.add_transforms();
    tr->set_column(c.name);
    switch (it->second) {
    case Kind::ZScore: {
      const Moments &m = moments[next++];
      pb::ZScore *z = tr->mutable_z_score();
      z->set_mean(m.mean);
      z->set_std_dev(std::sqrt(m.variance));
      z->set_count(m.count);
      break;
    }
    case Kind::Scale01: {
      const Moments &m = moments[next++];
      tr->mutable_scale_0_1()->set_min(m.min);
      tr->mutable_scale_0_1()->set_max(m.max);
      break;
    }
    case Kind::Bucketize:
      *tr->mutable_bucketize() = fitBuckets(c, spec.numBuckets);
      break;
    case Kind::Vocabulary:
      *tr->mutable_vocabulary() = fitVocabulary(c, spec.numOovBuckets);
      break;
    case Kind::Hash:
      checkHashable(c);
      tr->mutable_hash()->set_hash_buckets(spec.hashBuckets);
      break;
    }
    out.fields[i].type = outputType(it->second);
  }
  *graph.mutable_output_schema() = toPb(out);
  return graph;
}

pb::TransformGraph fit(const Table &t, const FitSpec &spec, const ExecOptions &exec) {
  return fitWith(t, spec, exec, nullptr);
}

Table scaleToZScore(const Table &t, const std::vector<std::string> &columns,
                    const ExecOptions &exec) {
  return fitApply(t, nullptr, scalingSpec(columns, true), exec);
}

Table scaleToZScore(Table &&t, const std::vector<std::string> &columns, const ExecOptions &exec) {
  return fitApply(t, &t, scalingSpec(columns, true), exec);
}

Table scaleTo01(const Table &t, const std::vector<std::string> &columns, const ExecOptions &exec) {
  return fitApply(t, nullptr, scalingSpec(columns, false), exec);
}

Table scaleTo01(Table &&t, const std::vector<std::string> &columns, const ExecOptions &exec) {
  return fitApply(t, &t, scalingSpec(columns, false), exec);
}

Table bucketize(const Table &t, const std::vector<std::string> &columns, int64_t numBuckets,
                const ExecOptions &exec) {
  return fitApply(t, nullptr, bucketSpec(columns, numBuckets), exec);
}

Table bucketize(Table &&t, const std::vector<std::string> &columns, int64_t numBuckets,
                const ExecOptions &exec) {
  return fitApply(t, &t, bucketSpec(columns, numBuckets), exec);
}

Table computeAndApplyVocabulary(const Table &t, const std::vector<std::string> &columns,
                                int64_t numOovBuckets, const ExecOptions &exec) {
  return fitApply(t, nullptr, vocabularySpec(columns, numOovBuckets), exec);
}

Table computeAndApplyVocabulary(Table &&t, const std::vector<std::string> &columns,
                                int64_t numOovBuckets, const ExecOptions &exec) {
  return fitApply(t, &t, vocabularySpec(columns, numOovBuckets), exec);
}

Table hashStrings(const Table &t, const std::vector<std::string> &columns, int64_t hashBuckets,
                  const ExecOptions &exec) {
  return fitApply(t, nullptr, hashSpec(columns, hashBuckets), exec);
}

Table hashStrings(Table &&t, const std::vector<std::string> &columns, int64_t hashBuckets,
                  const ExecOptions &exec) {
  return fitApply(t, &t, hashSpec(columns, hashBuckets), exec);
}

} // namespace mlpc::ops::transform
