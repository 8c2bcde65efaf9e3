// The GPU path of runtime/ops/model/Dense.cpp. Matrices are row-major as on
// the host; cuBLAS is column-major, so each product is issued on the
// transposes (a row-major m x n matrix is a column-major n x m one).
#include "runtime/ops/gpu/ModelKernels.h"

#include "runtime/ops/Table.h"
#include "runtime/ops/gpu/Device.h"

#include "runtime/ops/gpu/Cublas.h"
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace mlpc::ops::gpu {

namespace {

constexpr int kThreads = 256;
constexpr size_t kChunk = 65536; // rows per inference launch

unsigned blocksFor(size_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

void checkBlas(cublasStatus_t status, const char *what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw OpError(std::string("cuBLAS: ") + what + " failed (status " +
                  std::to_string(static_cast<int>(status)) + ")");
}

template <typename T> class DeviceArray {
public:
  DeviceArray() = default;
  explicit DeviceArray(size_t count) { resize(count); }
  DeviceArray(const DeviceArray &) = delete;
  DeviceArray &operator=(const DeviceArray &) = delete;
  DeviceArray(DeviceArray &&o) noexcept : ptr_(o.ptr_), size_(o.size_) { o.ptr_ = nullptr; }
  DeviceArray &operator=(DeviceArray &&o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(size_, o.size_);
    return *this;
  }
  ~DeviceArray() {
    if (ptr_)
      cudaFree(ptr_);
  }
  void resize(size_t count) {
    if (ptr_)
      cudaFree(ptr_);
    ptr_ = nullptr;
    size_ = count;
    if (count)
      check(cudaMalloc(reinterpret_cast<void **>(&ptr_), count * sizeof(T)), "cudaMalloc");
  }
  void upload(const T *host, size_t count) {
    check(cudaMemcpy(ptr_, host, count * sizeof(T), cudaMemcpyHostToDevice),
          "cudaMemcpy to device");
  }
  void download(T *host, size_t count) const {
    check(cudaMemcpy(host, ptr_, count * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
  }
  void zero() { check(cudaMemset(ptr_, 0, size_ * sizeof(T)), "cudaMemset"); }
  T *get() const { return ptr_; }

private:
  T *ptr_ = nullptr;
  size_t size_ = 0;
};

class Blas {
public:
  Blas() { checkBlas(blasCreate(&handle_), "cublasCreate"); }
  ~Blas() { blasDestroy(handle_); }
  Blas(const Blas &) = delete;
  Blas &operator=(const Blas &) = delete;
  cublasHandle_t get() const { return handle_; }

private:
  cublasHandle_t handle_ = nullptr;
};

// The batch rows in the epoch's order: out[r] = x[order[start + r]].
__global__ void gatherRows(const double *x, const int32_t *y, const uint32_t *order, size_t start,
                           size_t m, int features, double *out, int32_t *yOut) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= m * features)
    return;
  size_t r = i / features, f = i % features;
  uint32_t src = order[start + r];
  out[i] = x[static_cast<size_t>(src) * features + f];
  if (f == 0)
    yOut[r] = y[src];
}

__global__ void addBias(double *z, const double *b, size_t m, int n, bool relu) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= m * n)
    return;
  double v = z[i] + b[i % n];
  z[i] = relu ? (v > 0.0 ? v : 0.0) : v;
}

// One thread per row: softmax of the logits, then (p - onehot(y)) / m.
__global__ void softmaxGradient(const double *z, const int32_t *y, size_t m, int k, double invM,
                                double *delta) {
  size_t r = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (r >= m)
    return;
  const double *row = z + r * k;
  double top = row[0];
  for (int j = 1; j < k; ++j)
    top = fmax(top, row[j]);
  double sum = 0.0;
  for (int j = 0; j < k; ++j)
    sum += exp(row[j] - top);
  for (int j = 0; j < k; ++j)
    delta[r * k + j] = (exp(row[j] - top) / sum - (y[r] == j ? 1.0 : 0.0)) * invM;
}

__global__ void softmaxRows(double *z, size_t m, int k) {
  size_t r = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (r >= m)
    return;
  double *row = z + r * k;
  double top = row[0];
  for (int j = 1; j < k; ++j)
    top = fmax(top, row[j]);
  double sum = 0.0;
  for (int j = 0; j < k; ++j) {
    row[j] = exp(row[j] - top);
    sum += row[j];
  }
  for (int j = 0; j < k; ++j)
    row[j] /= sum;
}

// -log p(y) per row, by log-sum-exp of the logits.
__global__ void rowLoss(const double *z, const int32_t *y, size_t m, int k, double *loss) {
  size_t r = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (r >= m)
    return;
  const double *row = z + r * k;
  double top = row[0];
  for (int j = 1; j < k; ++j)
    top = fmax(top, row[j]);
  double sum = 0.0;
  for (int j = 0; j < k; ++j)
    sum += exp(row[j] - top);
  loss[r] = log(sum) + top - row[y[r]];
}

// Bias gradient: column sums, each summed in row order as on the host.
__global__ void columnSums(const double *delta, size_t m, int n, double *out) {
  int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= n)
    return;
  double sum = 0.0;
  for (size_t r = 0; r < m; ++r)
    sum += delta[r * n + j];
  out[j] = sum;
}

