#!/usr/bin/env python3
"""Tests the VS Code support in editors/vscode/.

Tokenizes the real .mlp files (examples/, stdlib/std/ and tokens.mlp beside
this script, for the tokens those lack) with the TextMate grammar, using
textmate-grammar-python, and asserts the scope of every token class at known
places, found by their text. Also checks that every keyword and every
non-blank character is scoped, that half-typed code tokenizes, and that the
extension's manifest, language configuration and grammar agree.

Exit status 0 when every check passes; the last line is a summary.
"""
import glob
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXT = os.path.join(ROOT, "editors", "vscode")
GRAMMAR = os.path.join(EXT, "syntaxes", "mlp.tmLanguage.json")
TOKENS = os.path.join(ROOT, "test", "editors", "tokens.mlp")

# textmate_grammar creates a cache folder in the working directory on import.
_cwd = os.getcwd()
_scratch = tempfile.TemporaryDirectory()
os.chdir(_scratch.name)
from textmate_grammar.parsers.base import LanguageParser  # noqa: E402

os.chdir(_cwd)
logging.disable(logging.CRITICAL)  # it logs every unmatched character

RESERVED = ("import as schema record artifact component pipeline if else for in parallel "
            "finally return with true false none and or not").split()

failures = []
checks = 0


def expect(ok, message):
    global checks
    checks += 1
    if not ok:
        failures.append(message)


with open(GRAMMAR, encoding="utf-8") as f:
    grammar = json.load(f)
parser = LanguageParser(grammar)


def tokenize_text(text):
    """{(line, column): scopes} for every character of `text`."""
    element = parser.parse_string(text)
    scopes = {}
    for (line, col), content, names in element.flatten():
        for i in range(len(content)):
            scopes[(line, col + i)] = names
    return scopes


_files = {}


def tokenize(path):
    """(lines, scopes by position) of a file, tokenized once."""
    if path not in _files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        _files[path] = (text.split("\n"), tokenize_text(text))
    return _files[path]


def rel(path):
    return os.path.relpath(path, ROOT)


def as_token(text):
    """A regex for `text` that does not match inside a longer word."""
    return (r"(?<!\w)" if text[0].isalnum() or text[0] == "_" else "") + re.escape(text) + \
        (r"(?!\w)" if text[-1].isalnum() or text[-1] == "_" else "")


def scope(path, line_has, text, expected, nth=0):
    """The `nth` occurrence of `text` on the first line of `path` that
    contains `line_has` has the scope `expected` on all its characters."""
    lines, scopes = tokenize(path)
    where = f"{rel(path)}: `{text}` in `{line_has}`"
    for n, line in enumerate(lines):
        if line_has in line:
            found = [m.start() for m in re.finditer(as_token(text), line)]
            if len(found) <= nth:
                expect(False, f"{where}: text not found")
                return
            col = found[nth]
            got = [scopes.get((n, col + i), []) for i in range(len(text))]
            bad = [g for g in got if expected not in g]
            expect(not bad, f"{where} (line {n + 1}): expected {expected}, got {bad[0] if bad else ''}")
            return
    expect(False, f"{where}: line not found")


def lacks(path, line_has, text, unexpected):
    """Like `scope`, but the text must not have the scope `unexpected`."""
    lines, scopes = tokenize(path)
    for n, line in enumerate(lines):
        if line_has in line:
            found = re.search(as_token(text), line)
            got = scopes.get((n, found.start()), []) if found else []
            expect(found and unexpected not in got,
                   f"{rel(path)}: `{text}` in `{line_has}` should not be {unexpected}: {got}")
            return
    expect(False, f"{rel(path)}: line `{line_has}` not found")


def ex(name):
    return os.path.join(ROOT, "examples", name)


def std(name):
    return os.path.join(ROOT, "stdlib", "std", name)


