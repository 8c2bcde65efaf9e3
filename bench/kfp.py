#!/usr/bin/env python3
"""Compile-time benchmark for the KFP target, against the KFP SDK.

Generates the synthetic pipelines of bench/generate.py (shapes chain, fanout,
loops) into a temporary directory, then for every (shape, N) runs

  mlpc build --target=kfp FILE -o OUT.yaml
  mlpc build --target=kfp --share-executors FILE -o OUT.yaml

R times each (timed as in bench/run.py: fork/exec/wait around
time.perf_counter, peak RSS from os.wait4 for that child alone) and reports the
median wall time, the median CPU time (user + system; barely affected by other
jobs on the machine), the peak RSS, the YAML size and the bytes per task. Goals:
1,000 tasks under 100 ms, 10,000 under 1 s, growing linearly (the 10k/1k time
ratio is printed per shape and mode). The compiler is timed from a copy, so a
rebuild during the run cannot mix two binaries. Before timing, each file is
built once untimed (this is the warm-up) and its output checked: exit 0,
non-empty, starts with `# PIPELINE DEFINITION`, and for chain and fanout
(where every task sits in the root DAG) exactly N root tasks.

In the same run, the chain and fanout pipelines are also written as KFP SDK
Python (kfp.dsl container components with the same inputs, outputs, command
lines and task options; loops is not mirrored) and compiled with
`kfp.compiler.Compiler().compile(...)` in a subprocess of --python, once per
size. Inside the subprocess `import kfp` is timed apart and excluded: "SDK
compile" is the component definitions plus the @dsl.pipeline graph build plus
compile() writing the YAML. The subprocess total (interpreter start, import,
compile) and its peak RSS are reported too, and the SDK's task count is checked
to be N. mlpc is also timed at the SDK sizes, for the SDK / mlpc ratio.
The SDK is slow and super-linear (6-9 s for a 1,000-task chain on a 2-core VM),
so it runs for 100, 300 and 1,000 tasks unless --sdk-sizes says otherwise; never
10,000 unless asked. (This file is named kfp.py: the SDK scripts run from a
temporary directory, so that `import kfp` there finds the SDK, not this file.)

Usage: bench/kfp.py [--mlpc PATH] [--python PATH] [--repeat R] [--sizes 1000,10000]
                    [--shapes chain,fanout,loops] [--sdk-sizes 100,300,1000]
                    [--sdk-timeout S] [--no-sdk] [--timeout S] [--keep DIR]

The tables are Markdown on stdout; progress goes to stderr. Exit status 1 if a
run failed or an output failed its check (missed goals are reported, not fatal).
"""

import argparse
import hashlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import generate  # noqa: E402
import run  # noqa: E402  (bench/run.py: the timer and the machine description)

DEFAULT_PYTHON = os.path.join(os.path.dirname(HERE), ".venv", "bin", "python")
DEFAULT_SIZES = (1000, 10000)
DEFAULT_SDK_SIZES = (100, 300, 1000)
SDK_SHAPES = ("chain", "fanout")
MODES = (("default", []), ("--share-executors", ["--share-executors"]))

# Goals from the issue: median wall time per size.
GOALS = {1000: 0.100, 10000: 1.0}

YAML_HEADER = b"# PIPELINE DEFINITION"


# --- KFP SDK source mirroring bench/generate.py -------------------------------------------------

