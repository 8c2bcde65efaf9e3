#include "runtime/ops/transform/Analyzers.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace mlpc::ops::transform {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The sums are OpenMP SIMD reductions (compiled with -fopenmp-simd, no
// runtime needed): the pragma allows the vector partial sums that plain
// C++ forbids without -ffast-math. The order is fixed for a build, so
// results are deterministic.

// Every value present and, as the result shows, finite: no selects at all.
gpu::ShiftedMoments plainSums(const double *x, size_t n, double shift) {
  double sum = 0, squares = 0, lo = kInf, hi = -kInf;
#pragma omp simd reduction(+ : sum, squares) reduction(min : lo) reduction(max : hi)
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i]; // a value, not a reference, for std::min to blend
    const double d = v - shift;
    sum += d;
    squares += d * d;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  gpu::ShiftedMoments m;
  m.count = static_cast<double>(n);
  m.sum = sum;
  m.sumSquares = squares;
  m.min = n ? lo : kInf;
  m.max = n ? hi : -kInf;
  return m;
}

// Missing values (valid[i] == 0, or every one when valid is null: then it
// is the finite check that matters) and non-finite values are skipped.
// A missing value becomes NaN, which min and max ignore.
template <bool Masked>
gpu::ShiftedMoments carefulSums(const double *x, const uint8_t *valid, size_t n, double shift) {
  double count = 0, sum = 0, squares = 0, lo = kInf, hi = -kInf;
#pragma omp simd reduction(+ : count, sum, squares) reduction(min : lo) reduction(max : hi)
  for (size_t i = 0; i < n; ++i) {
    const double raw = x[i]; // loaded unconditionally, so the select blends
    const double v = Masked && !valid[i] ? kNaN : raw;
    const bool finite = v - v == 0.0; // false for NaN and +-inf
    const double d = finite ? v - shift : 0.0;
    count += finite ? 1.0 : 0.0;
    sum += d;
    squares += d * d;
    lo = std::min(lo, v); // v < lo ? v : lo: NaN never wins
    hi = std::max(hi, v);
  }
  gpu::ShiftedMoments m;
  m.count = count;
  m.sum = sum;
  m.sumSquares = squares;
  m.min = lo;
  m.max = hi;
  return m;
}

// Python's reverse sort of (count, token) tuples: bytes compare unsigned,
// as std::string does.
bool tftOrder(const Token &a, const Token &b) {
  if (a.count != b.count)
    return a.count > b.count;
  return a.value > b.value;
}

} // namespace

double momentsShift(const double *x, const uint8_t *valid, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if ((!valid || valid[i]) && std::isfinite(x[i]))
      return x[i];
  return 0;
}

gpu::ShiftedMoments shiftedMoments(const double *x, const uint8_t *valid, size_t n, double shift) {
  // Blocks of 4096 values, summed in vectors and then added up: one large
  // value absorbs the rounding of its block only, not of the whole column.
  constexpr size_t kBlock = 4096;
  gpu::ShiftedMoments total;
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t len = std::min(kBlock, n - begin);
    gpu::ShiftedMoments m;
    if (valid) {
      m = carefulSums<true>(x + begin, valid + begin, len, shift);
    } else {
      // A NaN or infinity makes the plain sums non-finite: then the block is
      // summed again, skipping them.
      m = plainSums(x + begin, len, shift);
      if (!std::isfinite(m.sum) || !std::isfinite(m.sumSquares))
        m = carefulSums<false>(x + begin, nullptr, len, shift);
    }
    total.count += m.count;
    total.sum += m.sum;
    total.sumSquares += m.sumSquares;
    total.min = std::min(total.min, m.min);
    total.max = std::max(total.max, m.max);
  }
  return total;
}

Moments finishMoments(const gpu::ShiftedMoments &s, double shift, bool &recentre) {
  Moments m;
  m.min = s.min;
  m.max = s.max;
  m.count = static_cast<int64_t>(s.count);
  recentre = false;
  if (m.count == 0)
    return m;
  const double offset = s.sum / s.count; // mean - shift
  m.mean = shift + offset;
  m.variance = std::max(0.0, s.sumSquares / s.count - offset * offset);
  recentre = offset * offset > 64 * m.variance;
  return m;
}

