#include "runtime/ops/model/Onnx.h"
#include "runtime/ops/model/Predict.h"
#include "runtime/ops/model/Train.h"
#include "runtime/ops/model/onnx.pb.h"

#include "test/unit/ops/TestTables.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

using namespace mlpc::ops;
using namespace mlpc::ops::model;
using namespace mlpc::ops::test;
namespace ox = mlpc::ops::onnx;

namespace {

// A reference reading of the graph for the handful of operators the exporter
// writes, in float as ONNX runtimes compute: the test checks the exported
// semantics (shapes, orientation of the weights, attributes), not just bytes.
struct Tensor {
  std::vector<int64_t> dims;
  std::vector<float> values;
};

Tensor initializer(const ox::TensorProto &t) {
  EXPECT_EQ(t.data_type(), ox::TensorProto::FLOAT);
  return {{t.dims().begin(), t.dims().end()}, {t.float_data().begin(), t.float_data().end()}};
}

int64_t intAttribute(const ox::NodeProto &node, const std::string &name, int64_t fallback) {
  for (const ox::AttributeProto &a : node.attribute())
    if (a.name() == name) {
      EXPECT_EQ(a.type(), ox::AttributeProto::INT);
      return a.i();
    }
  return fallback;
}

std::map<std::string, Tensor> run(const ox::GraphProto &g, const std::string &input, Tensor x) {
  std::map<std::string, Tensor> v;
  for (const ox::TensorProto &t : g.initializer())
    v[t.name()] = initializer(t);
  v[input] = std::move(x);
  for (const ox::NodeProto &node : g.node()) {
    EXPECT_EQ(node.domain(), "");
    const Tensor &a = v.at(node.input(0));
    Tensor out;
    size_t n = a.dims[0];
    if (node.op_type() == "Gemm") {
      const Tensor &w = v.at(node.input(1)), &b = v.at(node.input(2));
      size_t k = a.dims[1], m = w.dims[1];
      EXPECT_EQ(w.dims[0], static_cast<int64_t>(k));
      out.dims = {static_cast<int64_t>(n), static_cast<int64_t>(m)};
      out.values.assign(n * m, 0);
      for (size_t r = 0; r < n; ++r)
        for (size_t j = 0; j < m; ++j) {
          float s = b.values[j];
          for (size_t i = 0; i < k; ++i)
            s += a.values[r * k + i] * w.values[i * m + j];
          out.values[r * m + j] = s;
        }
    } else if (node.op_type() == "Relu") {
      out = a;
      for (float &f : out.values)
        f = std::max(f, 0.0f);
    } else if (node.op_type() == "Sub" || node.op_type() == "Div") {
      const Tensor &b = v.at(node.input(1));
      out = a;
      size_t k = a.dims[1];
      for (size_t i = 0; i < out.values.size(); ++i)
        out.values[i] =
            node.op_type() == "Sub" ? a.values[i] - b.values[i % k] : a.values[i] / b.values[i % k];
    } else if (node.op_type() == "Softmax") {
      EXPECT_EQ(intAttribute(node, "axis", -1), 1);
      out = a;
      size_t k = a.dims[1];
      for (size_t r = 0; r < n; ++r) {
        float *row = out.values.data() + r * k, top = *std::max_element(row, row + k), sum = 0;
        for (size_t j = 0; j < k; ++j)
          sum += row[j] = std::exp(row[j] - top);
        for (size_t j = 0; j < k; ++j)
          row[j] /= sum;
      }
    } else if (node.op_type() == "ArgMax") {
      EXPECT_EQ(intAttribute(node, "axis", 0), 1);
      EXPECT_EQ(intAttribute(node, "keepdims", 1), 0);
      size_t k = a.dims[1];
      out.dims = {static_cast<int64_t>(n)};
      for (size_t r = 0; r < n; ++r) {
        const float *row = a.values.data() + r * k;
        out.values.push_back(static_cast<float>(std::max_element(row, row + k) - row));
      }
    } else {
      ADD_FAILURE() << "unexpected operator " << node.op_type();
    }
    v[node.output(0)] = out;
  }
  return v;
}

Table blobs() {
  std::vector<double> a, b;
  std::vector<int64_t> cat, y;
  for (int i = 0; i < 60; ++i) {
    int k = i % 3;
    a.push_back(k * 2.0 + std::sin(i) * 0.8);
    b.push_back(std::cos(i * 1.7) + (k == 2 ? 1.5 : 0.0));
    cat.push_back((i / 3) % 4);
    y.push_back(k);
  }
  return table({floats("a", a), floats("b", b), ints("cat", cat), ints("y", y)});
}

} // namespace

