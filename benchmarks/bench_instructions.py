"""The streaming core's cost in instructions, which this VM's noise does not move.

Usage: .venv/bin/python benchmarks/bench_instructions.py
(needs valgrind; compare two checkouts by running it with PYTHONPATH=<checkout>/src)

CPU time on a shared 2-core VM drifts by a third between runs (docs/pipeline.md), so a change
of 10-20 % cannot be seen in it without many interleaved runs. Valgrind's cachegrind counts
the instructions a run executes, the same on every run. Each figure is the difference of two
runs that share everything but the work measured, so start-up, imports and the simulation
cancel out:

- live steps: ``LivePipeline.handle`` on the bench's session (fast_forefoot, 4 sensors at
  1 kHz) up to 40 s minus up to 30 s: instructions per second of session after calibration;
- offline: ``AngleEstimator.update`` on 40 s of the same session minus the same run without
  it: instructions per second of session;
- replay: ``LivePipeline.replay`` with the gait stage (``anklet replay --speed max``) on easy_run
  (4 sensors at 200 Hz) up to 180 s minus up to 60 s: instructions per second of session after
  calibration; beside it the live path, ``handle`` per notification, on the same stretch.

Instructions are not time (cache misses are not counted), but fewer instructions in the same
code shape is less time, and the count tells a real change from the VM's moods.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from anklet.sim import load_scenario, simulate

# as every anklet command runs (once numpy has loaded OpenBLAS): a spinning worker would count too
_ONE_BLAS_THREAD = """
from threadpoolctl import threadpool_limits
threadpool_limits(limits=1, user_api="blas")
"""

_STEPS = """
import pickle, sys
from anklet.pipeline import LivePipeline
""" + _ONE_BLAS_THREAD + """
sensors, notifications = pickle.load(open(sys.argv[1], "rb"))
stop_s = float(sys.argv[2])
pipeline = LivePipeline(sensors)
for notification in notifications:
    if notification.host_time_s > stop_s:
        break
    pipeline.handle(notification)
"""

_REPLAY = """
import asyncio, pickle, sys
from anklet.cli._live import session_pipeline
from anklet.gait import load_athlete
from anklet.sim._virtual import VirtualSensorTransport
""" + _ONE_BLAS_THREAD + """
sensors, rate_hz, activity, notifications = pickle.load(open(sys.argv[1], "rb"))
stop_s = float(sys.argv[2])
notifications = [notification for notification in notifications if notification.host_time_s <= stop_s]
pipeline = session_pipeline(sensors, rate_hz, load_athlete(), activity)
pipeline.subscribe(maxsize=10**6)
if sys.argv[3] == "replay":
    asyncio.run(pipeline.replay(notifications))
else:
    asyncio.run(pipeline.run(VirtualSensorTransport(notifications, speed=float("inf"))))
"""

_OFFLINE = """
import pickle, sys
from anklet.pipeline import AngleEstimator, table_from_notifications
""" + _ONE_BLAS_THREAD + """
sensors, notifications = pickle.load(open(sys.argv[1], "rb"))
table = table_from_notifications(notifications)
if sys.argv[2] == "fuse":
    AngleEstimator(1000.0).update(table)
"""


def instructions(script: str, *args: str) -> int:
    """Instructions executed by ``python -c script args`` under cachegrind."""
    run = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", script, *args],
        capture_output=True, text=True, check=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    session = simulate(load_scenario("fast_forefoot"), seed=0, duration_s=40)
    run = simulate(load_scenario("easy_run"), seed=0, duration_s=180)
    with tempfile.TemporaryDirectory() as folder:
        path, run_path = Path(folder) / "session.pkl", Path(folder) / "run.pkl"
        path.write_bytes(pickle.dumps((list(session.sensors), session.notifications())))
        run_path.write_bytes(pickle.dumps((list(run.sensors), run.sample_rate_hz, run.scenario.kind, run.notifications())))
        steps = instructions(_STEPS, str(path), "40") - instructions(_STEPS, str(path), "30")
        offline = instructions(_OFFLINE, str(path), "fuse") - instructions(_OFFLINE, str(path), "none")
        replay, live = (instructions(_REPLAY, str(run_path), "180", how) - instructions(_REPLAY, str(run_path), "60", how)
                        for how in ("replay", "live"))
    print(f"live steps after calibration: {steps / 10 / 1e6:.0f} M instructions per second of session "
          "(fast_forefoot, 4 sensors x 1 kHz, 30-40 s)")
    print(f"offline calibration and fusion: {offline / 40 / 1e6:.0f} M instructions per second of session "
          "(the same 40 s as one table)")
    print(f"replay with the gait stage: {replay / 120 / 1e6:.1f} M instructions per second of session, against "
          f"{live / 120 / 1e6:.1f} M live, per notification (easy_run, 4 sensors x 200 Hz, 60-180 s)")


if __name__ == "__main__":
    main()