// Back through a ReLU: the gradient only flows where its output was positive.
__global__ void reluMask(double *grad, const double *activation, size_t count) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < count && !(activation[i] > 0.0))
    grad[i] = 0.0;
}

__global__ void sgdStep(double *w, const double *g, size_t n, double lr) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n)
    w[i] -= lr * g[i];
}

__global__ void adamStep(double *w, const double *g, double *m1, double *m2, size_t n, double lr,
                         double b1, double b2, double eps, double correct1, double correct2) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= n)
    return;
  double gi = g[i];
  m1[i] = b1 * m1[i] + (1.0 - b1) * gi;
  m2[i] = b2 * m2[i] + (1.0 - b2) * gi * gi;
  w[i] -= lr * (m1[i] / correct1) / (sqrt(m2[i] / correct2) + eps);
}

// One parameter array on the device, with its gradient and Adam moments.
struct Param {
  DeviceArray<double> value, grad, m1, m2;
  size_t size = 0;
  Param(const std::vector<double> &host, bool adam) : size(host.size()) {
    value.resize(size);
    value.upload(host.data(), size);
    grad.resize(size);
    if (adam) {
      m1.resize(size);
      m1.zero();
      m2.resize(size);
      m2.zero();
    }
  }
  void step(const DenseTraining &c, double correct1, double correct2) {
    if (c.adam)
      adamStep<<<blocksFor(size), kThreads>>>(value.get(), grad.get(), m1.get(), m2.get(), size,
                                              c.learningRate, c.beta1, c.beta2, c.epsilon, correct1,
                                              correct2);
    else
      sgdStep<<<blocksFor(size), kThreads>>>(value.get(), grad.get(), size, c.learningRate);
  }
};

struct DeviceNet {
  std::vector<int> sizes;
  std::vector<Param> weights, biases;
  DeviceNet(const DenseNet &net, bool adam) : sizes(net.sizes) {
    for (size_t l = 0; l < net.layers(); ++l) {
      weights.emplace_back(net.weights[l], adam);
      biases.emplace_back(net.biases[l], adam);
    }
  }
  size_t layers() const { return weights.size(); }
};

// Activation buffers for up to `capacity` rows; acts[l + 1] is layer l's
// output, acts[0] the gathered input batch.
std::vector<DeviceArray<double>> activations(const std::vector<int> &sizes, size_t capacity) {
  std::vector<DeviceArray<double>> acts;
  for (int s : sizes)
    acts.emplace_back(capacity * static_cast<size_t>(s));
  return acts;
}

