#!/usr/bin/env python3
"""Compile-time benchmark for mlpc.

Generates synthetic pipelines (bench/generate.py) into a temporary directory,
then for every (shape, N) runs

  mlpc check FILE
  mlpc build --target=ir FILE -o TMP.pb

R times each and prints a Markdown table of the median wall time and the peak
resident set size (the largest ru_maxrss over the R runs).

Each run is timed around fork/exec/wait with time.perf_counter, and its peak
RSS comes from os.wait4's rusage for that child alone (so runs do not mix, as
they would with RUSAGE_CHILDREN). `--timer=time` measures with
`/usr/bin/time -f "%e %M"` instead (10 ms resolution; apt-get install time).

Before timing, every file is checked once with its diagnostics captured: a
file that does not check with zero errors and zero warnings is reported with
its first diagnostic lines (and still timed).

Each measurement is preceded by --warmup untimed runs (default 1; none for
files over 1,000 tasks, which the precheck has just compiled). The machine's
load average is printed before and after: on a shared machine, rerun when it
is high.

Usage: bench/run.py [--mlpc PATH] [--repeat R] [--sizes 100,1000,10000]
                    [--shapes chain,fanout,loops] [--timeout S] [--warmup W]
                    [--timer wait4|time] [--keep DIR]
"""

import argparse
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import generate  # noqa: E402

DEFAULT_MLPC = os.path.join(os.path.dirname(HERE), "build", "tools", "mlpc")

# Targets from the project brief.
TARGETS = {1000: 0.050, 10000: 0.500}


class Result:
    def __init__(self):
        self.walls = []     # seconds
        self.rss_kib = []   # KiB
        self.rcs = []
        self.timed_out = False


