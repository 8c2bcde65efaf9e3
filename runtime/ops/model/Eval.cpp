#include "runtime/ops/model/Eval.h"

#include "runtime/ops/model/Json.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

namespace mlpc::ops::model {

namespace {

void requireClassColumn(const Column &col) {
  if (col.type != DType::Int64 && col.type != DType::String)
    throw OpError("column `" + col.name + "` is " + dtypeName(col.type) +
                  "; evaluation needs int class indices or string class names");
}

// Class index of row r of an int or string column.
struct ClassReader {
  const std::map<std::string, int64_t> &index;
  const std::vector<std::string> &names;

  int64_t operator()(const Column &col, size_t r) const {
    if (col.type == DType::Int64) {
      int64_t v = col.ints[r];
      if (v < 0)
        throw OpError("column `" + col.name + "` has the negative class index " +
                      std::to_string(v) + " in row " + std::to_string(r + 1));
      return v;
    }
    auto it = index.find(col.strings[r]);
    if (it == index.end()) {
      std::string known;
      for (const std::string &n : names)
        known += (known.empty() ? "" : ", ") + n;
      throw OpError("column `" + col.name + "` has '" + col.strings[r] + "' in row " +
                    std::to_string(r + 1) + ", which is not one of the classes: " + known);
    }
    return it->second;
  }
};

struct Row {
  int64_t label, prediction;
  double score;
};

// The ROC curve of class 1 from scores of class 1, and its trapezoid area.
void rocCurve(const std::vector<Row> &rows, EvalResult &out) {
  std::vector<double> positive(rows.size());
  int64_t pos = 0, neg = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    positive[i] = rows[i].prediction == 1 ? rows[i].score : 1.0 - rows[i].score;
    (rows[i].label == 1 ? pos : neg) += 1;
  }
  if (pos == 0 || neg == 0)
    return; // a rate would divide by zero: no curve
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return positive[a] > positive[b]; });
  double top = positive[order.front()];
  out.roc.push_back({std::nextafter(top, INFINITY), 0.0, 0.0});
  int64_t tp = 0, fp = 0;
  double area = 0;
  for (size_t i = 0; i < order.size();) {
    double threshold = positive[order[i]];
    for (; i < order.size() && positive[order[i]] == threshold; ++i)
      (rows[order[i]].label == 1 ? tp : fp) += 1;
    RocPoint p{threshold, double(fp) / double(neg), double(tp) / double(pos)};
    const RocPoint &prev = out.roc.back();
    area += (p.falsePositiveRate - prev.falsePositiveRate) *
            (p.truePositiveRate + prev.truePositiveRate) / 2.0;
    out.roc.push_back(p);
  }
  out.auc = area;
}

std::string metricsJson(const EvalResult &r) {
  std::string s = "{";
  auto put = [&](const std::string &key, const std::string &value) {
    s += (s.size() > 1 ? ", " : "") + json::string(key) + ": " + value;
  };
  put("accuracy", json::number(r.accuracy));
  put("macroPrecision", json::number(r.macroPrecision));
  put("macroRecall", json::number(r.macroRecall));
  put("macroF1", json::number(r.macroF1));
  if (r.auc)
    put("auc", json::number(*r.auc));
  put("rows", json::integer(r.rows));
  put("skippedRows", json::integer(r.skipped));
  for (const ClassMetrics &m : r.classes) {
    put("precision_" + m.name, json::number(m.precision));
    put("recall_" + m.name, json::number(m.recall));
    put("f1_" + m.name, json::number(m.f1));
  }
  return s + "}";
}

std::string classificationJson(const EvalResult &r) {
  std::string s = "{\"confusionMatrix\": {\"annotationSpecs\": [";
  for (size_t k = 0; k < r.classes.size(); ++k)
    s +=
        (k ? ", " : "") + std::string("{\"displayName\": ") + json::string(r.classes[k].name) + "}";
  s += "], \"rows\": [";
  for (size_t k = 0; k < r.confusion.size(); ++k) {
    s += k ? ", {\"row\": [" : "{\"row\": [";
    for (size_t j = 0; j < r.confusion[k].size(); ++j)
      s += (j ? ", " : "") + json::integer(r.confusion[k][j]);
    s += "]}";
  }
  s += "]}";
  if (!r.roc.empty()) {
    s += ", \"confidenceMetrics\": [";
    for (size_t i = 0; i < r.roc.size(); ++i)
      s += (i ? ", " : "") + std::string("{\"confidenceThreshold\": ") +
           json::number(r.roc[i].threshold) +
           ", \"falsePositiveRate\": " + json::number(r.roc[i].falsePositiveRate) +
           ", \"recall\": " + json::number(r.roc[i].truePositiveRate) + "}";
    s += "]";
  }
  return s + "}";
}

} // namespace

