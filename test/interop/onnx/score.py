#!/usr/bin/env python3
"""Scores the rows mlpc-ops-onnx-demo wrote with onnxruntime and compares the
result with mlpc's own predictions.

usage: score.py OUTDIR

Checks model.onnx on features.csv and, when present, model_raw.onnx on
raw_features.csv: every class probability within 1e-5 of mlpc's (the ONNX
graph computes in float32, mlpc in double) and the same predicted class,
except where mlpc's two best classes are within 1e-5 of each other (a near
tie float32 may break the other way). Exits 1 with a message on a mismatch.
"""
import csv
import os
import sys

import numpy as np
import onnxruntime as ort

TOLERANCE = 1e-5


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], np.array([[float(v) for v in row] for row in rows[1:]], dtype=np.float64)


def check(model_path, features_path, expected_labels, expected_probs):
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    _, x = read_csv(features_path)
    probs, labels = session.run(["probabilities", "label"], {input_name: x.astype(np.float32)})
    problems = []
    if probs.shape != expected_probs.shape:
        return [f"{model_path}: probabilities have shape {probs.shape}, mlpc {expected_probs.shape}"]
    diff = np.abs(probs.astype(np.float64) - expected_probs)
    worst = int(np.argmax(diff.max(axis=1)))
    if diff.max() > TOLERANCE:
        problems.append(f"{model_path}: row {worst + 1}: probabilities {probs[worst].tolist()} "
                        f"differ from mlpc's {expected_probs[worst].tolist()} by "
                        f"{diff.max():.3g} > {TOLERANCE}")
    top2 = np.sort(expected_probs, axis=1)[:, -2:]
    near_tie = (top2[:, 1] - top2[:, 0]) < TOLERANCE
    wrong = np.nonzero((labels != expected_labels) & ~near_tie)[0]
    if len(wrong):
        r = int(wrong[0])
        problems.append(f"{model_path}: {len(wrong)} rows predicted differently, first row "
                        f"{r + 1}: onnxruntime {int(labels[r])}, mlpc {int(expected_labels[r])}")
    print(f"{os.path.basename(model_path)}: {len(labels)} rows, max |dp| {diff.max():.3g}, "
          f"labels equal: {int(np.sum(labels == expected_labels))}/{len(labels)}"
          f" (near ties {int(np.sum(near_tie))})")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = sys.argv[1]
    header, expected = read_csv(os.path.join(outdir, "mlpc_predictions.csv"))
    assert header[0] == "prediction"
    labels, probs = expected[:, 0].astype(np.int64), expected[:, 1:]
    problems = check(os.path.join(outdir, "model.onnx"), os.path.join(outdir, "features.csv"),
                     labels, probs)
    raw = os.path.join(outdir, "model_raw.onnx")
    if os.path.exists(raw):
        problems += check(raw, os.path.join(outdir, "raw_features.csv"), labels, probs)
    for p in problems:
        print("MISMATCH: " + p, file=sys.stderr)
    print(f"onnxruntime {ort.__version__}, numpy {np.__version__}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
