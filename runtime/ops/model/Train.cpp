#include "runtime/ops/model/Train.h"
#include "runtime/ops/transform/Graph.h"

#include "runtime/ops/gpu/Device.h"
#include "runtime/ops/model/Dense.h"
#include "runtime/ops/model/Features.h"
#include "runtime/ops/model/Model.h"
#include "runtime/ops/model/Random.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mlpc::ops::model {

namespace {

void checkSpec(const TrainSpec &spec, pb::ModelKind kind) {
  if (spec.epochs < 1)
    throw OpError("epochs must be at least 1, got " + std::to_string(spec.epochs));
  if (!(spec.learningRate > 0) || !std::isfinite(spec.learningRate))
    throw OpError("learning_rate must be a positive number, got " +
                  std::to_string(spec.learningRate));
  if (spec.batchSize < 1)
    throw OpError("batch_size must be at least 1, got " + std::to_string(spec.batchSize));
  if (spec.optimizer != "sgd" && spec.optimizer != "adam")
    throw OpError("optimizer must be \"sgd\" or \"adam\", got \"" + spec.optimizer + "\"");
  if (std::find(spec.features.begin(), spec.features.end(), spec.label) != spec.features.end())
    throw OpError("the label column `" + spec.label + "` cannot also be a feature");
  if (kind == pb::MLP)
    for (int64_t h : spec.hidden)
      if (h < 1 || h > (1 << 16))
        throw OpError("hidden layer sizes must be 1..65536, got " + std::to_string(h));
}

// He-normal for ReLU layers, Glorot-uniform for the softmax layer, biases 0;
// drawn layer by layer in row-major order.
void initialize(gpu::DenseNet &net, pb::ModelKind kind, std::mt19937_64 &rng) {
  for (size_t l = 0; l < net.layers(); ++l) {
    std::vector<double> &w = net.weights[l];
    double fanIn = net.sizes[l], fanOut = net.sizes[l + 1];
    if (kind == pb::LOGISTIC_REGRESSION)
      continue; // convex: start at zero
    if (l + 1 < net.layers()) {
      double sd = std::sqrt(2.0 / fanIn);
      for (double &v : w)
        v = sd * standardNormal(rng);
    } else {
      double limit = std::sqrt(6.0 / (fanIn + fanOut));
      for (double &v : w)
        v = (2.0 * uniform01(rng) - 1.0) * limit;
    }
  }
}

std::vector<std::string> classNames(const TrainSpec &spec, int64_t classes) {
  std::vector<std::string> names;
  const pb::Vocabulary *vocab =
      spec.transform ? vocabularyOf(*spec.transform, spec.label) : nullptr;
  for (int64_t k = 0; k < classes; ++k) {
    if (vocab && k < vocab->values_size())
      names.push_back(vocab->values(static_cast<int>(k)));
    else
      names.push_back(vocab ? "oov_" + std::to_string(k) : std::to_string(k));
  }
  return names;
}

pb::Model train(const Table &data, const TrainSpec &spec, const ExecOptions &exec,
                pb::ModelKind kind) {
  checkSpec(spec, kind);
  if (data.rows == 0)
    throw OpError("cannot train on an empty table");
  if (data.rows > std::numeric_limits<uint32_t>::max())
    throw OpError("training supports up to 4294967295 rows");
  pb::Model model;
  model.set_format_version(1);
  model.set_kind(kind);
  for (pb::Feature &f : describeFeatures(data, spec.features, spec.categorical, spec.transform))
    *model.add_features() = std::move(f);

  int64_t maxLabel = -1;
  std::vector<int32_t> labels = classIndices(data, spec.label, maxLabel);
  int64_t classes = maxLabel + 1;
  if (spec.transform)
    if (const pb::Vocabulary *vocab = vocabularyOf(*spec.transform, spec.label))
      classes = std::max<int64_t>(classes, vocab->values_size());
  if (classes < 2)
    throw OpError("label column `" + spec.label +
                  "` has a single class (0); a classifier needs at least two");
  model.set_label(spec.label);
  for (const std::string &name : classNames(spec, classes))
    model.add_class_names(name);

  const size_t width = inputWidth(model);
  std::vector<double> x = inputMatrix(data, model.features(), width);

  gpu::DenseNet net;
  net.sizes.push_back(static_cast<int>(width));
  if (kind == pb::MLP)
    for (int64_t h : spec.hidden)
      net.sizes.push_back(static_cast<int>(h));
  net.sizes.push_back(static_cast<int>(classes));
  for (size_t l = 0; l + 1 < net.sizes.size(); ++l) {
    net.weights.emplace_back(static_cast<size_t>(net.sizes[l]) * net.sizes[l + 1], 0.0);
    net.biases.emplace_back(static_cast<size_t>(net.sizes[l + 1]), 0.0);
  }
  std::mt19937_64 rng(static_cast<uint64_t>(spec.seed));
  initialize(net, kind, rng);

  gpu::DenseTraining config;
  config.epochs = spec.epochs;
  config.learningRate = spec.learningRate;
  config.batchSize = static_cast<size_t>(spec.batchSize);
  config.adam = spec.optimizer == "adam";
  // Both paths take their order from here: the same rows in the same batches.
  gpu::EpochOrder order = [&](int, uint32_t *perm, size_t rows) {
    if (exec.canceled && exec.canceled())
      return false;
    shuffle(perm, rows, rng);
    return true;
  };

  double loss = 0;
  bool onGpu = false;
#if MLPC_HAVE_CUDA
  if (exec.useGpu && gpu::available()) {
    loss = gpu::trainDense(net, x.data(), labels.data(), data.rows, config, order, exec.gpuDevice);
    onGpu = true;
  }
#endif
  if (!onGpu)
    loss = trainDenseCpu(net, x.data(), labels.data(), data.rows, config, order);

  storeLayers(net, model);
  pb::TrainingConfig *cfg = model.mutable_training();
  cfg->set_epochs(spec.epochs);
  cfg->set_learning_rate(spec.learningRate);
  cfg->set_batch_size(spec.batchSize);
  cfg->set_optimizer(config.adam ? pb::ADAM : pb::SGD);
  cfg->set_seed(spec.seed);
  if (kind == pb::MLP)
    for (int64_t h : spec.hidden)
      cfg->add_hidden(static_cast<int32_t>(h));
  cfg->set_beta1(config.beta1);
  cfg->set_beta2(config.beta2);
  cfg->set_epsilon(config.epsilon);
  cfg->set_gpu(onGpu);
  cfg->set_final_loss(loss);
  *model.mutable_trained_schema() = transform::toPb(data.schema());
  if (spec.transform) {
    *model.mutable_transform() = *spec.transform;
    *model.mutable_input_schema() = spec.transform->input_schema();
  } else {
    *model.mutable_input_schema() = model.trained_schema();
  }
  model.set_trained_rows(static_cast<int64_t>(data.rows));
  return model;
}

} // namespace

pb::Model trainLogisticRegression(const Table &data, const TrainSpec &spec,
                                  const ExecOptions &exec) {
  return train(data, spec, exec, pb::LOGISTIC_REGRESSION);
}

pb::Model trainMlp(const Table &data, const TrainSpec &spec, const ExecOptions &exec) {
  return train(data, spec, exec, pb::MLP);
}

} // namespace mlpc::ops::model
