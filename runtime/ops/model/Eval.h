// std.eval.classification: accuracy, per-class precision, recall and F1, the
// confusion matrix, and for binary problems the ROC curve and its AUC, with
// JSON in the forms Kubeflow Pipelines' UI reads for Metrics and
// ClassificationMetrics artifacts.
#pragma once

#include "runtime/ops/Table.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlpc::ops::model {

struct ClassMetrics {
  std::string name;
  // 0 when undefined: precision when the class is never predicted, recall
  // when it never occurs as a label, F1 when precision + recall is 0.
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;   // rows labelled with the class
  int64_t predicted = 0; // rows predicted as the class
};

struct RocPoint {
  double threshold = 0; // a row counts as positive when its score >= threshold
  double falsePositiveRate = 0;
  double truePositiveRate = 0; // recall
};

struct EvalResult {
  int64_t rows = 0;    // rows evaluated
  int64_t skipped = 0; // rows skipped for a missing label or prediction
  double accuracy = 0;
  std::vector<ClassMetrics> classes;
  // Means over the classes that occur as a label or a prediction (as
  // scikit-learn averages without an explicit label list).
  double macroPrecision = 0, macroRecall = 0, macroF1 = 0;
  // confusion[label][prediction]: row counts.
  std::vector<std::vector<int64_t>> confusion;
  // Binary problems with scores and both classes among the labels: the ROC
  // curve from (0, 0) (threshold above every score) to (1, 1), one point per
  // distinct score, and the area under it by the trapezoid rule (tied scores
  // form one point, so a tie counts half).
  std::vector<RocPoint> roc;
  std::optional<double> auc;

  // KFP Metrics artifact metadata: a flat {"name": number} object:
  // accuracy, macroPrecision, macroRecall, macroF1, auc (with a ROC curve),
  // rows, skippedRows, then precision_<class>, recall_<class>, f1_<class>.
  std::string metricsJson;
  // KFP ClassificationMetrics artifact metadata, the keys of kfp.dsl's
  // ClassificationMetrics.log_confusion_matrix and log_roc_data_point:
  // {"confusionMatrix": {"annotationSpecs": [{"displayName": ...}], "rows":
  // [{"row": [...]}]}, "confidenceMetrics": [{"confidenceThreshold",
  // "falsePositiveRate", "recall"}]} (the last only with a ROC curve).
  std::string classificationJson;
};

// Compares `labelColumn` with `predictionColumn`. Int columns hold class
// indices (named by `classNames` when given, else "0", "1", ...); string
// columns hold class names (those of `classNames`, or when none are given
// the sorted distinct strings). `scoreColumn`, when given, is the
// probability of the predicted class (as std.infer.predict writes it): for a
// binary problem, class 1's probability is score or 1 - score, from which the
// ROC curve follows. Rows missing a label, prediction or score are skipped and
// counted. Throws OpError when no row remains, for a negative index, a name
// that is not a class, or a column of another type.
EvalResult classification(const Table &data, const std::string &labelColumn,
                          const std::string &predictionColumn,
                          const std::optional<std::string> &scoreColumn = std::nullopt,
                          const std::vector<std::string> &classNames = {});

// Writes `text` to `path` (replacing it); OpError naming the path on failure.
void writeText(const std::string &text, const std::string &path);

} // namespace mlpc::ops::model
