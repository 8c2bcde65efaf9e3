// drop_missing, fill_missing, filter and split.
#include "runtime/ops/ValueText.h"
#include "runtime/ops/transform/Transform.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace mlpc::ops::transform {

namespace {

// Uniform in [0, bound) by rejection, so the sequence is the same with every
// standard library (std::uniform_int_distribution is not).
uint64_t below(std::mt19937_64 &rng, uint64_t bound) {
  const uint64_t reject = (0 - bound) % bound; // 2^64 mod bound
  for (;;) {
    uint64_t r = rng();
    if (r >= reject)
      return r % bound;
  }
}

// Keeps the rows whose `keep` byte is 1, in order. (Table::filterRows
// moves each kept string onto itself, which empties it.)
void keepRows(Table &t, const std::vector<uint8_t> &keep) {
  std::vector<size_t> index;
  for (size_t r = 0; r < keep.size(); ++r)
    if (keep[r])
      index.push_back(r);
  if (index.size() != t.rows)
    t = t.take(index);
}

template <typename T>
void fillSlots(std::vector<T> &values, const std::vector<uint8_t> &valid, const T &value) {
  for (size_t r = 0; r < valid.size(); ++r)
    if (!valid[r])
      values[r] = value;
}

} // namespace

void dropMissing(Table &t, const std::vector<std::string> &columns) {
  std::vector<uint8_t> keep(t.rows, 1);
  for (const std::string &name : columns) {
    const Column &c = t.at(name);
    if (!c.valid.empty())
      for (size_t r = 0; r < t.rows; ++r)
        keep[r] &= c.valid[r];
  }
  keepRows(t, keep);
  for (const std::string &name : columns) {
    Column &c = t.at(name);
    c.valid.clear();
    c.nullable = false;
  }
}

void fillMissing(Table &t, const std::vector<std::string> &columns, const std::string &valueText) {
  for (const std::string &name : columns) {
    Column &c = t.at(name);
    const Value v = parseValue(valueText, c, "fill_missing");
    if (!c.valid.empty()) {
      switch (c.type) {
      case DType::Int64:
        fillSlots(c.ints, c.valid, v.i);
        break;
      case DType::Float64:
        fillSlots(c.floats, c.valid, v.f);
        break;
      case DType::String:
        fillSlots(c.strings, c.valid, v.s);
        break;
      case DType::Bool:
        fillSlots(c.bools, c.valid, v.b);
        break;
      }
    }
    c.valid.clear();
    c.nullable = false;
  }
}

void filterEquals(Table &t, const std::string &column, const std::string &valueText) {
  const Column &c = t.at(column);
  const Value v = parseValue(valueText, c, "filter");
  std::vector<uint8_t> keep(t.rows);
  for (size_t r = 0; r < t.rows; ++r) {
    bool eq = false;
    switch (c.type) {
    case DType::Int64:
      eq = c.ints[r] == v.i;
      break;
    case DType::Float64:
      eq = c.floats[r] == v.f;
      break;
    case DType::String:
      eq = c.strings[r] == v.s;
      break;
    case DType::Bool:
      eq = c.bools[r] == v.b;
      break;
    }
    keep[r] = eq && c.isValid(r);
  }
  keepRows(t, keep);
}

std::pair<Table, Table> split(const Table &t, double trainFraction, uint64_t seed) {
  if (!(trainFraction > 0 && trainFraction < 1))
    throw OpError("split: train_fraction must be between 0 and 1 (exclusive), not " +
                  std::to_string(trainFraction));
  const size_t n = t.rows;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(seed);
  for (size_t i = n; i > 1; --i)
    std::swap(order[i - 1], order[below(rng, i)]);
  const size_t nTrain =
      std::min(n, static_cast<size_t>(std::llround(static_cast<double>(n) * trainFraction)));
  std::vector<size_t> train(order.begin(), order.begin() + static_cast<ptrdiff_t>(nTrain));
  std::vector<size_t> test(order.begin() + static_cast<ptrdiff_t>(nTrain), order.end());
  std::sort(train.begin(), train.end());
  std::sort(test.begin(), test.end());
  return {t.take(train), t.take(test)};
}

} // namespace mlpc::ops::transform
