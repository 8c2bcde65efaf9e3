"""mlpc's runtime library for Apache Beam: what a generated `main.py` calls.

`mlpc build --target=dataflow` writes `main.py`, which defines `PIPELINE`,
`PARAMETERS`, `DEFAULT_OPTIONS` and `build(job)` and calls `main(...)`. Each
.mlp task becomes `job.task(...)`: one composite PTransform labelled with the
task name that runs the built-in op with `mlpc run`'s semantics (the native
ops in runtime/ops are the specification: same rows, order, values, CSV text
and error messages).

Public names (stable; mlpc_beam_ml.py builds on them):

Values between tasks
  Column(name, type, optional=False)   type: "int" | "float" | "string" | "bool"
  columns(spec) -> [Column]            from [("name", "float?"), ...] or Columns
  Table(pcoll, schema, type="Dataset", split="train")
      pcoll: PCollection of (index, row); index an int giving native's row
      order, row a tuple of values in schema order (int, float, str, bool, or
      None for missing). type "Examples" for a TFRecord (ExampleGen) table,
      whose `split` names its Split-<split> folder.
      .names, .position(name) -> int (OpError as native's Table::at),
      .column(name) -> Column, .with_rows(pcoll, schema=None) -> Table
  Blob(pcoll, type, uri=None)   singleton PCollection of an artifact's bytes;
      `uri`: where a job input's bytes are (None for what a task makes)
  Scalar(pcoll)        singleton PCollection of an output parameter's value
  OpError(message)     an error the user sees verbatim (native's text)

Schemas and rows
  position(schema, name) -> int      Table.position for a list of Columns
  put_column(schema, column) -> (schema, position)   native's putColumn: the
      column of that name replaced in place, else added at the end
  put_value(row, position, value) -> row   the tuple with `value` there (a
      position one past the end appends it)

Ops
  @op("area.name") def fn(ctx, inputs) -> {output name: Table|Blob|Scalar}
      ctx.pipeline, ctx.task (task name), ctx.schema ([Column] or None)
      inputs: parameter values as Python values, artifacts as Table/Blob/Scalar
      The op runs inside the task's composite, so its transforms' labels
      need only be unique within the op. An OpError raised while building
      or while running names the task in the job's error message.
  OPS: dict op name -> function

Helpers with native's semantics
  format_float(x) -> str            std::to_chars' shortest text
  float32(x) -> float               x rounded to float32 (static_cast<float>)
  value_text(value, type) -> str    Column::text (a cell as text, "" if missing)
  parse_value(text, column, what)   ValueText's parseValue (OpError if bad)
  parse_csv(data, schema, delimiter=",", source="") -> [row]
  csv_bytes(schema, rows, delimiter=",") -> bytes   CsvWriter's text
  gather(pcoll, label="Gather") -> singleton PCollection of the (index, row)
      list, in index order
  message_class(full_name)   a protobuf class from mlpc_ops.binpb, e.g.
      "mlpc.ops.pb.Model", "mlpc.ops.pb.TransformGraph", "mlpc.ops.tf.Example"
  read_bytes(uri) / write_bytes(uri, data)   through FileSystems (gs:// too);
      write_bytes writes a temporary name, then renames
  artifact_file(uri) -> str  an artifact input's file: `uri`, or model.pb in
      it when `uri` is a folder (a pushed model)
  local_uri(text) -> str     a path parameter as native resolves it
  MT19937_64(seed), split_positions(n, fraction, seed), one_hot_name(col, v)

The job
  Parameter(name, kind, default=REQUIRED, help="", output=False, regex=None)
      regex: what a value must match, whole (None: anything)
  Job: .pipeline, .params, .task(name, op, inputs, schema=None, hints=None),
       .read_artifact(name, type, uri, schema=None), .python(task,
       source_file, function, inputs, outputs, hints=None),
       .write_output(name, value, uri)
  main(pipeline, parameters, build, default_options, argv=None)

Workers unpickle functions of this module by name: `mlpc_beam`,
`mlpc_beam_ml`, `mlpc_kfp` and `mlpc_ops.binpb` must be importable there
from one folder (main.py's, on PYTHONPATH in the worker image).
"""
import decimal
import errno
import inspect
import json
import math
import os
import re
import struct
import sys
import tempfile
import threading
import zlib
from functools import partial
from typing import NamedTuple

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

# ---- values between tasks ----------------------------------------------------

TYPES = ("int", "float", "string", "bool")


