#!/usr/bin/env bash
# The ONNX interop check: trains a logistic regression and an MLP on CSV with
# mlpc-ops-onnx-demo, then score.py scores the same rows with onnxruntime.
#   DEMO=path/to/mlpc-ops-onnx-demo PYTHON=.venv/bin/python run.sh CSV OUTDIR
# CSV: numeric columns with a header; the label column is `species`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
csv=${1:-$here/data/penguins.csv}
out=${2:-onnx-interop}
"$DEMO" "$csv" species "$out/logistic"
"$DEMO" "$csv" species "$out/mlp" --mlp
"$PYTHON" "$here/score.py" "$out/logistic"
"$PYTHON" "$here/score.py" "$out/mlp"
