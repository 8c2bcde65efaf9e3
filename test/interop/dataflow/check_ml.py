#!/usr/bin/env python3
"""Compares the outputs of a pipeline run by `mlpc run` with those of its Beam job.

usage: check_ml.py NATIVE_DIR BEAM_DIR [--descriptors FILE]

Each folder holds one file per pipeline output, named after the output (the Beam job writes
them at its --<output> URIs; for native, copy each task's output file there, and write an
output parameter's value as text). Every file in NATIVE_DIR must be in BEAM_DIR. Each file is
compared by its content:

* CSV (a Dataset): the same header and rows in the same order; ints, strings, bools and
  missing values exactly; `score` within 1e-5 absolute (the ONNX graph computes in float32);
  other floats within 1e-12 * max(1, |x|). `prediction`, and `label` named from it, may differ
  only in a near tie: native's score at most 0.5 + 1e-5 (so its two best classes may be within
  1e-5) and the two scores within 1e-5.
* A TransformGraph or Model (binary protobuf, read with the descriptors of
  runtime/ops/model/model.proto; FILE, or protoc run on this repository): the same fields and
  values, doubles within 1e-12 relative.
* Metrics JSON: the same keys in the same order, the same numbers; except `auc`, see below.
* ClassificationMetrics JSON: the same confusion matrix; the ROC curve (`confidenceMetrics`)
  with thresholds within 1e-5 and the same rates, where float32 scores may merge consecutive
  native points whose thresholds are within 1e-5 (then `auc` must equal the trapezoid area
  of the Beam curve, as native computes it; else native's exactly).
* An output parameter (a number): equal.

Exits 1 with one line per mismatch, 0 when everything matches (with a summary).
"""
import argparse
import csv
import io
import json
import math
import os
import subprocess
import sys
import tempfile

SCORE_TOLERANCE = 1e-5
FLOAT_TOLERANCE = 1e-12
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


class Problems:
    def __init__(self):
        self.lines = []
        self.worst = {"float": 0.0, "score": 0.0, "graph": 0.0}

    def add(self, where, what):
        self.lines.append(f"{where}: {what}")

    def note(self, kind, diff):
        self.worst[kind] = max(self.worst[kind], diff)


def relative(a, b):
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    return abs(a - b) / max(1.0, abs(a))


# --- Protobuf --------------------------------------------------------------------------------

def message_classes(descriptors):
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    if descriptors is None:
        out = os.path.join(tempfile.mkdtemp(), "mlpc_ops.binpb")
        subprocess.run(["protoc", "--include_imports", f"--descriptor_set_out={out}",
                        "-I", ROOT, "runtime/ops/model/model.proto"], check=True)
        descriptors = out
    with open(descriptors, "rb") as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for proto in files.file:
        pool.Add(proto)
    return [message_factory.GetMessageClass(pool.FindMessageTypeByName("mlpc.ops.pb." + n))
            for n in ("TransformGraph", "Model")]


def parse_message(data, classes):
    """The first of `classes` that reads `data` with no unknown field."""
    from google.protobuf.unknown_fields import UnknownFieldSet

    for cls in classes:
        try:
            m = cls.FromString(data)
        except Exception:
            continue
        if len(UnknownFieldSet(m)) == 0:
            return m
    return None


def compare_messages(a, b, where, problems):
    from google.protobuf.descriptor import FieldDescriptor as F

    for field in a.DESCRIPTOR.fields:
        name = f"{where}.{field.name}"
        is_message = field.type == F.TYPE_MESSAGE
        if field.label == F.LABEL_REPEATED:
            va, vb = list(getattr(a, field.name)), list(getattr(b, field.name))
            if len(va) != len(vb):
                problems.add(name, f"{len(va)} values natively, {len(vb)} in Beam")
                continue
            pairs = [(f"{name}[{i}]", x, y) for i, (x, y) in enumerate(zip(va, vb))]
        elif is_message:
            if a.HasField(field.name) != b.HasField(field.name):
                problems.add(name, f"set natively: {a.HasField(field.name)}, in Beam: "
                             f"{b.HasField(field.name)}")
                continue
            pairs = [(name, getattr(a, field.name), getattr(b, field.name))]
        else:
            pairs = [(name, getattr(a, field.name), getattr(b, field.name))]
        for n, x, y in pairs:
            if is_message:
                compare_messages(x, y, n, problems)
            elif field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
                d = relative(x, y)
                problems.note("graph", d)
                if not d <= FLOAT_TOLERANCE:
                    problems.add(n, f"native {x!r}, Beam {y!r} (relative {d:.3g})")
            elif x != y:
                problems.add(n, f"native {x!r}, Beam {y!r}")