class OpError(Exception):
    """An error in the data or the arguments, shown to the user as it is."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class Column(NamedTuple):
    name: str
    type: str
    optional: bool = False

    def spelling(self):
        return self.type + ("?" if self.optional else "")


def columns(spec):
    """[Column] from [("name", "float?"), ...] (or a list of Columns)."""
    out = []
    for c in spec:
        if isinstance(c, Column):
            out.append(c)
            continue
        name, text = c
        optional = text.endswith("?")
        kind = text[:-1] if optional else text
        if kind not in TYPES:
            raise OpError(f"column `{name}` has the type `{text}`; a table column is one of "
                          "int, float, string, bool")
        out.append(Column(name, kind, optional))
    return out


class Table:
    """A dataset: PCollection of (index, row tuple) and its schema."""

    def __init__(self, pcoll, schema, type="Dataset", split="train"):
        self.pcoll, self.schema, self.type, self.split = pcoll, columns(schema), type, split

    @property
    def names(self):
        return [c.name for c in self.schema]

    def position(self, name):
        return position(self.schema, name)

    def column(self, name):
        return self.schema[self.position(name)]

    def with_rows(self, pcoll, schema=None):
        """A Dataset of new rows (the same schema unless given)."""
        return Table(pcoll, self.schema if schema is None else schema)


def position(schema, name):
    """The position of column `name` (OpError as native's Table::at)."""
    for i, c in enumerate(schema):
        if c.name == name:
            return i
    have = ", ".join(c.name for c in schema)
    raise OpError(f"no column `{name}` in the data (columns: {have})")


def put_column(schema, column):
    """Native's putColumn: (the schema with `column` in place of the column of
    its name, else added at the end; its position)."""
    schema = list(schema)
    for i, c in enumerate(schema):
        if c.name == column.name:
            schema[i] = column
            return schema, i
    schema.append(column)
    return schema, len(schema) - 1


def put_value(row, at, value):
    """The row with `value` at position `at` (put_column's), appended when
    `at` is one past the end."""
    row = list(row)
    if at < len(row):
        row[at] = value
    else:
        row.append(value)
    return tuple(row)


class Blob:
    """An artifact other than a table: a singleton PCollection of its bytes.
    `uri` is where a job input's bytes are (None for one a task makes)."""

    def __init__(self, pcoll, type="Artifact", uri=None):
        self.pcoll, self.type, self.uri = pcoll, type, uri


class Scalar:
    """An output parameter: a singleton PCollection of its Python value."""

    def __init__(self, pcoll):
        self.pcoll = pcoll


# ---- native's text of values (runtime/ops/ValueText.cpp, CsvWriter.cpp) ------

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
# What std::from_chars reads as a double (general format), after a '+' is dropped.
_FLOAT_SYNTAX = re.compile(r"-?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
                           r"|(?i:inf|infinity|nan(?:\([0-9A-Za-z_]*\))?))")
_INT_SYNTAX = re.compile(r"-?[0-9]+")
_TRUE, _FALSE = ("true", "True", "TRUE", "1"), ("false", "False", "FALSE", "0")


def format_float(x):
    """std::to_chars(double): the shortest digits that read back as `x`, in
    fixed or exponent form, whichever is shorter (fixed on a tie)."""
    if math.isnan(x):
        return "-nan" if math.copysign(1.0, x) < 0 else "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0"
    # repr gives the shortest round-trip digits; only their layout differs.
    _, digits, exp = decimal.Decimal(repr(abs(x))).normalize().as_tuple()
    ds = "".join(map(str, digits))
    point = len(ds) + exp  # digits before the decimal point
    if exp >= 0:
        # An integer: to_chars prints its exact digits (1.2345678901234568e20 is
        # 123456789012345683968), as many as the shortest digits padded with zeros.
        fixed = str(int(abs(x)))
    elif point > 0:
        fixed = ds[:point] + "." + ds[point:]
    else:
        fixed = "0." + "0" * -point + ds
    e = point - 1
    mantissa = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    sci = mantissa + "e%s%02d" % ("-" if e < 0 else "+", abs(e))
    return sign + (fixed if len(fixed) <= len(sci) else sci)


def float32(x):
    """`x` rounded to the nearest float32, as static_cast<float> does (+-inf
    past float32's range)."""
    with np.errstate(over="ignore"):
        return float(np.float32(x))


def value_text(value, type):
    """Column::text: one cell as text ("" when missing)."""
    if value is None:
        return ""
    if type == "float":
        return format_float(value)
    if type == "bool":
        return "true" if value else "false"
    return str(value)


# The text primitives, named after ValueText.cpp's, shared by parse_value and
# the CSV reader. Each gives None for text that is not a whole value.


def _trim(s):
    return s.strip(" \t")


def _drop_plus(s):
    """"+1.5" -> "1.5": from_chars takes a minus sign only."""
    return s[1:] if len(s) > 1 and s[0] == "+" and s[1] not in "+-" else s


def _float_of(n):
    """The double from_chars gives for text matching _FLOAT_SYNTAX."""
    if "(" in n:  # nan(chars)
        return -math.nan if n.startswith("-") else math.nan
    return float(n)  # +-inf or 0 beyond double's range, as strtod gives


def _float_in_range(n, v):
    """False where from_chars reports result_out_of_range (overflow, or a
    non-zero number that underflows to zero)."""
    if math.isinf(v):
        return "i" in n.lower()
    if v == 0:
        mantissa = re.split("[eE]", n)[0]
        return not any(ch in "123456789" for ch in mantissa)
    return True


def _parse_int_text(s):
    s = _drop_plus(_trim(s))
    if not _INT_SYNTAX.fullmatch(s):
        return None
    v = int(s)
    return v if _INT64_MIN <= v <= _INT64_MAX else None


def _float_text(t):
    """The double of trimmed text: decimal, exponent, inf, infinity, nan."""
    n = _drop_plus(t)
    return _float_of(n) if _FLOAT_SYNTAX.fullmatch(n) else None


def _parse_float_text(s):
    s = _trim(s)
    # A signed "nan" is the positive NaN here; the CSV reader keeps the sign.
    if (s[1:] if s[:1] in ("+", "-") else s).lower() == "nan":
        return math.nan
    return _float_text(s)


def _parse_bool_text(s):
    t = _trim(s)
    return True if t in _TRUE else False if t in _FALSE else None


# A column type's text parser, and what its error message says it expects.
_PARSERS = {"int": (_parse_int_text, "a 64-bit integer"),
            "float": (_parse_float_text, "a number (or nan, inf)"),
            "bool": (_parse_bool_text, "true, false, 1 or 0")}


def parse_value(text, column, what):
    """A parameter's text (fill_missing's `value`, filter's `equals`) as a
    value of `column`'s type; OpError as native words it."""
    if column.type == "string":
        return text
    parse, expect = _PARSERS[column.type]
    v = parse(text)
    if v is None:
        raise OpError(f'{what}: "{text}" is not a value of {column.type} column '
                      f"`{column.name}` (expected {expect})")
    return v


def _csv_field(s, delimiter, is_string):
    """One field as CsvWriter quotes it."""
    quote = is_string and (s == "" or s == "NA")
    quote = quote or (s != "" and (s[0] in " \t" or s[-1] in " \t"))
    quote = quote or any(ch in s for ch in (delimiter, '"', "\n", "\r"))
    return '"' + s.replace('"', '""') + '"' if quote else s


def csv_bytes(schema, rows, delimiter=","):
    """The CSV file native writes for these rows (header, LF line ends)."""
    schema = columns(schema)
    if delimiter in ('"', "\n", "\r"):
        raise OpError("CSV: the separator cannot be a quote or a line break")
    lines = [delimiter.join(_csv_field(c.name, delimiter, False) for c in schema)]
    kinds = [c.type for c in schema]
    for row in rows:
        cells = []
        for v, kind in zip(row, kinds):
            if v is None:
                cells.append("")
            elif kind == "string":
                cells.append(_csv_field(v, delimiter, True))
            else:
                cells.append(value_text(v, kind))
        lines.append(delimiter.join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


# ---- the CSV reader (runtime/ops/io/CsvReader.cpp) ---------------------------


def _shown(s):
    """A field's text for a message: quoted, escaped, cut after 40 bytes."""
    out, n = [], 0
    for b in s.encode("utf-8", "surrogateescape"):
        if n == 40:
            out.append(b"...")
            break
        n += 1
        out.append({10: b"\\n", 13: b"\\r", 9: b"\\t", 34: b'\\"'}.get(b, bytes([b])))
    return '"' + b"".join(out).decode("utf-8", "replace") + '"'


class _Bad(Exception):
    """A field that does not fit its column; the parser adds the position."""


class _Sink:
    """Where a schema column's values come from: its 1-based file field."""

    def __init__(self, column, position, field):
        self.column, self.position, self.field = column, position, field
        self.ref = f"column `{column.name}` (field {field})"
        self.convert = {"int": self._int, "float": self._float, "bool": self._bool,
                        "string": self._string}[column.type]

    def _missing(self):
        if not self.column.optional:
            raise _Bad(f"missing value in {self.ref}, which is not optional; declare it "
                       f"optional (e.g. `{self.column.type}?`) to allow missing values")
        return None

    def _float(self, text, quoted):
        t = _trim(text)
        if t == "" or t == "NA":
            return self._missing()
        v = _float_text(t)
        if v is None:
            raise _Bad(f"invalid float {_shown(text)} in {self.ref}")
        return v

    def _int(self, text, quoted):
        t = _trim(text)
        if t == "" or t == "NA":
            return self._missing()
        v = _parse_int_text(t)
        if v is not None:
            return v
        n = _drop_plus(t)
        if _INT_SYNTAX.fullmatch(n):
            raise _Bad(f"integer {_shown(text)} in {self.ref} is out of range (an int holds "
                       "-9223372036854775808 to 9223372036854775807); declare the column "
                       "`float` for larger numbers")
        hint = ""
        if _FLOAT_SYNTAX.fullmatch(n) and _float_in_range(n, _float_of(n)):
            hint = "; declare the column `float` for numbers with fractions"
        raise _Bad(f"invalid int {_shown(text)} in {self.ref}{hint}")

    def _bool(self, text, quoted):
        t = _trim(text)
        if t == "" or t == "NA":
            return self._missing()
        v = _parse_bool_text(t)
        if v is None:
            raise _Bad(f"invalid bool {_shown(text)} in {self.ref}; expected true, false, 1 "
                       "or 0")
        return v

    def _string(self, text, quoted):
        # Quoted text is always a value: "" is the empty string, "NA" two letters.
        if not quoted and (text == "" or text == "NA"):
            return self._missing()
        return text


_FIELD, _RECORD, _FILE = 0, 1, 2
_LINES = re.compile(r"\r\n|\r|\n")


class _CsvParser:
    """One pass over the text, field by field, as CsvReader.cpp reads it."""

    def __init__(self, text, delimiter, source):
        self.text, self.p, self.end = text, 0, len(text)
        self.delim, self.source = delimiter, source
        self.body_start = 0
        self.header = []
        self.current = None  # the file field being read; None in the header
        self.plain = re.compile("[^" + re.escape(delimiter) + "\r\n]*")

    def fail(self, at, what):
        text = self.text
        breaks = [m.start() for m in _LINES.finditer(text, 0, at)]
        line = len(breaks) + 1
        line_start = self.body_start
        if breaks:
            last = breaks[-1]
            line_start = last + (2 if text.startswith("\r\n", last) else 1)
        raw = text[line_start:at].encode("utf-8", "surrogateescape")
        column = 1 + sum(1 for b in raw if b & 0xC0 != 0x80)
        raise OpError(f"{self.source}:{line}:{column}: {what}") from None

    def where(self):
        if self.current is None:
            return "the header"
        if self.current >= len(self.header):
            return f"field {self.current + 1}"
        return self.column_ref(self.current)

    def column_ref(self, f):
        return f"column `{self.header[f]}` (field {f + 1})"

    def read_field(self):
        """(text, quoted, start) of the field at p."""
        text, p = self.text, self.p
        if p == self.end or text[p] != '"':
            q = self.plain.match(text, p).end()
            self.p = q
            return text[p:q], False, p
        q, parts = p + 1, []
        while True:
            close = text.find('"', q)
            if close < 0:
                self.fail(p, f"unterminated quote in {self.where()}: the field "
                             f"{_shown(text[p:])} has no closing quote")
            if close + 1 < self.end and text[close + 1] == '"':  # "" is one quote
                parts.append(text[q:close + 1])
                q = close + 2
                continue
            parts.append(text[q:close])
            self.p = close + 1
            return "".join(parts), True, p

    def terminator(self):
        text, p = self.text, self.p
        if p == self.end:
            return _FILE
        c = text[p]
        if c == self.delim:
            self.p = p + 1
            return _FIELD
        if c == "\n":
            self.p = p + 1
            return _RECORD
        if c == "\r":
            self.p = p + (2 if text.startswith("\r\n", p) else 1)
            return _RECORD
        # Only a quoted field can stop anywhere else.
        q = self.plain.match(text, p).end()
        self.fail(p, f"unexpected text {_shown(text[p:q])} after the closing quote in "
                     f"{self.where()}; quote the whole field and write a quote inside it "
                     'as ""')

    def read_header(self, schema):
        if self.text.startswith("\ufeff"):
            self.p = 1
        self.body_start = self.p
        if self.p == self.end:
            self.fail(self.p, "the file is empty; a header row naming the columns is required")
        starts = []
        while True:
            starts.append(self.p)
            self.header.append(self.read_field()[0])
            if self.terminator() != _FIELD:
                break
        sinks = [None] * len(self.header)
        for i, c in enumerate(schema):
            found = None
            for f, h in enumerate(self.header):
                if h != c.name:
                    continue
                if found is not None:
                    self.fail(starts[f], f"column `{c.name}` appears twice in the header "
                                         f"(fields {found + 1} and {f + 1})")
                found = f
            if found is None:
                self.fail(self.body_start, f"no column `{c.name}` in the header; the header "
                                           f"has: {', '.join(self.header)}")
            sinks[found] = _Sink(c, i, found + 1)
        return sinks

    def rows(self, schema, sinks):
        fields, width = len(self.header), len(schema)
        skip_blank = fields > 1  # with one column a blank line is a missing value
        text, out = self.text, []
        while self.p != self.end:
            if skip_blank and text[self.p] in "\r\n":
                self.terminator()
                continue
            row_start = self.p
            row = [None] * width
            for f in range(fields):
                self.current = f
                s = sinks[f]
                value, quoted, start = self.read_field()
                if s is not None:
                    try:
                        row[s.position] = s.convert(value, quoted)
                    except _Bad as e:
                        self.fail(start, str(e))
                e = self.terminator()
                if f + 1 < fields and e != _FIELD:
                    self.fail(row_start, f"the line has {f + 1} field{'s' if f else ''}, but "
                                         f"the header has {fields}; "
                                         f"{self.column_ref(f + 1)} is missing")
                if f + 1 == fields and e == _FIELD:
                    self.too_many_fields()
            out.append(tuple(row))
        return out

    def too_many_fields(self):
        extra_start = self.p
        self.current = len(self.header)
        extra = self.read_field()[0]
        n = len(self.header) + 1
        while self.terminator() == _FIELD:
            self.read_field()
            n += 1
        self.fail(extra_start, f"the line has {n} fields, but the header has "
                               f"{len(self.header)}; the first extra field is {_shown(extra)}")


def _fast_rows(body, delimiter, sinks, width):
    """The rows of a body without quotes, split by lines; None where the
    careful parser must run (to word an error with its position)."""
    lines = _LINES.split(body)
    if lines and lines[-1] == "":
        lines.pop()  # the final line break
    fields = len(sinks)
    out = []
    try:
        for line in lines:
            if line == "" and fields > 1:
                continue
            cells = line.split(delimiter)
            if len(cells) != fields:
                return None
            row = [None] * width
            for s, cell in zip(sinks, cells):
                if s is not None:
                    row[s.position] = s.convert(cell, False)
            out.append(tuple(row))
    except _Bad:
        return None
    return out


def parse_csv(data, schema, delimiter=",", source=""):
    """The rows of a CSV file's bytes, read as `mlpc run` reads them."""
    schema = columns(schema)
    if delimiter in ('"', "\n", "\r"):
        raise OpError(f"{source}: the separator cannot be a quote or a line break")
    text = data.decode("utf-8", "surrogateescape")
    parser = _CsvParser(text, delimiter, source)
    sinks = parser.read_header(schema)
    if '"' not in text:
        rows = _fast_rows(text[parser.p:], delimiter, sinks, len(schema))
        if rows is not None:
            return rows
    return parser.rows(schema, sinks)


def _delimiter(text):
    """io.read_csv's `delimiter` argument: one byte, `\\t` meaning a tab."""
    d = "\t" if text == "\\t" else text
    if len(d.encode("utf-8")) != 1:
        raise OpError(f'`delimiter` must be one character, not "{d}"')
    return d


# ---- files ------------------------------------------------------------------


def local_uri(text):
    """A path parameter as `mlpc run` resolves it: `file://` dropped, a
    relative path taken from the working directory; other URIs (gs://) kept."""
    path = text[7:] if text.startswith("file://") else text
    if "://" in path:
        return path
    return os.path.normpath(os.path.join(os.getcwd(), path))


def _reason(e):
    """An OSError's text as native's strerror gives it."""
    return os.strerror(e.errno) if getattr(e, "errno", None) else str(e)


def read_bytes(uri):
    """A file's bytes (OpError in native's words when it cannot be read)."""
    try:
        with FileSystems.open(uri, compression_type="uncompressed") as f:
            return f.read()
    except OSError as e:
        # Native opens a folder and fails to read it.
        verb = "read" if e.errno == errno.EISDIR else "open"
        raise OpError(f"cannot {verb} `{uri}`: {_reason(e)}") from None
    except Exception as e:  # Beam wraps a missing file in BeamIOError
        if not FileSystems.exists(uri):
            raise OpError(f"cannot open `{uri}`: No such file or directory") from None
        raise OpError(f"cannot open `{uri}`: {e}") from None


def write_bytes(uri, data):
    """Writes `data` at `uri` through a temporary name, so the file there is
    either the old or the new one (native's publish)."""
    tmp = uri + ".mlpc-tmp"
    if "://" not in uri:
        os.makedirs(os.path.dirname(uri) or ".", exist_ok=True)
    try:
        with FileSystems.create(tmp, mime_type="application/octet-stream",
                                compression_type="uncompressed") as f:
            f.write(data)
        FileSystems.rename([tmp], [uri])
    except Exception as e:
        raise OpError(f"cannot write `{uri}`: {e}") from None


def _children(uri):
    """(files, folders) directly in a folder, by name. Object stores have no
    folders: there, a folder is a prefix that objects share."""
    if "://" not in uri:
        files, folders = [], []
        for e in os.scandir(uri):
            (folders if e.is_dir() else files).append(e.name)
        return sorted(files), sorted(folders)
    prefix = uri.rstrip("/") + "/"
    files, folders = set(), set()
    for r in FileSystems.match([prefix + "**"]):
        for m in r.metadata_list:
            rest = m.path[len(prefix):]
            if "/" in rest:
                folders.add(rest.split("/", 1)[0])
            elif rest:
                files.add(rest)
    return sorted(files), sorted(folders)


def _is_dir(uri):
    if "://" not in uri:
        return os.path.isdir(uri)
    return any(_children(uri))


def artifact_file(uri):
    """The file of an artifact input: model.pb in a folder (a pushed model's),
    else `uri` itself."""
    return FileSystems.join(uri, "model.pb") if _is_dir(uri) else uri


# ---- TFRecord and tf.Example (runtime/ops/io/TfRecord.cpp, Examples.cpp) -----

_DESCRIPTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlpc_ops.binpb")
_classes = None  # full message name -> class, every message of _DESCRIPTORS
_classes_lock = threading.Lock()


def _load_classes():
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    files = descriptor_pb2.FileDescriptorSet()
    try:
        with open(_DESCRIPTORS, "rb") as f:
            files.ParseFromString(f.read())
    except OSError as e:
        raise OpError(f"cannot read the message descriptors `{_DESCRIPTORS}`: "
                      f"{_reason(e)}") from None
    pool = descriptor_pool.DescriptorPool()
    for fd in files.file:
        pool.Add(fd)
    classes = {}
    for fd in files.file:
        for m in fd.message_type:
            name = (fd.package + "." if fd.package else "") + m.name
            classes[name] = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    return classes


def message_class(full_name):
    """The protobuf class of a message in mlpc_ops.binpb (next to this file)."""
    global _classes
    if _classes is None:
        # A worker's DoFn threads may get here at once: one builds the pool, the
        # others wait for it, so every thread uses the same classes.
        with _classes_lock:
            if _classes is None:
                _classes = _load_classes()
    return _classes[full_name]


def _crc32c(data):
    import google_crc32c

    return google_crc32c.value(data)


def _masked_crc(data):
    crc = _crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def _frame(record):
    header = struct.pack("<Q", len(record))
    return (header + struct.pack("<I", _masked_crc(header)) + record +
            struct.pack("<I", _masked_crc(record)))


def _gzip_body(member):
    """The deflate data of a GZIP member (after its header's optional fields)."""
    flags, pos = member[3], 10
    if flags & 4:  # FEXTRA
        pos += 2 + int.from_bytes(member[pos:pos + 2], "little")
    for flag in (8, 16):  # FNAME, FCOMMENT: zero-terminated
        if flags & flag:
            pos = member.index(b"\0", pos) + 1
    return member[pos + (2 if flags & 2 else 0):]


def _inflate_until_error(d, member, start, source):
    """After `d` failed on the GZIP `member` that starts after `start` bytes of
    output: how many bytes native's inflate writes before the error, found by
    narrowing the step between decompressor copies, and the error."""
    data, produced, step = member, start, 1 << 16
    while True:
        saved = d.copy()
        try:
            out = d.decompress(data, step)
        except zlib.error as e:
            if step == 1:
                why = str(e).split("data: ", 1)[-1]
                if why in ("incorrect data check", "incorrect length check"):
                    produced = start + len(zlib.decompressobj(-15).decompress(_gzip_body(member)))
                raise OpError(f"{source}: the GZIP data is corrupt after {produced} "
                              f"uncompressed bytes ({why})") from None
            d, step = saved, max(1, step // 16)
            continue
        produced += len(out)
        data = d.unconsumed_tail
        if d.eof or not (out or data):  # no error this time: never loop forever
            raise OpError(f"{source}: the GZIP data is corrupt after {produced} uncompressed "
                          "bytes")


def _gunzip(data, source):
    """GZIP members, concatenated, as Gzip.cpp inflates them."""
    out = []
    produced = 0
    while True:
        d = zlib.decompressobj(31)
        saved = d.copy()
        try:
            chunk = d.decompress(data)
        except zlib.error:
            _inflate_until_error(saved, data, produced, source)
        out.append(chunk)
        produced += len(chunk)
        if not d.eof:
            raise OpError(f"{source}: the GZIP data is cut short after {produced} uncompressed "
                          "bytes (the file is truncated)")
        data = d.unused_data
        if not data:  # concatenated members (as `cat a.gz b.gz` makes) are one stream
            return b"".join(out)


def _records(data, source):
    """(record bytes, where) of each record of a TFRecord file's bytes, CRCs
    checked; `where` names the record in messages."""
    gz = data[:2] == b"\x1f\x8b"
    if gz:
        data = _gunzip(data, source)
    pos, index = 0, 0
    while pos < len(data):
        where = f"{source}: record {index} at byte {pos}" + (
            " of the uncompressed data" if gz else "")
        left = len(data) - pos
        if left < 12:
            raise OpError(f"{where}: the file ends inside the record's 12-byte header ({left} "
                          "bytes left); the file is truncated")
        (length,) = struct.unpack_from("<Q", data, pos)
        (crc,) = struct.unpack_from("<I", data, pos + 8)
        if crc != _masked_crc(data[pos:pos + 8]):
            raise OpError(f"{where}: the length's checksum does not match; the file is corrupt")
        if length > left - 12 or left - 12 - length < 4:
            raise OpError(f"{where}: the record holds {length} bytes but the file ends "
                          f"{left - 12} bytes after its header; the file is truncated")
        record = data[pos + 12:pos + 12 + length]
        (crc,) = struct.unpack_from("<I", data, pos + 12 + length)
        if crc != _masked_crc(record):
            raise OpError(f"{where}: the data's checksum does not match; the file is corrupt")
        yield record, where
        pos += 16 + length
        index += 1


_LIST_KIND = {"int": "int64_list", "bool": "int64_list", "float": "float_list",
              "string": "bytes_list"}
_KIND_NAME = {"int64_list": "an int64_list", "float_list": "a float_list",
              "bytes_list": "a bytes_list", None: "no list"}


def _decode_example(record, schema, where):
    example = message_class("mlpc.ops.tf.Example")()
    try:
        example.ParseFromString(record)
    except Exception:
        raise OpError(f"{where}: the record is not a tf.Example") from None
    features = example.features.feature
    row = []
    for c in schema:
        f = features[c.name] if c.name in features else None
        kind = f.WhichOneof("kind") if f is not None else None
        values = getattr(f, kind).value if kind else ()
        if not values:
            if not c.optional:
                state = "is absent" if f is None else "is an empty list"
                raise OpError(f"{where}: feature `{c.name}` {state}, but column `{c.name}` is "
                              f"not optional; declare it optional (e.g. `{c.type}?`) to allow "
                              "missing values")
            row.append(None)
            continue
        want = _LIST_KIND[c.type]
        if kind != want:
            raise OpError(f"{where}: feature `{c.name}` is {_KIND_NAME[kind]}, but column "
                          f"`{c.name}` is {c.type}, read from {_KIND_NAME[want]}")
        if len(values) != 1:
            raise OpError(f"{where}: feature `{c.name}` holds {len(values)} values; a column "
                          "holds one value per row")
        v = values[0]
        if c.type == "string":
            v = v.decode("utf-8", "surrogateescape")
        elif c.type == "bool":
            if v not in (0, 1):
                raise OpError(f"{where}: feature `{c.name}` holds {v}, but column `{c.name}` "
                              "is bool (0 or 1)")
            v = v == 1
        row.append(v)
    return tuple(row)


def _encode_example(schema, row):
    example = message_class("mlpc.ops.tf.Example")()
    features = example.features.feature
    for c, v in zip(schema, row):
        f = features[c.name]
        lst = getattr(f, _LIST_KIND[c.type])
        lst.SetInParent()  # an empty list still says the feature's kind
        if v is None:
            continue
        if c.type == "string":
            lst.value.append(v.encode("utf-8", "surrogateescape"))
        elif c.type == "bool":
            lst.value.append(1 if v else 0)
        else:
            lst.value.append(v)
    return example.SerializeToString(deterministic=True)


def _check_example_schema(schema):
    seen = set()
    for c in schema:
        if c.name in seen:
            raise OpError(f"two columns are named `{c.name}`; tf.Example features need "
                          "distinct names")
        seen.add(c.name)


def _check_split_name(name):
    if name in ("", ".", "..") or any(ch in name for ch in "/\\\0"):
        raise OpError(f"invalid split name `{name}`: use a plain name such as `train`")


# The one file of an Examples split that native (and ExampleGen) writes.
_SHARD = "data_tfrecord-00000-of-00001.gz"


def _examples_file_bytes(schema, rows):
    """The GZIP TFRecord file of tf.Examples that native writes for `rows`."""
    framed = b"".join(_frame(_encode_example(schema, row)) for row in rows)
    z = zlib.compressobj(1, zlib.DEFLATED, 31)  # zlib's fastest level, as native
    return z.compress(framed) + z.flush()


def _record_files(folder):
    """The data files of one folder, in name order (hidden files, `_SUCCESS`
    markers and unfinished temporary files skipped)."""
    return [FileSystems.join(folder, name) for name in _children(folder)[0]
            if name[0] not in "._" and ".tmp-" not in name]


def _tfrecord_files(path, split):
    """The files io.read_tfrecord reads, as Examples.cpp chooses them."""
    is_dir = _is_dir(path)
    if not is_dir and FileSystems.exists(path):
        if split:
            raise OpError(f"`{path}` is a file, so it has no split `{split}`; give the Examples "
                          "folder to read a split")
        return [path]
    if not is_dir:
        raise OpError(f"no file or folder `{path}`")
    splits = [name for name in _children(path)[1] if name.startswith("Split-")]
    if split:
        if "Split-" + split not in splits:
            have = ", ".join(s[6:] for s in splits)
            raise OpError(f"no split `{split}` in `{path}` (" +
                          (f"its splits: {have}" if have else "it has no Split-* folders") + ")")
        files = _record_files(FileSystems.join(path, "Split-" + split))
    elif splits:
        files = [f for s in splits for f in _record_files(FileSystems.join(path, s))]
    else:
        files = _record_files(path)
    if not files:
        raise OpError(f"no TFRecord files in `{path}`" +
                      (f" for split `{split}`" if split else ""))
    return files


def _read_examples(path, schema, split=""):
    """(index, row) of every record, files in order."""
    index = 0
    for file in _tfrecord_files(path, split):
        for record, where in _records(read_bytes(file), file):
            yield index, _decode_example(record, schema, where)
            index += 1


# ---- Beam building blocks ----------------------------------------------------


def _key(kv):
    return kv[0]


def _sorted_rows(rows):
    return sorted(rows, key=_key)


class _Gather(beam.PTransform):
    def expand(self, pcoll):
        return pcoll | "All" >> beam.combiners.ToList() | "Order" >> beam.Map(_sorted_rows)


def gather(pcoll, label="Gather"):
    """A singleton PCollection: the list of (index, row), in index order."""
    return pcoll | label >> _Gather()


def _indexed(rows):
    return list(enumerate(rows))


def _run_reader(_, fn, args):
    return fn(*args)


def _rows_from(label, pipeline, fn, *args):
    """A PCollection of (index, row) that `fn(*args)` yields when the job runs,
    spread over workers afterwards."""
    return (pipeline
            | f"{label}Start" >> beam.Create([None])
            | label >> beam.FlatMap(_run_reader, fn, args)
            | f"{label}Spread" >> beam.Reshuffle())


def _read_csv_rows(uri, schema, delimiter):
    return _indexed(parse_csv(read_bytes(uri), schema, delimiter, uri))


# ---- the op registry -----------------------------------------------------------

OPS = {}


def op(name):
    """Registers `fn(ctx, inputs) -> {output: value}` as the op `name`."""

    def register(fn):
        OPS[name] = fn
        return fn

    return register


class Context:
    """What an op sees besides its inputs."""

    def __init__(self, pipeline, task, schema=None):
        self.pipeline, self.task = pipeline, task
        self.schema = columns(schema) if schema is not None else None

    def need_schema(self):
        if self.schema is None:
            raise OpError(f"internal error: task `{self.task}` reads data but was given no schema")
        return self.schema


def _op_function(name):
    if name in OPS:
        return OPS[name]
    if name.startswith(("transform.", "infer.", "postprocess.", "eval.")) and _ML_ERROR:
        raise OpError(f"op `{name}` is in mlpc_beam_ml.py, which could not be imported: "
                      f"{_ML_ERROR}")
    raise OpError(f"built-in op `{name}` is not implemented by mlpc_beam "
                  f"(it has: {', '.join(sorted(OPS))})")


# ---- std.io -------------------------------------------------------------------


@op("io.read_csv")
def read_csv(ctx, inputs):
    schema = ctx.need_schema()
    delimiter = _delimiter(inputs.get("delimiter", ","))
    uri = local_uri(inputs["path"])
    rows = _rows_from("Read", ctx.pipeline, _read_csv_rows, uri, schema, delimiter)
    return {"table": Table(rows, schema)}


def _table_csv(rows, schema):
    """The CSV file of gathered (index, row)s."""
    return csv_bytes(schema, (row for _, row in rows))


def _publish_csv(rows, uri, schema):
    data = _table_csv(rows, schema)
    write_bytes(uri, data)
    return data


@op("io.write_csv")
def write_csv(ctx, inputs):
    data = inputs["data"]
    uri = local_uri(inputs["destination"])
    written = gather(data.pcoll) | "Write" >> beam.Map(_publish_csv, uri, data.schema)
    return {"file": Blob(written, "Artifact")}


def _tfrecord_rows(uri, schema, split):
    return list(_read_examples(uri, schema, split))


@op("io.read_tfrecord")
def read_tfrecord(ctx, inputs):
    schema = ctx.need_schema()
    split = inputs.get("split", "")
    out_split = split or "train"
    _check_split_name(out_split)
    uri = local_uri(inputs["path"])
    rows = _rows_from("Read", ctx.pipeline, _tfrecord_rows, uri, schema, split)
    return {"examples": Table(rows, schema, "Examples", out_split)}


def _as_float32(kv, floats):
    index, row = kv
    return index, tuple(float32(v) if f and v is not None else v for v, f in zip(row, floats))


@op("io.write_tfrecord")
def write_tfrecord(ctx, inputs):
    data = inputs["data"]
    split = inputs.get("split", "train")
    _check_split_name(split)
    _check_example_schema(data.schema)
    # float_list holds float32: what a later task reads back.
    floats = [c.type == "float" for c in data.schema]
    rows = data.pcoll | "Float32" >> beam.Map(_as_float32, floats)
    return {"examples": Table(rows, data.schema, "Examples", split)}


# ---- std.transform: row ops (runtime/ops/transform/RowOps.cpp) -------------------


def _present(kv, positions):
    row = kv[1]
    return all(row[i] is not None for i in positions)


@op("transform.drop_missing")
def drop_missing(ctx, inputs):
    data = inputs["data"]
    names = inputs.get("columns", [])
    positions = [data.position(n) for n in names]
    schema = [Column(c.name, c.type, c.optional and c.name not in names) for c in data.schema]
    rows = data.pcoll | "Drop" >> beam.Filter(_present, positions)
    return {"out": data.with_rows(rows, schema)}


def _fill(kv, fills):
    index, row = kv
    row = list(row)
    for i, v in fills:
        if row[i] is None:
            row[i] = v
    return index, tuple(row)


@op("transform.fill_missing")
def fill_missing(ctx, inputs):
    data = inputs["data"]
    names = inputs.get("columns", [])
    fills = []
    for n in names:
        i = data.position(n)
        fills.append((i, parse_value(inputs["value"], data.schema[i], "fill_missing")))
    schema = [Column(c.name, c.type, c.optional and c.name not in names) for c in data.schema]
    rows = data.pcoll | "Fill" >> beam.Map(_fill, fills)
    return {"out": data.with_rows(rows, schema)}


def _equals(kv, i, want):
    v = kv[1][i]
    return v is not None and v == want


@op("transform.filter")
def filter_rows(ctx, inputs):
    data = inputs["data"]
    i = data.position(inputs["column"])
    want = parse_value(inputs["equals"], data.schema[i], "filter")
    rows = data.pcoll | "Filter" >> beam.Filter(_equals, i, want)
    return {"out": data.with_rows(rows)}


class MT19937_64:
    """std::mt19937_64, whose output sequence the C++ standard fixes."""

    _MASK = (1 << 64) - 1

    def __init__(self, seed):
        m = self._MASK
        self.mt = mt = [seed & m]
        for i in range(1, 312):
            prev = mt[-1]
            mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & m)
        self.i = 312

    def _twist(self):
        mt = self.mt
        for k in range(312):
            y = (mt[k] & 0xFFFFFFFF80000000) | (mt[(k + 1) % 312] & 0x7FFFFFFF)
            mt[k] = mt[(k + 156) % 312] ^ (y >> 1) ^ (0xB5026F5AA96619E9 if y & 1 else 0)
        self.i = 0

    def __call__(self):
        if self.i >= 312:
            self._twist()
        y = self.mt[self.i]
        self.i += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y


def _below(rng, bound):
    """Uniform in [0, bound) by rejection, as RowOps.cpp draws it."""
    reject = ((1 << 64) - bound) % bound
    while True:
        r = rng()
        if r >= reject:
            return r % bound


def _llround(x):
    """std::llround for x >= 0: halves round up."""
    r = math.floor(x)
    return int(r) + (1 if x - r >= 0.5 else 0)


def split_positions(n, train_fraction, seed):
    """The sorted row positions split() puts in train (the rest are test)."""
    order = list(range(n))
    rng = MT19937_64(seed)
    for i in range(n, 1, -1):
        j = _below(rng, i)
        order[i - 1], order[j] = order[j], order[i - 1]
    n_train = min(n, _llround(n * train_fraction))
    return order[:n_train]


def _train_indices(indices, train_fraction, seed):
    """The row indices split() puts in train (positions count in index order)."""
    indices = sorted(indices)
    return frozenset(indices[p] for p in split_positions(len(indices), train_fraction, seed))


def _in_set(kv, members, wanted):
    return (kv[0] in members) == wanted


@op("transform.split")
def split(ctx, inputs):
    data = inputs["data"]
    fraction = float(inputs.get("train_fraction", 0.8))
    seed = int(inputs.get("seed", 42)) & MT19937_64._MASK
    if not (0 < fraction < 1):
        # "%f" is std::to_string's format.
        raise OpError("split: train_fraction must be between 0 and 1 (exclusive), not " +
                      ("%f" % fraction))
    members = (data.pcoll
               | "Indices" >> beam.Map(_key)
               | "All" >> beam.combiners.ToList()
               | "Draw" >> beam.Map(_train_indices, fraction, seed))
    side = beam.pvalue.AsSingleton(members)
    train = data.pcoll | "Train" >> beam.Filter(_in_set, side, True)
    test = data.pcoll | "Test" >> beam.Filter(_in_set, side, False)
    return {"train": data.with_rows(train), "test": data.with_rows(test)}


def one_hot_name(column, value):
    """The compiler's name for a one-hot column (frontend/sema/Pipelines.cpp):
    bytes a name cannot hold become `_`."""
    kept = "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or b == 95) else "_"
                   for b in value.encode("utf-8", "surrogateescape"))
    return column + "_" + kept


def _one_hot(kv, plan):
    index, row = kv
    out = []
    for v, step in zip(row, plan):
        if step is None:
            out.append(v)
            continue
        kind, values = step
        text = value_text(v, kind) if v is not None else None
        out.extend(1.0 if text == w else 0.0 for w in values)
    return index, tuple(out)


@op("transform.one_hot")
def one_hot(ctx, inputs):
    data = inputs["data"]
    names, values = inputs.get("columns", []), inputs.get("values", [])
    for n in names:
        data.position(n)
    schema, plan = [], []
    for c in data.schema:
        if c.name in names:
            schema.extend(Column(one_hot_name(c.name, v), "float") for v in values)
            plan.append((c.type, list(values)))
        else:
            schema.append(c)
            plan.append(None)
    rows = data.pcoll | "OneHot" >> beam.Map(_one_hot, plan)
    return {"out": data.with_rows(rows, schema)}


# ---- std.postprocess (runtime/ops/model/Postprocess.cpp) ----------------------------


def _ordered_column(data, name):
    """The position of the column top_k and threshold compare (not a string one)."""
    i = data.position(name)
    if data.schema[i].type == "string":
        raise OpError(f"column `{name}` holds strings; it needs int, float or bool values")
    return i


def _number(v):
    """(present, value as a double): missing and NaN are not present."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return False, 0.0
    return True, float(v)


def _rank_key(kv, i):
    """top_k keeps the largest keys: present values before missing ones, then larger
    values, then earlier rows."""
    present, value = _number(kv[1][i])
    return (present, value if present else 0.0, -kv[0])


def _reindexed(ranked):
    """top_k's rows, indexed by rank (the order native writes them in)."""
    return [(r, kv[1]) for r, kv in enumerate(ranked)]


@op("postprocess.top_k")
def top_k(ctx, inputs):
    data = inputs["data"]
    k = int(inputs["k"])
    if k < 0:
        raise OpError(f"top_k needs k >= 0, got {k}")
    i = _ordered_column(data, inputs["column"])
    best = data.pcoll | "Top" >> beam.combiners.Top.Of(k, key=partial(_rank_key, i=i))
    rows = best | "Rank" >> beam.FlatMap(_reindexed)
    return {"out": data.with_rows(rows)}


def _threshold(kv, i, t, at):
    index, row = kv
    present, value = _number(row[i])
    return index, put_value(row, at, (value >= t) if present else None)


@op("postprocess.threshold")
def threshold(ctx, inputs):
    data = inputs["data"]
    i = _ordered_column(data, inputs["column"])
    t = float(inputs.get("threshold", 0.5))
    # Declared required, as the .mlp type says (`S.add({positive: bool})`), though a
    # missing or NaN value gives a missing `positive` (docs/stdlib.md, known issue).
    schema, at = put_column(data.schema, Column("positive", "bool"))
    rows = data.pcoll | "Threshold" >> beam.Map(_threshold, i, t, at)
    return {"out": data.with_rows(rows, schema)}


# ---- the job --------------------------------------------------------------------

REQUIRED = object()


class Parameter:
    """One pipeline input (a parameter, or an artifact's URI) or output (a URI)."""

    def __init__(self, name, kind, default=REQUIRED, help="", output=False, regex=None):
        # `regex`: what a value must match, whole; mlpc writes it (backends/dataflow), the same
        # pattern as metadata.json's, so Dataflow, this module and `mlpc build` agree.
        self.name, self.kind, self.default, self.help, self.output, self.regex = (
            name, kind, default, help, output, regex)

    def convert(self, text):
        if self.output:
            return text
        if self.kind == "int":
            return int(text)
        if self.kind == "float":
            return float(text)
        if self.kind == "bool":
            return text in _TRUE
        return text


def _pcolls(value, key, out):
    """Collects the PCollections in a task's input value (lists included)."""
    if isinstance(value, (Table, Blob, Scalar)):
        out[key] = value.pcoll
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _pcolls(v, f"{key}.{i}", out)
    elif isinstance(value, dict):
        for k, v in value.items():
            _pcolls(v, f"{key}.{k}", out)


class _Step(beam.PTransform):
    """One task: a composite whose expansion is the op's transforms. It is
    applied to the task's input PCollections so the graph shows them as its
    inputs; `build` reaches them through the Table/Blob/Scalar values."""

    def __init__(self, label, build):
        super().__init__(label)
        self._build = build
        self.result = None  # output name -> Table/Blob/Scalar, once expanded

    def expand(self, pvalues):
        self.result = self._build()
        return {name: value.pcoll for name, value in self.result.items()}


class Job:
    """What `build(job)` in main.py works with."""

    def __init__(self, pipeline, params, base_dir):
        self.pipeline, self.params, self.base_dir = pipeline, params, base_dir

    def _apply(self, label, inputs, build, hints=None):
        """Applies `build` as the composite `label` (with Beam resource hints);
        returns what it built: output name -> Table/Blob/Scalar."""
        pvalues = {}
        _pcolls(inputs, "in", pvalues)
        step = _Step(label, build)
        if hints:
            step = step.with_resource_hints(**hints)
        try:
            (pvalues or self.pipeline) | step
        except OpError as e:
            e.task = label  # an error found while building names its task too
            raise
        return step.result

    def task(self, name, op, inputs, schema=None, hints=None):
        fn = _op_function(op)
        ctx = Context(self.pipeline, name, schema)
        return self._apply(name, inputs, lambda: fn(ctx, inputs), hints)

    def read_artifact(self, name, type, uri, schema=None):
        """A job input artifact: a Dataset's CSV, an Examples folder, or any
        other artifact's bytes (model.pb for a folder that holds one)."""

        def build():
            if type == "Examples":
                return {"value": read_tfrecord(Context(self.pipeline, name, schema),
                                               {"path": uri})["examples"]}
            if schema is not None or type == "Dataset":
                ctx = Context(self.pipeline, name, schema)
                return {"value": read_csv(ctx, {"path": uri})["table"]}
            path = local_uri(uri)
            data = (self.pipeline | "Start" >> beam.Create([path])
                    | "Read" >> beam.Map(_read_artifact_file))
            # The URI is known while the job is built: RunInference loads the model from it.
            return {"value": Blob(data, type, uri=path)}

        return self._apply(f"input {name}", {}, build)["value"]

    def write_output(self, name, value, uri):
        """A pipeline output at `uri`: a table's CSV file (ExampleGen folder for
        Examples), a Blob's bytes, a Scalar's JSON text."""
        uri = local_uri(uri)

        def build():
            if isinstance(value, Table) and value.type == "Examples":
                target = FileSystems.join(uri, "Split-" + value.split, _SHARD)
                done = gather(value.pcoll) | "Write" >> beam.Map(_write_examples, target,
                                                                  value.schema)
            elif isinstance(value, Table):
                done = gather(value.pcoll) | "Write" >> beam.Map(_publish_csv, uri, value.schema)
            elif isinstance(value, Blob):
                done = value.pcoll | "Write" >> beam.Map(_write_blob, uri)
            elif isinstance(value, Scalar):
                done = value.pcoll | "Write" >> beam.Map(_write_scalar, uri)
            else:
                raise OpError(f"output `{name}` is not a value a task produced")
            return {"done": Blob(done)}

        self._apply(f"output {name}", {"value": value}, build)

    def python(self, task, source_file, function, inputs, outputs, hints=None):
        """A Python-function component, called once on whole datasets with
        KFP's lightweight-component conventions (as `mlpc run` calls it).
        `outputs`: name -> (type, schema or None), e.g. ("Dataset", [...]),
        ("Model", None), ("float", None)."""
        path = os.path.join(self.base_dir, source_file)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        specs = {}
        for name, spec in outputs.items():
            kind, schema = (spec, None) if isinstance(spec, str) else spec
            specs[name] = (kind, columns(schema) if schema is not None else None)
        return self._apply(task, inputs,
                           lambda: _python_task(self.pipeline, task, source, source_file,
                                                function, inputs, specs), hints)


def _read_artifact_file(uri):
    return read_bytes(artifact_file(uri))


def _write_examples(rows, target, schema):
    write_bytes(target, _examples_file_bytes(schema, (row for _, row in rows)))
    return b""


def _write_blob(data, uri):
    write_bytes(uri, data)
    return data


def _write_scalar(value, uri):
    data = json.dumps(value).encode("utf-8")
    write_bytes(uri, data)
    return data


# ---- Python-function components ---------------------------------------------------


def _is_parameter(kind):
    """Output kinds: parameters are spelled in lower case (int, list<string>),
    artifacts capitalised (Dataset, Model)."""
    return kind[:1].islower()


def _table_examples(rows, schema, split):
    """An Examples input: its split's TFRecord file, for an ExampleGen folder."""
    return split, _examples_file_bytes(schema, (row for _, row in rows))


# The function runs in one call, on one worker, with its inputs as side
# inputs: keyword arguments named by one of these prefixes and the input name.
_ARTIFACT = "a_"  # an artifact's bytes (a Dataset's CSV file)
_EXAMPLES = "e_"  # an Examples table: (split, its TFRecord file's bytes)
_PARAMETER = "p_"  # an output parameter of another task: its value


def _python_task(pipeline, task, source, source_file, function, inputs, specs):
    side, params = {}, {}
    for name, value in inputs.items():
        if isinstance(value, Table):
            # A Dataset is a CSV file, Examples an ExampleGen folder, as natively.
            rows = gather(value.pcoll, f"Gather {name}")
            if value.type == "Examples":
                files = rows | f"Encode {name}" >> beam.Map(_table_examples, value.schema,
                                                             value.split)
                side[_EXAMPLES + name] = beam.pvalue.AsSingleton(files)
            else:
                csv = rows | f"Encode {name}" >> beam.Map(_table_csv, value.schema)
                side[_ARTIFACT + name] = beam.pvalue.AsSingleton(csv)
        elif isinstance(value, Blob):
            side[_ARTIFACT + name] = beam.pvalue.AsSingleton(value.pcoll)
        elif isinstance(value, Scalar):
            side[_PARAMETER + name] = beam.pvalue.AsSingleton(value.pcoll)
        else:
            params[name] = value
    # One call on one worker: the function sees whole datasets, as under `mlpc run`.
    results = (pipeline
               | "Start" >> beam.Create([None])
               | "Call" >> beam.Map(_call_function, source, source_file, function, params,
                                    specs, **side))
    out = {}
    for name, (kind, schema) in specs.items():
        picked = results | f"Output {name}" >> beam.Map(_pick, name)
        if schema is not None:
            rows = (picked
                    | f"Parse {name}" >> beam.FlatMap(_parse_output, schema, f"{task}/{name}")
                    | f"Spread {name}" >> beam.Reshuffle())
            out[name] = Table(rows, schema)
        elif _is_parameter(kind):
            out[name] = Scalar(picked)
        else:
            out[name] = Blob(picked, kind)
    return out


def _pick(values, name):
    return values[name]


def _parse_output(data, schema, source):
    return _indexed(parse_csv(data, schema, ",", source))


def _parameter_value(value, kind, name):
    """An output parameter's value as its .mlp type, from a return value or
    the text of its OutputPath file."""
    try:
        if isinstance(value, str) and kind != "string":
            text = value.strip()
            if kind == "bool":
                if text not in _TRUE + _FALSE:
                    raise ValueError(f"`{text}` is not a bool")
                return text in _TRUE
            value = json.loads(text) if kind not in ("int", "float") else text
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return bool(value)
        return value if kind != "string" or isinstance(value, str) else json.dumps(value)
    except (TypeError, ValueError) as e:
        raise OpError(f"output parameter `{name}`: {e}") from None


def _load_function(source, source_file, function, folder):
    import importlib.util

    path = os.path.join(folder, os.path.basename(source_file))
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location("ephemeral_component", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, function):
        raise OpError(f"`{source_file}` defines no function `{function}`")
    return getattr(module, function)


def _write_inputs(folder, side, params):
    """Writes the artifact side inputs under folder/in/ and adds the parameter
    ones to `params`; returns input name -> path."""
    paths = {}
    for key, value in side.items():
        kind, name = key[:2], key[2:]
        if kind == _PARAMETER:
            params[name] = value
            continue
        paths[name] = path = os.path.join(folder, "in", name)
        if kind == _EXAMPLES:
            split, value = value
            path = os.path.join(path, "Split-" + split, _SHARD)
            os.makedirs(os.path.dirname(path))
        with open(path, "wb") as f:
            f.write(value)
    return paths


def _arguments(fn, folder, inputs, params, specs):
    """The function's keyword arguments by KFP's conventions."""
    import mlpc_kfp

    kwargs = {}
    for name, param in inspect.signature(fn).parameters.items():
        role, cls = mlpc_kfp.kind(param.annotation)
        if role == "input":
            path = inputs.get(name)
            kwargs[name] = mlpc_kfp.artifact_class(cls)(name, path) if path else None
        elif role == "input_path":
            kwargs[name] = inputs.get(name, params.get(name))
        elif role == "output":
            path = os.path.join(folder, "out", name)
            kwargs[name] = mlpc_kfp.artifact_class(cls)(name, path)
        elif role == "output_path":
            is_param = name in specs and _is_parameter(specs[name][0])
            kwargs[name] = os.path.join(folder, "params" if is_param else "out", name)
        elif name in params:
            kwargs[name] = params[name]
        elif param.default is inspect.Parameter.empty:
            kwargs[name] = None
    return kwargs


def _outputs(result, folder, specs):
    """Output name -> value: a parameter's value (returned, or its OutputPath
    file's text), an artifact's bytes."""
    returned = {}
    if result is not None:
        fields = getattr(result, "_fields", None)
        returned = {f: getattr(result, f) for f in fields} if fields else {"Output": result}
    for name in returned:
        if name not in specs:
            raise OpError(f"the function returned `{name}`, which is not an output")
    values = {}
    for name, (kind, _) in specs.items():
        if _is_parameter(kind):
            if name in returned:
                values[name] = _parameter_value(returned[name], kind, name)
                continue
            path = os.path.join(folder, "params", name)
            if not os.path.exists(path):
                raise OpError(f"the task did not write its output parameter `{name}`")
            with open(path, encoding="utf-8") as f:
                values[name] = _parameter_value(f.read(), kind, name)
            continue
        path = os.path.join(folder, "out", name)
        if os.path.isdir(path):
            raise OpError(f"output `{name}` is a folder; a Beam job passes an artifact as "
                          "one file")
        # A task may write nothing for an artifact (KFP allows it): empty bytes.
        values[name] = b""
        if os.path.exists(path):
            with open(path, "rb") as f:
                values[name] = f.read()
    return values


def _call_function(_, source, source_file, function, params, specs, **side):
    """Runs the function in a scratch folder: inputs written as files, outputs
    read back as bytes or values (runtime/python/mlpc_executor.py's rules)."""
    import mlpc_kfp

    mlpc_kfp.install()
    params = dict(params)
    with tempfile.TemporaryDirectory(prefix="mlpc-python-") as tmp:
        fn = _load_function(source, source_file, function, tmp)
        for sub in ("in", "out", "params"):
            os.makedirs(os.path.join(tmp, sub))
        inputs = _write_inputs(tmp, side, params)
        kwargs = _arguments(fn, tmp, inputs, params, specs)
        return _outputs(fn(**kwargs), tmp, specs)


# ---- main ---------------------------------------------------------------------------


def _parameter_options(parameters):
    """A PipelineOptions subclass with one `--name` flag per parameter."""

    def add(cls, parser):
        for p in parameters:
            default = "" if p.default is REQUIRED else f", default {p.default!r}"
            what = "output URI" if p.output else p.kind
            parser.add_argument(f"--{p.name}", dest=p.name, type=str, default=None,
                                help=f"{p.help} ({what}{default})".strip())

    return type("MlpcParameters", (PipelineOptions,), {"_add_argparse_args": classmethod(add)})


def _parameter_values(parameters, options_class, options):
    """Parameter name -> Python value; exits 2 on a missing or malformed one."""
    given = options.view_as(options_class)
    values = {}
    for p in parameters:
        text = getattr(given, p.name)
        if text is None:
            if p.default is REQUIRED:
                print(f"error: parameter `{p.name}` is required: pass --{p.name}=VALUE",
                      file=sys.stderr)
                sys.exit(2)
            values[p.name] = p.default
            continue
        if p.regex is not None and not re.fullmatch(p.regex, text):
            print(f"error: parameter `{p.name}` = `{text}` does not match `{p.regex}`",
                  file=sys.stderr)
            sys.exit(2)
        values[p.name] = p.convert(text)
    return values


def _with_defaults(argv, default_options):
    """The options, with DEFAULT_OPTIONS for the Beam options not given."""
    given = PipelineOptions(argv).get_all_options(drop_default=True)
    extra = {k: v for k, v in default_options.items() if given.get(k) in (None, [])}
    if not given.get("runner"):
        # The Flex Template launcher asks for a job graph with --template_location.
        extra["runner"] = "DataflowRunner" if given.get("template_location") else "DirectRunner"
    return PipelineOptions(argv, **extra)


_WHILE_RUNNING = re.compile(r"^(.*?)(?: \[while running '([^']*)'\])+$", re.S)


def _failure(e):
    """(task, message) of an OpError raised while the job ran, else None."""
    seen = e
    while seen is not None:
        if isinstance(seen, OpError):
            m = _WHILE_RUNNING.match(seen.message)
            if m:
                return m.group(2).split("/")[0], m.group(1)
            return getattr(seen, "task", None), seen.message
        seen = seen.__cause__ or seen.__context__
    m = re.search(r"OpError: (.*?)(?: \[while running '([^'/]*)[^']*'\])", str(e), re.S)
    return (m.group(2), m.group(1)) if m else None


def main(pipeline, parameters, build, default_options, argv=None):
    """Runs the job: parameters from the command line (checked before anything
    runs; exit 2), Beam options with DEFAULT_OPTIONS, then build(job) and run.
    Waits for the result unless on Dataflow; exit 1 with the op's message."""
    argv = list(sys.argv[1:] if argv is None else argv)
    options_class = _parameter_options(parameters)
    params = _parameter_values(parameters, options_class, PipelineOptions(argv))
    options = _with_defaults(argv, default_options)
    base_dir = os.path.dirname(os.path.abspath(inspect.getsourcefile(build)))
    # Local worker processes (--direct_running_mode=multi_processing) import
    # this module from main.py's folder, as workers do from the image's.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (base_dir, os.environ.get("PYTHONPATH")) if p)
    runner = str(options.view_as(StandardOptions).runner or "")
    try:
        p = beam.Pipeline(options=options)
        build(Job(p, params, base_dir))
        result = p.run()
        if "dataflow" not in runner.lower():
            state = result.wait_until_finish()
            if state not in (None, "DONE"):
                print(f"error: pipeline `{pipeline}` ended in state {state}", file=sys.stderr)
                sys.exit(1)
    except Exception as e:  # noqa: BLE001 (an op's error is the user's message)
        failed = _failure(e)
        if failed is None:
            raise
        task, message = failed
        where = f"task `{task}` " if task else ""
        print(f"error: {where}{message}", file=sys.stderr)
        sys.exit(1)


# The ML ops register themselves; without mlpc_beam_ml.py only they are missing.
try:
    import mlpc_beam_ml  # noqa: E402,F401
    _ML_ERROR = None
except ImportError as e:
    _ML_ERROR = e