SDK_PRELUDE = '''\
"""Synthetic {shape} pipeline with {n} tasks for the KFP SDK, written by bench/kfp.py.

Usage: python THIS.py OUT.yaml TIMES.json
"""
import json
import sys
import time
import traceback

_t = time.perf_counter()
from typing import NamedTuple, Optional

from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Output, OutputPath

times = {{"import_s": time.perf_counter() - _t}}
_t0 = time.perf_counter()


@dsl.container_component
def load(uri: str, out: Output[Dataset], rows: OutputPath(int), limit: int = 1000):
    """Reads rows from a URI and counts them."""
    return dsl.ContainerSpec(
        image="python:3.11-slim", command=["python3", "-m", "bench.load"],
        args=["--uri", uri, "--limit", limit, "--out", out.path, "--rows", rows])


@dsl.container_component
def clean(data: Input[Dataset], step: int, out: Output[Dataset], rows: OutputPath(int), scale: float = 1.0):
    """Cleans and rescales rows."""
    return dsl.ContainerSpec(
        image="python:3.11-slim", command=["python3", "-m", "bench.clean"],
        args=["--in", data.path, "--out", out.path, f"--step={{step}}",
              "--scale", scale, "--rows", rows])


@dsl.container_component
def score(data: Input[Dataset], threshold: float, out: Output[Dataset], accuracy: OutputPath(float),
          seed: Optional[int] = None):
    """Scores rows and reports the accuracy."""
    return dsl.ContainerSpec(
        image="python:3.11-slim", command=["python3", "-m", "bench.score"],
        args=["--in", data.uri, "--out", out.uri, "--threshold", threshold, "--accuracy", accuracy,
              dsl.IfPresentPlaceholder(input_name="seed", then=["--seed", seed])])


@dsl.container_component
def merge(a: Input[Dataset], b: Input[Dataset], c: Input[Dataset], out: Output[Dataset], tag: str = "merged"):
    """Merges three datasets."""
    return dsl.ContainerSpec(
        image="python:3.11-slim", command=["python3", "-m", "bench.merge"],
        args=[a.path, b.path, c.path, "--tag", tag, "--out", out.path])


@dsl.container_component
def publish(data: Input[Dataset], region: str):
    """Publishes a dataset to a region."""
    return dsl.ContainerSpec(
        image="google/cloud-sdk:482.0.0-slim", command=["gsutil", "cp"],
        args=[data.path, f"gs://bench-{{region}}/out/"])


'''

SDK_MAIN = '''

def main(out_yaml, times_json):
    try:
        t = time.perf_counter()
        pipeline = dsl.pipeline(name="{name}")({func})  # builds the graph and the PipelineSpec
        times["build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        compiler.Compiler().compile(pipeline_func=pipeline, package_path=out_yaml)
        times["write_s"] = time.perf_counter() - t
        times["compile_s"] = time.perf_counter() - _t0  # component definitions + build + write
        times["components_s"] = times["compile_s"] - times["build_s"] - times["write_s"]
    except Exception:
        times["error"] = traceback.format_exc()
    with open(times_json, "w") as f:
        json.dump(times, f)
    return 1 if "error" in times else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
'''

# mlpc's component-level settings, which the SDK sets per task.
SDK_COMPONENT_SETTINGS = {
    "load": '.set_cpu_limit("1").set_memory_limit("1Gi")',
    "clean": '.set_env_variable("LOG_LEVEL", "info")',
}


def sdk_options(i):
    """generate._options(i) as PipelineTask setters (the same tasks get the same options)."""
    if i % 10 == 7:
        return ".set_retry(num_retries=2, backoff_duration=\"10s\").set_caching_options(False)"
    if i % 10 == 3:
        return '.set_cpu_limit("2").set_memory_limit("4Gi").set_display_name("task %d")' % i
    return ""


def sdk_call(component, args, i=None):
    """One task: the call, the component's settings, then task i's options."""
    return "%s(%s)%s%s" % (component, args, SDK_COMPONENT_SETTINGS.get(component, ""),
                           sdk_options(i) if i is not None else "")


def sdk_step_call(i, prev):
    """generate._step_call(i, prev) for the SDK: score with a seed, score, or clean."""
    if i % 3 == 1:
        return sdk_call("score", "data=%s, threshold=threshold, seed=%d" % (prev, i), i)
    if i % 3 == 2:
        return sdk_call("score", "data=%s, threshold=threshold" % prev, i)
    return sdk_call("clean", "data=%s, step=%d, scale=scale" % (prev, i), i)


def sdk_out(task):
    """The `out` artifact of an SDK task variable."""
    return '%s.outputs["out"]' % task


