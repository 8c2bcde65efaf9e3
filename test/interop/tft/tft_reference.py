#!/usr/bin/env python3
"""Runs real TensorFlow Transform on the interop data and writes a golden JSON.

    .venv-tfx/bin/python3 test/interop/tft/tft_reference.py \\
        test/interop/tft/data/penguins_raw.csv test/interop/tft/reference.json

(.venv-tfx comes from scripts/setup-venv.sh tfx.) Three cases, each one
tft_beam.AnalyzeAndTransformDataset run on Beam's DirectRunner:

  penguins    PENGUINS_CSV without the rows where bill_length_mm, bill_depth_mm,
              flipper_length_mm, body_mass_g or sex is "NA" (species, island
              and year are never missing; year is not used).
  ties_fit    data/ties_fit.csv: vocabulary tokens with equal counts, a constant
              column c (zero variance, min == max) and quantile ties.
  ties_apply  data/ties_apply.csv transformed with the transform_fn fitted on
              ties_fit (tft_beam.TransformDataset): unseen tokens (OOV), values
              outside the fitted ranges.

Numeric columns go in as float64 (TFT's schema knows only float32, so they
travel as int64 bit patterns and are tf.bitcast back inside preprocessing_fn;
float64 results come out the same way), so scale_to_z_score computes in float64.
scale_to_0_1 always casts its input to float32 and bucketize's boundaries are
float32: those outputs are float32 by TFT's design.

The JSON holds, per case, the input columns, every output column in input row
order, the analyzer results (mean, var, min, max, bucket boundaries,
vocabulary files in order, FarmHash Fingerprint64 of every string) and the
results of self-checks that state the rules TFT followed (see "checks").
"""

import argparse
import csv
import json
import math
import os
import struct
import sys
import tempfile
import time

# CPU only and quiet; must be set before TensorFlow is imported.
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import absl.logging  # noqa: E402
import apache_beam as beam  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
import tensorflow_transform.beam as tft_beam  # noqa: E402
import tfx_bsl  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NUM_BUCKETS = 4
HASH_BUCKETS = 10
OOV_BUCKETS = 2


class Case:
    """One dataset and the transforms applied to it."""

    def __init__(self, name, description, strings, floats, zscore, scale01, bucketize, vocab,
                 hashed):
        self.name = name
        self.description = description
        self.strings = strings  # string input columns
        self.floats = floats  # float64 input columns
        self.zscore = zscore
        self.scale01 = scale01
        self.bucketize = bucketize
        self.vocab = vocab
        self.hashed = hashed


