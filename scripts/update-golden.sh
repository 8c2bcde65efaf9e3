#!/usr/bin/env bash
# Regenerates test/golden/*.txtpb, the IR of every example, after an
# intended change to the IR or the builder. Review the diff before committing:
#   bash scripts/update-golden.sh && git diff test/golden
set -euo pipefail
cd "$(dirname "$0")/.."
mlpc=${MLPC:-build/tools/mlpc}
for f in examples/*.mlp examples/imports/main.mlp; do
  name=$(echo "${f#examples/}" | sed 's|/|_|g; s|\.mlp$||')
  "$mlpc" build --target=ir "$f" -o "test/golden/$name.txtpb"
done
