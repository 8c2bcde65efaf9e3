#!/usr/bin/env python3
"""Writes a corpus of hostile .mlp files for the bad-input test.

    generate.py OUTDIR

Every top-level OUTDIR/*.mlp is one test input that `mlpc check` must reject
with exit status 1 and an `error[E....]` diagnostic, without crashing or
hanging (test/badinput/run.py checks that). Files that exist only to be
imported (import cycles, deep import chains, the examples' libraries) go into
subfolders of OUTDIR, which run.py does not check on their own.

Nothing large is committed: the corpus (about 90 MB, nearly all of it the
~10 MB inputs and one over the 32 MiB source limit) is written fresh on every
run. Hand-written small cases in test/badinput/cases/*.mlp are copied in as
`case_<name>.mlp`.

Each example (examples/**/*.mlp) is cut at 8 evenly spaced byte offsets, each
moved to the nearest offset where a bracket is still open (outside comments
and strings), so that no cut can leave a complete, valid file by chance.

OUTDIR is emptied first, but only if it is empty, missing, or was written by
this script before (it holds the marker file `.badinput-corpus`).
"""
import os
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CASES = Path(__file__).resolve().parent / "cases"
MARKER = ".badinput-corpus"

DEEP = 10_000          # nesting depth of the deep-nesting inputs
TERMS = 100_000        # terms of the long `a + a + ...` expression
BIG = 10 * 1024 * 1024  # ~10 MB inputs
TRUNCATIONS = 8        # truncation points per example file

# A small valid program the hostile inputs are spliced into: a record, a
# schema, two components and a pipeline. `mlpc check` accepts it as is.
PRELUDE = """\
record R { a: int, b: string = "x" }
schema S { a: int, b: string?, c: float }
component noop(x: int) -> (y: int) {
  container { image: "python:3.11-slim" command: ["true"] args: [x, y.path] }
}
component read(uri: string) -> (data: Dataset<S>) {
  container { image: "python:3.11-slim" command: ["true"] args: [uri, data.path] }
}
"""


def pipeline(body: str, params: str = "a: int = 1, s: string = \"x\"") -> str:
    """PRELUDE plus a pipeline whose body is `body`."""
    return PRELUDE + f"pipeline p({params}) -> (r: int) {{\n  t = noop(x: a)\n{body}\n  return (r: t.y)\n}}\n"


class Corpus:
    def __init__(self, out: Path):
        self.out = out
        self.count = 0

    def add(self, name: str, data, companion: bool = False) -> Path:
        """Writes one file; `name` may contain folders (companions)."""
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        path.write_bytes(data)
        if not companion:
            assert "/" not in name and name.endswith(".mlp"), name
            self.count += 1
        return path


def prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        out.unlink()
    elif out.is_dir() and any(out.iterdir()):
        if not (out / MARKER).exists():
            sys.exit(f"generate.py: {out} is not empty and was not written by generate.py; "
                     "refusing to delete it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by test/badinput/generate.py; deleted on the next run\n")


# --- truncated examples -------------------------------------------------------

def open_depth(data: bytes) -> list:
    """depth[i] = brackets `( [ {` left open by data[:i] (outside comments,
    strings and quoted names). A prefix with an open bracket can never be a
    complete file, so truncating there always leaves an error to report."""
    depth = [0] * (len(data) + 1)
    d, i, n = 0, 0, len(data)
    while i < n:
        c = data[i:i + 1]
        step = 1
        if data.startswith(b"//", i):
            j = data.find(b"\n", i)
            step = (n if j < 0 else j) - i
        elif data.startswith(b"/*", i):
            j = data.find(b"*/", i + 2)
            step = (n if j < 0 else j + 2) - i
        elif c == b'"':
            j = i + 1
            while j < n and data[j:j + 1] not in (b'"', b"\n"):
                j += 2 if data[j:j + 1] == b"\\" else 1
            step = min(j + 1, n) - i
        elif c == b"`":
            j = data.find(b"`", i + 1)
            step = (n if j < 0 else j + 1) - i
        elif c in (b"(", b"[", b"{"):
            d += 1
        elif c in (b")", b"]", b"}"):
            d = max(0, d - 1)
        step = max(1, min(step, n - i))
        for k in range(i + 1, i + step + 1):
            depth[k] = d  # comments and strings leave the depth as it was
        i += step
    return depth


