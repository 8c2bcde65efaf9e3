"""Checks that the hostile strings of test/lit/tfx/Inputs/hostile.mlp reach the
TFX pipeline mlpc wrote with exactly the values the .mlp strings denote.

    python check_hostile.py static OUT/pipeline.py       # any Python 3: reads it with `ast`
    python check_hostile.py tfx OUT/pipeline.py IR ROOT  # in .venv-tfx: TFX's own view
    python check_hostile.py vertex PIPELINE_JSON         # in .venv-tfx: what Vertex AI gets

`static` parses pipeline.py and the generated preprocessing module, compiles
them, checks that every name read at import time is bound before, and compares
the defaults of create_pipeline, the container components (image, command), the
importer, CsvExampleGen's input_base, and preprocessing_fn's column names (the
backquoted columns of schema Odd) with the expected values. `tfx` reads the
IR that `pipeline.py ir` wrote (TFX's compiler) and checks the same strings
there, then builds the pipeline again with `text` set so that the other branch
of the build-time `if` is taken. `vertex` parses the
PipelineJob that `pipeline.py vertex` wrote strictly with kfp-pipeline-spec and
checks the containers' images and commands (placeholders as KFP's), the task's
constant parameters, and the importer's URI and metadata.
Prints `ok: ...` and exits 0, or names each mismatch and exits 1.
"""
import ast
import builtins
import importlib.util
import os
import sys

LS, PS, NEL = "\u2028", "\u2029", "\u0085"

# What each .mlp string denotes (docs/language.md 1.5: \n \t \r \0 \\ \" \$ escapes).
DEFAULTS = {
    "text": "it's \"quoted\" \\ # not a comment\nsecond line \"\"\" ''' {} {{x}} ${y} é 日本 🐧 "
    + f"{LS} {PS} {NEL}",
    "lambda_": "\t\r\x00\"",
    "_tags": ["a\"b", "c\\d", "\n", "'''"],
    "_labels": {"k\"ey": "v\\al", "#": "${", "{}": LS},
    "ratio": 0.5,
    "n": -3,
    "on": True,
}
# --param NAME -> keyword of create_pipeline (`lambda` is a Python keyword).
PARAMETERS = {n: n for n in ("text", "_tags", "_labels", "ratio", "n", "on")} | {"lambda": "lambda_"}


def exec_property(key):
    return ("exec_property", key)


def output_uri(key):
    return ("output_uri", key)


def input_uri(key):
    return ("input_uri", key)


def concat(*parts):
    return ("concat", list(parts))


CONTAINERS = {
    "echo": {
        "image": f"registry.example/ïmage:1 \"q\" \\ ''' \"\"\" # {{}} ${{x}} {LS}",
        "command": [
            "sh",
            "-c",
            "printf '%s\\n' \"$0\" > \"$1\" # not a comment",
            exec_property("text"),
            output_uri("out"),
            concat("--text=", exec_property("text")),
            "${HOME} {braces} {{x}} ''' \"\"\" $HOME",
            "line1\nline2\r\t\x00end\\",
            f"é 日本 🐧 {LS} {PS} {NEL}",
            concat("--n=", exec_property("n"), "/", exec_property("flag")),
            output_uri("count"),
            output_uri("out"),
        ],
    },
    "sink": {"image": "busybox:1.36", "command": ["ls", "-la", input_uri("m"), "# ${\"} }"]},
}
IMPORTER_URI = f"gs://bucket/it's \"here\"/\\#{{}}/${{x}}/é{LS}\n"
IMPORTER_PROPERTIES = {"note": "a \"b\" \\ ''' \"\"\"", "key \"q\" #{}": f"v{LS}\n", "n": 7}
CONDITION_TEXT = "a\"b\\c\n"
INPUT_BASE = "data \"dir\" #"
# Schema Odd's columns (backquoted names) and what Transform does to each.
ODD_COLUMNS = [
    ("it's \"q\" \\ #{} \"\"\"", "z_score"),
    (f"''' ${{x}} é{LS}", "vocabulary"),
    ("plain", "pass"),
]
PREPROCESSING = "modules/Transform/preprocessing.py"
TFX_NODES = ["gen", "stats", "inferred", "Transform"]
ELSE_TEXT = "literal \"\"\" ''' \\ #"

failures = []


def expect(what, got, want):
    """Records each difference, at the innermost key or index that differs."""
    if isinstance(got, dict) and isinstance(want, dict) and got.keys() == want.keys():
        for k in want:
            expect(f"{what}[{k!r}]", got[k], want[k])
    elif isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (g, w) in enumerate(zip(got, want)):
            expect(f"{what}[{i}]", g, w)
    elif got != want or type(got) is not type(want):
        failures.append(f"{what}:\n    got  {got!r}\n    want {want!r}")