def check_token_classes():
    penguin, containers, types = ex("penguin.mlp"), ex("containers.mlp"), ex("types.mlp")
    schemas, flow, loops = ex("schemas.mlp"), ex("control_flow.mlp"), ex("loops.mlp")
    exits, artifacts, dataflow = ex("exit_handler.mlp"), ex("artifacts.mlp"), ex("dataflow.mlp")
    main = ex(os.path.join("imports", "main.mlp"))

    # Keywords.
    scope(penguin, "import std.io as io", "import", "keyword.control.import.mlp")
    scope(penguin, "import std.io as io", "as", "keyword.control.import.mlp")
    scope(penguin, "schema Penguin", "schema", "keyword.declaration.schema.mlp")
    scope(types, "record Optimizer", "record", "keyword.declaration.record.mlp")
    scope(artifacts, "artifact PenguinModel", "artifact", "keyword.declaration.artifact.mlp")
    scope(containers, "component download_csv", "component", "keyword.declaration.component.mlp")
    scope(containers, "pipeline containers(", "pipeline", "keyword.declaration.pipeline.mlp")
    scope(penguin, "if evaluation.accuracy", "if", "keyword.control.conditional.mlp")
    scope(flow, "} else if", "else", "keyword.control.conditional.mlp")
    scope(loops, "for lr in", "for", "keyword.control.loop.mlp")
    scope(loops, "for lr in", "in", "keyword.control.loop.mlp", nth=0)
    scope(loops, "for lr in", "parallel", "keyword.control.loop.mlp")
    scope(exits, "  finally (status) {", "finally", "keyword.control.finally.mlp")
    scope(penguin, "return (model", "return", "keyword.control.return.mlp")
    scope(penguin, "epochs: epochs) with {", "with", "keyword.control.with.mlp")
    scope(flow, "or force_deploy", "or", "keyword.operator.logical.mlp")
    scope(flow, "allow_canary and", "and", "keyword.operator.logical.mlp")
    scope(TOKENS, "if not (seed", "not", "keyword.operator.logical.mlp")
    # `parallel` is a soft keyword: a name outside a loop header.
    scope(TOKENS, "parallel: int = 2", "parallel", "variable.parameter.mlp")
    scope(TOKENS, "and parallel % 2", "parallel", "variable.other.readwrite.mlp")
    # Constants.
    scope(flow, "force_deploy: bool = false", "false", "constant.language.boolean.false.mlp")
    scope(flow, "allow_canary: bool = true", "true", "constant.language.boolean.true.mlp")
    scope(TOKENS, "seed == none", "none", "constant.language.none.mlp")

    # Declaration names.
    scope(penguin, "schema Penguin", "Penguin", "entity.name.type.mlp")
    scope(types, "record TrainConfig", "TrainConfig", "entity.name.type.mlp")
    scope(artifacts, "artifact PenguinModel", "PenguinModel", "entity.name.type.mlp")
    scope(artifacts, "artifact PenguinModel: Model", "Model", "support.type.artifact.mlp")
    scope(containers, "component download_csv", "download_csv", "entity.name.function.mlp")
    scope(penguin, "pipeline penguin(", "penguin", "entity.name.function.mlp")
    scope(std("io.mlp"), "component read_csv<S>", "S", "entity.name.type.parameter.mlp")
    scope(penguin, "bill_length_mm: float?", "bill_length_mm", "variable.other.field.mlp")
    scope(penguin, "csv: string =", "csv", "variable.parameter.mlp")

    # Types, built-in and declared.
    scope(penguin, "bill_length_mm: float?", "float", "support.type.primitive.mlp")
    scope(penguin, "bill_length_mm: float?", "?", "keyword.operator.optional.mlp")
    scope(penguin, "year: int,", "int", "support.type.primitive.mlp")
    scope(penguin, "-> (model: Model", "Model", "support.type.artifact.mlp")
    scope(containers, "-> (table: Dataset<Penguin>)", "Dataset", "support.type.artifact.mlp")
    scope(containers, "-> (table: Dataset<Penguin>)", "Penguin", "entity.name.type.mlp")
    scope(containers, "-> (table: Dataset<Penguin>)", "<", "punctuation.definition.typeparameters.begin.mlp")
    scope(types, "features: list<string>,", "list", "support.type.builtin.mlp")
    scope(types, "class_weights: map<string, float> = {}", "map", "support.type.builtin.mlp")
    scope(types, "class_weights: map<string, float> = {}", "float", "support.type.primitive.mlp")
    scope(types, "config: TrainConfig,", "TrainConfig", "entity.name.type.mlp")
    line = "columns: list<column<S>>) -> (out: Dataset<S.require(columns)>)"
    scope(schemas, line, "column", "support.type.builtin.mlp")
    scope(schemas, line, "S", "entity.name.type.mlp", nth=2)
    scope(schemas, line, ">>", "punctuation.definition.typeparameters.end.mlp")
    scope(schemas, line, "->", "keyword.operator.arrow.mlp")
    scope(schemas, line, "require", "support.function.schema-operation.mlp")
    scope(schemas, "S.retype(columns, float)", "float", "support.type.primitive.mlp", nth=0)
    scope(schemas, "S.select(features).add({", "add", "support.function.schema-operation.mlp")
    scope(schemas, "S.select(features).add({", "predicted_species", "variable.other.field.mlp")
    scope(schemas, "counts: Dataset<{species: string, rows: int}>", "rows", "variable.other.field.mlp")
    scope(std("postprocess.mlp"), "transform: TransformGraph<*>", "*", "keyword.operator.wildcard.mlp")
    scope(main, "Dataset<common.Penguin>", "common", "entity.name.namespace.mlp")
    scope(main, "Dataset<common.Penguin>", "Penguin", "entity.name.type.mlp")
    scope(TOKENS, "tags: map<string, list<list<int>>>", ">>>", "punctuation.definition.typeparameters.end.mlp")
    # Explicit type arguments of a call, not the `<` operator.
    scope(penguin, "io.read_csv<Penguin>(path: csv)", "read_csv", "entity.name.function.mlp")
    scope(penguin, "io.read_csv<Penguin>(path: csv)", "Penguin", "entity.name.type.mlp")
    scope(penguin, "io.read_csv<Penguin>(path: csv)", "path", "variable.parameter.mlp")
    scope(penguin, "evaluation.accuracy >= min_accuracy", ">=", "keyword.operator.comparison.mlp")

    # Strings, escapes, interpolation.
    scope(penguin, '"examples/data/penguins_raw.csv"', "examples/data", "string.quoted.double.mlp")
    scope(penguin, '"examples/data/penguins_raw.csv"', '"', "punctuation.definition.string.begin.mlp")
    scope(containers, 'mkdir -p \\"$(dirname', '\\"', "constant.character.escape.mlp")
    scope(containers, 'mkdir -p \\"$(dirname', "$(dirname", "string.quoted.double.mlp")
    scope(TOKENS, "echo \\$HOME", "\\$", "constant.character.escape.mlp")
    scope(TOKENS, "echo \\$HOME", "\\t", "constant.character.escape.mlp")
    scope(containers, '"--min-year=${min_year}"', "${", "punctuation.section.interpolation.begin.mlp")
    scope(containers, '"--min-year=${min_year}"', "min_year}", "string.quoted.double.mlp")
    scope(containers, '"--min-year=${min_year}"', "min_year", "meta.embedded.expression.mlp")
    scope(containers, '"--min-year=${min_year}"', "min_year", "variable.other.readwrite.mlp")
    scope(containers, '"--min-year=${min_year}"', "}", "punctuation.section.interpolation.end.mlp")
    scope(flow, "accuracy ${scores.accuracy} is below", "scores", "variable.other.readwrite.mlp")
    scope(flow, "accuracy ${scores.accuracy} is below", ".", "punctuation.accessor.mlp")
    scope(flow, "accuracy ${scores.accuracy} is below", "accuracy", "variable.other.property.mlp", nth=1)
    lacks(flow, "accuracy ${scores.accuracy} is below", " is below", "meta.embedded.expression.mlp")

    # Placeholders of a container's command line.
    scope(containers, '"--input", data.path,', "path", "support.variable.placeholder.mlp")
    scope(containers, '"--input-uri", data.uri,', "uri", "support.variable.placeholder.mlp", nth=1)
    scope(containers, "if_present(island, then:", "if_present", "support.function.placeholder.mlp")
    scope(containers, "if_present(island, then:", "then", "variable.parameter.mlp")
    scope(std("gcp.mlp"), "concat(", "concat", "support.function.placeholder.mlp")
    scope(TOKENS, 'else: ["--seed=0"]', "else", "variable.parameter.mlp")
    lacks(penguin, "raw.table,", "table", "support.variable.placeholder.mlp")

    # Numbers.
    scope(penguin, "epochs: int = 200", "200", "constant.numeric.integer.mlp")
    scope(penguin, "min_accuracy: float = 0.95", "0.95", "constant.numeric.float.mlp")
    scope(TOKENS, "size: int = 1_024", "1_024", "constant.numeric.integer.mlp")
    scope(TOKENS, "learning_rate: float = 2.5e-3", "2.5e-3", "constant.numeric.float.mlp")
    scope(TOKENS, "decay: float = 1e6", "1e6", "constant.numeric.float.mlp")

    # Comments.
    scope(penguin, "// Fit on the training split", "Fit on", "comment.line.double-slash.mlp")
    scope(penguin, "/// Palmer penguins", "///", "comment.block.documentation.mlp")
    scope(penguin, "/// The raw data", "raw data", "comment.block.documentation.mlp")
    scope(TOKENS, "/* A block comment", "A block", "comment.block.mlp")
    scope(TOKENS, "over two lines. */", "over two lines. */", "comment.block.mlp")
    lacks(TOKENS, "/* A block comment", "/*", "comment.block.documentation.mlp")

    # Operators and punctuation.
    scope(penguin, "raw = io.read_csv", "=", "keyword.operator.assignment.mlp")
    scope(penguin, "-> (model: Model", "->", "keyword.operator.arrow.mlp")
    scope(TOKENS, "parallel % 2 != 1", "%", "keyword.operator.arithmetic.mlp")
    scope(TOKENS, "parallel % 2 != 1", "!=", "keyword.operator.comparison.mlp")
    scope(TOKENS, "size: 2 * 3 - 1", "*", "keyword.operator.arithmetic.mlp")
    scope(TOKENS, "learning_rate: 0.5 / 2", "/", "keyword.operator.arithmetic.mlp")
    scope(TOKENS, "import std.io as io;", ";", "punctuation.terminator.statement.mlp")
    scope(penguin, "raw.table,", ".", "punctuation.accessor.mlp")
    scope(penguin, "raw.table,", "table", "variable.other.property.mlp")
    scope(penguin, "raw.table,", ",", "punctuation.separator.comma.mlp")
    scope(containers, 'image: "curlimages', "image", "variable.other.property.mlp")
    scope(containers, "  container {", "container", "variable.other.property.mlp")
    scope(containers, "raw = download_csv(url: url)", "url", "variable.parameter.mlp")

    # Annotations.
    scope(dataflow, "@dataflow(", "@", "punctuation.definition.annotation.mlp")
    scope(dataflow, "@dataflow(", "dataflow", "storage.type.annotation.mlp")
    scope(dataflow, "  region: \"us-central1\",", "region", "variable.parameter.mlp")

    # Backquoted identifiers, even of reserved words.
    scope(schemas, "`Delta 15 N (o/oo)`: float?", "Delta 15 N", "variable.other.backquoted.mlp")
    scope(schemas, "`Delta 15 N (o/oo)`: float?", "Delta 15 N", "variable.other.field.mlp")
    scope(schemas, "columns: [`Delta 15 N (o/oo)`, sex]", "`", "punctuation.definition.variable.begin.mlp")
    scope(TOKENS, "`schema`: string", "schema", "variable.other.backquoted.mlp")
    lacks(TOKENS, "`schema`: string", "schema", "keyword.declaration.schema.mlp")


