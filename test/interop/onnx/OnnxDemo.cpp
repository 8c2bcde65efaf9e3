// mlpc-ops-onnx-demo CSV LABEL OUTDIR [--mlp]
//
// Trains a classifier on a numeric CSV (every column but LABEL is a feature,
// z-scored by std.transform's fit and apply, LABEL holds class indices) and
// writes what score.py needs to check the ONNX export against onnxruntime:
//   model.onnx          the features form (input: z-scored features)
//   model_raw.onnx      the raw form (input: raw features; Sub/Div inside)
//   features.csv        the z-scored feature matrix, one row per CSV row
//   raw_features.csv    the raw feature matrix
//   mlpc_predictions.csv  mlpc's own prediction and class probabilities
#include "runtime/ops/Table.h"
#include "runtime/ops/io/Csv.h"
#include "runtime/ops/model/Onnx.h"
#include "runtime/ops/model/Predict.h"
#include "runtime/ops/model/Train.h"
#include "runtime/ops/transform/Transform.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace mlpc::ops;
using namespace mlpc::ops::model;

namespace {

// A numeric CSV through std.io's reader: every header column as float.
Table readNumericCsv(const std::string &path) {
  std::ifstream in(path);
  std::string header;
  if (!in || !std::getline(in, header))
    throw OpError("cannot read a header line from " + path);
  if (!header.empty() && header.back() == '\r')
    header.pop_back();
  Schema schema;
  std::stringstream names(header);
  for (std::string name; std::getline(names, name, ',');)
    schema.fields.push_back({name, DType::Float64, false});
  return io::readCsv(path, schema);
}

void writeMatrix(const std::string &path, const std::vector<std::string> &names,
                 const std::vector<const std::vector<double> *> &columns, size_t rows) {
  std::ofstream out(path);
  for (size_t c = 0; c < names.size(); ++c)
    out << (c ? "," : "") << names[c];
  out << "\n";
  char buf[40];
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < columns.size(); ++c) {
      // float32 in the ONNX graph: nine significant digits round-trip it.
      std::snprintf(buf, sizeof buf, "%.9g", (*columns[c])[r]);
      out << (c ? "," : "") << buf;
    }
    out << "\n";
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 4) {
    std::cerr << "usage: mlpc-ops-onnx-demo CSV LABEL OUTDIR [--mlp]\n";
    return 2;
  }
  std::string csv = argv[1], label = argv[2], outdir = argv[3];
  bool mlp = argc > 4 && std::string(argv[4]) == "--mlp";
  try {
    Table raw = readNumericCsv(csv);
    // The label as int class indices.
    Column &labels = raw.at(label);
    Column y(label, DType::Int64);
    for (double v : labels.floats) {
      if (v != std::floor(v) || v < 0)
        throw OpError("label column " + label + " must hold class indices 0..K-1");
      y.ints.push_back(static_cast<int64_t>(v));
    }
    labels = std::move(y);

    // z-score every feature with std.transform's analyzer.
    std::vector<std::string> features;
    for (const Column &c : raw.columns)
      if (c.name != label)
        features.push_back(c.name);
    transform::FitSpec fitSpec;
    fitSpec.zScore = features;
    pb::TransformGraph graph = transform::fit(raw, fitSpec);
    Table scaled = transform::apply(raw, graph);

    TrainSpec spec;
    spec.label = label;
    spec.features = features;
    spec.transform = &graph;
    spec.seed = 42;
    pb::Model model;
    if (mlp) {
      spec.hidden = {16};
      spec.optimizer = "adam";
      spec.learningRate = 0.01;
      spec.epochs = 100;
      model = trainMlp(scaled, spec, ExecOptions{});
    } else {
      spec.epochs = 100;
      model = trainLogisticRegression(scaled, spec, ExecOptions{});
    }

    std::filesystem::create_directories(outdir);
    std::ofstream(outdir + "/model.onnx", std::ios::binary) << exportOnnx(model);
    std::ofstream(outdir + "/model_raw.onnx", std::ios::binary)
        << exportOnnx(model, OnnxInput::RawNumeric);
    std::vector<const std::vector<double> *> scaledCols, rawCols;
    for (const std::string &f : features) {
      scaledCols.push_back(&scaled.at(f).floats);
      rawCols.push_back(&raw.at(f).floats);
    }
    writeMatrix(outdir + "/features.csv", features, scaledCols, scaled.rows);
    writeMatrix(outdir + "/raw_features.csv", features, rawCols, raw.rows);

    std::vector<double> probs = predictProba(scaled, model, ExecOptions{});
    Table scored = predict(scaled, model, ExecOptions{});
    const size_t k = static_cast<size_t>(model.class_names_size());
    std::ofstream out(outdir + "/mlpc_predictions.csv");
    out << "prediction";
    for (size_t j = 0; j < k; ++j)
      out << ",p" << j;
    out << "\n";
    size_t right = 0;
    char buf[40];
    for (size_t r = 0; r < scaled.rows; ++r) {
      int64_t p = scored.at("prediction").ints[r];
      right += p == scaled.at(label).ints[r];
      out << p;
      for (size_t j = 0; j < k; ++j) {
        std::snprintf(buf, sizeof buf, "%.17g", probs[r * k + j]);
        out << "," << buf;
      }
      out << "\n";
    }
    std::cout << (mlp ? "mlp" : "logistic regression") << ": " << scaled.rows << " rows, "
              << features.size() << " features, " << k << " classes, final loss "
              << model.training().final_loss() << ", training accuracy "
              << double(right) / scaled.rows << "\nwrote " << outdir
              << "/{model.onnx,model_raw.onnx,features.csv,"
              << "raw_features.csv,mlpc_predictions.csv}\n";
  } catch (const OpError &e) {
    std::cerr << "mlpc-ops-onnx-demo: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
