// Exports a model from std.train as an ONNX model (opset 13, IR version 7,
// default-domain operators only: Gemm, Relu, Softmax, ArgMax, Sub, Div), so
// onnxruntime or any ONNX runtime scores the same rows. Weights are written
// as float32: probabilities agree with mlpc's double-precision ones to about
// 1e-6 (the interop test checks 1e-5).
#pragma once

#include "runtime/ops/model/model.pb.h"

#include <string>
#include <vector>

namespace mlpc::ops::model {

enum class OnnxInput {
  // Input "features": float32 [N, F], the model's input vector: its features
  // in order, as the model reads them (after the transform), categorical ones
  // one-hot encoded into `size` columns each. onnxInputNames says which.
  Features,
  // Input "raw_features": float32 [N, F], the numeric features before the
  // transform; the graph applies the embedded z-score and 0-1 scaling (Sub,
  // Div). Only for models whose features are all numeric and transformed by
  // nothing else; OpError otherwise.
  RawNumeric,
};

// A serialized onnx.ModelProto with outputs "probabilities" (float32 [N, K])
// and "label" (int64 [N], the most probable class, the lower index on a tie).
std::string exportOnnx(const pb::Model &model, OnnxInput input = OnnxInput::Features);

// The name of each input column of the Features form: the feature's name, or
// "name=i" for one-hot input i of a categorical feature.
std::vector<std::string> onnxInputNames(const pb::Model &model);

} // namespace mlpc::ops::model
