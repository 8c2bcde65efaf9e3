#include "runtime/ops/model/Features.h"
#include "runtime/ops/transform/Graph.h"

#include "runtime/ops/model/Model.h"

#include <algorithm>
#include <limits>

namespace mlpc::ops::model {

namespace {

bool contains(const std::vector<std::string> &names, const std::string &name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The index range the transform gives `column`, or 0 when it gives none.
int64_t transformRange(const pb::TransformGraph *transform, const std::string &column) {
  if (!transform)
    return 0;
  for (const pb::ColumnTransform &t : transform->transforms()) {
    if (t.column() != column)
      continue;
    switch (t.kind_case()) {
    case pb::ColumnTransform::kVocabulary:
      return t.vocabulary().values_size() + t.vocabulary().num_oov_buckets();
    case pb::ColumnTransform::kBucketize:
      return t.bucketize().boundaries_size() + 1;
    case pb::ColumnTransform::kHash:
      return t.hash().hash_buckets();
    default:
      break;
    }
  }
  return 0;
}

void requireNumeric(const Column &col) {
  if (col.type == DType::String)
    throw OpError("feature column `" + col.name +
                  "` holds strings; a model needs numbers: map it to indices first (e.g. "
                  "std.transform.compute_and_apply_vocabulary) and list it in `categorical`");
}

} // namespace

std::string missingValueMessage(const std::string &column, size_t row) {
  return "column `" + column + "` has a missing value in row " + std::to_string(row + 1) +
         "; a model needs every feature and the label present: drop those rows with "
         "std.transform.drop_missing or fill them with std.transform.fill_missing first";
}

std::vector<pb::Feature> describeFeatures(const Table &table, const std::vector<std::string> &names,
                                          const std::vector<std::string> &categorical,
                                          const pb::TransformGraph *transform) {
  if (names.empty())
    throw OpError("a model needs at least one feature column");
  for (const std::string &c : categorical)
    if (!contains(names, c))
      throw OpError("categorical column `" + c + "` is not one of the features");
  std::vector<pb::Feature> out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i)
      throw OpError("feature column `" + names[i] + "` is listed twice");
    const Column &col = table.at(names[i]);
    requireNumeric(col);
    pb::Feature f;
    f.set_name(col.name);
    f.set_type(transform::toPb(col.type));
    if (!contains(categorical, col.name)) {
      f.set_encoding(pb::NUMERIC);
      f.set_size(1);
      out.push_back(f);
      continue;
    }
    if (col.type != DType::Int64)
      throw OpError("categorical column `" + col.name + "` is " + dtypeName(col.type) +
                    "; one-hot encoding needs int class indices");
    int64_t top = -1;
    for (size_t r = 0; r < col.ints.size(); ++r) {
      if (!col.isValid(r))
        throw OpError(missingValueMessage(col.name, r));
      if (col.ints[r] < 0)
        throw OpError("categorical column `" + col.name + "` has the negative index " +
                      std::to_string(col.ints[r]) + " in row " + std::to_string(r + 1) +
                      "; one-hot encoding needs indices >= 0");
      top = std::max(top, col.ints[r]);
    }
    int64_t size = std::max(top + 1, transformRange(transform, col.name));
    if (size > (int64_t(1) << 20))
      throw OpError("categorical column `" + col.name + "` would need " + std::to_string(size) +
                    " one-hot inputs; that many classes need hashing or bucketizing first");
    f.set_encoding(pb::ONE_HOT);
    f.set_size(std::max<int64_t>(size, 1));
    out.push_back(f);
  }
  return out;
}

void inputRows(const Table &table, const google::protobuf::RepeatedPtrField<pb::Feature> &features,
               size_t width, size_t begin, size_t end, double *out) {
  const size_t rows = end - begin;
  std::fill(out, out + rows * width, 0.0);
  size_t offset = 0;
  for (const pb::Feature &f : features) {
    const Column &col = table.at(f.name());
    requireNumeric(col);
    if (!col.valid.empty())
      for (size_t r = begin; r < end; ++r)
        if (!col.valid[r])
          throw OpError(missingValueMessage(col.name, r));
    double *dst = out + offset;
    if (f.encoding() == pb::ONE_HOT) {
      if (col.type != DType::Int64)
        throw OpError("categorical feature column `" + col.name + "` is " + dtypeName(col.type) +
                      "; the model one-hot encodes int class indices");
      const int64_t size = f.size();
      const int64_t *v = col.ints.data() + begin;
      for (size_t r = 0; r < rows; ++r)
        if (v[r] >= 0 && v[r] < size) // outside the range: all zeros
          dst[r * width + static_cast<size_t>(v[r])] = 1.0;
    } else if (col.type == DType::Float64) {
      const double *v = col.floats.data() + begin;
      for (size_t r = 0; r < rows; ++r)
        dst[r * width] = v[r];
    } else if (col.type == DType::Int64) {
      const int64_t *v = col.ints.data() + begin;
      for (size_t r = 0; r < rows; ++r)
        dst[r * width] = static_cast<double>(v[r]);
    } else {
      const uint8_t *v = col.bools.data() + begin;
      for (size_t r = 0; r < rows; ++r)
        dst[r * width] = v[r] ? 1.0 : 0.0;
    }
    offset += static_cast<size_t>(f.size());
  }
}

std::vector<double> inputMatrix(const Table &table,
                                const google::protobuf::RepeatedPtrField<pb::Feature> &features,
                                size_t width) {
  std::vector<double> x(table.rows * width);
  // In blocks of rows that stay in cache while each column is scattered in.
  const size_t block = 2048;
  for (size_t begin = 0; begin < table.rows; begin += block) {
    size_t end = std::min(table.rows, begin + block);
    inputRows(table, features, width, begin, end, x.data() + begin * width);
  }
  if (table.rows == 0) // still check the columns
    inputRows(table, features, width, 0, 0, x.data());
  return x;
}

std::vector<int32_t> classIndices(const Table &table, const std::string &column,
                                  int64_t &maxLabel) {
  const Column &col = table.at(column);
  if (col.type != DType::Int64)
    throw OpError("label column `" + column + "` is " + dtypeName(col.type) +
                  "; training needs int class indices 0..K-1 (map string labels with "
                  "std.transform.compute_and_apply_vocabulary)");
  std::vector<int32_t> out(col.ints.size());
  maxLabel = -1;
  for (size_t r = 0; r < col.ints.size(); ++r) {
    if (!col.isValid(r))
      throw OpError(missingValueMessage(column, r));
    int64_t v = col.ints[r];
    if (v < 0 || v > std::numeric_limits<int32_t>::max() / 2)
      throw OpError("label column `" + column + "` has " + std::to_string(v) + " in row " +
                    std::to_string(r + 1) + "; class indices must be 0..K-1");
    out[r] = static_cast<int32_t>(v);
    maxLabel = std::max(maxLabel, v);
  }
  return out;
}

const pb::Vocabulary *vocabularyOf(const pb::TransformGraph &transform, const std::string &column) {
  for (const pb::ColumnTransform &t : transform.transforms())
    if (t.column() == column && t.has_vocabulary())
      return &t.vocabulary();
  return nullptr;
}

} // namespace mlpc::ops::model
