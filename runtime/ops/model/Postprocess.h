// std.postprocess: class indices back to labels, the top k rows, and a
// decision threshold.
#pragma once

#include "runtime/ops/Table.h"
#include "runtime/ops/transform/transform.pb.h"

#include <cstdint>
#include <string>

namespace mlpc::ops::model {

// Adds (or replaces) a nullable string column `label`: the value of the
// vocabulary at `column`'s int index. The vocabulary is the one the transform
// fitted on `labelColumn`; when that is empty, on `column` itself, else the
// transform's only vocabulary (OpError when it has several, naming them). A
// missing index, -1 (a vocabulary's default value) or an index past the
// vocabulary (an OOV bucket) gives a missing label.
void argmaxLabel(Table &data, const std::string &column, const pb::TransformGraph &transform,
                 const std::string &labelColumn = "");

// The k rows with the highest `column` (int, float or bool), highest first,
// rows with equal values in their input order; missing values (and NaN) rank
// below every value. k > rows keeps every row; k < 0 is an OpError.
Table topK(const Table &data, const std::string &column, int64_t k);

// Adds (or replaces) a nullable bool column `positive`: `column` >= t. A
// missing value (or NaN) stays missing.
void threshold(Table &data, const std::string &column, double t);

} // namespace mlpc::ops::model
