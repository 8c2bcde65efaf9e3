// Kernels of runtime/ops/gpu/TransformKernels.h. Both kernels cover every
// column in one launch: blockIdx.y picks the column, a grid-stride loop over
// blockIdx.x the rows. The moments kernel leaves one partial per block; the
// host adds them in block order, so a run is deterministic.
#include "runtime/ops/gpu/TransformKernels.h"

#include "runtime/ops/Table.h"
#include "runtime/ops/gpu/Device.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <string>

namespace mlpc::ops::gpu {

namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr size_t kMaxBlocksPerColumn = 2048;

struct Acc {
  double count, sum, squares, min, max;
};

__device__ Acc emptyAcc() {
  const double inf = __longlong_as_double(0x7ff0000000000000LL);
  return {0, 0, 0, inf, -inf};
}

__device__ void combine(Acc &a, const Acc &b) {
  a.count += b.count;
  a.sum += b.sum;
  a.squares += b.squares;
  a.min = b.min < a.min ? b.min : a.min;
  a.max = b.max > a.max ? b.max : a.max;
}

__device__ Acc warpReduce(Acc a) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    Acc b;
    b.count = __shfl_down_sync(0xffffffffu, a.count, offset);
    b.sum = __shfl_down_sync(0xffffffffu, a.sum, offset);
    b.squares = __shfl_down_sync(0xffffffffu, a.squares, offset);
    b.min = __shfl_down_sync(0xffffffffu, a.min, offset);
    b.max = __shfl_down_sync(0xffffffffu, a.max, offset);
    combine(a, b);
  }
  return a;
}

__global__ void momentsKernel(const double *const *cols, const uint8_t *const *valid,
                              const double *shifts, size_t rows, Acc *partials) {
  const unsigned c = blockIdx.y;
  const double *x = cols[c];
  const uint8_t *present = valid[c];
  const double shift = shifts[c];
  Acc a = emptyAcc();
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < rows;
       i += stride) {
    const double v = x[i];
    if (present && !present[i])
      continue;
    if (!isnan(v)) {
      a.min = v < a.min ? v : a.min;
      a.max = v > a.max ? v : a.max;
    }
    if (isfinite(v)) {
      const double d = v - shift;
      a.count += 1;
      a.sum += d;
      a.squares += d * d;
    }
  }
  __shared__ Acc perWarp[kWarps];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  a = warpReduce(a);
  if (lane == 0)
    perWarp[warp] = a;
  __syncthreads();
  if (warp == 0) {
    a = lane < kWarps ? perWarp[lane] : emptyAcc();
    a = warpReduce(a);
    if (lane == 0)
      partials[static_cast<size_t>(c) * gridDim.x + blockIdx.x] = a;
  }
}

__global__ void mapKernel(double *const *cols, const uint8_t *const *valid, const ColumnMap *maps,
                          size_t rows) {
  const unsigned c = blockIdx.y;
  double *x = cols[c];
  const uint8_t *present = valid[c];
  const ColumnMap m = maps[c];
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < rows;
       i += stride) {
    const double v = x[i];
    double y = m.sigmoid ? 1.0 / (1.0 + exp(-v)) : (v - m.shift) * m.scale;
    if (present && !present[i])
      y = 0.0;
    x[i] = y;
  }
}

template <typename T> T *deviceAlloc(size_t count) {
  T *p = nullptr;
  if (count)
    check(cudaMalloc(reinterpret_cast<void **>(&p), count * sizeof(T)), "cudaMalloc");
  return p;
}

void toDevice(void *dst, const void *src, size_t bytes) {
  if (bytes)
    check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy to device");
}

} // namespace

bool kernelsRunOnDevice(std::string *why) {
  cudaFuncAttributes attributes;
  cudaError_t e = cudaFuncGetAttributes(&attributes, mapKernel);
  if (e == cudaSuccess)
    return true;
  cudaGetLastError(); // clear the error
  if (why) {
    int device = 0, major = 0, minor = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
    cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
    *why = "GPU " + std::to_string(device) + " (" + deviceName() + ", compute capability " +
           std::to_string(major) + "." + std::to_string(minor) +
           ") cannot run this mlpc's kernels (" + cudaGetErrorString(e) +
           "); rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(major * 10 + minor);
  }
  return false;
}

struct DeviceColumns::Impl {
  size_t rows = 0, cols = 0;
  unsigned blocks = 1;
  double *values = nullptr; // cols x rows
  std::vector<uint8_t *> masks;
  double **colPtrs = nullptr;
  const uint8_t **validPtrs = nullptr;
  double *params = nullptr; // shifts, or ColumnMaps
  Acc *partials = nullptr;  // cols x blocks
  cudaEvent_t start = nullptr, stop = nullptr;
  double kernelSeconds = 0;

  ~Impl() {
    for (uint8_t *m : masks)
      if (m)
        cudaFree(m);
    for (void *p :
         {static_cast<void *>(values), static_cast<void *>(colPtrs), static_cast<void *>(validPtrs),
          static_cast<void *>(params), static_cast<void *>(partials)})
      if (p)
        cudaFree(p);
    if (start)
      cudaEventDestroy(start);
    if (stop)
      cudaEventDestroy(stop);
  }

