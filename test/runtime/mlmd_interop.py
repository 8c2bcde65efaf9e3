"""Reads a database written by mlpc's metadata store (mlpc-metadata-demo) back.

  mlmd_interop.py DB        with the ml-metadata package (google/ml-metadata
                            from PyPI): the lineage, and that MLMD itself
                            creates the same schema and can write to the file
  mlmd_interop.py --sql DB  with plain SQL (Python's sqlite3), as in
                            docs/runtime/metadata.md

Prints the lineage in a fixed order for FileCheck and fails on any mismatch
(test/lit/runtime/metadata.test, metadata-sql.test).
"""
import os
import shutil
import sqlite3
import sys
import tempfile

# The lineage in docs/runtime/metadata.md: what each execution of a run read
# and wrote, through which input or output name.
LINEAGE_SQL = """
SELECT e.name, e.last_known_state, ev.type, k.step_key, a.uri, a.state, t.name
FROM Context AS run
JOIN Type AS rt ON rt.id = run.type_id AND rt.name = 'pipeline_run'
JOIN Association AS s ON s.context_id = run.id
JOIN Execution AS e ON e.id = s.execution_id
JOIN Event AS ev ON ev.execution_id = e.id
JOIN EventPath AS k ON k.event_id = ev.id AND k.is_index_step = 0
JOIN Artifact AS a ON a.id = ev.artifact_id
JOIN Type AS t ON t.id = a.type_id
WHERE run.name = ?
ORDER BY e.id, ev.id
"""


def check(cond, what):
    if not cond:
        sys.exit("mlmd_interop: " + what)


def with_sql(path):
    db = sqlite3.connect(path)
    check(db.execute("SELECT schema_version FROM MLMDEnv").fetchall() == [(10,)],
          "MLMDEnv is not 10")
    for row in db.execute(LINEAGE_SQL, ("demo-run-1",)):
        print("lineage:", *row)


def schema(path):
    db = sqlite3.connect(path)
    rows = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")
    return rows.fetchall()


def with_mlmd(path):
    from ml_metadata import metadata_store
    from ml_metadata.proto import metadata_store_pb2 as pb

    def connect(db, mode):
        config = pb.ConnectionConfig()
        config.sqlite.filename_uri = db
        config.sqlite.connection_mode = mode
        return metadata_store.MetadataStore(config)

    store = connect(path, pb.SqliteMetadataSourceConfig.READONLY)

    # Contexts: pipeline <- pipeline_run (parent), one node context per step.
    contexts = sorted(store.get_contexts(), key=lambda c: c.id)
    ctx_types = {t.id: t.name for t in store.get_context_types()}
    for c in contexts:
        print("context:", ctx_types[c.type_id], c.name)
    run = store.get_context_by_type_and_name("pipeline_run", "demo-run-1")
    pipeline = store.get_context_by_type_and_name("pipeline", "demo")
    check(run is not None and pipeline is not None, "no pipeline or pipeline_run context")
    parents = store.get_parent_contexts_by_context(run.id)
    check([p.id for p in parents] == [pipeline.id], "pipeline_run's parent is not the pipeline")

    types = {t.id: t.name for t in store.get_artifact_types()}
    check(store.get_artifact_type("system.Model").properties["framework"] == pb.STRING,
          "system.Model does not declare framework: STRING")
    artifacts = {a.id: a for a in store.get_artifacts()}
    check(len(artifacts) == 3, "expected 3 artifacts")
    for a in artifacts.values():
        check(a.state == pb.Artifact.LIVE, f"artifact {a.id} is not LIVE")
        check(a.create_time_since_epoch > 0, f"artifact {a.id} has no create time")
        custom = {k: v for k, v in a.custom_properties.items()}
        props = ", ".join(f"{k}={str(getattr(v, v.WhichOneof('value'))).lower()}"
                          for k, v in sorted(custom.items()))
        print("artifact:", types[a.type_id], a.uri, pb.Artifact.State.Name(a.state), props)
    model = next(a for a in artifacts.values() if a.uri.endswith("model"))
    check(model.properties["framework"].string_value == "sklearn", "model framework")
    check(model.custom_properties["accuracy"].double_value == 0.9375, "model accuracy")
    check(model.custom_properties["calibrated"].bool_value is True, "model calibrated")

    executions = sorted(store.get_executions(), key=lambda e: e.id)
    exec_types = {t.id: t.name for t in store.get_execution_types()}
    events = store.get_events_by_execution_ids([e.id for e in executions])
    for e in executions:
        state = pb.Execution.State.Name(e.last_known_state)
        print("execution:", exec_types[e.type_id], e.name, state,
              e.custom_properties["task_name"].string_value)
        for ev in sorted((v for v in events if v.execution_id == e.id), key=lambda v: v.artifact_id):
            steps = [s.key if s.HasField("key") else s.index for s in ev.path.steps]
            print("  event:", pb.Event.Type.Name(ev.type), steps, artifacts[ev.artifact_id].uri)
        contexts_of = sorted(c.name for c in store.get_contexts_by_execution(e.id))
        print("  associated:", *contexts_of)
    train = executions[1]
    check(sorted(a.id for a in store.get_artifacts_by_context(run.id)) == sorted(artifacts),
          "not every artifact is attributed to the run")
    check(sorted(e.id for e in store.get_executions_by_context(run.id)) == [e.id for e in executions],
          "not every execution is associated with the run")
    check(store.get_executions_by_id([train.id])[0].last_known_state == pb.Execution.CACHED,
          "train is not CACHED")

    # MLMD creates exactly our schema, and writes into our file without a migration.
    with tempfile.TemporaryDirectory() as tmp:
        fresh = os.path.join(tmp, "fresh.sqlite")
        connect(fresh, pb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE)
        check(schema(fresh) == schema(path), "ml-metadata creates another schema")
        copy = os.path.join(tmp, "copy.sqlite")
        shutil.copy(path, copy)
        writer = connect(copy, pb.SqliteMetadataSourceConfig.READWRITE)
        a = pb.Artifact(type_id=model.type_id, uri="/by/mlmd", state=pb.Artifact.LIVE)
        [new_id] = writer.put_artifacts([a])
        check(new_id == 4 and len(writer.get_artifacts()) == 4, "ml-metadata could not write")
    print("ml-metadata: schema identical, read and write ok")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--sql":
        with_sql(sys.argv[2])
    elif len(sys.argv) == 2:
        with_mlmd(sys.argv[1])
    else:
        sys.exit("usage: mlmd_interop.py [--sql] DB")
