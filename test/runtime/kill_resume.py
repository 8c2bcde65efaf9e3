"""Kills `mlpc run` with SIGKILL while a task runs, then runs it again.

    kill_resume.py MLPC FILE.mlp ROOT

Waits until the first task's output is in place and the slow task has
started, kills the run (no cleanup can happen), checks that the killed task
left no output in place, reruns, and prints the second run's summary lines.
"""
import glob
import os
import signal
import subprocess
import sys
import time

mlpc, source, root = sys.argv[1:4]
run = subprocess.Popen([mlpc, "run", source, "--root", root], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
deadline = time.time() + 30
while time.time() < deadline:
    if glob.glob(os.path.join(root, "runs", "*", "tasks", "first", "out")) and glob.glob(
            os.path.join(root, "runs", "*", "tasks", "slow", "log.txt")):
        break
    time.sleep(0.02)
else:
    sys.exit("the run did not reach the slow task")
time.sleep(0.3)
run.send_signal(signal.SIGKILL)
run.wait()
print("killed; slow output in place:",
      bool(glob.glob(os.path.join(root, "runs", "*", "tasks", "slow", "out"))))
# The killed run's child may still be sleeping; it writes only under .attempt/.
second = subprocess.run([mlpc, "run", source, "--root", root], capture_output=True, text=True)
print("rerun exit:", second.returncode)
for line in second.stdout.splitlines():
    if "tasks:" in line:
        print(line)
    elif line.startswith(("first", "slow", "join_texts")):
        print(" ".join(line.split()[:2]))
