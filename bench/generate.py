#!/usr/bin/env python3
"""Writes synthetic .mlp pipelines for compile-time benchmarks.

Three shapes, each with exactly N tasks (N = number of component calls in the
source text; a call inside a loop counts once):

  chain   load -> clean/score -> clean/score -> ... (each task consumes the
          previous task's output dataset), the last output is returned.
  fanout  one producer, N-2 consumers of its dataset, then one `merge` task
          taking three of the consumers' outputs.
  loops   one producer, then `for` loops over list parameters (rotating over
          three list<...> parameters), each holding a task and an if/else whose
          branches hold short chains of tasks; loop bodies have 10 tasks (the
          last loop takes the remainder).

The files use a few declared container components with typed inputs and
outputs (Dataset<Row>, Dataset<Scored> -- a superset schema accepted where
Dataset<Row> is expected -- and int/float/string parameters), so the checker
resolves schemas and checks every argument. Every bound task is used and every
pipeline parameter is used: the files are meant to check with no errors and no
warnings. Output is a pure function of (shape, N).

Usage:
  bench/generate.py --out DIR [--shapes chain,fanout,loops] [--sizes 100,1000,10000]
  bench/generate.py --shape chain --tasks 1000 > chain_1000.mlp
"""

import argparse
import os
import sys

SHAPES = ("chain", "fanout", "loops")
DEFAULT_SIZES = (100, 1000, 10000)

PRELUDE = '''\
/// Synthetic {shape} pipeline with {n} tasks, written by bench/generate.py.

/// One input row.
schema Row {{
  id: int,
  feature: float,
  label: string,
  weight: float?,
}}

/// A row with a model score: a superset of Row, so it is accepted as a Row.
schema Scored {{
  id: int,
  feature: float,
  label: string,
  weight: float?,
  score: float,
}}

/// Reads rows from a URI and counts them.
component load(uri: string, limit: int = 1000) -> (out: Dataset<Row>, rows: int) {{
  container {{
    image: "python:3.11-slim"
    command: ["python3", "-m", "bench.load"]
    args: ["--uri", uri, "--limit", limit, "--out", out.path, "--rows", rows.path]
  }}
  resources {{ cpu: "1", memory: "1Gi" }}
}}

/// Cleans and rescales rows.
component clean(data: Dataset<Row>, step: int, scale: float = 1.0) -> (out: Dataset<Row>, rows: int) {{
  container {{
    image: "python:3.11-slim"
    command: ["python3", "-m", "bench.clean"]
    args: ["--in", data.path, "--out", out.path, "--step=${{step}}", "--scale", scale, "--rows", rows.path]
    env: {{ LOG_LEVEL: "info" }}
  }}
}}

/// Scores rows and reports the accuracy.
component score(data: Dataset<Row>, threshold: float, seed: int?) -> (out: Dataset<Scored>, accuracy: float) {{
  container {{
    image: "python:3.11-slim"
    command: ["python3", "-m", "bench.score"]
    args: ["--in", data.uri, "--out", out.uri, "--threshold", threshold, "--accuracy", accuracy.path,
           if_present(seed, then: ["--seed", seed])]
  }}
}}

/// Merges three datasets.
component merge(a: Dataset<Row>, b: Dataset<Row>, c: Dataset<Row>, tag: string = "merged") -> (out: Dataset<Row>) {{
  container {{
    image: "python:3.11-slim"
    command: ["python3", "-m", "bench.merge"]
    args: [a.path, b.path, c.path, "--tag", tag, "--out", out.path]
  }}
}}

/// Publishes a dataset to a region.
component publish(data: Dataset<Row>, region: string) {{
  container {{
    image: "google/cloud-sdk:482.0.0-slim"
    command: ["gsutil", "cp"]
    args: [data.path, "gs://bench-${{region}}/out/"]
  }}
}}

'''


