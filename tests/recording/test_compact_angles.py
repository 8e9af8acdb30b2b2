"""What a compact recording costs the angles: the same simulated session through the offline
pipeline, its samples as sent and as a compact recording keeps them, against the simulator's
truth (docs/recording.md, "Compact recordings", has the figures over scenarios and seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from anklet.bench._accuracy import BenchConditions, offline_dorsiflexion_deg
from anklet.recording import COMPACT_STEPS
from anklet.recording._compact import rounded_notification
from anklet.sim import load_scenario, simulate


@pytest.mark.parametrize("scenario", ["easy_run", "squats"])
def test_compact_samples_move_the_ankle_angles_by_a_tenth_of_a_degree(scenario):
    session = simulate(BenchConditions().apply(load_scenario(scenario)), seed=1, duration_s=40)
    sent = session.notifications()
    compact = [rounded_notification(n, COMPACT_STEPS) for n in sent]
    t, lossless = offline_dorsiflexion_deg(session, sent)
    t_compact, rounded = offline_dorsiflexion_deg(session, compact)
    assert np.array_equal(t, t_compact)
    scored = t >= 5.0
    for side in lossless:
        change = (rounded[side] - lossless[side])[scored]
        assert np.sqrt(np.nanmean(change**2)) < 0.15 and np.nanmax(np.abs(change)) < 0.8, side
        truth = np.degrees(np.interp(t[scored], session.motion.t, session.motion.truth.angles_rad[side][:, 0]))
        rmse = [np.sqrt(np.nanmean((angles[side][scored] - truth) ** 2)) for angles in (lossless, rounded)]
        assert rmse[1] < rmse[0] + 0.1, rmse