// Leaves the logits of m rows at `in` in acts.back().
void forward(cublasHandle_t blas, const DeviceNet &net, const double *in, size_t m,
             std::vector<DeviceArray<double>> &acts) {
  const double one = 1.0, zero = 0.0;
  for (size_t l = 0; l < net.layers(); ++l) {
    const int k = net.sizes[l], n = net.sizes[l + 1];
    const double *src = l == 0 ? in : acts[l].get();
    // Z (m x n) = A (m x k) W (k x n): column-major Z^T = W^T A^T.
    checkBlas(blasDgemm(blas, CUBLAS_OP_N, CUBLAS_OP_N, n, static_cast<int>(m), k, &one,
                        net.weights[l].value.get(), n, src, k, &zero, acts[l + 1].get(), n),
              "cublasDgemm (forward)");
    bool relu = l + 1 < net.layers();
    addBias<<<blocksFor(m * n), kThreads>>>(acts[l + 1].get(), net.biases[l].value.get(), m, n,
                                            relu);
  }
}

// ---- The fused path: one block runs a whole epoch ---------------------------

constexpr int kFusedThreads = 256;
constexpr int kMaxFusedLayers = 8;
constexpr double kFusedMaxMacsPerBatch = 1 << 20;

// Device pointers of every parameter array, by value in the kernel's
// arguments: weights w, biases b, and Adam's moments of each (mw, vw, mb,
// vb; null for SGD).
struct FusedNet {
  int layers = 0;
  int sizes[kMaxFusedLayers + 1] = {};
  double *w[kMaxFusedLayers] = {}, *b[kMaxFusedLayers] = {};
  double *mw[kMaxFusedLayers] = {}, *vw[kMaxFusedLayers] = {};
  double *mb[kMaxFusedLayers] = {}, *vb[kMaxFusedLayers] = {};
};

struct FusedEpoch {
  size_t rows = 0, batch = 1;
  long firstStep = 0; // Adam's step count before this epoch's first batch
  double learningRate = 0.1, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  bool adam = false;
};

// Shared memory for one block: the parameters with their gradients (and
// Adam's two moments), every layer's activations and two gradient buffers
// for `batch` rows (doubles), then the batch's labels.
size_t fusedSharedBytes(const std::vector<int> &sizes, size_t batch, bool adam) {
  size_t params = 0, perRow = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l)
    params += static_cast<size_t>(sizes[l] + 1) * sizes[l + 1];
  for (int s : sizes)
    perRow += static_cast<size_t>(s);
  perRow += 2 * static_cast<size_t>(*std::max_element(sizes.begin(), sizes.end()));
  return (params * (adam ? 4 : 2) + batch * perRow) * sizeof(double) + batch * sizeof(int32_t);
}

__device__ void copyBlock(double *dst, const double *src, int n) {
  for (int i = threadIdx.x; i < n; i += blockDim.x)
    dst[i] = src[i];
}

// The update of one parameter array: SGD, or Adam as in Dense.cpp.
__device__ void fusedStep(double *w, const double *g, double *m1, double *m2, int n,
                          const FusedEpoch &c, double correct1, double correct2) {
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const double gi = g[i];
    if (!c.adam) {
      w[i] -= c.learningRate * gi;
      continue;
    }
    m1[i] = c.beta1 * m1[i] + (1.0 - c.beta1) * gi;
    m2[i] = c.beta2 * m2[i] + (1.0 - c.beta2) * gi * gi;
    w[i] -= c.learningRate * (m1[i] / correct1) / (sqrt(m2[i] / correct2) + c.epsilon);
  }
}

