// std.train: multinomial logistic regression and multi-layer perceptrons,
// trained in double precision, deterministic for a seed. The GPU path runs
// when ExecOptions::useGpu is set and a device is available; it visits rows
// in the same order and agrees with the CPU path within the tolerance
// docs/stdlib.md states (equal predictions, probabilities within 1e-6).
#pragma once

#include "runtime/ops/Exec.h"
#include "runtime/ops/Table.h"
#include "runtime/ops/model/model.pb.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlpc::ops::model {

struct TrainSpec {
  // Int class indices 0..K-1; K is the largest + 1, or the size of the
  // transform's vocabulary of this column if that is larger.
  std::string label;
  // Int, float or bool columns, in input order.
  std::vector<std::string> features;
  // Those of `features` holding class indices: one-hot encoded.
  std::vector<std::string> categorical;
  // Hidden layer sizes (MLP only).
  std::vector<int64_t> hidden = {16};
  int epochs = 100;
  double learningRate = 0.1;
  int64_t batchSize = 32;
  // "sgd" or "adam".
  std::string optimizer = "sgd";
  int64_t seed = 0;
  // The transform that produced the table: embedded in the model (it then
  // scores raw rows), and its vocabulary of the label column names classes.
  const pb::TransformGraph *transform = nullptr;
};

// Softmax regression: weights start at zero, each epoch shuffles the rows
// (seeded Fisher-Yates) and takes one step per mini-batch.
pb::Model trainLogisticRegression(const Table &data, const TrainSpec &spec,
                                  const ExecOptions &exec);

// ReLU hidden layers (He-normal initial weights), softmax output
// (Glorot-uniform), zero biases; Adam (beta1 0.9, beta2 0.999, eps 1e-8) or
// SGD on mini-batches of shuffled rows.
pb::Model trainMlp(const Table &data, const TrainSpec &spec, const ExecOptions &exec);

} // namespace mlpc::ops::model
