// How table columns become the model's input vectors: numeric columns as
// doubles, categorical (class index) columns one-hot encoded, concatenated in
// feature order into one contiguous row-major matrix.
#pragma once

#include "runtime/ops/Table.h"
#include "runtime/ops/model/model.pb.h"

#include <string>
#include <vector>

namespace mlpc::ops::model {

// The features of a model trained on `table`: `categorical` (a subset of
// `names`) are one-hot encoded with width max index + 1, or the range the
// transform gives the column (vocabulary with OOV buckets, buckets, hash
// buckets) when larger. Throws OpError for an unknown column, a string
// column, a non-int categorical column or a negative index.
std::vector<pb::Feature> describeFeatures(const Table &table, const std::vector<std::string> &names,
                                          const std::vector<std::string> &categorical,
                                          const pb::TransformGraph *transform);

// The rows x width input matrix. Throws OpError naming the column and row
// (counted from 1) of a missing value, or a column of the wrong type.
std::vector<double> inputMatrix(const Table &table,
                                const google::protobuf::RepeatedPtrField<pb::Feature> &features,
                                size_t width);

// Rows [begin, end) of the input matrix into `out` ((end - begin) x width).
void inputRows(const Table &table, const google::protobuf::RepeatedPtrField<pb::Feature> &features,
               size_t width, size_t begin, size_t end, double *out);

// The int class indices of `column`, checked: present, >= 0. Sets
// `maxLabel` to the largest (-1 for no rows).
std::vector<int32_t> classIndices(const Table &table, const std::string &column, int64_t &maxLabel);

// The transform's vocabulary of `column`, or null.
const pb::Vocabulary *vocabularyOf(const pb::TransformGraph &transform, const std::string &column);

// The message for a missing value where a model needs one.
std::string missingValueMessage(const std::string &column, size_t row);

} // namespace mlpc::ops::model
