"""Runs one Python-function component for `mlpc run`.

    python3 mlpc_executor.py --executor_input JSON --function_to_execute NAME
                             --component_module_path FILE

It reads KFP's ExecutorInput JSON and writes KFP's ExecutorOutput JSON, with
the lightweight-component conventions, so the same function runs unchanged
under Kubeflow Pipelines:

* parameters arrive by name, converted to the annotated type;
* `Input[Dataset]` / `Output[Model]` parameters get an artifact object with
  `.path`, `.uri` and `.metadata`; `InputPath(...)` / `OutputPath(...)` a path;
* the return value gives the output parameter `Output`, or one per field of a
  NamedTuple return annotation.

The function's file may import `kfp.dsl`. When the kfp package is not
installed, a module with the names such files use (`Input`, `Output`,
`InputPath`, `OutputPath`, the artifact classes) is provided instead, so a
local run needs only the function's own dependencies.
"""
import argparse
import importlib.util
import inspect
import json
import os
import sys
import typing


# The conventions themselves (artifact classes, annotations, the kfp.dsl
# stand-in) are shared with the TFX backend: mlpc_kfp.py, written next to
# this file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlpc_kfp import artifact_class, install, kind  # noqa: E402


def _make_artifact(cls, spec):
    art = artifact_class(cls)()
    art.name = spec.get("name", "")
    art.uri = spec.get("uri", "")
    art.metadata = dict(spec.get("metadata", {}))
    return art


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--executor_input", required=True)
    parser.add_argument("--function_to_execute", required=True)
    parser.add_argument("--component_module_path", required=True)
    args = parser.parse_args()
    executor_input = json.loads(args.executor_input)
    install()

    spec = importlib.util.spec_from_file_location("ephemeral_component", args.component_module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, args.function_to_execute)

    inputs = executor_input.get("inputs", {})
    outputs = executor_input.get("outputs", {})
    values = inputs.get("parameterValues", {})
    in_artifacts = inputs.get("artifacts", {})
    out_artifacts = outputs.get("artifacts", {})
    out_params = outputs.get("parameters", {})

    kwargs, produced = {}, {}
    for name, param in inspect.signature(function).parameters.items():
        role, cls = kind(param.annotation)
        if role == "input":
            items = in_artifacts.get(name, {}).get("artifacts", [])
            arts = [_make_artifact(cls, a) for a in items]
            is_list = getattr(cls, "__origin__", None) in (list, typing.List)
            kwargs[name] = arts if is_list else (arts[0] if arts else None)
        elif role == "input_path":
            items = in_artifacts.get(name, {}).get("artifacts", [])
            kwargs[name] = items[0]["uri"] if items else values.get(name)
        elif role == "output":
            art = _make_artifact(cls, out_artifacts[name]["artifacts"][0])
            produced[name] = art
            kwargs[name] = art
        elif role == "output_path":
            if name in out_artifacts:
                art = out_artifacts[name]["artifacts"][0]
                kwargs[name] = art["uri"]
            else:
                kwargs[name] = out_params[name]["outputFile"]
        elif name in values:
            kwargs[name] = values[name]
        elif param.default is not inspect.Parameter.empty:
            pass  # the function's own default
        else:
            kwargs[name] = None

    result = function(**kwargs)

    parameter_values = {}
    if result is not None:
        fields = getattr(result, "_fields", None)
        if fields:
            for field in fields:
                parameter_values[field] = getattr(result, field)
        else:
            parameter_values["Output"] = result
    executor_output = {
        "parameterValues": parameter_values,
        "artifacts": {name: {"artifacts": [{"name": a.name, "uri": a.uri, "metadata": a.metadata}]}
                      for name, a in produced.items()},
    }
    output_file = outputs.get("outputFile")
    if output_file:
        os.makedirs(os.path.dirname(output_file), exist_ok=True)
        with open(output_file, "w") as f:
            json.dump(executor_output, f)


if __name__ == "__main__":
    main()
