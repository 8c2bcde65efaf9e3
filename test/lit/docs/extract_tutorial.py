#!/usr/bin/env python3
"""Writes the tutorial's complete program and its train.py into OUTDIR.

    extract_tutorial.py docs/tutorial.md OUTDIR

The program is the code block after the heading "## The complete program";
train.py is the concatenation of the tutorial's Python blocks. The test that
runs this keeps the tutorial compiling as the language changes.
"""
import pathlib
import re
import sys

text = pathlib.Path(sys.argv[1]).read_text()
out = pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
complete = text.split("## The complete program", 1)[1]
program = re.search(r"```[a-z]*\n(.*?)```", complete, re.S).group(1)
python = [b for lang, b in re.findall(r"```([a-z]*)\n(.*?)```", text, re.S) if lang == "python"]
if not python:
    sys.exit("no ```python blocks in the tutorial")
(out / "penguins.mlp").write_text(program)
(out / "train.py").write_text("\n".join(python))
