"""Speed of the simulator's sensor side: IMU synthesis + firmware + BLE delivery.

10 min x 4 sensors x 1 kHz of treadmill running (the motion model's time is not counted).
Run: ``.venv/bin/python benchmarks/bench_sim_sensors.py``. Prints the best and the median of a
few repeats per stage (other jobs may share the machine); the figures go in
docs/simulator-sensors.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

from anklet.sim._ble import LinkParams, deliver
from anklet.sim._firmware import FirmwareParams, SensorClock, emulate_firmware
from anklet.sim._imu import ImuErrorModel, ideal_imu, random_mounting, synthesize_imu
from anklet.sim._running import RunningParams, make_running

DURATION_S = 600.0
RATE_HZ = 1000
REPEATS = 3


def sensor_side(motion, rng: np.random.Generator) -> dict[str, float]:
    """Run all four sensors once; seconds spent per stage."""
    spent = dict.fromkeys(("ideal", "synthesis", "firmware", "delivery"), 0.0)
    params = FirmwareParams(sample_rate_hz=RATE_HZ)
    for name, trajectory in motion.segments.items():
        mounting = random_mounting(name.split("_")[1], rng)
        clock = SensorClock.random(rng)
        times = clock.sample_times(DURATION_S, RATE_HZ)
        start = time.perf_counter()
        ideal = ideal_imu(trajectory, mounting)
        mark = time.perf_counter()
        spent["ideal"] += mark - start
        samples = synthesize_imu(trajectory, mounting, ImuErrorModel(), times, rng, ideal=ideal)
        spent["synthesis"] += time.perf_counter() - mark
        mark = time.perf_counter()
        firmware = emulate_firmware(samples, clock.tick_us(times), params)
        spent["firmware"] += time.perf_counter() - mark
        mark = time.perf_counter()
        deliver(firmware, LinkParams(disconnects=((300.0, 2.0),)), name, rng)
        spent["delivery"] += time.perf_counter() - mark
    return spent


def main() -> None:
    motion = make_running(RunningParams(), DURATION_S, RATE_HZ, np.random.default_rng(0))
    runs = [sensor_side(motion, np.random.default_rng(seed)) for seed in range(REPEATS)]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}")
    print(f"{DURATION_S:.0f} s x {len(motion.segments)} sensors x {RATE_HZ} Hz, {REPEATS} repeats:")
    for r in runs:
        r["total"] = sum(r.values())
    for stage in runs[0]:
        values = [r[stage] for r in runs]
        print(f"  {stage:10s} best {min(values):5.2f} s   median {statistics.median(values):5.2f} s")


if __name__ == "__main__":
    main()