def truncations(corpus: Corpus) -> None:
    files = sorted(EXAMPLES.rglob("*.mlp"))
    for src in files:
        data = src.read_bytes()
        depth = open_depth(data)
        stem = "_".join(src.relative_to(EXAMPLES).with_suffix("").parts)
        used = set()
        for k in range(1, TRUNCATIONS + 1):
            target = len(data) * k // (TRUNCATIONS + 1)
            # The nearest offset inside an open bracket (see open_depth).
            best = None
            for delta in range(0, len(data)):
                for off in (target + delta, target - delta):
                    if 0 < off < len(data) and depth[off] > 0 and off not in used:
                        best = off
                        break
                if best is not None:
                    break
            if best is None:
                continue
            used.add(best)
            corpus.add(f"trunc_{stem}_{k}_at{best}.mlp", data[:best])
    # What the examples import or read, at the same relative paths, so that a
    # truncated example fails for its truncation and not for a missing file.
    for sub in ("py", "imports/lib"):
        srcdir = EXAMPLES / sub
        if srcdir.is_dir():
            shutil.copytree(srcdir, corpus.out / Path(sub).name, dirs_exist_ok=True)


# --- encodings and bytes ------------------------------------------------------

def encodings(corpus: Corpus) -> None:
    valid = pipeline('  v = "text"').encode()
    cut = valid.index(b"text")
    bad = {
        "lone_continuation": b"\x80",
        "lone_continuation_run": b"\xbf\xbf\xbf",
        "overlong_slash_2byte": b"\xc0\xaf",
        "overlong_3byte": b"\xe0\x80\xaf",
        "overlong_4byte": b"\xf0\x80\x80\xaf",
        "overlong_nul": b"\xc0\x80",
        "surrogate_high": b"\xed\xa0\x80",
        "surrogate_low": b"\xed\xbf\xbf",
        "surrogate_pair_cesu8": b"\xed\xa0\xbd\xed\xb8\x80",
        "above_10ffff": b"\xf4\x90\x80\x80",
        "byte_f5": b"\xf5\x80\x80\x80",
        "byte_ff": b"\xff",
        "lead_without_continuation": b"\xe2x\x82",
    }
    for name, seq in bad.items():
        corpus.add(f"utf8_{name}_in_string.mlp", valid[:cut] + seq + valid[cut:])
    # Outside strings: in a comment, in an identifier, at the very start.
    corpus.add("utf8_in_comment.mlp", b"// caf\xe9 (latin-1)\n" + PRELUDE.encode())
    corpus.add("utf8_in_identifier.mlp", pipeline("  v\xff = 1").encode("latin-1"))
    corpus.add("utf8_at_start.mlp", b"\xfe\xff" + PRELUDE.encode())
    corpus.add("utf16le_bom.mlp", b"\xff\xfe" + PRELUDE.encode("utf-16-le"))
    # Truncated multi-byte sequences at end of file.
    for name, seq in {"2byte": b"\xc3", "3byte": b"\xe2\x82", "4byte": b"\xf0\x9f\x98"}.items():
        corpus.add(f"utf8_truncated_{name}_at_eof.mlp", PRELUDE.encode() + b"// end \xe2\x82\xac " + seq)
    # Valid UTF-8 where only ASCII is allowed: an invalid character, not a crash.
    corpus.add("unicode_identifier.mlp", pipeline("  caf\u00e9 = 1\n  x = \U0001F600 + 1"))
    corpus.add("unicode_bidi_override.mlp", pipeline('  v = 1 \u202e+ 2'))
    # NUL bytes.
    corpus.add("nul_between_tokens.mlp", pipeline("  v = 1 \0+ 2"))
    corpus.add("nul_at_start.mlp", "\0" + PRELUDE)
    corpus.add("nul_run_midfile.mlp", PRELUDE + "\0" * 4096 + "pipeline q() {}\n")
    # NUL inside a comment and a string, on a line that also has an error, so
    # the snippet printer has to show a line with a NUL in it.
    corpus.add("nul_in_comment_line.mlp", pipeline("  v = undefined_name // a \0 b"))
    corpus.add("nul_in_string_line.mlp", pipeline('  v = "a\0b" + undefined_name'))
    # Garbage: random bytes, random printable ASCII, random token soup.
    rng = random.Random(1234)
    corpus.add("garbage_random_bytes.mlp", bytes(rng.randrange(256) for _ in range(65536)))
    printable = [chr(c) for c in range(32, 127)] + ["\n", "\t"]
    corpus.add("garbage_printable.mlp", "".join(rng.choice(printable) for _ in range(65536)))
    vocab = ["import", "as", "schema", "record", "artifact", "component", "pipeline", "if",
             "else", "for", "in", "parallel", "finally", "return", "with", "true", "false",
             "none", "and", "or", "not", "->", "(", ")", "{", "}", "[", "]", "<", ">", "<=",
             ">=", "==", "!=", "=", ":", ",", ";", ".", "?", "@", "+", "-", "*", "/", "%",
             "1", "2.5", "1e3", '"s"', '"${x}"', "x", "Dataset", "list", "map", "int", "`q q`",
             "\n", "/// doc\n", "// c\n", "/* c */"]
    corpus.add("garbage_token_soup.mlp", " ".join(rng.choice(vocab) for _ in range(50_000)))


