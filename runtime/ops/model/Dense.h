// The CPU path of dense classifier training and inference: mini-batch SGD or
// Adam on the mean cross-entropy of a softmax output, ReLU hidden layers.
// runtime/ops/gpu/ModelKernels.cu runs the same algorithm on the GPU.
#pragma once

#include "runtime/ops/gpu/ModelKernels.h"

#include <cstddef>
#include <cstdint>

namespace mlpc::ops::model {

using gpu::DenseNet;
using gpu::DenseTraining;
using gpu::EpochOrder;

// Trains `net` in place on x (rows x sizes[0], row-major) and labels y. Each
// epoch visits the rows in the order `order` gives, in batches of
// config.batchSize (the last one smaller); every batch is one update with the
// gradient averaged over its rows. Returns the mean cross-entropy over all
// rows after the last epoch. Throws OpError when `order` reports a cancel.
double trainDenseCpu(DenseNet &net, const double *x, const int32_t *y, size_t rows,
                     const DenseTraining &config, const EpochOrder &order);

// Class probabilities, rows x sizes.back() row-major, into `probs`.
void predictDenseCpu(const DenseNet &net, const double *x, size_t rows, double *probs);

// Mean over rows of -log p(y): computed from the logits with log-sum-exp, so
// a confident wrong prediction gives a large finite loss, not infinity.
double meanCrossEntropy(const DenseNet &net, const double *x, const int32_t *y, size_t rows);

} // namespace mlpc::ops::model
