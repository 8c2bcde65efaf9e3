#!/usr/bin/env python3
"""Compares mlpc's KFP output with a golden the real KFP SDK compiled.

    compare.py MLPC.yaml GOLDEN.yaml

Normalises only what cannot match by construction (the README of the
conformance data lists them): sdkVersion, the `kfp==` pin in the
lightweight-component prelude, and the embedded Python source (the SDK
embeds the function, mlpc the whole file). Everything else must be equal,
including the header comments (/header) and the PlatformSpec (the second
document, /platform).
"""
import re
import sys

import yaml


def normalise(doc):
    doc = dict(doc)
    doc.pop("sdkVersion", None)
    for executor in doc.get("deploymentSpec", {}).get("executors", {}).values():
        command = executor.get("container", {}).get("command", [])
        for i, part in enumerate(command):
            if "kfp==" in part:
                command[i] = re.sub(r"'kfp==[0-9.]+'", "'kfp==X'", part)
            if part.startswith("\nimport kfp\n"):
                command[i] = "<python source>"
    return doc


def diff(a, b, path="", out=None):
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append(f"{path}/{k}: only in the golden: {b[k]!r}"[:300])
            elif k not in b:
                out.append(f"{path}/{k}: only in mlpc's: {a[k]!r}"[:300])
            else:
                diff(a[k], b[k], f"{path}/{k}", out)
    elif a != b:
        out.append(f"{path}: mlpc {a!r} != golden {b!r}"[:300])
    return out


def load(path):
    """The PipelineSpec, normalised, and the PlatformSpec (or None)."""
    with open(path) as f:
        docs = list(yaml.safe_load_all(f))
    return normalise(docs[0]), docs[1] if len(docs) > 1 else None


def header(path):
    """The `# PIPELINE DEFINITION` comment lines before the YAML."""
    lines = []
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                break
            lines.append(line.rstrip("\n"))
    return lines


def compare(ours_path, golden_path):
    """Differences between two files: the header comments (`/header`), the
    PipelineSpec, then the PlatformSpec (`/platform/...`)."""
    ours, ours_platform = load(ours_path)
    golden, golden_platform = load(golden_path)
    return (diff(header(ours_path), header(golden_path), "/header") + diff(ours, golden) +
            diff(ours_platform, golden_platform, "/platform"))


def main() -> int:
    problems = compare(sys.argv[1], sys.argv[2])
    for p in problems:
        print(p)
    print("identical after normalisation" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
