#!/usr/bin/env python3
"""Validates PipelineSpec YAML written by `mlpc build --target=kfp` with the
real KFP SDK (no mock):

    validate.py FILE.yaml...

For each file: the YAML parses; a second document (the PlatformSpec) parses
strictly into KFP's PlatformSpec and each executor's settings into
kfp-kubernetes' KubernetesExecutorConfig; `kfp.components.load_component_from_file`
accepts it (it parses the document into KFP's own PipelineSpec protobuf,
rejecting unknown fields and wrong types); and the KFP compiler compiles the
loaded pipeline again, which runs the SDK's own checks and writes its YAML.
Prints one line per file and `N passed, M failed`.
"""
import os
import sys
import tempfile

import yaml
from google.protobuf import json_format
from kfp import compiler, components
from kfp.kubernetes import kubernetes_executor_config_pb2
from kfp.pipeline_spec import pipeline_spec_pb2


def validate(path: str) -> None:
    with open(path) as f:
        docs = list(yaml.safe_load_all(f))
    spec = pipeline_spec_pb2.PipelineSpec()
    json_format.ParseDict(docs[0], spec)  # strict: unknown fields fail
    if spec.schema_version != "2.1.0":
        raise ValueError(f"schemaVersion is {spec.schema_version!r}")
    if len(docs) > 1:
        platform = pipeline_spec_pb2.PlatformSpec()
        json_format.ParseDict(docs[1], platform)
        executors = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
        for name, config in executors.items():
            if name not in spec.deployment_spec["executors"]:
                raise ValueError(f"PlatformSpec names unknown executor {name}")
            json_format.ParseDict(config, kubernetes_executor_config_pb2.KubernetesExecutorConfig())
    component = components.load_component_from_file(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "recompiled.yaml")
        compiler.Compiler().compile(component, out)
        with open(out) as f:
            recompiled = next(yaml.safe_load_all(f))
    if set(recompiled["root"]["dag"]["tasks"]) != set(docs[0]["root"]["dag"]["tasks"]):
        raise ValueError("the SDK's recompilation has different tasks")


def main() -> int:
    failed = 0
    for path in sys.argv[1:]:
        try:
            validate(path)
            print(f"ok   {path}")
        except Exception as e:  # report every file, then fail
            failed += 1
            print(f"FAIL {path}: {type(e).__name__}: {e}")
    print(f"{len(sys.argv) - 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
