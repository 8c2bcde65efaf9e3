// TransformGraph helpers shared by fit, apply and the file functions.
#pragma once

#include "runtime/ops/Table.h"
#include "runtime/ops/transform/transform.pb.h"

#include <string>

namespace mlpc::ops::transform {

pb::ColumnType toPb(DType type);
pb::TableSchema toPb(const Schema &schema);
// OpError naming `source` when the type is not one of ours.
DType fromPb(pb::ColumnType type, const std::string &source);
Schema fromPb(const pb::TableSchema &schema, const std::string &source);

// Checks what apply relies on: format version 1, one transform per column,
// each with its kind and sane parameters. OpError starting with `source`
// ("file `x.pb`", "the transform").
void validateGraph(const pb::TransformGraph &graph, const std::string &source);

} // namespace mlpc::ops::transform
