#!/usr/bin/env python3
"""Compares the outputs of `mlpc run` with those of the Beam job main.py.

    check_core.py NATIVE_DIR BEAM_DIR

Both folders hold the same files (the lit test copies native's pipeline
outputs into NATIVE_DIR under the names main.py writes). Each pair must match:

* CSV files (*.csv): the same text, or else the same header, the same rows in
  the same order and the same cells, where a quoted field and a missing one
  differ, and floats may differ by 1e-12 relative;
* JSON files (*.json): the same value, floats to 1e-12 relative;
* GZIP TFRecord files (*.gz): the same records once decompressed;
* anything else: the same bytes.

Exits 1 with one line per mismatch (file, row, column, both values).
Needs only the Python standard library.
"""
import gzip
import json
import math
import os
import struct
import sys

REL = 1e-12


def fields(text):
    """RFC 4180 records of (text, quoted) fields; LF, CRLF or CR end a line."""
    records, record, i, n = [], [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j, parts = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise ValueError("unterminated quote")
                if text.startswith('""', k):
                    parts.append(text[j:k + 1])
                    j = k + 2
                    continue
                parts.append(text[j:k])
                i = k + 1
                break
            record.append(("".join(parts), True))
        else:
            j = i
            while j < n and text[j] not in ",\r\n":
                j += 1
            record.append((text[i:j], False))
            i = j
        if i < n and text[i] == ",":
            i += 1
            if i == n:
                record.append(("", False))
            continue
        if text.startswith("\r\n", i):
            i += 1
        i += 1
        records.append(record)
        record = []
    if record:
        records.append(record)
    return records


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= REL * max(abs(a), abs(b))


def same_cell(a, b):
    (ta, qa), (tb, qb) = a, b
    missing_a, missing_b = not qa and ta in ("", "NA"), not qb and tb in ("", "NA")
    if missing_a or missing_b:
        return missing_a == missing_b
    if ta == tb:
        return True
    x, y = number(ta), number(tb)
    return x is not None and y is not None and not qa and not qb and close(x, y)


def shown(cell):
    text, quoted = cell
    return json.dumps(text) + (" (quoted)" if quoted else "")


def compare_csv(name, a, b, problems):
    if a == b:
        return
    try:
        ra, rb = fields(a.decode("utf-8")), fields(b.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        problems.append(f"{name}: cannot read as CSV ({e})")
        return
    if not ra or not rb or [t for t, _ in ra[0]] != [t for t, _ in rb[0]]:
        problems.append(f"{name}: headers differ: native {ra[:1]} vs beam {rb[:1]}")
        return
    header = [t for t, _ in ra[0]]
    if len(ra) != len(rb):
        problems.append(f"{name}: native has {len(ra) - 1} rows, beam {len(rb) - 1}")
    for r, (x, y) in enumerate(zip(ra[1:], rb[1:]), start=1):
        if len(x) != len(y):
            problems.append(f"{name}: row {r}: native has {len(x)} fields, beam {len(y)}")
            return
        for col, cx, cy in zip(header, x, y):
            if not same_cell(cx, cy):
                problems.append(f"{name}: row {r}, column `{col}`: native {shown(cx)}, "
                                f"beam {shown(cy)}")
                if len(problems) > 20:
                    return


def same_json(x, y):
    if isinstance(x, float) or isinstance(y, float):
        return (isinstance(x, (int, float)) and isinstance(y, (int, float)) and
                not isinstance(x, bool) and not isinstance(y, bool) and close(x, y))
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(same_json(a, b) for a, b in zip(x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(same_json(x[k], y[k]) for k in x)
    return x == y and type(x) is type(y)


def records(data):
    """The records of uncompressed TFRecord bytes (framing only)."""
    out, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        out.append(data[pos + 12:pos + 12 + length])
        pos += 16 + length
    return out


def compare(name, a, b, problems):
    if name.endswith(".csv"):
        compare_csv(name, a, b, problems)
    elif a == b:
        return
    elif name.endswith(".json"):
        x, y = json.loads(a), json.loads(b)
        if not same_json(x, y):
            problems.append(f"{name}: native {x!r}, beam {y!r}")
    elif name.endswith(".gz"):
        ra, rb = records(gzip.decompress(a)), records(gzip.decompress(b))
        if len(ra) != len(rb):
            problems.append(f"{name}: native has {len(ra)} records, beam {len(rb)}")
        for i, (x, y) in enumerate(zip(ra, rb)):
            if x != y:
                problems.append(f"{name}: record {i} differs: native {x[:60]!r}..., "
                                f"beam {y[:60]!r}...")
                break
    else:
        problems.append(f"{name}: the bytes differ ({len(a)} native, {len(b)} beam)")


def files(root):
    out = set()
    for folder, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(folder, n), root))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_core.py NATIVE_DIR BEAM_DIR")
    native, beam = sys.argv[1:]
    a, b = files(native), files(beam)
    problems = [f"{n}: only native wrote it" for n in sorted(a - b)]
    problems += [f"{n}: only beam wrote it" for n in sorted(b - a)]
    for name in sorted(a & b):
        with open(os.path.join(native, name), "rb") as f, open(os.path.join(beam, name), "rb") as g:
            compare(name, f.read(), g.read(), problems)
    if not a:
        problems.append(f"{native}: no files to compare")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"{len(a)} files match")


if __name__ == "__main__":
    main()
