"""Checks a LocalDagRunner run of examples/python_functions.mlp built for TFX.

usage: check_python_run.py PIPELINE_ROOT
The KFP-style functions ran as TFX components: their artifacts are in ML
Metadata with the metadata they logged, the output parameter `accuracy` is a
Float value artifact, and the model is accurate.
"""
import collections
import glob
import sys

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

root = sys.argv[1]
config = metadata_store_pb2.ConnectionConfig()
config.sqlite.filename_uri = root + "/metadata.sqlite"
store = metadata_store.MetadataStore(config)
types = {t.id: t.name for t in store.get_artifact_types()}
artifacts = store.get_artifacts()
counts = collections.Counter(types[a.type_id] for a in artifacts)
print("artifacts:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
assert counts == {"Dataset": 3, "Model": 1, "Metrics": 1, "Float": 1}, counts
rows = [a.custom_properties["rows"].int_value for a in artifacts if "rows" in a.custom_properties]
print("rows logged by load_penguins:", rows)
assert rows == [333], rows
executions = store.get_executions()
states = collections.Counter(metadata_store_pb2.Execution.State.Name(e.last_known_state) for e in executions)
print("executions:", dict(states))
assert states == {"COMPLETE": 4}, states
accuracy = float(open(glob.glob(root + "/scores/accuracy/*/value")[0]).read())
print(f"accuracy {accuracy:.3f}")
assert accuracy > 0.9, accuracy
