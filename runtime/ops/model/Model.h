// The Model artifact (model.proto): reading and writing its file, checking
// that a model is well formed, and converting its layers to and from the
// plain DenseNet the CPU and GPU paths compute with.
#pragma once

#include "runtime/ops/Table.h"
#include "runtime/ops/gpu/ModelKernels.h"
#include "runtime/ops/model/model.pb.h"

#include <string>

namespace mlpc::ops::model {

// Writes the model in protobuf binary form. Throws OpError naming the path.
void saveModel(const pb::Model &model, const std::string &path);

// Reads a model written by saveModel. Throws OpError naming the path when the
// file cannot be read, is not a model, or is not well formed.
pb::Model loadModel(const std::string &path);

// Throws OpError (prefixed by `context`) unless the layers chain (each
// layer's inputs are the previous one's outputs, the first takes the
// features' total width, the last gives one output per class name) and every
// weight array has the size its layer says.
void validateModel(const pb::Model &model, const std::string &context = "model");

// Total number of inputs the features take (one-hot ones count `size`).
size_t inputWidth(const pb::Model &model);

gpu::DenseNet denseNet(const pb::Model &model);
// Replaces the model's layers by the net's (hidden layers ReLU, last softmax).
void storeLayers(const gpu::DenseNet &net, pb::Model &model);

} // namespace mlpc::ops::model