EvalResult classification(const Table &data, const std::string &labelColumn,
                          const std::string &predictionColumn,
                          const std::optional<std::string> &scoreColumn,
                          const std::vector<std::string> &classNames) {
  const Column &label = data.at(labelColumn);
  const Column &pred = data.at(predictionColumn);
  requireClassColumn(label);
  requireClassColumn(pred);
  const Column *score = nullptr;
  if (scoreColumn) {
    score = &data.at(*scoreColumn);
    if (score->type != DType::Float64)
      throw OpError("score column `" + score->name + "` is " + dtypeName(score->type) +
                    "; it must hold float probabilities");
  }
  if (data.rows == 0)
    throw OpError("cannot evaluate an empty table: it has no rows");

  std::vector<std::string> names = classNames;
  if (names.empty()) { // string columns name their own classes
    std::set<std::string> seen;
    for (const Column *col : {&label, &pred})
      if (col->type == DType::String)
        for (size_t r = 0; r < data.rows; ++r)
          if (col->isValid(r))
            seen.insert(col->strings[r]);
    names.assign(seen.begin(), seen.end());
  }
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < names.size(); ++i)
    index.emplace(names[i], static_cast<int64_t>(i));
  ClassReader classOf{index, names};

  EvalResult out;
  std::vector<Row> rows;
  rows.reserve(data.rows);
  int64_t top = static_cast<int64_t>(names.size()) - 1;
  for (size_t r = 0; r < data.rows; ++r) {
    bool present = label.isValid(r) && pred.isValid(r) &&
                   (!score || (score->isValid(r) && !std::isnan(score->floats[r])));
    if (!present) {
      ++out.skipped;
      continue;
    }
    Row row{classOf(label, r), classOf(pred, r), score ? score->floats[r] : 0.0};
    top = std::max({top, row.label, row.prediction});
    rows.push_back(row);
  }
  if (rows.empty())
    throw OpError("no row of the " + std::to_string(data.rows) +
                  " rows has both a label and a prediction to evaluate");
  if (top >= (int64_t(1) << 16))
    throw OpError("class index " + std::to_string(top) + " is too large to evaluate");
  const size_t classes = static_cast<size_t>(top + 1);
  for (size_t k = names.size(); k < classes; ++k)
    names.push_back(std::to_string(k));

  out.rows = static_cast<int64_t>(rows.size());
  out.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  for (const Row &row : rows)
    ++out.confusion[row.label][row.prediction];
  int64_t correct = 0;
  for (size_t k = 0; k < classes; ++k)
    correct += out.confusion[k][k];
  out.accuracy = double(correct) / double(out.rows);

  size_t averaged = 0;
  for (size_t k = 0; k < classes; ++k) {
    ClassMetrics m;
    m.name = names[k];
    for (size_t j = 0; j < classes; ++j) {
      m.support += out.confusion[k][j];
      m.predicted += out.confusion[j][k];
    }
    double tp = double(out.confusion[k][k]);
    m.precision = m.predicted ? tp / double(m.predicted) : 0.0;
    m.recall = m.support ? tp / double(m.support) : 0.0;
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
    if (m.support || m.predicted) {
      ++averaged;
      out.macroPrecision += m.precision;
      out.macroRecall += m.recall;
      out.macroF1 += m.f1;
    }
    out.classes.push_back(m);
  }
  out.macroPrecision /= double(averaged);
  out.macroRecall /= double(averaged);
  out.macroF1 /= double(averaged);
  if (score && classes == 2)
    rocCurve(rows, out);
  out.metricsJson = metricsJson(out);
  out.classificationJson = classificationJson(out);
  return out;
}

void writeText(const std::string &text, const std::string &path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw OpError("cannot write " + path + ": " + std::strerror(errno));
}

} // namespace mlpc::ops::model