def check_builtin_types():
    """Every built-in type of the checker is highlighted as one."""
    with open(os.path.join(ROOT, "frontend", "sema", "ArtifactTypes.def"), encoding="utf-8") as f:
        artifacts = re.findall(r"^ARTIFACT\((\w+),", f.read(), re.M)
    with open(os.path.join(ROOT, "frontend", "sema", "Declarations.cpp"), encoding="utf-8") as f:
        block = re.search(r"kPrimitiveNames = \{([^}]*)\}", f.read()).group(1)
    primitives = re.findall(r'"(\w+)"', block)
    expect(len(artifacts) > 20 and "TaskFinalStatus" in primitives, "built-in type lists not found")
    for name in artifacts + primitives:
        scopes = tokenize_text(f"component c(x: {name}) {{}}\n").get((0, 15), [])
        expect(any(s.startswith("support.type.") for s in scopes), f"built-in type {name}: {scopes}")


def check_every_file(paths):
    """Every non-blank character is scoped, and every reserved word as such."""
    word = re.compile(r"\b(" + "|".join(RESERVED) + r")\b")
    for path in paths:
        try:
            lines, scopes = tokenize(path)
        except Exception as err:  # the check is that it never raises
            expect(False, f"{rel(path)}: tokenizing raised {err!r}")
            continue
        unscoped = [(n + 1, c + 1) for n, line in enumerate(lines) for c, ch in enumerate(line)
                    if not ch.isspace() and len(scopes.get((n, c), [])) < 2]
        expect(not unscoped, f"{rel(path)}: characters with only the root scope at {unscoped[:5]}")
        for n, line in enumerate(lines):
            for m in word.finditer(line):
                got = scopes.get((n, m.start()), [])
                if any(s.startswith(("comment.", "string.", "variable.other.backquoted")) for s in got):
                    continue
                # `pipeline:` (a property), `else:` (an argument) and a soft
                # `parallel` used as a name are names; the rest are keywords.
                as_name = re.match(r"\s*:", line[m.end():]) or m.group() == "parallel"
                ok = any(s.startswith(("keyword.", "constant.language.")) for s in got)
                if as_name:
                    ok = ok or any(s.startswith("variable.") for s in got)
                expect(ok, f"{rel(path)}:{n + 1}:{m.start() + 1}: `{m.group()}` scoped {got}")


