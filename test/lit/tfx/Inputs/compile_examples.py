"""Builds every example with --target=tfx; TFX's own compiler compiles each one mlpc accepts.

usage: compile_examples.py MLPC ROOT WORKDIR [TFX_PYTHON]
Prints one line per example: `NAME: accepted` (and, with TFX_PYTHON,
`compiled by TFX: N nodes`) or `NAME: rejected: <first error>`.
"""
import concurrent.futures
import pathlib
import re
import subprocess
import sys

mlpc, root, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
tfx_python = sys.argv[4] if len(sys.argv) > 4 else None
examples = (sorted(root.glob("examples/*.mlp")) + [root / "examples/imports/main.mlp"]
            + sorted(root.glob("examples/tfx/*.mlp")))


def compile_one(path):
    name = path.relative_to(root / "examples").with_suffix("").as_posix()
    out = work / name.replace("/", "_")
    build = subprocess.run([mlpc, "build", "--target=tfx", str(path), "-o", str(out)],
                           capture_output=True, text=True, cwd=root, timeout=120)
    if build.returncode != 0:
        first = next((l for l in build.stderr.splitlines() if l.startswith("error[")), "?")
        return f"{name}: rejected: {first}"
    line = f"{name}: accepted"
    if tfx_python:
        ir = subprocess.run([tfx_python, str(out / "pipeline.py"), "ir", "-o", str(out / "ir.pbtxt")],
                            capture_output=True, text=True, cwd=root, timeout=300)
        if ir.returncode != 0:
            return f"{name}: FAILED in TFX's compiler:\n{ir.stderr[-3000:]}"
        text = (out / "ir.pbtxt").read_text()
        nodes = len(re.findall(r"^nodes \{", text, flags=re.M))
        line += f", compiled by TFX: {nodes} nodes"
    return line


with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for line in pool.map(compile_one, examples):
        print(line)
