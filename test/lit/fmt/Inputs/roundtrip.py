"""`mlpc fmt` on every .mlp file of the repository: idempotent and meaning-preserving.

For each file (examples/, stdlib/std/, test/) that parses:
  - formatting the formatted text changes nothing (idempotent);
  - the AST (`mlpc check --emit=ast`, locations removed) is the same;
  - the diagnostics (code and message) are the same;
  - where the file compiles, the IR (`mlpc build --target=ir`, line and
    column numbers removed) is the same.
A file that does not parse must be refused (exit 1, a syntax error E01xx).
The formatted files are written into a copy of each tree, so relative
imports and Python sources resolve as they do for the original.

usage: roundtrip.py MLPC ROOT WORKDIR
"""
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

mlpc, root, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
TREES = ["examples", "stdlib", "test"]


def run(args, stdin=None, cwd=None):
    return subprocess.run([mlpc] + args, input=stdin, capture_output=True, text=True, cwd=cwd,
                          timeout=60)


def strip_ast(text):
    return re.sub(r" @\d+:\d+", "", text)


def strip_ir(text):
    return re.sub(r"^\s*(line|column): \d+\n", "", text, flags=re.M)


def diagnostics(path, cwd):
    out = run(["check", "--diagnostics-format=json", path], cwd=cwd).stderr
    return sorted((d["code"], d["message"]) for d in map(json.loads, out.splitlines()))


shutil.rmtree(work, ignore_errors=True)
for tree in TREES:
    shutil.copytree(root / tree, work / tree, ignore=shutil.ignore_patterns("__pycache__"))

files = sorted(p.relative_to(root) for t in TREES for p in (root / t).rglob("*.mlp"))


def write_atomically(path, text):
    # Another file's check may import this one meanwhile: it sees the old or
    # the new text, never half of it.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", errors="surrogateescape")
    os.replace(tmp, path)


def roundtrip(rel):
    """One file: ("refused" | "formatted" | "compiled", [failures])."""
    failures = []
    source = (root / rel).read_text(encoding="utf-8", errors="surrogateescape")
    first = run(["fmt", "-"], stdin=source)
    if first.returncode != 0:
        if first.returncode != 1 or not re.search(r"error\[E01\d\d\]", first.stderr):
            failures.append(f"{rel}: refused without a syntax error: {first.stderr[:300]}")
        if run(["check", str(rel)], cwd=root).returncode == 0:
            failures.append(f"{rel}: fmt refused a file that checks clean")
        return "refused", failures
    second = run(["fmt", "-"], stdin=first.stdout)
    if second.stdout != first.stdout:
        failures.append(f"{rel}: not idempotent")
    write_atomically(work / rel, first.stdout)
    before = run(["check", "--emit=ast", str(rel)], cwd=root)
    after = run(["check", "--emit=ast", str(rel)], cwd=work)
    if strip_ast(before.stdout) != strip_ast(after.stdout):
        failures.append(f"{rel}: the AST changed")
    if diagnostics(str(rel), root) != diagnostics(str(rel), work):
        failures.append(f"{rel}: the diagnostics changed")
    ir_before = run(["build", "--target=ir", str(rel)], cwd=root)
    if ir_before.returncode != 0:
        return "formatted", failures
    ir_after = run(["build", "--target=ir", str(rel)], cwd=work)
    if strip_ir(ir_before.stdout) != strip_ir(ir_after.stdout):
        failures.append(f"{rel}: the IR changed")
    return "compiled", failures


# The files are independent: one mlpc at a time per core (the sanitized
# build spends most of its time starting up).
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    results = list(pool.map(roundtrip, files))
kinds = [kind for kind, _ in results]
refused, compiled = kinds.count("refused"), kinds.count("compiled")
formatted = len(files) - refused
failures = [f for _, fs in results for f in fs]
print(f"{len(files)} files: {formatted} formatted ({compiled} compiled to IR), {refused} refused")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
