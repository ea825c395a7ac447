#!/usr/bin/env python3
"""Alternated single runs of one command by several builds, for comparing them on a noisy machine.

    benches/alternate.py RUNS BIN... -- ARGS...

Runs `BIN ARGS` for every BIN, RUNS rounds, the order of the builds reversed every other round,
and prints per build the median wall time (with the quartiles and the fastest run), the median
CPU time (user + system) and the median peak resident memory. `{out}` in ARGS is replaced by an
empty folder of each run's own, removed after it and flushed with `sync` before the next run, so
that `render ... --out {out}` times a render into an empty folder; without `{out}`, a render
writes where ARGS say (over its own output: "again"). Standard output and error are discarded.

A busy neighbour slows whichever build runs at the time: builds compared in one call share the
minute, and the median of many alternated runs is steadier than any one timing. Example, the
build of this checkout against one kept from before a change, 4,998 teams:

    benches/alternate.py 21 /tmp/before target/release/hyperpod-iam -- render spec.yaml --out {out}
"""

import os
import shutil
import statistics
import sys
import tempfile
import time


def main(argv):
    if "--" not in argv or len(argv) < 4:
        sys.exit(__doc__)
    split = argv.index("--")
    runs, bins, args = int(argv[1]), argv[2:split], argv[split + 1 :]
    devnull = os.open(os.devnull, os.O_WRONLY)
    quiet = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    results = {b: [] for b in bins}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            for b in bins if i % 2 == 0 else bins[::-1]:
                out = os.path.join(tmp, "out")
                shutil.rmtree(out, ignore_errors=True)
                os.sync()
                command = [os.path.abspath(b)] + [a.replace("{out}", out) for a in args]
                start = time.perf_counter_ns()
                pid = os.posix_spawn(command[0], command, os.environ, file_actions=quiet)
                _, status, usage = os.wait4(pid, 0)
                wall = (time.perf_counter_ns() - start) / 1e6
                # A failed run is not a timing.
                if os.waitstatus_to_exitcode(status) != 0:
                    sys.exit(f"{b}: exit status {os.waitstatus_to_exitcode(status)}")
                cpu = (usage.ru_utime + usage.ru_stime) * 1000
                results[b].append((wall, cpu, usage.ru_maxrss / 1024))
    for b in bins:
        wall = sorted(r[0] for r in results[b])
        q1, _, q3 = statistics.quantiles(wall, n=4) if len(wall) > 1 else (wall[0],) * 3
        cpu = statistics.median(r[1] for r in results[b])
        peak = statistics.median(r[2] for r in results[b])
        print(
            f"{b}: wall median {statistics.median(wall):.1f} ms (quartiles {q1:.1f} to {q3:.1f}, "
            f"fastest {wall[0]:.1f}), CPU median {cpu:.1f} ms, peak {peak:.1f} MB"
        )


if __name__ == "__main__":
    main(sys.argv)
