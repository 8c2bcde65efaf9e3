#include "runtime/ops/model/Onnx.h"

#include "runtime/ops/Table.h"
#include "runtime/ops/model/Json.h"
#include "runtime/ops/model/Model.h"
#include "runtime/ops/model/onnx.pb.h"

namespace mlpc::ops::model {

namespace {

namespace ox = mlpc::ops::onnx;

constexpr int64_t kIrVersion = 7; // onnxruntime reads IR 3 and later
constexpr int64_t kOpset = 13;

// A float32 or int64 tensor's type with a symbolic batch dimension "N" first.
void setTensorType(ox::ValueInfoProto &info, const std::string &name, int elemType,
                   std::vector<int64_t> dims) {
  info.set_name(name);
  ox::TypeProto::Tensor *t = info.mutable_type()->mutable_tensor_type();
  t->set_elem_type(elemType);
  ox::TensorShapeProto *shape = t->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (int64_t d : dims)
    shape->add_dim()->set_dim_value(d);
}

void addInitializer(ox::GraphProto &graph, const std::string &name, std::vector<int64_t> dims,
                    const double *values, size_t n) {
  ox::TensorProto *t = graph.add_initializer();
  t->set_name(name);
  t->set_data_type(ox::TensorProto::FLOAT);
  for (int64_t d : dims)
    t->add_dims(d);
  for (size_t i = 0; i < n; ++i)
    t->add_float_data(static_cast<float>(values[i]));
}

ox::NodeProto &addNode(ox::GraphProto &graph, const std::string &op,
                       std::vector<std::string> inputs, const std::string &output) {
  ox::NodeProto *node = graph.add_node();
  node->set_op_type(op);
  node->set_name(op + "_" + std::to_string(graph.node_size()));
  for (std::string &in : inputs)
    node->add_input(std::move(in));
  node->add_output(output);
  return *node;
}

void addIntAttribute(ox::NodeProto &node, const std::string &name, int64_t value) {
  ox::AttributeProto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(ox::AttributeProto::INT);
  a->set_i(value);
}

// Sub and Div constants that turn raw numeric features into the model's
// inputs: (x - offset) / divisor per feature.
void rawScaling(const pb::Model &model, std::vector<double> &offset, std::vector<double> &divisor) {
  for (const pb::Feature &f : model.features()) {
    if (f.encoding() != pb::NUMERIC)
      throw OpError("the raw-input ONNX form needs numeric features only; `" + f.name() +
                    "` is one-hot encoded: export the features form");
    double off = 0, div = 1;
    for (const pb::ColumnTransform &t : model.transform().transforms()) {
      if (t.column() != f.name())
        continue;
      if (t.has_z_score()) {
        off = t.z_score().mean();
        // A constant column is only centred (TFT): divide by 1.
        div = t.z_score().std_dev() > 0 ? t.z_score().std_dev() : 1.0;
      } else if (t.has_scale_0_1()) {
        off = t.scale_0_1().min();
        div = t.scale_0_1().max() - t.scale_0_1().min();
      } else {
        throw OpError("the raw-input ONNX form supports z-score and 0-1 scaling; `" + f.name() +
                      "` has another transform: export the features form");
      }
      if (!(div > 0)) // TFT's sigmoid for a constant column
        throw OpError("column `" + f.name() +
                      "` was constant when the 0-1 scaling was fitted; its sigmoid is not "
                      "expressible with Sub and Div: export the features form");
    }
    offset.push_back(off);
    divisor.push_back(div);
  }
}

std::string jsonArray(const std::vector<std::string> &items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i)
    s += (i ? ", " : "") + json::string(items[i]);
  return s + "]";
}

} // namespace

std::vector<std::string> onnxInputNames(const pb::Model &model) {
  std::vector<std::string> names;
  for (const pb::Feature &f : model.features()) {
    if (f.encoding() == pb::NUMERIC)
      names.push_back(f.name());
    else
      for (int64_t i = 0; i < f.size(); ++i)
        names.push_back(f.name() + "=" + std::to_string(i));
  }
  return names;
}

std::string exportOnnx(const pb::Model &model, OnnxInput input) {
  validateModel(model);
  const int64_t width = static_cast<int64_t>(inputWidth(model));
  const int64_t classes = model.class_names_size();

  ox::ModelProto out;
  out.set_ir_version(kIrVersion);
  ox::OperatorSetIdProto *opset = out.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  out.set_producer_name("mlpc");
  out.set_producer_version("0.1.0");
  out.set_doc_string(
      std::string(model.kind() == pb::MLP ? "multi-layer perceptron" : "logistic regression") +
      " trained by mlpc std.train; label column `" + model.label() + "`");
  auto meta = [&](const std::string &key, const std::string &value) {
    ox::StringStringEntryProto *e = out.add_metadata_props();
    e->set_key(key);
    e->set_value(value);
  };
  std::vector<std::string> classNames(model.class_names().begin(), model.class_names().end());
  meta("mlpc.class_names", jsonArray(classNames));
  meta("mlpc.inputs", jsonArray(onnxInputNames(model)));

  ox::GraphProto &graph = *out.mutable_graph();
  graph.set_name("mlpc_classifier");
  std::string current = "features";
  if (input == OnnxInput::RawNumeric) {
    std::vector<double> offset, divisor;
    rawScaling(model, offset, divisor);
    setTensorType(*graph.add_input(), "raw_features", ox::TensorProto::FLOAT, {width});
    graph.mutable_input(0)->set_doc_string("the numeric features before the transform");
    addInitializer(graph, "raw_offset", {width}, offset.data(), offset.size());
    addInitializer(graph, "raw_divisor", {width}, divisor.data(), divisor.size());
    addNode(graph, "Sub", {"raw_features", "raw_offset"}, "raw_centered");
    addNode(graph, "Div", {"raw_centered", "raw_divisor"}, "features");
  } else {
    setTensorType(*graph.add_input(), "features", ox::TensorProto::FLOAT, {width});
    graph.mutable_input(0)->set_doc_string("the model's input vector: see metadata mlpc.inputs");
  }

  for (int l = 0; l < model.layers_size(); ++l) {
    const pb::Layer &layer = model.layers(l);
    std::string w = "W" + std::to_string(l), b = "B" + std::to_string(l);
    addInitializer(graph, w, {layer.inputs(), layer.outputs()}, layer.weights().data(),
                   static_cast<size_t>(layer.weights_size()));
    addInitializer(graph, b, {layer.outputs()}, layer.biases().data(),
                   static_cast<size_t>(layer.biases_size()));
    bool last = l + 1 == model.layers_size();
    std::string z = last ? "logits" : "z" + std::to_string(l);
    addNode(graph, "Gemm", {current, w, b}, z);
    if (!last) {
      current = "h" + std::to_string(l);
      addNode(graph, "Relu", {z}, current);
    }
  }
  addIntAttribute(addNode(graph, "Softmax", {"logits"}, "probabilities"), "axis", 1);
  ox::NodeProto &argmax = addNode(graph, "ArgMax", {"probabilities"}, "label");
  addIntAttribute(argmax, "axis", 1);
  addIntAttribute(argmax, "keepdims", 0);
  addIntAttribute(argmax, "select_last_index", 0); // ties: the lower index, as mlpc

  setTensorType(*graph.add_output(), "probabilities", ox::TensorProto::FLOAT, {classes});
  setTensorType(*graph.add_output(), "label", ox::TensorProto::INT64, {});

  std::string bytes;
  if (!out.SerializeToString(&bytes))
    throw OpError("cannot serialize the ONNX model");
  return bytes;
}

} // namespace mlpc::ops::model
