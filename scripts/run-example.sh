#!/usr/bin/env bash
# The main job: set up, build, then check and compile examples/penguin.mlp (to the IR
# and to a KFP / Vertex AI pipeline).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p mlpc-out
echo "==> mlpc check examples/penguin.mlp"
./build/tools/mlpc check examples/penguin.mlp
echo "==> mlpc build --target=ir examples/penguin.mlp"
./build/tools/mlpc build --target=ir examples/penguin.mlp -o mlpc-out/penguin.pb
./build/tools/mlpc build --target=ir examples/penguin.mlp -o mlpc-out/penguin.txtpb
echo "==> mlpc build --target=kfp examples/penguin.mlp"
./build/tools/mlpc build --target=kfp examples/penguin.mlp -o mlpc-out/penguin.yaml
echo
echo "The penguin pipeline checks and compiles. Its IR is in:"
echo "  $(pwd)/mlpc-out/penguin.pb      (binary protobuf, mlpc.ir.Module)"
echo "  $(pwd)/mlpc-out/penguin.txtpb   (the same, as text)"
echo "and its Kubeflow Pipelines definition (KFP / Vertex AI PipelineSpec YAML) in:"
echo "  $(pwd)/mlpc-out/penguin.yaml"
