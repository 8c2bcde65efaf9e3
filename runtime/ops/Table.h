// The in-memory table the standard library's native ops work on: columnar,
// one typed vector per column and a validity mask for missing values, so an
// op is a tight loop over a contiguous array that the compiler can vectorise.
// This layer knows nothing of the IR; runtime/builtins translates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlpc::ops {

enum class DType { Int64, Float64, String, Bool };

const char *dtypeName(DType t); // "int", "float", "string", "bool" as .mlp spells them

struct Field {
  std::string name;
  DType type = DType::Float64;
  bool nullable = false; // `float?` in .mlp
};

struct Schema {
  std::vector<Field> fields;
  // Index of the field, or -1.
  int indexOf(const std::string &name) const;
};

struct Column {
  std::string name;
  DType type = DType::Float64;
  bool nullable = false;
  // Exactly one of these holds the values, by `type`. A missing value's slot
  // holds 0, 0.0, "" or false.
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  std::vector<uint8_t> bools;
  // One byte per row, 1 = present. Empty means every value is present.
  std::vector<uint8_t> valid;

  Column() = default;
  Column(std::string name, DType type, bool nullable = false);

  size_t size() const;
  bool isValid(size_t row) const { return valid.empty() || valid[row] != 0; }
  bool hasMissing() const;
  // Appends a missing value (makes `valid` explicit on first use).
  void appendMissing();
  // Makes `valid` explicit (all present so far); used before appending.
  void materializeValid();
  void reserve(size_t rows);
  // Keeps the rows whose `keep` byte is 1, in order.
  void filterRows(const std::vector<uint8_t> &keep);
  // Rows in the order of `index` (a permutation or selection).
  Column take(const std::vector<size_t> &index) const;
  // The value as text (for messages and CSV): "" when missing.
  std::string text(size_t row) const;
};

struct Table {
  std::vector<Column> columns;
  size_t rows = 0;

  Schema schema() const;
  // Null when there is no such column.
  Column *find(const std::string &name);
  const Column *find(const std::string &name) const;
  // Throws OpError naming the column and the columns there are.
  Column &at(const std::string &name);
  const Column &at(const std::string &name) const;
  // Replaces the column of the same name, or appends it.
  void put(Column column);
  void filterRows(const std::vector<uint8_t> &keep);
  Table take(const std::vector<size_t> &index) const;
  // An empty table with these columns.
  static Table empty(const Schema &schema);
};

// An error an op reports to the user: the runtime shows the message as the
// task's failure. Data errors name the file, line, column and text.
struct OpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace mlpc::ops
