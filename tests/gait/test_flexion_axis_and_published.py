"""The foot's flexion axis from foot-only data, and the published detectors run on it."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from anklet.bench import BenchConditions
from anklet.errors import ValidationError
from anklet.gait import foot_flexion_axes, flexion_axis_from_motion, published_events
from anklet.gait._published import forward_axis
from anklet.pipeline import table_from_notifications
from anklet.sim import load_scenario, simulate

RATE_HZ = 200.0
GAITMAP_WALKING_BIAS_MS = (5.0, 50.0)
"""Rampp's and Herzer's IC and TO bias in walking on gaitmap's example data (the figure issue 5
cites)."""


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


@functools.cache
def _walk(seed: int):
    """40 s of walking at 1.4 m/s under the bench conditions, the two foot sensors only."""
    scenario = BenchConditions().apply(load_scenario("walking"))
    session = simulate(dataclasses.replace(scenario, sensors=("left_foot", "right_foot")), seed=seed, duration_s=40.0)
    return session, table_from_notifications(session.notifications())


def _errors_ms(session, events, kind: str) -> np.ndarray:
    """Each true event's nearest detection of its side - its time, ms (after the first steps)."""
    errors = []
    for side in ("left", "right"):
        detected = np.array([e.t for e in events if e.side == side])
        for t in (e.t for e in session.motion.truth.events if e.side == side and e.event == kind and 6.0 < e.t < 39.0):
            errors.append(detected[np.argmin(np.abs(detected - t))] - t)
    return 1000.0 * np.array(errors)


def test_forward_axis_runs_along_the_foot_toward_the_toes():
    session, table = _walk(20)
    axes = foot_flexion_axes(table, RATE_HZ)
    for side in ("left", "right"):
        found = forward_axis(table.acc[f"{side}_foot"], table.gyr[f"{side}_foot"], axes[side])
        true = session.sensors[f"{side}_foot"].mounting.rotation_segment_sensor.T @ np.array([1.0, 0.0, 0.0])
        assert np.degrees(np.arccos(np.clip(found @ true, -1.0, 1.0))) < 5.0, side  # backward: near 180


@pytest.mark.parametrize(("detector", "measured_ms"), [("ic_rampp", 27.0), ("ic_herzer", 17.0)])
def test_rampp_and_herzer_ic_are_late_by_gaitmaps_walking_bias(detector, measured_ms):
    """Their IC comes after the heel strike in walking (the forward reading's peak and its
    steepest rise follow the impact), by the 5-50 ms gaitmap reports, and by what
    docs/gait.md reports here (a detection 8 ms off it, either way, fails)."""
    session, table = _walk(21)
    found = published_events(table, RATE_HZ, foot_flexion_axes(table, RATE_HZ))[detector]
    errors = _errors_ms(session, found, "IC")
    assert len(errors) > 60 and np.mean(np.abs(errors) < 150.0) > 0.97  # nearly every heel strike
    bias = float(np.median(errors))
    assert GAITMAP_WALKING_BIAS_MS[0] < bias < GAITMAP_WALKING_BIAS_MS[1]
    assert abs(bias - measured_ms) < 8.0, bias
    assert np.percentile(errors, 75) - np.percentile(errors, 25) < 10.0  # precise, not scattered

