#include "runtime/ops/model/Predict.h"
#include "runtime/ops/transform/Graph.h"

#include "runtime/ops/gpu/Device.h"
#include "runtime/ops/model/Dense.h"
#include "runtime/ops/model/Features.h"
#include "runtime/ops/model/Model.h"
#include "runtime/ops/transform/Transform.h"

#include <algorithm>

namespace mlpc::ops::model {

namespace {

// Whether the model can read `col` as its feature `f` without a transform.
bool readable(const Column *col, const pb::Feature &f) {
  if (!col)
    return false;
  if (f.encoding() == pb::ONE_HOT)
    return col->type == DType::Int64;
  return col->type != DType::String;
}

bool isRaw(const Table &data, const pb::Model &model) {
  if (!model.has_transform())
    return false;
  bool transformed = true;
  for (const pb::Feature &f : model.features())
    transformed = transformed && readable(data.find(f.name()), f);
  if (transformed)
    return false;
  // Every raw column a feature comes from is there with its raw type.
  for (const pb::Field &field : model.input_schema().fields()) {
    bool isFeature = false;
    for (const pb::Feature &f : model.features())
      isFeature = isFeature || f.name() == field.name();
    if (!isFeature)
      continue;
    const Column *col = data.find(field.name());
    if (!col || transform::toPb(col->type) != field.type())
      return false;
  }
  return true;
}

std::vector<double> probabilities(const Table &rows, const pb::Model &model,
                                  const ExecOptions &exec) {
  validateModel(model);
  const size_t width = inputWidth(model);
  const size_t classes = static_cast<size_t>(model.class_names_size());
  gpu::DenseNet net = denseNet(model);
  std::vector<double> probs(rows.rows * classes);
#if MLPC_HAVE_CUDA
  if (exec.useGpu && gpu::available()) {
    std::vector<double> x = inputMatrix(rows, model.features(), width);
    gpu::predictDense(net, x.data(), rows.rows, probs.data(), exec.gpuDevice);
    return probs;
  }
#endif
  // A block of input rows at a time: it stays in cache, and the whole input
  // matrix never exists.
  const size_t block = 2048;
  std::vector<double> x(std::min(block, std::max<size_t>(rows.rows, 1)) * width);
  inputRows(rows, model.features(), width, 0, 0, x.data()); // checks the columns
  for (size_t begin = 0; begin < rows.rows; begin += block) {
    size_t end = std::min(rows.rows, begin + block);
    inputRows(rows, model.features(), width, begin, end, x.data());
    predictDenseCpu(net, x.data(), end - begin, probs.data() + begin * classes);
  }
  return probs;
}

} // namespace

size_t argmax(const double *values, size_t n) {
  size_t best = 0;
  for (size_t j = 1; j < n; ++j)
    if (values[j] > values[best])
      best = j;
  return best;
}

std::vector<double> predictProba(const Table &data, const pb::Model &model, const ExecOptions &exec,
                                 RowForm form) {
  bool raw = form == RowForm::Raw || (form == RowForm::Auto && isRaw(data, model));
  if (raw && !model.has_transform())
    throw OpError("rows were given as raw, but the model embeds no transform");
  if (raw)
    return probabilities(transform::apply(data, model.transform(), exec), model, exec);
  return probabilities(data, model, exec);
}

Table predict(const Table &data, const pb::Model &model, const ExecOptions &exec, RowForm form) {
  std::vector<double> probs = predictProba(data, model, exec, form);
  const size_t classes = static_cast<size_t>(model.class_names_size());
  Column prediction("prediction", DType::Int64), score("score", DType::Float64);
  prediction.ints.resize(data.rows);
  score.floats.resize(data.rows);
  for (size_t r = 0; r < data.rows; ++r) {
    size_t k = argmax(probs.data() + r * classes, classes);
    prediction.ints[r] = static_cast<int64_t>(k);
    score.floats[r] = probs[r * classes + k];
  }
  Table out = data;
  out.put(std::move(prediction));
  out.put(std::move(score));
  return out;
}

} // namespace mlpc::ops::model
