#!/usr/bin/env python3
"""Runs test/interop/tft/transforms.mlp with `mlpc run` and writes one CSV per
case in the layout compare.py reads (DIR/penguins.csv, ties_fit.csv,
ties_apply.csv), renaming each transformed column `<col>_<suffix>`.

Usage: run_mlpc.py MLPC OUTDIR
"""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SUFFIX = {"z": "z", "s01": "01", "bucket": "bucket", "vocab": "vocab",
          "vocab_oov2": "vocab_oov2", "hash": "hash"}
COLUMNS = {  # per case and task: the columns it transformed
    "penguins": {
        "z": ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
        "s01": ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
        "bucket": ["bill_length_mm"],
        "vocab": ["species", "island", "sex"],
        "vocab_oov2": ["species", "island", "sex"],
        "hash": ["island"],
    },
    "ties": {"z": ["c", "x"], "s01": ["c", "y"], "bucket": ["x", "y"], "vocab": ["t"],
             "vocab_oov2": ["t"], "hash": ["t"]},
}


def run(mlpc, root, pipeline, params):
    cmd = [mlpc, "run", os.path.join(HERE, "transforms.mlp"), "--pipeline", pipeline,
           "--root", root, "--no-cache"]
    for k, v in params.items():
        cmd += ["--param", f"{k}={v}"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")
    runs = os.path.join(root, "runs")
    latest = max(os.listdir(runs), key=lambda r: os.path.getmtime(os.path.join(runs, r)))
    return os.path.join(runs, latest, "tasks")


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def gather(tasks, task_of, columns, out_path):
    merged = None
    for kind, cols in columns.items():
        rows = read(os.path.join(tasks, task_of(kind), "out"))
        if merged is None:
            merged = [{} for _ in rows]
        if len(rows) != len(merged):
            sys.exit(f"{task_of(kind)}: {len(rows)} rows, expected {len(merged)}")
        for m, r in zip(merged, rows):
            for c in cols:
                m[f"{c}_{SUFFIX[kind]}"] = r[c]
    with open(out_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(merged[0].keys()))
        w.writeheader()
        w.writerows(merged)


def main():
    mlpc, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        tasks = run(mlpc, root, "penguins", {"csv": os.path.join(HERE, "data/penguins_raw.csv")})
        gather(tasks, lambda k: k, COLUMNS["penguins"], os.path.join(out, "penguins.csv"))
        tasks = run(mlpc, root, "ties", {"fit_csv": os.path.join(HERE, "data/ties_fit.csv"),
                                         "apply_csv": os.path.join(HERE, "data/ties_apply.csv")})
        for case in ("fit", "apply"):
            gather(tasks, lambda k: f"{case}_{k}", COLUMNS["ties"],
                   os.path.join(out, f"ties_{case}.csv"))


if __name__ == "__main__":
    main()
