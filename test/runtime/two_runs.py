"""Two `mlpc run`s at once on one root: both finish, and the metadata store
and the cache hold both (no lock error, no lost record).

    two_runs.py MLPC PYTHON ROOT
"""
import os
import sqlite3
import subprocess
import sys

mlpc, python, root = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))
runs = [subprocess.Popen([mlpc, "run", "basic.mlp", "--root", root, "--python", python,
                          "--param", f"text=run-{i}"], cwd=here, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True) for i in range(2)]
for i, r in enumerate(runs):
    out, _ = r.communicate(timeout=120)
    print(f"run {i} exit {r.returncode}")
    if r.returncode != 0:
        print(out)
db = sqlite3.connect(os.path.join(root, "metadata.sqlite"))
states = db.execute(
    "SELECT p.string_value FROM Context c JOIN Type t ON t.id = c.type_id "
    "JOIN ContextProperty p ON p.context_id = c.id AND p.name = 'state' "
    "WHERE t.name = 'pipeline_run' ORDER BY c.id").fetchall()
print("runs recorded:", [s for (s,) in states])
print("executions:", db.execute("SELECT COUNT(*) FROM Execution").fetchone()[0])
