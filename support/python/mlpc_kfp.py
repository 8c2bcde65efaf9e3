"""KFP's lightweight-component conventions, for mlpc's Python-function components.

Shared by `mlpc run` (runtime/python/mlpc_executor.py, written next to this
file under ROOT/.mlpc/) and the TFX backend (components/ of its output):

* artifact objects with `.path`, `.uri`, `.metadata` (Dataset, Model, Metrics,
  ClassificationMetrics, HTML, Markdown);
* the annotations `Input[...]`, `Output[...]`, `InputPath(...)`,
  `OutputPath(...)`, and `kind(annotation)`, which also reads kfp's own;
* `install()`, which provides `kfp.dsl` with these names when kfp is not
  installed, so a function's `from kfp.dsl import ...` works without it.
"""
import os
import sys
import types


class Artifact:
    schema_title = "system.Artifact"
    # Where the file is: the URI itself (`mlpc run`), or, when a runner gives
    # each artifact a folder (TFX), this name inside it.
    file_in_folder = None

    def __init__(self, name="", uri="", metadata=None):
        self.name, self.uri, self.metadata = name, uri, dict(metadata or {})

    @property
    def path(self):
        if self.file_in_folder:
            return os.path.join(self.uri, self.file_in_folder)
        return self.uri

    @path.setter
    def path(self, value):
        self.uri = os.path.dirname(value) if self.file_in_folder else value


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


_NAMES = ("Artifact", "Dataset", "Model", "Metrics", "ClassificationMetrics", "HTML", "Markdown",
          "Input", "Output", "InputPath", "OutputPath")


def install():
    """Provides `kfp.dsl` with the names above when kfp's own is missing."""
    try:
        import kfp.dsl  # noqa: F401

        return
    except ImportError:
        pass
    dsl = types.ModuleType("kfp.dsl")
    for name in _NAMES:
        setattr(dsl, name, globals()[name])
    dsl.component = lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f))
    try:
        import kfp  # a namespace package without dsl (kfp-pipeline-spec alone)
    except ImportError:
        kfp = types.ModuleType("kfp")
        sys.modules["kfp"] = kfp
    kfp.dsl = dsl
    sys.modules["kfp.dsl"] = dsl


def kind(annotation):
    """('input'|'output'|'input_path'|'output_path'|'param', artifact class or None)."""
    if isinstance(annotation, _Marker):
        return annotation.kind, annotation.inner
    origin = getattr(annotation, "__origin__", None)
    # kfp's own Input[...] / Output[...] are typing.Annotated with a marker.
    for m in getattr(annotation, "__metadata__", ()):
        text = str(m).lower()
        if "input" in text:
            return "input", origin
        if "output" in text:
            return "output", origin
    name = type(annotation).__name__
    if name in ("InputPath", "OutputPath"):
        return ("input_path" if name == "InputPath" else "output_path"), None
    return "param", None


def artifact_class(cls):
    """The class above for an annotation's artifact class (ours or kfp's)."""
    if isinstance(cls, type) and issubclass(cls, Artifact):
        return cls
    title = getattr(cls, "schema_title", "system.Artifact")
    for c in (Dataset, Model, Metrics, ClassificationMetrics, HTML, Markdown):
        if c.schema_title == title:
            return c
    return Artifact
