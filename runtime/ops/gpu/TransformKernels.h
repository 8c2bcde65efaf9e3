// The GPU path of the transform's numeric analyzers and mappers
// (runtime/ops/transform/Scaling.cpp): the moments of many float columns in
// one launch, and the affine map y = (x - shift) * scale (or the sigmoid) of
// all of them in one launch, on columns uploaded once and kept on the
// device between the two, so a fit + apply crosses the bus twice.
//
// The sums are taken around a per-column shift (the host passes the
// column's first finite value), the same "shifted data" algorithm the CPU
// path runs, so a constant column has exactly zero variance on both and
// the results agree up to summation order (relative 1e-12; the test in
// test/unit/ops/transform/GpuTest.cpp checks it).
//
// The structs are plain data shared with the CPU path; DeviceColumns exists
// only when MLPC_HAVE_CUDA is 1 and is used after gpu::available().
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace mlpc::ops::gpu {

// Sums over one column's values. count, sum and sumSquares take the finite
// present values (x - shift); min and max the present non-NaN values
// (infinities included), +inf / -inf when there are none.
struct ShiftedMoments {
  double count = 0;
  double sum = 0;
  double sumSquares = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

// How a column is mapped: (x - shift) * scale, or 1 / (1 + exp(-x)).
struct ColumnMap {
  double shift = 0;
  double scale = 1;
  bool sigmoid = false;
};

#if MLPC_HAVE_CUDA
// Whether this build's kernels can run on the current device: its machine
// code or PTX suits the device's compute capability. Otherwise `why` (if
// given) names the device and the CMake option that builds for it.
bool kernelsRunOnDevice(std::string *why);

// Columns of `rows` doubles on device `device`. valid[c] is one byte per row
// (1 = present) or null when every value is present. Throws OpError on a
// CUDA failure.
class DeviceColumns {
public:
  DeviceColumns(const std::vector<const double *> &values,
                const std::vector<const uint8_t *> &valid, size_t rows, int device);
  ~DeviceColumns();
  DeviceColumns(const DeviceColumns &) = delete;
  DeviceColumns &operator=(const DeviceColumns &) = delete;

  size_t columns() const;
  size_t rows() const;

  // One launch over every column; shifts[c] is column c's shift.
  std::vector<ShiftedMoments> moments(const std::vector<double> &shifts);
  // One launch, in place; missing values become 0.
  void map(const std::vector<ColumnMap> &maps);
  // Copies column c into out[c] (rows doubles each).
  void download(const std::vector<double *> &out) const;

  // Seconds the kernels (moments and map) ran since construction or the
  // last reset, timed with CUDA events: the kernel-only figure of the
  // benchmark, where end-to-end adds the copies.
  double kernelSeconds() const;
  void resetKernelSeconds();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
#endif

} // namespace mlpc::ops::gpu
