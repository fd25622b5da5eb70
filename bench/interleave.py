#!/usr/bin/env python3
# Times whole processes side by side: runs each command once per round, in turn (a, b, a, b, ...) so that a change in
# the machine's load hits all alike, reads FILE once before every run (page cache warm), discards their output, and
# prints one line per command: NAME, then the median, min and max wall time in seconds (monotonic clock, start-up
# included). Exit status 1 is a command's own (scan's "found key material") and not an error here.
#
#   interleave.py RUNS FILE NAME 'COMMAND ARG ...' [NAME 'COMMAND ARG ...' ...]
import shlex, statistics, subprocess, sys, time

runs, warm, pairs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
commands = [(pairs[i], shlex.split(pairs[i + 1])) for i in range(0, len(pairs), 2)]
times = {name: [] for name, _ in commands}
for _ in range(runs):
    for name, command in commands:
        with open(warm, 'rb') as f:
            while f.read(1 << 20):
                pass
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL)
        times[name].append(time.perf_counter() - start)
for name, t in times.items():
    print(name, statistics.median(t), min(t), max(t))