# ---- static: the Python source --------------------------------------------------
def placeholder(node):
    """A command element of pipeline.py as the structure CONTAINERS uses."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = placeholder(node.left), placeholder(node.right)
        parts = left[1] if isinstance(left, tuple) and left[0] == "concat" else [left]
        return concat(*parts, right)
    # TFX's placeholders, new style: _ph.exec_property("k"), _ph.input("k")[0].uri,
    # _ph.output("k")[0].uri; or those of tfx.dsl.component.experimental.placeholders
    # (which KubeflowV2DagRunner also reads): InputValuePlaceholder("k"), ...
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "_ph.exec_property":
        return exec_property(ast.literal_eval(node.args[0]))
    legacy = {"InputValuePlaceholder": exec_property, "InputUriPlaceholder": input_uri, "OutputUriPlaceholder": output_uri}
    name = ast.unparse(node.func).rsplit(".", 1)[-1] if isinstance(node, ast.Call) else ""
    if name in legacy and len(node.args) == 1:
        return legacy[name](ast.literal_eval(node.args[0]))
    if name == "ConcatPlaceholder" and len(node.args) == 1 and isinstance(node.args[0], ast.List):
        return concat(*[placeholder(e) for e in node.args[0].elts])
    if (
        isinstance(node, ast.Attribute)
        and node.attr == "uri"
        and isinstance(node.value, ast.Subscript)
        and isinstance(node.value.value, ast.Call)
        and ast.unparse(node.value.value.func) in ("_ph.input", "_ph.output")
        and ast.literal_eval(node.value.slice) == 0
    ):
        kind = "input_uri" if node.value.value.func.attr == "input" else "output_uri"
        return (kind, ast.literal_eval(node.value.value.args[0]))
    return ("unknown", ast.unparse(node))


def module_names_resolve(tree):
    """Every name read when the module is imported is bound before it."""
    bound = set(dir(builtins)) | {"__file__", "__name__", "__doc__"}
    unbound = set()
    for stmt in tree.body:
        evaluated = [stmt]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # Only decorators and defaults run at import time.
            evaluated = stmt.decorator_list + stmt.args.defaults + [d for d in stmt.args.kw_defaults if d]
        elif isinstance(stmt, ast.If) and ast.unparse(stmt.test) == "__name__ == '__main__'":
            evaluated = [stmt.test]  # the body runs after the whole module
        for node in evaluated:
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound:
                    unbound.add(f"line {n.lineno}: `{n.id}` is read at import time but not bound before")
        for n in ast.walk(stmt) if not isinstance(stmt, (ast.FunctionDef, ast.ClassDef)) else [stmt]:
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                bound.add(n.name)
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                bound.add(n.id)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                bound.update((a.asname or a.name).split(".")[0] for a in n.names)
    failures.extend(sorted(unbound))


def parse(path):
    """The module's syntax tree, after the checks every generated file must pass."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    compile(source, path, "exec")
    # U+2028, U+2029 and NEL are escaped: Python's line breaks are the file's only ones.
    name = os.path.basename(path)
    expect(f"{name}: lines as str.splitlines() sees them", len(source.splitlines()), source.count("\n"))
    tree = ast.parse(source, path)
    module_names_resolve(tree)
    return tree


def check_preprocessing(path):
    """preprocessing_fn: `outputs[NAME] = f(inputs[NAME])` for each column, in order."""
    fn = next(n for n in parse(path).body if isinstance(n, ast.FunctionDef) and n.name == "preprocessing_fn")
    got = []
    for stmt in fn.body:
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Subscript)):
            continue
        name = ast.literal_eval(stmt.targets[0].slice)
        reads = [
            ast.literal_eval(n.slice)
            for n in ast.walk(stmt.value)
            if isinstance(n, ast.Subscript) and ast.unparse(n.value) == "inputs"
        ]
        expect(f"preprocessing_fn: what outputs[{name!r}] reads", reads, [name])
        call = ast.unparse(stmt.value)
        kind = "pass"
        if "tft.scale_to_z_score(" in call:
            kind = "z_score"
        elif "tft.compute_and_apply_vocabulary(" in call:
            kind = "vocabulary"
            files = [k.value for n in ast.walk(stmt.value) if isinstance(n, ast.Call) for k in n.keywords if k.arg == "vocab_filename"]
            expect(f"preprocessing_fn: {name!r}'s vocab_filename", [ast.literal_eval(f) for f in files], [name])
        got.append((name, kind))
    expect("preprocessing_fn's outputs", got, ODD_COLUMNS)