# --- deep nesting and long expressions ------------------------------------------

def nesting(corpus: Corpus) -> None:
    n = DEEP
    corpus.add("deep_parens.mlp", pipeline("  v = " + "(" * n + "1" + ")" * n))
    corpus.add("deep_parens_unclosed.mlp", pipeline("  v = " + "(" * n + "1"))
    corpus.add("deep_brackets.mlp", pipeline("  v = " + "[" * n + "1" + "]" * n))
    corpus.add("deep_braces_map.mlp", pipeline("  v = " + "{k: " * n + "1" + "}" * n))
    corpus.add("deep_braces_bare.mlp", pipeline("  " + "{" * n + "}" * n))
    corpus.add("deep_list_type.mlp",
               PRELUDE + "component c(x: " + "list<" * n + "int" + ">" * n + ") -> (y: int) {\n"
               "  container { image: \"i\" args: [y.path] }\n}\n")
    corpus.add("deep_map_type.mlp",
               PRELUDE + "component c(x: " + "map<string, " * n + "int" + ">" * n + ") -> (y: int) {\n"
               "  container { image: \"i\" args: [y.path] }\n}\n")
    corpus.add("deep_inline_schema_type.mlp",
               PRELUDE + "component c(x: Dataset<" + "{a: " * n + "int" + "}" * n + ">) -> (y: int) {\n"
               "  container { image: \"i\" args: [y.path] }\n}\n")
    corpus.add("deep_not.mlp", pipeline("  v = " + "not " * n + "true"))
    corpus.add("deep_minus.mlp", pipeline("  v = " + "- " * n + "1"))
    corpus.add("deep_minus_nospace.mlp", pipeline("  v = " + "-" * n + "1"))
    corpus.add("deep_not_minus_alternating.mlp", pipeline("  v = " + "not -" * (n // 2) + "1"))
    corpus.add("deep_paren_minus.mlp", pipeline("  v = " + "-(" * n + "1" + ")" * n))
    corpus.add("deep_if.mlp", pipeline("  " + "if a > 0 { " * n + "v = 1" + " }" * n))
    corpus.add("deep_for.mlp", pipeline("  " + "for i in [1] { " * n + "v = i" + " }" * n))
    corpus.add("deep_else_if_chain.mlp",
               pipeline("  if a == 0 { v = 0 }" + "".join(f"\n  else if a == {i} {{ v = {i} }}" for i in range(1, n))
                        + " else { v = -1 }\n  w = undefined_after_chain"))
    corpus.add("deep_member_chain.mlp", pipeline("  v = t" + ".y" * n))
    corpus.add("deep_member_chain_undefined.mlp", pipeline("  v = a" + ".b" * n))
    corpus.add("deep_member_chain_type.mlp",
               PRELUDE + "component c(x: a" + ".b" * n + ") -> (y: int) {\n"
               "  container { image: \"i\" args: [y.path] }\n}\n")
    corpus.add("deep_member_chain_import.mlp", "import std" + ".b" * n + "\n" + PRELUDE)
    corpus.add("deep_member_chain_placeholder.mlp",
               PRELUDE + "component c(x: int) -> (y: int) {\n"
               "  container { image: \"i\" args: [x" + ".b" * n + ", y.path] }\n}\n")
    corpus.add("deep_call_chain.mlp", pipeline("  v = noop" + "(x: 1)" * n))
    corpus.add("deep_index_chain.mlp", pipeline("  v = [1]" + "[0]" * n))
    corpus.add("deep_schema_ops.mlp",
               PRELUDE + "component c<T>(x: Dataset<T>, cols: list<column<T>>) -> (y: Dataset<T"
               + ".require(cols)" * n + ">) {\n  container { image: \"i\" args: [x.path, y.path] }\n}\n"
               "pipeline q() {\n  d = read(uri: \"u\")\n  e = c(d.data, cols: [nope])\n}\n")
    # Inside a string interpolation `${...}`, which is parsed on its own.
    corpus.add("interp_deep_not.mlp", pipeline('  v = "${' + "not " * n + 'true}"'))
    corpus.add("interp_deep_minus.mlp", pipeline('  v = "${' + "- " * n + '1}"'))
    corpus.add("interp_deep_parens.mlp", pipeline('  v = "${' + "(" * n + "1" + ")" * n + '}"'))
    corpus.add("interp_deep_member_chain.mlp", pipeline('  v = "${t' + ".y" * n + '}"'))
    corpus.add("interp_long_sum.mlp", pipeline('  v = "${' + " + ".join(["a"] * TERMS) + '}"'))
    corpus.add("interp_unclosed.mlp", pipeline('  v = "${a"'))
    corpus.add("interp_many.mlp", pipeline('  v = "' + "${a}" * 50_000 + '${nope}"'))
    # Long flat expressions (no brackets: deep trees from left recursion).
    corpus.add("long_sum.mlp", pipeline("  v = " + " + ".join(["a"] * TERMS)))
    corpus.add("long_sum_undefined.mlp", pipeline("  v = " + " + ".join(["zz"] * TERMS)))
    corpus.add("long_mixed_ops.mlp",
               pipeline("  v = " + " ".join(f"a {op}" for op in ["+", "*", "-", "/", "%", "<", "==", "and", "or"] * (TERMS // 9)) + " a"))
    corpus.add("long_and_chain.mlp", pipeline("  if " + " and ".join(["a > 0"] * (TERMS // 4)) + " { v = 1 }"))
    corpus.add("long_list_literal.mlp", pipeline("  v = [" + ", ".join(["1"] * TERMS) + ', "s"]'))


# --- size ----------------------------------------------------------------------

def sizes(corpus: Corpus) -> None:
    # ~10 MB of valid-looking declarations with distinct names, and garbage at
    # the very end: the fast parse fails only there, so the whole file is
    # parsed a second time with error recovery.
    unit = ("schema S{i} {{ a: int, b: string?, c: float }}\n"
            "component c{i}(x: int, d: Dataset<S{i}>) -> (y: int, m: Model) {{\n"
            "  container {{ image: \"python:3.11-slim\" command: [\"python3\", \"-m\", \"t\"]"
            " args: [x, d.path, y.path, m.path] }}\n"
            "  resources {{ cpu: \"1\", memory: \"1Gi\" }}\n}}\n"
            "pipeline p{i}(uri: string = \"gs://b/{i}.csv\", n: int = {i}) -> (r: int) {{\n"
            "  t = c{i}(x: n, d: read(uri: uri).data)\n"
            "  if t.y > 3 {{ u = c{i}(x: t.y + 1, d: read(uri: uri).data) }}\n"
            "  return (r: t.y)\n}}\n")
    parts, size, i = [PRELUDE], len(PRELUDE), 0
    while size < BIG:
        s = unit.format(i=i)
        parts.append(s)
        size += len(s)
        i += 1
    text = "".join(parts)
    corpus.add("big_10mb_garbage_at_end.mlp", text + "\n}}}) garbage ((( @@ \n")
    # The same with garbage sprinkled through it (many recoveries).
    rng = random.Random(99)
    chunks = []
    for k, s in enumerate(parts):
        chunks.append(s)
        if k % 50 == 49:
            chunks.append("".join(rng.choice("(){}[]<>=:,.;@?+-*/%abc 123\"") for _ in range(40)) + "\n")
    corpus.add("big_10mb_garbage_sprinkled.mlp", "".join(chunks))
    # The same declarations repeated under the same names: many duplicates.
    dup = unit.format(i=0)
    corpus.add("big_10mb_duplicates.mlp", PRELUDE + dup * (BIG // len(dup)))
    # One 10 MB line with one error on it (the snippet printer must cope).
    corpus.add("big_single_line.mlp", pipeline("  v = " + " + ".join(["1"] * 200) + " + " + "\"" + "x" * BIG + "\" + nope"))
    # Over the 32 MiB limit: a clean error, not an out-of-memory.
    corpus.add("big_over_limit.mlp", PRELUDE + "// " + "x" * (33 * 1024 * 1024) + "\n")
    # Many diagnostics: 20,000 unused bindings (warnings) on one long line, plus an error.
    corpus.add("many_warnings_one_line.mlp",
               pipeline("  " + " ".join(f"v{k} = {k};" for k in range(20_000)) + " w = nope"))
    # 50,000 distinct undefined names (suggestions against a big scope).
    corpus.add("many_undefined_names.mlp",
               pipeline("\n".join(f"  b{k} = 1" for k in range(20_000)) + "\n"
                        + "\n".join(f"  c{k} = b{k}x" for k in range(50_000))))
    corpus.add("long_identifier.mlp", pipeline("  v = " + "q" * 1_000_000))
    corpus.add("long_string_literal_unterminated.mlp", pipeline('  v = "' + "x" * 1_000_000))
    corpus.add("many_params.mlp",
               PRELUDE + "component c(" + ",\n".join(f"p{k}: int" for k in range(20_000)) + ") -> (y: int) {\n"
               "  container { image: \"i\" args: [y.path] }\n}\n"
               "pipeline q() {\n  t = c(" + ",\n".join(f'p{k}: "s"' for k in range(20_000)) + ")\n}\n")
    corpus.add("many_duplicate_definitions.mlp", PRELUDE + "record R { a: int }\n" * 20_000)


# --- imports -------------------------------------------------------------------

def imports(corpus: Corpus) -> None:
    corpus.add("import_unknown_std.mlp", "import std.nope\n" + pipeline("  v = nope.read_csv(path: \"x\")"))
    corpus.add("import_unknown_std_alias.mlp", "import std.nope as io\nimport std.io.extra\n" + PRELUDE)
    corpus.add("import_not_std.mlp", "import foo.bar\n" + PRELUDE)
    corpus.add("import_unknown_relative.mlp", 'import "no/such/file.mlp" as gone\n' + pipeline("  v = gone.x"))
    corpus.add("import_directory.mlp", 'import "companions" as dir\n' + PRELUDE)
    corpus.add("import_empty_path.mlp", 'import "" as empty\n' + PRELUDE)
    corpus.add("import_self.mlp", 'import "import_self.mlp" as me\n' + PRELUDE)
    corpus.add("import_duplicate.mlp", "import std.io\nimport std.io\nimport std.transform as io\n" + PRELUDE)
    corpus.add("import_nul_in_path.mlp", 'import "a\0b.mlp" as x\n' + PRELUDE)
    # A 2-file and a 3-file cycle; the rest of each cycle lives in companions/.
    corpus.add("import_cycle2.mlp", 'import "companions/cycle2_b.mlp" as b\n' + PRELUDE)
    corpus.add("companions/cycle2_b.mlp", 'import "../import_cycle2.mlp" as a\nschema B { x: int }\n', companion=True)
    corpus.add("import_cycle3.mlp", 'import "companions/cycle3_b.mlp" as b\n' + PRELUDE)
    corpus.add("companions/cycle3_b.mlp", 'import "cycle3_c.mlp" as c\nschema B { x: int }\n', companion=True)
    corpus.add("companions/cycle3_c.mlp", 'import "../import_cycle3.mlp" as a\nschema C { x: int }\n', companion=True)
    # A diamond and a cycle that do not include the root file.
    corpus.add("import_inner_cycle.mlp", 'import "companions/inner_a.mlp" as ia\n' + PRELUDE)
    corpus.add("companions/inner_a.mlp", 'import "inner_b.mlp" as b\nschema A { x: int }\n', companion=True)
    corpus.add("companions/inner_b.mlp", 'import "inner_a.mlp" as a\nschema B { x: int }\n', companion=True)
    # A chain 1,000 files long whose last file has an error.
    depth = 1000
    corpus.add("import_deep_chain.mlp", 'import "companions/chain/1.mlp" as next\n' + PRELUDE)
    for k in range(1, depth):
        corpus.add(f"companions/chain/{k}.mlp", f'import "{k + 1}.mlp" as next\nschema S{k} {{ x: int }}\n', companion=True)
    corpus.add(f"companions/chain/{depth}.mlp", "schema Last { x: nope }\n", companion=True)
    # Imports and Python files that are not regular files: a FIFO blocks a
    # reader until a writer comes, so reading one must be refused, not waited on.
    if hasattr(os, "mkfifo"):
        os.mkfifo(corpus.out / "companions" / "fifo.mlp")
        corpus.add("import_fifo.mlp", 'import "companions/fifo.mlp" as f\n' + PRELUDE)
        corpus.add("python_file_fifo.mlp", PRELUDE +
                   "component c(x: int) -> (y: int) {\n"
                   "  python { file: \"companions/fifo.mlp\", function: \"f\" }\n}\n")
    corpus.add("import_dev_zero.mlp", 'import "/dev/zero" as z\n' + PRELUDE)
    # Imported files that are themselves broken.
    corpus.add("import_broken_utf8.mlp", 'import "companions/broken_utf8.mlp" as b\n' + PRELUDE)
    corpus.add("companions/broken_utf8.mlp", b"schema B { x: int }\n// \xc0\xaf\n", companion=True)
    corpus.add("import_broken_syntax.mlp", 'import "companions/broken_syntax.mlp" as b\n' + PRELUDE)
    corpus.add("companions/broken_syntax.mlp", "schema B { x: int \ncomponent (\n", companion=True)
    corpus.add("import_member_of_broken.mlp",
               'import "companions/broken_syntax.mlp" as b\n' + pipeline("  v = b.B\n  w = b.c(x: 1)"))


# --- type errors and declarations --------------------------------------------------

TYPES = {
    "int": "int", "float": "float", "string": "string", "bool": "bool",
    "list_int": "list<int>", "list_string": "list<string>", "map": "map<string, int>",
    "record": "R", "opt_int": "int?", "dataset": "Dataset<S>", "model": "Model",
    "artifact": "Artifact", "metrics": "Metrics",
}
# Values of the parameters of the pipeline below, by the type names above.
VALUES = {
    "int": "1", "float": "1.5", "string": '"s"', "bool": "true", "list_int": "[1, 2]",
    "list_string": '["a"]', "map": "{k: 1}", "record": "{a: 1, b: \"x\"}", "none": "none",
    "dataset": "d.data", "model": "m.model", "metrics": "mt.metrics",
    "component": "noop", "schema": "S", "task": "t", "neg": "-1", "interp": '"${a}"',
    "list_mixed": '[1, "a"]', "list_list": "[[1]]", "map_str_key": '{"k": "v"}',
    "empty_list": "[]", "empty_map": "{}", "bad_record": "{a: \"no\", zz: 1}",
}


def types(corpus: Corpus) -> None:
    comps = []
    for name, ty in TYPES.items():
        out = "y: int"
        comps.append(f"component take_{name}(x: {ty}) -> ({out}) {{\n"
                     f"  container {{ image: \"i\" args: [y.path] }}\n}}\n")
    comps.append("component make_model() -> (model: Model) {\n  container { image: \"i\" args: [model.path] }\n}\n")
    comps.append("component make_metrics() -> (metrics: Metrics) {\n  container { image: \"i\" args: [metrics.path] }\n}\n")
    compatible = {("int", "float"), ("int", "opt_int"), ("none", "opt_int"), ("neg", "int"),
                  ("neg", "float"), ("neg", "opt_int"), ("list_int", "list_int"),
                  ("list_string", "list_string"), ("map", "map"), ("record", "record"),
                  ("dataset", "dataset"), ("model", "model"), ("model", "artifact"),
                  ("metrics", "metrics"), ("metrics", "artifact"), ("dataset", "artifact"),
                  ("interp", "string"), ("empty_list", "list_int"), ("empty_list", "list_string"),
                  ("empty_map", "map"), ("list_list", "list_int"), ("task", "int"),
                  ("task", "float"), ("task", "opt_int"), ("map_str_key", "map")}
    calls = []
    k = 0
    for tname in TYPES:
        for vname, value in VALUES.items():
            if vname == tname or (vname, tname) in compatible:
                continue
            calls.append(f"  w{k} = take_{tname}(x: {value})")
            k += 1
    body = ("  d = read(uri: \"u\")\n  m = make_model()\n  mt = make_metrics()\n" + "\n".join(calls))
    corpus.add("wrong_types_everywhere.mlp", "".join(comps) + pipeline(body))
    # The standard library called with every parameter of the wrong type.
    std = ("import std.io as io\nimport std.transform as tf\nimport std.train as train\n"
           "import std.eval as eval\nimport std.infer as infer\n" + PRELUDE +
           "pipeline q(n: int = 1) {\n"
           "  raw = io.read_csv<S>(path: 42, delimiter: true)\n"
           "  raw2 = io.read_csv<int>(path: \"p\")\n"
           "  raw3 = io.read_csv<S, S>(path: \"p\")\n"
           "  raw4 = io.read_csv<Model>(path: \"p\")\n"
           "  raw5 = io.read_csv(path: \"p\")\n"
           "  a = tf.drop_missing(\"table\", columns: 7)\n"
           "  b = tf.drop_missing(raw.table, columns: [nope, 1, \"b\"])\n"
           "  c = tf.split(42, train_fraction: \"x\", seed: 1.5)\n"
           "  e = tf.fit(raw.table, z_score: b, num_buckets: [1], vocabulary: raw)\n"
           "  f = tf.apply(raw.table, transform: raw.table)\n"
           "  g = tf.filter(raw.table, column: [a], equals: 3)\n"
           "  h = io.export_model(model: raw.table, destination: none)\n"
           "  i = io.write_csv(data: n, destination: n)\n"
           "  j = tf.split(raw.table, 0.5, 1, 2, 3)\n"
           "  k = tf.split(data: raw.table, data: raw.table, nope: 1)\n"
           "  l = tf.split(data: raw.table, 0.5)\n"
           "  m = io.nope(1)\n"
           "  o = n(1)\n"
           "  q = S(1)\n"
           "  r = io(1)\n"
           "  s = raw.nope.deeper\n"
           "  u = raw.table.path\n"
           "  if n { x1 = 1 }\n"
           "  if \"s\" { x2 = 1 } else if raw { x3 = 1 }\n"
           "  for z in 5 { x4 = z }\n"
           "  for z in [1, 2] parallel \"two\" { x5 = z }\n"
           "  for z in raw.table { x6 = z }\n"
           "  v = 1 + \"s\" - true * [1] / {k: 1} % none\n"
           "  w = not 1 and \"s\" or 2.5 < \"t\" == [1] != raw\n"
           "  t2 = noop(x: 1) with { retry { max: \"x\", backoff: 5 } timeout: 5 cache: \"no\" after: [1, nope]"
           " resources { cpu: true, memory: 12, accelerator_count: \"one\", gpu: 1 } display_name: 1 nope: 2 }\n"
           "  return (r: 1, nope: 2)\n"
           "}\n")
    corpus.add("wrong_types_stdlib.mlp", std)
    corpus.add("wrong_types_component_body.mlp", PRELUDE +
               "component bad(x: int, d: Dataset<S>) -> (y: int, m: Model) {\n"
               "  container { image: 5 command: \"not a list\" args: [x.path, d, m, y, nope.path, {k: 1}]"
               " env: [1] nope: 1 }\n"
               "  resources { cpu: true, memory: \"lots\", accelerator_count: -1 }\n"
               "  retry { max: -5, backoff: \"forever\", factor: \"x\" }\n"
               "  timeout: \"5 parsecs\"\n"
               "  cache: 1\n"
               "  after: [x]\n"
               "  kubernetes { node_selector: 1, tolerations: \"x\", secrets: [] }\n"
               "}\n")
    corpus.add("wrong_types_defaults.mlp", PRELUDE +
               "record Q { a: int = \"s\", b: list<int> = [\"x\"], c: R = 5, d: Model, e: Dataset<S> }\n"
               "schema T { a: list<int>, b: R, c: Model, d: int = 1, e: nope }\n"
               "component c(x: int = \"s\", m: Model = 1, d: Dataset<S> = \"p\", r: R = {a: \"x\"}) -> (y: int) {\n"
               "  container { image: \"i\" args: [y.path] }\n}\n"
               "pipeline q(x: float = true, y: list<int> = [1.5], z: map<int, int> = {}, w: map<string> = {}) {}\n")


def declarations(corpus: Corpus) -> None:
    corpus.add("two_implementations.mlp", PRELUDE +
               "component c(x: int) -> (y: int) {\n"
               "  container { image: \"python:3.11-slim\" args: [x, y.path] }\n"
               "  python { file: \"train.py\", function: \"train\" }\n}\n"
               "pipeline q() { t = c(x: 1) }\n")
    corpus.add("three_implementations.mlp", PRELUDE +
               "component c(x: int) -> (y: int) {\n"
               "  builtin: \"io.read_csv\"\n"
               "  container { image: \"python:3.11-slim\" args: [x, y.path] }\n"
               "  importer { uri: \"gs://x\" }\n}\n")
    corpus.add("two_containers.mlp", PRELUDE +
               "component c(x: int) -> (y: int) {\n"
               "  container { image: \"a\" args: [y.path] }\n"
               "  container { image: \"b\" args: [y.path] }\n}\n")
    corpus.add("no_implementation.mlp", PRELUDE + "component c(x: int) -> (y: int) {}\n")
    corpus.add("unterminated_string.mlp", pipeline('  v = "abc\n  w = 1'))
    corpus.add("unterminated_string_at_eof.mlp", pipeline("") + 'pipeline q() { v = "abc')
    corpus.add("unterminated_string_escape_at_eof.mlp", PRELUDE + 'pipeline q() { v = "abc\\')
    corpus.add("unterminated_block_comment.mlp", PRELUDE + "/* this comment\n never ends\n" + "pipeline q() {}\n")
    corpus.add("unterminated_nested_comment.mlp", PRELUDE + "/* /* */ */ pipeline q() {}\n/* open")
    corpus.add("unterminated_quoted_name.mlp", "schema S2 { `Culmen Length: float }\n" + PRELUDE)
    corpus.add("lone_quote_at_eof.mlp", PRELUDE + '"')
    corpus.add("lone_slash_star_at_eof.mlp", PRELUDE + "/*")
    corpus.add("huge_integer.mlp", pipeline("  v = 99999999999999999999999999999999999999"))
    corpus.add("huge_integer_10k_digits.mlp", pipeline("  v = " + "9" * 10_000))
    corpus.add("integer_min_minus_one.mlp", pipeline("  v = -9223372036854775809\n  w = 9223372036854775808"))
    corpus.add("huge_integer_default.mlp", PRELUDE + "pipeline q(n: int = 18446744073709551616) {}\n")
    corpus.add("huge_integer_in_option.mlp", pipeline("  u = noop(x: 1) with { retry { max: 99999999999999999999999 } }"))
    corpus.add("huge_float_and_error.mlp", pipeline("  v = 1e999999 + 1e-999999 + nope"))
    corpus.add("duplicate_everything.mlp", PRELUDE + PRELUDE + pipeline("  t = 1\n  t = 2") + pipeline(""))
    corpus.add("empty_names.mlp", "schema `` { a: int }\nrecord { }\ncomponent () {}\npipeline () {}\n")
    corpus.add("keywords_as_names.mlp", "schema if { for: int }\npipeline return() { with = 1 }\n")
    corpus.add("only_comments_and_garbage.mlp", "/// doc\n// c\n/* c */\n@@@\n")
    corpus.add("annotation_garbage.mlp", "@dataflow(" + "x, " * 5000 + ")\n@nope @ @\n" + PRELUDE)
    corpus.add("recursive_pipeline.mlp", PRELUDE + "pipeline q(n: int = 1) { t = q(n: n) }\n")
    corpus.add("mutual_recursive_pipelines.mlp", PRELUDE +
               "pipeline q1() { t = q2() }\npipeline q2() { t = q3() }\npipeline q3() { t = q1() }\n")
    n = DEEP
    corpus.add("deep_pipeline_call_chain.mlp", PRELUDE +
               "".join(f"pipeline q{k}() {{ t = q{k + 1}() }}\n" for k in range(n)) +
               f"pipeline q{n}() {{ t = nope() }}\n")
    corpus.add("deep_artifact_chain.mlp", "artifact A0: Model\n" +
               "".join(f"artifact A{k}: A{k - 1}\n" for k in range(1, n)) + PRELUDE +
               f"component c(m: A0) -> (y: int) {{ container {{ image: \"i\" args: [m.path, y.path] }} }}\n"
               f"component mk() -> (m: A{n - 1}) {{ container {{ image: \"i\" args: [m.path] }} }}\n"
               "pipeline q() { t = c(m: mk().m)\n  u = c(m: 5) }\n")
    corpus.add("artifact_cycle.mlp", "artifact A: B\nartifact B: C\nartifact C: A\nartifact D: D\n" + PRELUDE)
    corpus.add("deep_record_chain.mlp", "record R0 { a: int }\n" +
               "".join(f"record R{k} {{ a: R{k - 1} }}\n" for k in range(1, n)) + PRELUDE +
               f"pipeline q(r: R{n - 1} = 1) {{}}\npipeline q2() {{ v = nope }}\n")
    corpus.add("record_cycle.mlp", "record A { b: B }\nrecord B { a: A }\nrecord C { c: C? }\n" + PRELUDE +
               "pipeline q(a: A = {b: {a: {b: {}}}}, c: C = {c: {c: {c: 5}}}) {}\n")
    corpus.add("schema_with_bad_columns.mlp", "schema T { a: list<int>, b: Model, c: T, a: int, `a`: int }\n" + PRELUDE)


def cases(corpus: Corpus) -> None:
    if CASES.is_dir():
        for src in sorted(CASES.glob("*.mlp")):
            corpus.add(f"case_{src.name}", src.read_bytes())


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    prepare(out)
    corpus = Corpus(out)
    truncations(corpus)
    encodings(corpus)
    nesting(corpus)
    sizes(corpus)
    imports(corpus)
    types(corpus)
    declarations(corpus)
    cases(corpus)
    print(f"generate.py: wrote {corpus.count} inputs to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
