#!/usr/bin/env python3
"""End-to-end CSV read + z-score: pandas/numpy against mlpc's native ops.

Generates a synthetic CSV (default 10 million rows; columns a, b, c, d:
float with 6 decimals, n: int, species: one of three strings), then times

  pandas: pd.read_csv(path, dtype=<the numeric columns' types>), then for
          a, b, c, d: (x - x.mean()) / x.std()   (numpy, population stddev)
  mlpc:   mlpc-ops-bench's BM_EndToEnd_ReadZScore (MLPC_BENCH_CSV=path):
          io::readCsv with the same schema, then the same z-score

R times each, alternating (default 3), and prints the best time of each
phase, the ratio pandas / mlpc, and whether both sides computed the same
mean and standard deviation of column a. The machine's load average is printed
before and after: on a shared machine, rerun when it is high.

Needs pandas and numpy in the Python that runs it (the project's .venv).

Usage: bench/pandas_compare.py [--rows N] [--csv PATH] [--bench PATH]
                               [--repeat R]
  --csv PATH  reuse PATH when it exists, else generate it there and keep it
              (by default the file goes to a temporary folder, removed after)
  --bench     the mlpc-ops-bench binary (default build/bench/ops/mlpc-ops-bench)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

FLOATS = ["a", "b", "c", "d"]


def generate(path, rows):
    rng = np.random.default_rng(42)
    chunk = 1_000_000
    with open(path, "w", newline="") as out:
        out.write("a,b,c,d,n,species\n")
        for start in range(0, rows, chunk):
            k = min(chunk, rows - start)
            df = pd.DataFrame({
                "a": rng.normal(40.0, 5.0, k),
                "b": rng.normal(17.0, 2.0, k),
                "c": rng.normal(200.0, 14.0, k),
                "d": rng.normal(4200.0, 800.0, k),
                "n": rng.integers(0, 1_000_000, k),
                "species": rng.choice(["Adelie", "Chinstrap", "Gentoo"], k),
            })
            df.to_csv(out, header=False, index=False, float_format="%.6f")


def time_pandas(path):
    """One run: (read s, z-score s, rows, mean of a, stddev of a)."""
    dtypes = {c: "float64" for c in FLOATS}
    dtypes["n"] = "int64"
    t0 = time.perf_counter()
    df = pd.read_csv(path, dtype=dtypes)
    t1 = time.perf_counter()
    zs = {}
    for c in FLOATS:
        x = df[c].to_numpy()
        m, s = x.mean(), x.std()
        zs[c] = (x - m) / s
        if c == "a":
            mean_a, std_a = float(m), float(s)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(df), mean_a, std_a


def time_mlpc(bench, path):
    """One run of BM_EndToEnd_ReadZScore, as time_pandas reports it."""
    env = dict(os.environ, MLPC_BENCH_CSV=path)
    cmd = [bench, "--benchmark_filter=BM_EndToEnd_ReadZScore", "--benchmark_format=json"]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    if not runs or runs[0].get("error_occurred"):
        sys.exit("mlpc-ops-bench: " + (runs[0].get("error_message", "") if runs else "no runs"))
    b = runs[0]
    return b["read_s"], b["zscore_s"], int(b["rows"]), b["mean_a"], b["std_a"]


def best_of(runs):
    """The fastest read and z-score over the runs, and the first run's data checks."""
    return (min(r[0] for r in runs), min(r[1] for r in runs)) + tuple(runs[0][2:])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--csv")
    ap.add_argument("--bench", default=os.path.join(here, "..", "build", "bench", "ops", "mlpc-ops-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not os.access(args.bench, os.X_OK):
        sys.exit(f"no mlpc-ops-bench at {args.bench}; build it or pass --bench")

    tmp = None
    path = args.csv
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="mlpc-pandas-")
        path = os.path.join(tmp.name, "data.csv")
    if not os.path.exists(path):
        t = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path} ({args.rows} rows) in {time.perf_counter() - t:.1f} s")
    size_mb = os.path.getsize(path) / 1e6

    print(f"load average before: {os.getloadavg()[0]:.2f}")
    # Alternating runs, so a change in the machine's load hits both sides.
    pandas_runs, mlpc_runs = [], []
    for _ in range(args.repeat):
        pandas_runs.append(time_pandas(path))
        mlpc_runs.append(time_mlpc(args.bench, path))
    p_read, p_z, p_rows, p_mean, p_std = best_of(pandas_runs)
    m_read, m_z, m_rows, m_mean, m_std = best_of(mlpc_runs)
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    print(f"\n{path}: {size_mb:.0f} MB, {p_rows} rows; best of {args.repeat}; "
          f"pandas {pd.__version__}, numpy {np.__version__}\n")
    print("| | read (s) | z-score 4 cols (s) | total (s) | read MB/s |")
    print("|---|---|---|---|---|")
    for name, r, z in (("pandas", p_read, p_z), ("mlpc", m_read, m_z)):
        print(f"| {name} | {r:.3f} | {z:.3f} | {r + z:.3f} | {size_mb / r:.0f} |")
    print(f"\npandas / mlpc: read {p_read / m_read:.2f}x, z-score {p_z / m_z:.2f}x, "
          f"total {(p_read + p_z) / (m_read + m_z):.2f}x")

    same = (p_rows == m_rows and abs(p_mean - m_mean) <= 1e-6 * abs(p_mean)
            and abs(p_std - m_std) <= 1e-6 * abs(p_std))
    print(f"same data: rows {p_rows} / {m_rows}, mean(a) {p_mean:.9g} / {m_mean:.9g}, "
          f"std(a) {p_std:.9g} / {m_std:.9g}: {'yes' if same else 'NO'}")
    if tmp:
        tmp.cleanup()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
