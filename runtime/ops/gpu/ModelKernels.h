// Dense classifier training and inference on the GPU: the algorithm of
// runtime/ops/model/Dense.cpp (mini-batch SGD or Adam on mean cross-entropy,
// ReLU hidden layers, softmax output) with cuBLAS dgemm for the layers.
// The training rows are uploaded once and stay on the device for every epoch;
// the per-epoch order comes from the host, so both paths visit the rows in
// the same order. Results agree with the CPU path up to reduction order:
// docs/stdlib.md states the tolerance (probabilities within 1e-6).
//
// The structs are plain data shared with the CPU path; the functions exist
// only when MLPC_HAVE_CUDA is 1 and run after gpu::available().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace mlpc::ops::gpu {

// Layer l maps sizes[l] inputs to sizes[l+1] outputs: weights[l] is
// sizes[l] x sizes[l+1] row-major, biases[l] has sizes[l+1] values. Hidden
// layers use ReLU, the last softmax.
struct DenseNet {
  std::vector<int> sizes;
  std::vector<std::vector<double>> weights;
  std::vector<std::vector<double>> biases;

  size_t layers() const { return weights.size(); }
};

// How the GPU trains: one launch per epoch of a kernel that runs every batch
// in one thread block (small nets, where the launches of the layer-by-layer
// path would cost more than the arithmetic), or the layer-by-layer path with
// cuBLAS (wide nets, big batches). Auto picks by fusedTrainingFits().
enum class GpuTrainer { Auto, Fused, Blas };

struct DenseTraining {
  GpuTrainer gpuTrainer = GpuTrainer::Auto;
  int epochs = 1;
  double learningRate = 0.1;
  size_t batchSize = 32;
  bool adam = false;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

// Writes the visiting order of `rows` rows for `epoch` into `order` (which
// holds the previous epoch's order). Returns false to stop: the run was
// canceled.
using EpochOrder = std::function<bool(int epoch, uint32_t *order, size_t rows)>;

#if MLPC_HAVE_CUDA
// Whether the one-block kernel can train `sizes` in batches of `batch` rows on
// the current device (its parameters and activations fit in shared memory, at most 8
// layers) and should (a batch is at most about a million multiply-adds, a
// few microseconds on one multiprocessor: more, and cuBLAS over the whole GPU
// wins).
bool fusedTrainingFits(const std::vector<int> &sizes, size_t batch, bool adam);

// Trains `net` in place on x (rows x sizes[0], row-major) and labels y (class
// indices < sizes.back()). Returns the mean cross-entropy over all rows after
// the last epoch. Throws OpError on a CUDA failure or cancellation, or when
// config asks for the fused kernel and it does not fit.
double trainDense(DenseNet &net, const double *x, const int32_t *y, size_t rows,
                  const DenseTraining &config, const EpochOrder &order, int device);

// Class probabilities (rows x sizes.back(), row-major) into `probs`.
void predictDense(const DenseNet &net, const double *x, size_t rows, double *probs, int device);
#endif

} // namespace mlpc::ops::gpu
