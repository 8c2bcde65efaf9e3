#include "runtime/ops/gpu/Device.h"

#include "runtime/ops/Table.h"

#if MLPC_HAVE_CUDA
#include "runtime/ops/gpu/Cublas.h"
#include "runtime/ops/gpu/TransformKernels.h"

#include <cuda_runtime_api.h>
#endif

namespace mlpc::ops::gpu {

bool built() { return MLPC_HAVE_CUDA != 0; }

#if MLPC_HAVE_CUDA
bool available(std::string *why) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    if (why)
      *why = std::string("no usable CUDA device (") + cudaGetErrorString(e) + ")";
    cudaGetLastError(); // clear the sticky error
    return false;
  }
  if (count == 0) {
    if (why)
      *why = "no CUDA device";
    return false;
  }
  return kernelsRunOnDevice(why) && cublasLoaded(why); // the model kernels need cuBLAS
}

std::string deviceName() {
  cudaDeviceProp p;
  if (cudaGetDeviceProperties(&p, 0) != cudaSuccess)
    return "";
  return p.name;
}

double peakBandwidthGBs() {
  int clockKHz = 0, busBits = 0;
  if (cudaDeviceGetAttribute(&clockKHz, cudaDevAttrMemoryClockRate, 0) != cudaSuccess ||
      cudaDeviceGetAttribute(&busBits, cudaDevAttrGlobalMemoryBusWidth, 0) != cudaSuccess)
    return 0;
  // Double data rate: two transfers per clock.
  return 2.0 * clockKHz * 1e3 * (busBits / 8.0) / 1e9;
}

double timeDeviceCopy(size_t bytes) {
  constexpr int kCopies = 10;
  void *src = nullptr, *dst = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  float ms = 0;
  cudaError_t e = cudaMalloc(&src, bytes);
  if (e == cudaSuccess)
    e = cudaMalloc(&dst, bytes);
  if (e == cudaSuccess)
    e = cudaMemset(src, 1, bytes);
  if (e == cudaSuccess)
    e = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice); // warm-up
  if (e == cudaSuccess)
    e = cudaEventCreate(&start);
  if (e == cudaSuccess)
    e = cudaEventCreate(&stop);
  if (e == cudaSuccess)
    e = cudaEventRecord(start);
  for (int i = 0; i < kCopies && e == cudaSuccess; ++i)
    e = cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice);
  if (e == cudaSuccess)
    e = cudaEventRecord(stop);
  if (e == cudaSuccess)
    e = cudaEventSynchronize(stop);
  if (e == cudaSuccess)
    e = cudaEventElapsedTime(&ms, start, stop);
  if (start)
    cudaEventDestroy(start);
  if (stop)
    cudaEventDestroy(stop);
  cudaFree(src); // cudaFree(nullptr) is a no-op
  cudaFree(dst);
  check(e, "the device-to-device copy");
  return ms / 1e3 / kCopies;
}

void check(int status, const char *what) {
  if (status != cudaSuccess)
    throw OpError(std::string("CUDA: ") + what +
                  " failed: " + cudaGetErrorString(static_cast<cudaError_t>(status)));
}
#else
bool available(std::string *why) {
  if (why)
    *why = "this mlpc was built without CUDA (nvcc was not found at build time)";
  return false;
}
std::string deviceName() { return ""; }
double peakBandwidthGBs() { return 0; }
double timeDeviceCopy(size_t) { return 0; }
void check(int, const char *) {}
#endif

} // namespace mlpc::ops::gpu
