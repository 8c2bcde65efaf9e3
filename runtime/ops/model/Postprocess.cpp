#include "runtime/ops/model/Postprocess.h"

#include "runtime/ops/model/Features.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mlpc::ops::model {

namespace {

const pb::Vocabulary &chooseVocabulary(const pb::TransformGraph &transform,
                                       const std::string &column, const std::string &labelColumn) {
  if (!labelColumn.empty()) {
    if (const pb::Vocabulary *v = vocabularyOf(transform, labelColumn))
      return *v;
    throw OpError("the transform fitted no vocabulary on column `" + labelColumn + "`");
  }
  if (const pb::Vocabulary *v = vocabularyOf(transform, column))
    return *v;
  std::vector<const pb::ColumnTransform *> vocabularies;
  for (const pb::ColumnTransform &t : transform.transforms())
    if (t.has_vocabulary())
      vocabularies.push_back(&t);
  if (vocabularies.size() == 1)
    return vocabularies.front()->vocabulary();
  if (vocabularies.empty())
    throw OpError("the transform has no vocabulary to map `" + column + "` to labels");
  std::string names;
  for (const pb::ColumnTransform *t : vocabularies)
    names += (names.empty() ? "`" : ", `") + t->column() + "`";
  throw OpError("the transform has vocabularies for " + names + "; say which one labels `" +
                column + "`");
}

// A column's values as doubles for ranking and comparing; `present` is false
// for a missing value or NaN.
double valueAt(const Column &col, size_t r, bool &present) {
  present = col.isValid(r);
  switch (col.type) {
  case DType::Int64:
    return static_cast<double>(col.ints[r]);
  case DType::Float64:
    present = present && !std::isnan(col.floats[r]);
    return col.floats[r];
  case DType::Bool:
    return col.bools[r] ? 1.0 : 0.0;
  case DType::String:
    break;
  }
  present = false;
  return 0.0;
}

void requireOrdered(const Column &col) {
  if (col.type == DType::String)
    throw OpError("column `" + col.name + "` holds strings; it needs int, float or bool values");
}

} // namespace

void argmaxLabel(Table &data, const std::string &column, const pb::TransformGraph &transform,
                 const std::string &labelColumn) {
  const Column &index = data.at(column);
  if (index.type != DType::Int64)
    throw OpError("column `" + column + "` is " + dtypeName(index.type) +
                  "; mapping to labels needs int class indices");
  const pb::Vocabulary &vocab = chooseVocabulary(transform, column, labelColumn);
  const int64_t size = vocab.values_size();
  Column label("label", DType::String, true);
  label.strings.resize(data.rows);
  label.valid.assign(data.rows, 0);
  for (size_t r = 0; r < data.rows; ++r) {
    int64_t v = index.ints[r];
    if (index.isValid(r) && v >= 0 && v < size) {
      label.strings[r] = vocab.values(static_cast<int>(v));
      label.valid[r] = 1;
    }
  }
  data.put(std::move(label));
}

Table topK(const Table &data, const std::string &column, int64_t k) {
  if (k < 0)
    throw OpError("top_k needs k >= 0, got " + std::to_string(k));
  const Column &col = data.at(column);
  requireOrdered(col);
  const size_t n = data.rows;
  std::vector<double> value(n);
  std::vector<uint8_t> present(n);
  for (size_t r = 0; r < n; ++r) {
    bool p;
    value[r] = valueAt(col, r, p);
    present[r] = p;
  }
  // Higher first, present before missing, then input order: a strict total
  // order, so partial_sort gives the stable result.
  auto before = [&](size_t a, size_t b) {
    if (present[a] != present[b])
      return present[a] > present[b];
    if (present[a] && value[a] != value[b])
      return value[a] > value[b];
    return a < b;
  };
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  size_t keep = std::min(n, static_cast<size_t>(k));
  std::partial_sort(order.begin(), order.begin() + keep, order.end(), before);
  order.resize(keep);
  return data.take(order);
}

void threshold(Table &data, const std::string &column, double t) {
  const Column &col = data.at(column);
  requireOrdered(col);
  Column positive("positive", DType::Bool, true);
  positive.bools.resize(data.rows);
  positive.valid.resize(data.rows);
  for (size_t r = 0; r < data.rows; ++r) {
    bool p;
    double v = valueAt(col, r, p);
    positive.valid[r] = p;
    positive.bools[r] = p && v >= t;
  }
  data.put(std::move(positive));
}

} // namespace mlpc::ops::model
