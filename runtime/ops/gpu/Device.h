// Whether the GPU path can run: the kernels were built (nvcc existed at build
// time) and a CUDA device is present now. Ops ask once per task and fall back
// to their CPU path otherwise; both paths agree within the tolerances
// docs/stdlib.md states.
#pragma once

#include <string>

namespace mlpc::ops::gpu {

// True when this build carries the CUDA kernels.
bool built();

// True when a CUDA device can be used now. Otherwise `why` (if given) says
// why not: "built without CUDA", "no CUDA device", the driver's error.
bool available(std::string *why = nullptr);

// The name of device 0 and its peak memory bandwidth in GB/s (0 if unknown),
// for benchmark reports.
std::string deviceName();
double peakBandwidthGBs();

// Throws OpError when a CUDA call failed, naming the call.
void check(int cudaStatus, const char *what);

} // namespace mlpc::ops::gpu
