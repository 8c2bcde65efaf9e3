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
import types
import typing


class Artifact:
    schema_title = "system.Artifact"

    def __init__(self, name="", uri="", metadata=None):
        self.name, self.uri, self.metadata = name, uri, dict(metadata or {})

    @property
    def path(self):
        return self.uri  # local artifacts: the URI is the path

    @path.setter
    def path(self, value):
        self.uri = value


class Dataset(Artifact):
    schema_title = "system.Dataset"


class Model(Artifact):
    schema_title = "system.Model"

    @property
    def framework(self):
        return self.metadata.get("framework", "")


class Metrics(Artifact):
    schema_title = "system.Metrics"

    def log_metric(self, metric, value):
        self.metadata[metric] = value


class ClassificationMetrics(Artifact):
    schema_title = "system.ClassificationMetrics"

    def log_roc_data_point(self, fpr, tpr, threshold):
        self.metadata.setdefault("confidenceMetrics", []).append(
            {"confidenceThreshold": threshold, "recall": tpr, "falsePositiveRate": fpr})

    def log_confusion_matrix(self, categories, matrix):
        self.metadata["confusionMatrix"] = {
            "annotationSpecs": [{"displayName": c} for c in categories],
            "rows": [{"row": list(r)} for r in matrix]}


class HTML(Artifact):
    schema_title = "system.HTML"


class Markdown(Artifact):
    schema_title = "system.Markdown"


class _Marker:
    def __init__(self, kind, inner):
        self.kind, self.inner = kind, inner


class _Subscript:
    def __init__(self, kind):
        self.kind = kind

    def __getitem__(self, inner):
        return _Marker(self.kind, inner)


Input, Output = _Subscript("input"), _Subscript("output")


def InputPath(type_=None):  # noqa: N802 (KFP's name)
    return _Marker("input_path", type_)


def OutputPath(type_=None):  # noqa: N802
    return _Marker("output_path", type_)


def _install_kfp_names():
    """Provides `kfp.dsl` with the names above when kfp is not installed."""
    try:
        import kfp.dsl  # noqa: F401
        return
    except ImportError:
        pass
    kfp = types.ModuleType("kfp")
    dsl = types.ModuleType("kfp.dsl")
    for name in ("Artifact", "Dataset", "Model", "Metrics", "ClassificationMetrics", "HTML",
                 "Markdown", "Input", "Output", "InputPath", "OutputPath"):
        setattr(dsl, name, globals()[name])
    dsl.component = lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f))
    kfp.dsl = dsl
    sys.modules["kfp"], sys.modules["kfp.dsl"] = kfp, dsl


def _kind(annotation):
    """('input'|'output'|'input_path'|'output_path'|'param', artifact class or None)."""
    if isinstance(annotation, _Marker):
        return annotation.kind, annotation.inner
    origin = getattr(annotation, "__origin__", None)
    # kfp's own Input[...] / Output[...] are typing.Annotated with a marker.
    metadata = getattr(annotation, "__metadata__", ())
    for m in metadata:
        text = str(m).lower()
        if "input" in text:
            return "input", origin
        if "output" in text:
            return "output", origin
    cls = type(annotation).__name__
    if cls in ("InputPath", "OutputPath"):
        return ("input_path" if cls == "InputPath" else "output_path"), None
    return "param", None


def _artifact_class(cls):
    if isinstance(cls, type) and issubclass(cls, Artifact):
        return cls
    title = getattr(cls, "schema_title", "system.Artifact")
    for c in (Dataset, Model, Metrics, ClassificationMetrics, HTML, Markdown):
        if c.schema_title == title:
            return c
    return Artifact


def _make_artifact(cls, spec):
    art = _artifact_class(cls)()
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
    _install_kfp_names()

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
        kind, cls = _kind(param.annotation)
        if kind == "input":
            items = in_artifacts.get(name, {}).get("artifacts", [])
            arts = [_make_artifact(cls, a) for a in items]
            is_list = getattr(cls, "__origin__", None) in (list, typing.List)
            kwargs[name] = arts if is_list else (arts[0] if arts else None)
        elif kind == "input_path":
            items = in_artifacts.get(name, {}).get("artifacts", [])
            kwargs[name] = items[0]["uri"] if items else values.get(name)
        elif kind == "output":
            art = _make_artifact(cls, out_artifacts[name]["artifacts"][0])
            produced[name] = art
            kwargs[name] = art
        elif kind == "output_path":
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
