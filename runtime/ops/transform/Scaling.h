// z-score and 0-1 scaling of numeric columns on the CPU or the GPU: the
// moments for `fit`, the affine map for `apply`, and for fit + apply on the
// same table a device copy kept between the two (one upload, one download).
#pragma once

#include "runtime/ops/Exec.h"
#include "runtime/ops/Table.h"
#include "runtime/ops/gpu/TransformKernels.h"
#include "runtime/ops/transform/Analyzers.h"

#include <memory>
#include <string>
#include <vector>

namespace mlpc::ops::transform {

// A numeric column as doubles (an int column is converted). Movable only:
// `values` may point into `converted`.
struct NumericColumn {
  std::string name;
  const double *values = nullptr;
  const uint8_t *valid = nullptr; // null: all present
  size_t rows = 0;
  std::vector<double> converted;

  NumericColumn() = default;
  NumericColumn(NumericColumn &&) = default;
  NumericColumn &operator=(NumericColumn &&) = default;
  NumericColumn(const NumericColumn &) = delete;
  NumericColumn &operator=(const NumericColumn &) = delete;
};

// OpError naming `what` and the column unless it is int or float.
NumericColumn numericColumn(const Column &col, const std::string &what);

gpu::ColumnMap zScoreMap(double mean, double stdDev);
gpu::ColumnMap minMaxMap(double min, double max);

// The columns kept on the device between fit and apply; opaque.
struct DeviceCache;
struct DeviceCacheDeleter {
  void operator()(DeviceCache *cache) const;
};
using DeviceCachePtr = std::unique_ptr<DeviceCache, DeviceCacheDeleter>;

// True when exec asks for the GPU and one is usable now.
bool useGpu(const ExecOptions &exec);

// Moments of every column (one GPU launch for all of them when useGpu).
// With `keep`, the uploaded columns stay on the device for mapColumns.
std::vector<Moments> columnMoments(const std::vector<NumericColumn> &cols, const ExecOptions &exec,
                                   DeviceCachePtr *keep = nullptr);

// out[c] = cols[c] mapped by maps[c]; missing values give 0. An empty
// out[c] is allocated; a sized one is written, and may be the very buffer
// cols[c] reads (mapping in place). A `cache` holding the same columns
// saves the upload.
void mapColumns(const std::vector<NumericColumn> &cols, const std::vector<gpu::ColumnMap> &maps,
                std::vector<std::vector<double>> &out, const ExecOptions &exec,
                DeviceCache *cache = nullptr);

// The CPU loop of mapColumns for one column: the result vector is built in
// the same pass (no zero fill first).
std::vector<double> mapColumnCpu(const NumericColumn &col, const gpu::ColumnMap &map);
// The same loop into `out` (rows doubles; may equal col.values).
void mapColumnCpu(const NumericColumn &col, const gpu::ColumnMap &map, double *out);

} // namespace mlpc::ops::transform
