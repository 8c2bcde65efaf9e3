"""mlpc's ML ops on Apache Beam: TensorFlow Transform's analyzers and mappers, inference with
RunInference on the model's ONNX graph, post-processing and evaluation.

mlpc_beam imports this module at its end, so these ops join its op table. Native `mlpc run`
is the spec (runtime/ops/transform, runtime/ops/model): the same rows, values, artifact bytes
and error messages. Artifacts travel as the bytes native writes (serialized mlpc.ops.pb
messages, JSON text).
"""
import bisect
import heapq
import math
from fractions import Fraction

import apache_beam as beam
import numpy as np
import onnxruntime
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference
from apache_beam.ml.inference.onnx_inference import OnnxModelHandlerNumpy

from mlpc_beam import (Blob, Column, OpError, Scalar, Table, artifact_file, float32,
                       format_float, message_class, op, position, put_column, put_value,
                       read_bytes)

# --- Messages (TransformFile.cpp, Model.cpp) -------------------------------------------------

_PB_TYPES = {"int": 1, "float": 2, "string": 3, "bool": 4}  # mlpc.ops.pb.ColumnType
_TYPE_NAMES = {v: k for k, v in _PB_TYPES.items()}
_NUMERIC, _ONE_HOT = 1, 2  # mlpc.ops.pb.FeatureEncoding


def _schema_from_pb(message, source):
    out = []
    for f in message.fields:
        if f.type not in _TYPE_NAMES:
            raise OpError(f"{source}: a schema field has no valid column type ({f.type})")
        out.append(Column(f.name, _TYPE_NAMES[f.type], f.nullable))
    return tuple(out)


def _schema_to_pb(schema, message):
    for c in schema:
        message.fields.add(name=c.name, type=_PB_TYPES[c.type], nullable=c.optional)


def _validate_graph(g, source):
    """validateGraph: what apply relies on."""
    if g.format_version != 1:
        raise OpError(f"{source} is not a TransformGraph this mlpc reads (format version "
                      f"{g.format_version}, expected 1)")
    _schema_from_pb(g.input_schema, source)
    _schema_from_pb(g.output_schema, source)
    seen = set()
    for t in g.transforms:
        where = f"{source}: the transform of column `{t.column}`"
        if not t.column or t.column in seen:
            raise OpError(f"{source}: a column is missing or transformed twice (`{t.column}`)")
        seen.add(t.column)
        kind = t.WhichOneof("kind")
        if kind is None:
            raise OpError(where + " has no kind (z_score, scale_0_1, ...)")
        if kind == "z_score" and not t.z_score.std_dev >= 0:
            raise OpError(where + " has a negative or NaN std_dev")
        if kind == "bucketize":
            b = t.bucketize.boundaries
            if any(math.isnan(v) or (i and v < b[i - 1]) for i, v in enumerate(b)):
                raise OpError(where + " has bucket boundaries out of order")
        if kind == "vocabulary" and t.vocabulary.num_oov_buckets < 0:
            raise OpError(where + " has a negative num_oov_buckets")
        if kind == "hash" and t.hash.hash_buckets <= 0:
            raise OpError(where + " has hash_buckets <= 0")


def _parse_graph(data, source="the transform"):
    g = message_class("mlpc.ops.pb.TransformGraph")()
    try:
        g.ParseFromString(data)
    except Exception:
        raise OpError(f"{source} is corrupt or not a TransformGraph (it does not decode)") \
            from None
    _validate_graph(g, source)
    return g


def _input_width(model):
    return sum(f.size for f in model.features)


def _validate_model(m, context):
    """validateModel: the layers chain from the features' width to one output per class."""
    def fail(why):
        raise OpError(f"{context} is corrupt or not an mlpc model: {why}")

    if m.format_version != 1:
        fail(f"format_version is {m.format_version}, expected 1")
    if m.kind not in (1, 2):
        fail(f"unknown model kind {m.kind}")
    if not m.features:
        fail("it has no features")
    for f in m.features:
        if f.size < 1 or (f.encoding == _NUMERIC and f.size != 1) or \
                f.encoding not in (_NUMERIC, _ONE_HOT):
            fail(f"feature `{f.name}` has an invalid encoding or size")
    if not m.layers:
        fail("it has no layers")
    expected = _input_width(m)
    for i, layer in enumerate(m.layers):
        name = f"layer {i}"
        if layer.inputs != expected:
            fail(f"{name} takes {layer.inputs} inputs, expected {expected}")
        if layer.outputs < 1:
            fail(f"{name} has no outputs")
        if (len(layer.weights) != layer.inputs * layer.outputs
                or len(layer.biases) != layer.outputs):
            fail(f"{name} has {len(layer.weights)} weights and {len(layer.biases)} biases for "
                 f"{layer.inputs} x {layer.outputs}")
        last = i + 1 == len(m.layers)
        if layer.activation != (2 if last else 1):  # SOFTMAX last, RELU before
            fail(name + (" must be SOFTMAX" if last else " must be RELU"))
        expected = layer.outputs
    if expected != len(m.class_names):
        fail(f"the last layer has {expected} outputs for {len(m.class_names)} class names")


def _parse_model(data, source):
    m = message_class("mlpc.ops.pb.Model")()
    try:
        m.ParseFromString(data)
    except Exception:
        raise OpError(f"{source} is corrupt or not an mlpc model (it does not parse as "
                      "mlpc.ops.pb.Model)") from None
    _validate_model(m, source)
    return m


# --- FarmHash Fingerprint64 (runtime/ops/transform/FarmHash.cpp) ---------------------------

_M64 = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F


def _rotr(v, bits):
    return ((v >> bits) | (v << (64 - bits))) & _M64


def _spread(v):
    return v ^ (v >> 47)


def _mix(lo, hi, mul):
    a = _spread(((lo ^ hi) * mul) & _M64)
    b = _spread(((hi ^ a) * mul) & _M64)
    return (b * mul) & _M64


def _word(s, at):
    return int.from_bytes(s[at:at + 8], "little")


