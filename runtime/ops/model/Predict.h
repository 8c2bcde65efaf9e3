// std.infer.predict: scores rows with a model from std.train. A model that
// embeds its transform scores raw rows too: they are transformed first.
#pragma once

#include "runtime/ops/Exec.h"
#include "runtime/ops/Table.h"
#include "runtime/ops/model/model.pb.h"

#include <vector>

namespace mlpc::ops::model {

// Whether rows are raw (the transform's input) or already transformed (what
// the model was trained on). Auto decides by the feature columns' types:
// rows the model can read as they are count as transformed; otherwise, when
// they have the raw schema's types, they are transformed first. A transform
// that changes no feature's type (z-score or 0-1 scaling only) makes raw and
// transformed rows look alike: Auto then takes them as transformed, so pass
// Raw for raw rows of such a model.
enum class RowForm { Auto, Raw, Transformed };

// rows x K class probabilities, row-major.
std::vector<double> predictProba(const Table &data, const pb::Model &model, const ExecOptions &exec,
                                 RowForm form = RowForm::Auto);

// The input columns plus `prediction` (int: the most probable class, the
// lower index on a tie) and `score` (float: its probability); existing
// columns of those names are replaced in place. Throws OpError for a missing
// feature value, naming the column and row.
Table predict(const Table &data, const pb::Model &model, const ExecOptions &exec,
              RowForm form = RowForm::Auto);

// Index of the largest of n values, the lowest index among equals.
size_t argmax(const double *values, size_t n);

} // namespace mlpc::ops::model