// One epoch of mini-batch training in one block: the loops of
// Dense.cpp's trainDenseCpu, each output element to one thread, every sum in
// the host's order. Everything but the training data lives in shared memory:
// the parameters (and Adam's moments) are copied in at the start of the
// epoch and back at its end.
__global__ void __launch_bounds__(kFusedThreads)
    trainEpochFused(FusedNet net, FusedEpoch c, const double *x, const int32_t *y,
                    const uint32_t *order) {
  extern __shared__ double shared[];
  const int layers = net.layers, features = net.sizes[0], classes = net.sizes[layers];
  double *next = shared;
  auto take = [&next](size_t count) {
    double *p = next;
    next += count;
    return p;
  };
  double *w[kMaxFusedLayers], *b[kMaxFusedLayers], *gw[kMaxFusedLayers], *gb[kMaxFusedLayers];
  double *mw[kMaxFusedLayers] = {}, *vw[kMaxFusedLayers] = {}, *mb[kMaxFusedLayers] = {},
         *vb[kMaxFusedLayers] = {};
  for (int l = 0; l < layers; ++l) {
    const int kn = net.sizes[l] * net.sizes[l + 1], n = net.sizes[l + 1];
    w[l] = take(kn), b[l] = take(n), gw[l] = take(kn), gb[l] = take(n);
    copyBlock(w[l], net.w[l], kn);
    copyBlock(b[l], net.b[l], n);
    if (c.adam) {
      mw[l] = take(kn), vw[l] = take(kn), mb[l] = take(n), vb[l] = take(n);
      copyBlock(mw[l], net.mw[l], kn);
      copyBlock(vw[l], net.vw[l], kn);
      copyBlock(mb[l], net.mb[l], n);
      copyBlock(vb[l], net.vb[l], n);
    }
  }
  int widest = 0;
  double *acts[kMaxFusedLayers + 1];
  for (int l = 0; l <= layers; ++l) {
    acts[l] = take(c.batch * net.sizes[l]);
    widest = max(widest, net.sizes[l]);
  }
  double *delta = take(c.batch * widest), *deltaPrev = take(c.batch * widest);
  int32_t *labels = reinterpret_cast<int32_t *>(next);
  const int tid = threadIdx.x, threads = blockDim.x;
  long step = c.firstStep;

  for (size_t start = 0; start < c.rows; start += c.batch) {
    const int m = static_cast<int>(min(c.batch, c.rows - start));
    for (int i = tid; i < m * features; i += threads) {
      const int r = i / features, f = i % features;
      acts[0][i] = x[static_cast<size_t>(order[start + r]) * features + f];
    }
    for (int r = tid; r < m; r += threads)
      labels[r] = y[order[start + r]];
    __syncthreads();
    for (int l = 0; l < layers; ++l) {
      const int k = net.sizes[l], n = net.sizes[l + 1];
      const double *a = acts[l], *wl = w[l], *bl = b[l];
      const bool relu = l + 1 < layers;
      for (int i = tid; i < m * n; i += threads) {
        const int r = i / n, j = i % n;
        double z = bl[j];
        for (int q = 0; q < k; ++q)
          z += a[r * k + q] * wl[q * n + j];
        acts[l + 1][i] = relu ? (z > 0.0 ? z : 0.0) : z;
      }
      __syncthreads();
    }
    // d(mean loss)/d(logits) = (softmax - onehot(y)) / m.
    const double invM = 1.0 / m;
    for (int r = tid; r < m; r += threads) {
      const double *row = acts[layers] + r * classes;
      double top = row[0];
      for (int j = 1; j < classes; ++j)
        top = row[j] > top ? row[j] : top;
      double sum = 0.0;
      for (int j = 0; j < classes; ++j)
        sum += exp(row[j] - top);
      for (int j = 0; j < classes; ++j)
        delta[r * classes + j] = (exp(row[j] - top) / sum - (labels[r] == j ? 1.0 : 0.0)) * invM;
    }
    __syncthreads();
    // Backward: every gradient from the weights before this batch's update.
    for (int l = layers - 1; l >= 0; --l) {
      const int k = net.sizes[l], n = net.sizes[l + 1];
      const double *a = acts[l], *wl = w[l];
      for (int i = tid; i < k * n; i += threads) {
        const int q = i / n, j = i % n;
        double g = 0.0;
        for (int r = 0; r < m; ++r)
          g += a[r * k + q] * delta[r * n + j];
        gw[l][i] = g;
      }
      for (int j = tid; j < n; j += threads) {
        double g = 0.0;
        for (int r = 0; r < m; ++r)
          g += delta[r * n + j];
        gb[l][j] = g;
      }
      if (l > 0) // through the ReLU that produced a: zero where it was inactive
        for (int i = tid; i < m * k; i += threads) {
          const int r = i / k, q = i % k;
          double sum = 0.0;
          if (a[i] > 0.0)
            for (int j = 0; j < n; ++j)
              sum += delta[r * n + j] * wl[q * n + j];
          deltaPrev[i] = sum;
        }
      __syncthreads();
      double *t = delta;
      delta = deltaPrev;
      deltaPrev = t;
    }
    ++step;
    const double correct1 = 1.0 - pow(c.beta1, static_cast<double>(step));
    const double correct2 = 1.0 - pow(c.beta2, static_cast<double>(step));
    for (int l = 0; l < layers; ++l) {
      const int k = net.sizes[l], n = net.sizes[l + 1];
      fusedStep(w[l], gw[l], mw[l], vw[l], k * n, c, correct1, correct2);
      fusedStep(b[l], gb[l], mb[l], vb[l], n, c, correct1, correct2);
    }
    __syncthreads(); // the next batch reads the updated weights
  }
  for (int l = 0; l < layers; ++l) {
    const int kn = net.sizes[l] * net.sizes[l + 1], n = net.sizes[l + 1];
    copyBlock(net.w[l], w[l], kn);
    copyBlock(net.b[l], b[l], n);
    if (c.adam) {
      copyBlock(net.mw[l], mw[l], kn);
      copyBlock(net.vw[l], vw[l], kn);
      copyBlock(net.mb[l], mb[l], n);
      copyBlock(net.vb[l], vb[l], n);
    }
  }
}

