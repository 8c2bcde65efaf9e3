#include "runtime/ops/Table.h"

#include <charconv>

namespace mlpc::ops {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::Int64:
    return "int";
  case DType::Float64:
    return "float";
  case DType::String:
    return "string";
  case DType::Bool:
    return "bool";
  }
  return "?";
}

int Schema::indexOf(const std::string &name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name)
      return static_cast<int>(i);
  return -1;
}

Column::Column(std::string n, DType t, bool nul) : name(std::move(n)), type(t), nullable(nul) {}

size_t Column::size() const {
  switch (type) {
  case DType::Int64:
    return ints.size();
  case DType::Float64:
    return floats.size();
  case DType::String:
    return strings.size();
  case DType::Bool:
    return bools.size();
  }
  return 0;
}

bool Column::hasMissing() const {
  for (uint8_t v : valid)
    if (!v)
      return true;
  return false;
}

void Column::materializeValid() {
  if (valid.size() < size())
    valid.resize(size(), 1);
}

void Column::appendMissing() {
  materializeValid();
  switch (type) {
  case DType::Int64:
    ints.push_back(0);
    break;
  case DType::Float64:
    floats.push_back(0.0);
    break;
  case DType::String:
    strings.emplace_back();
    break;
  case DType::Bool:
    bools.push_back(0);
    break;
  }
  valid.push_back(0);
}

void Column::reserve(size_t rows) {
  switch (type) {
  case DType::Int64:
    ints.reserve(rows);
    break;
  case DType::Float64:
    floats.reserve(rows);
    break;
  case DType::String:
    strings.reserve(rows);
    break;
  case DType::Bool:
    bools.reserve(rows);
    break;
  }
}

namespace {
template <typename T> void keepRows(std::vector<T> &v, const std::vector<uint8_t> &keep) {
  size_t out = 0;
  for (size_t i = 0; i < v.size(); ++i)
    if (keep[i]) {
      if (out != i) // moving an element onto itself would empty it
        v[out] = std::move(v[i]);
      ++out;
    }
  v.resize(out);
}
template <typename T>
std::vector<T> takeRows(const std::vector<T> &v, const std::vector<size_t> &ix) {
  std::vector<T> out;
  out.reserve(ix.size());
  for (size_t i : ix)
    out.push_back(v[i]);
  return out;
}
} // namespace

void Column::filterRows(const std::vector<uint8_t> &keep) {
  keepRows(ints, keep);
  keepRows(floats, keep);
  keepRows(strings, keep);
  keepRows(bools, keep);
  if (!valid.empty())
    keepRows(valid, keep);
}

Column Column::take(const std::vector<size_t> &index) const {
  Column c(name, type, nullable);
  switch (type) {
  case DType::Int64:
    c.ints = takeRows(ints, index);
    break;
  case DType::Float64:
    c.floats = takeRows(floats, index);
    break;
  case DType::String:
    c.strings = takeRows(strings, index);
    break;
  case DType::Bool:
    c.bools = takeRows(bools, index);
    break;
  }
  if (!valid.empty())
    c.valid = takeRows(valid, index);
  return c;
}

std::string Column::text(size_t row) const {
  if (!isValid(row))
    return "";
  switch (type) {
  case DType::Int64:
    return std::to_string(ints[row]);
  case DType::Float64: {
    // The shortest text that reads back as the same double.
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, floats[row]);
    return std::string(buf, r.ptr);
  }
  case DType::String:
    return strings[row];
  case DType::Bool:
    return bools[row] ? "true" : "false";
  }
  return "";
}

Schema Table::schema() const {
  Schema s;
  for (const Column &c : columns)
    s.fields.push_back({c.name, c.type, c.nullable});
  return s;
}

Column *Table::find(const std::string &name) {
  for (Column &c : columns)
    if (c.name == name)
      return &c;
  return nullptr;
}

const Column *Table::find(const std::string &name) const {
  return const_cast<Table *>(this)->find(name);
}

Column &Table::at(const std::string &name) {
  if (Column *c = find(name))
    return *c;
  std::string have;
  for (const Column &c : columns)
    have += (have.empty() ? "" : ", ") + c.name;
  throw OpError("no column `" + name + "` in the data (columns: " + have + ")");
}

const Column &Table::at(const std::string &name) const {
  return const_cast<Table *>(this)->at(name);
}

void Table::put(Column column) {
  if (Column *old = find(column.name))
    *old = std::move(column);
  else
    columns.push_back(std::move(column));
}

void Table::filterRows(const std::vector<uint8_t> &keep) {
  for (Column &c : columns)
    c.filterRows(keep);
  size_t n = 0;
  for (uint8_t k : keep)
    n += k != 0;
  rows = n;
}

Table Table::take(const std::vector<size_t> &index) const {
  Table t;
  t.rows = index.size();
  for (const Column &c : columns)
    t.columns.push_back(c.take(index));
  return t;
}

Table Table::empty(const Schema &schema) {
  Table t;
  for (const Field &f : schema.fields)
    t.columns.emplace_back(f.name, f.type, f.nullable);
  return t;
}

} // namespace mlpc::ops
