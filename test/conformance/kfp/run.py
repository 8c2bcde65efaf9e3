#!/usr/bin/env python3
"""KFP conformance: each `.mlp` here is a pipeline from the KFP SDK's own test
data, written in .mlp. This compiles each with `mlpc build --target=kfp`,
compares the result with the YAML the real SDK compiled (`golden/`), and loads
it with the real SDK (test/kfp/validate.py).

    run.py [--mlpc PATH] [--keep DIR] [CASE.mlp ...]

Directives in a case's leading comments:

    // golden: NAME.yaml            the golden (default: the case's stem + .yaml)
    // mlpc-args: --component X     extra arguments for `mlpc build`
    // known-difference: PATH -- why
                                    a difference the comparison expects: it must
                                    occur (so a fixed one is noticed) and is then
                                    not counted. PATH is the difference's path in
                                    compare.py's report.

A case passes when the only differences are its declared ones and the SDK
accepts the output. Prints one line per case, then `N passed, M failed`.
"""
import argparse
import glob
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "kfp"))
import compare  # noqa: E402
import validate  # noqa: E402


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.golden = self.name + ".yaml"
        self.args = []
        self.known = {}  # difference path -> reason
        with open(path) as f:
            for line in f:
                if not line.startswith("//"):
                    break
                text = line.lstrip("/").strip()
                key, _, value = text.partition(":")
                value = value.strip()
                if key == "golden":
                    self.golden = value
                elif key == "mlpc-args":
                    self.args = shlex.split(value)
                elif key == "known-difference":
                    where, _, why = value.partition(" -- ")
                    if not why:
                        raise ValueError(f"{path}: known-difference needs ` -- reason`")
                    self.known[where.strip()] = why.strip()


def run_case(case, mlpc, out_dir):
    """Returns a list of problems (empty when the case passes)."""
    out = os.path.join(out_dir, case.name + ".yaml")
    build = subprocess.run(
        [mlpc, "build", "--target=kfp", os.path.basename(case.path), "-o", out] + case.args,
        cwd=os.path.dirname(case.path), capture_output=True, text=True)
    if build.returncode != 0:
        first_lines = "\n".join(build.stderr.strip().splitlines()[:8])
        return [f"mlpc exited {build.returncode}: {first_lines}"]
    problems = []
    seen = set()
    for difference in compare.compare(out, os.path.join(HERE, "golden", case.golden)):
        where = difference.split(":", 1)[0]
        if where in case.known:
            seen.add(where)
        else:
            problems.append(difference)
    for where in sorted(set(case.known) - seen):
        problems.append(f"{where}: declared as a known difference, but it is gone; remove it")
    try:
        validate.validate(out)
    except Exception as e:  # the SDK's own reason
        problems.append(f"the KFP SDK rejects it: {type(e).__name__}: {e}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mlpc", default=os.path.join(ROOT, "build", "tools", "mlpc"))
    parser.add_argument("--keep", help="write the outputs here instead of a temporary folder")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    paths = args.cases or sorted(glob.glob(os.path.join(HERE, "*.mlp")))
    cases = [Case(os.path.abspath(p)) for p in paths]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or tmp
        os.makedirs(out_dir, exist_ok=True)
        for case in cases:
            problems = run_case(case, args.mlpc, out_dir)
            known = f" ({len(case.known)} known differences)" if case.known else ""
            if problems:
                failed += 1
                print(f"FAIL {case.name}")
                for p in problems:
                    print(f"     {p}")
            else:
                print(f"ok   {case.name}{known}")
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