def sdk_chain(n):
    """generate.gen_chain(n) as an SDK pipeline function body."""
    lines = ['Outputs = NamedTuple("Outputs", [("out", Dataset), ("rows", int)])\n\n\n',
             'def chain_%d(uri: str = "gs://bench/in.csv", scale: float = 2.0,\n'
             '            threshold: float = 0.5) -> Outputs:\n' % n,
             '    """A chain of %d tasks."""\n' % n,
             '    t0 = %s\n' % sdk_call("load", "uri=uri")]
    for i in range(1, n):
        if i == n - 1:
            call = sdk_call("clean", "data=%s, step=%d, scale=scale" % (sdk_out("t%d" % (i - 1)), i), i)
        else:
            call = sdk_step_call(i, sdk_out("t%d" % (i - 1)))
        lines.append("    t%d = %s\n" % (i, call))
    lines.append('    return Outputs(out=%s, rows=t%d.outputs["rows"])\n' % (sdk_out("t%d" % (n - 1)), n - 1))
    return "".join(lines)


def sdk_fanout(n):
    """generate.gen_fanout(n) as an SDK pipeline function body."""
    lines = ['Outputs = NamedTuple("Outputs", [("out", Dataset)])\n\n\n',
             'def fanout_%d(uri: str = "gs://bench/in.csv", scale: float = 2.0, threshold: float = 0.5,\n'
             '             region: str = "europe-west4") -> Outputs:\n' % n,
             '    """One producer, %d consumers, one merge."""\n' % (n - 2),
             '    src = %s\n' % sdk_call("load", "uri=uri, limit=100000")]
    src = sdk_out("src")
    for i in range(1, n - 1):
        if i <= 3:
            lines.append("    c%d = %s\n" % (i, sdk_call("clean", "data=%s, step=%d, scale=scale" % (src, i), i)))
        elif i % 4 == 0:
            lines.append("    %s\n" % sdk_call("publish", "data=%s, region=region" % src, i))
        else:
            lines.append("    %s\n" % sdk_step_call(i, src))
    lines.append('    final = merge(a=%s, b=%s, c=%s, tag="fanout")\n'
                 % (sdk_out("c1"), sdk_out("c2"), sdk_out("c3")))
    lines.append('    return Outputs(out=%s)\n' % sdk_out("final"))
    return "".join(lines)


SDK_GENERATORS = {"chain": sdk_chain, "fanout": sdk_fanout}


def sdk_source(shape, n):
    """A runnable KFP SDK script for (shape, n); see SDK_MAIN for its arguments and output."""
    return (SDK_PRELUDE.format(shape=shape, n=n) + SDK_GENERATORS[shape](n)
            + SDK_MAIN.format(name="%s-%d" % (shape, n), func="%s_%d" % (shape, n)))


# --- Checks on the YAML ---------------------------------------------------------------------------

