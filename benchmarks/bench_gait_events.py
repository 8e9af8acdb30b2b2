"""The foot event detector's cost per second of session, as a replay and a live session feed it.

Usage: .venv/bin/python benchmarks/bench_gait_events.py [repeats] [--instructions]
(compare two checkouts by running it with PYTHONPATH=<checkout>/src)

``GaitEventDetector`` on 300 s of simulated easy_run (seed 0, 200 Hz, both feet, the host grid
a perfect clock sync gives, NaN where BLE lost samples), fed in chunks of 1 s, of 5 s (what
``anklet replay --speed max`` hands the gait stage, mostly) and of 5 rows (a live session):
median wall time over ``repeats`` runs (default 5), in ms per second of session, one BLAS
thread as every anklet command runs. ``--instructions`` adds the instructions each feed
executes, which this VM's noise moves far less (``bench_instructions``: the run minus the
same run without the detector, under cachegrind; a few minutes; the same code's count still
moves by a few % from run to run).
"""

from __future__ import annotations

import pickle
import sys
import tempfile
from pathlib import Path

from threadpoolctl import threadpool_limits

from anklet.files import ImuTable
from anklet.gait import GaitEventDetector
from anklet.sim import load_scenario, simulate
from bench_files import median_s  # (benchmarks/ is on the path when a script runs)
from bench_instructions import instructions

DURATION_S = 300.0
FEET = ("left_foot", "right_foot")

_FEED = """
import pickle, sys
from threadpoolctl import threadpool_limits
from anklet.gait import GaitEventDetector
threadpool_limits(limits=1, user_api="blas")
table, rate_hz = pickle.load(open(sys.argv[1], "rb"))
step = int(sys.argv[2])
if step:
    detector = GaitEventDetector(rate_hz)
    for start in range(0, len(table.t), step):
        detector.update(table.rows(slice(start, start + step)))
"""


def session_table() -> tuple[ImuTable, float]:
    """The feet's rows of the benchmark session, and its sample rate, Hz."""
    session = simulate(load_scenario("easy_run"), seed=0, duration_s=DURATION_S)
    table = session.imu_table()
    feet = ImuTable(table.t, {n: table.acc[n] for n in FEET}, {n: table.gyr[n] for n in FEET})
    return feet, session.sample_rate_hz


def feed(table: ImuTable, rate_hz: float, rows: int) -> int:
    """Events found feeding ``table`` to a detector ``rows`` rows at a time."""
    detector, found = GaitEventDetector(rate_hz), 0
    for start in range(0, len(table.t), rows):
        found += len(detector.update(table.rows(slice(start, start + rows))))
    return found


def main() -> None:
    repeats = int(next((a for a in sys.argv[1:] if not a.startswith("--")), "5"))
    threadpool_limits(limits=1, user_api="blas")
    table, rate_hz = session_table()
    feeds = (("1-s chunks", int(rate_hz)), ("5-s chunks (replay)", int(5 * rate_hz)), ("5-row chunks (live)", 5))
    for label, rows in feeds:
        events = feed(table, rate_hz, rows)
        ms = median_s(lambda rows=rows: feed(table, rate_hz, rows), repeats) * 1000.0 / DURATION_S
        print(f"{label}: {ms:.2f} ms per second of session (median of {repeats}), {events} events")
    if "--instructions" in sys.argv:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "table.pkl"
            path.write_bytes(pickle.dumps((table, rate_hz)))
            idle = instructions(_FEED, str(path), "0")
            for label, rows in feeds:
                spent = instructions(_FEED, str(path), str(rows)) - idle
                print(f"{label}: {spent / DURATION_S / 1e6:.1f} M instructions per second of session")


if __name__ == "__main__":
    main()
