// std.transform: row operations, and analyzers fitted on one table and
// applied to any (TensorFlow Transform's semantics). The lead's adapter,
// runtime/builtins/TransformOps.cpp, maps the .mlp components onto these.
//
// What matches TFT exactly, and where a tolerance applies (the interop test
// on the penguins data relies on this):
// - scale_to_z_score: mean and biased variance over the finite present
//   values (TFT ignores NaN and +-inf too); y = (x - mean) / std_dev, and
//   y = x - mean when std_dev is 0; no finite value: mean 0, std_dev 0.
//   TFT computes in float32 for float32 inputs, we in double: outputs agree
//   within float32 rounding (relative 1e-6), not bit for bit. We multiply
//   by 1/std_dev (one rounding more than a division: at most 1 ulp).
// - scale_to_0_1: (x - min) / (max - min) when min < max, else sigmoid(x);
//   no clipping of later data outside [min, max]. min/max include +-inf like
//   TFT's; NaN is ignored here, where TFT (TF >= 2.4) lets one NaN make min
//   and max NaN and so maps the whole column through the sigmoid.
// - bucketize: boundaries from the same rank query TFT's quantile sketch
//   (tfx_bsl WeightedQuantilesSummary::GenerateQuantiles) makes, run on the
//   exact summary of the column (every distinct value with its count), then
//   TFT's trimming of the min and max: num_buckets - 1 boundaries. TFT's
//   sketch (eps 0.01, split 3 ways, block size 5701) stays exact while the
//   column has at most ~5,700 distinct values, so on such data (the
//   penguins) the boundaries are the same data values TFT picks; on larger
//   data TFT's are approximate (rank error <= eps * n) and ours exact, so
//   they may differ by that much. Boundaries are rounded to float32, as TFT
//   stores them (the interop test matches every bucket index). NaN is ignored when fitting and maps
//   to the last bucket; no value at all gives num_buckets - 1 zero boundaries (TFT's empty output).
// - compute_and_apply_vocabulary: values by descending count, ties by
//   descending byte order (Python's reverse sort of (count, token)); for a
//   string column the empty string and values holding '\n' or '\r' are left
//   out (TFT's text vocabulary file cannot hold them); an empty vocabulary
//   gets TFT's dummy entry so indices stay TFT's. Unseen values: with
//   num_oov_buckets > 0, size + Fingerprint64(value) % num_oov_buckets
//   (tf.lookup.StaticVocabularyTable); otherwise -1. Int columns use their
//   decimal text, as TFT does.
// - hash_strings: Fingerprint64(value) % hash_buckets, unsigned
//   (tf.strings.to_hash_bucket_fast); exact. Int columns hash their decimal
//   text (an extension: TFT's hash_strings takes strings only).
// Missing values are what TFT's sparse inputs leave out: analyzers skip
// them and mappers keep them missing (the column stays nullable). A table
// with no rows fits TFT's empty results (above) rather than failing. The
// GPU path (exec.useGpu, z-score and 0-1 only) agrees with the CPU path
// within a relative 1e-12.
#pragma once

#include "runtime/ops/Exec.h"
#include "runtime/ops/Table.h"
#include "runtime/ops/transform/transform.pb.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlpc::ops::transform {

// Row operations -----------------------------------------------------------

// Drops the rows where any of `columns` is missing; those columns become
// non-nullable. An empty list drops nothing.
void dropMissing(Table &t, const std::vector<std::string> &columns);

// Sets the missing values of `columns` to `valueText` read as each column's
// type (int, float incl. nan/inf, bool true/false/1/0, string verbatim);
// those columns become non-nullable. Text a column's type cannot hold is an
// OpError naming the column.
void fillMissing(Table &t, const std::vector<std::string> &columns, const std::string &valueText);

// Keeps the rows whose `column` equals `valueText` read as the column's
// type; missing values never match (nor NaN).
void filterEquals(Table &t, const std::string &column, const std::string &valueText);

// Splits the rows into (train, test): a permutation from std::mt19937_64
// seeded with `seed` (portable Fisher-Yates), the first round(n * fraction)
// rows of it go to train; both keep the original row order. Deterministic
// for a seed on every platform. 0 < trainFraction < 1, else OpError.
std::pair<Table, Table> split(const Table &t, double trainFraction, uint64_t seed);

// Analyzers and mappers ----------------------------------------------------

struct FitSpec {
  std::vector<std::string> zScore, scale01, bucketize;
  int64_t numBuckets = 10;
  std::vector<std::string> vocabulary;
  int64_t numOovBuckets = 0;
  std::vector<std::string> hash;
  int64_t hashBuckets = 100;
};

// Fits every listed column (one transform per column; numeric columns for
// z_score/scale_0_1/bucketize, string or int for vocabulary/hash). The
// moments of z_score and scale_0_1 columns run on the GPU when
// exec.useGpu and one is available.
pb::TransformGraph fit(const Table &t, const FitSpec &spec, const ExecOptions &exec = {});

// Applies `graph` to `t`: transformed columns are replaced in place (z-score
// and 0-1 give float, the others int; nullability kept), others pass
// through. A transformed column `t` lacks is skipped (raw rows at inference
// carry no label).
Table apply(const Table &t, const pb::TransformGraph &graph, const ExecOptions &exec = {});
// The same on a table the caller gives up (std::move): its columns move
// into the result and float columns are scaled in their own buffers, so no
// new memory is touched (fresh pages are what a large apply mostly costs).
Table apply(Table &&t, const pb::TransformGraph &graph, const ExecOptions &exec = {});

// The schema `apply` gives a table with every input column.
Schema outputSchema(const pb::TransformGraph &graph);

// Binary protobuf. A file that is unreadable, corrupt or not a
// TransformGraph is an OpError naming the path.
void saveTransform(const pb::TransformGraph &graph, const std::string &path);
pb::TransformGraph loadTransform(const std::string &path);

// One-step ops: fit on `t` and apply to `t`. On the GPU the scaled columns
// are uploaded once and downloaded once. The Table&& forms reuse `t`'s
// buffers as apply(Table&&) does.
Table scaleToZScore(const Table &t, const std::vector<std::string> &columns,
                    const ExecOptions &exec = {});
Table scaleToZScore(Table &&t, const std::vector<std::string> &columns,
                    const ExecOptions &exec = {});
Table scaleTo01(const Table &t, const std::vector<std::string> &columns,
                const ExecOptions &exec = {});
Table scaleTo01(Table &&t, const std::vector<std::string> &columns, const ExecOptions &exec = {});
Table bucketize(const Table &t, const std::vector<std::string> &columns, int64_t numBuckets,
                const ExecOptions &exec = {});
Table bucketize(Table &&t, const std::vector<std::string> &columns, int64_t numBuckets,
                const ExecOptions &exec = {});
Table computeAndApplyVocabulary(const Table &t, const std::vector<std::string> &columns,
                                int64_t numOovBuckets, const ExecOptions &exec = {});
Table computeAndApplyVocabulary(Table &&t, const std::vector<std::string> &columns,
                                int64_t numOovBuckets, const ExecOptions &exec = {});
Table hashStrings(const Table &t, const std::vector<std::string> &columns, int64_t hashBuckets,
                  const ExecOptions &exec = {});
Table hashStrings(Table &&t, const std::vector<std::string> &columns, int64_t hashBuckets,
                  const ExecOptions &exec = {});

} // namespace mlpc::ops::transform
