#!/usr/bin/env python3
"""Fails when a diagnostic code has no test that triggers it.

    check_coverage.py MLPC TESTDIR...

Every code listed by `mlpc explain --list` must appear in an
`expected-error`/`expected-warning` annotation or a FileCheck line
(`error[E0305]`, `warning[W0001]`) of a test under the given folders.
"""
import pathlib
import re
import subprocess
import sys


def main() -> int:
    mlpc, *dirs = sys.argv[1:]
    listing = subprocess.run([mlpc, "explain", "--list"], check=True, capture_output=True, text=True).stdout
    codes = [line.split()[0] for line in listing.splitlines() if line.strip()]
    text = ""
    for d in dirs:
        for path in pathlib.Path(d).rglob("*"):
            if path.suffix in (".mlp", ".test") and path.is_file():
                text += path.read_text(errors="replace")
    covered = set(re.findall(r"expected-(?:error|warning)(?:@[+-]?\d+)?\s*\{\{[^}]*?\b([EW]\d{4})\b", text))
    covered |= set(re.findall(r"(?:error|warning)\[([EW]\d{4})\]", text))
    missing = [c for c in codes if c not in covered]
    for c in missing:
        print(f"no test triggers {c}: add one under test/lit/diagnostics/", file=sys.stderr)
    print(f"{len(codes) - len(missing)} passed, {len(missing)} failed")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