  // Runs `launch` between the timing events and adds its time.
  template <typename Launch> void timed(Launch launch) {
    check(cudaEventRecord(start), "cudaEventRecord");
    launch();
    check(cudaGetLastError(), "kernel launch");
    check(cudaEventRecord(stop), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    kernelSeconds += ms / 1e3;
  }
};

DeviceColumns::DeviceColumns(const std::vector<const double *> &values,
                             const std::vector<const uint8_t *> &valid, size_t rows, int device)
    : impl_(std::make_unique<Impl>()) {
  if (valid.size() != values.size())
    throw OpError("internal error: DeviceColumns needs one mask entry per column");
  check(cudaSetDevice(device), "cudaSetDevice");
  Impl &d = *impl_;
  d.rows = rows;
  d.cols = values.size();
  d.blocks = static_cast<unsigned>(
      std::clamp<size_t>((rows + kThreads * 8 - 1) / (kThreads * 8), 1, kMaxBlocksPerColumn));
  check(cudaEventCreate(&d.start), "cudaEventCreate");
  check(cudaEventCreate(&d.stop), "cudaEventCreate");
  d.values = deviceAlloc<double>(d.cols * rows);
  std::vector<double *> colPtrs(d.cols);
  std::vector<const uint8_t *> validPtrs(d.cols, nullptr);
  d.masks.assign(d.cols, nullptr);
  for (size_t c = 0; c < d.cols; ++c) {
    colPtrs[c] = d.values + c * rows;
    toDevice(colPtrs[c], values[c], rows * sizeof(double));
    if (valid[c] && rows) {
      d.masks[c] = deviceAlloc<uint8_t>(rows);
      toDevice(d.masks[c], valid[c], rows);
      validPtrs[c] = d.masks[c];
    }
  }
  d.colPtrs = deviceAlloc<double *>(d.cols);
  d.validPtrs = deviceAlloc<const uint8_t *>(d.cols);
  toDevice(d.colPtrs, colPtrs.data(), d.cols * sizeof(double *));
  toDevice(d.validPtrs, validPtrs.data(), d.cols * sizeof(const uint8_t *));
  static_assert(sizeof(ColumnMap) % sizeof(double) == 0, "ColumnMap packs into doubles");
  d.params = deviceAlloc<double>(d.cols * (sizeof(ColumnMap) / sizeof(double)));
  d.partials = deviceAlloc<Acc>(d.cols * d.blocks);
}

DeviceColumns::~DeviceColumns() = default;

size_t DeviceColumns::columns() const { return impl_->cols; }
size_t DeviceColumns::rows() const { return impl_->rows; }

std::vector<ShiftedMoments> DeviceColumns::moments(const std::vector<double> &shifts) {
  Impl &d = *impl_;
  std::vector<ShiftedMoments> out(d.cols);
  if (d.cols == 0 || d.rows == 0)
    return out;
  if (shifts.size() != d.cols)
    throw OpError("internal error: DeviceColumns::moments needs one shift per column");
  toDevice(d.params, shifts.data(), d.cols * sizeof(double));
  d.timed([&] {
    momentsKernel<<<dim3(d.blocks, static_cast<unsigned>(d.cols)), kThreads>>>(
        d.colPtrs, d.validPtrs, d.params, d.rows, d.partials);
  });
  std::vector<Acc> partials(d.cols * d.blocks);
  check(cudaMemcpy(partials.data(), d.partials, partials.size() * sizeof(Acc),
                   cudaMemcpyDeviceToHost),
        "cudaMemcpy to host");
  for (size_t c = 0; c < d.cols; ++c) {
    ShiftedMoments &m = out[c];
    for (size_t b = 0; b < d.blocks; ++b) {
      const Acc &p = partials[c * d.blocks + b];
      m.count += p.count;
      m.sum += p.sum;
      m.sumSquares += p.squares;
      m.min = std::min(m.min, p.min);
      m.max = std::max(m.max, p.max);
    }
  }
  return out;
}

void DeviceColumns::map(const std::vector<ColumnMap> &maps) {
  Impl &d = *impl_;
  if (d.cols == 0 || d.rows == 0)
    return;
  if (maps.size() != d.cols)
    throw OpError("internal error: DeviceColumns::map needs one map per column");
  toDevice(d.params, maps.data(), d.cols * sizeof(ColumnMap));
  d.timed([&] {
    mapKernel<<<dim3(d.blocks, static_cast<unsigned>(d.cols)), kThreads>>>(
        d.colPtrs, d.validPtrs, reinterpret_cast<const ColumnMap *>(d.params), d.rows);
  });
}

void DeviceColumns::download(const std::vector<double *> &out) const {
  const Impl &d = *impl_;
  if (out.size() != d.cols)
    throw OpError("internal error: DeviceColumns::download needs one output per column");
  for (size_t c = 0; c < d.cols; ++c)
    if (d.rows)
      check(cudaMemcpy(out[c], d.values + c * d.rows, d.rows * sizeof(double),
                       cudaMemcpyDeviceToHost),
            "cudaMemcpy to host");
}

double DeviceColumns::kernelSeconds() const { return impl_->kernelSeconds; }
void DeviceColumns::resetKernelSeconds() { impl_->kernelSeconds = 0; }

} // namespace mlpc::ops::gpu