# --- CSV -------------------------------------------------------------------------------------

def read_csv(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def project(header, rows, columns):
    """The table cut down to `columns` (in that order), or None if one is missing."""
    if not set(columns) <= set(header):
        return None
    at = [header.index(c) for c in columns]
    return list(columns), [[row[i] for i in at] for row in rows]


def compare_tables(name, native, beam, problems, declared=False):
    header, rows = read_csv(native)
    beam_header, beam_rows = read_csv(beam)
    if declared and project(header, rows, beam_header):
        header, rows = project(header, rows, beam_header)
    if header != beam_header:
        problems.add(name, f"header {beam_header} in Beam, {header} natively")
        return
    if len(rows) != len(beam_rows):
        problems.add(name, f"{len(beam_rows)} rows in Beam, {len(rows)} natively")
        return
    score = header.index("score") if "score" in header else None
    tied = 0
    for r, (a, b) in enumerate(zip(rows, beam_rows), start=2):
        near_tie = False
        if score is not None and a[score] and b[score]:
            sa, sb = float(a[score]), float(b[score])
            near_tie = sa <= 0.5 + SCORE_TOLERANCE and abs(sa - sb) <= SCORE_TOLERANCE
        for c, (x, y) in enumerate(zip(a, b)):
            where = f"{name}: line {r}, column `{header[c]}`"
            if x == y:
                continue
            if header[c] in ("prediction", "label") and near_tie:
                tied += 1
                continue
            fx, fy = number(x), number(y)
            if fx is None or fy is None or not x or not y:
                problems.add(where, f"native `{x}`, Beam `{y}`")
            elif c == score:
                d = abs(fx - fy)
                problems.note("score", d)
                if not d <= SCORE_TOLERANCE:
                    problems.add(where, f"native {x}, Beam {y} (|d| {d:.3g} > {SCORE_TOLERANCE})")
            elif all(ch in "-0123456789" for ch in x + y):  # ints
                problems.add(where, f"native {x}, Beam {y}")
            else:
                d = relative(fx, fy)
                problems.note("float", d)
                if not d <= FLOAT_TOLERANCE:
                    problems.add(where, f"native {x}, Beam {y} (relative {d:.3g})")
    return f"{len(rows)} rows" + (f", {tied} near-tie cells" if tied else "")


# --- JSON ------------------------------------------------------------------------------------

def trapezoid(points):
    area = 0.0
    for prev, p in zip(points, points[1:]):
        area += (p["falsePositiveRate"] - prev["falsePositiveRate"]) * \
            (p["recall"] + prev["recall"]) / 2.0
    return area


def compare_roc(name, native, beam, problems):
    """True when the Beam curve is native's with some float32-merged points."""
    j = 0
    merged = False
    for i, p in enumerate(beam):
        while j < len(native) and (native[j]["falsePositiveRate"], native[j]["recall"]) != \
                (p["falsePositiveRate"], p["recall"]):
            # A native point float32 merged into the next: its threshold is within tolerance.
            if j + 1 >= len(native) or abs(native[j]["confidenceThreshold"] -
                                           native[j + 1]["confidenceThreshold"]) > SCORE_TOLERANCE:
                problems.add(f"{name}: confidenceMetrics[{i}]",
                             f"Beam point {p} is not on native's curve")
                return merged
            merged = True
            j += 1
        if j == len(native):
            problems.add(f"{name}: confidenceMetrics[{i}]",
                         f"Beam point {p} is past native's curve")
            return merged
        d = abs(native[j]["confidenceThreshold"] - p["confidenceThreshold"])
        problems.note("score", d)
        if not d <= SCORE_TOLERANCE:
            problems.add(f"{name}: confidenceMetrics[{i}]", f"threshold {p['confidenceThreshold']}"
                         f", native {native[j]['confidenceThreshold']}")
        j += 1
    if j != len(native):
        problems.add(name, f"native's curve has {len(native) - j} more points")
    return merged


def compare_json(name, native, beam, problems, curves):
    if isinstance(native, dict) and isinstance(beam, dict):
        if list(native) != list(beam):
            problems.add(name, f"keys {list(beam)} in Beam, {list(native)} natively")
            return
        if "confusionMatrix" in native:
            if native["confusionMatrix"] != beam["confusionMatrix"]:
                problems.add(name, "the confusion matrices differ")
            if "confidenceMetrics" in native:
                merged = compare_roc(name, native["confidenceMetrics"],
                                     beam["confidenceMetrics"], problems)
                curves[name] = (merged, beam["confidenceMetrics"])
            return
        for key in native:
            if key == "auc":
                continue  # checked with the curve
            if native[key] != beam[key]:
                problems.add(f"{name}: {key}", f"native {native[key]!r}, Beam {beam[key]!r}")
        return
    if native != beam:
        problems.add(name, f"native {native!r}, Beam {beam!r}")


def check_auc(metrics, native, beam, curves, problems):
    """`auc`: native's, or where float32 merged points of the curve (in the
    ClassificationMetrics output named like this one, `metrics` -> `classification`), the
    area of Beam's curve."""
    if "auc" not in native or native["auc"] == beam.get("auc"):
        return
    if "auc" not in beam:
        problems.add(f"{metrics}: auc", "missing in Beam")
        return
    merged, curve = curves.get(metrics.replace("metrics", "classification"), (False, None))
    if merged:
        want = trapezoid(curve)
        if beam["auc"] != want:
            problems.add(f"{metrics}: auc", f"{beam['auc']!r} is not the area of Beam's curve "
                         f"{want!r}")
    elif native["auc"] != beam["auc"]:
        problems.add(f"{metrics}: auc", f"native {native['auc']!r}, Beam {beam['auc']!r}")


# --- Main ------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("native")
    parser.add_argument("beam")
    parser.add_argument("--descriptors", help="a FileDescriptorSet with model.proto")
    parser.add_argument("--declared-columns", action="store_true",
                        help="compare CSVs on the Beam file's columns only: natively, a Python "
                        "component's file is what the function wrote (extra columns, its own "
                        "number format); the job keeps the declared schema's columns")
    args = parser.parse_args()
    problems = Problems()
    classes = None
    summary, metrics, curves = [], [], {}
    names = sorted(os.listdir(args.native))
    for name in names:
        beam_path = os.path.join(args.beam, name)
        if not os.path.exists(beam_path):
            problems.add(name, "the Beam job did not write it")
            continue
        with open(os.path.join(args.native, name), "rb") as f:
            native = f.read()
        with open(beam_path, "rb") as f:
            beam = f.read()
        try:
            native_text, beam_text = native.decode("utf-8"), beam.decode("utf-8")
        except UnicodeDecodeError:
            native_text = beam_text = None
        parsed = None
        if native_text is not None:
            try:
                parsed = json.loads(native_text), json.loads(beam_text)
            except ValueError:
                pass
        if parsed is not None:
            compare_json(name, *parsed, problems, curves)
            if isinstance(parsed[0], dict) and "confusionMatrix" not in parsed[0]:
                metrics.append((name, *parsed))
            summary.append(f"{name}: JSON")
            continue
        if native_text is not None and "\n" in native_text:
            summary.append(f"{name}: " + (compare_tables(name, native_text, beam_text, problems,
                                                         args.declared_columns) or "CSV"))
            continue
        classes = classes or message_classes(args.descriptors)
        a, b = parse_message(native, classes), parse_message(beam, classes)
        if a is None or b is None or type(a) is not type(b):
            problems.add(name, "not the same kind of mlpc.ops.pb message (or not one)")
            continue
        compare_messages(a, b, name, problems)
        summary.append(f"{name}: {a.DESCRIPTOR.name}")
    for name, native, beam in metrics:
        check_auc(name, native, beam, curves, problems)
    for line in problems.lines:
        print("MISMATCH: " + line, file=sys.stderr)
    print("; ".join(summary))
    print(f"max relative difference of floats {problems.worst['float']:.3g}, of TransformGraph "
          f"doubles {problems.worst['graph']:.3g}; max |score difference| "
          f"{problems.worst['score']:.3g}")
    return 1 if problems.lines else 0


if __name__ == "__main__":
    sys.exit(main())
