"""Checks what a LocalDagRunner run of a --target=tfx pipeline left: its ML
Metadata (SQLite) store, the pushed model, and the output of the Transform
whose preprocessing_fn mlpc wrote.

    python check_mlmd.py METADATA --count TYPE=N ... --pipeline NAME --nodes ID,...
        --serving DIR --transform NODE --columns C,... [--z-score C,...] [--vocabulary C,...]

- MLMD, read with ml_metadata's MetadataStore: exactly the artifact types and
  counts given, every artifact LIVE; exactly the nodes given (TFX's `node`
  contexts, named by with_id), each with one COMPLETE execution; the
  ModelBlessing says blessed=1 and the PushedModel pushed=1, with a SavedModel
  at its pushed_destination under DIR.
- Transform NODE: its input schema (SchemaGen's), the post-transform schema and
  the TransformGraph's transformed metadata (tft.TFTransformOutput) all have
  exactly the --columns. In each split, every transformed example has one value
  per column, and the values are what mlpc's std.transform.fit semantics give:
  a z-scored column is (x - mean) / std with mean and std of the present values
  of the train split, and 0 where x is missing; a vocabulary column is the
  index of the value (b"" when missing) in the vocabulary Transform wrote, -1
  if not there; any other column passes through, b"" or 0 where missing.
Prints `ok: ...` lines and exits 0, or names each mismatch and exits 1.
"""
import argparse
import collections
import glob
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
from ml_metadata.metadata_store import metadata_store  # noqa: E402
from ml_metadata.proto import metadata_store_pb2  # noqa: E402
from google.protobuf import text_format  # noqa: E402
from tensorflow_metadata.proto.v0 import schema_pb2  # noqa: E402

failures = []


def short(value, limit=300):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {short(got)}, want {short(want)}")


def open_store(path):
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    return metadata_store.MetadataStore(config)


def node_executions(store, pipeline):
    """{node id: [execution]}, from each execution's `node` context."""
    nodes = collections.defaultdict(list)
    for context in store.get_contexts_by_type("node"):
        node = context.name.removeprefix(pipeline + ".")
        nodes[node] = store.get_executions_by_context(context.id)
    return nodes


def artifacts_of(store, execution, kind):
    """{input or output key: [artifact]} of an execution."""
    events = [e for e in store.get_events_by_execution_ids([execution.id]) if e.type == kind]
    keys = {e.artifact_id: e.path.steps[0].key for e in events}
    out = collections.defaultdict(list)
    for a in store.get_artifacts_by_id(list(keys)):
        out[keys[a.id]].append(a)
    return out


def schema_columns(uri):
    schema = text_format.Parse(open(os.path.join(uri, "schema.pbtxt")).read(), schema_pb2.Schema())
    return sorted(f.name for f in schema.feature)


def read_split(uri, split):
    """The examples of one split as {column: [value or None]}, and their count."""
    files = sorted(glob.glob(os.path.join(uri, f"Split-{split}", "*.gz")))
    rows = [tf.train.Example.FromString(r.numpy()) for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]
    columns = collections.defaultdict(list)
    for i, row in enumerate(rows):
        for name, feature in row.features.feature.items():
            values = list(getattr(feature, feature.WhichOneof("kind")).value) if feature.WhichOneof("kind") else []
            columns[name].append((i, values))
    table = {}
    for name, entries in columns.items():
        table[name] = [None] * len(rows)
        for i, values in entries:
            if len(values) > 1:
                failures.append(f"{uri} {split}: {name} has {len(values)} values in example {i}")
            table[name][i] = values[0] if values else None
    return table, len(rows)


def close(a, b):
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-4) for x, y in zip(a, b))


