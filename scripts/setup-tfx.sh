#!/usr/bin/env bash
# Creates .venv-tfx with TFX 1.16 (pinned in scripts/requirements-tfx.txt) for
# the TFX backend's tests in test/lit/tfx/: TFX's compiler, KubeflowV2DagRunner
# and a LocalDagRunner run of examples/tfx/penguin_tfx.mlp.
# Skips the work when .venv-tfx already holds exactly that requirements file.
#
#   bash scripts/setup-tfx.sh
#
# About 3.3 GB on disk and 2-4 minutes (downloads ~236 packages from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

req=scripts/requirements-tfx.txt
venv=.venv-tfx

if [[ -x $venv/bin/python3 ]] && cmp -s "$req" "$venv/.requirements"; then
  exit 0
fi

# The pins are resolved for CPython 3.11 (Debian 12's python3).
if ! python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "error: $req is pinned for Python 3.11; python3 is $(python3 -V 2>&1)" >&2
  exit 1
fi

# tfx and ml-pipelines-sdk 1.16.0 declare Requires-Python <3.11, yet every
# compiled dependency has a cp311 wheel and the stack runs on 3.11: pip needs
# --ignore-requires-python to install them.
echo "==> creating $venv with TFX ($req)"
rm -rf "$venv"
if python3 -m venv "$venv" &&
  "$venv/bin/pip" install -q --disable-pip-version-check --ignore-requires-python \
    --prefer-binary -r "$req" &&
  TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES='' "$venv/bin/python3" -c \
    "import tfx.v1, ml_metadata, tensorflow_transform, kfp.pipeline_spec.pipeline_spec_pb2"; then
  cp "$req" "$venv/.requirements"
else
  echo "error: could not install TFX into $venv from $req" >&2
  echo "help: pip's error is above; it needs python3-venv, PyPI and about 4 GiB of disk" >&2
  rm -rf "$venv"
  exit 1
fi
