// std.transform: row operations, and analyzers fitted on one split and
// applied to any (TensorFlow Transform's semantics).
#include "runtime/builtins/OpContext.h"
#include "runtime/ops/transform/Transform.h"

#include <algorithm>

namespace mlpc::runtime::builtins {
namespace {
namespace tf = ops::transform;

void dropMissing(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  size_t before = t.rows;
  tf::dropMissing(t, ctx.strings("columns"));
  ctx.log("dropped {} of {} rows with missing values", before - t.rows, before);
  ctx.writeDataset("out", std::move(t));
}

void fillMissing(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  tf::fillMissing(t, ctx.strings("columns"), ctx.str("value"));
  ctx.writeDataset("out", std::move(t));
}

void filter(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  size_t before = t.rows;
  tf::filterEquals(t, ctx.str("column"), ctx.str("equals"));
  ctx.log("kept {} of {} rows", t.rows, before);
  ctx.writeDataset("out", std::move(t));
}

void split(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  auto [train, test] =
      tf::split(t, ctx.number("train_fraction"), static_cast<uint64_t>(ctx.integer("seed")));
  ctx.writeDataset("train", std::move(train));
  ctx.writeDataset("test", std::move(test));
}

void fit(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  tf::FitSpec spec;
  spec.zScore = ctx.strings("z_score");
  spec.scale01 = ctx.strings("scale_0_1");
  spec.bucketize = ctx.strings("bucketize");
  spec.numBuckets = ctx.integer("num_buckets");
  spec.vocabulary = ctx.strings("vocabulary");
  spec.numOovBuckets = ctx.integer("num_oov_buckets");
  spec.hash = ctx.strings("hash");
  spec.hashBuckets = ctx.integer("hash_buckets");
  ops::pb::TransformGraph graph = tf::fit(t, spec, ctx.exec());
  tf::saveTransform(graph, ctx.outputPath("transform"));
  ctx.log("fitted {} column transforms on {} rows", graph.transforms_size(), t.rows);
}

void apply(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  ops::pb::TransformGraph graph = tf::loadTransform(ctx.inputPath("transform"));
  ctx.writeDataset("out", tf::apply(std::move(t), graph, ctx.exec()));
}

// The one-step ops: fit and apply on the same data.
template <ops::Table (*Op)(ops::Table &&, const std::vector<std::string> &,
                           const ops::ExecOptions &)>
void fitApply(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  ctx.writeDataset("out", Op(std::move(t), ctx.strings("columns"), ctx.exec()));
}

void bucketize(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  ctx.writeDataset(
      "out", tf::bucketize(t, ctx.strings("columns"), ctx.integer("num_buckets"), ctx.exec()));
}

void vocabulary(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  ctx.writeDataset("out",
                   tf::computeAndApplyVocabulary(t, ctx.strings("columns"),
                                                 ctx.integer("num_oov_buckets"), ctx.exec()));
}

void hashStrings(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  ctx.writeDataset(
      "out", tf::hashStrings(t, ctx.strings("columns"), ctx.integer("hash_buckets"), ctx.exec()));
}

// The compiler named the new columns (S.one_hot): they stand in the output
// schema where each listed column stood, one per value, in order.
void oneHot(OpContext &ctx) {
  ops::Table in = ctx.readDataset("data");
  std::vector<std::string> columns = ctx.strings("columns"), values = ctx.strings("values");
  ops::Schema want = ctx.outputSchema("out");
  ops::Table out;
  out.rows = in.rows;
  size_t field = 0;
  for (ops::Column &c : in.columns) {
    if (std::find(columns.begin(), columns.end(), c.name) == columns.end()) {
      out.columns.push_back(std::move(c));
      ++field;
      continue;
    }
    for (const std::string &v : values) {
      if (field >= want.fields.size())
        throw ops::OpError("internal error: one_hot output schema is shorter than expected");
      ops::Column hot(want.fields[field++].name, ops::DType::Float64);
      hot.floats.resize(in.rows);
      for (size_t r = 0; r < in.rows; ++r)
        hot.floats[r] = c.isValid(r) && c.text(r) == v ? 1.0 : 0.0;
      out.columns.push_back(std::move(hot));
    }
  }
  ctx.writeDataset("out", std::move(out));
}

} // namespace

const std::vector<OpEntry> kTransformOps = {
    {"transform.drop_missing", dropMissing},
    {"transform.fill_missing", fillMissing},
    {"transform.filter", filter},
    {"transform.split", split},
    {"transform.fit", fit},
    {"transform.apply", apply},
    {"transform.scale_to_z_score", fitApply<tf::scaleToZScore>},
    {"transform.scale_to_0_1", fitApply<tf::scaleTo01>},
    {"transform.bucketize", bucketize},
    {"transform.compute_and_apply_vocabulary", vocabulary},
    {"transform.hash_strings", hashStrings},
    {"transform.one_hot", oneHot},
};

} // namespace mlpc::runtime::builtins
