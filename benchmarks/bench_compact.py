"""What a compact recording (``--compact``) costs the ankle angles.

Usage: .venv/bin/python benchmarks/bench_compact.py [duration_s] [scenario ...]

Each scenario (default easy_run, fast_forefoot, squats, knee_to_wall; seeds 0-2, ``duration_s``
of each, default 120) is simulated under the accuracy bench's conditions (random mounting, the
default IMU errors, 5 % packet loss, ±50 ppm clocks) and run through the offline pipeline
twice: its notifications as sent, and as a compact recording keeps them
(``rounded_notification``, what the live pipeline of a compact session sees). Per side: the dorsiflexion's RMS and largest
change (deg), and its RMSE against the simulator's truth, both ways, from t = 5 s.
"""

from __future__ import annotations

import sys

import numpy as np

from anklet.bench._accuracy import BenchConditions, offline_dorsiflexion_deg
from anklet.recording import COMPACT_STEPS
from anklet.recording._compact import rounded_notification
from anklet.sim import load_scenario, simulate

SCENARIOS = ("easy_run", "fast_forefoot", "squats", "knee_to_wall")


def main() -> None:
    duration_s = float(sys.argv[1]) if len(sys.argv) > 1 else 120.0
    for scenario in sys.argv[2:] or SCENARIOS:
        for seed in (0, 1, 2):
            session = simulate(BenchConditions().apply(load_scenario(scenario)), seed=seed, duration_s=duration_s)
            sent = session.notifications()
            compact = [rounded_notification(n, COMPACT_STEPS) for n in sent]
            t, lossless = offline_dorsiflexion_deg(session, sent)
            _, rounded = offline_dorsiflexion_deg(session, compact)
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