def run_once_wait4(argv, timeout):
    """Runs argv; returns (rc, wall seconds, maxrss KiB, timed_out)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    os.close(devnull)
    deadline = t0 + timeout
    timed_out = False
    while True:
        wpid, status, ru = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            break
        if time.perf_counter() > deadline:
            os.kill(pid, 9)
            wpid, status, ru = os.wait4(pid, 0)
            timed_out = True
            break
        # Short sleeps keep the timing error well under a millisecond for fast runs
        # without busy-waiting for slow ones.
        time.sleep(0.0002 if time.perf_counter() - t0 < 0.2 else 0.005)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    return rc, wall, ru.ru_maxrss, timed_out


def run_once_time(argv, timeout):
    """Runs argv under /usr/bin/time -f '%e %M'."""
    fd, out = tempfile.mkstemp(prefix="mlpc-time-")
    os.close(fd)
    try:
        try:
            p = subprocess.run(["/usr/bin/time", "-o", out, "-f", "%e %M"] + argv,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            return -9, float(timeout), 0, True
        with open(out) as f:
            last = f.read().strip().splitlines()[-1].split()
        return p.returncode, float(last[0]), int(last[1]), False
    finally:
        os.unlink(out)


def first_lines(text, n=12):
    lines = [l for l in text.splitlines()]
    return "\n".join(lines[:n]) + ("\n..." if len(lines) > n else "")


def precheck(mlpc, path, timeout):
    """Checks once, capturing diagnostics. Returns (ok, message)."""
    try:
        p = subprocess.run([mlpc, "check", "--color=never", path], capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "check timed out after %ds" % timeout
    diag = (p.stderr + p.stdout).strip()
    if p.returncode != 0:
        return False, "exit %d:\n%s" % (p.returncode, first_lines(diag))
    if "warning" in diag or "error" in diag:
        return False, "exit 0 with diagnostics:\n%s" % first_lines(diag)
    return True, ""


def machine_info():
    info = {"nproc": os.cpu_count()}
    try:
        info["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip())
    except Exception:
        pass
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpu"] = model
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        info["mem"] = "%.1f GiB" % (kb / 1024 / 1024)
    except OSError:
        info["mem"] = "?"
    try:
        info["load"] = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        info["load"] = "?"
    info["kernel"] = platform.release()
    return info


def fmt_ms(r):
    if r.timed_out:
        return "> %.0f (timeout)" % (max(r.walls) * 1000)
    return "%.1f" % (statistics.median(r.walls) * 1000)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mlpc", default=DEFAULT_MLPC, help="compiler binary (default: build/tools/mlpc)")
    ap.add_argument("--repeat", "-r", type=int, default=5, help="runs per measurement (median)")
    ap.add_argument("--sizes", type=generate._csv_ints, default=list(generate.DEFAULT_SIZES))
    ap.add_argument("--shapes", default=",".join(generate.SHAPES))
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run before it is killed")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs before each measurement")
    ap.add_argument("--timer", choices=("wait4", "time"), default="wait4")
    ap.add_argument("--no-copy", action="store_true",
                    help="run --mlpc in place instead of from a snapshot copy (needed if it loads files next to itself)")
    ap.add_argument("--keep", help="write the generated files here and keep them")
    args = ap.parse_args(argv)

    mlpc = os.path.abspath(args.mlpc)
    if not os.access(mlpc, os.X_OK):
        ap.error("not an executable: %s" % mlpc)
    run_once = run_once_wait4
    if args.timer == "time":
        if not os.path.exists("/usr/bin/time"):
            ap.error("/usr/bin/time is missing (apt-get install time), or use --timer=wait4")
        run_once = run_once_time
    shapes = [s for s in args.shapes.split(",") if s]

    tmp = tempfile.mkdtemp(prefix="mlpc-bench-")
    gen_dir = args.keep or os.path.join(tmp, "src")
    try:
        # Snapshot the binary, so that a rebuild during the run cannot mix two compilers.
        with open(mlpc, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(mlpc)))
        if not args.no_copy:
            copy = os.path.join(tmp, "mlpc")
            shutil.copy2(mlpc, copy)
            mlpc_run = copy
        else:
            mlpc_run = mlpc
        files = generate.write_all(gen_dir, shapes, args.sizes)
        pb = os.path.join(tmp, "out.pb")
        info = machine_info()
        print("mlpc: %s (built %s, sha256 %s...%s)" % (mlpc, built, digest,
                                                    "" if args.no_copy else ", timed from a copy"))
        mlpc = mlpc_run
        print("machine: %s CPUs, %s, %s RAM, load %s, repeat %d, timer %s\n"
              % (info["nproc"], info["cpu"], info["mem"], info["load"], args.repeat, args.timer))

        # Fixed costs: running the binary at all, and compiling a 3-task file.
        small = os.path.join(tmp, "chain_3.mlp")
        with open(small, "w") as f:
            f.write(generate.generate("chain", 3))
        floors = {}
        for label, cmd in (("--version", [mlpc, "--version"]),
                           ("check", [mlpc, "check", small]),
                           ("build ir", [mlpc, "build", "--target=ir", small, "-o", pb])):
            r = Result()
            for _ in range(args.warmup):
                run_once(cmd, args.timeout)
            for _ in range(args.repeat):
                rc, wall, rss, _ = run_once(cmd, args.timeout)
                r.walls.append(wall)
                r.rss_kib.append(rss)
                r.rcs.append(rc)
            floors[label] = r

        failures = []
        results = {}  # (shape, n, cmd) -> Result
        sizes_out = {}
        for shape, n, path in files:
            ok, msg = precheck(mlpc, path, args.timeout)
            if not ok:
                failures.append((shape, n, msg))
            commands = [("check", [mlpc, "check", path]),
                        ("build ir", [mlpc, "build", "--target=ir", path, "-o", pb])]
            for name, cmd in commands:
                r = Result()
                for _ in range(args.warmup if n <= 1000 else 0):  # big files warm up in the precheck
                    run_once(cmd, args.timeout)
                for _ in range(args.repeat):
                    rc, wall, rss, to = run_once(cmd, args.timeout)
                    r.walls.append(wall)
                    r.rss_kib.append(rss)
                    r.rcs.append(rc)
                    if to:
                        r.timed_out = True
                        break  # one timeout is enough
                results[(shape, n, name)] = r
                if name == "build ir" and os.path.exists(pb):
                    sizes_out[(shape, n)] = os.path.getsize(pb)
                    os.unlink(pb)
                print("  %-6s %6d %-8s %s ms" % (shape, n, name, fmt_ms(r)), file=sys.stderr)

        print("| shape | tasks | command | median wall ms | min wall ms | peak RSS MiB | exit | IR bytes |")
        print("|---|---:|---|---:|---:|---:|---|---:|")
        for (shape, n, name), r in results.items():
            rcs = sorted(set(r.rcs))
            print("| %s | %d | %s | %s | %.1f | %.1f | %s | %s |" % (
                shape, n, "`mlpc %s`" % name, fmt_ms(r), min(r.walls) * 1000,
                max(r.rss_kib) / 1024.0, ",".join(str(c) for c in rcs),
                sizes_out.get((shape, n), "") if name == "build ir" else ""))
        print("\nFixed costs (3-task chain): `mlpc --version` %.1f ms / %.1f MiB; "
              "`mlpc check` %.1f ms / %.1f MiB; `mlpc build ir` %.1f ms / %.1f MiB\n" % tuple(
                  x for k in ("--version", "check", "build ir")
                  for x in (statistics.median(floors[k].walls) * 1000, max(floors[k].rss_kib) / 1024.0)))

        # Targets and growth.
        print("Targets (median wall time; every command must exit 0):")
        for (shape, n, name), r in results.items():
            if n in TARGETS:
                med = statistics.median(r.walls)
                ok = (not r.timed_out) and med < TARGETS[n] and set(r.rcs) == {0}
                print("- %s %d %s: %.1f ms %s %.0f ms: %s" % (
                    shape, n, name, med * 1000, "<" if med < TARGETS[n] else ">=",
                    TARGETS[n] * 1000, "PASS" if ok else "FAIL"))
        if 1000 in args.sizes and 10000 in args.sizes:
            print("\nGrowth 1k -> 10k tasks (10x = linear). `net` subtracts the 3-task time (fixed costs) "
                  "from both; `min` uses the fastest run of each (less sensitive to a busy machine):")
            for shape in shapes:
                for name in ("check", "build ir"):
                    a = results.get((shape, 1000, name))
                    b = results.get((shape, 10000, name))
                    if not a or not b:
                        continue
                    ra, rb = statistics.median(a.walls), statistics.median(b.walls)
                    fl = statistics.median(floors[name].walls)
                    ratio = rb / ra
                    net = (rb - fl) / (ra - fl) if ra - fl > 0.0005 else float("nan")
                    mins = min(b.walls) / min(a.walls)
                    worst = max(x for x in (ratio, net, mins) if x == x)
                    verdict = ("about linear" if worst <= 13 else
                               "super-linear" if min(ratio, mins) > 20 else "somewhat super-linear (or noise)")
                    print("- %s %s: median %.1fx, net %.1fx, min %.1fx: %s%s" % (
                        shape, name, ratio, net, mins, verdict, " (timed out)" if b.timed_out else ""))
        print("\nLoad average at the end: %s" % machine_info()["load"])
        if failures:
            print("\nFiles that did not check cleanly:")
            for shape, n, msg in failures:
                print("\n%s_%d.mlp: %s" % (shape, n, msg.replace(gen_dir + os.sep, "")))
                print("(regenerate with: bench/generate.py --shape %s --tasks %d)" % (shape, n))
        else:
            print("\nAll generated files check with zero errors and zero warnings.")
        return 1 if failures else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