int maxSharedBytes() {
  int device = 0, bytes = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  check(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device),
        "cudaDeviceGetAttribute");
  return bytes;
}

} // namespace

bool fusedTrainingFits(const std::vector<int> &sizes, size_t batch, bool adam) {
  if (sizes.size() < 2 || sizes.size() > kMaxFusedLayers + 1)
    return false;
  double macs = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l)
    macs += static_cast<double>(sizes[l]) * sizes[l + 1];
  return macs * static_cast<double>(batch) <= kFusedMaxMacsPerBatch &&
         fusedSharedBytes(sizes, batch, adam) <= static_cast<size_t>(maxSharedBytes());
}

namespace {

// The training data and parameters on the device, and one epoch of either path.
struct Trainer {
  const DenseTraining &config;
  const std::vector<int> &sizes;
  size_t rows, batch;
  const DeviceArray<double> &dx;
  const DeviceArray<int32_t> &dy;
  const DeviceArray<uint32_t> &dorder;
  DeviceNet &dnet;
  size_t sharedBytes = 0; // the fused kernel's, from fusedSharedBytes
  long step = 0;          // batches so far: Adam's bias correction

  void fusedEpoch() {
    FusedNet net;
    net.layers = static_cast<int>(dnet.layers());
    for (size_t l = 0; l < dnet.layers(); ++l) {
      Param &w = dnet.weights[l], &b = dnet.biases[l];
      net.w[l] = w.value.get(), net.mw[l] = w.m1.get(), net.vw[l] = w.m2.get();
      net.b[l] = b.value.get(), net.mb[l] = b.m1.get(), net.vb[l] = b.m2.get();
    }
    std::copy(sizes.begin(), sizes.end(), net.sizes);
    FusedEpoch c;
    c.rows = rows, c.batch = batch, c.firstStep = step;
    c.learningRate = config.learningRate, c.adam = config.adam;
    c.beta1 = config.beta1, c.beta2 = config.beta2, c.epsilon = config.epsilon;
    trainEpochFused<<<1, kFusedThreads, sharedBytes>>>(net, c, dx.get(), dy.get(), dorder.get());
    step += static_cast<long>((rows + batch - 1) / batch);
  }

