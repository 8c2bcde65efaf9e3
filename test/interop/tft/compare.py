#!/usr/bin/env python3
"""Compares mlpc's transform outputs with TensorFlow Transform's (reference.json).

Usage:
    python3 test/interop/tft/compare.py --mlpc-dir DIR [--reference FILE] [--case NAME ...]
    python3 test/interop/tft/compare.py --write-csvs DIR   # what a correct mlpc writes

Needs only the Python standard library (no TensorFlow).

The reference
    test/interop/tft/reference.json is TFT's own output, made by
        bash scripts/setup-venv.sh tfx
        .venv-tfx/bin/python3 test/interop/tft/tft_reference.py \\
            test/interop/tft/data/penguins_raw.csv test/interop/tft/reference.json
    (tensorflow-transform 1.16.0, tensorflow 2.16.2, DirectRunner; ~30-45 s).
    Regenerate it only when the cases change; it is a golden file.

What mlpc must write: one CSV per case, DIR/<case>.csv
    penguins.csv    fit and transform test/interop/tft/data/penguins_raw.csv after dropping
                    every row where bill_length_mm, bill_depth_mm, flipper_length_mm,
                    body_mass_g or sex is NA (333 rows, in file order; species,
                    island, sex as strings, the four numeric columns as float64).
    ties_fit.csv    fit and transform test/interop/tft/data/ties_fit.csv (20 rows;
                    t string, c/x/y float64).
    ties_apply.csv  transform test/interop/tft/data/ties_apply.csv (10 rows) with
                    the analyzers fitted on ties_fit.csv.
  - First line: a header with column names. It must contain every output column of
    the case (names below; extra columns such as the inputs are ignored).
  - Then one line per input row, in input order.
  - Numbers as text Python's float() reads; integers for the index columns ("3";
    "3.0" is accepted). Write float64 with 17 significant digits (%.17g).
  - A missing value is an empty field (TFT has none here, so it is a mismatch).

  Output columns (transform applied to the input column of the prefix):
    penguins:   <n>_z, <n>_01 for n in bill_length_mm, bill_depth_mm,
                flipper_length_mm, body_mass_g; bill_length_mm_bucket;
                <s>_vocab, <s>_vocab_oov2 for s in species, island, sex; island_hash
    ties_fit,
    ties_apply: c_z, x_z, c_01, y_01, x_bucket, y_bucket, t_vocab, t_vocab_oov2, t_hash
  with
    <n>_z          tft.scale_to_z_score(n)                       float64
    <n>_01         tft.scale_to_0_1(n)                           float32 in TFT
    <n>_bucket     tft.bucketize(n, num_buckets=4)               int64
    <s>_vocab      tft.compute_and_apply_vocabulary(s)           int64 (-1 = OOV)
    <s>_vocab_oov2 tft.compute_and_apply_vocabulary(s, num_oov_buckets=2)
    <s>_hash       tft.hash_strings(s, hash_buckets=10)          int64

Tolerances (by the dtype TFT computed in, recorded in reference.json):
    int64    exact.
    float64  |mlpc - tft| <= 1e-9 * max(|mlpc|, |tft|) + 1e-12. TFT's float64 mean
             differs from a plain sum/n in the last bit (e.g. 50002.162500000006 vs
             50002.1625), so bit equality is not expected; the 1e-12 floor covers
             values that are 0 up to rounding.
    float32  |mlpc - tft| <= 1e-6. scale_to_0_1 casts its input to float32 and
             computes in float32 whatever the input type; against the float64
             formula TFT's results are off by up to 1.4e-7 on these data (about one
             float32 ulp of 1.0 is 1.2e-7), so 1e-6 leaves room and still catches any
             real difference (a wrong min or max moves values by >1e-3).

Prints one line per column and a closing "compare: N passed, M failed" line; exits 1
when any column differs or a CSV, column or row is missing.
"""

import argparse
import csv
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FLOAT64_REL, FLOAT64_ABS = 1e-9, 1e-12
FLOAT32_ABS = 1e-6


def within(dtype, got, want):
    if dtype == "int64":
        return got == want
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if math.isinf(want) or math.isinf(got):
        return got == want
    if dtype == "float64":
        return abs(got - want) <= FLOAT64_REL * max(abs(got), abs(want)) + FLOAT64_ABS
    return abs(got - want) <= FLOAT32_ABS


def tolerance_text(dtype):
    if dtype == "int64":
        return "exact"
    if dtype == "float64":
        return f"rel {FLOAT64_REL:g} + abs {FLOAT64_ABS:g}"
    return f"abs {FLOAT32_ABS:g}"