PENGUINS = Case(
    "penguins",
    "penguins_raw.csv without rows missing a numeric column or sex",
    strings=["species", "island", "sex"],
    floats=["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
    zscore=["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
    scale01=["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
    bucketize=["bill_length_mm"],
    vocab=["species", "island", "sex"],
    hashed=["island"],
)

TIES = Case(
    "ties_fit",
    "hand-made: equal token counts, constant column c, quantile ties in x, "
    "float32-rounded boundaries in y",
    strings=["t"],
    floats=["c", "x", "y"],
    zscore=["c", "x"],
    scale01=["c", "y"],
    bucketize=["x", "y"],
    vocab=["t"],
    hashed=["t"],
)

# Output column names (what mlpc's CSV must contain), by transform.
def output_columns(case):
    cols = {}
    for c in case.zscore:
        cols[f"{c}_z"] = ("float64", f"tft.scale_to_z_score({c})")
    for c in case.scale01:
        cols[f"{c}_01"] = ("float32", f"tft.scale_to_0_1({c})")
    for c in case.bucketize:
        cols[f"{c}_bucket"] = ("int64", f"tft.bucketize({c}, num_buckets={NUM_BUCKETS})")
    for c in case.vocab:
        cols[f"{c}_vocab"] = ("int64", f"tft.compute_and_apply_vocabulary({c})")
        cols[f"{c}_vocab_oov{OOV_BUCKETS}"] = (
            "int64", f"tft.compute_and_apply_vocabulary({c}, num_oov_buckets={OOV_BUCKETS})")
    for c in case.hashed:
        cols[f"{c}_hash"] = ("int64", f"tft.hash_strings({c}, hash_buckets={HASH_BUCKETS})")
    return cols


def f64_to_bits(v):
    return struct.unpack("<q", struct.pack("<d", v))[0]


def bits_to_f64(b):
    return struct.unpack("<d", struct.pack("<q", int(b)))[0]


def read_csv(path, case, drop_missing):
    """Reads the case's columns; returns (columns, kept data line numbers, dropped ones)."""
    cols = {c: [] for c in case.strings + case.floats}
    kept, dropped = [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for line, row in enumerate(reader, start=2):
            if any(row[c] == "NA" for c in drop_missing):
                dropped.append(line)
                continue
            for c in case.strings:
                if row[c] in ("", "NA"):
                    sys.exit(f"error: {path}:{line}: column {c} is missing")
                cols[c].append(row[c])
            for c in case.floats:
                cols[c].append(float(row[c]))
            kept.append(line)
    return cols, kept, dropped


def feature_spec(case):
    spec = {"row_id": tf.io.FixedLenFeature([], tf.int64)}
    for c in case.strings:
        spec[c] = tf.io.FixedLenFeature([], tf.string)
    for c in case.floats:
        spec[c] = tf.io.FixedLenFeature([], tf.int64)  # float64 bits
    return spec


def instances(cols, case):
    n = len(next(iter(cols.values())))
    rows = []
    for i in range(n):
        r = {"row_id": i}
        for c in case.strings:
            r[c] = cols[c][i].encode("utf-8")
        for c in case.floats:
            r[c] = f64_to_bits(cols[c][i])
        rows.append(r)
    return rows


def make_preprocessing_fn(case):
    def preprocessing_fn(inputs):
        x = {c: tf.bitcast(inputs[c], tf.float64) for c in case.floats}
        out = {"row_id": tf.identity(inputs["row_id"])}

        def f64(t):  # float64 leaves TFT as its bit pattern
            return tf.bitcast(tf.cast(t, tf.float64), tf.int64)

        def broadcast(v, like):
            return tf.zeros_like(like) + tf.cast(v, like.dtype)

        for c in case.zscore:
            z = tft.scale_to_z_score(x[c])
            assert z.dtype == tf.float64, z.dtype
            out[f"{c}_z"] = f64(z)
            out[f"__mean__{c}"] = f64(broadcast(tft.mean(x[c]), x[c]))
            out[f"__var__{c}"] = f64(broadcast(tft.var(x[c]), x[c]))
        for c in case.scale01:
            s = tft.scale_to_0_1(x[c])
            assert s.dtype == tf.float32, s.dtype
            out[f"{c}_01"] = s
            out[f"__min__{c}"] = f64(broadcast(tft.min(x[c]), x[c]))
            out[f"__max__{c}"] = f64(broadcast(tft.max(x[c]), x[c]))
        for c in case.bucketize:
            out[f"{c}_bucket"] = tft.bucketize(x[c], num_buckets=NUM_BUCKETS)
            # The same analyzer bucketize runs (epsilon = min(1/num_buckets, 0.01)).
            q = tft.quantiles(x[c], NUM_BUCKETS, epsilon=min(1.0 / NUM_BUCKETS, 0.01))
            out[f"__boundaries__{c}"] = tf.tile(tf.reshape(q, [1, -1]), [tf.shape(x[c])[0], 1])
        for c in case.vocab:
            out[f"{c}_vocab"] = tft.compute_and_apply_vocabulary(
                inputs[c], num_oov_buckets=0, vocab_filename=f"{c}_vocab")
            out[f"{c}_vocab_oov{OOV_BUCKETS}"] = tft.compute_and_apply_vocabulary(
                inputs[c], num_oov_buckets=OOV_BUCKETS, vocab_filename=f"{c}_vocab_oov{OOV_BUCKETS}")
        for c in case.hashed:
            out[f"{c}_hash"] = tft.hash_strings(inputs[c], hash_buckets=HASH_BUCKETS)
        return out

    return preprocessing_fn


def to_jsonable(row):
    r = {}
    for k, v in row.items():
        a = np.asarray(v)
        r[k] = a.tolist()  # float32 -> exact double, int64 -> int
    return json.dumps(r)


def run_tft(case, fit_rows, apply_rows, workdir):
    """Analyzes and transforms fit_rows, then transforms apply_rows with the same transform_fn."""
    metadata = dataset_metadata.DatasetMetadata(
        schema_utils.schema_from_feature_spec(feature_spec(case)))
    fit_out = os.path.join(workdir, "fit.jsonl")
    apply_out = os.path.join(workdir, "apply.jsonl")
    tfn_dir = os.path.join(workdir, "transform_fn")
    options = PipelineOptions(runner="DirectRunner", direct_num_workers=1)
    with beam.Pipeline(options=options) as p:
        with tft_beam.Context(temp_dir=os.path.join(workdir, "tmp")):
            fit = p | "CreateFit" >> beam.Create(fit_rows)
            (transformed, _), transform_fn = (
                (fit, metadata)
                | "AnalyzeAndTransform" >> tft_beam.AnalyzeAndTransformDataset(
                    make_preprocessing_fn(case)))
            _ = (transformed | "EncodeFit" >> beam.Map(to_jsonable)
                 | "WriteFit" >> beam.io.WriteToText(fit_out, shard_name_template=""))
            _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(tfn_dir)
            if apply_rows:
                new = p | "CreateApply" >> beam.Create(apply_rows)
                (applied, _) = (((new, metadata), transform_fn)
                                | "Transform" >> tft_beam.TransformDataset())
                _ = (applied | "EncodeApply" >> beam.Map(to_jsonable)
                     | "WriteApply" >> beam.io.WriteToText(apply_out, shard_name_template=""))

    def load(path):
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        rows.sort(key=lambda r: r["row_id"])  # Beam does not keep order
        assert [r["row_id"] for r in rows] == list(range(len(rows)))
        return rows

    tft_output = tft.TFTransformOutput(tfn_dir)
    vocabs = {}
    for c in case.vocab:
        for name in (f"{c}_vocab", f"{c}_vocab_oov{OOV_BUCKETS}"):
            with open(tft_output.vocabulary_file_by_name(name), "rb") as f:
                vocabs[name] = [line.decode("utf-8") for line in f.read().split(b"\n")[:-1]]
    return load(fit_out), (load(apply_out) if apply_rows else None), vocabs


def fingerprint64(strings):
    fp = tf.fingerprint(tf.constant([s.encode("utf-8") for s in strings]), method="farmhash64")
    return [int.from_bytes(bytes(b), "little") for b in fp.numpy().tolist()]


def outputs_json(case, rows):
    result = {}
    for name, (dtype, transform) in output_columns(case).items():
        vals = [r[name] for r in rows]
        if dtype == "float64":
            vals = [bits_to_f64(v) for v in vals]
        result[name] = {"dtype": dtype, "transform": transform, "values": vals}
    return result


def analyzers_json(case, fit_rows_out, vocabs, fit_cols):
    a = {}
    r0 = fit_rows_out[0]
    for c in case.floats:
        e = {}
        for stat in ("mean", "var", "min", "max"):
            key = f"__{stat}__{c}"
            if key in r0:
                e[stat] = bits_to_f64(r0[key])
        if f"__boundaries__{c}" in r0:
            e["boundaries_float32"] = r0[f"__boundaries__{c}"]
        e["count"] = len(fit_cols[c])
        a[c] = e
    a["vocabularies"] = vocabs
    return a


def check(checks, name, ok, detail=""):
    checks[name] = {"holds": bool(ok), "detail": detail}
    if not ok:
        print(f"warning: check {name} does not hold: {detail}", file=sys.stderr)


def self_checks(case, cols, outputs, analyzers, fit_cols, fps, is_fit):
    """States, and verifies on TFT's own numbers, the rules the C++ ops must follow."""
    checks = {}
    n = len(next(iter(cols.values())))
    for c in case.zscore:
        mean, var = analyzers[c]["mean"], analyzers[c]["var"]
        xs = np.array(fit_cols[c])
        got = outputs[f"{c}_z"]["values"]
        if var == 0:
            want = [v - mean for v in cols[c]]
            rule = "var == 0: z = x - mean"
        else:
            want = [(v - mean) / math.sqrt(var) for v in cols[c]]
            rule = "z = (x - mean) / sqrt(var)"
        err = max(abs(g - w) / max(abs(w), 1e-300) if w else abs(g) for g, w in zip(got, want))
        check(checks, f"{c}_z formula", err <= 1e-15, f"{rule}; max rel diff {err:.3g}")
        ref_mean, ref_var = float(np.mean(xs)), float(np.var(xs))  # biased (ddof 0)
        check(checks, f"{c} mean/var vs numpy",
              abs(mean - ref_mean) <= 1e-12 * max(1, abs(ref_mean))
              and abs(var - ref_var) <= 1e-12 * max(1, abs(ref_var)),
              f"TFT mean {mean!r} var {var!r}; numpy mean {ref_mean!r} var(ddof=0) {ref_var!r}")
    for c in case.scale01:
        lo, hi = analyzers[c]["min"], analyzers[c]["max"]
        got = outputs[f"{c}_01"]["values"]
        if lo < hi:
            want = [(v - lo) / (hi - lo) for v in cols[c]]
            rule = "min < max: (x - min) / (max - min), no clipping"
        else:
            want = [1 / (1 + math.exp(-float(np.float32(v)))) for v in cols[c]]
            rule = "min == max: sigmoid(x)"
        err = max(abs(g - w) for g, w in zip(got, want))
        check(checks, f"{c}_01 formula", err <= 1e-6,
              f"{rule}; computed in float32; max abs diff to float64 formula {err:.3g}")
    for c in case.bucketize:
        b = analyzers[c]["boundaries_float32"]
        srt = sorted(fit_cols[c])
        m = len(srt)
        want = [float(np.float32(srt[min(r * m // NUM_BUCKETS, m - 1)]))
                for r in range(1, NUM_BUCKETS)]
        if is_fit:
            check(checks, f"{c} boundaries rule", b == want,
                  f"boundary r = float32(sorted[floor(r*N/{NUM_BUCKETS})]), r=1..{NUM_BUCKETS - 1},"
                  f" N={m}: TFT {b}, rule {want}")
        got = outputs[f"{c}_bucket"]["values"]
        want_idx = [int(np.searchsorted(np.array(b, np.float64), v, side="right"))
                    for v in cols[c]]
        check(checks, f"{c}_bucket rule", got == want_idx,
              "bucket = number of float32 boundaries (widened to float64) <= x")
    for c in case.hashed:
        got = outputs[f"{c}_hash"]["values"]
        want = [fps[s] % HASH_BUCKETS for s in cols[c]]
        check(checks, f"{c}_hash rule", got == want,
              f"hash = Fingerprint64(utf8 bytes) % {HASH_BUCKETS} (FarmHash, unsigned)")
    for c in case.vocab:
        vocab = analyzers["vocabularies"][f"{c}_vocab"]
        counts = {}
        for s in fit_cols[c]:
            counts[s] = counts.get(s, 0) + 1
        want_order = [s for _, s in sorted(((k, s.encode("utf-8")) for s, k in counts.items()),
                                           reverse=True)]
        want_order = [s.decode("utf-8") for s in want_order]
        check(checks, f"{c} vocabulary order",
              vocab == want_order
              and analyzers["vocabularies"][f"{c}_vocab_oov{OOV_BUCKETS}"] == want_order,
              "sorted by (count, utf8 bytes) descending: ties in reverse byte order")
        index = {s: i for i, s in enumerate(vocab)}
        got0 = outputs[f"{c}_vocab"]["values"]
        got2 = outputs[f"{c}_vocab_oov{OOV_BUCKETS}"]["values"]
        want0 = [index.get(s, -1) for s in cols[c]]
        want2 = [index[s] if s in index else len(vocab) + fps[s] % OOV_BUCKETS for s in cols[c]]
        check(checks, f"{c}_vocab rule", got0 == want0,
              "index in the vocabulary file, -1 when absent")
        check(checks, f"{c}_vocab_oov{OOV_BUCKETS} rule", got2 == want2,
              f"absent -> vocab_size + Fingerprint64(utf8 bytes) % {OOV_BUCKETS}")
    assert all(len(o["values"]) == n for o in outputs.values())
    return checks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("penguins_csv", help="penguins_raw.csv (NA marks missing values)")
    ap.add_argument("out_json")
    args = ap.parse_args()

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    import logging
    logging.getLogger("apache_beam").setLevel(logging.ERROR)

    started = time.time()
    drop = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"]
    peng, peng_kept, peng_dropped = read_csv(args.penguins_csv, PENGUINS, drop)
    ties, _, _ = read_csv(os.path.join(HERE, "data", "ties_fit.csv"), TIES, [])
    ties_apply, _, _ = read_csv(os.path.join(HERE, "data", "ties_apply.csv"), TIES, [])

    strings = sorted({s for cols in (peng, ties, ties_apply) for c in ("species", "island", "sex", "t")
                      for s in cols.get(c, [])})
    fps = dict(zip(strings, fingerprint64(strings)))

    cases = {}
    with tempfile.TemporaryDirectory(prefix="tft-reference-") as tmp:
        for case, fit_cols, apply_cols, source in (
                (PENGUINS, peng, None, os.path.basename(args.penguins_csv)),
                (TIES, ties, ties_apply, "test/interop/tft/data/ties_fit.csv")):
            workdir = os.path.join(tmp, case.name)
            os.makedirs(workdir)
            fit_out, apply_out, vocabs = run_tft(
                case, instances(fit_cols, case),
                instances(apply_cols, case) if apply_cols else None, workdir)
            analyzers = analyzers_json(case, fit_out, vocabs, fit_cols)
            outputs = outputs_json(case, fit_out)
            entry = {
                "description": case.description,
                "input": source,
                "rows": len(fit_out),
                "inputs": fit_cols,
                "outputs": outputs,
                "analyzers": analyzers,
                "checks": self_checks(case, fit_cols, outputs, analyzers, fit_cols, fps, True),
            }
            if case is PENGUINS:
                entry["dropped"] = {
                    "rule": "drop a row when any of " + ", ".join(drop) + " is NA",
                    "csv_lines": peng_dropped,  # 1-based, the header is line 1
                    "kept_csv_lines": peng_kept,
                }
            cases[case.name] = entry
            if apply_out is not None:
                outputs = outputs_json(case, apply_out)
                cases["ties_apply"] = {
                    "description": "data/ties_apply.csv transformed with the transform_fn "
                                   "fitted on ties_fit (unseen tokens, out-of-range values)",
                    "input": "test/interop/tft/data/ties_apply.csv",
                    "fit_case": "ties_fit",
                    "rows": len(apply_out),
                    "inputs": apply_cols,
                    "outputs": outputs,
                    "checks": self_checks(case, apply_cols, outputs, analyzers, fit_cols, fps,
                                          False),
                }

    elapsed = time.time() - started
    doc = {
        "generator": {
            "command": "scripts/setup-venv.sh tfx && .venv-tfx/bin/python3 "
                       "test/interop/tft/tft_reference.py test/interop/tft/data/penguins_raw.csv "
                       "test/interop/tft/reference.json",
            "python": sys.version.split()[0],
            "tensorflow": tf.__version__,
            "tensorflow_transform": tft.__version__,
            "tfx_bsl": tfx_bsl.__version__,
            "apache_beam": beam.__version__,
            "runner": "DirectRunner",
            "seconds": round(elapsed, 1),
        },
        "parameters": {"num_buckets": NUM_BUCKETS, "hash_buckets": HASH_BUCKETS,
                       "num_oov_buckets": [0, OOV_BUCKETS]},
        "fingerprint64": {s: str(v) for s, v in fps.items()},
        "cases": cases,
    }
    with open(args.out_json, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    failed = [f"{c}: {k}" for c, e in cases.items() for k, v in e["checks"].items()
              if not v["holds"]]
    summary = ", ".join(f"{c} ({e['rows']} rows)" for c, e in cases.items())
    print(f"wrote {args.out_json}: {summary} in {elapsed:.1f} s;"
          f" {len(failed)} self-check(s) do not hold")
    for f_ in failed:
        print("  " + f_)


if __name__ == "__main__":
    main()