  // The layer-by-layer path: a few launches per batch, cuBLAS for the products.
  void blasEpoch(cublasHandle_t blas, std::vector<DeviceArray<double>> &acts,
                 DeviceArray<int32_t> &batchY, DeviceArray<double> &delta,
                 DeviceArray<double> &deltaPrev) {
    const size_t layers = dnet.layers();
    const int features = sizes.front(), classes = sizes.back();
    const double one = 1.0, zero = 0.0;
    for (size_t start = 0; start < rows; start += batch) {
      const size_t m = std::min(batch, rows - start);
      gatherRows<<<blocksFor(m * features), kThreads>>>(dx.get(), dy.get(), dorder.get(), start, m,
                                                        features, acts[0].get(), batchY.get());
      forward(blas, dnet, acts[0].get(), m, acts);
      softmaxGradient<<<blocksFor(m), kThreads>>>(acts[layers].get(), batchY.get(), m, classes,
                                                  1.0 / static_cast<double>(m), delta.get());
      for (size_t l = layers; l-- > 0;) {
        const int k = sizes[l], n = sizes[l + 1];
        const int mi = static_cast<int>(m);
        // dW (k x n) = A^T (k x m) delta (m x n): column-major dW^T = delta^T A.
        checkBlas(blasDgemm(blas, CUBLAS_OP_N, CUBLAS_OP_T, n, k, mi, &one, delta.get(), n,
                            acts[l].get(), k, &zero, dnet.weights[l].grad.get(), n),
                  "cublasDgemm (weight gradient)");
        columnSums<<<blocksFor(n), kThreads>>>(delta.get(), m, n, dnet.biases[l].grad.get());
        if (l == 0)
          break;
        // dA (m x k) = delta (m x n) W^T (n x k): column-major dA^T = W delta^T.
        checkBlas(blasDgemm(blas, CUBLAS_OP_T, CUBLAS_OP_N, k, mi, n, &one,
                            dnet.weights[l].value.get(), n, delta.get(), n, &zero, deltaPrev.get(),
                            k),
                  "cublasDgemm (input gradient)");
        reluMask<<<blocksFor(m * k), kThreads>>>(deltaPrev.get(), acts[l].get(), m * k);
        std::swap(delta, deltaPrev);
      }
      ++step;
      double correct1 = 1.0 - std::pow(config.beta1, static_cast<double>(step));
      double correct2 = 1.0 - std::pow(config.beta2, static_cast<double>(step));
      for (size_t l = 0; l < layers; ++l) {
        dnet.weights[l].step(config, correct1, correct2);
        dnet.biases[l].step(config, correct1, correct2);
      }
    }
  }
};

} // namespace

