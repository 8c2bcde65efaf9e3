"""Reads a run's lineage back with the real ml-metadata package (PyPI).

    mlmd_run_check.py ROOT/metadata.sqlite

Prints, in a fixed order for FileCheck: the contexts of each run, then per
execution its task, state and the INPUT/OUTPUT artifacts with their URIs'
file names (test/lit/runtime/lineage.test).
"""
import os
import sys

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

STATES = {v: k for k, v in metadata_store_pb2.Execution.State.items()}
EVENTS = {v: k for k, v in metadata_store_pb2.Event.Type.items()}


def main():
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = sys.argv[1]
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    store = metadata_store.MetadataStore(config)
    pipelines = store.get_contexts_by_type("pipeline")
    runs = store.get_contexts_by_type("pipeline_run")
    print("pipelines:", sorted(c.name for c in pipelines))
    print("runs:", len(runs))
    for run in sorted(runs, key=lambda c: c.id):
        state = run.custom_properties["state"].string_value
        parents = [p.name for p in store.get_parent_contexts_by_context(run.id)]
        print(f"run state={state} parent={parents}")
        executions = store.get_executions_by_context(run.id)
        for e in sorted(executions, key=lambda e: e.custom_properties["task_name"].string_value):
            task = e.custom_properties["task_name"].string_value
            events = store.get_events_by_execution_ids([e.id])
            parts = []
            for ev in sorted(events, key=lambda ev: (ev.type, ev.path.steps[0].key)):
                [artifact] = store.get_artifacts_by_id([ev.artifact_id])
                parts.append(f"{EVENTS[ev.type]}:{ev.path.steps[0].key}={os.path.basename(artifact.uri)}")
            print(f"  {task} {STATES[e.last_known_state]} {' '.join(parts)}")


if __name__ == "__main__":
    main()