TEST(Onnx, MlpGraphParsesBackAndMatchesMlpc) {
  Table data = blobs();
  TrainSpec s;
  s.label = "y";
  s.features = {"a", "cat", "b"};
  s.categorical = {"cat"};
  s.hidden = {6};
  s.epochs = 20;
  s.optimizer = "adam";
  s.learningRate = 0.02;
  pb::Model m = trainMlp(data, s, ExecOptions{});

  ox::ModelProto onnx;
  ASSERT_TRUE(onnx.ParseFromString(exportOnnx(m)));
  EXPECT_EQ(onnx.ir_version(), 7);
  ASSERT_EQ(onnx.opset_import_size(), 1);
  EXPECT_EQ(onnx.opset_import(0).domain(), "");
  EXPECT_EQ(onnx.opset_import(0).version(), 13);
  EXPECT_EQ(onnx.producer_name(), "mlpc");
  const ox::GraphProto &g = onnx.graph();
  std::vector<std::string> ops;
  for (const ox::NodeProto &n : g.node())
    ops.push_back(n.op_type());
  EXPECT_EQ(ops, (std::vector<std::string>{"Gemm", "Relu", "Gemm", "Softmax", "ArgMax"}));
  ASSERT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.input(0).name(), "features");
  const auto &in = g.input(0).type().tensor_type();
  EXPECT_EQ(in.elem_type(), ox::TensorProto::FLOAT);
  ASSERT_EQ(in.shape().dim_size(), 2);
  EXPECT_EQ(in.shape().dim(0).dim_param(), "N");
  EXPECT_EQ(in.shape().dim(1).dim_value(), 6); // a, cat=0..3, b
  ASSERT_EQ(g.output_size(), 2);
  EXPECT_EQ(g.output(0).name(), "probabilities");
  EXPECT_EQ(g.output(0).type().tensor_type().shape().dim(1).dim_value(), 3);
  EXPECT_EQ(g.output(1).name(), "label");
  EXPECT_EQ(g.output(1).type().tensor_type().elem_type(), ox::TensorProto::INT64);
  EXPECT_EQ(onnxInputNames(m),
            (std::vector<std::string>{"a", "cat=0", "cat=1", "cat=2", "cat=3", "b"}));
  bool sawNames = false;
  for (const auto &p : onnx.metadata_props())
    sawNames |= p.key() == "mlpc.class_names" && p.value() == "[\"0\", \"1\", \"2\"]";
  EXPECT_TRUE(sawNames);

  // The graph scores the one-hot input matrix as mlpc scores the table.
  std::vector<double> probs = predictProba(data, m, ExecOptions{});
  Tensor x{{static_cast<int64_t>(data.rows), 6}, {}};
  for (size_t r = 0; r < data.rows; ++r) {
    x.values.push_back(static_cast<float>(data.at("a").floats[r]));
    for (int c = 0; c < 4; ++c)
      x.values.push_back(data.at("cat").ints[r] == c ? 1.0f : 0.0f);
    x.values.push_back(static_cast<float>(data.at("b").floats[r]));
  }
  auto v = run(g, "features", x);
  const Tensor &p = v.at("probabilities");
  ASSERT_EQ(p.values.size(), probs.size());
  for (size_t i = 0; i < probs.size(); ++i)
    EXPECT_NEAR(p.values[i], probs[i], 1e-5) << i;
  Table scored = predict(data, m, ExecOptions{});
  for (size_t r = 0; r < data.rows; ++r)
    EXPECT_EQ(v.at("label").values[r], scored.at("prediction").ints[r]) << r;
}

TEST(Onnx, RawNumericFormScalesInsideTheGraph) {
  // Trained on z-scored a and 0-1 scaled b; the raw form takes a and b as
  // they were before the transform.
  Table raw = blobs();
  pb::TransformGraph g;
  pb::ColumnTransform *za = g.add_transforms();
  za->set_column("a");
  za->mutable_z_score()->set_mean(2.0);
  za->mutable_z_score()->set_std_dev(1.6);
  pb::ColumnTransform *mb = g.add_transforms();
  mb->set_column("b");
  mb->mutable_scale_0_1()->set_min(-1.0);
  mb->mutable_scale_0_1()->set_max(2.5);
  Table scaled = raw;
  for (double &v : scaled.at("a").floats)
    v = (v - 2.0) / 1.6;
  for (double &v : scaled.at("b").floats)
    v = (v + 1.0) / 3.5;
  TrainSpec s;
  s.label = "y";
  s.features = {"a", "b"};
  s.epochs = 10;
  s.transform = &g;
  pb::Model m = trainLogisticRegression(scaled, s, ExecOptions{});

  ox::ModelProto onnx;
  ASSERT_TRUE(onnx.ParseFromString(exportOnnx(m, OnnxInput::RawNumeric)));
  EXPECT_EQ(onnx.graph().input(0).name(), "raw_features");
  EXPECT_EQ(onnx.graph().node(0).op_type(), "Sub");
  EXPECT_EQ(onnx.graph().node(1).op_type(), "Div");
  Tensor x{{static_cast<int64_t>(raw.rows), 2}, {}};
  for (size_t r = 0; r < raw.rows; ++r) {
    x.values.push_back(static_cast<float>(raw.at("a").floats[r]));
    x.values.push_back(static_cast<float>(raw.at("b").floats[r]));
  }
  auto v = run(onnx.graph(), "raw_features", x);
  std::vector<double> probs = predictProba(scaled, m, ExecOptions{});
  for (size_t i = 0; i < probs.size(); ++i)
    EXPECT_NEAR(v.at("probabilities").values[i], probs[i], 1e-5) << i;

  // A constant z-scored column is only centred (TFT): Div by 1.
  pb::Model constant = m;
  constant.mutable_transform()->mutable_transforms(0)->mutable_z_score()->set_std_dev(0);
  ASSERT_TRUE(onnx.ParseFromString(exportOnnx(constant, OnnxInput::RawNumeric)));
  for (const ox::TensorProto &t : onnx.graph().initializer())
    if (t.name() == "raw_divisor") {
      EXPECT_EQ(t.float_data(0), 1.0f);
      EXPECT_EQ(t.float_data(1), 3.5f);
    }
  // A constant 0-1 scaled column (TFT's sigmoid), other transforms and
  // one-hot features need the features form.
  pb::Model flat = m;
  flat.mutable_transform()->mutable_transforms(1)->mutable_scale_0_1()->set_max(-1.0);
  EXPECT_THROW(exportOnnx(flat, OnnxInput::RawNumeric), OpError);
  pb::Model bucketed = m;
  bucketed.mutable_transform()->mutable_transforms(1)->mutable_bucketize()->add_boundaries(0.5);
  EXPECT_THROW(exportOnnx(bucketed, OnnxInput::RawNumeric), OpError);
}
