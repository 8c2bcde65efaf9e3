"""Builds every example with --target=tfx; TFX's own compiler compiles each one mlpc accepts.

usage: compile_examples.py MLPC ROOT WORKDIR [TFX_PYTHON]
Prints one line per example: `NAME: accepted` (and, with TFX_PYTHON,
`compiled by TFX: N nodes`) or `NAME: rejected: <first error>`.
"""
import pathlib
import subprocess
import sys

mlpc, root, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
tfx_python = sys.argv[4] if len(sys.argv) > 4 else None
examples = (sorted(root.glob("examples/*.mlp")) + [root / "examples/imports/main.mlp"]
            + sorted(root.glob("examples/tfx/*.mlp")))


def build(path):
    name = path.relative_to(root / "examples").with_suffix("").as_posix()
    out = work / name.replace("/", "_")
    result = subprocess.run([mlpc, "build", "--target=tfx", str(path), "-o", str(out)],
                            capture_output=True, text=True, cwd=root, timeout=120)
    if result.returncode != 0:
        first = next((l for l in result.stderr.splitlines() if l.startswith("error[")), "?")
        return name, out, f"rejected: {first}"
    return name, out, "accepted"


results = [build(p) for p in examples]
compiled = {}
if tfx_python:
    # TFX's compiler on every accepted package, in one process (see tfx_compile_many.py).
    dirs = [str(out) for _, out, verdict in results if verdict == "accepted"]
    run = subprocess.run([tfx_python, str(pathlib.Path(__file__).parent / "tfx_compile_many.py")] + dirs,
                         capture_output=True, text=True, cwd=root, timeout=600)
    for line in run.stdout.splitlines():
        directory, _, rest = line.partition(": ")
        compiled[directory] = rest
for name, out, verdict in results:
    line = f"{name}: {verdict}"
    if tfx_python and verdict == "accepted":
        rest = compiled.get(str(out), "FAILED: no result")
        line += f", compiled by TFX: {rest}" if not rest.startswith("FAILED") else f"\n{name}: {rest}"
    print(line)