double trainDense(DenseNet &net, const double *x, const int32_t *y, size_t rows,
                  const DenseTraining &config, const EpochOrder &order, int device) {
  check(cudaSetDevice(device), "cudaSetDevice");
  Blas blas;
  const size_t layers = net.layers();
  const int features = net.sizes.front(), classes = net.sizes.back();
  const size_t batch = std::max<size_t>(1, std::min(config.batchSize, rows));
  const size_t widest = static_cast<size_t>(*std::max_element(net.sizes.begin(), net.sizes.end()));
  const bool fits = fusedTrainingFits(net.sizes, batch, config.adam);
  if (config.gpuTrainer == GpuTrainer::Fused && !fits)
    throw OpError("internal error: the fused training kernel was asked for a net it cannot train");
  const bool fused =
      config.gpuTrainer == GpuTrainer::Fused || (config.gpuTrainer == GpuTrainer::Auto && fits);
  size_t sharedBytes = 0;
  if (fused) { // more than the default 48 KiB of shared memory must be asked for
    sharedBytes = fusedSharedBytes(net.sizes, batch, config.adam);
    check(cudaFuncSetAttribute(trainEpochFused, cudaFuncAttributeMaxDynamicSharedMemorySize,
                               static_cast<int>(sharedBytes)),
          "cudaFuncSetAttribute");
  }

  // The data goes up once and stays for every epoch.
  DeviceArray<double> dx(rows * features);
  dx.upload(x, rows * features);
  DeviceArray<int32_t> dy(rows), batchY(fused ? 0 : batch);
  dy.upload(y, rows);
  DeviceArray<uint32_t> dorder(rows);
  DeviceNet dnet(net, config.adam);
  std::vector<DeviceArray<double>> acts;
  DeviceArray<double> delta, deltaPrev;
  if (!fused) {
    acts = activations(net.sizes, batch);
    delta.resize(batch * widest);
    deltaPrev.resize(batch * widest);
  }
  std::vector<uint32_t> perm(rows);
  std::iota(perm.begin(), perm.end(), 0u);
  Trainer trainer{config, net.sizes, rows, batch, dx, dy, dorder, dnet, sharedBytes};

  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    if (!order(epoch, perm.data(), rows))
      throw OpError("training was canceled");
    dorder.upload(perm.data(), rows); // waits for the previous epoch's work
    if (fused)
      trainer.fusedEpoch();
    else
      trainer.blasEpoch(blas.get(), acts, batchY, delta, deltaPrev);
    check(cudaGetLastError(), "a training kernel");
  }

  // Mean cross-entropy over every row, summed on the host in row order.
  const size_t chunk = std::min(rows, kChunk);
  auto evalActs = activations(net.sizes, chunk);
  DeviceArray<double> loss(chunk);
  std::vector<double> hostLoss(chunk);
  double total = 0.0;
  for (size_t start = 0; start < rows; start += chunk) {
    size_t m = std::min(chunk, rows - start);
    forward(blas.get(), dnet, dx.get() + start * features, m, evalActs);
    rowLoss<<<blocksFor(m), kThreads>>>(evalActs.back().get(), dy.get() + start, m, classes,
                                        loss.get());
    check(cudaGetLastError(), "the loss kernel");
    loss.download(hostLoss.data(), m);
    for (size_t r = 0; r < m; ++r)
      total += hostLoss[r];
  }
  for (size_t l = 0; l < layers; ++l) {
    dnet.weights[l].value.download(net.weights[l].data(), net.weights[l].size());
    dnet.biases[l].value.download(net.biases[l].data(), net.biases[l].size());
  }
  check(cudaDeviceSynchronize(), "training on the GPU");
  return total / static_cast<double>(rows);
}

void predictDense(const DenseNet &net, const double *x, size_t rows, double *probs, int device) {
  if (rows == 0)
    return;
  check(cudaSetDevice(device), "cudaSetDevice");
  Blas blas;
  const int features = net.sizes.front(), classes = net.sizes.back();
  DeviceNet dnet(net, false);
  const size_t chunk = std::min(rows, kChunk);
  auto acts = activations(net.sizes, chunk);
  for (size_t start = 0; start < rows; start += chunk) {
    size_t m = std::min(chunk, rows - start);
    acts[0].upload(x + start * features, m * features);
    forward(blas.get(), dnet, acts[0].get(), m, acts);
    softmaxRows<<<blocksFor(m), kThreads>>>(acts.back().get(), m, classes);
    check(cudaGetLastError(), "the softmax kernel");
    acts.back().download(probs + start * classes, m * classes);
  }
}

} // namespace mlpc::ops::gpu
