#!/usr/bin/env python3
"""Runs `mlpc check` on every input of the bad-input corpus.

    run.py MLPC OUTDIR [--jobs N] [--timeout SECONDS] [--only SUBSTRING]

OUTDIR is what test/badinput/generate.py wrote. Every top-level OUTDIR/*.mlp
is checked; files in subfolders exist only to be imported and are skipped.
Each input must make `MLPC check FILE`:
  - exit with status exactly 1 (compile errors),
  - not be killed by a signal (a crash, an abort, a sanitizer report),
  - print `error[E` on stderr (a real diagnostic, not a bare message),
  - finish in under the timeout (20 s by default),
  - stay under a memory limit (resident set, 6 GiB by default; the process is
    killed there rather than left to exhaust a shared machine),
  - write at most 256 MiB to stderr (diagnostics must not grow without bound).
Small inputs are checked two at a time; inputs over 1 MiB one at a time
afterwards, so that their timings are not inflated by each other.

A sanitizer build of mlpc (AddressSanitizer or UBSan, recognised from the
binary) runs 5-10 times slower, so there the time limit is 10 times longer
and the inputs over 1 MiB, which test time and memory limits that the
sanitizers distort, are skipped (and said to be).
Prints one line per failure, with a command that reproduces it, then
`N passed, M failed`; exits 1 if anything failed.
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

NEEDLE = b"error[E"
BIG_INPUT = 1 << 20  # bytes; bigger inputs run one at a time
DEFAULT_TIMEOUT = 20.0  # seconds per input


def signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def contains(path: str, needle: bytes) -> bool:
    """Whether a (possibly huge) file contains `needle`, read in chunks."""
    keep = len(needle) - 1
    tail = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                return False
            if needle in tail + chunk:
                return True
            tail = chunk[-keep:]


def last_lines(path: str, n: int = 3, limit: int = 4096) -> str:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - limit))
        text = f.read().decode("utf-8", "replace")
    lines = [l for l in text.splitlines() if l.strip()]
    return " | ".join(l[:200] for l in lines[-n:])


def rss_mb(pid: int) -> int:
    """Resident set size of a process in MiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return 0


def check(mlpc: str, path: Path, timeout: float, max_rss_mb: int, max_output_mb: int):
    """Returns (path, problem or None, seconds)."""
    cmd = [mlpc, "check", str(path)]
    # Output goes to temporary files, not pipes: a hostile input may make
    # mlpc print a lot, and memory here is not the thing under test.
    with tempfile.NamedTemporaryFile(prefix="badinput-", suffix=".stderr", delete=False) as err:
        err_path = err.name
    try:
        start = time.monotonic()
        with open(err_path, "wb") as err, open(os.devnull, "wb") as out:
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                        start_new_session=True)
            except OSError as e:  # e.g. the binary is being relinked right now
                return path, f"cannot run {mlpc}: {e.strerror}", 0.0
            poll, peak, killed_for = 0.005, 0, None
            while True:
                try:
                    rc = proc.wait(timeout=poll)
                    break
                except subprocess.TimeoutExpired:
                    pass
                poll = min(poll * 2, 0.1)
                peak = max(peak, rss_mb(proc.pid))
                if max_rss_mb and peak > max_rss_mb:
                    killed_for = f"memory: resident set grew past {max_rss_mb} MiB (killed)"
                elif max_output_mb and os.path.getsize(err_path) > max_output_mb << 20:
                    killed_for = f"output: wrote more than {max_output_mb} MiB to stderr (killed)"
                elif time.monotonic() - start > timeout:
                    killed_for = f"hang: still running after {timeout:g}s (killed)"
                if killed_for:
                    # The whole process group: mlpc starts nothing, but be thorough.
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait()
                    return path, f"{killed_for}; stderr so far: {os.path.getsize(err_path)} bytes", \
                        time.monotonic() - start
        elapsed = time.monotonic() - start
        if rc < 0:
            return path, f"crash: killed by {signal_name(-rc)}; stderr: {last_lines(err_path)}", elapsed
        if rc != 1:
            what = "accepted (exit 0)" if rc == 0 else f"exit {rc}"
            return path, f"wrong exit: {what}, expected 1; stderr: {last_lines(err_path)}", elapsed
        if not contains(err_path, NEEDLE):
            return path, f"no `error[E` diagnostic on stderr; stderr: {last_lines(err_path)}", elapsed
        if elapsed >= timeout:
            return path, f"slow: took {elapsed:.1f}s (limit {timeout:g}s)", elapsed
        return path, None, elapsed
    finally:
        os.unlink(err_path)


def is_sanitized(binary: str) -> bool:
    """Whether `binary` was built with AddressSanitizer or UBSan."""
    markers = (b"__asan_init", b"__ubsan_handle_")
    keep = max(len(m) for m in markers)
    tail = b""
    with open(binary, "rb") as f:
        while True:
            chunk = f.read(4 << 20)
            if not chunk:
                return False
            if any(m in tail + chunk for m in markers):
                return True
            tail = chunk[-keep:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("mlpc")
    ap.add_argument("outdir")
    ap.add_argument("--jobs", "-j", type=int, default=2, help="inputs checked at once (default 2)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds per input (default 20; 200 for a sanitizer build)")
    ap.add_argument("--max-rss-mb", type=int, default=6144,
                    help="kill an mlpc whose resident set passes this many MiB (default 6144; 0: no limit)")
    ap.add_argument("--max-output-mb", type=int, default=256,
                    help="kill an mlpc that writes more than this many MiB to stderr (default 256; 0: no limit)")
    ap.add_argument("--only", default="", help="check only inputs whose name contains this")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every input and its time")
    args = ap.parse_args()

    mlpc = os.path.abspath(args.mlpc)
    if not os.access(mlpc, os.X_OK):
        print(f"run.py: {args.mlpc} is not an executable", file=sys.stderr)
        return 2
    outdir = Path(args.outdir)
    inputs = sorted(p for p in outdir.glob("*.mlp") if p.is_file() and args.only in p.name)
    if not inputs:
        print(f"run.py: no inputs in {outdir}; run generate.py first", file=sys.stderr)
        return 2

    small = [p for p in inputs if p.stat().st_size <= BIG_INPUT]
    big = [p for p in inputs if p.stat().st_size > BIG_INPUT]
    if is_sanitized(mlpc):
        if args.timeout is None:
            args.timeout = 10 * DEFAULT_TIMEOUT
        print(f"run.py: {args.mlpc} is a sanitizer build: {args.timeout:g}s per input; "
              f"{len(big)} inputs over 1 MiB skipped: {' '.join(p.name for p in big)}")
        big = []
    elif args.timeout is None:
        args.timeout = DEFAULT_TIMEOUT
    run = lambda p: check(mlpc, p, args.timeout, args.max_rss_mb, args.max_output_mb)
    passed = failed = 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(run, small))
    results += [run(p) for p in big]
    for path, problem, elapsed in results:
        if problem is None:
            passed += 1
            if args.verbose:
                print(f"ok   {path.name} ({elapsed:.2f}s)")
            continue
        failed += 1
        repro = shlex.join([mlpc, "check", str(path)])
        print(f"FAIL {path.name} ({elapsed:.2f}s): {problem}\n     reproduce: {repro}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
