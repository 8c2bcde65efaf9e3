#include "runtime/ops/transform/Scaling.h"

#include "runtime/ops/gpu/Device.h"

#include <cmath>
#include <iterator>

namespace mlpc::ops::transform {

struct DeviceCache {
  std::vector<std::string> names; // the columns, in upload order
#if MLPC_HAVE_CUDA
  std::unique_ptr<gpu::DeviceColumns> columns;
#endif
};

void DeviceCacheDeleter::operator()(DeviceCache *cache) const { delete cache; }

namespace {

#if MLPC_HAVE_CUDA
std::vector<std::string> namesOf(const std::vector<NumericColumn> &cols) {
  std::vector<std::string> names;
  for (const NumericColumn &c : cols)
    names.push_back(c.name);
  return names;
}

DeviceCachePtr upload(const std::vector<NumericColumn> &cols, int device) {
  DeviceCachePtr cache(new DeviceCache);
  cache->names = namesOf(cols);
  std::vector<const double *> values;
  std::vector<const uint8_t *> valid;
  for (const NumericColumn &c : cols) {
    values.push_back(c.values);
    valid.push_back(c.valid);
  }
  const size_t rows = cols.empty() ? 0 : cols.front().rows;
  cache->columns = std::make_unique<gpu::DeviceColumns>(values, valid, rows, device);
  return cache;
}

std::vector<Moments> gpuMoments(const std::vector<NumericColumn> &cols,
                                gpu::DeviceColumns &device) {
  std::vector<double> shifts;
  for (const NumericColumn &c : cols)
    shifts.push_back(momentsShift(c.values, c.valid, c.rows));
  std::vector<gpu::ShiftedMoments> sums = device.moments(shifts);
  std::vector<Moments> out(cols.size());
  bool again = false;
  std::vector<uint8_t> recentre(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    bool r = false;
    out[c] = finishMoments(sums[c], shifts[c], r);
    recentre[c] = r;
    again = again || r;
  }
  if (again) {
    for (size_t c = 0; c < cols.size(); ++c)
      shifts[c] = out[c].mean;
    sums = device.moments(shifts);
    for (size_t c = 0; c < cols.size(); ++c) {
      bool r = false;
      if (recentre[c])
        out[c] = finishMoments(sums[c], shifts[c], r);
    }
  }
  return out;
}
#endif

} // namespace

NumericColumn numericColumn(const Column &col, const std::string &what) {
  NumericColumn n;
  n.name = col.name;
  n.rows = col.size();
  n.valid = col.valid.empty() ? nullptr : col.valid.data();
  if (col.type == DType::Float64) {
    n.values = col.floats.data();
  } else if (col.type == DType::Int64) {
    n.converted.assign(col.ints.begin(), col.ints.end());
    n.values = n.converted.data();
  } else {
    throw OpError(what + ": column `" + col.name + "` is " + dtypeName(col.type) +
                  "; it needs a numeric (int or float) column");
  }
  return n;
}

gpu::ColumnMap zScoreMap(double mean, double stdDev) {
  gpu::ColumnMap m;
  m.shift = mean;
  // TFT: a zero standard deviation leaves x - mean.
  m.scale = stdDev != 0 ? 1.0 / stdDev : 1.0;
  return m;
}

gpu::ColumnMap minMaxMap(double min, double max) {
  gpu::ColumnMap m;
  if (min < max) {
    m.shift = min;
    m.scale = 1.0 / (max - min);
  } else {
    m.sigmoid = true; // TFT: constant or empty column
  }
  return m;
}

bool useGpu(const ExecOptions &exec) { return exec.useGpu && gpu::available(); }

std::vector<Moments> columnMoments(const std::vector<NumericColumn> &cols, const ExecOptions &exec,
                                   DeviceCachePtr *keep) {
#if MLPC_HAVE_CUDA
  if (useGpu(exec) && !cols.empty()) {
    DeviceCachePtr cache = upload(cols, exec.gpuDevice);
    std::vector<Moments> out = gpuMoments(cols, *cache->columns);
    if (keep)
      *keep = std::move(cache);
    return out;
  }
#endif
  (void)keep;
  std::vector<Moments> out;
  for (const NumericColumn &c : cols)
    out.push_back(columnMomentsCpu(c.values, c.valid, c.rows));
  return out;
}

namespace {

// A random-access iterator over f(0), f(1), ...: a std::vector built from a
// pair of them is filled in one pass, where resize() would first write zeros.
template <typename F> struct Generated {
  using iterator_category = std::random_access_iterator_tag;
  using value_type = double;
  using difference_type = std::ptrdiff_t;
  using pointer = const double *;
  using reference = double;

  const F *f;
  size_t i;

  double operator*() const { return (*f)(i); }
  Generated &operator++() {
    ++i;
    return *this;
  }
  Generated operator++(int) {
    Generated old = *this;
    ++i;
    return old;
  }
  Generated &operator+=(difference_type d) {
    i += static_cast<size_t>(d);
    return *this;
  }
  difference_type operator-(const Generated &o) const {
    return static_cast<difference_type>(i) - static_cast<difference_type>(o.i);
  }
  bool operator==(const Generated &o) const { return i == o.i; }
  bool operator!=(const Generated &o) const { return i != o.i; }
};

template <typename F> std::vector<double> generate(size_t n, const F &f) {
  return std::vector<double>(Generated<F>{&f, 0}, Generated<F>{&f, n});
}

} // namespace

std::vector<double> mapColumnCpu(const NumericColumn &col, const gpu::ColumnMap &map) {
  const double *x = col.values;
  const uint8_t *valid = col.valid;
  const double shift = map.shift, scale = map.scale;
  if (map.sigmoid)
    return generate(col.rows, [&](size_t i) {
      return !valid || valid[i] ? 1.0 / (1.0 + std::exp(-x[i])) : 0.0;
    });
  if (valid)
    return generate(col.rows, [&](size_t i) {
      const double y = (x[i] - shift) * scale; // unconditional, so the select blends
      return valid[i] ? y : 0.0;
    });
  return generate(col.rows, [&](size_t i) { return (x[i] - shift) * scale; });
}

void mapColumnCpu(const NumericColumn &col, const gpu::ColumnMap &map, double *out) {
  const double *x = col.values;
  const uint8_t *valid = col.valid;
  const size_t n = col.rows;
  const double shift = map.shift, scale = map.scale;
  if (map.sigmoid) {
    for (size_t i = 0; i < n; ++i)
      out[i] = !valid || valid[i] ? 1.0 / (1.0 + std::exp(-x[i])) : 0.0;
  } else if (valid) {
    for (size_t i = 0; i < n; ++i) {
      const double y = (x[i] - shift) * scale;
      out[i] = valid[i] ? y : 0.0;
    }
  } else {
    for (size_t i = 0; i < n; ++i)
      out[i] = (x[i] - shift) * scale;
  }
}

void mapColumns(const std::vector<NumericColumn> &cols, const std::vector<gpu::ColumnMap> &maps,
                std::vector<std::vector<double>> &out, const ExecOptions &exec,
                DeviceCache *cache) {
  out.resize(cols.size());
#if MLPC_HAVE_CUDA
  if (useGpu(exec) && !cols.empty()) {
    DeviceCachePtr fresh;
    if (!cache || cache->names != namesOf(cols)) {
      fresh = upload(cols, exec.gpuDevice);
      cache = fresh.get();
    }
    cache->columns->map(maps);
    std::vector<double *> targets;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (out[c].size() != cols[c].rows)
        out[c].resize(cols[c].rows);
      targets.push_back(out[c].data());
    }
    cache->columns->download(targets);
    cache->names.clear(); // mapped in place: no longer the raw columns
    return;
  }
#endif
  (void)exec;
  (void)cache;
  for (size_t c = 0; c < cols.size(); ++c) {
    if (out[c].size() == cols[c].rows && cols[c].rows)
      mapColumnCpu(cols[c], maps[c], out[c].data());
    else
      out[c] = mapColumnCpu(cols[c], maps[c]);
  }
}

} // namespace mlpc::ops::transform