def _hash32_bytes(s, at, seed_a, seed_b):
    """A weak 128-bit hash of the 32 bytes at `at` and two seeds."""
    w, x, y, z = _word(s, at), _word(s, at + 8), _word(s, at + 16), _word(s, at + 24)
    a = (seed_a + w) & _M64
    b = _rotr((seed_b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rotr(a, 44)) & _M64
    return (a + z) & _M64, (b + c) & _M64


def fingerprint64(s):
    """FarmHash Fingerprint64 of the bytes `s` (TensorFlow's Fingerprint64)."""
    n = len(s)
    mul = _K2 + n * 2
    if n <= 16:
        if n >= 8:
            a = (_word(s, 0) + _K2) & _M64
            b = _word(s, n - 8)
            return _mix((_rotr(b, 37) * mul + a) & _M64, ((_rotr(a, 25) + b) * mul) & _M64, mul)
        if n >= 4:
            first = int.from_bytes(s[0:4], "little")
            last = int.from_bytes(s[n - 4:n], "little")
            return _mix(n + (first << 3), last, mul)
        if n > 0:
            y = (s[0] + (s[n >> 1] << 8)) & 0xFFFFFFFF
            z = (n + (s[n - 1] << 2)) & 0xFFFFFFFF
            return (_spread(((y * _K2) ^ (z * _K0)) & _M64) * _K2) & _M64
        return _K2
    if n > 64:
        return _fingerprint_long(s, n)
    # 17 to 64 bytes: closed forms sharing their first half.
    a = (_word(s, 0) * (_K1 if n <= 32 else _K2)) & _M64
    b = _word(s, 8)
    c = (_word(s, n - 8) * mul) & _M64
    d = (_word(s, n - 16) * _K2) & _M64
    y = (_rotr((a + b) & _M64, 43) + _rotr(c, 30) + d) & _M64
    z = (a + _rotr((b + _K2) & _M64, 18) + c) & _M64
    if n <= 32:
        return _mix(y, z, mul)
    z = _mix(y, z, mul)
    e = (_word(s, 16) * mul) & _M64
    f = _word(s, 24)
    g = ((y + _word(s, n - 32)) * mul) & _M64
    h = ((z + _word(s, n - 24)) * mul) & _M64
    return _mix((_rotr((e + f) & _M64, 43) + _rotr(g, 30) + h) & _M64,
                (e + _rotr((f + a) & _M64, 18) + g) & _M64, mul)


def _fingerprint_long(s, n):
    # 64-byte rounds over a 56-byte state (x, y, z, v, w), then a round on the last 64 bytes.
    x = (81 * _K2 + _word(s, 0)) & _M64
    y = (81 * _K1 + 113) & _M64
    z = (_spread((y * _K2 + 113) & _M64) * _K2) & _M64
    v = w = (0, 0)

    def round_(at, mul, w_factor, v_factor):
        nonlocal x, y, z, v, w
        x = (_rotr((x + y + v[0] + _word(s, at + 8)) & _M64, 37) * mul) & _M64
        y = (_rotr((y + v[1] + _word(s, at + 48)) & _M64, 42) * mul) & _M64
        x ^= (w[1] * w_factor) & _M64
        y = (y + v[0] * v_factor + _word(s, at + 40)) & _M64
        z = (_rotr((z + w[0]) & _M64, 33) * mul) & _M64
        v = _hash32_bytes(s, at, (v[1] * mul) & _M64, (x + w[0]) & _M64)
        w = _hash32_bytes(s, at + 32, (z + w[1]) & _M64, (y + _word(s, at + 16)) & _M64)
        x, z = z, x

    end = ((n - 1) // 64) * 64
    for at in range(0, end, 64):
        round_(at, _K1, 1, 1)
    tail = (n - 1) & 63
    mul = _K1 + ((z & 0xFF) << 1)
    w0 = (w[0] + tail) & _M64
    v0 = (v[0] + w0) & _M64
    v, w = (v0, v[1]), ((w0 + v0) & _M64, w[1])
    round_(end + tail - 63, mul, 9, 9)
    return _mix((_mix(v[0], w[0], mul) + _spread(y) * _K0 + z) & _M64,
                (_mix(v[1], w[1], mul) + x) & _M64, mul)


def _token(value):
    """The text a vocabulary or hash sees: a string, or an int's decimal text."""
    return str(value)


def _hash_bucket(token, buckets):
    return fingerprint64(token.encode("utf-8", "surrogateescape")) % buckets


# --- Schemas ---------------------------------------------------------------------------------
# A schema here is a tuple of mlpc_beam.Columns: hashable, so it keys the caches below.

_KINDS = ("z_score", "scale_0_1", "bucketize", "vocabulary", "hash")  # fit's transforms
_SCALING = ("z_score", "scale_0_1")
_COUNTED = ("bucketize", "vocabulary")  # analyzers that count each value


def _schema_text(schema):
    return "{" + ", ".join(f"{c.name}: {c.spelling()}" for c in schema) + "}"


def _transformed_type(kind):
    """The type a column has after its transform: a float for scaling, else an int."""
    return "float" if kind in _SCALING else "int"


def _retyped(schema, kinds):
    """The schema after transforms: each column named in `kinds` (name -> transform kind)
    retyped in place, its optionality kept."""
    return tuple(Column(c.name, _transformed_type(kinds[c.name]), c.optional)
                 if c.name in kinds else c for c in schema)


# --- Analyzers (Analyzers.cpp, Fit.cpp) ------------------------------------------------------

# TFT's one entry of an empty vocabulary, by column type.
_EMPTY_VOCABULARY = {"string": "49d0cd50-04bb-48c0-bc6f-5b575dce351a", "int": "-1"}
# Moments from exact sums: a finite double times 2**1074 is an integer (its square, times
# 2**2148), so partial sums merge in any order and the result does not depend on how Beam
# splits the rows. Native sums doubles (in blocks of 4096), so its mean and std_dev can differ
# in the last bit (seen: the penguins' bill_length_mm std_dev, 1 ulp).
_SCALE_BITS = 1074


def _check_numeric(what, name, type_):
    if type_ not in ("int", "float"):
        raise OpError(f"{what}: column `{name}` is {type_}; it needs a numeric (int or float) "
                      "column")


def _fit_plan(schema, spec):
    """[(position, name, kind)] in table order, checked as fitWith() checks them, and the
    schema apply then produces."""
    if spec["bucketize"] and spec["num_buckets"] < 2:
        raise OpError(f"num_buckets must be at least 2, not {spec['num_buckets']}")
    if spec["vocabulary"] and spec["num_oov_buckets"] < 0:
        raise OpError(f"num_oov_buckets must not be negative, not {spec['num_oov_buckets']}")
    if spec["hash"] and spec["hash_buckets"] < 1:
        raise OpError(f"hash_buckets must be at least 1, not {spec['hash_buckets']}")
    wanted = {}
    for kind in _KINDS:
        for name in spec[kind]:
            position(schema, name)  # OpError when there is no such column
            if name in wanted:
                raise OpError(f"column `{name}` is listed under both `{wanted[name]}` and "
                              f"`{kind}`; a column takes one transform")
            wanted[name] = kind
    plan = [(i, c.name, wanted[c.name]) for i, c in enumerate(schema) if c.name in wanted]
    for i, name, kind in plan:  # the scaled columns' moments come first
        if kind in _SCALING:
            _check_numeric(kind, name, schema[i].type)
    for i, name, kind in plan:
        type_ = schema[i].type
        if kind == "bucketize":
            _check_numeric(kind, name, type_)
        elif kind == "vocabulary" and type_ not in ("string", "int"):
            raise OpError(f"vocabulary: column `{name}` is {type_}; a vocabulary needs a string "
                          "or int column")
        elif kind == "hash" and type_ not in ("string", "int"):
            raise OpError(f"hash: column `{name}` is {type_}; hashing needs a string or int "
                          "column")
    return plan, _retyped(schema, wanted)


def _scaled(x):
    """The finite double x times 2**1074, an integer."""
    num, den = x.as_integer_ratio()
    return num << (_SCALE_BITS + 1 - den.bit_length())


class _Moments:
    """A scaled column's statistics: the count, exact sum and sum of squares of its finite
    values (as _scaled integers), the min and max of its non-NaN values, and its first finite
    value in row order (native's shift) with that row's index."""

    def __init__(self):
        self.count = self.total = self.squares = 0
        self.min, self.max = math.inf, -math.inf
        self.first_index, self.first = None, 0.0

    def add(self, index, x):
        self.min, self.max = min(self.min, x), max(self.max, x)
        if math.isfinite(x):
            scaled = _scaled(x)
            self.count += 1
            self.total += scaled
            self.squares += scaled * scaled
            if self.first_index is None or index < self.first_index:
                self.first_index, self.first = index, x

    def merge(self, other):
        self.count += other.count
        self.total += other.total
        self.squares += other.squares
        self.min, self.max = min(self.min, other.min), max(self.max, other.max)
        if other.first_index is not None and (self.first_index is None
                                              or other.first_index < self.first_index):
            self.first_index, self.first = other.first_index, other.first


def _count(counts, value):
    counts[value] = counts.get(value, 0) + 1


class _Analyze(beam.CombineFn):
    """One pass for every analyzer. The accumulator is [row count, then per plan entry: a
    _Moments for a scaled column, {value: count} for a bucketized or vocabulary column,
    None for a hashed one]."""

    def __init__(self, plan):
        self._plan = [(i, kind) for i, _, kind in plan]

    def create_accumulator(self):
        return [0] + [_Moments() if kind in _SCALING else {} if kind in _COUNTED else None
                      for _, kind in self._plan]

    def add_input(self, acc, element):
        index, row = element
        acc[0] += 1
        for k, (i, kind) in enumerate(self._plan, 1):
            v = row[i]
            if v is None:
                continue
            if kind in _SCALING:
                x = float(v)
                if x == x:  # NaN counts nowhere
                    acc[k].add(index, x)
            elif kind == "bucketize":
                x = float(v)
                if x == x:
                    _count(acc[k], x)
            elif kind == "vocabulary":
                # TFT's text vocabulary file cannot hold these.
                if isinstance(v, str) and (not v or "\n" in v or "\r" in v):
                    continue
                _count(acc[k], _token(v))
        return acc

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        total = next(accumulators)
        for acc in accumulators:
            total[0] += acc[0]
            for k, (_, kind) in enumerate(self._plan, 1):
                if kind in _SCALING:
                    total[k].merge(acc[k])
                elif kind in _COUNTED:
                    for v, c in acc[k].items():
                        total[k][v] = total[k].get(v, 0) + c
        return total

    def extract_output(self, acc):
        return acc


def _rounded(numerator, scale_bits):
    """numerator / 2**scale_bits as a double; +-inf past the largest, as a double sum gives."""
    try:
        return float(Fraction(numerator, 1 << scale_bits))
    except OverflowError:
        return math.inf if numerator > 0 else -math.inf


def _moments(count, total, squares, shift):
    """Mean and population standard deviation as native's finishMoments computes them from
    the sums of x - shift (here exact, then rounded once), summing again around the mean when the
    shift was too far from it; 0 and 0 for no value (TFT's empty accumulator)."""
    if count == 0:
        return 0.0, 0.0

    def finish(shift):
        k = _scaled(shift)
        offset = _rounded(total - count * k, _SCALE_BITS) / count  # mean - shift
        mean_squares = _rounded(squares - 2 * k * total + count * k * k, 2 * _SCALE_BITS) / count
        variance = max(0.0, mean_squares - offset * offset)  # 0 when that is NaN, as std::max
        return shift + offset, variance, offset * offset > 64 * variance

    mean, variance, recentre = finish(shift)
    if recentre and math.isfinite(mean):
        mean, variance, _ = finish(mean)
    return mean, math.sqrt(variance)


def _quantile_boundaries(counts, num_buckets):
    """quantileBoundaries on the exact summary {value: count}: the rank query of TFT's
    quantile sketch, then TFT's trimming of the min and the max."""
    if not counts:
        return [0.0] * (num_buckets - 1)
    entries = []  # value, weight, min rank, max rank
    cumulative = 0.0
    for value in sorted(counts):
        weight = float(counts[value])
        entries.append((value, weight, cumulative, cumulative + weight))
        cumulative += weight
    total = entries[-1][3]
    quantiles = []
    cur = 0
    for q in range(num_buckets + 1):
        # The target rank doubled, to stay in integers where TFT does.
        target2 = 2 * (float(q) * total / float(num_buckets))
        nxt = cur + 1
        while nxt < len(entries) and target2 >= entries[nxt][2] + entries[nxt][3]:
            nxt += 1
        cur = nxt - 1
        take_current = nxt == len(entries) or target2 < (
            (entries[cur][2] + entries[cur][1]) + (entries[nxt][3] - entries[nxt][1]))
        quantiles.append(entries[cur][0] if take_current else entries[nxt][0])
    return quantiles[1:-1]


def _vocabulary(counts, type_):
    """Values by descending count, ties by descending UTF-8 bytes (Python's reverse sort of
    (count, token), as TFT sorts); TFT's dummy entry when empty."""
    tokens = sorted(counts.items(), reverse=True,
                    key=lambda kv: (kv[1], kv[0].encode("utf-8", "surrogateescape")))
    return tokens or [(_EMPTY_VOCABULARY[type_], 0)]


def _graph_bytes(acc, schema, plan, out_schema, spec):
    """The serialized TransformGraph that fitWith() builds from the analyzers' results."""
    g = message_class("mlpc.ops.pb.TransformGraph")()
    g.format_version = 1
    _schema_to_pb(schema, g.input_schema)
    g.fitted_rows = acc[0]
    for k, (i, name, kind) in enumerate(plan, 1):
        t = g.transforms.add(column=name)
        if kind == "z_score":
            m = acc[k]
            t.z_score.mean, t.z_score.std_dev = _moments(m.count, m.total, m.squares, m.first)
            t.z_score.count = m.count
        elif kind == "scale_0_1":
            t.scale_0_1.min, t.scale_0_1.max = acc[k].min, acc[k].max
        elif kind == "bucketize":
            # TFT keeps boundaries as float32: a value at a boundary that float32 rounds up
            # lands one bucket lower, there and here alike.
            t.bucketize.boundaries.extend(
                float32(b) for b in _quantile_boundaries(acc[k], spec["num_buckets"]))
            t.bucketize.num_buckets = spec["num_buckets"]
        elif kind == "vocabulary":
            tokens = _vocabulary(acc[k], schema[i].type)
            t.vocabulary.values.extend(v for v, _ in tokens)
            t.vocabulary.counts.extend(c for _, c in tokens)
            t.vocabulary.num_oov_buckets = spec["num_oov_buckets"]
            t.vocabulary.default_value = -1
        else:
            t.hash.hash_buckets = spec["hash_buckets"]
    _schema_to_pb(out_schema, g.output_schema)
    return g.SerializeToString()


# apply's output schema must be known while the job is built: that of each TransformGraph this
# job fits, by its PCollection.
_GRAPH_SCHEMAS = {}


def _fit(table, spec):
    """fitWith(): the PCollection of the TransformGraph's bytes, and apply's schema."""
    schema = tuple(table.schema)
    plan, out_schema = _fit_plan(schema, spec)
    graph = (table.pcoll
             | "Analyze" >> beam.CombineGlobally(_Analyze(plan))
             | "Graph" >> beam.Map(_graph_bytes, schema, plan, out_schema, spec))
    _GRAPH_SCHEMAS[graph] = out_schema
    return graph, out_schema


def _graph_output_schema(blob):
    """The schema transform.apply gives with this TransformGraph, known while the job is
    built: a graph this job fits, or a job input's (read now)."""
    if blob.pcoll in _GRAPH_SCHEMAS:
        return _GRAPH_SCHEMAS[blob.pcoll]
    if blob.uri is None:
        raise OpError("transform.apply needs to know the transform's output schema when the "
                      "job is built: give it a TransformGraph that std.transform.fit makes in "
                      "this job, or one that is a job input")
    data = read_bytes(artifact_file(blob.uri))
    return _schema_from_pb(_parse_graph(data).output_schema, "the transform")


# --- Mappers (Apply.cpp, Scaling.cpp) ----------------------------------------------------------

def _sigmoid(x):
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:  # C++'s exp gives inf there
        return 0.0


def _mapper(t, name, type_):
    """Column `name`'s transform `t` as a function of a present value."""
    kind = t.WhichOneof("kind")
    if kind in ("z_score", "scale_0_1", "bucketize"):
        _check_numeric(kind, name, type_)
    elif type_ not in ("string", "int"):
        raise OpError(f"{kind}: column `{name}` is {type_}; it needs a string or int column")
    if kind == "z_score":
        mean, std_dev = t.z_score.mean, t.z_score.std_dev
        scale = 1.0 / std_dev if std_dev != 0 else 1.0  # TFT: std_dev 0 only centres
        return lambda x: (float(x) - mean) * scale
    if kind == "scale_0_1":
        lo, hi = t.scale_0_1.min, t.scale_0_1.max
        if not lo < hi:  # TFT: a constant (or empty) column goes through the sigmoid
            return lambda x: _sigmoid(float(x))
        scale = 1.0 / (hi - lo)
        return lambda x: (float(x) - lo) * scale
    if kind == "bucketize":
        # The first boundary greater than x; NaN to the last bucket.
        bounds = list(t.bucketize.boundaries)
        return lambda x: len(bounds) if x != x else bisect.bisect_right(bounds, float(x))
    if kind == "vocabulary":
        v = t.vocabulary
        index = {}
        for i, value in enumerate(v.values):
            index.setdefault(value, i)
        size, oov, default = len(v.values), v.num_oov_buckets, v.default_value

        def lookup(x):
            token = _token(x)
            found = index.get(token)
            if found is not None:
                return found
            return size + _hash_bucket(token, oov) if oov > 0 else default
        return lookup
    buckets = t.hash.hash_buckets
    return lambda x: _hash_bucket(_token(x), buckets)


def _applied_schema(g, schema):
    """What apply() gives for input schema `schema`: transformed columns retyped in place."""
    return _retyped(schema, {t.column: t.WhichOneof("kind") for t in g.transforms})


# (graph bytes, schema, wanted schema) -> what _row_map returns. Worker threads share it; two
# that miss the same key at once both compute the same entry, which is harmless.
_ROW_MAPS = {}


def _row_map(graph, schema, want):
    """(mappers, picks) for graph bytes and an input schema: output column j is input column
    picks[j] mapped by mappers[picks[j]] (None: as it is). `want` is the schema the output
    must have (native's writeDataset projects onto it), or None for apply()'s own output.
    Checked as apply and writeDataset check; cached."""
    key = (graph, schema, want)
    if key not in _ROW_MAPS:
        g = _parse_graph(graph)
        by_column = {t.column: t for t in g.transforms}
        mappers = [_mapper(by_column[c.name], c.name, c.type) if c.name in by_column else None
                   for c in schema]
        have = _applied_schema(g, schema)
        picks = list(range(len(schema)))
        if want is not None:
            types = {c.name: c.type for c in have}
            if any(types.get(c.name) != c.type for c in want):
                raise OpError(f"internal error: output `out` should have the schema "
                              f"{_schema_text(want)} but the op produced {_schema_text(have)}")
            picks = [position(have, c.name) for c in want]
        _ROW_MAPS[key] = (mappers, picks)
    return _ROW_MAPS[key]


def _map_row(row, graph, schema, want=None):
    mappers, picks = _row_map(graph, schema, want)
    out = []
    for i in picks:
        v, f = row[i], mappers[i]
        out.append(v if v is None or f is None else f(v))  # missing stays missing
    return tuple(out)


def _checked_graph(graph, schema, want):
    """The graph bytes, checked against the data once, so a bad graph fails the job even on
    a table without rows."""
    _row_map(graph, schema, want)
    return graph


def _applied_row(kv, graph, schema, want):
    return kv[0], _map_row(kv[1], graph, schema, want)


def _apply(table, graph_pcoll, out_schema):
    schema = tuple(table.schema)
    graph = beam.pvalue.AsSingleton(
        graph_pcoll | "CheckTransform" >> beam.Map(_checked_graph, schema, out_schema))
    rows = table.pcoll | "Apply" >> beam.Map(_applied_row, graph, schema, out_schema)
    return Table(rows, out_schema)


_SIZES = {"num_buckets": 10, "num_oov_buckets": 0, "hash_buckets": 100}  # and their defaults


def _fit_spec(inputs, columns):
    """fit's arguments: kind -> the columns it transforms (from `columns`), and the sizes."""
    spec = {kind: list(columns.get(kind) or []) for kind in _KINDS}
    spec.update((size, int(inputs.get(size, default))) for size, default in _SIZES.items())
    return spec


@op("transform.fit")
def fit(ctx, inputs):
    graph, _ = _fit(inputs["data"], _fit_spec(inputs, inputs))
    return {"transform": Blob(graph, "TransformGraph")}


@op("transform.apply")
def apply(ctx, inputs):
    blob = inputs["transform"]
    return {"out": _apply(inputs["data"], blob.pcoll, _graph_output_schema(blob))}


def _one_step(kind):
    """An op that fits `kind` on its `columns` and applies it to the same table."""
    def run(ctx, inputs):
        graph, out_schema = _fit(inputs["data"], _fit_spec(inputs, {kind: inputs["columns"]}))
        return {"out": _apply(inputs["data"], graph, out_schema)}
    return run


op("transform.scale_to_z_score")(_one_step("z_score"))
op("transform.scale_to_0_1")(_one_step("scale_0_1"))
op("transform.bucketize")(_one_step("bucketize"))
op("transform.compute_and_apply_vocabulary")(_one_step("vocabulary"))
op("transform.hash_strings")(_one_step("hash"))


# --- Errors that name a row by its position ----------------------------------------------------

# An element does not know its row's position, which native's messages give. So the first bad
# rows (by index) are ranked in one counting pass, which emits nothing when there are none, and
# the error is raised from them in a singleton the op's output takes as a side input: the job
# fails with native's message before anything is written.
_RANKED = 2048  # at least infer.predict's block: every bad row of the first block is ranked


def _slot(kv, candidates):
    """The slot of a row: the first bad row (of the sorted candidates) whose index is at least
    the row's. Counting the rows per slot gives each candidate's position."""
    if candidates:
        yield bisect.bisect_left(candidates, (kv[0],))


def _raise_first(candidates, slot_counts, message):
    """Raises OpError(message([(position, payload)])) when there are bad rows, else True."""
    if candidates:
        counts = dict(slot_counts)
        ranked, through = [], 0
        for k, (_, payload) in enumerate(candidates):
            through += counts.get(k, 0)  # rows whose index is at most this one's
            ranked.append((through - 1, payload))
        raise OpError(message(ranked))
    return True


class _FirstRows(beam.CombineFn):
    """The _RANKED bad rows with the smallest indices, sorted."""

    def create_accumulator(self):
        return []

    def add_input(self, rows, kv):
        rows.append(kv)
        return rows if len(rows) < 2 * _RANKED else heapq.nsmallest(_RANKED, rows)

    def merge_accumulators(self, accumulators):
        return heapq.nsmallest(_RANKED, (kv for rows in accumulators for kv in rows))

    def extract_output(self, rows):
        return heapq.nsmallest(_RANKED, rows)


def _row_check(table, bad, message):
    """A singleton True, or a failure with message(rows) for the first bad rows, given as
    (position, payload). `bad` holds (index, payload) per bad row."""
    candidates = bad | "FirstBadRows" >> beam.CombineGlobally(_FirstRows())
    slots = (table.pcoll
             | "RankBadRows" >> beam.FlatMap(_slot, beam.pvalue.AsSingleton(candidates))
             | "CountRanks" >> beam.combiners.Count.PerElement())
    return beam.pvalue.AsSingleton(
        candidates | "RowErrors" >> beam.Map(_raise_first, beam.pvalue.AsList(slots), message))


# --- infer.predict (Predict.cpp, Features.cpp) -------------------------------------------------

def _missing_value_message(column, position):
    return (f"column `{column}` has a missing value in row {position + 1}; a model needs every "
            "feature and the label present: drop those rows with std.transform.drop_missing or "
            "fill them with std.transform.fill_missing first")


def _is_raw(model, schema):
    """isRaw: a model with a transform gets raw rows when its features cannot read the rows
    as they are and every raw column a feature comes from is there with its raw type."""
    if not model.HasField("transform"):
        return False
    types = {c.name: c.type for c in schema}

    def readable(f):
        t = types.get(f.name)
        return t is not None and (t == "int" if f.encoding == _ONE_HOT else t != "string")

    if all(readable(f) for f in model.features):
        return False
    names = {f.name for f in model.features}
    return all(field.name not in names or
               (field.name in types and _PB_TYPES[types[field.name]] == field.type)
               for field in model.input_schema.fields)


def _prepare_model(model_bytes, schema, source):
    """How a row of `schema` becomes the model's input: (graph bytes to apply first, or None;
    [(position, one-hot size or 0 for numeric, name)] in feature order; input width; schema).
    Checks what native checks before the first row, in its order."""
    model = _parse_model(model_bytes, source)
    graph, features_schema = None, schema
    if _is_raw(model, schema):
        graph = model.transform.SerializeToString()
        _row_map(graph, schema, None)
        features_schema = _applied_schema(model.transform, schema)
    features = []
    for f in model.features:
        i = position(features_schema, f.name)
        type_ = features_schema[i].type
        if type_ == "string":
            raise OpError(f"feature column `{f.name}` holds strings; a model needs numbers: map "
                          "it to indices first (e.g. std.transform.compute_and_apply_vocabulary)"
                          " and list it in `categorical`")
        if f.encoding == _ONE_HOT and type_ != "int":
            raise OpError(f"categorical feature column `{f.name}` is {type_}; the model one-hot "
                          "encodes int class indices")
        features.append((i, f.size if f.encoding == _ONE_HOT else 0, f.name))
    return graph, features, _input_width(model), schema


def _features(kv, prepared):
    """inputRows for one row, as the float32 vector the ONNX graph reads, keyed by the row;
    the features it misses go to the output `missing` (native fails on the first)."""
    graph, features, width, schema = prepared
    row = kv[1] if graph is None else _map_row(kv[1], graph, schema)
    x = np.zeros(width, dtype=np.float32)
    offset = 0
    missing = []
    for k, (i, one_hot, name) in enumerate(features):
        v = row[i]
        if v is None:
            missing.append((k, name))
        elif one_hot:
            if 0 <= v < one_hot:  # outside the range: all zeros
                x[offset + v] = 1.0
        else:
            x[offset] = float(v)
        offset += one_hot or 1
    if missing:
        yield beam.pvalue.TaggedOutput("missing", (kv[0], tuple(missing)))
    yield kv, x


_BLOCK = 2048  # rows native's predict reads at a time


def _first_missing(ranked):
    """The error native gives: it checks blocks of rows, each feature in model order over the
    whole block."""
    block_end = ranked[0][0] // _BLOCK * _BLOCK + _BLOCK
    block = [(p, missing) for p, missing in ranked if p < block_end]
    first = min(m for _, missing in block for m in missing)  # (feature order, name)
    return _missing_value_message(
        first[1], min(p for p, missing in block if first in missing))


def _onnx_inference(session, batch, inference_args=None):
    probabilities, label = session.run(["probabilities", "label"], {"features": np.stack(batch)})
    return {"probabilities": probabilities, "label": label}


class _ModelOnnxHandler(OnnxModelHandlerNumpy):
    """Beam's ONNX handler on the graph a Model file carries (its `onnx` field, written at
    training); CUDA when the worker has it."""

    def __init__(self, uri):
        super().__init__(uri, inference_fn=_onnx_inference)

    def load_model(self):
        source = f"model file {self._model_uri}"
        model = _parse_model(read_bytes(self._model_uri), source)
        if not model.onnx:
            raise OpError(f"{source} carries no ONNX graph (it was trained by an mlpc older "
                          "than the Dataflow backend): train it again")
        available = onnxruntime.get_available_providers()
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
                     if p in available]
        return onnxruntime.InferenceSession(model.onnx, providers=providers)


def _scored(keyed, ok, prediction_at, score_at):
    """The row with its prediction and score. `ok` is the row check's side input, taken so
    that nothing is written when a row lacks a feature."""
    (index, row), result = keyed  # the key carries the row, so no join is needed
    label = int(result.inference["label"])
    row = put_value(row, prediction_at, label)
    return index, put_value(row, score_at, float(result.inference["probabilities"][label]))


@op("infer.predict")
def predict(ctx, inputs):
    table, model = inputs["data"], inputs["model"]
    if not model.uri:
        raise OpError("infer.predict needs a model that is a job input: RunInference loads it "
                      "when the job starts (training is not a Beam step; train before the job "
                      "and pass the Model)")
    uri = artifact_file(model.uri)
    schema = tuple(table.schema)
    prepared = beam.pvalue.AsSingleton(model.pcoll | "PrepareModel" >> beam.Map(
        _prepare_model, schema, f"model file {uri}"))
    features = table.pcoll | "Features" >> beam.FlatMap(_features, prepared).with_outputs(
        "missing", main="features")
    ok = _row_check(table, features.missing, _first_missing)
    out, prediction_at = put_column(schema, Column("prediction", "int"))
    out, score_at = put_column(out, Column("score", "float"))
    rows = (features.features
            | "RunInference" >> RunInference(KeyedModelHandler(_ModelOnnxHandler(uri)))
            | "Scores" >> beam.Map(_scored, ok, prediction_at, score_at))
    return {"predictions": Table(rows, out)}


# --- postprocess.argmax_label (Postprocess.cpp) ------------------------------------------------

def _vocabulary_of(g, column):
    """The values of the vocabulary fitted on `column`, or None."""
    for t in g.transforms:
        if t.column == column and t.WhichOneof("kind") == "vocabulary":
            return list(t.vocabulary.values)
    return None


def _label_names(graph, column, label_column):
    """chooseVocabulary: the vocabulary of `label_column`, else of `column`, else the
    transform's only one."""
    g = _parse_graph(graph)
    if label_column:
        names = _vocabulary_of(g, label_column)
        if names is None:
            raise OpError(f"the transform fitted no vocabulary on column `{label_column}`")
        return names
    names = _vocabulary_of(g, column)
    if names is not None:
        return names
    vocabularies = [t for t in g.transforms if t.WhichOneof("kind") == "vocabulary"]
    if len(vocabularies) == 1:
        return list(vocabularies[0].vocabulary.values)
    if not vocabularies:
        raise OpError(f"the transform has no vocabulary to map `{column}` to labels")
    listed = ", ".join(f"`{t.column}`" for t in vocabularies)
    raise OpError(f"the transform has vocabularies for {listed}; say which one labels "
                  f"`{column}`")


def _labelled(kv, names, index_at, label_at):
    v = kv[1][index_at]
    label = names[v] if v is not None and 0 <= v < len(names) else None
    return kv[0], put_value(kv[1], label_at, label)


@op("postprocess.argmax_label")
def argmax_label(ctx, inputs):
    table, column = inputs["data"], inputs["column"]
    index_at = table.position(column)
    type_ = table.schema[index_at].type
    if type_ != "int":
        raise OpError(f"column `{column}` is {type_}; mapping to labels needs int class indices")
    names = beam.pvalue.AsSingleton(inputs["transform"].pcoll | "Vocabulary" >> beam.Map(
        _label_names, column, inputs.get("vocabulary", "")))
    out, label_at = put_column(table.schema, Column("label", "string", True))
    rows = table.pcoll | "Label" >> beam.Map(_labelled, names, index_at, label_at)
    return {"out": Table(rows, out)}


# --- eval.classification (Eval.cpp) ------------------------------------------------------------

def _json_string(s):
    """json::string (Json.h): only quotes, backslashes and control characters escaped."""
    out = ['"']
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    return "".join(out) + '"'


def _json_number(x):
    return format_float(x) if math.isfinite(x) else "null"  # JSON has no NaN or inf


class _Confusion(beam.CombineFn):
    """Counts per (label, prediction) value pair of the rows that have both (and a score,
    when scored), the rows skipped, the string classes seen, and for what may be a binary
    problem the counts per (label, prediction, score) that its ROC curve needs."""

    def __init__(self, label_at, prediction_at, score_at, strings):
        self._at = (label_at, prediction_at, score_at)
        self._strings = strings

    def create_accumulator(self):
        return {"rows": 0, "skipped": 0, "pairs": {}, "seen": set(), "scores": {}}

    def add_input(self, acc, kv):
        label_at, prediction_at, score_at = self._at
        row = kv[1]
        label, prediction = row[label_at], row[prediction_at]
        score = row[score_at] if score_at is not None else 0.0
        acc["rows"] += 1
        if self._strings:
            acc["seen"].update(v for v in (label, prediction) if isinstance(v, str))
        if label is None or prediction is None or score is None or score != score:
            acc["skipped"] += 1
            return acc
        pair = (label, prediction)
        acc["pairs"][pair] = acc["pairs"].get(pair, 0) + 1
        if acc["scores"] is not None and score_at is not None:
            if any(isinstance(v, int) and v > 1 for v in pair) or len(acc["seen"]) > 2:
                acc["scores"] = None  # not binary: no ROC curve
            else:
                key = (label, prediction, score)
                acc["scores"][key] = acc["scores"].get(key, 0) + 1
        return acc

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        total = next(accumulators)
        for acc in accumulators:
            total["rows"] += acc["rows"]
            total["skipped"] += acc["skipped"]
            total["seen"] |= acc["seen"]
            for pair, n in acc["pairs"].items():
                total["pairs"][pair] = total["pairs"].get(pair, 0) + n
            if total["scores"] is None or acc["scores"] is None or len(total["seen"]) > 2:
                total["scores"] = None
            else:
                for key, n in acc["scores"].items():
                    total["scores"][key] = total["scores"].get(key, 0) + n
        return total

    def extract_output(self, acc):
        return acc


def _class_names(graph, label):
    """The vocabulary the transform fitted on the label column, or none."""
    if graph is None:
        return []
    return _vocabulary_of(_parse_graph(graph), label) or []


def _bad_class(kv, names, classes, score_at):
    """The first class value of an evaluated row that ClassReader rejects: the message
    before and after the row number. `classes`: the label's and the prediction's (position,
    column name)."""
    (label_at, label), (prediction_at, prediction) = classes
    row = kv[1]
    score = row[score_at] if score_at is not None else 0.0
    if row[label_at] is None or row[prediction_at] is None or score is None or score != score:
        return  # skipped
    for name, v in ((label, row[label_at]), (prediction, row[prediction_at])):
        if isinstance(v, int) and v < 0:
            yield kv[0], (f"column `{name}` has the negative class index {v} in row ", "")
            return
        if isinstance(v, str) and names and v not in names:
            yield kv[0], (f"column `{name}` has '{v}' in row ",
                          ", which is not one of the classes: " + ", ".join(names))
            return


def _first_bad_class(ranked):
    position, (before, after) = ranked[0]
    return f"{before}{position + 1}{after}"


def _roc(scores, class_of):
    """The ROC curve of class 1 and its trapezoid area, or ([], None)."""
    counts = {}  # class 1's probability -> [positives, negatives]
    pos = neg = 0
    for (label, prediction, score), n in scores.items():
        p = score if class_of(prediction) == 1 else 1.0 - score
        c = counts.setdefault(p, [0, 0])
        if class_of(label) == 1:
            c[0] += n
            pos += n
        else:
            c[1] += n
            neg += n
    if pos == 0 or neg == 0:
        return [], None  # a rate would divide by zero: no curve
    thresholds = sorted(counts, reverse=True)
    roc = [(math.nextafter(thresholds[0], math.inf), 0.0, 0.0)]
    tp = fp = 0
    area = 0.0
    for t in thresholds:
        tp += counts[t][0]
        fp += counts[t][1]
        point = (t, fp / neg, tp / pos)
        area += (point[1] - roc[-1][1]) * (point[2] + roc[-1][2]) / 2.0
        roc.append(point)
    return roc, area


def _class_scores(confusion):
    """Accuracy, per class (precision, recall, F1; 0 where undefined), and their macro
    averages over the classes that occur."""
    classes = len(confusion)
    rows = sum(map(sum, confusion))
    accuracy = sum(confusion[k][k] for k in range(classes)) / rows
    per_class = []
    macro = [0.0, 0.0, 0.0]
    averaged = 0
    for k in range(classes):
        support = sum(confusion[k])
        predicted = sum(confusion[j][k] for j in range(classes))
        tp = float(confusion[k][k])
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        if support or predicted:
            averaged += 1
            macro = [macro[0] + precision, macro[1] + recall, macro[2] + f1]
        per_class.append((precision, recall, f1))
    return accuracy, per_class, [m / averaged for m in macro]


def _metrics_json(accuracy, macro, auc, rows, skipped, names, per_class):
    fields = [("accuracy", _json_number(accuracy)), ("macroPrecision", _json_number(macro[0])),
              ("macroRecall", _json_number(macro[1])), ("macroF1", _json_number(macro[2]))]
    if auc is not None:
        fields.append(("auc", _json_number(auc)))
    fields += [("rows", str(rows)), ("skippedRows", str(skipped))]
    for name, (precision, recall, f1) in zip(names, per_class):
        fields += [("precision_" + name, _json_number(precision)),
                   ("recall_" + name, _json_number(recall)), ("f1_" + name, _json_number(f1))]
    return "{" + ", ".join(f"{_json_string(k)}: {v}" for k, v in fields) + "}"


def _classification_json(names, confusion, roc):
    specs = ", ".join('{"displayName": ' + _json_string(name) + "}" for name in names)
    matrix = ", ".join('{"row": [' + ", ".join(map(str, r)) + "]}" for r in confusion)
    out = '{"confusionMatrix": {"annotationSpecs": [' + specs + '], "rows": [' + matrix + "]}"
    if roc:
        points = ", ".join(
            f'{{"confidenceThreshold": {_json_number(t)}, "falsePositiveRate": '
            f'{_json_number(fpr)}, "recall": {_json_number(tpr)}}}' for t, fpr, tpr in roc)
        out += ', "confidenceMetrics": [' + points + "]"
    return out + "}"


def _evaluate(acc, given_names, ok):
    """classification(): (metrics JSON, classification JSON, accuracy). `ok` is the class
    check's side input, taken so that a bad class fails the job first."""
    if acc["rows"] == 0:
        raise OpError("cannot evaluate an empty table: it has no rows")
    names = list(given_names) or sorted(acc["seen"], key=lambda s: s.encode("utf-8"))
    index = {}
    for i, n in enumerate(names):
        index.setdefault(n, i)

    def class_of(v):
        return v if isinstance(v, int) else index[v]

    pairs = {(class_of(l), class_of(p)): n for (l, p), n in acc["pairs"].items()}
    if not pairs:
        raise OpError(f"no row of the {acc['rows']} rows has both a label and a prediction to "
                      "evaluate")
    top = max([len(names) - 1] + [max(pair) for pair in pairs])
    if top >= 1 << 16:
        raise OpError(f"class index {top} is too large to evaluate")
    classes = top + 1
    names += [str(k) for k in range(len(names), classes)]  # index classes beyond the names
    confusion = [[pairs.get((k, j), 0) for j in range(classes)] for k in range(classes)]
    accuracy, per_class, macro = _class_scores(confusion)
    roc, auc = [], None
    if acc["scores"] is not None and classes == 2:
        roc, auc = _roc(acc["scores"], class_of)
    metrics = _metrics_json(accuracy, macro, auc, sum(pairs.values()), acc["skipped"], names,
                            per_class)
    classification = _classification_json(names, confusion, roc)
    return metrics.encode("utf-8"), classification.encode("utf-8"), accuracy


@op("eval.classification")
def classification(ctx, inputs):
    table = inputs["predictions"]
    classes = []  # (position, name) of the label and the prediction columns
    for parameter in ("label", "prediction"):
        name = inputs[parameter]
        i = table.position(name)
        type_ = table.schema[i].type
        classes.append((i, name))
        if type_ not in ("int", "string"):
            raise OpError(f"column `{name}` is {type_}; evaluation needs int class indices or "
                          "string class names")
    score_at = None
    if "score" in table.names:
        score_at = table.position("score")
        type_ = table.schema[score_at].type
        if type_ != "float":
            raise OpError(f"score column `score` is {type_}; it must hold float probabilities")
    transform = inputs.get("transform")
    graph = (transform.pcoll if transform is not None else
             ctx.pipeline | "NoTransform" >> beam.Create([None]))
    names = beam.pvalue.AsSingleton(
        graph | "ClassNames" >> beam.Map(_class_names, inputs["label"]))
    bad = table.pcoll | "BadClasses" >> beam.FlatMap(_bad_class, names, classes, score_at)
    ok = _row_check(table, bad, _first_bad_class)
    strings = any(table.schema[i].type == "string" for i, _ in classes)
    result = (table.pcoll
              | "Confusion" >> beam.CombineGlobally(
                  _Confusion(classes[0][0], classes[1][0], score_at, strings))
              | "Evaluate" >> beam.Map(_evaluate, names, ok))
    return {"metrics": Blob(result | "Metrics" >> beam.Map(lambda r: r[0]), "Metrics"),
            "classification": Blob(result | "Classification" >> beam.Map(lambda r: r[1]),
                                   "ClassificationMetrics"),
            "accuracy": Scalar(result | "Accuracy" >> beam.Map(lambda r: r[2]))}
