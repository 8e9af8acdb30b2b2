"""Strides from events and angles, against the simulator's truth strides, and the symmetry of the sides."""

from __future__ import annotations

import math

import numpy as np
import pytest

from anklet.files import STRIDE_COLUMNS
from anklet.gait import GaitEvent, Stride, detect_events, strides_from_events, symmetry
from anklet.pipeline import AngleChunk, angles_from_table

RATE_HZ = 200.0


def _events(*rows: tuple[float, str, str]) -> list[GaitEvent]:
    return [GaitEvent(t, side, event) for t, side, event in rows]


def test_stride_record_starts_with_the_strides_csv_columns():
    fields = list(Stride.__dataclass_fields__)
    assert fields[: len(STRIDE_COLUMNS)] == list(STRIDE_COLUMNS)


def test_running_stride_times_flight_and_angles_from_events():
    events = _events(
        (1.00, "left", "IC"), (1.25, "left", "TO"), (1.35, "right", "IC"), (1.60, "right", "TO"),
        (1.70, "left", "IC"), (1.95, "left", "TO"), (2.05, "right", "IC"),
    )
    t = np.arange(0.9, 2.2, 0.005)
    dorsiflexion = np.radians(np.interp(t, [1.0, 1.1, 1.25, 1.35, 1.7], [0.0, 20.0, -20.0, -27.0, 2.0]))
    angles = AngleChunk(t, {"left": np.column_stack([dorsiflexion, 0 * t, 0 * t])})
    strides = strides_from_events(events, angles, restricted_pf_to_deg=-15.0)
    assert [(s.side, s.ic_t, s.to_t, s.end_t) for s in strides] == [("left", 1.0, 1.25, 1.7), ("right", 1.35, 1.6, 2.05)]
    left, right = strides
    assert left.contact_time_s == pytest.approx(0.25) and left.flight_time_s == pytest.approx(0.10)
    assert left.stride_time_s == pytest.approx(0.70) and left.cadence_spm == pytest.approx(120 / 0.7)
    assert left.ankle_angle_at_ic_deg == pytest.approx(0.0, abs=1e-9)
    assert left.ankle_angle_at_to_deg == pytest.approx(-20.0, abs=1e-6)
    assert left.peak_dorsiflexion_deg == pytest.approx(20.0, abs=1e-6)
    assert left.peak_plantarflexion_deg == pytest.approx(-27.0, abs=1e-6)
    assert left.range_deg == pytest.approx(47.0, abs=1e-6)
    assert left.restricted_pf is False
    assert math.isnan(right.ankle_angle_at_to_deg) and right.restricted_pf is False  # no right angles


def test_restricted_pf_comes_from_the_threshold_given_and_walking_has_no_flight():
    events = _events(
        (1.0, "left", "IC"), (1.5, "right", "IC"), (1.65, "left", "TO"), (2.1, "left", "IC"),
    )
    t = np.arange(0.9, 2.2, 0.01)
    angles = AngleChunk(t, {"left": np.column_stack([np.radians(np.full_like(t, -8.0)), 0 * t, 0 * t])})
    (walk,) = strides_from_events(events, angles, restricted_pf_to_deg=-15.0)
    assert walk.flight_time_s == 0.0  # the right foot landed before the left one left
    assert walk.restricted_pf is True
    (unflagged,) = strides_from_events(events, angles)
    assert unflagged.restricted_pf is False


def test_no_stride_without_its_toe_off_or_across_a_stop():
    events = _events((1.0, "left", "IC"), (1.7, "left", "IC"), (1.9, "left", "TO"), (9.0, "left", "IC"))
    assert strides_from_events(events) == []


def test_symmetry_medians_difference_and_index():
    def stride(side: str, contact_s: float, to_deg: float) -> Stride:
        return Stride(side, 0.0, contact_s, 0.7, contact_s, to_deg, False, 0.1, 0.7, 120 / 0.7, 0.0, 20.0, -25.0, 45.0)

    strides = [stride("left", 0.24, -20.0), stride("left", 0.26, -22.0), stride("right", 0.20, -10.0)]
    by_metric = {s.metric: s for s in symmetry(strides)}
    contact = by_metric["contact_time_s"]
    assert (contact.left, contact.right) == pytest.approx((0.25, 0.20))
    assert contact.difference == pytest.approx(0.05)
    assert contact.symmetry_index_pct == pytest.approx(100 * 0.05 / 0.225)
    to_angle = by_metric["ankle_angle_at_to_deg"]
    assert to_angle.difference == pytest.approx(-11.0) and math.isnan(to_angle.symmetry_index_pct)


def test_strides_of_a_simulated_run_follow_the_truth(running):
    session, table = running(3.5, "midfoot", 15, 40.0, feet_only=False)
    angles, _ = angles_from_table(table, RATE_HZ)
    strides = strides_from_events(detect_events(table, RATE_HZ), angles)
    truth = [s for s in session.motion.truth.strides if s.ic_t > 5.0]
    matched = []
    for true in truth:
        near = [s for s in strides if s.side == true.side and abs(s.ic_t - true.ic_t) < 0.05]
        if near:
            matched.append((near[0], true))
    assert len(matched) >= 0.97 * len(truth)
    contact_error_ms = [1000 * (s.contact_time_s - t.contact_time_s) for s, t in matched]
    assert np.median(np.abs(contact_error_ms)) < 5.0
    to_angle_error = [s.ankle_angle_at_to_deg - t.ankle_angle_at_to_deg for s, t in matched]
    assert np.nanmedian(np.abs(to_angle_error)) < 4.0