Moments columnMomentsCpu(const double *x, const uint8_t *valid, size_t n) {
  double shift = momentsShift(x, valid, n);
  bool recentre = false;
  Moments m = finishMoments(shiftedMoments(x, valid, n, shift), shift, recentre);
  if (recentre) {
    shift = m.mean;
    m = finishMoments(shiftedMoments(x, valid, n, shift), shift, recentre);
  }
  return m;
}

std::vector<double> quantileBoundaries(std::vector<double> values, int64_t numBuckets) {
  const size_t wanted = static_cast<size_t>(numBuckets - 1);
  if (values.empty())
    return std::vector<double>(wanted, 0.0);
  std::sort(values.begin(), values.end());
  // The exact summary: each distinct value with its weight (count) and the
  // ranks before and after it.
  struct Entry {
    double value, weight, minRank, maxRank;
  };
  std::vector<Entry> entries;
  double cumulative = 0;
  for (size_t i = 0; i < values.size();) {
    size_t j = i + 1;
    while (j < values.size() && values[j] == values[i])
      ++j;
    const double weight = static_cast<double>(j - i);
    entries.push_back({values[i], weight, cumulative, cumulative + weight});
    cumulative += weight;
    i = j;
  }
  // Rank query q = 0..numBuckets: take the entry whose rank midpoint range
  // holds the target rank (doubled to stay in integers where TFT does).
  const double total = entries.back().maxRank;
  std::vector<double> quantiles;
  quantiles.reserve(wanted + 2);
  size_t cur = 0;
  for (int64_t q = 0; q <= numBuckets; ++q) {
    const double target2 = 2 * (static_cast<double>(q) * total / static_cast<double>(numBuckets));
    size_t next = cur + 1;
    while (next < entries.size() && target2 >= entries[next].minRank + entries[next].maxRank)
      ++next;
    cur = next - 1;
    const bool takeCurrent =
        next == entries.size() || target2 < (entries[cur].minRank + entries[cur].weight) +
                                                (entries[next].maxRank - entries[next].weight);
    quantiles.push_back(takeCurrent ? entries[cur].value : entries[next].value);
  }
  // TFT drops the first and last (the min and the max).
  return std::vector<double>(quantiles.begin() + 1, quantiles.end() - 1);
}

std::string tokenText(const Column &col, size_t r) {
  return col.type == DType::String ? col.strings[r] : std::to_string(col.ints[r]);
}

std::string emptyVocabularyDummy(DType type) {
  return type == DType::String ? "49d0cd50-04bb-48c0-bc6f-5b575dce351a" : "-1";
}

std::vector<Token> vocabularyOf(const Column &col) {
  if (col.type != DType::String && col.type != DType::Int64)
    throw OpError(std::string("vocabulary: column `") + col.name + "` is " + dtypeName(col.type) +
                  "; a vocabulary needs a string or int column");
  std::unordered_map<std::string, int64_t> counts;
  const size_t n = col.size();
  for (size_t r = 0; r < n; ++r) {
    if (!col.isValid(r))
      continue;
    if (col.type == DType::String) {
      const std::string &s = col.strings[r];
      // TFT's text vocabulary file cannot hold these.
      if (s.empty() || s.find_first_of("\n\r") != std::string::npos)
        continue;
      ++counts[s];
    } else {
      ++counts[std::to_string(col.ints[r])];
    }
  }
  std::vector<Token> tokens;
  tokens.reserve(counts.size());
  for (auto &kv : counts)
    tokens.push_back({kv.first, kv.second});
  std::sort(tokens.begin(), tokens.end(), tftOrder);
  if (tokens.empty())
    tokens.push_back({emptyVocabularyDummy(col.type), 0});
  return tokens;
}

} // namespace mlpc::ops::transform
