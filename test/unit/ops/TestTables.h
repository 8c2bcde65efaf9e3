// Small tables for the ops tests (transform, model), and a check of op errors.
#pragma once

#include "runtime/ops/Table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mlpc::ops::test {

inline Column floats(const std::string &name, std::vector<double> values,
                     std::vector<uint8_t> valid = {}) {
  Column c(name, DType::Float64, !valid.empty());
  c.floats = std::move(values);
  c.valid = std::move(valid);
  return c;
}

inline Column ints(const std::string &name, std::vector<int64_t> values,
                   std::vector<uint8_t> valid = {}) {
  Column c(name, DType::Int64, !valid.empty());
  c.ints = std::move(values);
  c.valid = std::move(valid);
  return c;
}

inline Column strings(const std::string &name, std::vector<std::string> values,
                      std::vector<uint8_t> valid = {}) {
  Column c(name, DType::String, !valid.empty());
  c.strings = std::move(values);
  c.valid = std::move(valid);
  return c;
}

inline Column bools(const std::string &name, std::vector<uint8_t> values,
                    std::vector<uint8_t> valid = {}) {
  Column c(name, DType::Bool, !valid.empty());
  c.bools = std::move(values);
  c.valid = std::move(valid);
  return c;
}

inline Table table(std::vector<Column> columns) {
  Table t;
  t.rows = columns.empty() ? 0 : columns.front().size();
  t.columns = std::move(columns);
  return t;
}

// Runs `what` and expects an OpError whose message contains `part`.
template <typename F> void expectError(F what, const std::string &part) {
  try {
    what();
    FAIL() << "expected an OpError mentioning " << part;
  } catch (const OpError &e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

} // namespace mlpc::ops::test
