#!/usr/bin/env bash
# Creates .venv-tft with TensorFlow Transform (pinned in
# scripts/requirements-tft.txt) for the TFT interop test in test/interop/tft/.
# Skips the work when .venv-tft already holds exactly that requirements file.
#
#   bash scripts/setup-tft.sh
#
# About 2.7 GB on disk and 2-3 minutes (downloads ~135 packages from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

req=scripts/requirements-tft.txt
venv=.venv-tft

if [[ -x $venv/bin/python3 ]] && cmp -s "$req" "$venv/.requirements"; then
  exit 0
fi

# The pins are resolved for CPython 3.11 (Debian 12's python3).
if ! python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "error: $req is pinned for Python 3.11; python3 is $(python3 -V 2>&1)" >&2
  exit 1
fi

echo "==> creating $venv with TensorFlow Transform ($req)"
rm -rf "$venv"
if python3 -m venv "$venv" &&
  "$venv/bin/pip" install -q --disable-pip-version-check --prefer-binary -r "$req" &&
  TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES='' "$venv/bin/python3" -c \
    "import tensorflow_transform, tensorflow_transform.beam"; then
  cp "$req" "$venv/.requirements"
else
  echo "error: could not install TensorFlow Transform into $venv from $req" >&2
  echo "help: pip's error is above; it needs python3-venv, PyPI and about 3 GiB of disk" >&2
  rm -rf "$venv"
  exit 1
fi
