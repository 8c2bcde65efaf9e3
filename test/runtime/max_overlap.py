"""Reads `... start T` / `end T` log lines (one pair per task, in order) and
prints how many tasks ran at once at most."""
import sys

events = []
start = None
for line in sys.stdin:
    words = line.split()
    if "start" in words:
        start = float(words[words.index("start") + 1])
    elif words and words[0] == "end":
        events += [(start, 1), (float(words[1]), -1)]
running = peak = 0
for _, delta in sorted(events, key=lambda e: (e[0], e[1])):
    running += delta
    peak = max(peak, running)
print(f"at most {peak} at once")