def _options(i):
    """Task options on some tasks, so `with { ... }` is exercised too."""
    if i % 10 == 7:
        return ' with { retry { max: 2, backoff: "10s" } cache: false }'
    if i % 10 == 3:
        return ' with { resources { cpu: "2", memory: "4Gi" } display_name: "task %d" }' % i
    return ""


def _step_call(i, prev, threshold="threshold", scale="scale"):
    """One clean/score call consuming dataset expression `prev`."""
    if i % 3 == 1:
        return "score(data: %s, threshold: %s, seed: %d)" % (prev, threshold, i)
    if i % 3 == 2:
        return "score(%s, threshold: %s)" % (prev, threshold)
    return "clean(data: %s, step: %d, scale: %s)" % (prev, i, scale)


def gen_chain(n):
    if n < 3:  # so that `threshold` and `scale` are both used
        raise ValueError("chain needs at least 3 tasks")
    out = [PRELUDE.format(shape="chain", n=n)]
    out.append('/// A chain of %d tasks.\n' % n)
    out.append('pipeline chain_%d(uri: string = "gs://bench/in.csv", scale: float = 2.0, '
               'threshold: float = 0.5) -> (out: Dataset<Row>, rows: int) {\n' % n)
    out.append('  t0 = load(uri: uri)\n')
    for i in range(1, n):
        call = _step_call(i, "t%d.out" % (i - 1))
        if i == n - 1:  # the last task is a clean, so its `out` is a Dataset<Row> with rows
            call = "clean(data: t%d.out, step: %d, scale: scale)" % (i - 1, i)
        out.append('  t%d = %s%s\n' % (i, call, _options(i)))
    last = n - 1
    out.append('  return (out: t%d.out, rows: t%d.rows)\n' % (last, last))
    out.append('}\n')
    return "".join(out)


def gen_fanout(n):
    if n < 7:  # so that consumers 4 and 5 use `region` and `threshold`
        raise ValueError("fanout needs at least 7 tasks")
    out = [PRELUDE.format(shape="fanout", n=n)]
    out.append('/// One producer, %d consumers, one merge.\n' % (n - 2))
    out.append('pipeline fanout_%d(uri: string = "gs://bench/in.csv", scale: float = 2.0, '
               'threshold: float = 0.5, region: string = "europe-west4") -> (out: Dataset<Row>) {\n' % n)
    out.append('  src = load(uri: uri, limit: 100000)\n')
    for i in range(1, n - 1):
        if i <= 3:
            out.append('  c%d = clean(data: src.out, step: %d, scale: scale)%s\n' % (i, i, _options(i)))
        elif i % 4 == 0:
            out.append('  publish(data: src.out, region: region)%s\n' % _options(i))
        else:
            out.append('  %s%s\n' % (_step_call(i, "src.out"), _options(i)))
    out.append('  final = merge(a: c1.out, b: c2.out, c: c3.out, tag: "fanout")\n')
    out.append('  return (out: final.out)\n')
    out.append('}\n')
    return "".join(out)


# Loop sources: (list parameter, loop variable, which argument it feeds).
LOOP_SOURCES = (("regions", "region", "region"), ("steps", "step", "step"), ("scales", "s", "scale"))
LOOP_TASKS = 10


