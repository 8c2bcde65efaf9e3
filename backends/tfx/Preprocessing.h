// A TensorFlow Transform `preprocessing_fn`, written from the column lists
// of a `std.tfx.Transform` call (the arguments of `std.transform.fit`), with
// the `tft` function that matches each native op.
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <string>
#include <vector>

namespace mlpc::tfx {

struct PreprocessingSpec {
  ir::Schema input; // the examples' schema
  std::vector<std::string> zScore, scale01, bucketize, vocabulary, hash;
  int64_t numBuckets = 10;
  int64_t numOovBuckets = 0;
  int64_t hashBuckets = 100;
};

// The module's Python source; `origin` names the task and pipeline in its header.
std::string preprocessingModule(const PreprocessingSpec &spec, const std::string &origin);

} // namespace mlpc::tfx
