#!/usr/bin/env bash
# Installs what mlpc needs on Debian 12 (as root), then configures and builds
# it. Installs only what is missing: on a machine that has everything it
# changes nothing and only (re)builds.
#
#   bash scripts/setup.sh            # dependencies + release build in build/
#   MLPC_NO_BUILD=1 bash scripts/setup.sh   # dependencies only
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, named in DEVELOPERS.md and docs/architecture.md.
packages=(
  build-essential cmake git python3 python3-venv
  antlr4 libantlr4-runtime-dev            # ANTLR tool 4.7.2 + C++ runtime 4.9
  llvm-14-dev llvm-14-tools               # LLVM Support (ADT, JSON, CommandLine); FileCheck, not
  clang-14 libclang-rt-14-dev             # libFuzzer and the sanitizer runtimes
  libfmt-dev libprotobuf-dev protobuf-compiler libsqlite3-dev
  zlib1g-dev                              # gzip-compressed TFRecord files (TFX's ExampleGen)
  googletest libgtest-dev libbenchmark-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: missing Debian packages: ${missing[*]}" >&2
    echo "help: run this script as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "==> installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python tools for the test suite, pinned, in a project-local virtualenv.
if [[ ! -x .venv/bin/lit ]] || ! cmp -s scripts/requirements-test.txt .venv/.requirements 2>/dev/null; then
  echo "==> creating .venv with the test tools"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt .venv/.requirements
fi

# ml-metadata, for the MLMD interop test, pins protobuf<5 and kfp needs
# protobuf>=6: it gets a virtualenv of its own.
mlmd=ml-metadata==1.16.0
if [[ ! -x .venv-mlmd/bin/python3 ]] || [[ "$(cat .venv-mlmd/.requirements 2>/dev/null)" != "$mlmd" ]]; then
  echo "==> creating .venv-mlmd with $mlmd"
  rm -rf .venv-mlmd
  if python3 -m venv .venv-mlmd && .venv-mlmd/bin/pip install -q --disable-pip-version-check "$mlmd"; then
    echo "$mlmd" >.venv-mlmd/.requirements
  else
    echo "error: could not install $mlmd into .venv-mlmd (needed by the ML Metadata interop tests)" >&2
    rm -rf .venv-mlmd
    exit 1
  fi
fi

if [[ -z "${MLPC_NO_BUILD:-}" ]]; then
  echo "==> building mlpc (build/)"
  cmake --preset default >/dev/null # see CMakePresets.json
  cmake --build --preset default
fi