def parse(dtype, text):
    """Returns the value, None for an empty field; raises ValueError on bad text."""
    text = text.strip()
    if text == "":
        return None
    if dtype == "int64":
        try:
            return int(text)
        except ValueError:
            v = float(text)
            if not v.is_integer():
                raise
            return int(v)
    return float(text)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise ValueError("empty file")
        rows = [r for r in reader if r != []]
    return header, rows


def row_label(case, i):
    lines = case.get("dropped", {}).get("kept_csv_lines")
    where = f"input row {i}"
    if lines:
        where += f" (line {lines[i]} of {case['input']})"
    return where


def compare_case(name, case, path):
    """Returns a list of (ok, report line)."""
    results = []
    outputs = case["outputs"]
    try:
        header, rows = read_csv(path)
    except (OSError, ValueError) as e:
        return [(False, f"FAIL {name}: cannot read {path}: {e}")]
    if len(rows) != case["rows"]:
        results.append((False, f"FAIL {name}: {path} has {len(rows)} data rows, TFT has "
                               f"{case['rows']}"))
    index = {col: i for i, col in enumerate(header)}
    for col, ref in outputs.items():
        dtype = ref["dtype"]
        label = f"{name}.{col}"
        if col not in index:
            results.append((False, f"FAIL {label:34} column missing from {path}"))
            continue
        k = index[col]
        bad, worst, first = 0, 0.0, None
        n = min(len(rows), len(ref["values"]))
        for i in range(n):
            want = ref["values"][i]
            text = rows[i][k] if k < len(rows[i]) else ""
            try:
                got = parse(dtype, text)
            except ValueError:
                got = text
            if got is None or isinstance(got, str):
                ok = False
            else:
                ok = within(dtype, got, want)
                if dtype != "int64" and not (math.isnan(want) or math.isinf(want)):
                    diff = abs(got - want)
                    if dtype == "float64":
                        diff /= max(abs(got), abs(want), 1e-300)
                    worst = max(worst, diff)
            if not ok:
                bad += 1
                if first is None:
                    shown = "missing" if got is None else repr(got)
                    first = f"{row_label(case, i)}: mlpc {shown}, TFT {want!r}"
        measure = ""
        if dtype == "float64":
            measure = f", max rel diff {worst:.2g}"
        elif dtype == "float32":
            measure = f", max abs diff {worst:.2g}"
        tol = tolerance_text(dtype)
        if bad:
            results.append((False, f"FAIL {label:34} {bad} of {n} rows differ ({dtype}, {tol}); "
                                   f"first: {first}"))
        else:
            results.append((True, f"ok   {label:34} {n} rows ({dtype}, {tol}{measure})"))
    return results


def write_csvs(reference, out_dir, names):
    """Writes the CSVs a correct mlpc would produce (the inputs and TFT's outputs)."""
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        case = reference["cases"][name]
        cols = list(case["inputs"]) + list(case["outputs"])
        values = dict(case["inputs"])
        values.update({k: v["values"] for k, v in case["outputs"].items()})
        with open(os.path.join(out_dir, f"{name}.csv"), "w", newline="",
                  encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(cols)
            for i in range(case["rows"]):
                w.writerow(["%.17g" % v if isinstance(v, float) else v
                            for v in (values[c][i] for c in cols)])
        print(f"wrote {os.path.join(out_dir, name + '.csv')}")


def main():
    ap = argparse.ArgumentParser(description="Compares mlpc's transform outputs with TFT's.")
    ap.add_argument("--reference", default=os.path.join(HERE, "reference.json"))
    ap.add_argument("--mlpc-dir", help="folder with <case>.csv written by mlpc")
    ap.add_argument("--case", action="append", help="compare only this case (repeatable)")
    ap.add_argument("--write-csvs", metavar="DIR",
                    help="write the CSVs a correct mlpc produces, then exit")
    args = ap.parse_args()
    if not args.mlpc_dir and not args.write_csvs:
        ap.error("give --mlpc-dir (or --write-csvs)")

    with open(args.reference, encoding="utf-8") as f:
        reference = json.load(f)
    names = args.case or list(reference["cases"])
    unknown = [n for n in names if n not in reference["cases"]]
    if unknown:
        ap.error(f"unknown case(s) {', '.join(unknown)}; known: "
                 f"{', '.join(reference['cases'])}")
    if args.write_csvs:
        write_csvs(reference, args.write_csvs, names)
        return 0

    gen = reference["generator"]
    print(f"reference: {args.reference} (tensorflow-transform {gen['tensorflow_transform']}, "
          f"tensorflow {gen['tensorflow']})")
    passed = failed = 0
    for name in names:
        for ok, line in compare_case(name, reference["cases"][name],
                                     os.path.join(args.mlpc_dir, f"{name}.csv")):
            print(line)
            passed += ok
            failed += not ok
    print(f"compare: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
