// std.train, std.infer, std.eval, std.postprocess: models trained, applied
// and judged natively.
#include "runtime/builtins/OpContext.h"
#include "runtime/ops/model/Eval.h"
#include "runtime/ops/model/Model.h"
#include "runtime/ops/model/Onnx.h"
#include "runtime/ops/model/Postprocess.h"
#include "runtime/ops/model/Predict.h"
#include "runtime/ops/model/Train.h"
#include "runtime/ops/transform/Transform.h"

#include <optional>

namespace mlpc::runtime::builtins {
namespace {
namespace md = ops::model;

md::TrainSpec trainSpec(OpContext &ctx, std::optional<ops::pb::TransformGraph> &transform) {
  md::TrainSpec spec;
  spec.label = ctx.str("label");
  spec.features = ctx.strings("features");
  spec.categorical = ctx.strings("categorical");
  spec.epochs = ctx.integer("epochs");
  spec.learningRate = ctx.number("learning_rate");
  spec.batchSize = ctx.integer("batch_size");
  spec.seed = static_cast<uint64_t>(ctx.integer("seed"));
  if (ctx.has("transform")) {
    transform = ops::transform::loadTransform(ctx.inputPath("transform"));
    spec.transform = &*transform;
  }
  return spec;
}

void logTraining(OpContext &ctx, const ops::pb::Model &m, size_t rows) {
  ctx.log("trained on {} rows: final loss {:.6f}", rows, m.training().final_loss());
}

void logisticRegression(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  std::optional<ops::pb::TransformGraph> transform;
  md::TrainSpec spec = trainSpec(ctx, transform);
  ops::pb::Model m = md::trainLogisticRegression(t, spec, ctx.exec());
  m.set_onnx(md::exportOnnx(m));
  md::saveModel(m, ctx.outputPath("model"));
  logTraining(ctx, m, t.rows);
}

void mlp(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  std::optional<ops::pb::TransformGraph> transform;
  md::TrainSpec spec = trainSpec(ctx, transform);
  spec.hidden = ctx.integers("hidden");
  spec.optimizer = ctx.str("optimizer");
  ops::pb::Model m = md::trainMlp(t, spec, ctx.exec());
  m.set_onnx(md::exportOnnx(m));
  md::saveModel(m, ctx.outputPath("model"));
  logTraining(ctx, m, t.rows);
}

void predict(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  ops::pb::Model m = md::loadModel(ctx.inputPath("model"));
  ctx.writeDataset("predictions", md::predict(t, m, ctx.exec()));
}

void classification(OpContext &ctx) {
  ops::Table t = ctx.readDataset("predictions");
  std::optional<std::string> score;
  if (t.find("score"))
    score = "score";
  // Class names: the vocabulary the transform fitted on the label column.
  std::vector<std::string> classNames;
  if (ctx.has("transform")) {
    ops::pb::TransformGraph g = ops::transform::loadTransform(ctx.inputPath("transform"));
    for (const ops::pb::ColumnTransform &c : g.transforms())
      if (c.column() == ctx.str("label") && c.has_vocabulary())
        classNames.assign(c.vocabulary().values().begin(), c.vocabulary().values().end());
  }
  md::EvalResult r =
      md::classification(t, ctx.str("label"), ctx.str("prediction"), score, classNames);
  ctx.setMetadataJson("metrics", r.metricsJson);
  ctx.setMetadataJson("classification", r.classificationJson);
  md::writeText(r.metricsJson, ctx.outputPath("metrics"));
  md::writeText(r.classificationJson, ctx.outputPath("classification"));
  ir::Value accuracy;
  accuracy.set_float_value(r.accuracy);
  ctx.setValue("accuracy", accuracy);
  ctx.log("accuracy {:.4f} on {} rows", r.accuracy, t.rows);
}

void argmaxLabel(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  ops::pb::TransformGraph g = ops::transform::loadTransform(ctx.inputPath("transform"));
  md::argmaxLabel(t, ctx.str("column"), g, ctx.str("vocabulary"));
  ctx.writeDataset("out", std::move(t));
}

void topK(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  ctx.writeDataset("out", md::topK(t, ctx.str("column"), ctx.integer("k")));
}

void threshold(OpContext &ctx) {
  ops::Table t = ctx.readDataset("data");
  md::threshold(t, ctx.str("column"), ctx.number("threshold"));
  ctx.writeDataset("out", std::move(t));
}

} // namespace

const std::vector<OpEntry> kModelOps = {
    {"train.logistic_regression", logisticRegression},
    {"train.mlp", mlp},
    {"infer.predict", predict},
    {"eval.classification", classification},
    {"postprocess.argmax_label", argmaxLabel},
    {"postprocess.top_k", topK},
    {"postprocess.threshold", threshold},
};

} // namespace mlpc::runtime::builtins
