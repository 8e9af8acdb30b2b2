"""The foot's flexion axis from foot-only data, and the published detectors run on it."""

from __future__ import annotations

import numpy as np
import pytest

from anklet.errors import ValidationError
from anklet.gait import foot_flexion_axes, flexion_axis_from_motion, published_events

RATE_HZ = 200.0


def _true_axis(session, side: str) -> np.ndarray:
    """The foot segment's Z (right) axis in the sensor frame: what the finder must recover."""
    return session.sensors[f"{side}_foot"].mounting.rotation_segment_sensor.T @ np.array([0.0, 0.0, 1.0])


@pytest.mark.parametrize(("speed_mps", "strike", "seed"), [(2.5, "rearfoot", 10), (4.0, "midfoot", 11), (5.5, "forefoot", 12)])
def test_axis_from_motion_is_the_flexion_axis_with_the_toes_up_sign(running, speed_mps, strike, seed):
    session, table = running(speed_mps, strike, seed, 20.0)
    for side in ("left", "right"):
        axis = flexion_axis_from_motion(table.acc[f"{side}_foot"], table.gyr[f"{side}_foot"], RATE_HZ)
        error_deg = np.degrees(np.arccos(np.clip(axis @ _true_axis(session, side), -1.0, 1.0)))
        assert error_deg < 5.0, side  # a wrong sign would be near 180


def test_axis_needs_walking_or_running(running):
    _, table = running(3.0, "rearfoot", 13, 12.0)
    standing = table.rows(slice(0, int(3.5 * RATE_HZ)))
    with pytest.raises(ValidationError, match="flexion axis needs"):
        flexion_axis_from_motion(standing.acc["left_foot"], standing.gyr["left_foot"], RATE_HZ)


def test_published_detectors_keep_their_known_biases(running):
    """On the simulator, where the foot turns fastest before toe-off and stops plantarflexing
    about 100 ms after it: the TO at the gyro minimum comes early, the one at the zero crossing
    late; a rearfoot strike's IC is near the minimum of its first half-cycle."""
    session, table = running(3.5, "rearfoot", 14, 25.0)
    found = published_events(table, RATE_HZ, foot_flexion_axes(table, RATE_HZ))
    bias_ms = {}
    for name, events in found.items():
        kind = events[0].event
        errors = []
        for side in ("left", "right"):
            detected = np.array([e.t for e in events if e.side == side])
            for t in (e.t for e in session.motion.truth.events if e.side == side and e.event == kind and e.t > 6.0):
                errors.append(detected[np.argmin(np.abs(detected - t))] - t)
        bias_ms[name] = 1000.0 * float(np.median(errors))
    assert -45.0 < bias_ms["to_gyro_minimum"] < -10.0
    assert 70.0 < bias_ms["to_zero_crossing"] < 130.0
    assert 5.0 < bias_ms["ic_gyro_minimum"] < 40.0