def check_static(path):
    tree = parse(path)
    check_preprocessing(os.path.join(os.path.dirname(path), PREPROCESSING))

    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    create = defs["create_pipeline"].args
    defaults = {a.arg: ast.literal_eval(d) for a, d in zip(create.kwonlyargs, create.kw_defaults)}
    expect("create_pipeline keyword defaults", defaults, DEFAULTS)

    containers, importers, calls, params = {}, [], {}, None
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "PARAMETERS":
            params = {ast.literal_eval(k): ast.literal_eval(v.elts[0]) for k, v in zip(node.value.keys, node.value.values)}
        if not isinstance(node, ast.Call):
            continue
        kw = {k.arg: k.value for k in node.keywords}
        fn = ast.unparse(node.func)
        if fn == "tfx.dsl.experimental.create_container_component":
            containers[ast.literal_eval(kw["name"])] = {
                "image": ast.literal_eval(kw["image"]),
                "command": [placeholder(e) for e in kw["command"].elts],
            }
        elif fn == "tfx.components.CsvExampleGen":
            calls.setdefault(fn, []).append(ast.literal_eval(kw["input_base"]))
        elif fn == "tfx.dsl.Importer":
            importers.append({k: ast.literal_eval(kw[k]) for k in ("source_uri", "custom_properties", "reimport")})
        elif fn.startswith("_") and fn.endswith("_component"):
            calls.setdefault(fn, []).append(kw)
    conditions = [n.test for n in ast.walk(defs["create_pipeline"]) if isinstance(n, ast.If)]
    expect("CsvExampleGen's input_base", calls.get("tfx.components.CsvExampleGen"), [INPUT_BASE])
    expect("PARAMETERS (name -> keyword)", params, PARAMETERS)
    expect("container components", containers, CONTAINERS)
    expect(
        "importers",
        importers,
        [{"source_uri": IMPORTER_URI, "custom_properties": IMPORTER_PROPERTIES, "reimport": True}],
    )
    # if text == "..." and ratio > 0.25: the string compared with is CONDITION_TEXT.
    tests = [(ast.unparse(c), c) for c in conditions]
    expect("build-time conditions", [t for t, _ in tests], [f"text == {CONDITION_TEXT!r} and ratio > 0.25"])
    if len(tests) == 1 and isinstance(tests[0][1], ast.BoolOp):
        expect("the condition's string", ast.literal_eval(tests[0][1].values[0].comparators[0]), CONDITION_TEXT)
    echo = calls.get("_echo_component", [])
    expect("echo's `text` in each branch", [ast.unparse(c["text"]) for c in echo], ["lambda_", repr(ELSE_TEXT)])
    if len(echo) == 2:
        expect("echo's literal `text`", ast.literal_eval(echo[1]["text"]), ELSE_TEXT)


# ---- tfx: TFX's compiler ----------------------------------------------------------
def ir_expression(e):
    """A TFX PlaceholderExpression as the structure CONTAINERS uses."""
    kind = e.WhichOneof("expression_type")
    if kind == "value":
        return e.value.string_value
    if kind == "placeholder" and e.placeholder.type == e.placeholder.EXEC_PROPERTY:
        return exec_property(e.placeholder.key)
    if kind == "operator" and e.operator.WhichOneof("operator_type") == "concat_op":
        return concat(*[ir_expression(x) for x in e.operator.concat_op.expressions])
    if kind == "operator" and e.operator.WhichOneof("operator_type") == "artifact_uri_op":
        ph = e.operator.artifact_uri_op.expression.operator.index_op.expression.placeholder
        return (output_uri if ph.type == ph.OUTPUT_ARTIFACT else input_uri)(ph.key)
    return ("unknown", str(e))


def field_value(v):
    return getattr(v, v.WhichOneof("value"))


def check_ir(pipeline_ir, node_ids, node_texts):
    from tfx.proto.orchestration import executable_spec_pb2, pipeline_pb2

    nodes = {n.pipeline_node.node_info.id: n.pipeline_node for n in pipeline_ir.nodes}
    expect("node ids", sorted(nodes), sorted(node_ids))
    config = pipeline_pb2.IntermediateDeploymentConfig()
    pipeline_ir.deployment_config.Unpack(config)
    for node_id, text in node_texts.items():
        params = {k: field_value(v.field_value) for k, v in nodes[node_id].parameters.parameters.items()}
        expect(f"{node_id}'s exec properties", params, text)
    for node_id, name in [(n, "echo") for n in node_texts] + [("sink", "sink")]:
        if node_id not in config.executor_specs:
            continue
        spec = executable_spec_pb2.ContainerExecutableSpec()
        config.executor_specs[node_id].Unpack(spec)
        got = {"image": spec.image, "command": [ir_expression(c) for c in spec.commands]}
        expect(f"{node_id}'s container in the IR", got, CONTAINERS[name])
    imported = nodes["imported"]
    params = {k: field_value(v.field_value) for k, v in imported.parameters.parameters.items()}
    expect("importer's artifact_uri", params.get("artifact_uri"), IMPORTER_URI)
    spec = imported.outputs.outputs["model"].artifact_spec
    props = {k: field_value(v.field_value) for k, v in spec.additional_custom_properties.items()}
    expect("importer's custom properties", props, IMPORTER_PROPERTIES)
    gen = {k: field_value(v.field_value) for k, v in nodes["gen"].parameters.parameters.items()}
    expect("CsvExampleGen's input_base", gen.get("input_base"), INPUT_BASE)
    transform = {k: field_value(v.field_value) for k, v in nodes["Transform"].parameters.parameters.items()}
    expect("Transform's module_file", transform.get("module_file", "").endswith("/" + PREPROCESSING), True)