def _loop(k, size):
    """A loop over a list parameter with `size` tasks."""
    lst, var, role = LOOP_SOURCES[k % len(LOOP_SOURCES)]
    v = "%s_%d" % (var, k)
    region = v if role == "region" else '"europe-west4"'
    step = v if role == "step" else str(k)
    scale = v if role == "scale" else "scale"
    lines = ['  for %s in %s%s {\n' % (v, lst, " parallel 4" if k % 2 else "")]
    if size == 1:
        lines.append('    publish(data: src.out, region: %s)\n' % (v if role == "region" else '"r-${%s}"' % v))
        lines.append('  }\n')
        return lines
    p = "p_%d" % k
    lines.append('    %s = clean(data: src.out, step: %s, scale: %s)\n' % (p, step, scale))
    if size == 2:
        lines.append('    publish(data: %s.out, region: "r-${%s}")\n' % (p, v))
        lines.append('  }\n')
        return lines
    # 1 task before the if, `size - 2` tasks in the then-branch, 1 in the else-branch.
    lines.append('    if %s.rows > min_rows and threshold < 1.0 {\n' % p)
    prev = "%s.out" % p
    for j in range(size - 3):
        name = "a_%d_%d" % (k, j)
        lines.append('      %s = %s\n' % (name, _step_call(j, prev, scale=scale)))
        prev = "%s.out" % name
    lines.append('      publish(data: %s, region: %s)\n' % (prev, region))
    lines.append('    } else {\n')
    lines.append('      publish(data: %s.out, region: "fallback-${%s}")\n' % (p, v))
    lines.append('    }\n')
    lines.append('  }\n')
    return lines


def gen_loops(n):
    if n < 1 + LOOP_TASKS * len(LOOP_SOURCES):
        raise ValueError("loops needs at least %d tasks" % (1 + LOOP_TASKS * len(LOOP_SOURCES)))
    out = [PRELUDE.format(shape="loops", n=n)]
    out.append('/// Loops over list parameters with conditions, %d tasks.\n' % n)
    out.append('pipeline loops_%d(\n'
               '  uri: string = "gs://bench/in.csv",\n'
               '  scale: float = 2.0,\n'
               '  threshold: float = 0.5,\n'
               '  min_rows: int = 10,\n'
               '  regions: list<string> = ["europe-west4", "us-central1", "asia-southeast1"],\n'
               '  steps: list<int> = [1, 2, 3],\n'
               '  scales: list<float> = [0.5, 1.0, 2],\n'
               ') -> (rows: int) {\n' % n)
    out.append('  src = load(uri: uri)\n')
    remaining = n - 1
    k = 0
    while remaining > 0:
        size = min(LOOP_TASKS, remaining)
        out.extend(_loop(k, size))
        remaining -= size
        k += 1
    out.append('  return (rows: src.rows)\n')
    out.append('}\n')
    return "".join(out)


GENERATORS = {"chain": gen_chain, "fanout": gen_fanout, "loops": gen_loops}


def generate(shape, n):
    return GENERATORS[shape](n)


def count_tasks(text):
    """Number of component calls in the pipeline of a generated file (for self-checks)."""
    import re
    body = text.split("\npipeline ", 1)[1]
    return len(re.findall(r"\b(?:load|clean|score|merge|publish)\(", body))


def write_all(out_dir, shapes=SHAPES, sizes=DEFAULT_SIZES):
    """Writes <shape>_<n>.mlp files; returns [(shape, n, path)]."""
    os.makedirs(out_dir, exist_ok=True)
    files = []
    for shape in shapes:
        for n in sizes:
            path = os.path.join(out_dir, "%s_%d.mlp" % (shape, n))
            with open(path, "w") as f:
                f.write(generate(shape, n))
            files.append((shape, n, path))
    return files


def _csv_ints(s):
    return [int(x) for x in s.split(",") if x]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="directory to write <shape>_<n>.mlp files into")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--sizes", type=_csv_ints, default=list(DEFAULT_SIZES))
    ap.add_argument("--shape", choices=SHAPES, help="write one pipeline to stdout")
    ap.add_argument("--tasks", type=int, help="task count for --shape")
    args = ap.parse_args(argv)
    if args.shape:
        sys.stdout.write(generate(args.shape, args.tasks or 100))
        return 0
    if not args.out:
        ap.error("--out DIR or --shape SHAPE is required")
    shapes = [s for s in args.shapes.split(",") if s]
    for s in shapes:
        if s not in GENERATORS:
            ap.error("unknown shape %r" % s)
    for shape, n, path in write_all(args.out, shapes, args.sizes):
        print("%s\t%d\t%s" % (shape, n, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
