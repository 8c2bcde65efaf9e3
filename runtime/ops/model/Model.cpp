#include "runtime/ops/model/Model.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mlpc::ops::model {

void saveModel(const pb::Model &model, const std::string &path) {
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw OpError("cannot serialize the model for " + path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw OpError("cannot write model file " + path + ": " + std::strerror(errno));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out)
    throw OpError("cannot write model file " + path + ": " + std::strerror(errno));
}

pb::Model loadModel(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw OpError("cannot open model file " + path + ": " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  pb::Model model;
  if (!model.ParseFromString(bytes.str()))
    throw OpError("model file " + path +
                  " is corrupt or not an mlpc model (it does not parse as mlpc.ops.pb.Model)");
  validateModel(model, "model file " + path);
  return model;
}

void validateModel(const pb::Model &model, const std::string &context) {
  auto fail = [&](const std::string &why) {
    throw OpError(context + " is corrupt or not an mlpc model: " + why);
  };
  if (model.format_version() != 1)
    fail("format_version is " + std::to_string(model.format_version()) + ", expected 1");
  if (model.kind() != pb::LOGISTIC_REGRESSION && model.kind() != pb::MLP)
    fail("unknown model kind " + std::to_string(model.kind()));
  if (model.features_size() == 0)
    fail("it has no features");
  for (const pb::Feature &f : model.features())
    if (f.size() < 1 || (f.encoding() == pb::NUMERIC && f.size() != 1) ||
        (f.encoding() != pb::NUMERIC && f.encoding() != pb::ONE_HOT))
      fail("feature `" + f.name() + "` has an invalid encoding or size");
  if (model.layers_size() == 0)
    fail("it has no layers");
  int64_t expected = static_cast<int64_t>(inputWidth(model));
  for (int l = 0; l < model.layers_size(); ++l) {
    const pb::Layer &layer = model.layers(l);
    std::string name = "layer " + std::to_string(l);
    if (layer.inputs() != expected)
      fail(name + " takes " + std::to_string(layer.inputs()) + " inputs, expected " +
           std::to_string(expected));
    if (layer.outputs() < 1)
      fail(name + " has no outputs");
    if (layer.weights_size() != static_cast<int64_t>(layer.inputs()) * layer.outputs() ||
        layer.biases_size() != layer.outputs())
      fail(name + " has " + std::to_string(layer.weights_size()) + " weights and " +
           std::to_string(layer.biases_size()) + " biases for " + std::to_string(layer.inputs()) +
           " x " + std::to_string(layer.outputs()));
    bool last = l + 1 == model.layers_size();
    if (layer.activation() != (last ? pb::SOFTMAX : pb::RELU))
      fail(name + (last ? " must be SOFTMAX" : " must be RELU"));
    expected = layer.outputs();
  }
  if (expected != model.class_names_size())
    fail("the last layer has " + std::to_string(expected) + " outputs for " +
         std::to_string(model.class_names_size()) + " class names");
}

size_t inputWidth(const pb::Model &model) {
  size_t width = 0;
  for (const pb::Feature &f : model.features())
    width += static_cast<size_t>(f.size());
  return width;
}

gpu::DenseNet denseNet(const pb::Model &model) {
  gpu::DenseNet net;
  net.sizes.push_back(model.layers(0).inputs());
  for (const pb::Layer &layer : model.layers()) {
    net.sizes.push_back(layer.outputs());
    net.weights.emplace_back(layer.weights().begin(), layer.weights().end());
    net.biases.emplace_back(layer.biases().begin(), layer.biases().end());
  }
  return net;
}

void storeLayers(const gpu::DenseNet &net, pb::Model &model) {
  model.clear_layers();
  for (size_t l = 0; l < net.layers(); ++l) {
    pb::Layer *layer = model.add_layers();
    layer->set_inputs(net.sizes[l]);
    layer->set_outputs(net.sizes[l + 1]);
    layer->mutable_weights()->Add(net.weights[l].begin(), net.weights[l].end());
    layer->mutable_biases()->Add(net.biases[l].begin(), net.biases[l].end());
    layer->set_activation(l + 1 == net.layers() ? pb::SOFTMAX : pb::RELU);
  }
}

} // namespace mlpc::ops::model
