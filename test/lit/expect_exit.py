#!/usr/bin/env python3
"""Runs a command and succeeds only if it exits with the given status.

    expect_exit.py CODE [--timeout SECONDS] -- COMMAND ARGS...

A command killed by a signal (a crash) always fails, whatever CODE is, so
tests of bad input can assert "exit 1, no crash" in one line. Output passes
through, so the command's stderr can still be piped to FileCheck.
"""
import subprocess
import sys


def main() -> int:
    args = sys.argv[1:]
    code = int(args.pop(0))
    timeout = 60.0
    if args and args[0] == "--timeout":
        args.pop(0)
        timeout = float(args.pop(0))
    if args and args[0] == "--":
        args.pop(0)
    try:
        proc = subprocess.run(args, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"expect_exit: `{' '.join(args)}` ran past {timeout}s", file=sys.stderr)
        return 1
    if proc.returncode < 0:
        print(f"expect_exit: `{' '.join(args)}` was killed by signal {-proc.returncode}", file=sys.stderr)
        return 1
    if proc.returncode != code:
        print(f"expect_exit: `{' '.join(args)}` exited {proc.returncode}, expected {code}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
