#!/usr/bin/env python3
"""Checks a finished run of examples/penguin.mlp: held-out accuracy at least
MIN, KFP-readable metrics, and the exported model (model.pb, model.onnx).
When onnxruntime is importable, the exported ONNX model scores the test split
and must agree with mlpc's own predictions.

Usage: check_penguin.py RUN_FOLDER EXPORT_DIR MIN
"""
import csv
import json
import os
import sys

run, export, minimum = sys.argv[1], sys.argv[2], float(sys.argv[3])
tasks = os.path.join(run, "tasks")
metrics = json.load(open(os.path.join(tasks, "evaluation", "metrics")))
acc = metrics["accuracy"]
print(f"accuracy {acc:.4f} on {metrics['rows']} held-out rows")
if acc < minimum:
    sys.exit(f"accuracy {acc} is below {minimum}")
cm = json.load(open(os.path.join(tasks, "evaluation", "classification")))["confusionMatrix"]
if len(cm["rows"]) != 3 or sum(sum(r["row"]) for r in cm["rows"]) != metrics["rows"]:
    sys.exit(f"confusion matrix does not cover the rows: {cm}")
for f in ("model.pb", "model.onnx"):
    if not os.path.getsize(os.path.join(export, f)):
        sys.exit(f"{export}/{f} is empty")

try:
    import numpy as np
    import onnxruntime as ort
except ImportError:
    print("onnxruntime not installed: ONNX scoring skipped")
    sys.exit(0)
session = ort.InferenceSession(os.path.join(export, "model.onnx"))
rows = list(csv.DictReader(open(os.path.join(tasks, "scored", "predictions"))))
# The exported model reads the transformed features: four z-scored numbers,
# then island (3 values) and sex (2 values) one-hot encoded.
numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
features = []
for r in rows:
    x = [float(r[c]) for c in numeric]
    x += [1.0 if int(r["island"]) == i else 0.0 for i in range(3)]
    x += [1.0 if int(r["sex"]) == i else 0.0 for i in range(2)]
    features.append(x)
out = session.run(None, {session.get_inputs()[0].name: np.array(features, dtype=np.float32)})
names = [o.name for o in session.get_outputs()]
probs, labels = out[names.index("probabilities")], out[names.index("label")]
mismatch = 0
for r, p, l in zip(rows, probs, labels):
    if int(l) != int(r["prediction"]) or abs(float(p[int(l)]) - float(r["score"])) > 1e-5:
        mismatch += 1
print(f"onnxruntime agrees with mlpc on {len(rows) - mismatch} of {len(rows)} rows")
if mismatch:
    sys.exit(1)