def check_tfx(path, ir_path, root):
    from google.protobuf import text_format
    from tfx.dsl.compiler import compiler
    from tfx.proto.orchestration import pipeline_pb2

    with open(ir_path, encoding="utf-8") as f:
        ir = text_format.Parse(f.read(), pipeline_pb2.Pipeline())
    check_ir(ir, ["components", "sink", "imported", *TFX_NODES], {"components": {"text": ELSE_TEXT, "n": 3, "flag": 1}})
    # The other branch: the module's create_pipeline, with `text` set.
    spec = importlib.util.spec_from_file_location("hostile_pipeline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    other = compiler.Compiler().compile(module.create_pipeline(root, text=CONDITION_TEXT))
    check_ir(other, ["echo", "imported", *TFX_NODES], {"echo": {"text": DEFAULTS["lambda_"], "n": -3, "flag": 1}})


# ---- vertex: KubeflowV2DagRunner's PipelineJob -------------------------------------
def kfp_argument(e):
    """A command element as Vertex AI sees it: KFP placeholders in a string."""
    if isinstance(e, str):
        return e
    kind, value = e
    if kind == "concat":
        return "".join(kfp_argument(p) for p in value)
    return {
        "exec_property": "{{$.inputs.parameters['%s']}}",
        "input_uri": "{{$.inputs.artifacts['%s'].uri}}",
        "output_uri": "{{$.outputs.artifacts['%s'].uri}}",
    }[kind] % value


def check_vertex(path):
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    with open(path, encoding="utf-8") as f:
        job = json_format.Parse(f.read(), pipeline_spec_pb2.PipelineJob())
    spec = json_format.ParseDict(json_format.MessageToDict(job.pipeline_spec), pipeline_spec_pb2.PipelineSpec())
    deployment = json_format.ParseDict(
        json_format.MessageToDict(spec.deployment_spec), pipeline_spec_pb2.PipelineDeploymentConfig()
    )
    tasks = spec.root.dag.tasks
    expect("tasks", sorted(tasks), sorted(["components", "imported", "sink", *TFX_NODES]))
    executor = lambda task: deployment.executors[spec.components[tasks[task].component_ref.name].executor_label]  # noqa: E731
    for task, name in (("components", "echo"), ("sink", "sink")):
        container = executor(task).container
        want = CONTAINERS[name]
        expect(f"{task}'s image", container.image, want["image"])
        expect(f"{task}'s command", list(container.command), [kfp_argument(e) for e in want["command"]])
    # TFX writes constants as runtimeValue.constantValue (a pipeline_spec Value).
    values = {k: v.runtime_value.constant_value for k, v in tasks["components"].inputs.parameters.items()}
    params = {k: getattr(v, v.WhichOneof("value")) for k, v in values.items()}
    expect("components' parameters", params, {"text": ELSE_TEXT, "n": 3, "flag": 1})
    importer = executor("imported").importer
    expect("importer's artifactUri", importer.artifact_uri.constant_value.string_value, IMPORTER_URI)
    metadata = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in json_format.MessageToDict(importer.metadata).items()}
    expect("importer's metadata", metadata, IMPORTER_PROPERTIES)
    expect("importer's reimport", importer.reimport, True)


def main(argv):
    if argv[1:2] == ["static"] and len(argv) == 3:
        check_static(argv[2])
    elif argv[1:2] == ["tfx"] and len(argv) == 5:
        check_tfx(argv[2], argv[3], argv[4])
    elif argv[1:2] == ["vertex"] and len(argv) == 3:
        check_vertex(argv[2])
    else:
        sys.exit(__doc__)
    for f in failures:
        print("FAIL", f)
    if failures:
        return 1
    print(f"ok: {argv[1]}: every hostile string has its intended value")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