def check_transform(store, execution, columns, z_score, vocabulary):
    inputs = artifacts_of(store, execution, metadata_store_pb2.Event.INPUT)
    out = artifacts_of(store, execution, metadata_store_pb2.Event.OUTPUT)
    raw_schema, examples = inputs["schema"], inputs["examples"]
    if not (raw_schema and examples and out["transform_graph"] and out["post_transform_schema"]):
        failures.append("Transform's input or output artifacts are missing")
        return
    expect("the input schema's columns", schema_columns(raw_schema[0].uri), sorted(columns))
    expect("post_transform_schema's columns", schema_columns(out["post_transform_schema"][0].uri), sorted(columns))
    graph = tft.TFTransformOutput(out["transform_graph"][0].uri)
    expect("transformed_metadata's columns", sorted(f.name for f in graph.transformed_metadata.schema.feature), sorted(columns))
    spec = graph.transformed_feature_spec()
    for c in z_score:
        expect(f"{c}'s transformed dtype", spec[c].dtype, tf.float32)
    for c in vocabulary:
        expect(f"{c}'s transformed dtype", spec[c].dtype, tf.int64)

    raw_train, _ = read_split(examples[0].uri, "train")
    stats = {}
    for c in z_score:  # tft.scale_to_z_score: population variance of the present values
        present = [float(x) for x in raw_train[c] if x is not None]
        mean = sum(present) / len(present)
        stats[c] = (mean, math.sqrt(sum((x - mean) ** 2 for x in present) / len(present)))
    for split in ("train", "eval"):
        before = len(failures)
        raw, n = read_split(examples[0].uri, split)
        done, m = read_split(out["transformed_examples"][0].uri, split)
        expect(f"{split}: transformed examples", m, n)
        expect(f"{split}: transformed columns", sorted(done), sorted(columns))
        for c in columns:
            got = done.get(c, [])
            if None in got:
                failures.append(f"{split}: {c} is missing in {got.count(None)} transformed examples")
                continue
            if c in z_score:
                mean, std = stats[c]
                want = [0.0 if x is None else (float(x) - mean) / std for x in raw[c]]
                if not close(sorted(got), sorted(want)):
                    failures.append(f"{split}: {c} is not z-scored with the train split's mean {mean} and std {std}")
            elif c in vocabulary:
                vocab = graph.vocabulary_by_name(c)
                want = [vocab.index(x or b"") if (x or b"") in vocab else -1 for x in raw[c]]
                expect(f"{split}: {c}'s vocabulary ids", sorted(got), sorted(want))
            else:  # made dense: b"" or 0 where missing
                default = b"" if any(isinstance(x, bytes) for x in raw[c]) else 0
                expect(f"{split}: {c} passed through", sorted(got), sorted(default if x is None else x for x in raw[c]))
        if len(failures) == before:
            print(f"ok: {split}: {m} transformed examples, columns {', '.join(sorted(done))}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("metadata")
    parser.add_argument("--count", action="append", default=[], metavar="TYPE=N")
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--nodes", required=True)
    parser.add_argument("--serving", required=True)
    parser.add_argument("--transform", required=True, metavar="NODE")
    parser.add_argument("--columns", required=True)
    parser.add_argument("--z-score", default="")
    parser.add_argument("--vocabulary", default="")
    args = parser.parse_args()
    listed = lambda s: [c for c in s.split(",") if c]  # noqa: E731

    store = open_store(args.metadata)
    types = {t.id: t.name for t in store.get_artifact_types()}
    artifacts = store.get_artifacts()
    counts = collections.Counter(types[a.type_id] for a in artifacts)
    expect("artifacts by type", dict(counts), {k: int(v) for k, v in (c.split("=") for c in args.count)})
    expect("artifacts not LIVE", [a.uri for a in artifacts if a.state != metadata_store_pb2.Artifact.LIVE], [])
    nodes = node_executions(store, args.pipeline)
    expect("nodes (with_id of each task)", sorted(nodes), sorted(listed(args.nodes)))
    expect("executions per node", {n: len(e) for n, e in nodes.items() if len(e) != 1}, {})
    executions = store.get_executions()
    expect("executions outside a node", len(executions), sum(len(e) for e in nodes.values()))
    expect(
        "nodes whose execution is not COMPLETE",
        sorted(n for n, es in nodes.items() for e in es if e.last_known_state != metadata_store_pb2.Execution.COMPLETE),
        [],
    )

    by_type = collections.defaultdict(list)
    for a in artifacts:
        by_type[types[a.type_id]].append(a)
    blessed = [a.custom_properties["blessed"].int_value for a in by_type["ModelBlessing"] if "blessed" in a.custom_properties]
    expect("ModelBlessing blessed", blessed, [1])
    for pushed in by_type["PushedModel"]:
        props = pushed.custom_properties
        expect("PushedModel pushed", props["pushed"].int_value if "pushed" in props else None, 1)
        dest = props["pushed_destination"].string_value if "pushed_destination" in props else ""
        expect("pushed_destination's folder", os.path.dirname(dest), os.path.abspath(args.serving))
        if not os.path.exists(os.path.join(dest, "saved_model.pb")):
            failures.append(f"no SavedModel at the pushed destination {dest!r}")
        else:
            print(f"ok: pushed a SavedModel to {os.path.relpath(dest, args.serving)} under the serving folder")

    if nodes.get(args.transform):
        check_transform(store, nodes[args.transform][0], listed(args.columns), listed(args.z_score), listed(args.vocabulary))
    else:
        failures.append(f"no execution of the Transform node {args.transform!r}")
    for f in failures:
        print("FAIL", f)
    if failures:
        return 1
    print(f"ok: {len(artifacts)} artifacts of {len(counts)} types, {len(nodes)} nodes COMPLETE, blessed and pushed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