def count_root_tasks(path):
    """Number of tasks in root.dag.tasks of a PipelineSpec YAML, by indentation (no YAML parser)."""
    count, where = 0, []
    with open(path) as f:
        for line in f:
            indent = len(line) - len(line.lstrip(" "))
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if where == ["root:", "dag:", "tasks:"]:
                if indent <= 4:
                    break
                if indent == 6 and not line.lstrip().startswith("- "):
                    count += 1
                continue
            # Follow root: -> (2) dag: -> (4) tasks:, each at its own indentation.
            step = {0: "root:", 2: "dag:", 4: "tasks:"}.get(indent)
            if step and line.strip() == step and len(where) == indent // 2:
                where.append(step)
            elif indent < 2 * len(where):
                where = where[:indent // 2]
    return count


def check_yaml(path, shape, n):
    """Returns "" if the mlpc output looks right, else what is wrong."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return "no output or empty output"
    with open(path, "rb") as f:
        if f.read(len(YAML_HEADER)) != YAML_HEADER:
            return "output does not start with %r" % YAML_HEADER.decode()
    if shape in SDK_SHAPES:
        tasks = count_root_tasks(path)
        if tasks != n:
            return "%d root tasks, expected %d" % (tasks, n)
    return ""


# --- mlpc -------------------------------------------------------------------------------------------

def snapshot(mlpc, tmp):
    """Copies the compiler into tmp; returns (copy, description of the original)."""
    with open(mlpc, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(mlpc)))
    copy = os.path.join(tmp, "mlpc")
    shutil.copy2(mlpc, copy)
    return copy, "%s (built %s, sha256 %s..., timed from a copy)" % (mlpc, built, digest)


def build_cmd(mlpc, flags, path, out_yaml):
    return [mlpc, "build", "--target=kfp"] + flags + [path, "-o", out_yaml]


def sanity_build(cmd, out_yaml, shape, n, timeout):
    """One untimed build with diagnostics captured (the warm-up). Returns "" or the problem."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timed out after %ds" % timeout
    if p.returncode != 0:
        return "exit %d:\n%s" % (p.returncode, run.first_lines((p.stderr + p.stdout).strip()))
    return check_yaml(out_yaml, shape, n)


class Runs(run.Result):
    """bench/run.py's Result plus each run's CPU time."""
    def __init__(self):
        super().__init__()
        self.cpus = []  # user + system seconds


def run_once(cmd, timeout):
    """bench/run.py's wait4 timer, plus the child's user + system CPU seconds.

    The CPU time is the growth of RUSAGE_CHILDREN across the run (the kernel adds
    a child there when it is reaped, by wait4 too); unlike the wall time it
    barely moves when another job shares the cores.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rc, wall, rss, timed_out = run.run_once_wait4(cmd, timeout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return rc, wall, rss, timed_out, cpu


def time_runs(cmd, repeat, timeout):
    """R timed runs of cmd; returns a Runs."""
    r = Runs()
    for _ in range(repeat):
        rc, wall, rss, timed_out, cpu = run_once(cmd, timeout)
        r.walls.append(wall)
        r.cpus.append(cpu)
        r.rss_kib.append(rss)
        r.rcs.append(rc)
        if timed_out:
            r.timed_out = True
            break
    return r


def bench_mlpc(mlpc, files, tmp, repeat, timeout, failures):
    """Returns {(shape, n, mode): (Result, output bytes)}."""
    results = {}
    out_yaml = os.path.join(tmp, "out.yaml")
    for shape, n, path in files:
        for mode, flags in MODES:
            cmd = build_cmd(mlpc, flags, path, out_yaml)
            problem = sanity_build(cmd, out_yaml, shape, n, timeout)
            if problem:
                failures.append(("mlpc %s" % mode, shape, n, problem))
            r = time_runs(cmd, repeat, timeout)
            size = os.path.getsize(out_yaml) if os.path.exists(out_yaml) else 0
            if os.path.exists(out_yaml):
                os.unlink(out_yaml)
            results[(shape, n, mode)] = (r, size)
            print("  mlpc %-6s %6d %-18s %s ms" % (shape, n, mode, run.fmt_ms(r)), file=sys.stderr)
    return results


def fixed_cost(mlpc, tmp, repeat, timeout):
    """Median wall time of building a 3-task chain: the per-run cost that does not scale."""
    path = os.path.join(tmp, "chain_3.mlp")
    with open(path, "w") as f:
        f.write(generate.generate("chain", 3))
    cmd = build_cmd(mlpc, [], path, os.path.join(tmp, "chain_3.yaml"))
    run.run_once_wait4(cmd, timeout)  # warm-up
    return statistics.median(time_runs(cmd, repeat, timeout).walls)


# --- KFP SDK ----------------------------------------------------------------------------------------

class SdkResult:
    def __init__(self):
        self.times = {}       # from the subprocess: import_s, compile_s, build_s, write_s, ...
        self.total = 0.0      # subprocess wall time, seconds
        self.cpu = 0.0        # subprocess user + system CPU seconds
        self.rss_kib = 0
        self.bytes = 0
        self.tasks = 0
        self.timed_out = False
        self.problem = ""


def bench_sdk_one(python, shape, n, tmp, timeout):
    """Writes the SDK script for (shape, n), runs it once, checks its YAML."""
    res = SdkResult()
    script = os.path.join(tmp, "sdk_%s_%d.py" % (shape, n))
    out_yaml = os.path.join(tmp, "sdk_%s_%d.yaml" % (shape, n))
    times_json = os.path.join(tmp, "sdk_%s_%d.json" % (shape, n))
    with open(script, "w") as f:
        f.write(sdk_source(shape, n))
    # The script's own directory (tmp) heads sys.path, so `import kfp` is the SDK, not this file.
    rc, res.total, res.rss_kib, res.timed_out, res.cpu = run_once([python, script, out_yaml, times_json], timeout)
    if res.timed_out:
        res.problem = "timed out after %.0f s" % timeout
        return res
    if os.path.exists(times_json):
        with open(times_json) as f:
            res.times = json.load(f)
    if rc != 0 or "error" in res.times:
        res.problem = "exit %d: %s" % (rc, run.first_lines(res.times.get("error", "(no output)").strip()))
        return res
    res.bytes = os.path.getsize(out_yaml)
    res.tasks = count_root_tasks(out_yaml)
    if res.tasks != n:
        res.problem = "%d root tasks in the SDK's YAML, expected %d" % (res.tasks, n)
    return res


def bench_sdk(python, shapes, sizes, tmp, timeout, failures):
    """Returns {(shape, n): SdkResult}; one run each, smallest first, shapes interleaved."""
    results = {}
    for n in sorted(sizes):
        for shape in shapes:
            res = bench_sdk_one(python, shape, n, tmp, timeout)
            results[(shape, n)] = res
            if res.problem:
                failures.append(("KFP SDK", shape, n, res.problem))
            print("  sdk  %-6s %6d compile %s" % (shape, n, fmt_s(res.times.get("compile_s"), res)),
                  file=sys.stderr)
    return results


def sdk_version(python):
    try:
        p = subprocess.run([python, "-c", "import kfp, platform; print(kfp.__version__, platform.python_version())"],
                           capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir())
        kfp_v, py_v = p.stdout.split()
        return "kfp %s, Python %s" % (kfp_v, py_v)
    except Exception:
        return None


# --- Report -----------------------------------------------------------------------------------------

def fmt_s(seconds, res=None):
    if res is not None and res.timed_out:
        return "> %.0f s (timeout)" % res.total
    return "%.2f s" % seconds if seconds is not None else "—"


def print_mlpc_table(results):
    print("| shape | tasks | mode | median wall ms | min wall ms | median CPU ms | peak RSS MiB | exit "
          "| YAML bytes | bytes/task |")
    print("|---|---:|---|---:|---:|---:|---:|---|---:|---:|")
    for (shape, n, mode), (r, size) in results.items():  # shape, size, then mode order
        print("| %s | %d | %s | %s | %.1f | %.1f | %.1f | %s | %d | %.0f |" % (
            shape, n, "`%s`" % mode if mode.startswith("-") else mode, run.fmt_ms(r), min(r.walls) * 1000,
            statistics.median(r.cpus) * 1000, max(r.rss_kib) / 1024.0,
            ",".join(str(c) for c in sorted(set(r.rcs))), size, size / n))


def print_goals(results):
    print("Goals (median wall time; every run must exit 0):")
    for (shape, n, mode), (r, _) in results.items():
        if n not in GOALS:
            continue
        med = statistics.median(r.walls)
        ok = not r.timed_out and med < GOALS[n] and set(r.rcs) == {0}
        print("- %s %d %s: %.1f ms %s %.0f ms: %s" % (shape, n, mode, med * 1000,
                                                     "<" if med < GOALS[n] else ">=", GOALS[n] * 1000,
                                                     "PASS" if ok else "FAIL"))


def growth_verdict(ratios):
    """bench/run.py's reading of a 10x size step."""
    worst = max(x for x in ratios if x == x)
    if worst <= 13:
        return "about linear"
    return "super-linear" if min(ratios) > 20 else "somewhat super-linear (or noise)"


def print_growth(results, shapes, floor):
    print("Growth 1k -> 10k tasks (10x = linear). `net` subtracts the 3-task build time (%.1f ms, fixed "
          "costs) from both; `min` compares the fastest runs; `CPU` the median CPU times:" % (floor * 1000))
    for shape in shapes:
        for mode, _ in MODES:
            a, b = results.get((shape, 1000, mode)), results.get((shape, 10000, mode))
            if not a or not b:
                continue
            ta, tb = statistics.median(a[0].walls), statistics.median(b[0].walls)
            ratio = tb / ta
            net = (tb - floor) / (ta - floor) if ta - floor > 0.0005 else float("nan")
            mins = min(b[0].walls) / min(a[0].walls)
            cpu = statistics.median(b[0].cpus) / statistics.median(a[0].cpus)
            print("- %s %s: median %.1fx, net %.1fx, min %.1fx, CPU %.1fx: %s" % (
                shape, mode, ratio, net, mins, cpu, growth_verdict((ratio, net, mins, cpu))))


def print_sdk_table(sdk, mlpc_results):
    print("| shape | tasks | SDK compile s | (build + write) | import kfp s | subprocess total s | subprocess CPU s "
          "| peak RSS MiB | YAML bytes | bytes/task | tasks | mlpc ms | SDK compile / mlpc |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for (shape, n), res in sorted(sdk.items()):
        t = res.times
        m = mlpc_results.get((shape, n, "default"))
        m_med = statistics.median(m[0].walls) if m else None
        compile_s = t.get("compile_s")
        ratio = "%.0fx" % (compile_s / m_med) if compile_s and m_med else "—"
        print("| %s | %d | %s | %s | %s | %s | %.2f | %.1f | %s | %s | %s | %s | %s |" % (
            shape, n, fmt_s(compile_s, res),
            "%.2f + %.2f" % (t["build_s"], t["write_s"]) if "write_s" in t else "—",
            "%.2f" % t["import_s"] if "import_s" in t else "—",
            "%.2f" % res.total, res.cpu, res.rss_kib / 1024.0,
            res.bytes or "—", "%.0f" % (res.bytes / n) if res.bytes else "—",
            ("%d ok" % res.tasks) if res.tasks == n else (res.problem or "?").splitlines()[0],
            "%.1f" % (m_med * 1000) if m_med else "—", ratio))


def print_sdk_growth(sdk):
    """Growth exponent of the SDK compile time between consecutive sizes: t ~ N^k."""
    lines = []
    for shape in SDK_SHAPES:
        pts = sorted((n, r.times["compile_s"]) for (s, n), r in sdk.items()
                     if s == shape and "compile_s" in r.times)
        steps = ["%d->%d: N^%.2f" % (n1, n2, math.log(t2 / t1) / math.log(n2 / n1))
                 for (n1, t1), (n2, t2) in zip(pts, pts[1:])]
        if steps:
            lines.append("- %s: %s" % (shape, ", ".join(steps)))
    if lines:
        print("\nSDK compile-time growth (exponent k in time ~ N^k between sizes):")
        print("\n".join(lines))


def print_failures(failures, gen_dir):
    if not failures:
        print("\nAll outputs passed their checks and every timed run exited 0.")
        return
    print("\nFailures:")
    for who, shape, n, msg in failures:
        print("\n%s, %s_%d: %s" % (who, shape, n, msg.replace(gen_dir + os.sep, "")))


# --- Main -------------------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mlpc", default=run.DEFAULT_MLPC, help="compiler binary (default: build/tools/mlpc)")
    ap.add_argument("--python", default=DEFAULT_PYTHON,
                    help="Python with the KFP SDK installed (default: .venv/bin/python)")
    ap.add_argument("--repeat", "-r", type=int, default=5, help="mlpc runs per measurement (median)")
    ap.add_argument("--sizes", type=generate._csv_ints, default=list(DEFAULT_SIZES))
    ap.add_argument("--shapes", default=",".join(generate.SHAPES))
    ap.add_argument("--sdk-sizes", type=generate._csv_ints, default=list(DEFAULT_SDK_SIZES),
                    help="sizes compiled with the KFP SDK too (chain and fanout only; one run each)")
    ap.add_argument("--sdk-timeout", type=float, default=300, help="seconds per SDK compile before it is killed")
    ap.add_argument("--no-sdk", action="store_true", help="time mlpc only")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per mlpc run before it is killed")
    ap.add_argument("--keep", help="write the generated .mlp files here and keep them")
    args = ap.parse_args(argv)
    args.shapes = [s for s in args.shapes.split(",") if s]
    for s in args.shapes:
        if s not in generate.GENERATORS:
            ap.error("unknown shape %r" % s)
    args.mlpc = os.path.abspath(args.mlpc)
    if not os.access(args.mlpc, os.X_OK):
        ap.error("not an executable: %s" % args.mlpc)
    args.sdk_shapes = [] if args.no_sdk else [s for s in args.shapes if s in SDK_SHAPES]
    if args.sdk_shapes and not os.access(args.python, os.X_OK):
        ap.error("no Python at %s for the KFP SDK (--python PATH, or --no-sdk)" % args.python)
    return args


def mlpc_files(args, gen_dir):
    """Every shape at --sizes, and the SDK shapes also at --sdk-sizes (for the ratio)."""
    files = generate.write_all(gen_dir, args.shapes, args.sizes)
    extra = sorted(set(args.sdk_sizes) - set(args.sizes)) if args.sdk_shapes else []
    if extra:
        files += generate.write_all(gen_dir, args.sdk_shapes, extra)
    return sorted(files, key=lambda f: (generate.SHAPES.index(f[0]), f[1]))


def main(argv=None):
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="mlpc-bench-kfp-")
    gen_dir = args.keep or os.path.join(tmp, "src")
    try:
        mlpc, described = snapshot(args.mlpc, tmp)
        info = run.machine_info()
        sdk_desc = sdk_version(args.python) if args.sdk_shapes else None
        print("mlpc: %s" % described)
        if args.sdk_shapes:
            print("KFP SDK: %s (%s)" % (args.python, sdk_desc or "version unknown"))
        print("machine: %s CPUs, %s, %s RAM, kernel %s, load %s at the start; mlpc repeat %d, SDK once per size\n"
              % (info["nproc"], info["cpu"], info["mem"], info["kernel"], info["load"], args.repeat))

        failures = []
        files = mlpc_files(args, gen_dir)
        floor = fixed_cost(mlpc, tmp, args.repeat, args.timeout)
        results = bench_mlpc(mlpc, files, tmp, args.repeat, args.timeout, failures)
        sdk = bench_sdk(args.python, args.sdk_shapes, args.sdk_sizes, tmp, args.sdk_timeout, failures) \
            if args.sdk_shapes else {}

        print("### mlpc `build --target=kfp`\n")
        print_mlpc_table(results)
        print("\nFixed cost (3-task chain, `build --target=kfp`): %.1f ms\n" % (floor * 1000))
        if any(n in GOALS for _, n, _ in results):
            print_goals(results)
        if 1000 in args.sizes and 10000 in args.sizes:
            print()
            print_growth(results, args.shapes, floor)
        if sdk:
            print("\n### KFP SDK `Compiler().compile` (one run per size; `import kfp` excluded from SDK compile)\n")
            print_sdk_table(sdk, results)
            print_sdk_growth(sdk)
        print("\nLoad average at the end: %s" % run.machine_info()["load"])
        print_failures(failures, gen_dir)
        return 1 if failures or any(set(r.rcs) != {0} for r, _ in results.values()) else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