def check_half_typed_code():
    """Unfinished code tokenizes, and what follows it is scoped again."""
    with open(ex("containers.mlp"), encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    for n in range(0, len(lines), 4):
        prefix = "\n".join(lines[:n] + [lines[n][: len(lines[n]) // 2]])
        try:
            tokenize_text(prefix)
            expect(True, "")
        except Exception as err:
            expect(False, f"containers.mlp cut at line {n + 1}: tokenizing raised {err!r}")
    rest = text[text.index("/// Downloads a CSV file"):]
    for broken in ("schema Half\n", "artifact Bare: Model\n", 'x = "unterminated\n', "x = ${\n"):
        scopes = tokenize_text(broken + rest)
        line = rest.split("\n").index("component download_csv(") + broken.count("\n")
        got = scopes.get((line, len("component ")), [])
        expect("entity.name.function.mlp" in got, f"after {broken!r}: `download_csv` scoped {got}")


def check_extension():
    """The manifest, the language configuration and the grammar agree."""
    with open(os.path.join(EXT, "package.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    contributes = manifest["contributes"]
    [language] = contributes["languages"]
    [entry] = contributes["grammars"]
    expect(manifest["name"] == "mlpc" and manifest["publisher"] == "mlpc", "extension id is not mlpc.mlpc")
    expect(language["id"] == "mlp" and ".mlp" in language["extensions"], f"language: {language}")
    expect(entry["language"] == language["id"], "grammar is not for the language")
    expect(entry["scopeName"] == grammar["scopeName"] == "source.mlp", "scopeName mismatch")
    expect(os.path.samefile(os.path.join(EXT, entry["path"]), GRAMMAR), f"grammar path {entry['path']}")
    expect(f"onLanguage:{language['id']}" in manifest["activationEvents"], "no onLanguage activation")
    expect(os.path.isfile(os.path.join(EXT, manifest["main"])), f"main {manifest['main']} missing")
    expect("vscode-languageclient" in manifest["dependencies"], "no vscode-languageclient dependency")
    settings = contributes["configuration"]["properties"]
    expect(settings.get("mlpc.path", {}).get("default") == "mlpc", "mlpc.path default is not mlpc")
    expect("mlpc.trace.server" in settings, "no mlpc.trace.server setting")

    with open(os.path.join(EXT, language["configuration"]), encoding="utf-8") as f:
        config = json.load(f)
    expect(config["comments"] == {"lineComment": "//", "blockComment": ["/*", "*/"]}, "comment syntax")
    opens = {p["open"] for p in config["autoClosingPairs"]}
    expect({b[0] for b in config["brackets"]} | {'"', "`"} <= opens, "a bracket or quote does not auto-close")
    words = re.findall(config["wordPattern"], "x = `Culmen Length (mm)` + 1_000.5e-3")
    expect(words == ["x", "`Culmen Length (mm)`", "1_000.5e-3"], f"wordPattern splits into {words}")
    [doc_rule] = [r for r in config["onEnterRules"] if r["action"].get("appendText") == "/// "]
    expect(re.match(doc_rule["beforeText"], "  /// Doc.") and not re.match(doc_rule["beforeText"], "  // x"),
           "onEnterRules do not continue /// doc comments only")
    increase = re.compile(config["indentationRules"]["increaseIndentPattern"])
    expect(increase.match("component c(x: int) {") and not increase.match("  x = f(a)"), "indentation rules")

    with open(os.path.join(EXT, "extension.js"), encoding="utf-8") as f:
        source = f.read()
    expect('args: ["lsp"]' in source and 'language: "mlp"' in source, "extension.js does not start `mlpc lsp`")
    if shutil.which("node"):
        run = subprocess.run(["node", "--check", os.path.join(EXT, "extension.js")], capture_output=True, text=True)
        expect(run.returncode == 0, f"extension.js: {run.stderr}")
    with open(os.path.join(EXT, ".vscodeignore"), encoding="utf-8") as f:
        ignored = f.read()
    expect(not re.search(r"^(package\.json|extension\.js|syntaxes/mlp|language-)", ignored, re.M),
           ".vscodeignore leaves out a file the extension needs")

    run = subprocess.run([sys.executable, os.path.join(EXT, "syntaxes", "generate_grammar.py"), "--check"],
                         capture_output=True, text=True)
    expect(run.returncode == 0, f"grammar JSON is stale: {run.stderr.strip()}")


def main():
    paths = sorted(glob.glob(os.path.join(ROOT, "examples", "**", "*.mlp"), recursive=True)
                   + glob.glob(os.path.join(ROOT, "stdlib", "std", "*.mlp"))) + [TOKENS]
    check_every_file(paths)
    check_token_classes()
    check_builtin_types()
    check_half_typed_code()
    check_extension()
    for message in failures:
        print("FAIL:", message)
    print(f"grammar: {checks - len(failures)} of {checks} checks passed on {len(paths)} files")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
