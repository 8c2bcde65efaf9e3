#!/usr/bin/env bash
# The main job: set up and build, then check examples/penguin.mlp, compile it
# (to the IR and to a KFP / Vertex AI pipeline) and run it on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mlpc=./build/tools/mlpc
mkdir -p mlpc-out
echo "==> mlpc check examples/penguin.mlp"
$mlpc check examples/penguin.mlp
echo "==> mlpc build --target=ir examples/penguin.mlp"
$mlpc build --target=ir examples/penguin.mlp -o mlpc-out/penguin.pb
$mlpc build --target=ir examples/penguin.mlp -o mlpc-out/penguin.txtpb
echo "==> mlpc build --target=kfp examples/penguin.mlp"
$mlpc build --target=kfp examples/penguin.mlp -o mlpc-out/penguin.yaml
echo "==> mlpc run examples/penguin.mlp"
$mlpc run examples/penguin.mlp --root mlpc-runs
echo "==> mlpc runs show latest"
$mlpc runs show latest --root mlpc-runs
run=$(ls -t mlpc-runs/runs | head -1)
echo
echo "The penguin pipeline checked, compiled and ran. Where its outputs are:"
echo "  $(pwd)/mlpc-out/penguin.pb, penguin.txtpb   its IR (mlpc.ir.Module, binary and text)"
echo "  $(pwd)/mlpc-out/penguin.yaml                its Kubeflow Pipelines / Vertex AI PipelineSpec"
echo "  $(pwd)/mlpc-runs/runs/$run/tasks/           every task's outputs and log.txt"
echo "  $(pwd)/mlpc-runs/metadata.sqlite            lineage (ML Metadata schema; mlpc runs show)"
echo "  $(pwd)/mlpc-out/penguin-model/              the exported model: model.pb and model.onnx"
