"""The clock drift figure (``ClockSync.drift_reading``) against anklet.sim's true clocks, and
what it costs per packet.

For each case (a scenario, perhaps with another connection interval) and seed, four sensors with set sizes of drift (sign drawn per sensor) are fed
packet by packet as the live link does, and the reading is taken every 10 s. Per sensor: when
the figure was first resolved, the worst error of any resolved figure shown, whether any bound
shown was broken (|truth| >= bound), and the last reading. Then the cost: ``update_one`` over a
whole sensor's packets, with the long baseline and without it. Last, synthetic staircases
(7 drifts x 20 phases of the event grid, baselines growing by 30 s to 3000 s) with exponential
jitter of 0-0.5 ms on every bin's minimum: resolved figures more than 1.5 ppm off, bounds
broken, and how many 5-ms steps of drift the baseline held when the figure was resolved.

Usage: .venv/bin/python benchmarks/bench_drift.py [duration_s] [n_seeds]
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from timing.test_drift import staircase  # noqa: E402

from anklet.protocol import decode_packet  # noqa: E402
from anklet.sim import load_scenario, simulate  # noqa: E402
from anklet.timing import ClockSync, DriftParams  # noqa: E402
from anklet.timing._drift import DriftTracker, read_drift  # noqa: E402

CASES = {  # label: scenario, [link] overrides, drift sizes of left_shank, left_foot, right_shank, right_foot (ppm)
    "easy_run": ("easy_run", {}, (2.0, 9.0, 20.0, 45.0)),
    "chaos": ("chaos", {}, (5.0, 30.0, 60.0, 100.0)),
    "ci30ms": ("easy_run", {"connection_interval_s": 0.030}, (5.0, 20.0, 40.0, 80.0)),  # a 10-ms step
}
READ_EVERY_S = 10.0


def packets(sensor) -> list[tuple]:
    rows = []
    for notification in sensor.delivery.notifications:
        if notification.channel == "data":
            p = decode_packet(notification.payload)
            rows.append((p.tick_us, p.n_samples, float(p.sample_rate_hz), p.sequence, p.clock_reset, notification.host_time_s))
    return rows


def readings(rows: list[tuple]) -> list[tuple[float, object]]:
    sync, out, next_s = ClockSync(), [], READ_EVERY_S
    for row in rows:
        if row[-1] >= next_s:
            out.append((next_s, sync.drift_reading()))
            next_s += READ_EVERY_S
        sync.update_one(*row)
    return out


def accuracy(duration_s: float, n_seeds: int) -> list[list[tuple]]:
    print(f"{'scenario':<9} {'seed':>4} {'sensor':<12} {'truth':>7} {'resolved at':>11} {'max err':>7} "
          f"{'bounds':>6} {'last reading':>14}")
    all_rows = []
    for label, (scenario, link, sizes) in CASES.items():
        base = load_scenario(scenario)
        for seed in range(n_seeds):
            firmware = {name: {**base.per_sensor_firmware.get(name, {}), "clock_drift_ppm": size}
                        for name, size in zip(base.sensors, sizes, strict=True)}
            chosen = dataclasses.replace(base, per_sensor_firmware=firmware, link={**base.link, **link})
            session = simulate(chosen, seed=seed, duration_s=duration_s)
            for sensor in session.sensors.values():
                rows = packets(sensor)
                all_rows.append(rows)
                truth, shown = sensor.clock.drift_ppm, readings(rows)
                resolved = [(t, r.ppm) for t, r in shown if r.ppm is not None]
                broken = sum(1 for _, r in shown if r.below_ppm is not None and abs(truth) >= r.below_ppm)
                err = max((abs(ppm - truth) for _, ppm in resolved), default=float("nan"))
                last = shown[-1][1]
                last_text = (f"{last.ppm:+.1f} ppm" if last.ppm is not None
                             else f"< {last.below_ppm:.1f} ppm" if last.below_ppm is not None else "--")
                at = f"{resolved[0][0]:.0f} s" if resolved else "-"
                print(f"{label:<9} {seed:>4} {sensor.name:<12} {truth:>+7.1f} {at:>11} {err:>7.2f} "
                      f"{'ok' if not broken else broken:>6} {last_text:>14}")
    return all_rows


def cost(all_rows: list[list[tuple]]) -> None:
    def run(rows: list[tuple]) -> float:
        sync = ClockSync()
        t0 = time.perf_counter()
        for row in rows:
            sync.update_one(*row)
        return time.perf_counter() - t0

    n = sum(len(rows) for rows in all_rows)
    with_s = min(sum(run(rows) for rows in all_rows) for _ in range(3))
    add = DriftTracker.add
    DriftTracker.add = lambda self, bin_id, x_s, d_s: None  # the long baseline left out
    try:
        without_s = min(sum(run(rows) for rows in all_rows) for _ in range(3))
    finally:
        DriftTracker.add = add
    print(f"update_one per packet: {with_s / n * 1e6:.2f} µs with the long baseline, "
          f"{without_s / n * 1e6:.2f} µs without: +{(with_s - without_s) / n * 1e6:.2f} µs "
          f"({n} packets, best of 3)")
    read_s = []
    tracker = DriftTracker()
    for i, (x, d) in enumerate(zip(np.arange(256) * 2.0, np.zeros(256), strict=True)):
        tracker.add(i, float(x), float(d))
    x, d = tracker._x[: tracker._n], tracker._d[: tracker._n]
    for _ in range(50):
        t0 = time.perf_counter()
        read_drift(x, d, tracker.params)
        read_s.append(time.perf_counter() - t0)
    print(f"one reading at full capacity ({tracker._n} points): {np.median(read_s) * 1e3:.2f} ms median")


def staircases() -> None:
    rng = np.random.default_rng(0)
    for jitter_s in (0.0, 1e-4, 3e-4, 5e-4):
        wrong = broken = cases = 0
        steps = []
        for drift in (-60, -25, 2, 9, 15, 33, 80):
            for phase in np.linspace(0, 1, 21)[:-1]:
                x, d = staircase(drift, 3000, phase=phase)
                d = d + rng.exponential(jitter_s, len(d)) if jitter_s else d
                for span_s in np.arange(120, 3000, 30.0):
                    cases += 1
                    reading = read_drift(x[x - x[0] <= span_s], d[x - x[0] <= span_s], DriftParams())
                    if reading.ppm is not None:
                        wrong += abs(reading.ppm - drift) > 1.5
                        steps.append(span_s * abs(drift) * 1e-6 / 0.005)
                        break
                    broken += abs(drift) >= reading.below_ppm
        print(f"staircases, jitter {jitter_s * 1e3:.1f} ms: {wrong} figures > 1.5 ppm off, {broken} of {cases} "
              f"bounds broken; resolved after {np.median(steps):.1f} steps (median), {max(steps):.1f} (max)")


if __name__ == "__main__":
    duration = float(sys.argv[1]) if len(sys.argv) > 1 else 900.0
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    cost(accuracy(duration, seeds))
    staircases()
