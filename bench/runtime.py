#!/usr/bin/env python3
"""Scheduling overhead of the native runtime (`mlpc run`).

    bench/runtime.py [--mlpc PATH] [--repeat R] [--keep DIR]

Generates two pipelines and runs each R times on a fresh root (so nothing is
cached), timing the whole `mlpc run` process (fork/exec/wait, as bench/run.py):

* chain-true: a chain of 100 container tasks running `/bin/true` (each waits
  for the previous one with `after`): subprocess scheduling end to end.
  Goal: under 0.5 s in total.
* dag-import: 1,000 importer tasks (run in process, no child) in a DAG: 10
  layers of 100, each task after one task of the layer before; it measures
  what the runtime itself costs per task (scheduling, cache key, output
  folder, one ML-Metadata transaction). Goal: under 100 us per task.

Both are also run a second time on the same root, where every task is a cache
hit (the importers are never cached), and the metadata write rate is reported
from the number of executions the store holds after the runs.

Prints a Markdown table and the machine; record figures in docs/performance.md.
"""
import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import run as compile_bench  # noqa: E402  (the compile benchmark's helpers)


def chain_true(n):
    # Each task has its own input, so no task is a cache hit of another.
    lines = ['component noop(i: int) { container { image: "alpine:3.20", command: ["true", i] } }',
             "", "pipeline chain_true() {"]
    for i in range(n):
        after = f" with {{ after: [t{i - 1}] }}" if i else ""
        name = f"t{i} = " if i < n - 1 else ""  # the last one is not referred to
        lines.append(f"  {name}noop(i: {i}){after}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dag_import(layers, width):
    lines = ['component load(uri: string) -> (data: Artifact) { importer { uri: uri } }', "",
             "pipeline dag_import(uri: string = \"data.txt\") {"]
    for layer in range(layers):
        for i in range(width):
            after = f" with {{ after: [t{layer - 1}_{i}] }}" if layer else ""
            name = f"t{layer}_{i} = " if layer < layers - 1 else ""
            lines.append(f"  {name}load(uri: uri){after}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def time_run(mlpc, source, root):
    start = time.perf_counter()
    done = subprocess.run([mlpc, "run", source, "--root", root], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{source}: mlpc run exited {done.returncode}\n{done.stdout[-2000:]}{done.stderr}")
    return seconds


def executions(root):
    db = sqlite3.connect(os.path.join(root, "metadata.sqlite"))
    return db.execute("SELECT COUNT(*) FROM Execution").fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mlpc", default=compile_bench.DEFAULT_MLPC)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", help="keep the generated files and roots here")
    args = parser.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="mlpc-bench-runtime-")
    os.makedirs(work, exist_ok=True)
    cases = [("chain-true", 100, chain_true(100), 0.5),
             ("dag-import", 1000, dag_import(10, 100), 1000 * 100e-6)]
    with open(os.path.join(work, "data.txt"), "w") as f:
        f.write("data\n")
    print(compile_bench.machine_info())
    print("| pipeline | tasks | run | median s | min s | per task ms | goal |")
    print("|---|---:|---|---:|---:|---:|---|")
    for name, n, text, goal in cases:
        source = os.path.join(work, name + ".mlp")
        with open(source, "w") as f:
            f.write(text)
        cold, warm = [], []
        for r in range(args.repeat):
            root = os.path.join(work, f"root-{name}-{r}")
            shutil.rmtree(root, ignore_errors=True)
            cold.append(time_run(args.mlpc, source, root))
            warm.append(time_run(args.mlpc, source, root))
        for label, times in (("fresh", cold), ("cached", warm)):
            med = statistics.median(times)
            verdict = ("met" if med < goal else "not met") if label == "fresh" else ""
            print(f"| {name} | {n} | {label} | {med:.3f} | {min(times):.3f} | "
                  f"{med / n * 1000:.3f} | {verdict} |")
        total = executions(os.path.join(work, f"root-{name}-0"))
        print(f"\n{name}: {total} executions recorded in ML Metadata over 2 runs; "
              f"{total / (cold[0] + warm[0]):.0f} executions/s including the tasks\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
