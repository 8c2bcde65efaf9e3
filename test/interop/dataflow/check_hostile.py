"""Checks that every hostile string of test/lit/dataflow/Inputs/hostile.mlp
reaches what `mlpc build --target=dataflow` wrote with exactly the value the
.mlp denotes: main.py (run with a stand-in for mlpc_beam that records every
call, so no Beam is needed), metadata.json, template.json, launch.json and
the README's shell commands.

    python3 check_hostile.py OUT_DIR
"""
import json
import os
import runpy
import shlex
import sys
import types

# What the .mlp strings denote.
ODD_FLOAT = "it's \"q\" \\ #{} \"\"\""
ODD_TEXT = "''' ${x} é "
CSV = "in \"q\" \\ ''' \"\"\" # {} ${x}\n é 日本 🐧  "
FILL = "line1\nline2\r\t end\\"
EQUALS = " \"x\" \\n"
REGION = "us-central1'; rm -rf / #"
TEMP = "gs://b/tmp \"q\" $HOME `x` \\"
IMAGE = "registry.example/ïmage:1"
DESCRIPTION = ("Doc with \"quotes\", \\ backslash, ''' and \"\"\", a # hash, {braces}, ${x} and "
               "U+2028\u2028 U+0085\u0085 U+2029\u2029.")
CSV_HELP = "Help with \"quotes\", \\ and ''' \"\"\" ${x} # {}."

problems = []


def expect(what, got, want):
    if got != want:
        problems.append(f"{what}: got {got!r}, want {want!r}")


class Recorder(types.ModuleType):
    """Stands in for mlpc_beam: records what main.py asks of it."""

    def __init__(self):
        super().__init__("mlpc_beam")
        self.parameters, self.tasks, self.outputs, self.options = [], [], [], None

        recorder = self

        class Parameter:
            def __init__(self, name, kind, default=None, help="", output=False, regex=None):
                self.name, self.kind, self.default, self.help = name, kind, default, help
                self.output, self.regex = output, regex

        class Job:
            def __init__(self, params):
                self.params = params

            def task(self, name, op, inputs, schema=None, hints=None):
                recorder.tasks.append((name, op, inputs, schema))
                return {"table": f"<{name}.table>", "out": f"<{name}.out>", "file": None}

            def write_output(self, name, value, uri):
                recorder.outputs.append((name, value, uri))

        def main(pipeline, parameters, build, default_options):
            recorder.pipeline, recorder.parameters, recorder.options = (
                pipeline, parameters, default_options)
            build(Job({p.name: p.default for p in parameters if not p.output} |
                      {p.name: f"<uri {p.name}>" for p in parameters if p.output}))

        self.Parameter, self.main = Parameter, main
        self.format_float = repr  # enough for the one float here (1e-300)


def check_main(out):
    mb = Recorder()
    sys.modules["mlpc_beam"] = mb
    runpy.run_path(os.path.join(out, "main.py"), run_name="__main__")
    params = {p.name: p for p in mb.parameters}
    expect("pipeline", mb.pipeline, "hostile")
    expect("csv default", params["csv"].default, CSV)
    expect("csv help", params["csv"].help, CSV_HELP)
    expect("fill default", params["fill"].default, FILL)
    expect("n default", params["n"].default, -7)
    expect("ratio default", params["ratio"].default, 1e-300)
    expect("flag default", params["flag"].default, True)
    expect("default options", mb.options,
           {"region": REGION, "temp_location": TEMP, "sdk_container_image": IMAGE})
    tasks = {t[0]: t for t in mb.tasks}
    expect("tasks", [t[0] for t in mb.tasks], ["raw", "filled", "kept", "write_csv"])
    expect("read path", tasks["raw"][2]["path"], CSV)
    expect("read schema", tasks["raw"][3],
           [(ODD_FLOAT, "float?"), (ODD_TEXT, "string?"), ("plain", "int")])
    expect("fill columns", tasks["filled"][2]["columns"], [ODD_TEXT])
    expect("fill value", tasks["filled"][2]["value"], FILL)
    expect("filter value", tasks["kept"][2]["equals"], EQUALS)
    expect("interpolated destination", tasks["write_csv"][2]["destination"],
           "copy \"q\" -7 1e-300 true.csv")
    expect("outputs", mb.outputs, [("out", "<kept.out>", "<uri out>")])


def check_json(out):
    meta = json.load(open(os.path.join(out, "metadata.json"), encoding="utf-8"))
    expect("metadata description", meta["description"], DESCRIPTION)
    by_name = {p["name"]: p for p in meta["parameters"]}
    expect("metadata csv help", by_name["csv"]["helpText"], CSV_HELP)
    expect("metadata csv default", by_name["csv"]["defaultValue"], CSV)
    expect("metadata fill default", by_name["fill"]["defaultValue"], FILL)
    spec = json.load(open(os.path.join(out, "template.json"), encoding="utf-8"))
    expect("template image", spec["image"], IMAGE)
    expect("template metadata", spec["metadata"], meta)
    expect("template temp location", spec["defaultEnvironment"]["tempLocation"], TEMP)
    launch = json.load(open(os.path.join(out, "launch.json"), encoding="utf-8"))
    expect("launch temp location", launch["launchParameter"]["environment"]["tempLocation"], TEMP)


def check_readme(out):
    text = open(os.path.join(out, "README.md"), encoding="utf-8").read()
    block = text.split("## Launch it", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    words = shlex.split(block.replace("\\\n", " "))
    expect("README region", words[words.index("--region") + 1], REGION)
    block = text.split("## Build the template", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    words = shlex.split(block.replace("\\\n", " "))
    expect("README image", words[words.index("--tag") + 1], IMAGE)


out = sys.argv[1]
check_main(out)
check_json(out)
check_readme(out)
for p in problems:
    print(f"error: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print("ok: every hostile string has its intended value in main.py, the JSON files and the README")
