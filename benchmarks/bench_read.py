"""Process time of reading one recording back (``read_recording``), the reading part of a replay.

Usage: .venv/bin/python benchmarks/bench_read.py FILE [repeats]
(make a 30-min file with `.venv/bin/anklet demo --duration 1800 --speed max --headless
--record FILE > /dev/null`; compare two checkouts by running it with PYTHONPATH=<checkout>/src,
interleaved: this VM's speed drifts by half between runs)

Prints each run's process time, their median (default 5 runs) and the times real time.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from anklet.recording import read_recording


def main() -> None:
    path, repeats = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5
    threadpool_limits(1, "blas")  # as every anklet command runs (cli.main)
    times_s = []
    for _ in range(repeats):
        started = time.process_time()
        recording = read_recording(path)
        times_s.append(time.process_time() - started)
    median_s = statistics.median(times_s)
    print(f"read {path.name} ({recording.duration_s:.0f} s, {len(recording.notifications)} notifications): "
          f"median {median_s:.2f} s process time, {recording.duration_s / median_s:.0f}x real time "
          f"(runs: {', '.join(f'{t:.2f}' for t in times_s)})")


if __name__ == "__main__":
    main()
