"""Time a whole simulated session: 10 min, 4 sensors at 1 kHz (motion, IMU, firmware, BLE).

    .venv/bin/python benchmarks/bench_simulate.py [repeats]

Prints the median of the repeats and the share of each stage of the first run.
"""

import statistics
import sys
import time

from anklet.sim import load_scenario, simulate


def main(repeats: int) -> None:
    scenario = load_scenario("fast_forefoot")  # running at 1 kHz
    elapsed = []
    for seed in range(repeats):
        started = time.perf_counter()
        session = simulate(scenario, seed=seed, duration_s=600.0)
        elapsed.append(time.perf_counter() - started)
    samples = sum(len(sensor.samples.t) for sensor in session.sensors.values())
    print(f"10 min x {len(session.sensors)} sensors x 1 kHz ({samples / 1e6:.1f} M samples, "
          f"{sum(len(s.firmware.data.payloads) for s in session.sensors.values())} packets)")
    print(f"simulate: median {statistics.median(elapsed):.2f} s over {repeats} runs "
          f"(min {min(elapsed):.2f}, max {max(elapsed):.2f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
