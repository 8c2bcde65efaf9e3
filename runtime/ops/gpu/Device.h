// Whether the GPU path can run: the kernels were built (nvcc existed at build
// time) and a CUDA device is present now. Ops ask once per task and fall back
// to their CPU path otherwise; both paths agree within the tolerances
// docs/stdlib.md states.
#pragma once

#include <cstddef>
#include <string>

namespace mlpc::ops::gpu {

// True when this build carries the CUDA kernels.
bool built();

// True when a CUDA device can be used now. Otherwise `why` (if given) says
// why not: "built without CUDA", "no CUDA device", the driver's error, a
// device the kernels were not built for, cuBLAS missing.
bool available(std::string *why = nullptr);

// The name of device 0 and its peak memory bandwidth in GB/s (0 if unknown),
// for benchmark reports.
std::string deviceName();
double peakBandwidthGBs();

// Seconds one device-to-device cudaMemcpy of `bytes` takes (CUDA events, the
// mean of several copies after a warm-up): the reference the benchmarks set
// the kernels' bandwidth beside. 0 without CUDA; throws OpError when a CUDA
// call fails.
double timeDeviceCopy(size_t bytes);

// Throws OpError when a CUDA call failed, naming the call.
void check(int cudaStatus, const char *what);

} // namespace mlpc::ops::gpu
