"""What a compact recording (``--compact``) costs the ankle angles.

Usage: .venv/bin/python benchmarks/bench_compact.py [duration_s] [scenario ...]

Each scenario (default easy_run, fast_forefoot, squats, knee_to_wall; seeds 0-2, ``duration_s``
of each, default 120) is simulated under the accuracy bench's conditions (random mounting, the
default IMU errors, 5 % packet loss, ±50 ppm clocks) and run through the offline pipeline
twice: its samples as sent, and as a compact recording keeps them (``rounded_payload``, what
the live pipeline of a compact session sees). Per side: the dorsiflexion's RMS and largest
change (deg), and its RMSE against the simulator's truth, both ways, from t = 5 s.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from anklet.bench._accuracy import BenchConditions
from anklet.calibration import CalibrationParams
from anklet.pipeline import AngleParams, angles_from_table, table_from_notifications
from anklet.recording import COMPACT_STEPS
from anklet.recording._compact import rounded_payload
from anklet.sim import load_scenario, simulate

SCENARIOS = ("easy_run", "fast_forefoot", "squats", "knee_to_wall")


def dorsiflexion_deg(notifications, kind: str, rate_hz: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    table = table_from_notifications(notifications)
    chunk, _ = angles_from_table(table, rate_hz, AngleParams(calibration=CalibrationParams(activity=kind)))
    return chunk.t, {side: np.degrees(angles[:, 0]) for side, angles in chunk.angles.items()}


def main() -> None:
    duration_s = float(sys.argv[1]) if len(sys.argv) > 1 else 120.0
    for scenario in sys.argv[2:] or SCENARIOS:
        for seed in (0, 1, 2):
            session = simulate(BenchConditions().apply(load_scenario(scenario)), seed=seed, duration_s=duration_s)
            sent = session.notifications()
            compact = [
                dataclasses.replace(n, payload=rounded_payload(n.payload, COMPACT_STEPS)) if n.channel == "data" else n
                for n in sent
            ]
            kind, rate = session.scenario.kind, session.sample_rate_hz
            t, lossless = dorsiflexion_deg(sent, kind, rate)
            _, rounded = dorsiflexion_deg(compact, kind, rate)
            scored = t >= 5.0
            for side in lossless:
                change = (rounded[side] - lossless[side])[scored]
                truth = np.degrees(np.interp(t[scored], session.motion.t, session.motion.truth.angles_rad[side][:, 0]))
                rmse = [float(np.sqrt(np.nanmean((a[side][scored] - truth) ** 2))) for a in (lossless, rounded)]
                print(f"{scenario} seed {seed} {side}: change RMS {np.sqrt(np.nanmean(change**2)):.3f} deg, "
                      f"largest {np.nanmax(np.abs(change)):.3f} deg; RMSE against truth {rmse[0]:.3f} -> {rmse[1]:.3f} deg",
                      flush=True)


if __name__ == "__main__":
    main()
