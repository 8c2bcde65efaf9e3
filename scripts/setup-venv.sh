#!/usr/bin/env bash
# Creates one of the interop tests' virtual environments from its pinned
# requirements file, and checks that its packages import. Skips the work when
# the environment already holds exactly that requirements file.
#
#   bash scripts/setup-venv.sh tfx    # .venv-tfx: TFX 1.16 with TensorFlow Transform and
#                                     # TensorFlow (test/lit/tfx, test/interop/tft, tfrecord)
#   bash scripts/setup-venv.sh beam   # .venv-beam: Apache Beam + onnxruntime (test/lit/dataflow)
#
# tfx: 3.3 GB, 2-4 minutes; beam: 1 GB, 1-2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

name=${1:?usage: setup-venv.sh tfx|beam}
pip_args=()
case $name in
tfx)
  what="TFX"
  check="import tfx.v1, ml_metadata, tensorflow_transform, kfp.pipeline_spec.pipeline_spec_pb2"
  # tfx and ml-pipelines-sdk 1.16.0 declare Requires-Python <3.11, yet every
  # compiled dependency has a cp311 wheel and the stack runs on 3.11.
  pip_args=(--ignore-requires-python)
  ;;
beam)
  what="Apache Beam and onnxruntime"
  check="import apache_beam, apache_beam.ml.inference.onnx_inference, onnx, onnxruntime"
  ;;
*)
  echo "error: unknown environment \`$name\` (tfx or beam)" >&2
  exit 2
  ;;
esac
req=scripts/requirements-$name.txt
venv=.venv-$name

if [[ -x $venv/bin/python3 ]] && cmp -s "$req" "$venv/.requirements"; then
  exit 0
fi

# The pins are resolved for CPython 3.11 (Debian 12's python3).
if ! python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "error: $req is pinned for Python 3.11; python3 is $(python3 -V 2>&1)" >&2
  exit 1
fi

echo "==> creating $venv with $what ($req)"
rm -rf "$venv"
if python3 -m venv "$venv" &&
  "$venv/bin/pip" install -q --disable-pip-version-check "${pip_args[@]}" --prefer-binary \
    -r "$req" &&
  TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES='' "$venv/bin/python3" -W ignore -c "$check"; then
  cp "$req" "$venv/.requirements"
else
  echo "error: could not install $what into $venv from $req" >&2
  echo "help: pip's error is above; it needs python3-venv, PyPI and a few GiB of disk" >&2
  rm -rf "$venv"
  exit 1
fi
