#!/usr/bin/env python3
"""Writes inputs for generated.test into the folder given as argument."""
import pathlib
import sys

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
(out / "bad_utf8.mlp").write_bytes(b'pipeline p() { x = "\xff" }\n')
(out / "deep.mlp").write_text("pipeline p() { x = " + "[" * 300 + "]" * 300 + " }\n")
(out / "big.mlp").write_text("// " + "x" * (33 * 1024 * 1024) + "\n")
(out / "many.mlp").write_text("pipeline p() {\n" + "".join(f"  take{i}()\n" for i in range(150)) + "}\n")
(out / "nul.mlp").write_bytes(b"pipeline p() {\x00}\n")
