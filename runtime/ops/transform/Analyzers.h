// The analyzers' arithmetic on plain arrays (CPU): moments of a numeric
// column, quantile boundaries, vocabulary counts. Transform.h states the
// TFT semantics they follow.
#pragma once

#include "runtime/ops/Table.h"
#include "runtime/ops/gpu/TransformKernels.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace mlpc::ops::transform {

// What z-score and 0-1 scaling need of a column.
struct Moments {
  int64_t count = 0;   // finite present values
  double mean = 0;     // of those; 0 when there are none (TFT's empty value)
  double variance = 0; // biased (divides by count)
  double min = std::numeric_limits<double>::infinity(); // present non-NaN values
  double max = -std::numeric_limits<double>::infinity();
};

// The shift the sums are taken around: the first finite present value, or 0.
// A constant column then sums exact zeros and gets variance 0 exactly.
double momentsShift(const double *x, const uint8_t *valid, size_t n);

// Sums of x - shift over the finite present values (valid may be null: all
// present): one vectorised pass, a second only when the column holds NaN
// or infinities.
gpu::ShiftedMoments shiftedMoments(const double *x, const uint8_t *valid, size_t n, double shift);

// Mean and variance from shifted sums. Sets `recentre` when the shift was so
// far from the mean (more than 8 standard deviations) that the sums lost
// precision: the caller sums again around the mean.
Moments finishMoments(const gpu::ShiftedMoments &sums, double shift, bool &recentre);

// Moments of one column on the CPU (shift, sums, and a second pass when
// `recentre` asks for it).
Moments columnMomentsCpu(const double *x, const uint8_t *valid, size_t n);

// num_buckets - 1 boundaries from the rank query of TFT's quantile sketch on
// the exact summary of `values` (NaN already removed); num_buckets - 1 zeros
// when `values` is empty. numBuckets >= 2.
std::vector<double> quantileBoundaries(std::vector<double> values, int64_t numBuckets);

struct Token {
  std::string value;
  int64_t count = 0;
};

// The text a vocabulary or hash sees for row `r` of a string or int column.
std::string tokenText(const Column &col, size_t r);

// The vocabulary of a string or int column, TFT's order (count descending,
// then value bytes descending); TFT's dummy entry (count 0) when empty.
std::vector<Token> vocabularyOf(const Column &col);

// TFT's placeholder for an empty vocabulary of `type` (string or int).
std::string emptyVocabularyDummy(DType type);

} // namespace mlpc::ops::transform
